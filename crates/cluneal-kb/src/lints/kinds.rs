//! One lint per kind of knowledge file, plus `kb.toml` and the seed coverage.
//! Each reads the parsed files of its kind and the ids every kind may name.

use std::collections::{BTreeMap, BTreeSet};

use super::{Cx, Known, ProblemKind as P, Seg, at, expect, join, nonempty, sourced, sources, valid_id};
use crate::load::Raw;
use crate::model::*;

/// `kb.toml`: versions, settings, engine and interview thresholds, messages.
pub(crate) fn lint_meta(cx: &mut Cx, raw: &Raw, k: &Known) {
    let Some(meta) = &raw.meta else { return };
    let f = "kb.toml";
    let refs = &k.refs;
    nonempty(cx, f, at!["version"], &meta.version);
    if meta.settings.is_empty() {
        cx.report(f, at!["settings"], P::NoSettings);
    }
    for (i, s) in meta.settings.iter().enumerate() {
        if !valid_id(s) {
            cx.report(f, at!["settings", i], P::BadSetting { setting: s.clone() });
        } else if !meta.care_setting.contains_key(s) {
            cx.report(f, at!["settings", i], P::SettingUndescribed { setting: s.clone() });
        }
    }
    for (s, described) in &meta.care_setting {
        if !meta.settings.contains(s) {
            cx.report(f, at!["care_setting", s.as_str()], P::CareSettingUnknown { setting: s.clone() });
        }
        nonempty(cx, f, at!["care_setting", s.as_str(), "name"], &described.name);
        nonempty(cx, f, at!["care_setting", s.as_str(), "covers"], &described.covers);
    }
    let i = &meta.interview;
    sourced(cx, f, at!["interview", "stop_probability"], &i.stop_probability, (0.5, 1.0), refs);
    sourced(cx, f, at!["interview", "min_information_gain"], &i.min_information_gain, (0.0, 1.0), refs);
    sourced(cx, f, at!["interview", "max_questions"], &i.max_questions, (1.0, 500.0), refs);
    let e = &meta.engine;
    sourced(cx, f, at!["engine", "relevant_probability"], &e.relevant_probability, (0.0, 1.0), refs);
    sourced(cx, f, at!["engine", "fits_well_probability"], &e.fits_well_probability, (0.0, 1.0), refs);
    if e.fits_well_probability.value <= e.relevant_probability.value {
        cx.report(f, at!["engine", "fits_well_probability"], P::FitsWellNotAbove);
    }
    let open = &e.open_picture_probability;
    sourced(cx, f, at!["engine", "open_picture_probability"], open, (0.0, 1.0), refs);
    sourced(cx, f, at!["engine", "always_in_play"], &e.always_in_play, (0.0, 30.0), refs);
    if e.always_in_play.value.fract() != 0.0 {
        cx.report(f, at!["engine", "always_in_play"], P::AlwaysInPlayFraction);
    }
    let on_hold = &e.exercises_on_hold_at.source;
    expect(cx, f, at!["engine", "exercises_on_hold_at", "source"], "reference", on_hold, refs);
    let o = &meta.outcomes;
    sourced(cx, f, at!["outcomes", "pain_mic_points"], &o.pain_mic_points, (0.0, 10.0), refs);
    sourced(cx, f, at!["outcomes", "pain_mic_share"], &o.pain_mic_share, (0.0, 1.0), refs);
    let mnm = &e.must_not_miss_probability;
    sourced(cx, f, at!["engine", "must_not_miss_probability"], mnm, (0.0, 1.0), refs);
    let mnm_lr = &e.must_not_miss_likelihood_ratio;
    sourced(cx, f, at!["engine", "must_not_miss_likelihood_ratio"], mnm_lr, (1.0, 100.0), refs);
    if !(1..=50).contains(&e.next_questions) {
        cx.report(f, at!["engine", "next_questions"], P::NextQuestionsRange);
    }
    if let Some(s) = &meta.defaults.setting
        && !meta.settings.contains(s)
    {
        cx.report(f, at!["defaults", "setting"], P::DefaultSettingUnknown { setting: s.clone() });
    }
    if let Some(b) = &meta.defaults.block {
        expect(cx, f, at!["defaults", "block"], "block protocol", b, &k.blocks);
    }
    let m = &meta.messages;
    for (key, v) in [
        ("disclaimer", &m.disclaimer),
        ("screen_incomplete", &m.screen_incomplete),
        ("exercises_withheld", &m.exercises_withheld),
        ("no_red_flags", &m.no_red_flags),
        ("picture_open", &m.picture_open),
        ("picture_focused", &m.picture_focused),
    ] {
        nonempty(cx, f, at!["messages", key], v);
    }
}

