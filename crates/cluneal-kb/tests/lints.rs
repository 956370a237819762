//! The lints against fixtures: a small clean knowledge base that passes, and
//! one broken copy per kind of problem, each giving exactly its message at its
//! file and line.
#![expect(
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers: a broken fixture must fail the test"
)]

use cluneal_kb::{KnowledgeBase, SourceFile};

/// The clean knowledge base (`tests/fixtures/clean`): one file of each kind.
const CLEAN: &[(&str, &str)] = &[
    ("blocks/scn_block.toml", include_str!("fixtures/clean/blocks/scn_block.toml")),
    ("categories/entrapment.toml", include_str!("fixtures/clean/categories/entrapment.toml")),
    ("cds_cards/red_flag_card.toml", include_str!("fixtures/clean/cds_cards/red_flag_card.toml")),
    ("conditions/back_pain.toml", include_str!("fixtures/clean/conditions/back_pain.toml")),
    ("conditions/scne.toml", include_str!("fixtures/clean/conditions/scne.toml")),
    ("correlations/crest.toml", include_str!("fixtures/clean/correlations/crest.toml")),
    ("criteria/scne_criteria.toml", include_str!("fixtures/clean/criteria/scne_criteria.toml")),
    ("diagnostics/palpation.toml", include_str!("fixtures/clean/diagnostics/palpation.toml")),
    ("education/about_scne.toml", include_str!("fixtures/clean/education/about_scne.toml")),
    ("exercises/bridge.toml", include_str!("fixtures/clean/exercises/bridge.toml")),
    ("findings/block_positive.toml", include_str!("fixtures/clean/findings/block_positive.toml")),
    ("findings/heat_helped.toml", include_str!("fixtures/clean/findings/heat_helped.toml")),
    ("findings/pain_crest.toml", include_str!("fixtures/clean/findings/pain_crest.toml")),
    ("findings/pain_score.toml", include_str!("fixtures/clean/findings/pain_score.toml")),
    ("findings/pain_side.toml", include_str!("fixtures/clean/findings/pain_side.toml")),
    ("findings/severe_pain.toml", include_str!("fixtures/clean/findings/severe_pain.toml")),
    ("findings/tender_crest.toml", include_str!("fixtures/clean/findings/tender_crest.toml")),
    ("kb.toml", include_str!("fixtures/clean/kb.toml")),
    ("plan_steps/block_step.toml", include_str!("fixtures/clean/plan_steps/block_step.toml")),
    ("plan_steps/conservative_care.toml", include_str!("fixtures/clean/plan_steps/conservative_care.toml")),
    ("question_groups/about.toml", include_str!("fixtures/clean/question_groups/about.toml")),
    (
        "record_codes/crest_pain_record.toml",
        include_str!("fixtures/clean/record_codes/crest_pain_record.toml"),
    ),
    ("red_flags/severe.toml", include_str!("fixtures/clean/red_flags/severe.toml")),
    ("references/ref_a.toml", include_str!("fixtures/clean/references/ref_a.toml")),
    ("references/ref_b.toml", include_str!("fixtures/clean/references/ref_b.toml")),
    ("seed_coverage.toml", include_str!("fixtures/clean/seed_coverage.toml")),
    ("self_care/see_doctor.toml", include_str!("fixtures/clean/self_care/see_doctor.toml")),
    ("treatments/heat.toml", include_str!("fixtures/clean/treatments/heat.toml")),
];

fn clean() -> Vec<SourceFile> {
    CLEAN.iter().map(|(p, t)| SourceFile { path: (*p).to_string(), text: (*t).to_string() }).collect()
}

