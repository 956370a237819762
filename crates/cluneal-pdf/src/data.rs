//! The data each template reads (`data.json`), built from the report and the
//! knowledge base: texts resolved, numbers rounded, lists cut to what fits.

use cluneal_engine::{Band, EvidenceAnswer, EvidenceOrigin, Report};
use cluneal_kb::{DifferentialModel, KnowledgeBase, Urgency};
use serde_json::{Value, json};

use crate::{Audience, Extras, Figures, charts};

fn urgency_words(u: Urgency) -> &'static str {
    match u {
        Urgency::Emergency => "Emergency: get help now",
        Urgency::Urgent => "Urgent: see a doctor today or within a day or two",
        Urgency::Soon => "See a doctor soon, within a week or two",
        Urgency::Routine => "Routine: no warning signs among the answers given",
    }
}

fn band_words(band: Band) -> &'static str {
    match band {
        Band::FitsWell => "Fits well",
        Band::Possible => "Possible",
        Band::LessLikely => "Less likely",
    }
}

fn percent(p: f64) -> String {
    cluneal_engine::percent(p)
}

/// A finding as the patient was asked it (their own words), or its label.
fn patient_words(kb: &KnowledgeBase, id: &str) -> String {
    match kb.finding(id) {
        Some(f) if f.derived.is_none() && !f.question.is_empty() => f.question.clone(),
        Some(f) => f.label.clone(),
        None => id.replace('_', " "),
    }
}

fn finding_label(kb: &KnowledgeBase, id: &str) -> String {
    kb.finding(id).map_or_else(|| id.replace('_', " "), |f| f.label.clone())
}

/// The first `n` sentences of `text`: patient descriptions are kept short so the
/// summary fits two pages.
fn sentences(text: &str, n: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    for (i, c) in text.char_indices() {
        out.push(c);
        if matches!(c, '.' | '!' | '?') && text[i + c.len_utf8()..].starts_with(' ') {
            count += 1;
            if count == n {
                break;
            }
        }
    }
    out.trim().to_string()
}

fn short_cite(kb: &KnowledgeBase, id: &str) -> String {
    match kb.reference(id) {
        Some(r) if !r.authors.is_empty() => {
            let first = r.authors[0].split_whitespace().next().unwrap_or("");
            let more = if r.authors.len() > 1 { " et al." } else { "" };
            match r.year {
                Some(y) => format!("{first}{more} {y}"),
                None => format!("{first}{more}"),
            }
        }
        Some(r) => r.title.clone(),
        None => id.to_string(),
    }
}

fn header(report: &Report<'_>, kb: &KnowledgeBase, extras: &Extras<'_>, title: &str) -> Value {
    json!({
        "title": title,
        "date": extras.date,
        "label": extras.label,
        "disclaimer": report.disclaimer,
        "kb": format!("{} {} (content {})", kb.meta().name, report.kb_version, report.kb_hash.get(..12).unwrap_or(report.kb_hash)),
    })
}

fn exercises(report: &Report<'_>, figures: &Figures, pictures: &mut Vec<(String, String)>) -> Value {
    Value::Array(
        report
            .plan
            .exercises
            .iter()
            .map(|e| {
                let picture = figures.svg(e.picture).map(|svg| {
                    pictures.push((e.picture.to_string(), svg));
                    format!("pic/{}.svg", e.picture)
                });
                let mut dose = format!("{} set{} of {}", e.sets, if e.sets == 1 { "" } else { "s" }, e.reps);
                if e.hold_seconds > 0 {
                    dose.push_str(&format!(", hold {} seconds each", e.hold_seconds));
                }
                dose.push_str(&format!(", {} days a week", e.per_week));
                json!({
                    "name": e.name, "purpose": e.purpose, "steps": e.steps, "cautions": e.cautions,
                    "dose": dose, "picture": picture, "alt": e.picture_alt,
                })
            })
            .collect(),
    )
}

/// The data for `audience`, and the pictures it uses (name, SVG).
pub fn build(
    report: &Report<'_>,
    kb: &KnowledgeBase,
    figures: &Figures,
    audience: Audience,
    extras: &Extras<'_>,
) -> (Value, Vec<(String, String)>) {
    let mut pictures = Vec::new();
    let data = match audience {
        Audience::Patient => patient(report, kb, extras),
        Audience::Exercises => json!({
            "head": header(report, kb, extras, "Your exercise programme"),
            "intro": "Gentle exercises that suit your answers. Start slowly, and stop any exercise that brings on your usual pain. A physiotherapist can check how you do them.",
            "on_hold": if report.plan.exercises.is_empty() && !report.plan.exercises_withheld.is_empty() {
                Some(kb.meta().messages.exercises_withheld.clone())
            } else { None },
            "exercises": exercises(report, figures, &mut pictures),
        }),
        Audience::Clinician => clinician(report, kb, extras, &mut pictures),
    };
    (data, pictures)
}