/// `question_groups/`: prompts, and a picture only with the words for it.
pub(crate) fn groups(cx: &mut Cx, raw: &Raw, _: &Known) {
    for (file, g) in &raw.groups {
        nonempty(cx, file, at!["title"], &g.title);
        nonempty(cx, file, at!["patient_prompt"], &g.patient_prompt);
        nonempty(cx, file, at!["clinician_prompt"], &g.clinician_prompt);
        // A picture without its words is lost on a screen reader; words without
        // a picture describe nothing.
        match (&g.picture, &g.picture_alt) {
            (Some(p), Some(a)) => {
                nonempty(cx, file, at!["picture"], p);
                nonempty(cx, file, at!["picture_alt"], a);
            }
            (Some(_), None) => cx.report(file, at!["picture"], P::PictureWithoutAlt),
            (None, Some(_)) => cx.report(file, at!["picture_alt"], P::AltWithoutPicture),
            (None, None) => {}
        }
    }
}

/// The responses a recorded treatment can have (the case format's `response`).
const RESPONSES: [&str; 4] = ["good", "partial", "none", "worse"];

/// `findings/`: wording, answers, derivations, implications and backgrounds.
pub(crate) fn findings(cx: &mut Cx, raw: &Raw, k: &Known) {
    for (file, f) in &raw.findings {
        for (i, sex) in f.sexes.iter().enumerate() {
            if !["female", "male", "other"].contains(&sex.as_str()) {
                cx.report(file, at!["sexes", i], P::UnknownSex { sex: sex.clone() });
            }
        }
        nonempty(cx, file, at!["label"], &f.label);
        nonempty(cx, file, at!["question"], &f.question);
        nonempty(cx, file, at!["clinician"], &f.clinician);
        expect(cx, file, at!["group"], "question group", &f.group, &k.groups);
        for (i, code) in f.codes.iter().enumerate() {
            nonempty(cx, file, at!["codes", i, "code"], &code.code);
            nonempty(cx, file, at!["codes", i, "system"], &code.system);
        }
        sources(cx, file, &f.sources, true, &k.refs);
        for (i, x) in f.implied_by.iter().enumerate() {
            let here = at!["implied_by", i];
            expect(cx, file, here, "finding", x, &k.findings);
            if x == &f.id {
                cx.report(file, here, P::SelfImplied);
            }
            if k.known_not_yes_no(x) {
                cx.report(file, here, P::ImpliedByNotYesNo { finding: x.clone() });
            }
        }
        if !f.implied_by.is_empty() && f.answer != AnswerType::YesNo {
            cx.report(file, at!["implied_by"], P::ImpliedNotYesNo);
        }
        if let Some(what) = &f.presupposes {
            nonempty(cx, file, at!["presupposes"], what);
            if f.answer != AnswerType::YesNo {
                cx.report(file, at!["presupposes"], P::PresupposesNotYesNo);
            }
        }
        if let Some(b) = &f.background {
            sourced(cx, file, at!["background"], b, (0.000_001, 0.9999), &k.refs);
            if b.grade == Grade::ExpertEstimate && b.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
                cx.report(file, at!["background"], P::BackgroundNeedsNote);
            }
        }
        match f.answer {
            AnswerType::Number => match (f.min, f.max) {
                (Some(lo), Some(hi)) if lo < hi => {}
                _ => cx.report(file, at!["answer"], P::NumberRange),
            },
            AnswerType::Choice => {
                if f.options.len() < 2 {
                    cx.report(file, at!["options"], P::TooFewOptions);
                }
            }
            AnswerType::YesNo | AnswerType::Scale => {}
        }
        if let Some(d) = &f.derived {
            derived(cx, file, f, d, k);
        }
        if let Some(t) = &f.from_treatments {
            if f.answer != AnswerType::YesNo || f.derived.is_some() {
                cx.report(file, at!["from_treatments"], P::FromTreatmentsFinding);
            }
            if t.responses.is_empty() {
                cx.report(file, at!["from_treatments"], P::FromTreatmentsNoResponses);
            }
            for (i, r) in t.responses.iter().enumerate() {
                if !RESPONSES.contains(&r.as_str()) {
                    let here = at!["from_treatments", "responses", i];
                    cx.report(file, here, P::UnknownResponse { response: r.clone() });
                }
            }
            for (i, r) in t.unless.iter().enumerate() {
                let here = at!["from_treatments", "unless", i];
                if !RESPONSES.contains(&r.as_str()) {
                    cx.report(file, here, P::UnknownResponse { response: r.clone() });
                } else if t.responses.contains(r) {
                    cx.report(file, here, P::FromTreatmentsBoth { response: r.clone() });
                }
            }
            sourced(cx, file, at!["from_treatments", "min_weeks"], &t.min_weeks, (0.0, 520.0), &k.refs);
        }
    }
}

