//! `$assess`: a patient's record (a Bundle of the resources an EHR holds) or
//! a QuestionnaireResponse in; Cluneal's assessment out as a Bundle of
//! standard resources an EHR can file: a RiskAssessment (one prediction per
//! condition), a ClinicalImpression (the summary, the findings with their
//! basis, the must-not-miss conditions and the red flags that fired),
//! Conditions marked `differential` or `provisional`, a CarePlan for the
//! stepped plan with the exercises and their dosage, ServiceRequests for the
//! suggested work-up, and an OperationOutcome listing what in the record was
//! not used.
//!
//! Deterministic: the same input, knowledge base and date give the same
//! Bundle byte for byte; resource ids are name-based UUIDs derived from them.

use std::collections::BTreeSet;

use cluneal_engine::{Answer, Case, Engine, Report, StepStatus};
use cluneal_kb::KnowledgeBase;
use serde_json::{Map, Value, json};

use crate::dates::CalendarDate as Date;
use crate::next::{case_error, case_from_response};
use crate::record::{Basis, FromRecord, case_from_bundle};
use crate::{
    CONDITION_SYSTEM, DIAGNOSTIC_SYSTEM, EXERCISE_SYSTEM, FINDING_SYSTEM, FhirError, Issue, METHOD_SYSTEM,
    PLAN_STEP_SYSTEM, operation_outcome,
};

/// What the caller supplies besides the input.
#[derive(Debug, Clone)]
pub struct AssessOptions {
    /// The assessment date (ages and durations are counted to it). The
    /// server passes today's date; a `date` parameter overrides it.
    pub today: Date,
    /// The care setting whose priors apply, unless a `setting` parameter says otherwise.
    pub setting: Option<String>,
}

/// Run `$assess` on a request body: a `Bundle` of the patient's resources, a
/// `QuestionnaireResponse`, or `Parameters` holding one of them (as `record`
/// or `questionnaire-response`) with optional `setting` (code) and `date`.
pub fn assess(engine: &Engine, input: &Value, options: &AssessOptions) -> Result<Value, FhirError> {
    let kb = engine.kb();
    let Some(obj) = input.as_object() else {
        return Err(FhirError::structure(
            "",
            "the body must be a JSON object: a Bundle, a QuestionnaireResponse or Parameters",
        ));
    };
    let mut options = options.clone();
    let mut setting_at = "setting".to_string();
    let (resource, at) = match obj.get("resourceType").and_then(Value::as_str) {
        Some("Bundle" | "QuestionnaireResponse") => (obj, resource_type(obj).to_string()),
        Some("Parameters") => parameters(obj, &mut options, &mut setting_at)?,
        Some(other) => {
            return Err(FhirError::structure(
                "resourceType",
                format!("expected a Bundle, a QuestionnaireResponse or Parameters, not `{other}`"),
            ));
        }
        None => return Err(FhirError::structure("resourceType", "`resourceType` is missing")),
    };
    let (record, seen) = if resource_type(resource) == "Bundle" {
        (case_from_bundle(kb, resource, &at, options.today, options.setting.clone())?, Default::default())
    } else {
        let (mut case, seen) = case_from_response(kb, resource, &at)?;
        case.setting = options.setting.clone();
        (from_response(kb, resource, case), seen)
    };
    let report = engine.assess(&record.case).map_err(|e| {
        let mut err = case_error(&e, &seen, &at);
        for (issue, problem) in err.issues.iter_mut().zip(&e.0) {
            if problem.path == "setting" {
                issue.location = setting_at.clone();
            }
        }
        err
    })?;
    Ok(bundle(kb, input, &options, &record, &report))
}

fn resource_type(r: &Map<String, Value>) -> &str {
    r.get("resourceType").and_then(Value::as_str).unwrap_or("")
}

type Unwrapped<'v> = (&'v Map<String, Value>, String);