fn patient(report: &Report<'_>, kb: &KnowledgeBase, extras: &Extras<'_>) -> Value {
    let level = report.triage.level;
    let emergency = level == Urgency::Emergency;
    let mut actions: Vec<&str> = Vec::new();
    for f in &report.triage.red_flags {
        if !f.patient_action.is_empty()
            && f.patient_action != report.triage.message
            && !actions.contains(&f.patient_action)
        {
            actions.push(f.patient_action);
        }
    }
    // In an emergency the serious causes the warning signs point to come first.
    let mut ranked: Vec<_> = report.differential.iter().collect();
    if emergency {
        ranked.sort_by_key(|d| !d.serious);
    }
    let causes: Vec<Value> = ranked
        .iter()
        .take(3)
        .map(|d| {
            let c = kb.condition(d.condition);
            let why: Vec<String> = d
                .evidence_for
                .iter()
                .filter(|e| e.origin != EvidenceOrigin::Exclusion && e.answer == EvidenceAnswer::Yes)
                .take(4)
                .map(|e| patient_words(kb, e.finding))
                .collect();
            json!({
                "name": d.name, "serious": d.serious,
                "chance": format!("{}: {}", band_words(d.band), percent(d.probability)),
                "about": c.map(|c| sentences(&c.patient_description, 2)).unwrap_or_default(),
                "why": why,
            })
        })
        .collect();
    let ask: Vec<Value> = report
        .ask_about
        .iter()
        .map(|a| {
            json!({ "name": a.name, "why": a.findings.iter().map(|f| patient_words(kb, f)).collect::<Vec<_>>() })
        })
        .collect();
    let questions: Vec<String> = if report.triage.screen_complete {
        Vec::new()
    } else {
        report.triage.unanswered.iter().take(6).map(|f| patient_words(kb, f)).collect()
    };
    let checks: Vec<&str> = report
        .workup
        .iter()
        .filter(|w| !w.patient_explanation.is_empty())
        .take(3)
        .map(|w| w.patient_explanation)
        .collect();
    let care: Vec<&str> = report.plan.self_care.iter().take(4).map(|s| s.name).collect();
    let mut seek: Vec<_> = report.plan.seek_care.iter().collect();
    seek.sort_by_key(|s| std::cmp::Reverse(s.urgency));
    json!({
        "head": header(report, kb, extras, "Your back and buttock pain: visit summary"),
        "emergency": emergency,
        "level": level.as_str(),
        "urgency": urgency_words(level),
        "message": report.triage.message,
        "actions": actions,
        "incomplete": !report.triage.screen_complete && !emergency,
        "questions": questions,
        "causes": causes,
        "chances_note": match report.differential_model {
            DifferentialModel::Competing => {
                "the chances are shared out among all the possible causes and only the first few are shown, so they need not add up to 100%."
            }
            DifferentialModel::Independent => {
                "more than one can be true at once, so they do not add up to 100%."
            }
        },
        "ask": ask,
        "plan": report.plan.summary,
        "checks": checks,
        "exercises": report.plan.exercises.len(),
        "care": care,
        "seek": seek.iter().take(2).map(|s| json!({ "name": s.name, "text": sentences(s.text, 2) })).collect::<Vec<_>>(),
    })
}