/// A derived finding: one rule, over a case field or a finding of the right answer type.
fn derived(cx: &mut Cx, file: &str, f: &Finding, d: &Derived, k: &Known) {
    if f.answer != AnswerType::YesNo {
        cx.report(file, at!["derived"], P::DerivedNotYesNo);
    }
    let rules = [d.at_least.is_some(), d.below.is_some(), d.equals.is_some(), d.one_of.is_some()];
    if rules.iter().filter(|b| **b).count() != 1 {
        cx.report(file, at!["derived"], P::DerivedRuleCount);
    }
    let numeric = d.at_least.is_some() || d.below.is_some();
    let here = at!["derived", "field"];
    let field = d.field.clone();
    match d.field.as_str() {
        "age" | "duration_weeks" if !numeric => cx.report(file, here, P::DerivedNumericField { field }),
        "sex" | "sides" if numeric => cx.report(file, here, P::DerivedTextField { field }),
        "age" | "duration_weeks" | "sex" | "sides" => {}
        other => match k.finding_by_id.get(other) {
            None => cx.report(file, here, P::DerivedFieldUnknown { field }),
            Some(src) if src.derived.is_some() => cx.report(file, here, P::DerivedFromDerived),
            Some(src) if numeric && !matches!(src.answer, AnswerType::Scale | AnswerType::Number) => {
                cx.report(file, here, P::DerivedSourceNotNumeric { finding: field })
            }
            Some(src) if !numeric && src.answer != AnswerType::Choice => {
                cx.report(file, here, P::DerivedSourceNotChoice { finding: field })
            }
            Some(_) => {}
        },
    }
}

/// `conditions/`: wording, priors for every setting, coexistence, evidence.
pub(crate) fn conditions(cx: &mut Cx, raw: &Raw, k: &Known) {
    let refs = &k.refs;
    let with_variants: BTreeSet<&str> =
        raw.conditions.iter().filter(|(_, c)| !c.variant.is_empty()).map(|(_, c)| c.id.as_str()).collect();
    for (file, c) in &raw.conditions {
        for (key, v) in [
            ("name", &c.name),
            ("short_name", &c.short_name),
            ("patient_description", &c.patient_description),
            ("clinician_description", &c.clinician_description),
            ("management", &c.management),
            ("referral", &c.referral),
        ] {
            nonempty(cx, file, at![key], v);
        }
        for (i, code) in c.codes.iter().enumerate() {
            nonempty(cx, file, at!["codes", i, "code"], &code.code);
            nonempty(cx, file, at!["codes", i, "system"], &code.system);
        }
        if let Some(cmp) = &c.comparison {
            for (i, t) in cmp.key_tools.iter().enumerate() {
                expect(cx, file, at!["comparison", "key_tools", i], "diagnostic", t, &k.diagnostics);
            }
        }
        let mut seen_settings = BTreeSet::new();
        for (i, p) in c.prior.iter().enumerate() {
            let here = at!["prior", i, "setting"];
            let setting = p.setting.clone();
            if k.settings.as_ref().is_some_and(|s| !s.contains(&p.setting.as_str())) {
                cx.report(file, here, P::PriorUnknownSetting { setting: setting.clone() });
            }
            if !seen_settings.insert(p.setting.as_str()) {
                cx.report(file, here, P::PriorTwice { setting: setting.clone() });
            }
            if !(p.probability > 0.0 && p.probability < 1.0) {
                let at = at!["prior", i, "probability"];
                cx.report(file, at, P::PriorOutOfRange { probability: p.probability, setting });
            }
            expect(cx, file, at!["prior", i, "source"], "reference", &p.source, refs);
        }
        for s in k.settings.iter().flatten() {
            if !seen_settings.contains(s) {
                cx.report(file, at!["prior"], P::NoPrior { setting: (*s).to_string() });
            }
        }
        for (i, f) in c.raise_when_any.iter().enumerate() {
            let here = at!["raise_when_any", i];
            expect(cx, file, here, "finding", f, &k.findings);
            // A telltale sign is "present" only as a yes: a number or an option cannot be.
            if k.known_not_yes_no(f) {
                cx.report(file, here, P::TelltaleNotYesNo { finding: f.clone() });
            }
        }
        let mut partners = BTreeSet::new();
        for (i, x) in c.coexists.iter().enumerate() {
            let here = at!["coexists", i, "condition"];
            expect(cx, file, here, "condition", &x.condition, &k.conditions);
            if x.condition == c.id {
                cx.report(file, here, P::SelfCoexists);
            }
            if !partners.insert(x.condition.as_str()) {
                cx.report(file, here, P::CoexistsTwice { condition: x.condition.clone() });
            }
            if with_variants.contains(x.condition.as_str()) {
                cx.report(file, here, P::CoexistsWithVariants { condition: x.condition.clone() });
            }
            if !(x.probability > 0.0 && x.probability < 1.0) {
                let at = at!["coexists", i, "probability"];
                cx.report(file, at, P::CoexistenceOutOfRange { probability: x.probability });
            }
            expect(cx, file, at!["coexists", i, "source"], "reference", &x.source, refs);
        }
        let sum: f64 = c.coexists.iter().map(|x| x.probability).sum();
        if sum >= 1.0 {
            cx.report(file, at!["coexists"], P::CoexistenceSum { sum });
        }
        evidence(cx, file, c, &c.evidence, at![], k);
        variants(cx, file, c, k);
    }
}