/// Every problem of `files`, as `kb check` prints it.
fn problems(files: &[SourceFile]) -> Vec<String> {
    match KnowledgeBase::load(files) {
        Ok(_) => Vec::new(),
        Err(e) => e.0.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn the_clean_fixture_passes_every_lint() {
    assert_eq!(problems(&clean()), Vec::<String>::new());
}

/// How a broken fixture differs from the clean knowledge base.
enum Edit {
    /// Replace the first occurrence of the text in the file.
    Replace(&'static str, &'static str),
    /// Append to the file.
    Append(&'static str),
    /// Replace the whole file.
    Write(&'static str),
    /// Add a file with this text.
    Add(&'static str),
    /// Add a copy of this clean file.
    CopyOf(&'static str),
    /// Remove the file.
    Remove,
}

/// One broken fixture: the clean knowledge base with `file` edited, and every
/// problem `kb check` must print for it, in its order: one of kind `kind`, and
/// for a few kinds the problems that follow from it.
struct Broken {
    kind: &'static str,
    file: &'static str,
    edit: Edit,
    expect: &'static [&'static str],
}

impl Broken {
    fn files(&self) -> Vec<SourceFile> {
        let mut files = clean();
        let position = files.iter().position(|f| f.path == self.file);
        let text_of = |path: &str| CLEAN.iter().find(|(p, _)| *p == path).map(|(_, t)| t.to_string());
        let add = |files: &mut Vec<SourceFile>, text: String| {
            files.push(SourceFile { path: self.file.to_string(), text });
        };
        match (&self.edit, position) {
            (Edit::Replace(from, to), Some(i)) => {
                assert!(files[i].text.contains(from), "{}: `{from}` is not in {}", self.kind, self.file);
                files[i].text = files[i].text.replacen(from, to, 1);
            }
            (Edit::Append(more), Some(i)) => files[i].text.push_str(more),
            (Edit::Write(text), Some(i)) => files[i].text = (*text).to_string(),
            (Edit::Remove, Some(i)) => {
                files.remove(i);
            }
            (Edit::Add(text), _) => add(&mut files, (*text).to_string()),
            (Edit::CopyOf(from), _) => add(&mut files, text_of(from).expect("a clean file")),
            (_, None) => panic!("{}: {} is not a clean file", self.kind, self.file),
        }
        files
    }
}

const BROKEN: &[Broken] = &[
    Broken {
        kind: "FileTwice",
        file: "references/ref_a.toml",
        edit: Edit::CopyOf("references/ref_a.toml"),
        expect: &["references/ref_a.toml: file given twice"],
    },
    Broken {
        kind: "TopLevelFile",
        file: "notes.toml",
        edit: Edit::Add(""),
        expect: &["notes.toml: unexpected file at the top of the knowledge folder"],
    },
    Broken {
        kind: "NotToml",
        file: "findings/readme.md",
        edit: Edit::Add(""),
        expect: &["findings/readme.md: knowledge files must end in `.toml`"],
    },
    Broken {
        kind: "TooDeep",
        file: "findings/old/pain.toml",
        edit: Edit::Add(""),
        expect: &["findings/old/pain.toml: knowledge folders are one level deep"],
    },
    Broken {
        kind: "BadFileName",
        file: "findings/Pain.toml",
        edit: Edit::Add(""),
        expect: &["findings/Pain.toml: file name `Pain` is not a valid id (use snake_case: a-z, 0-9, _)"],
    },
    Broken {
        kind: "UnknownFolder",
        file: "symptoms/pain.toml",
        edit: Edit::Add(""),
        expect: &["symptoms/pain.toml: unknown knowledge folder `symptoms`"],
    },
    Broken {
        kind: "MissingMeta",
        file: "kb.toml",
        edit: Edit::Remove,
        expect: &["kb.toml: missing: the knowledge base needs a `kb.toml`"],
    },
    Broken {
        kind: "MissingSeed",
        file: "seed_coverage.toml",
        edit: Edit::Remove,
        expect: &["seed_coverage.toml: missing: the seed coverage list is required"],
    },
    Broken {
        kind: "Toml",
        file: "references/ref_b.toml",
        edit: Edit::Replace("title = \"A web page\"", "title = 3"),
        expect: &["references/ref_b.toml:2:9: invalid type: integer `3`, expected a string"],
    },
    Broken {
        kind: "UnknownId",
        file: "findings/tender_crest.toml",
        edit: Edit::Replace("sources = [\"ref_a\"]", "sources = [\"ref_c\"]"),
        expect: &["findings/tender_crest.toml:9: unknown reference `ref_c` (did you mean `ref_a`, `ref_b`)"],
    },
    Broken {
        kind: "Empty",
        file: "findings/pain_side.toml",
        edit: Edit::Replace("label = \"Side of the pain\"", "label = \" \""),
        expect: &["findings/pain_side.toml:2: `label` must not be empty"],
    },
    Broken {
        kind: "OutOfRange",
        file: "kb.toml",
        edit: Edit::Replace("stop_probability = { value = 0.85", "stop_probability = { value = 0.4"),
        expect: &["kb.toml:11: `stop_probability` = 0.4 is out of range [0.5, 1]"],
    },
    Broken {
        kind: "NoSources",
        file: "treatments/heat.toml",
        edit: Edit::Replace("sources = [\"ref_a\"]", "sources = []"),
        expect: &["treatments/heat.toml:7: `sources` must name at least one reference"],
    },
    Broken {
        kind: "NoSettings",
        file: "kb.toml",
        edit: Edit::Replace("settings = [\"primary_care\", \"spine_clinic\"]", "settings = []"),
        expect: &[
            "conditions/back_pain.toml:12: prior for unknown setting `primary_care`",
            "conditions/back_pain.toml:18: prior for unknown setting `spine_clinic`",
            "conditions/scne.toml:19: prior for unknown setting `primary_care`",
            "conditions/scne.toml:25: prior for unknown setting `spine_clinic`",
            "kb.toml:4: `settings` must list at least one care setting",
            "kb.toml:7: default setting `primary_care` is not in `settings`",
            "kb.toml:38: `[care_setting.primary_care]` describes a setting that is not in `settings`",
            "kb.toml:42: `[care_setting.spine_clinic]` describes a setting that is not in `settings`",
        ],
    },
    Broken {
        kind: "BadSetting",
        file: "kb.toml",
        edit: Edit::Replace(
            "settings = [\"primary_care\", \"spine_clinic\"]",
            "settings = [\"primary_care\", \"spine_clinic\", \"Spine\"]",
        ),
        expect: &[
            "conditions/back_pain.toml:11: no prior for setting `Spine`",
            "conditions/scne.toml:18: no prior for setting `Spine`",
            "kb.toml:4: setting `Spine` is not a valid id",
        ],
    },
    Broken {
        kind: "SettingUndescribed",
        file: "kb.toml",
        edit: Edit::Replace(
            "[care_setting.spine_clinic]\nname = \"Specialist clinic\"\ncovers = \"Clinics people are referred to.\"\n",
            "",
        ),
        expect: &[
            "kb.toml:4: setting `spine_clinic` has no `[care_setting.spine_clinic]` naming it and saying what it covers",
        ],
    },
    Broken {
        kind: "CareSettingUnknown",
        file: "kb.toml",
        edit: Edit::Replace("[care_setting.spine_clinic]", "[care_setting.spine_clinc]"),
        expect: &[
            "kb.toml:4: setting `spine_clinic` has no `[care_setting.spine_clinic]` naming it and saying what it covers",
            "kb.toml:42: `[care_setting.spine_clinc]` describes a setting that is not in `settings`",
        ],
    },
    Broken {
        kind: "FitsWellNotAbove",
        file: "kb.toml",
        edit: Edit::Replace("fits_well_probability = { value = 0.5", "fits_well_probability = { value = 0.1"),
        expect: &["kb.toml:20: `fits_well_probability` must be above `relevant_probability`"],
    },
    Broken {
        kind: "AlwaysInPlayFraction",
        file: "kb.toml",
        edit: Edit::Replace("always_in_play = { value = 3", "always_in_play = { value = 2.5"),
        expect: &["kb.toml:21: `always_in_play` must be a whole number of conditions"],
    },
    Broken {
        kind: "NextQuestionsRange",
        file: "kb.toml",
        edit: Edit::Replace("next_questions = 8", "next_questions = 0"),
        expect: &["kb.toml:17: `next_questions` must be 1 to 50"],
    },
    Broken {
        kind: "DefaultSettingUnknown",
        file: "kb.toml",
        edit: Edit::Replace("setting = \"primary_care\"", "setting = \"primary_car\""),
        expect: &["kb.toml:7: default setting `primary_car` is not in `settings`"],
    },
    Broken {
        kind: "PictureWithoutAlt",
        file: "question_groups/about.toml",
        edit: Edit::Replace("picture_alt = \"The rim of the hip bone.\"\n", ""),
        expect: &["question_groups/about.toml:6: `picture` needs a `picture_alt` that says what it shows"],
    },
    Broken {
        kind: "AltWithoutPicture",
        file: "question_groups/about.toml",
        edit: Edit::Replace("picture = \"crest\"\n", ""),
        expect: &["question_groups/about.toml:6: `picture_alt` without a `picture`"],
    },
    Broken {
        kind: "UnknownSex",
        file: "findings/pain_crest.toml",
        edit: Edit::Replace("sexes = [\"female\", \"male\"]", "sexes = [\"female\", \"robot\"]"),
        expect: &["findings/pain_crest.toml:9: unknown sex `robot` in `sexes`: use female, male or other"],
    },
    Broken {
        kind: "SelfImplied",
        file: "findings/pain_crest.toml",
        edit: Edit::Replace("implied_by = [\"tender_crest\"]", "implied_by = [\"pain_crest\"]"),
        expect: &["findings/pain_crest.toml:8: a finding cannot imply itself"],
    },
    Broken {
        kind: "ImpliedByNotYesNo",
        file: "findings/pain_crest.toml",
        edit: Edit::Replace("implied_by = [\"tender_crest\"]", "implied_by = [\"pain_score\"]"),
        expect: &["findings/pain_crest.toml:8: `implied_by` finding `pain_score` must be yes/no"],
    },
    Broken {
        kind: "ImpliedNotYesNo",
        file: "findings/pain_side.toml",
        edit: Edit::Replace(
            "options = [\"left\", \"right\"]",
            "options = [\"left\", \"right\"]\nimplied_by = [\"tender_crest\"]",
        ),
        expect: &["findings/pain_side.toml:8: only a yes/no finding can be implied by others"],
    },
    Broken {
        kind: "PresupposesNotYesNo",
        file: "findings/pain_side.toml",
        edit: Edit::Replace(
            "options = [\"left\", \"right\"]",
            "options = [\"left\", \"right\"]\npresupposes = \"side injection\"",
        ),
        expect: &[
            "findings/pain_side.toml:8: only a yes/no finding can have `presupposes` (it changes what a \"no\" means)",
        ],
    },
    Broken {
        kind: "BackgroundNeedsNote",
        file: "findings/pain_crest.toml",
        edit: Edit::Replace(
            "grade = \"expert_estimate\", note = \"Fixture.\" }",
            "grade = \"expert_estimate\" }",
        ),
        expect: &["findings/pain_crest.toml:10: an expert-estimate `background` needs a `note`"],
    },
    Broken {
        kind: "NumberRange",
        file: "findings/pain_score.toml",
        edit: Edit::Replace("max = 10", "max = 0"),
        expect: &["findings/pain_score.toml:6: a `number` finding needs `min` < `max`"],
    },
    Broken {
        kind: "TooFewOptions",
        file: "findings/pain_side.toml",
        edit: Edit::Replace("options = [\"left\", \"right\"]", "options = [\"left\"]"),
        expect: &["findings/pain_side.toml:7: a `choice` finding needs at least two `options`"],
    },
    Broken {
        kind: "DerivedNotYesNo",
        file: "findings/severe_pain.toml",
        edit: Edit::Replace("answer = \"yes_no\"", "answer = \"scale\""),
        expect: &["findings/severe_pain.toml:8: a derived finding must have answer = \"yes_no\""],
    },
    Broken {
        kind: "DerivedRuleCount",
        file: "findings/severe_pain.toml",
        edit: Edit::Replace("at_least = 7", "at_least = 7, below = 9"),
        expect: &[
            "findings/severe_pain.toml:8: `derived` needs exactly one of `at_least`, `below`, `equals`, `one_of`",
        ],
    },
    Broken {
        kind: "DerivedNumericField",
        file: "findings/severe_pain.toml",
        edit: Edit::Replace("field = \"pain_score\", at_least = 7", "field = \"age\", equals = \"old\""),
        expect: &["findings/severe_pain.toml:8: `age` is numeric: use `at_least` or `below`"],
    },
    Broken {
        kind: "DerivedTextField",
        file: "findings/severe_pain.toml",
        edit: Edit::Replace("field = \"pain_score\"", "field = \"sex\""),
        expect: &["findings/severe_pain.toml:8: `sex` is text: use `equals` or `one_of`"],
    },
    Broken {
        kind: "DerivedFieldUnknown",
        file: "findings/severe_pain.toml",
        edit: Edit::Replace("field = \"pain_score\"", "field = \"pain_scor\""),
        expect: &[
            "findings/severe_pain.toml:8: `derived.field` `pain_scor` is neither a case field (age, duration_weeks, sex, sides) nor a finding",
        ],
    },
    Broken {
        kind: "DerivedFromDerived",
        file: "findings/severe_pain.toml",
        edit: Edit::Replace("field = \"pain_score\"", "field = \"severe_pain\""),
        expect: &[
            "findings/severe_pain.toml:8: a derived finding cannot derive from another derived finding",
        ],
    },
    Broken {
        kind: "DerivedSourceNotNumeric",
        file: "findings/severe_pain.toml",
        edit: Edit::Replace("field = \"pain_score\"", "field = \"pain_side\""),
        expect: &["findings/severe_pain.toml:8: `pain_side` is not numeric"],
    },
    Broken {
        kind: "DerivedSourceNotChoice",
        file: "findings/severe_pain.toml",
        edit: Edit::Replace("at_least = 7", "equals = \"high\""),
        expect: &["findings/severe_pain.toml:8: `pain_score` is not a choice finding"],
    },
    Broken {
        kind: "FromTreatmentsFinding",
        file: "findings/heat_helped.toml",
        edit: Edit::Replace("answer = \"yes_no\"", "answer = \"scale\""),
        expect: &[
            "findings/heat_helped.toml:8: `from_treatments` needs a yes/no finding that is not derived",
        ],
    },
    Broken {
        kind: "FromTreatmentsNoResponses",
        file: "findings/heat_helped.toml",
        edit: Edit::Replace("responses = [\"good\"]", "responses = []"),
        expect: &["findings/heat_helped.toml:8: `from_treatments.responses` must name at least one response"],
    },
    Broken {
        kind: "UnknownResponse",
        file: "findings/heat_helped.toml",
        edit: Edit::Replace("responses = [\"good\"]", "responses = [\"great\"]"),
        expect: &[
            "findings/heat_helped.toml:8: unknown treatment response `great` (good, partial, none, worse)",
        ],
    },
    Broken {
        kind: "FromTreatmentsBoth",
        file: "findings/heat_helped.toml",
        edit: Edit::Replace("grade = \"weak\" } }", "grade = \"weak\" }, unless = [\"good\", \"worse\"] }"),
        expect: &[
            "findings/heat_helped.toml:8: response `good` is both in `from_treatments.responses` and in `from_treatments.unless`",
        ],
    },
    Broken {
        kind: "PriorUnknownSetting",
        file: "conditions/scne.toml",
        edit: Edit::Replace("setting = \"spine_clinic\"", "setting = \"spine_clinc\""),
        expect: &[
            "conditions/scne.toml:18: no prior for setting `spine_clinic`",
            "conditions/scne.toml:25: prior for unknown setting `spine_clinc`",
        ],
    },
    Broken {
        kind: "PriorTwice",
        file: "conditions/scne.toml",
        edit: Edit::Replace("setting = \"spine_clinic\"", "setting = \"primary_care\""),
        expect: &[
            "conditions/scne.toml:18: no prior for setting `spine_clinic`",
            "conditions/scne.toml:25: two priors for setting `primary_care`",
        ],
    },
    Broken {
        kind: "PriorOutOfRange",
        file: "conditions/scne.toml",
        edit: Edit::Replace("probability = 0.1\n", "probability = 1.5\n"),
        expect: &[
            "conditions/scne.toml:20: prior probability 1.5 for `primary_care` must lie strictly between 0 and 1",
        ],
    },
    Broken {
        kind: "NoPrior",
        file: "conditions/back_pain.toml",
        edit: Edit::Replace(
            "[[prior]]\nsetting = \"spine_clinic\"\nprobability = 0.3\nsource = \"ref_a\"\ngrade = \"weak\"\n",
            "",
        ),
        expect: &["conditions/back_pain.toml:11: no prior for setting `spine_clinic`"],
    },
    Broken {
        kind: "ExclusionRaises",
        file: "conditions/back_pain.toml",
        edit: Edit::Replace("lr_positive = 0.2\nlr_negative = 1.1", "lr_positive = 2.0\nlr_negative = 0.5"),
        expect: &[
            "conditions/back_pain.toml:24: evidence for `block_positive` on an exclusion condition must have lr_positive below 1",
        ],
    },
    Broken {
        kind: "TelltaleNotYesNo",
        file: "conditions/scne.toml",
        edit: Edit::Replace("raise_when_any = [\"tender_crest\"]", "raise_when_any = [\"pain_score\"]"),
        expect: &[
            "conditions/scne.toml:10: `raise_when_any` lists `pain_score`, which is not a yes/no finding",
        ],
    },
    Broken {
        kind: "SelfCoexists",
        file: "conditions/scne.toml",
        edit: Edit::Replace("condition = \"back_pain\"", "condition = \"scne\""),
        expect: &["conditions/scne.toml:45: a condition cannot coexist with itself"],
    },
    Broken {
        kind: "CoexistsTwice",
        file: "conditions/scne.toml",
        edit: Edit::Append(
            "\n[[coexists]]\ncondition = \"back_pain\"\nprobability = 0.1\nsource = \"ref_a\"\ngrade = \"weak\"\n",
        ),
        expect: &["conditions/scne.toml:51: two coexistence entries for `back_pain`"],
    },
    Broken {
        kind: "CoexistsWithVariants",
        file: "conditions/back_pain.toml",
        edit: Edit::Append(BACK_PAIN_VARIANT),
        expect: BACK_PAIN_VARIANT_PROBLEMS,
    },
    Broken {
        kind: "CoexistenceOutOfRange",
        file: "conditions/scne.toml",
        edit: Edit::Replace(
            "condition = \"back_pain\"\nprobability = 0.2",
            "condition = \"back_pain\"\nprobability = 0.0",
        ),
        expect: &["conditions/scne.toml:46: coexistence probability 0 must lie strictly between 0 and 1"],
    },
    Broken {
        kind: "CoexistenceSum",
        file: "conditions/scne.toml",
        edit: Edit::Append(
            "\n[[coexists]]\ncondition = \"back_pain\"\nprobability = 0.9\nsource = \"ref_a\"\ngrade = \"weak\"\n",
        ),
        expect: &[
            "conditions/scne.toml:44: coexistence probabilities sum to 1.1; they must stay below 1 (the rest is the condition alone)",
            "conditions/scne.toml:51: two coexistence entries for `back_pain`",
        ],
    },
    Broken {
        kind: "VariantOnExclusion",
        file: "conditions/back_pain.toml",
        edit: Edit::Append(BACK_PAIN_VARIANT),
        expect: BACK_PAIN_VARIANT_PROBLEMS,
    },
    Broken {
        kind: "VariantWithCoexistence",
        file: "conditions/scne.toml",
        edit: Edit::Append(VARIANT_SOUND),
        expect: &[
            "conditions/scne.toml:50: a condition with variants cannot list `coexists` yet (a pair would use its main presentation only)",
        ],
    },
    Broken {
        kind: "VariantTwice",
        file: "conditions/scne.toml",
        edit: Edit::Append(VARIANT_TWICE),
        expect: &[
            "conditions/scne.toml:50: a condition with variants cannot list `coexists` yet (a pair would use its main presentation only)",
            "conditions/scne.toml:56: two variants with id `late`",
        ],
    },
    Broken {
        kind: "VariantShareSum",
        file: "conditions/scne.toml",
        edit: Edit::Append(VARIANT_SHARES),
        expect: &[
            "conditions/scne.toml:50: a condition with variants cannot list `coexists` yet (a pair would use its main presentation only)",
            "conditions/scne.toml:50: variant shares sum to 1.1; they must stay below 1 (the rest is the condition's main presentation)",
        ],
    },
    Broken {
        kind: "EvidenceTwice",
        file: "conditions/scne.toml",
        edit: Edit::Replace("finding = \"tender_crest\"", "finding = \"pain_crest\""),
        expect: &["conditions/scne.toml:37: two evidence entries for finding `pain_crest`"],
    },
    Broken {
        kind: "EvidenceNotYesNo",
        file: "conditions/scne.toml",
        edit: Edit::Replace("finding = \"pain_crest\"", "finding = \"pain_score\""),
        expect: &[
            "conditions/scne.toml:31: evidence for `pain_score`: a `frequency` needs the finding's `background` frequency",
            "conditions/scne.toml:31: evidence needs a yes/no finding; `pain_score` is not (derive a yes/no finding from it)",
            "conditions/scne.toml:31: finding `pain_score` is used as evidence but has no `background` frequency (its file must give one)",
        ],
    },
    Broken {
        kind: "EvidenceWithoutBackground",
        file: "conditions/scne.toml",
        edit: Edit::Replace("finding = \"tender_crest\"", "finding = \"heat_helped\""),
        expect: &[
            "conditions/scne.toml:37: finding `heat_helped` is used as evidence but has no `background` frequency (its file must give one)",
        ],
    },
    Broken {
        kind: "EvidenceLikelihood",
        file: "conditions/scne.toml",
        edit: Edit::Replace("sensitivity = 0.8", "sensitivity = 1.8"),
        expect: &[
            "conditions/scne.toml:37: evidence for `tender_crest`: sensitivity 1.8 and specificity 0.9 must lie in [0, 1]",
        ],
    },
    Broken {
        kind: "EstimateNeedsNote",
        file: "conditions/scne.toml",
        edit: Edit::Replace(
            "grade = \"expert_estimate\"\nnote = \"Fixture.\"\n",
            "grade = \"expert_estimate\"\n",
        ),
        expect: &[
            "conditions/scne.toml:37: expert estimate for `tender_crest` needs a `note` saying what it rests on",
        ],
    },
    Broken {
        kind: "CorrelationTooSmall",
        file: "correlations/crest.toml",
        edit: Edit::Replace("findings = [\"pain_crest\", \"tender_crest\"]", "findings = [\"pain_crest\"]"),
        expect: &["correlations/crest.toml:1: a correlation group needs at least two findings"],
    },
    Broken {
        kind: "AlreadyCorrelated",
        file: "correlations/crest_again.toml",
        edit: Edit::Add(
            "findings = [\"block_positive\", \"tender_crest\"]\nresidual_weight = { value = 0.5, source = \"ref_a\", grade = \"weak\" }\nrationale = \"Again.\"\n",
        ),
        expect: &[
            "correlations/crest_again.toml:1: finding `tender_crest` is already in correlation group `crest`",
        ],
    },
    Broken {
        kind: "RedFlagNoConditions",
        file: "red_flags/severe.toml",
        edit: Edit::Replace("conditions = [\"scne\"]", "conditions = []"),
        expect: &["red_flags/severe.toml:5: a red flag must name the condition(s) it is for in `conditions`"],
    },
    Broken {
        kind: "RedFlagNoFindings",
        file: "red_flags/severe.toml",
        edit: Edit::Replace(
            "any_of = [\"block_positive\", \"tender_crest\"]\nmin_present = 1\n",
            "any_of = []\n",
        ),
        expect: &["red_flags/severe.toml:3: a red flag needs `any_of` or `all_of` findings"],
    },
    Broken {
        kind: "RedFlagNotYesNo",
        file: "red_flags/severe.toml",
        edit: Edit::Replace("\"tender_crest\"]", "\"pain_score\"]"),
        expect: &["red_flags/severe.toml:3: red-flag finding `pain_score` must be yes/no"],
    },
    Broken {
        kind: "MinPresentRange",
        file: "red_flags/severe.toml",
        edit: Edit::Replace("min_present = 1", "min_present = 3"),
        expect: &[
            "red_flags/severe.toml:4: `min_present` = 3 must lie between 1 and the 2 finding(s) of `any_of`",
        ],
    },
    Broken {
        kind: "NoCriteriaItems",
        file: "criteria/scne_criteria.toml",
        edit: Edit::Write(
            "name = \"SCNE criteria\"\ncondition = \"scne\"\nsource = \"ref_a\"\ngrade = \"weak\"\nitem = []\n",
        ),
        expect: &["criteria/scne_criteria.toml:5: criteria need at least one `item`"],
    },
    Broken {
        kind: "CriteriaItemShape",
        file: "criteria/scne_criteria.toml",
        edit: Edit::Replace(
            "any_of = [\"tender_crest\", \"pain_crest\"]",
            "finding = \"pain_crest\"\nany_of = [\"tender_crest\", \"pain_crest\"]",
        ),
        expect: &[
            "criteria/scne_criteria.toml:10: a criteria item needs exactly one of `finding` or `any_of`",
        ],
    },
    Broken {
        kind: "BlockMinRelief",
        file: "criteria/scne_criteria.toml",
        edit: Edit::Replace("min_relief = 0.7", "min_relief = 1.5"),
        expect: &["criteria/scne_criteria.toml:17: `block.min_relief` must lie in (0, 1]"],
    },
    Broken {
        kind: "BlockTiming",
        file: "criteria/scne_criteria.toml",
        edit: Edit::Replace("tolerance_minutes = 15", "tolerance_minutes = 90"),
        expect: &[
            "criteria/scne_criteria.toml:17: `block.at_minutes` must be positive and `tolerance_minutes` between 0 and it",
        ],
    },
    Broken {
        kind: "UnknownGuidance",
        file: "criteria/scne_criteria.toml",
        edit: Edit::Replace("guidance = \"ultrasound\"", "guidance = \"ct\""),
        expect: &[
            "criteria/scne_criteria.toml:17: guidance `ct` is not `ultrasound`, `fluoroscopy` or `landmark`",
        ],
    },
    Broken {
        kind: "InconclusiveAbovePositive",
        file: "blocks/scn_block.toml",
        edit: Edit::Replace("inconclusive_relief = { value = 0.5", "inconclusive_relief = { value = 0.8"),
        expect: &["blocks/scn_block.toml:5: `inconclusive_relief` must not exceed `positive_relief`"],
    },
    Broken {
        kind: "EmptyWindow",
        file: "blocks/scn_block.toml",
        edit: Edit::Replace("window_end_minutes = { value = 180", "window_end_minutes = { value = 10"),
        expect: &["blocks/scn_block.toml:6: the reading window must start before it ends"],
    },
    Broken {
        kind: "RecordTarget",
        file: "record_codes/crest_pain_record.toml",
        edit: Edit::Replace("finding = \"pain_crest\"", "finding = \"pain_crest\"\ntreatment = \"heat\""),
        expect: &[
            "record_codes/crest_pain_record.toml:3: a record mapping names exactly one of `finding` and `treatment`",
        ],
    },
    Broken {
        kind: "RecordDerived",
        file: "record_codes/crest_pain_record.toml",
        edit: Edit::Replace("finding = \"pain_crest\"", "finding = \"severe_pain\""),
        expect: &[
            "record_codes/crest_pain_record.toml:2: `severe_pain` is derived from other answers; map the record to what it is derived from",
        ],
    },
    Broken {
        kind: "NotAnOption",
        file: "record_codes/crest_pain_record.toml",
        edit: Edit::Replace("finding = \"pain_crest\"", "finding = \"pain_side\"\noption = \"middle\""),
        expect: &[
            "record_codes/crest_pain_record.toml:3: `middle` is not an option of `pain_side` (left, right)",
        ],
    },
    Broken {
        kind: "ChoiceNeedsOption",
        file: "record_codes/crest_pain_record.toml",
        edit: Edit::Replace("finding = \"pain_crest\"", "finding = \"pain_side\""),
        expect: &[
            "record_codes/crest_pain_record.toml:2: `pain_side` is a choice: say which `option` the codes give",
        ],
    },
    Broken {
        kind: "OptionNotChoice",
        file: "record_codes/crest_pain_record.toml",
        edit: Edit::Replace("finding = \"pain_crest\"", "finding = \"pain_crest\"\noption = \"left\""),
        expect: &[
            "record_codes/crest_pain_record.toml:3: `option` applies to choice findings only, not `pain_crest`",
        ],
    },
    Broken {
        kind: "ValueNeedsObservation",
        file: "record_codes/crest_pain_record.toml",
        edit: Edit::Replace("finding = \"pain_crest\"", "finding = \"pain_score\""),
        expect: &[
            "record_codes/crest_pain_record.toml:3: `pain_score` takes a value, which only an `Observation` carries",
        ],
    },
    Broken {
        kind: "NoResources",
        file: "record_codes/crest_pain_record.toml",
        edit: Edit::Replace("resources = [\"Condition\"]", "resources = []"),
        expect: &[
            "record_codes/crest_pain_record.toml:3: `resources` must name at least one FHIR resource type",
            "record_codes/crest_pain_record.toml:5: `gives_duration` needs `Condition` among `resources`",
        ],
    },
    Broken {
        kind: "UnknownResource",
        file: "record_codes/crest_pain_record.toml",
        edit: Edit::Replace("resources = [\"Condition\"]", "resources = [\"Condition\", \"Encounter\"]"),
        expect: &[
            "record_codes/crest_pain_record.toml:3: `Encounter` is not a resource type Cluneal reads (one of Condition, Observation, Procedure, MedicationRequest, MedicationStatement)",
        ],
    },
    Broken {
        kind: "DurationNeedsCondition",
        file: "record_codes/crest_pain_record.toml",
        edit: Edit::Replace("resources = [\"Condition\"]", "resources = [\"Observation\"]"),
        expect: &[
            "record_codes/crest_pain_record.toml:5: `gives_duration` needs `Condition` among `resources`",
        ],
    },
    Broken {
        kind: "NoCodes",
        file: "record_codes/crest_pain_record.toml",
        edit: Edit::Replace(
            "codes = [\n  { system = \"http://snomed.info/sct\", code = \"1\", display = \"Pain\", source = \"ref_a\" },\n]",
            "codes = []",
        ),
        expect: &["record_codes/crest_pain_record.toml:6: `codes` must list at least one code"],
    },
    Broken {
        kind: "NotSystemUri",
        file: "record_codes/crest_pain_record.toml",
        edit: Edit::Replace("system = \"http://snomed.info/sct\"", "system = \"snomed\""),
        expect: &["record_codes/crest_pain_record.toml:7: `snomed` is not a system URI"],
    },
    Broken {
        kind: "CodeTwice",
        file: "record_codes/crest_pain_record.toml",
        edit: Edit::Replace(
            "  { system = \"http://snomed.info/sct\", code = \"1\", display = \"Pain\", source = \"ref_a\" },\n",
            "  { system = \"http://snomed.info/sct\", code = \"1\", display = \"Pain\", source = \"ref_a\" },\n  { system = \"http://snomed.info/sct\", code = \"1\", display = \"Pain again\", source = \"ref_a\" },\n",
        ),
        expect: &["record_codes/crest_pain_record.toml:8: code `1` is listed twice"],
    },
    Broken {
        kind: "UnknownHook",
        file: "cds_cards/red_flag_card.toml",
        edit: Edit::Replace("hook = \"patient-view\"", "hook = \"patient-open\""),
        expect: &[
            "cds_cards/red_flag_card.toml:1: hook `patient-open` is not `patient-view` or `order-select`",
        ],
    },
    Broken {
        kind: "UnknownIndicator",
        file: "cds_cards/red_flag_card.toml",
        edit: Edit::Replace("indicator = \"critical\"", "indicator = \"urgent\""),
        expect: &[
            "cds_cards/red_flag_card.toml:3: indicator `urgent` is not `info`, `warning` or `critical`",
        ],
    },
    Broken {
        kind: "SummaryTooLong",
        file: "cds_cards/red_flag_card.toml",
        edit: Edit::Replace(
            "summary = \"Warning sign in the record: {condition}\"",
            "summary = \"A warning sign that calls for prompt assessment of a serious cause of back pain is in the record: {condition}\"",
        ),
        expect: &[
            "cds_cards/red_flag_card.toml:4: `summary` can reach 158 characters; CDS Hooks wants under 140",
        ],
    },
    Broken {
        kind: "OrderTriggerHook",
        file: "cds_cards/red_flag_card.toml",
        edit: Edit::Replace("hook = \"patient-view\"", "hook = \"order-select\""),
        expect: &[
            "cds_cards/red_flag_card.toml:2: `order_for_unexplained_pain` goes with the `order-select` hook, and only it",
        ],
    },
    Broken {
        kind: "OrderCodes",
        file: "cds_cards/red_flag_card.toml",
        edit: Edit::Replace(
            "detail = \"Check it.\"",
            "detail = \"Check it.\"\norder_codes = [{ system = \"http://loinc.org\", code = \"1\", display = \"MRI\", source = \"ref_a\" }]",
        ),
        expect: &["cds_cards/red_flag_card.toml:6: an order card lists `order_codes`; other cards list none"],
    },
    Broken {
        kind: "PersistentNeedsWeeks",
        file: "cds_cards/red_flag_card.toml",
        edit: Edit::Replace("trigger = \"red_flag\"", "trigger = \"persistent_pain_without_cause\""),
        expect: &["cds_cards/red_flag_card.toml:2: `persistent_pain_without_cause` needs `min_weeks`"],
    },
    Broken {
        kind: "RedFlagCardWeeks",
        file: "cds_cards/red_flag_card.toml",
        edit: Edit::Replace(
            "detail = \"Check it.\"",
            "detail = \"Check it.\"\nmin_weeks = { value = 6, source = \"ref_a\", grade = \"weak\" }",
        ),
        expect: &["cds_cards/red_flag_card.toml:6: a red-flag card takes no `min_weeks`"],
    },
    Broken {
        kind: "BadOverrideReason",
        file: "cds_cards/red_flag_card.toml",
        edit: Edit::Replace("code = \"already_assessed\"", "code = \"Already\""),
        expect: &["cds_cards/red_flag_card.toml:6: override reason `Already` is not a valid id"],
    },
    Broken {
        kind: "OverrideReasonTwice",
        file: "cds_cards/red_flag_card.toml",
        edit: Edit::Replace(
            "override_reasons = [{ code = \"already_assessed\", display = \"Already assessed\" }]",
            "override_reasons = [\n  { code = \"already_assessed\", display = \"Already assessed\" },\n  { code = \"already_assessed\", display = \"Seen\" },\n]",
        ),
        expect: &["cds_cards/red_flag_card.toml:8: override reason `already_assessed` is listed twice"],
    },
    Broken {
        kind: "StepOrderTaken",
        file: "plan_steps/block_step.toml",
        edit: Edit::Replace("order = 2", "order = 1"),
        expect: &["plan_steps/conservative_care.toml:1: plan step order 1 is also used by `block_step`"],
    },
    Broken {
        kind: "LastingReliefWithoutBlock",
        file: "plan_steps/block_step.toml",
        edit: Edit::Replace("completed_by_finding = \"block_positive\"\n", ""),
        expect: &[
            "plan_steps/block_step.toml:5: `lasting_relief_weeks` belongs to a block step (with `completed_by_finding`)",
        ],
    },
    Broken {
        kind: "PictureShared",
        file: "exercises/plank.toml",
        edit: Edit::CopyOf("exercises/bridge.toml"),
        expect: &[
            "exercises/plank.toml:7: picture `bridge` is also used by exercise `bridge`: each exercise needs its own",
        ],
    },
    Broken {
        kind: "NoSteps",
        file: "exercises/bridge.toml",
        edit: Edit::Replace("steps = [\"Lie on your back.\", \"Lift your hips.\"]", "steps = []"),
        expect: &["exercises/bridge.toml:4: an exercise needs its `steps`"],
    },
    Broken {
        kind: "BadDosage",
        file: "exercises/bridge.toml",
        edit: Edit::Replace("per_week = 3", "per_week = 30"),
        expect: &["exercises/bridge.toml:11: dosage needs sets >= 1, reps >= 1 and per_week in 1..=21"],
    },
    Broken {
        kind: "UrgencyKind",
        file: "self_care/see_doctor.toml",
        edit: Edit::Replace("urgency = \"soon\"\n", ""),
        expect: &[
            "self_care/see_doctor.toml:1: `urgency` is required for kind = \"seek_care\" and only there",
        ],
    },
    Broken {
        kind: "NoSections",
        file: "education/about_scne.toml",
        edit: Edit::Replace(
            "sources = [\"ref_a\"]\n\n[[sections]]\nheading = \"What it is\"\ntext = \"A trapped nerve.\"\n",
            "sources = [\"ref_a\"]\nsections = []\n",
        ),
        expect: &["education/about_scne.toml:5: an education topic needs at least one section"],
    },
    Broken {
        kind: "BadUrl",
        file: "references/ref_b.toml",
        edit: Edit::Replace("url = \"https://example.org/page\"", "url = \"example.org/page\""),
        expect: &["references/ref_b.toml:3: url `example.org/page` must start with http:// or https://"],
    },
    Broken {
        kind: "SeedEmpty",
        file: "seed_coverage.toml",
        edit: Edit::Write("item = []\n"),
        expect: &["seed_coverage.toml:1: the seed coverage list is empty"],
    },
    Broken {
        kind: "SeedNotCovered",
        file: "seed_coverage.toml",
        edit: Edit::Replace("covered_by = [\"pain_crest\", \"scne\"]", "covered_by = []"),
        expect: &["seed_coverage.toml:1: seed item not covered: [symptoms] Pain over the iliac crest"],
    },
    Broken {
        kind: "SeedLacks",
        file: "seed_coverage.toml",
        edit: Edit::Replace(
            "covered_by = [\"pain_crest\", \"scne\"]",
            "covered_by = [\"pain_crest\", \"scnee\"]",
        ),
        expect: &[
            "seed_coverage.toml:4: seed item [symptoms] \"Pain over the iliac crest\" is not covered: the knowledge base lacks `scnee`",
        ],
    },
    Broken {
        kind: "NoComparison",
        file: "categories/entrapment.toml",
        edit: Edit::Replace("members = [\"scne\"]", "members = [\"back_pain\"]"),
        expect: &[
            "categories: no category with members that carry a `[comparison]` profile: the comparison table cannot be built",
        ],
    },
];

/// A variant of the clean exclusion condition, which the SCNE fixture also
/// names as coexisting: two problems at once.
const BACK_PAIN_VARIANT: &str = "\n[[variant]]\nid = \"acute\"\nname = \"Acute\"\nshare = { value = 0.3, source = \"ref_a\", grade = \"weak\" }\n";
const BACK_PAIN_VARIANT_PROBLEMS: &[&str] = &[
    "conditions/back_pain.toml:30: an exclusion condition cannot have variants (it is what the specific conditions leave)",
    "conditions/scne.toml:45: `back_pain` has variants and cannot be a coexisting condition yet (the pair would use its main presentation only)",
];

/// Two variants of the clean SCNE fixture under one id.
const VARIANT_TWICE: &str = "
[[variant]]
id = \"late\"
name = \"Late\"
share = { value = 0.2, source = \"ref_a\", grade = \"weak\" }

[[variant]]
id = \"late\"
name = \"Late again\"
share = { value = 0.1, source = \"ref_a\", grade = \"weak\" }
";

/// Variants that leave the main presentation nothing.
const VARIANT_SHARES: &str = "
[[variant]]
id = \"early\"
name = \"Early\"
share = { value = 0.6, source = \"ref_a\", grade = \"weak\" }

[[variant]]
id = \"late\"
name = \"Late\"
share = { value = 0.5, source = \"ref_a\", grade = \"weak\" }
";

/// A sound variant of the clean SCNE fixture: a replaced and an added entry.
const VARIANT_SOUND: &str = "
[[variant]]
id = \"late\"
name = \"Late presentation\"
share = { value = 0.25, source = \"ref_a\", grade = \"expert_estimate\", note = \"Fixture.\" }

[[variant.evidence]]
finding = \"pain_crest\"
frequency = 0.5
source = \"ref_a\"
grade = \"weak\"

[[variant.evidence]]
finding = \"block_positive\"
lr_positive = 2.0
lr_negative = 0.8
source = \"ref_b\"
grade = \"weak\"
";

/// The clean SCNE fixture without its coexistence entry (a condition with
/// variants cannot list one yet); the lines above it keep their numbers.
fn without_coexistence(text: &str) -> String {
    let at = text.find("\n[[coexists]]").expect("the fixture lists a coexisting condition");
    text[..at + 1].to_string()
}

#[test]
fn a_sound_variant_loads_and_its_evidence_is_linked() {
    let mut files = clean();
    let scne = files.iter_mut().find(|f| f.path == "conditions/scne.toml").expect("fixture");
    scne.text = without_coexistence(&scne.text);
    scne.text.push_str(VARIANT_SOUND);
    let kb = KnowledgeBase::load(&files).expect("a sound variant passes");
    let c = kb.condition_id("scne").expect("scne");
    let links = kb.variant_evidence_links(c, 0);
    let linked: Vec<(&str, &str)> =
        links.iter().map(|l| (kb[l.finding].id.as_str(), kb[l.source].id.as_str())).collect();
    assert_eq!(linked, [("pain_crest", "ref_a"), ("block_positive", "ref_b")]);
    assert!(kb.variant_evidence_links(c, 1).is_empty());
}

#[test]
fn a_variants_evidence_is_checked_like_the_conditions_own() {
    let mut files = clean();
    let scne = files.iter_mut().find(|f| f.path == "conditions/scne.toml").expect("fixture");
    scne.text = without_coexistence(&scne.text);
    scne.text.push_str(&VARIANT_SOUND.replace("\"block_positive\"", "\"no_such_finding\""));
    scne.text.push_str("\n[[variant.evidence]]\nfinding = \"pain_crest\"\nfrequency = 1.5\nsource = \"ref_a\"\ngrade = \"expert_estimate\"\n");
    assert_eq!(
        problems(&files),
        [
            "conditions/scne.toml:57: unknown finding `no_such_finding`",
            "conditions/scne.toml:64: evidence for `pain_crest`: frequency 1.5 must lie strictly between 0 and 1",
            "conditions/scne.toml:64: expert estimate for `pain_crest` needs a `note` saying what it rests on",
            "conditions/scne.toml:64: two evidence entries for finding `pain_crest`",
        ]
    );
}

#[test]
fn every_broken_fixture_gives_exactly_its_problems() {
    let mut wrong = Vec::new();
    for b in BROKEN {
        let got = problems(&b.files());
        if got != b.expect {
            wrong.push(format!("{} ({}):\n    got {got:#?}\n    want {:#?}", b.kind, b.file, b.expect));
        }
        // The fixture's first problem is of the kind it is named after.
        let kinds = match KnowledgeBase::load(&b.files()) {
            Ok(_) => Vec::new(),
            Err(e) => e.0.iter().map(|p| format!("{:?}", p.kind)).collect(),
        };
        if !kinds.iter().any(|k| k.split([' ', '{']).next() == Some(b.kind)) {
            wrong.push(format!("{}: no problem of this kind in {kinds:?}", b.kind));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_kind_of_problem_has_a_broken_fixture() {
    // The variants as `src/lints/problem.rs` declares them, one per line.
    let declared: Vec<&str> = include_str!("../src/lints/problem.rs")
        .lines()
        .filter_map(|l| l.strip_prefix("    "))
        .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
        .filter_map(|l| l.split([' ', ',', '{']).next())
        .collect();
    let fixtures: Vec<&str> = BROKEN.iter().map(|b| b.kind).collect();
    assert_eq!(declared, fixtures, "one fixture per kind, in declaration order");
}
