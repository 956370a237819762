//! What can be wrong with a knowledge base: one variant per kind of problem,
//! each with its message (lower case, user input in backticks) and a stable
//! code that names its fixture in `tests/lints.rs`.

/// One kind of problem, with the values its message names.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[expect(missing_docs, reason = "each variant is documented by its message")]
pub enum ProblemKind {
    // Files and folders.
    #[error("file given twice")]
    FileTwice,
    #[error("unexpected file at the top of the knowledge folder")]
    TopLevelFile,
    #[error("knowledge files must end in `.toml`")]
    NotToml,
    #[error("knowledge folders are one level deep")]
    TooDeep,
    #[error("file name `{id}` is not a valid id (use snake_case: a-z, 0-9, _)")]
    BadFileName { id: String },
    #[error("unknown knowledge folder `{folder}`")]
    UnknownFolder { folder: String },
    #[error("missing: the knowledge base needs a `kb.toml`")]
    MissingMeta,
    #[error("missing: the seed coverage list is required")]
    MissingSeed,
    /// The TOML parser's or the schema's message (first line only).
    #[error("{message}")]
    Toml { message: String },

    // Shared by every kind.
    #[error("unknown {what} `{id}`{hint}")]
    UnknownId { what: &'static str, id: String, hint: String },
    #[error("`{key}` must not be empty")]
    Empty { key: String },
    #[error("`{key}` = {value} is out of range [{lo}, {hi}]")]
    OutOfRange { key: String, value: f64, lo: f64, hi: f64 },
    #[error("`sources` must name at least one reference")]
    NoSources,

    // kb.toml
    #[error("`settings` must list at least one care setting")]
    NoSettings,
    #[error("setting `{setting}` is not a valid id")]
    BadSetting { setting: String },
    #[error("setting `{setting}` has no `[care_setting.{setting}]` naming it and saying what it covers")]
    SettingUndescribed { setting: String },
    #[error("`[care_setting.{setting}]` describes a setting that is not in `settings`")]
    CareSettingUnknown { setting: String },
    #[error("`fits_well_probability` must be above `relevant_probability`")]
    FitsWellNotAbove,
    #[error("`always_in_play` must be a whole number of conditions")]
    AlwaysInPlayFraction,
    #[error("`next_questions` must be 1 to 50")]
    NextQuestionsRange,
    #[error("default setting `{setting}` is not in `settings`")]
    DefaultSettingUnknown { setting: String },

    // Question groups.
    #[error("`picture` needs a `picture_alt` that says what it shows")]
    PictureWithoutAlt,
    #[error("`picture_alt` without a `picture`")]
    AltWithoutPicture,

    // Findings.
    #[error("unknown sex `{sex}` in `sexes`: use female, male or other")]
    UnknownSex { sex: String },
    #[error("a finding cannot imply itself")]
    SelfImplied,
    #[error("`implied_by` finding `{finding}` must be yes/no")]
    ImpliedByNotYesNo { finding: String },
    #[error("only a yes/no finding can be implied by others")]
    ImpliedNotYesNo,
    #[error("only a yes/no finding can have `presupposes` (it changes what a \"no\" means)")]
    PresupposesNotYesNo,
    #[error("an expert-estimate `background` needs a `note`")]
    BackgroundNeedsNote,
    #[error("a `number` finding needs `min` < `max`")]
    NumberRange,
    #[error("a `choice` finding needs at least two `options`")]
    TooFewOptions,
    #[error("a derived finding must have answer = \"yes_no\"")]
    DerivedNotYesNo,
    #[error("`derived` needs exactly one of `at_least`, `below`, `equals`, `one_of`")]
    DerivedRuleCount,
    #[error("`{field}` is numeric: use `at_least` or `below`")]
    DerivedNumericField { field: String },
    #[error("`{field}` is text: use `equals` or `one_of`")]
    DerivedTextField { field: String },
    #[error(
        "`derived.field` `{field}` is neither a case field (age, duration_weeks, sex, sides) nor a finding"
    )]
    DerivedFieldUnknown { field: String },
    #[error("a derived finding cannot derive from another derived finding")]
    DerivedFromDerived,
    #[error("`{finding}` is not numeric")]
    DerivedSourceNotNumeric { finding: String },
    #[error("`{finding}` is not a choice finding")]
    DerivedSourceNotChoice { finding: String },
    #[error("`from_treatments` needs a yes/no finding that is not derived")]
    FromTreatmentsFinding,
    #[error("`from_treatments.responses` must name at least one response")]
    FromTreatmentsNoResponses,
    #[error("unknown treatment response `{response}` (good, partial, none, worse)")]
    UnknownResponse { response: String },
    #[error("response `{response}` is both in `from_treatments.responses` and in `from_treatments.unless`")]
    FromTreatmentsBoth { response: String },

    // Conditions.
    #[error("prior for unknown setting `{setting}`")]
    PriorUnknownSetting { setting: String },
    #[error("two priors for setting `{setting}`")]
    PriorTwice { setting: String },
    #[error("prior probability {probability} for `{setting}` must lie strictly between 0 and 1")]
    PriorOutOfRange { probability: f64, setting: String },
    #[error("no prior for setting `{setting}`")]
    NoPrior { setting: String },
    #[error("evidence for `{finding}` on an exclusion condition must have lr_positive below 1")]
    ExclusionRaises { finding: String },
    #[error("`raise_when_any` lists `{finding}`, which is not a yes/no finding")]
    TelltaleNotYesNo { finding: String },
    #[error("a condition cannot coexist with itself")]
    SelfCoexists,
    #[error("two coexistence entries for `{condition}`")]
    CoexistsTwice { condition: String },
    #[error(
        "`{condition}` has variants and cannot be a coexisting condition yet (the pair would use its main presentation only)"
    )]
    CoexistsWithVariants { condition: String },
    #[error("coexistence probability {probability} must lie strictly between 0 and 1")]
    CoexistenceOutOfRange { probability: f64 },
    #[error(
        "coexistence probabilities sum to {sum}; they must stay below 1 (the rest is the condition alone)"
    )]
    CoexistenceSum { sum: f64 },
    #[error("an exclusion condition cannot have variants (it is what the specific conditions leave)")]
    VariantOnExclusion,
    #[error(
        "a condition with variants cannot list `coexists` yet (a pair would use its main presentation only)"
    )]
    VariantWithCoexistence,
    #[error("two variants with id `{variant}`")]
    VariantTwice { variant: String },
    #[error(
        "variant shares sum to {sum}; they must stay below 1 (the rest is the condition's main presentation)"
    )]
    VariantShareSum { sum: f64 },
    #[error("two evidence entries for finding `{finding}`")]
    EvidenceTwice { finding: String },
    #[error("evidence needs a yes/no finding; `{finding}` is not (derive a yes/no finding from it)")]
    EvidenceNotYesNo { finding: String },
    #[error(
        "finding `{finding}` is used as evidence but has no `background` frequency (its file must give one)"
    )]
    EvidenceWithoutBackground { finding: String },
    #[error("evidence for `{finding}`: {reason}")]
    EvidenceLikelihood { finding: String, reason: String },
    #[error("expert estimate for `{finding}` needs a `note` saying what it rests on")]
    EstimateNeedsNote { finding: String },

    // Correlation groups.
    #[error("a correlation group needs at least two findings")]
    CorrelationTooSmall,
    #[error("finding `{finding}` is already in correlation group `{group}`")]
    AlreadyCorrelated { finding: String, group: String },

    // Red flags.
    #[error("a red flag must name the condition(s) it is for in `conditions`")]
    RedFlagNoConditions,
    #[error("a red flag needs `any_of` or `all_of` findings")]
    RedFlagNoFindings,
    #[error("red-flag finding `{finding}` must be yes/no")]
    RedFlagNotYesNo { finding: String },
    #[error("`min_present` = {min_present} must lie between 1 and the {any_of} finding(s) of `any_of`")]
    MinPresentRange { min_present: usize, any_of: usize },

    // Criteria.
    #[error("criteria need at least one `item`")]
    NoCriteriaItems,
    #[error("a criteria item needs exactly one of `finding` or `any_of`")]
    CriteriaItemShape,
    #[error("`block.min_relief` must lie in (0, 1]")]
    BlockMinRelief,
    #[error("`block.at_minutes` must be positive and `tolerance_minutes` between 0 and it")]
    BlockTiming,
    #[error("guidance `{guidance}` is not `ultrasound`, `fluoroscopy` or `landmark`")]
    UnknownGuidance { guidance: String },

    // Block protocols.
    #[error("`inconclusive_relief` must not exceed `positive_relief`")]
    InconclusiveAbovePositive,
    #[error("the reading window must start before it ends")]
    EmptyWindow,

    // Record-code mappings.
    #[error("a record mapping names exactly one of `finding` and `treatment`")]
    RecordTarget,
    #[error("`{finding}` is derived from other answers; map the record to what it is derived from")]
    RecordDerived { finding: String },
    #[error("`{option}` is not an option of `{finding}` ({options})")]
    NotAnOption { option: String, finding: String, options: String },
    #[error("`{finding}` is a choice: say which `option` the codes give")]
    ChoiceNeedsOption { finding: String },
    #[error("`option` applies to choice findings only, not `{finding}`")]
    OptionNotChoice { finding: String },
    #[error("`{finding}` takes a value, which only an `Observation` carries")]
    ValueNeedsObservation { finding: String },
    #[error("`resources` must name at least one FHIR resource type")]
    NoResources,
    #[error("`{resource}` is not a resource type Cluneal reads (one of {known})")]
    UnknownResource { resource: String, known: String },
    #[error("`gives_duration` needs `Condition` among `resources`")]
    DurationNeedsCondition,
    #[error("`codes` must list at least one code")]
    NoCodes,
    #[error("`{system}` is not a system URI")]
    NotSystemUri { system: String },
    #[error("code `{code}` is listed twice")]
    CodeTwice { code: String },

    // CDS cards.
    #[error("hook `{hook}` is not `patient-view` or `order-select`")]
    UnknownHook { hook: String },
    #[error("indicator `{indicator}` is not `info`, `warning` or `critical`")]
    UnknownIndicator { indicator: String },
    #[error("`summary` can reach {chars} characters; CDS Hooks wants under 140")]
    SummaryTooLong { chars: usize },
    #[error("`order_for_unexplained_pain` goes with the `order-select` hook, and only it")]
    OrderTriggerHook,
    #[error("an order card lists `order_codes`; other cards list none")]
    OrderCodes,
    #[error("`persistent_pain_without_cause` needs `min_weeks`")]
    PersistentNeedsWeeks,
    #[error("a red-flag card takes no `min_weeks`")]
    RedFlagCardWeeks,
    #[error("override reason `{code}` is not a valid id")]
    BadOverrideReason { code: String },
    #[error("override reason `{code}` is listed twice")]
    OverrideReasonTwice { code: String },

    // Plan steps.
    #[error("plan step order {order} is also used by `{other}`")]
    StepOrderTaken { order: i64, other: String },
    #[error("`lasting_relief_weeks` belongs to a block step (with `completed_by_finding`)")]
    LastingReliefWithoutBlock,

    // Exercises.
    #[error("picture `{picture}` is also used by exercise `{other}`: each exercise needs its own")]
    PictureShared { picture: String, other: String },
    #[error("an exercise needs its `steps`")]
    NoSteps,
    #[error("dosage needs sets >= 1, reps >= 1 and per_week in 1..=21")]
    BadDosage,

    // Self-care.
    #[error("`urgency` is required for kind = \"seek_care\" and only there")]
    UrgencyKind,

    // Education.
    #[error("an education topic needs at least one section")]
    NoSections,

    // References.
    #[error("url `{url}` must start with http:// or https://")]
    BadUrl { url: String },

    // Seed coverage and the comparison table.
    #[error("the seed coverage list is empty")]
    SeedEmpty,
    #[error("seed item not covered: [{section}] {text}")]
    SeedNotCovered { section: String, text: String },
    #[error("seed item [{section}] \"{text}\" is not covered: the knowledge base lacks `{id}`")]
    SeedLacks { section: String, text: String, id: String },
    #[error(
        "no category with members that carry a `[comparison]` profile: the comparison table cannot be built"
    )]
    NoComparison,
}