/// A condition's variants: unique ids, named, shares that leave the main
/// presentation some, evidence as sound as the condition's own.
fn variants(cx: &mut Cx, file: &str, c: &Condition, k: &Known) {
    if c.variant.is_empty() {
        return;
    }
    if c.model == ConditionModel::Exclusion {
        cx.report(file, at!["variant"], P::VariantOnExclusion);
    }
    // A coexistence pair is one hypothesis built from the two conditions'
    // own evidence, so it would ignore the other presentations.
    if !c.coexists.is_empty() {
        cx.report(file, at!["variant"], P::VariantWithCoexistence);
    }
    let mut ids = BTreeSet::new();
    for (v, x) in c.variant.iter().enumerate() {
        nonempty(cx, file, at!["variant", v, "id"], &x.id);
        nonempty(cx, file, at!["variant", v, "name"], &x.name);
        if !ids.insert(x.id.as_str()) {
            cx.report(file, at!["variant", v, "id"], P::VariantTwice { variant: x.id.clone() });
        }
        sourced(cx, file, at!["variant", v, "share"], &x.share, (0.0, 1.0), &k.refs);
        evidence(cx, file, c, &x.evidence, at!["variant", v], k);
    }
    let sum: f64 = c.variant.iter().map(|x| x.share.value).sum();
    if sum >= 1.0 {
        cx.report(file, at!["variant"], P::VariantShareSum { sum });
    }
}

/// A condition's (or one of its variants') evidence: once per finding,
/// yes/no findings with a background, likelihoods in range, sourced,
/// estimates explained. `under` is the key path of the list's owner.
fn evidence(cx: &mut Cx, file: &str, c: &Condition, list: &[Evidence], under: &[Seg], k: &Known) {
    let mut seen = BTreeSet::new();
    for (i, e) in list.iter().enumerate() {
        let path = |key: &'static str| join(under, at!["evidence", i, key]);
        let finding_at = path("finding");
        let here = finding_at.as_slice();
        let finding = || e.finding.clone();
        if !seen.insert(e.finding.as_str()) {
            cx.report(file, here, P::EvidenceTwice { finding: finding() });
        }
        expect(cx, file, here, "finding", &e.finding, &k.findings);
        if k.known_not_yes_no(&e.finding) {
            cx.report(file, here, P::EvidenceNotYesNo { finding: finding() });
        }
        expect(cx, file, &path("source"), "reference", &e.source, &k.refs);
        if k.finding_by_id.get(e.finding.as_str()).is_some_and(|f| f.background.is_none()) {
            cx.report(file, here, P::EvidenceWithoutBackground { finding: finding() });
        }
        match e.likelihood(k.background(&e.finding)) {
            Err(reason) => cx.report(file, here, P::EvidenceLikelihood { finding: finding(), reason }),
            // An exclusion condition's own evidence may only lower it: findings
            // that by definition point to a specific cause.
            Ok(l) if c.model == ConditionModel::Exclusion && l.lr_positive > 1.0 => {
                cx.report(file, here, P::ExclusionRaises { finding: finding() })
            }
            Ok(_) => {}
        }
        if e.grade == Grade::ExpertEstimate && e.note.as_deref().is_none_or(|n| n.trim().is_empty()) {
            cx.report(file, here, P::EstimateNeedsNote { finding: finding() });
        }
    }
}

/// `correlations/`: at least two findings, each in one group only.
pub(crate) fn correlations(cx: &mut Cx, raw: &Raw, k: &Known) {
    let mut grouped: BTreeMap<&str, &str> = BTreeMap::new();
    for (file, g) in &raw.correlations {
        if g.findings.len() < 2 {
            cx.report(file, at!["findings"], P::CorrelationTooSmall);
        }
        for (i, f) in g.findings.iter().enumerate() {
            expect(cx, file, at!["findings", i], "finding", f, &k.findings);
            if let Some(other) = grouped.insert(f.as_str(), g.id.as_str()) {
                let kind = P::AlreadyCorrelated { finding: f.clone(), group: other.to_string() };
                cx.report(file, at!["findings", i], kind);
            }
        }
        sourced(cx, file, at!["residual_weight"], &g.residual_weight, (0.0, 1.0), &k.refs);
        nonempty(cx, file, at!["rationale"], &g.rationale);
    }
}