fn evidence_rows(kb: &KnowledgeBase, items: &[cluneal_engine::EvidenceItem<'_>]) -> Vec<Value> {
    items
        .iter()
        .take(6)
        .map(|e| {
            let what = if e.origin == EvidenceOrigin::Exclusion {
                kb.condition(e.finding).map_or(e.finding.to_string(), |c| c.name.clone())
            } else {
                finding_label(kb, e.finding)
            };
            json!({
                "what": what, "answer": e.answer,
                "ratio": format!("{:.2}", e.effective_ratio.unwrap_or(e.likelihood_ratio)),
                "source": short_cite(kb, e.source), "grade": e.grade.as_str(),
            })
        })
        .collect()
}

fn clinician(
    report: &Report<'_>,
    kb: &KnowledgeBase,
    extras: &Extras<'_>,
    pictures: &mut Vec<(String, String)>,
) -> Value {
    let flags: Vec<Value> = report
        .triage
        .red_flags
        .iter()
        .map(|f| {
            json!({ "name": f.name, "urgency": f.urgency.as_str(), "action": f.clinician_action,
                "because": f.because.iter().map(|x| finding_label(kb, x)).collect::<Vec<_>>(), "source": short_cite(kb, f.source) })
        })
        .collect();
    let mnm: Vec<Value> = report
        .must_not_miss
        .iter()
        .map(|m| {
            json!({ "name": m.name, "p": percent(m.probability), "rank": m.rank,
                "findings": m.findings.iter().map(|x| finding_label(kb, x)).collect::<Vec<_>>() })
        })
        .collect();
    let differential: Vec<Value> = report
        .differential
        .iter()
        .take(8)
        .map(|d| {
            json!({ "name": d.name, "presentation": d.presentation_name, "p": percent(d.probability), "band": band_words(d.band),
                "prior": percent(d.prior), "prior_source": short_cite(kb, d.prior_source), "serious": d.serious,
                "for": evidence_rows(kb, &d.evidence_for), "against": evidence_rows(kb, &d.evidence_against) })
        })
        .collect();
    let criteria: Vec<Value> = report
        .criteria
        .iter()
        .map(|c| {
            json!({ "name": c.name, "tally": format!("{} met, {} unmet, {} unknown", c.met, c.unmet, c.unknown),
                "source": short_cite(kb, c.source),
                "items": c.items.iter().map(|i| json!({ "text": i.text, "status": i.status, "reason": i.reason })).collect::<Vec<_>>() })
        })
        .collect();
    let blocks: Vec<Value> = report
        .blocks
        .iter()
        .enumerate()
        .map(|(k, b)| {
            let (chart, alt) = match charts::block(b) {
                Some((svg, alt)) => {
                    pictures.push((format!("block{k}"), svg));
                    (Some(format!("pic/block{k}.svg")), alt)
                }
                None => (None, String::new()),
            };
            json!({ "name": b.name, "result": b.result, "reason": b.reason, "next": b.next,
                "chart": chart, "chart_alt": alt,
                "before": b.pain_before, "threshold": b.positive_threshold,
                "window": [b.window_start_minutes, b.window_end_minutes],
                "readings": b.readings.iter().map(|r| json!({ "minutes": r.minutes, "pain": r.pain, "relief": r.relief, "in_window": r.in_window })).collect::<Vec<_>>() })
        })
        .collect();
    let workup: Vec<Value> =
        report.workup.iter().map(|w| json!({ "name": w.name, "kind": w.kind, "reason": w.reason })).collect();
    let steps: Vec<Value> = report
        .plan
        .steps
        .iter()
        .map(|s| {
            json!({ "name": s.name, "status": s.status, "reason": s.reason,
                "treatments": s.treatments.iter().map(|t| t.name).collect::<Vec<_>>() })
        })
        .collect();
    let references: Vec<&str> = report.references.iter().map(|r| r.citation).collect();
    let visits: Vec<Value> = extras
        .visits
        .iter()
        .map(|v| json!({ "date": v.date, "pain": v.pain, "leading": v.leading, "urgency": v.urgency }))
        .collect();
    let (visits_chart, visits_chart_alt) = match charts::visits(extras.visits, &kb.meta().outcomes) {
        Some((svg, alt)) => {
            pictures.push(("visits".into(), svg));
            (Some("pic/visits.svg".to_string()), alt)
        }
        None => (None, String::new()),
    };
    json!({
        "head": header(report, kb, extras, "Cluneal assessment: clinician report"),
        "visits_chart": visits_chart,
        "visits_chart_alt": visits_chart_alt,
        "setting": kb.setting_name(report.setting),
        "respondent": report.respondent,
        "level": report.triage.level.as_str(),
        "urgency": urgency_words(report.triage.level),
        "message": report.triage.message,
        "screen": if report.triage.screen_complete { "complete".to_string() } else {
            format!("incomplete: {}", report.triage.unanswered.iter().take(12).map(|f| finding_label(kb, f)).collect::<Vec<_>>().join("; "))
        },
        "flags": flags,
        "mnm": mnm,
        "picture": report.picture.message,
        "differential": differential,
        "no_specific": report.no_specific_cause.as_ref().map(|n| percent(n.probability)),
        "criteria": criteria,
        "blocks": blocks,
        "workup": workup,
        "plan": { "focus": report.plan.focus_name, "summary": report.plan.summary, "steps": steps,
            "exercises": report.plan.exercises.iter().map(|e| e.name).collect::<Vec<_>>() },
        "visits": visits,
        "references": references,
    })
}