fn parameters<'v>(
    obj: &'v Map<String, Value>,
    options: &mut AssessOptions,
    setting_at: &mut String,
) -> Result<Unwrapped<'v>, FhirError> {
    let params = match obj.get("parameter") {
        None => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(FhirError::structure("Parameters.parameter", "`parameter` must be an array")),
    };
    let mut found = None;
    for (k, p) in params.iter().enumerate() {
        let at = format!("Parameters.parameter[{k}]");
        match p.get("name").and_then(Value::as_str) {
            Some(name @ ("record" | "questionnaire-response")) => {
                let want = if name == "record" { "Bundle" } else { "QuestionnaireResponse" };
                match p.get("resource").and_then(Value::as_object) {
                    Some(r) if resource_type(r) == want => {
                        if found.is_some() {
                            return Err(FhirError::invalid(
                                at,
                                "give one `record` or one `questionnaire-response`, not both or two",
                            ));
                        }
                        found = Some((r, format!("{at}.resource")));
                    }
                    _ => {
                        return Err(FhirError::structure(
                            format!("{at}.resource"),
                            format!("`{name}` must hold a {want} resource"),
                        ));
                    }
                }
            }
            Some("setting") => {
                let v = p.get("valueCode").or_else(|| p.get("valueString")).and_then(Value::as_str);
                let Some(v) = v else {
                    return Err(FhirError::structure(at, "`setting` needs a `valueCode`"));
                };
                options.setting = Some(v.to_string());
                *setting_at = format!("{at}.valueCode");
            }
            Some("date") => {
                let v = p.get("valueDate").and_then(Value::as_str);
                let Some(d) = v.and_then(crate::parse_date) else {
                    return Err(FhirError::invalid(
                        format!("{at}.valueDate"),
                        "`date` needs a `valueDate` such as `2026-11-30`",
                    ));
                };
                options.today = d;
            }
            Some(other) => {
                return Err(FhirError::invalid(
                    format!("{at}.name"),
                    format!(
                        "unknown parameter `{other}`; `$assess` takes `record`, `questionnaire-response`, `setting` and `date`"
                    ),
                ));
            }
            None => return Err(FhirError::structure(format!("{at}.name"), "every parameter needs a `name`")),
        }
    }
    found.ok_or_else(|| {
        FhirError::structure(
            "Parameters.parameter",
            "no parameter named `record` (a Bundle) or `questionnaire-response`",
        )
    })
}

/// The basis of a QuestionnaireResponse's answers: the response itself.
fn from_response(kb: &KnowledgeBase, qr: &Map<String, Value>, case: Case) -> FromRecord {
    let reference = qr
        .get("id")
        .and_then(Value::as_str)
        .map_or_else(|| "QuestionnaireResponse".to_string(), |id| format!("QuestionnaireResponse/{id}"));
    let basis = case
        .answers
        .iter()
        .filter(|(_, a)| !matches!(a, Answer::No | Answer::Unknown))
        .map(|(id, a)| Basis {
            target: id.clone(),
            reference: reference.clone(),
            display: format!("{}: {}", kb.finding_label(id), a.describe()),
            mapping: String::new(),
        })
        .collect();
    let subject =
        qr.get("subject").and_then(|s| s.get("reference")).and_then(Value::as_str).map(str::to_string);
    FromRecord { case, subject, basis, treatments_seen: Vec::new(), not_used: Vec::new() }
}

/// A name-based UUID from the input, the knowledge base and a tag.
fn uuid(seed: &[u8], tag: &str) -> String {
    crate::name_uuid([seed, tag.as_bytes()])
}

fn percent(p: f64) -> String {
    cluneal_engine::percent(p)
}

fn condition_concept(kb: &KnowledgeBase, id: &str, name: &str) -> Value {
    let mut coding = vec![json!({ "system": CONDITION_SYSTEM, "code": id, "display": name })];
    if let Some(c) = kb.condition(id) {
        for code in &c.codes {
            let mut v = json!({ "system": code.system, "code": code.code, "display": code.display });
            if let (Some(ver), Some(o)) = (&code.version, v.as_object_mut()) {
                o.insert("version".into(), json!(ver));
            }
            coding.push(v);
        }
    }
    json!({ "coding": coding, "text": name })
}

fn finding_concept(kb: &KnowledgeBase, id: &str) -> Value {
    let label = kb.finding_label(id);
    json!({ "coding": [{ "system": FINDING_SYSTEM, "code": id, "display": label }], "text": label })
}