/// `red_flags/`: yes/no findings, the conditions they are for, a sound `min_present`.
pub(crate) fn red_flags(cx: &mut Cx, raw: &Raw, k: &Known) {
    for (file, r) in &raw.red_flags {
        nonempty(cx, file, at!["name"], &r.name);
        nonempty(cx, file, at!["patient_action"], &r.patient_action);
        nonempty(cx, file, at!["clinician_action"], &r.clinician_action);
        if r.conditions.is_empty() {
            cx.report(file, at!["conditions"], P::RedFlagNoConditions);
        }
        if r.any_of.is_empty() && r.all_of.is_empty() {
            cx.report(file, at!["any_of"], P::RedFlagNoFindings);
        }
        let listed = r.any_of.iter().enumerate().map(|(i, f)| ("any_of", i, f));
        for (key, i, f) in listed.chain(r.all_of.iter().enumerate().map(|(i, f)| ("all_of", i, f))) {
            expect(cx, file, at![key, i], "finding", f, &k.findings);
            if k.known_not_yes_no(f) {
                cx.report(file, at![key, i], P::RedFlagNotYesNo { finding: f.clone() });
            }
        }
        if let Some(n) = r.min_present
            && (n == 0 || n > r.any_of.len())
        {
            let kind = P::MinPresentRange { min_present: n, any_of: r.any_of.len() };
            cx.report(file, at!["min_present"], kind);
        }
        for (i, c) in r.conditions.iter().enumerate() {
            expect(cx, file, at!["conditions", i], "condition", c, &k.conditions);
        }
        expect(cx, file, at!["source"], "reference", &r.source, &k.refs);
    }
}

/// `criteria/`: items over known findings, block items read against a known protocol.
pub(crate) fn criteria(cx: &mut Cx, raw: &Raw, k: &Known) {
    for (file, c) in &raw.criteria {
        expect(cx, file, at!["condition"], "condition", &c.condition, &k.conditions);
        expect(cx, file, at!["source"], "reference", &c.source, &k.refs);
        if c.item.is_empty() {
            cx.report(file, at!["item"], P::NoCriteriaItems);
        }
        for (i, it) in c.item.iter().enumerate() {
            nonempty(cx, file, at!["item", i, "text"], &it.text);
            match (&it.finding, it.any_of.is_empty()) {
                (Some(f), true) => expect(cx, file, at!["item", i, "finding"], "finding", f, &k.findings),
                (None, false) => {
                    for (j, f) in it.any_of.iter().enumerate() {
                        expect(cx, file, at!["item", i, "any_of", j], "finding", f, &k.findings);
                    }
                }
                _ => cx.report(file, at!["item", i], P::CriteriaItemShape),
            }
            if let Some(b) = &it.block {
                let block = at!["item", i, "block"];
                expect(cx, file, &join(block, at!["protocol"]), "block protocol", &b.protocol, &k.blocks);
                if !(b.min_relief > 0.0 && b.min_relief <= 1.0) {
                    cx.report(file, &join(block, at!["min_relief"]), P::BlockMinRelief);
                }
                if !(b.at_minutes > 0.0 && b.tolerance_minutes >= 0.0 && b.tolerance_minutes < b.at_minutes) {
                    cx.report(file, &join(block, at!["at_minutes"]), P::BlockTiming);
                }
                if let Some(g) = &b.guidance
                    && !["ultrasound", "fluoroscopy", "landmark"].contains(&g.as_str())
                {
                    cx.report(
                        file,
                        &join(block, at!["guidance"]),
                        P::UnknownGuidance { guidance: g.clone() },
                    );
                }
            }
        }
    }
}

/// `diagnostics/`: wording and the findings and conditions a step bears on.
pub(crate) fn diagnostics(cx: &mut Cx, raw: &Raw, k: &Known) {
    for (file, d) in &raw.diagnostics {
        nonempty(cx, file, at!["name"], &d.name);
        nonempty(cx, file, at!["when"], &d.when);
        nonempty(cx, file, at!["patient_explanation"], &d.patient_explanation);
        for (i, f) in d.findings.iter().enumerate() {
            expect(cx, file, at!["findings", i], "finding", f, &k.findings);
        }
        for (key, list) in [("rules_in", &d.rules_in), ("rules_out", &d.rules_out)] {
            for (i, c) in list.iter().enumerate() {
                expect(cx, file, at![key, i], "condition", c, &k.conditions);
            }
        }
        sources(cx, file, &d.sources, false, &k.refs);
    }
}

/// `blocks/`: relief thresholds and a reading window that opens before it closes.
pub(crate) fn blocks(cx: &mut Cx, raw: &Raw, k: &Known) {
    let refs = &k.refs;
    for (file, b) in &raw.blocks {
        expect(cx, file, at!["condition"], "condition", &b.condition, &k.conditions);
        expect(cx, file, at!["result_finding"], "finding", &b.result_finding, &k.findings);
        sourced(cx, file, at!["positive_relief"], &b.positive_relief, (0.0, 1.0), refs);
        sourced(cx, file, at!["inconclusive_relief"], &b.inconclusive_relief, (0.0, 1.0), refs);
        let window = (0.0, 100_000.0);
        sourced(cx, file, at!["window_start_minutes"], &b.window_start_minutes, window, refs);
        sourced(cx, file, at!["window_end_minutes"], &b.window_end_minutes, window, refs);
        if b.inconclusive_relief.value > b.positive_relief.value {
            cx.report(file, at!["inconclusive_relief"], P::InconclusiveAbovePositive);
        }
        if b.window_start_minutes.value >= b.window_end_minutes.value {
            cx.report(file, at!["window_start_minutes"], P::EmptyWindow);
        }
        sources(cx, file, &b.sources, false, refs);
    }
}

/// `treatments/`: a known plan step, known conditions, sourced outcomes.
pub(crate) fn treatments(cx: &mut Cx, raw: &Raw, k: &Known) {
    for (file, t) in &raw.treatments {
        nonempty(cx, file, at!["name"], &t.name);
        nonempty(cx, file, at!["patient_description"], &t.patient_description);
        expect(cx, file, at!["step"], "plan step", &t.step, &k.steps);
        for (i, c) in t.conditions.iter().enumerate() {
            expect(cx, file, at!["conditions", i], "condition", c, &k.conditions);
        }
        for (i, o) in t.outcome.iter().enumerate() {
            expect(cx, file, at!["outcome", i, "source"], "reference", &o.source, &k.refs);
        }
        sources(cx, file, &t.sources, true, &k.refs);
    }
}

/// The FHIR resource types a record mapping may read.
const RECORD_RESOURCES: [&str; 5] =
    ["Condition", "Observation", "Procedure", "MedicationRequest", "MedicationStatement"];

/// `record_codes/`: one target (a finding the record can answer, or a
/// treatment), resource types Cluneal reads, codes once each.
pub(crate) fn record_codes(cx: &mut Cx, raw: &Raw, k: &Known) {
    for (file, m) in &raw.record_codes {
        nonempty(cx, file, at!["name"], &m.name);
        match (&m.finding, &m.treatment) {
            (Some(_), Some(_)) | (None, None) => cx.report(file, at!["treatment"], P::RecordTarget),
            (Some(f), None) => record_finding(cx, file, m, f, k),
            (None, Some(t)) => expect(cx, file, at!["treatment"], "treatment", t, &k.treatments),
        }
        if m.resources.is_empty() {
            cx.report(file, at!["resources"], P::NoResources);
        }
        for (i, r) in m.resources.iter().enumerate() {
            if !RECORD_RESOURCES.contains(&r.as_str()) {
                let kind = P::UnknownResource { resource: r.clone(), known: RECORD_RESOURCES.join(", ") };
                cx.report(file, at!["resources", i], kind);
            }
        }
        if m.gives_duration && !m.resources.iter().any(|r| r == "Condition") {
            cx.report(file, at!["gives_duration"], P::DurationNeedsCondition);
        }
        if m.codes.is_empty() {
            cx.report(file, at!["codes"], P::NoCodes);
        }
        let mut seen = BTreeSet::new();
        for (i, c) in m.codes.iter().enumerate() {
            nonempty(cx, file, at!["codes", i, "system"], &c.system);
            nonempty(cx, file, at!["codes", i, "code"], &c.code);
            nonempty(cx, file, at!["codes", i, "display"], &c.display);
            expect(cx, file, at!["codes", i, "source"], "reference", &c.source, &k.refs);
            if !c.system.starts_with("http://") && !c.system.starts_with("https://") {
                cx.report(file, at!["codes", i, "system"], P::NotSystemUri { system: c.system.clone() });
            }
            if !seen.insert((c.system.as_str(), c.code.as_str())) {
                cx.report(file, at!["codes", i, "code"], P::CodeTwice { code: c.code.clone() });
            }
        }
    }
}

/// A record mapping's finding: asked, not derived; a choice names its option,
/// a value comes from an `Observation`.
fn record_finding(cx: &mut Cx, file: &str, m: &RecordCodes, f: &str, k: &Known) {
    let Some(finding) = k.finding_by_id.get(f) else {
        return expect(cx, file, at!["finding"], "finding", f, &k.findings);
    };
    let name = || f.to_string();
    if finding.derived.is_some() {
        return cx.report(file, at!["finding"], P::RecordDerived { finding: name() });
    }
    match (finding.answer, &m.option) {
        (AnswerType::Choice, Some(o)) if finding.options.contains(o) => {}
        (AnswerType::Choice, Some(o)) => {
            let kind =
                P::NotAnOption { option: o.clone(), finding: name(), options: finding.options.join(", ") };
            cx.report(file, at!["option"], kind);
        }
        (AnswerType::Choice, None) => {
            cx.report(file, at!["finding"], P::ChoiceNeedsOption { finding: name() })
        }
        (_, Some(_)) => cx.report(file, at!["option"], P::OptionNotChoice { finding: name() }),
        (AnswerType::YesNo, None) => {}
        (_, None) => {
            if m.resources.iter().any(|r| r != "Observation") {
                cx.report(file, at!["resources"], P::ValueNeedsObservation { finding: name() });
            }
        }
    }
}