fn bundle(
    kb: &KnowledgeBase,
    input: &Value,
    options: &AssessOptions,
    record: &FromRecord,
    report: &Report<'_>,
) -> Value {
    let mut seed = serde_json::to_vec(input).unwrap_or_default();
    seed.extend_from_slice(kb.content_hash().as_bytes());
    seed.extend_from_slice(options.today.to_string().as_bytes());
    seed.extend_from_slice(options.setting.as_deref().unwrap_or("").as_bytes());
    let url = |tag: &str| format!("urn:uuid:{}", uuid(&seed, tag));
    let id_of = |full: &str| full.trim_start_matches("urn:uuid:").to_string();
    let date = options.today.to_string();
    let subject = match &record.subject {
        Some(r) => json!({ "reference": r }),
        None => json!({ "display": "the patient assessed (the input names no patient)" }),
    };
    let model = kb.meta().engine.differential_model.as_str();
    let method = json!({
        "coding": [{ "system": METHOD_SYSTEM, "code": model, "display": format!("Cluneal {model} differential model") }],
        "text": format!(
            "Cluneal knowledge base {} (content SHA-256 {}), {model} differential model",
            report.kb_version, report.kb_hash
        ),
    });
    let disclaimer = json!({ "text": report.disclaimer });
    let mut entries: Vec<Value> = Vec::new();

    // RiskAssessment: one prediction per ranked condition, then "no specific cause".
    let basis: Vec<Value> = {
        let mut seen = BTreeSet::new();
        record
            .basis
            .iter()
            .filter(|b| seen.insert(b.reference.clone()))
            .map(|b| json!({ "reference": b.reference, "display": b.display }))
            .collect()
    };
    let rationale = |c: &cluneal_engine::ConditionResult<'_>| {
        let list = |items: &[cluneal_engine::EvidenceItem<'_>]| {
            items.iter().map(|e| format!("{} ({})", e.label, e.answer)).collect::<Vec<_>>().join("; ")
        };
        let mut s = format!("prior {} ({})", percent(c.prior), c.prior_source);
        if let Some(name) = c.presentation_name {
            s.push_str(&format!("; fits best: {name}"));
        }
        if !c.evidence_for.is_empty() {
            s.push_str(&format!("; for: {}", list(&c.evidence_for)));
        }
        if !c.evidence_against.is_empty() {
            s.push_str(&format!("; against: {}", list(&c.evidence_against)));
        }
        s
    };
    let mut predictions: Vec<Value> = report
        .differential
        .iter()
        .map(|c| {
            json!({
                "outcome": condition_concept(kb, c.condition, c.name),
                "probabilityDecimal": c.probability,
                "rationale": rationale(c),
            })
        })
        .collect();
    if let Some(c) = &report.no_specific_cause {
        predictions.push(json!({
            "outcome": condition_concept(kb, c.condition, c.name),
            "probabilityDecimal": c.probability,
            "rationale": format!("no specific cause found: {}", rationale(c)),
        }));
    }
    let risk_url = url("RiskAssessment");
    let mut risk = json!({
        "resourceType": "RiskAssessment",
        "id": id_of(&risk_url),
        "status": "final",
        "subject": subject,
        "occurrenceDateTime": date,
        "method": method,
        "prediction": predictions,
        "note": [disclaimer.clone()],
    });
    if !basis.is_empty()
        && let Some(o) = risk.as_object_mut()
    {
        o.insert("basis".into(), Value::Array(basis));
    }

    // Conditions: the leading causes and every must-not-miss condition.
    let relevant = kb.meta().engine.relevant_probability.value;
    let mut shown: Vec<&cluneal_engine::ConditionResult<'_>> = Vec::new();
    for (rank, c) in report.differential.iter().enumerate() {
        let mnm = report.must_not_miss.iter().any(|m| m.condition == c.condition);
        if rank < 3 || c.probability >= relevant || mnm {
            shown.push(c);
        }
    }
    let impression_url = url("ClinicalImpression");
    let mut condition_urls = Vec::new();
    for (k, c) in shown.iter().enumerate() {
        let full = url(&format!("Condition/{}", c.condition));
        let provisional = k == 0 && !report.picture.open && c.probability >= 0.5;
        let status = if provisional { "provisional" } else { "differential" };
        let mut cond = json!({
            "resourceType": "Condition",
            "id": id_of(&full),
            "clinicalStatus": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active" }] },
            "verificationStatus": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": status }] },
            "category": [{ "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/condition-category", "code": "encounter-diagnosis", "display": "Encounter Diagnosis" }] }],
            "code": condition_concept(kb, c.condition, c.name),
            "subject": subject,
            "recordedDate": date,
            "note": [{ "text": format!(
                "Suggested by Cluneal decision support as a {status} diagnosis ({} in the {model} model, rank {}); not a diagnosis until a clinician confirms it.",
                percent(c.probability), report.differential.iter().position(|d| d.condition == c.condition).map_or(0, |p| p + 1)
            ) }],
        });
        let manifestations: Vec<Value> =
            c.evidence_for.iter().map(|e| finding_concept(kb, e.finding)).collect();
        let mut evidence = vec![json!({ "detail": [{ "reference": impression_url }] })];
        if !manifestations.is_empty() {
            evidence.insert(0, json!({ "code": manifestations }));
        }
        if let Some(o) = cond.as_object_mut() {
            o.insert("evidence".into(), Value::Array(evidence));
        }
        condition_urls.push(full.clone());
        entries.push(json!({ "fullUrl": full, "resource": cond }));
    }

    // ClinicalImpression: the summary and the findings with their basis.
    let leading: Vec<String> = report
        .differential
        .iter()
        .take(3)
        .map(|c| format!("{} {}", c.name, percent(c.probability)))
        .collect();
    let mut summary = format!(
        "Urgency: {} ({}). Leading causes: {}.",
        report.triage.level.as_str(),
        report.triage.message,
        leading.join(", ")
    );
    if let Some(n) = &report.no_specific_cause {
        summary.push_str(&format!(" No specific cause: {}.", percent(n.probability)));
    }
    if !report.must_not_miss.is_empty() {
        let m: Vec<String> =
            report.must_not_miss.iter().map(|m| format!("{} {}", m.name, percent(m.probability))).collect();
        summary.push_str(&format!(" Must not miss: {}.", m.join(", ")));
    }
    if !report.ask_about.is_empty() {
        let a: Vec<String> = report.ask_about.iter().map(|a| a.name.to_string()).collect();
        summary.push_str(&format!(" Worth examining for: {}.", a.join(", ")));
    }
    if report.picture.open {
        summary.push_str(&format!(" {}", report.picture.message));
    }
    let findings: Vec<Value> = record
        .basis
        .iter()
        .filter(|b| kb.finding(&b.target).is_some())
        .map(|b| {
            json!({
                "itemCodeableConcept": finding_concept(kb, &b.target),
                "basis": format!("{} ({}{})", b.reference, b.display, if b.mapping.is_empty() { String::new() } else { format!("; record mapping {}", b.mapping) }),
            })
        })
        .collect();
    let mut notes = vec![disclaimer.clone()];
    for m in &report.must_not_miss {
        let mut text = format!("Must not miss: {} ({}, rank {})", m.name, percent(m.probability), m.rank);
        if !m.findings.is_empty() {
            text.push_str(&format!("; findings: {}", m.findings.join(", ")));
        }
        if !m.red_flags.is_empty() {
            text.push_str(&format!("; red flags: {}", m.red_flags.join(", ")));
        }
        notes.push(json!({ "text": text }));
    }
    for f in &report.triage.red_flags {
        notes.push(json!({ "text": format!(
            "Red flag {} [{}]: {} (because: {}; source {}). {}",
            f.id, f.urgency.as_str(), f.name, f.because.join(", "), f.source, f.clinician_action
        ) }));
    }
    if !report.triage.screen_complete {
        notes.push(json!({ "text": format!(
            "Warning-sign screen incomplete: the record does not answer {}.",
            report.triage.unanswered.join(", ")
        ) }));
    }
    for t in &record.treatments_seen {
        notes.push(json!({ "text": format!(
            "Already tried: {} ({}, {}); the record does not say how it worked.",
            kb.treatment(&t.target).map_or(t.target.as_str(), |x| x.name.as_str()), t.display, t.reference
        ) }));
    }
    let mut impression = json!({
        "resourceType": "ClinicalImpression",
        "id": id_of(&impression_url),
        "status": "completed",
        "description": "Cluneal decision support: urgency, differential diagnosis and plan for low back, buttock or hip pain",
        "subject": subject,
        "date": date,
        "summary": summary,
        "prognosisReference": [{ "reference": risk_url }],
        "note": notes,
    });
    if let Some(o) = impression.as_object_mut() {
        if !findings.is_empty() {
            o.insert("finding".into(), Value::Array(findings));
        }
        if !condition_urls.is_empty() {
            o.insert(
                "problem".into(),
                Value::Array(condition_urls.iter().map(|u| json!({ "reference": u })).collect()),
            );
        }
    }

    // ServiceRequests: the suggested work-up.
    let mut request_urls = Vec::new();
    for w in &report.workup {
        let full = url(&format!("ServiceRequest/{}", w.id));
        let request = json!({
            "resourceType": "ServiceRequest",
            "id": id_of(&full),
            "status": "draft",
            "intent": "proposal",
            "code": { "coding": [{ "system": DIAGNOSTIC_SYSTEM, "code": w.id, "display": w.name }], "text": w.name },
            "subject": subject,
            "authoredOn": date,
            "reasonCode": [{ "text": w.reason }],
            "note": [{ "text": format!("{} ({}, {})", w.patient_explanation, w.kind, w.when) }],
        });
        request_urls.push(full.clone());
        entries.push(json!({ "fullUrl": full, "resource": request }));
    }

    // CarePlan: the stepped plan, the exercises with their dosage, referral.
    let plan = &report.plan;
    let mut activities: Vec<Value> = Vec::new();
    let mut plan_notes = vec![disclaimer];
    for s in &plan.steps {
        let status = match s.status {
            StepStatus::Done => "completed",
            StepStatus::Current => "in-progress",
            StepStatus::Upcoming => "not-started",
            StepStatus::NotIndicated => {
                plan_notes.push(json!({ "text": format!("{}: not indicated ({})", s.name, s.reason) }));
                continue;
            }
        };
        let treatments: Vec<&str> = s.treatments.iter().map(|t| t.name).collect();
        let mut description = s.reason.clone();
        if !treatments.is_empty() {
            description.push_str(&format!(" Treatments: {}.", treatments.join(", ")));
        }
        activities.push(json!({ "detail": {
            "code": { "coding": [{ "system": PLAN_STEP_SYSTEM, "code": s.id, "display": s.name }], "text": s.name },
            "status": if plan.on_hold && status != "completed" { "on-hold" } else { status },
            "description": description,
        } }));
    }
    for e in &plan.exercises {
        let sets = if e.sets == 1 { "1 set".to_string() } else { format!("{} sets", e.sets) };
        let mut dose = format!("{sets} of {}", e.reps);
        if e.hold_seconds > 0 {
            dose.push_str(&format!(", hold {} s", e.hold_seconds));
        }
        dose.push_str(&format!(", {} times a week", e.per_week));
        activities.push(json!({ "detail": {
            "code": { "coding": [{ "system": EXERCISE_SYSTEM, "code": e.id, "display": e.name }], "text": e.name },
            "status": if plan.on_hold { "on-hold" } else { "not-started" },
            "scheduledTiming": { "repeat": { "frequency": e.per_week, "period": 1, "periodUnit": "wk" } },
            "description": format!("{dose}: {} (dosage: {})", e.purpose, e.dosage_source),
        } }));
    }
    if !plan.referral.is_empty() {
        activities.push(json!({ "detail": {
            "code": { "text": "Referral" },
            "status": "not-started",
            "description": plan.referral,
        } }));
    }
    for u in &request_urls {
        activities.push(json!({ "reference": { "reference": u } }));
    }
    let care_url = url("CarePlan");
    let mut care = json!({
        "resourceType": "CarePlan",
        "id": id_of(&care_url),
        "status": if plan.on_hold { "on-hold" } else { "draft" },
        "intent": "proposal",
        "title": format!("Stepped plan: {}", plan.focus_name),
        "description": plan.summary,
        "subject": subject,
        "created": date,
        "note": plan_notes,
    });
    if let Some(o) = care.as_object_mut() {
        if !activities.is_empty() {
            o.insert("activity".into(), Value::Array(activities));
        }
        if !condition_urls.is_empty() {
            o.insert(
                "addresses".into(),
                Value::Array(condition_urls.iter().take(1).map(|u| json!({ "reference": u })).collect()),
            );
        }
    }

    let mut head = vec![
        json!({ "fullUrl": risk_url, "resource": risk }),
        json!({ "fullUrl": impression_url, "resource": impression }),
    ];
    head.append(&mut entries);
    head.push(json!({ "fullUrl": care_url, "resource": care }));
    let mut not_used: Vec<Issue> = record.not_used.clone();
    for t in &record.treatments_seen {
        not_used.push(Issue {
            code: "informational",
            message: format!(
                "`{}` shows `{}` was tried; its response is not in the record",
                t.display, t.target
            ),
            location: t.reference.clone(),
        });
    }
    if !not_used.is_empty() {
        let outcome_url = url("OperationOutcome");
        let mut outcome = operation_outcome(&not_used);
        if let Some(o) = outcome.as_object_mut() {
            o.insert("id".into(), json!(id_of(&outcome_url)));
            if let Some(Value::Array(issues)) = o.get_mut("issue") {
                for i in issues.iter_mut() {
                    if let Some(i) = i.as_object_mut() {
                        i.insert("severity".into(), json!("information"));
                    }
                }
            }
        }
        head.push(json!({ "fullUrl": outcome_url, "resource": outcome }));
    }
    json!({
        "resourceType": "Bundle",
        "id": uuid(&seed, "Bundle"),
        "meta": { "tag": [{ "system": METHOD_SYSTEM, "code": "cluneal-assessment", "display": format!("Cluneal knowledge base {}", report.kb_version) }] },
        "type": "collection",
        "entry": head,
    })
}