/// `cds_cards/`: hook, indicator and trigger that fit together, CDS Hooks'
/// summary length, sourced order codes and override reasons.
pub(crate) fn cds_cards(cx: &mut Cx, raw: &Raw, k: &Known) {
    for (file, c) in &raw.cds_cards {
        if !["patient-view", "order-select"].contains(&c.hook.as_str()) {
            cx.report(file, at!["hook"], P::UnknownHook { hook: c.hook.clone() });
        }
        if !["info", "warning", "critical"].contains(&c.indicator.as_str()) {
            cx.report(file, at!["indicator"], P::UnknownIndicator { indicator: c.indicator.clone() });
        }
        nonempty(cx, file, at!["summary"], &c.summary);
        nonempty(cx, file, at!["detail"], &c.detail);
        // CDS Hooks: the summary is under 140 characters; `{condition}` may add up to 60.
        let chars = c.summary.replace("{condition}", &"x".repeat(60)).chars().count();
        if chars >= 140 {
            cx.report(file, at!["summary"], P::SummaryTooLong { chars });
        }
        let is_order = c.trigger == CdsTrigger::OrderForUnexplainedPain;
        if is_order != (c.hook == "order-select") {
            cx.report(file, at!["trigger"], P::OrderTriggerHook);
        }
        if is_order == c.order_codes.is_empty() {
            cx.report(file, at!["order_codes"], P::OrderCodes);
        }
        for (i, code) in c.order_codes.iter().enumerate() {
            nonempty(cx, file, at!["order_codes", i, "code"], &code.code);
            nonempty(cx, file, at!["order_codes", i, "display"], &code.display);
            expect(cx, file, at!["order_codes", i, "source"], "reference", &code.source, &k.refs);
        }
        match (&c.min_weeks, c.trigger) {
            (Some(w), CdsTrigger::PersistentPainWithoutCause | CdsTrigger::OrderForUnexplainedPain) => {
                sourced(cx, file, at!["min_weeks"], w, (1.0, 520.0), &k.refs);
            }
            (None, CdsTrigger::PersistentPainWithoutCause) => {
                cx.report(file, at!["trigger"], P::PersistentNeedsWeeks);
            }
            (Some(_), CdsTrigger::RedFlag) => cx.report(file, at!["min_weeks"], P::RedFlagCardWeeks),
            _ => {}
        }
        let mut seen = BTreeSet::new();
        for (i, r) in c.override_reasons.iter().enumerate() {
            let here = at!["override_reasons", i, "code"];
            if !valid_id(&r.code) {
                cx.report(file, here, P::BadOverrideReason { code: r.code.clone() });
            }
            if !seen.insert(r.code.as_str()) {
                cx.report(file, here, P::OverrideReasonTwice { code: r.code.clone() });
            }
            nonempty(cx, file, at!["override_reasons", i, "display"], &r.display);
        }
        sources(cx, file, &c.sources, true, &k.refs);
    }
}

/// `plan_steps/`: one step per order, sourced durations, known findings.
pub(crate) fn plan_steps(cx: &mut Cx, raw: &Raw, k: &Known) {
    let mut orders = BTreeMap::new();
    for (file, s) in &raw.plan_steps {
        if let Some(other) = orders.insert(s.order, s.id.as_str()) {
            cx.report(file, at!["order"], P::StepOrderTaken { order: s.order, other: other.to_string() });
        }
        nonempty(cx, file, at!["entry"], &s.entry);
        nonempty(cx, file, at!["patient_summary"], &s.patient_summary);
        if let Some(q) = &s.typical_duration_weeks {
            sourced(cx, file, at!["typical_duration_weeks"], q, (0.0, 520.0), &k.refs);
        }
        if let Some(q) = &s.lasting_relief_weeks {
            sourced(cx, file, at!["lasting_relief_weeks"], q, (0.0, 520.0), &k.refs);
            if s.completed_by_finding.is_none() {
                cx.report(file, at!["lasting_relief_weeks"], P::LastingReliefWithoutBlock);
            }
        }
        for (key, f) in
            [("completed_by_finding", &s.completed_by_finding), ("requires_finding", &s.requires_finding)]
        {
            if let Some(f) = f {
                expect(cx, file, at![key], "finding", f, &k.findings);
            }
        }
        sources(cx, file, &s.sources, false, &k.refs);
    }
}

/// `exercises/`: a picture of its own with its words, steps, a sane dosage.
pub(crate) fn exercises(cx: &mut Cx, raw: &Raw, k: &Known) {
    let mut pictures: BTreeMap<&str, &str> = BTreeMap::new();
    for (file, e) in &raw.exercises {
        nonempty(cx, file, at!["purpose"], &e.purpose);
        nonempty(cx, file, at!["picture"], &e.picture);
        nonempty(cx, file, at!["picture_alt"], &e.picture_alt);
        if !e.picture.trim().is_empty()
            && let Some(other) = pictures.insert(e.picture.as_str(), e.id.as_str())
        {
            let kind = P::PictureShared { picture: e.picture.clone(), other: other.to_string() };
            cx.report(file, at!["picture"], kind);
        }
        if e.steps.is_empty() {
            cx.report(file, at!["steps"], P::NoSteps);
        }
        let d = &e.dosage;
        if d.sets == 0 || d.reps == 0 || d.per_week == 0 || d.per_week > 21 {
            cx.report(file, at!["dosage"], P::BadDosage);
        }
        expect(cx, file, at!["dosage", "source"], "reference", &d.source, &k.refs);
        for (i, a) in e.avoid_if.iter().enumerate() {
            expect(cx, file, at!["avoid_if", i, "finding"], "finding", &a.finding, &k.findings);
        }
        for (i, a) in e.avoid_with_conditions.iter().enumerate() {
            let here = at!["avoid_with_conditions", i, "condition"];
            expect(cx, file, here, "condition", &a.condition, &k.conditions);
        }
        sources(cx, file, &e.sources, false, &k.refs);
    }
}

/// `self_care/`: an urgency exactly for "seek care", known findings.
pub(crate) fn self_care(cx: &mut Cx, raw: &Raw, k: &Known) {
    for (file, s) in &raw.self_care {
        nonempty(cx, file, at!["text"], &s.text);
        if (s.kind == SelfCareKind::SeekCare) != s.urgency.is_some() {
            // Point at the urgency when there is one, else at the kind that wants it.
            let here = if s.urgency.is_some() { at!["urgency"] } else { at!["kind"] };
            cx.report(file, here, P::UrgencyKind);
        }
        for (i, f) in s.about_findings.iter().enumerate() {
            expect(cx, file, at!["about_findings", i], "finding", f, &k.findings);
        }
        sources(cx, file, &s.sources, false, &k.refs);
    }
}

/// `education/`: sections, and related ids of any citable kind.
pub(crate) fn education(cx: &mut Cx, raw: &Raw, k: &Known) {
    for (file, e) in &raw.education {
        if e.sections.is_empty() {
            cx.report(file, at!["sections"], P::NoSections);
        }
        for (i, r) in e.related.iter().enumerate() {
            expect(cx, file, at!["related", i], "id", r, &k.citable);
        }
        sources(cx, file, &e.sources, false, &k.refs);
    }
}

/// `categories/`: known members and tools, and at least one member with a
/// comparison profile, since the seed's comparison table is built from them.
pub(crate) fn categories(cx: &mut Cx, raw: &Raw, k: &Known) {
    for (file, c) in &raw.categories {
        for (i, m) in c.members.iter().enumerate() {
            expect(cx, file, at!["members", i], "condition", m, &k.conditions);
        }
        for (i, t) in c.comparison.key_tools.iter().enumerate() {
            expect(cx, file, at!["comparison", "key_tools", i], "diagnostic", t, &k.diagnostics);
        }
    }
    let profiled = |m: &String| raw.conditions.iter().any(|(_, x)| &x.id == m && x.comparison.is_some());
    if !raw.categories.iter().any(|(_, c)| c.members.iter().any(profiled)) {
        cx.report("categories", at![], P::NoComparison);
    }
}

/// `references/`: a title, and a web address when there is one.
pub(crate) fn references(cx: &mut Cx, raw: &Raw, _: &Known) {
    for (file, r) in &raw.references {
        nonempty(cx, file, at!["title"], &r.title);
        if let Some(u) = &r.url
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            cx.report(file, at!["url"], P::BadUrl { url: u.clone() });
        }
    }
}

/// `seed_coverage.toml`: every item of the source article is represented by
/// ids the knowledge base has.
pub(crate) fn lint_seed(cx: &mut Cx, raw: &Raw, k: &Known) {
    let Some(seed) = &raw.seed else { return };
    let f = "seed_coverage.toml";
    if seed.item.is_empty() {
        cx.report(f, at!["item"], P::SeedEmpty);
    }
    for (i, it) in seed.item.iter().enumerate() {
        let (section, text) = (it.section.clone(), it.text.clone());
        if it.covered_by.is_empty() {
            cx.report(f, at!["item", i], P::SeedNotCovered { section: section.clone(), text: text.clone() });
        }
        for (j, id) in it.covered_by.iter().enumerate() {
            if !k.citable.contains(id.as_str()) {
                let kind = P::SeedLacks { section: section.clone(), text: text.clone(), id: id.clone() };
                cx.report(f, at!["item", i, "covered_by", j], kind);
            }
        }
    }
}
