//! CDS Hooks 2.0: the discovery document, the prefetch templates, and the
//! cards for `patient-view`, `order-select` and `order-sign`, built from the
//! knowledge base's `cds_cards` and the engine's reading of the record.
//!
//! Pure like the rest of the crate: the server verifies the caller, fetches
//! whatever prefetch is missing from the EHR's FHIR server, and hands the
//! completed request here with today's date.

use std::collections::BTreeMap;

use cluneal_engine::{Answer, Engine};
use cluneal_kb::{CdsCard, CdsTrigger, ConditionModel, KnowledgeBase, Urgency};
use serde_json::{Map, Value, json};

use crate::dates::CalendarDate;
use crate::record::{FromRecord, State, case_from_bundle, entry_state};
use crate::{DIAGNOSTIC_SYSTEM, FhirError};

/// Cluneal's code system for the reasons a clinician may give to override a card.
pub const OVERRIDE_REASON_SYSTEM: &str = "https://cluneal.org/fhir/CodeSystem/override-reason";
/// Cluneal's code system naming its CDS cards (a card's `source.topic`).
pub const CARD_SYSTEM: &str = "https://cluneal.org/fhir/CodeSystem/cds-card";

/// A CDS service: its id (the path under `/cds-services`), its hook, and what it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// The id under `/cds-services/`.
    pub id: &'static str,
    /// The CDS Hooks hook it answers.
    pub hook: &'static str,
    /// The hook whose cards it returns (`order-sign` reuses `order-select`'s).
    pub cards_of: &'static str,
    title: &'static str,
    description: &'static str,
}

/// The services Cluneal offers.
pub const SERVICES: [Service; 3] = [
    Service {
        id: "cluneal-patient-view",
        hook: "patient-view",
        cards_of: "patient-view",
        title: "Cluneal: unexplained low back pain and back-pain warning signs",
        description: "Reads the patient's problems, medications, procedures and pain scores. Suggests examining for superior cluneal nerve entrapment when months of low back pain have no settled cause, and raises a critical card when the record holds a warning sign of a serious cause.",
    },
    Service {
        id: "cluneal-order-select",
        hook: "order-select",
        cards_of: "order-select",
        title: "Cluneal: lumbar imaging, injections and surgery for unexplained back pain",
        description: "When a lumbar MRI, a spinal injection or a lumbar operation is selected for a patient whose low back pain has no settled cause, suggests the two-minute iliac crest examination (and a diagnostic cluneal nerve block) first.",
    },
    Service {
        id: "cluneal-order-sign",
        hook: "order-sign",
        cards_of: "order-select",
        title: "Cluneal: lumbar imaging, injections and surgery for unexplained back pain (at signing)",
        description: "The order-select check, run again when the orders are signed.",
    },
];

/// The service with this id.
pub fn service(id: &str) -> Option<&'static Service> {
    SERVICES.iter().find(|s| s.id == id)
}

/// The prefetch templates every service asks for: the patient, their
/// problems, medications and procedures, and the observations Cluneal's
/// record mappings read (by code, so a chart's thousands of vital signs stay out).
pub fn prefetch_templates(kb: &KnowledgeBase) -> BTreeMap<&'static str, String> {
    let mut codes: Vec<String> = kb
        .record_codes()
        .iter()
        .filter(|m| m.resources.iter().any(|r| r == "Observation"))
        .flat_map(|m| m.codes.iter().filter(|c| !c.prefix).map(|c| format!("{}|{}", c.system, c.code)))
        .collect();
    codes.sort();
    codes.dedup();
    let mut t = BTreeMap::new();
    t.insert("patient", "Patient/{{context.patientId}}".to_string());
    t.insert("conditions", "Condition?patient={{context.patientId}}".to_string());
    t.insert("medications", "MedicationRequest?patient={{context.patientId}}".to_string());
    t.insert("procedures", "Procedure?patient={{context.patientId}}".to_string());
    if !codes.is_empty() {
        t.insert(
            "observations",
            format!("Observation?patient={{{{context.patientId}}}}&code={}", codes.join(",")),
        );
    }
    t
}

/// The discovery document (`GET /cds-services`).
pub fn discovery(kb: &KnowledgeBase) -> Value {
    let prefetch = prefetch_templates(kb);
    json!({
        "services": SERVICES.iter().map(|s| json!({
            "hook": s.hook,
            "id": s.id,
            "title": s.title,
            "description": s.description,
            "prefetch": prefetch,
            "usageRequirements": "Needs read access to the patient's Patient, Condition, MedicationRequest, Procedure and pain-score Observation resources (as prefetch, or through fhirServer with fhirAuthorization). Calls must carry a JWT signed with ES384 or RS384 by an issuer on the service's allow-list.",
        })).collect::<Vec<_>>(),
    })
}

/// Prefetch the request lacks: each key with its query, `{{context.x}}` filled in.
/// An absent key is missing; a key present as `null` means "no data" (CDS Hooks).
pub fn missing_prefetch(kb: &KnowledgeBase, request: &Value) -> Result<Vec<(String, String)>, FhirError> {
    let context = request.get("context").and_then(Value::as_object);
    let prefetch = request.get("prefetch").and_then(Value::as_object);
    let mut out = Vec::new();
    for (key, template) in prefetch_templates(kb) {
        if prefetch.is_some_and(|p| p.contains_key(key)) {
            continue;
        }
        out.push((key.to_string(), fill(template.as_str(), context)?));
    }
    Ok(out)
}

fn fill(template: &str, context: Option<&Map<String, Value>>) -> Result<String, FhirError> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(rest.get(..start).unwrap_or(""));
        let after = rest.get(start + 2..).unwrap_or("");
        let Some(end) = after.find("}}") else { break };
        let token = after.get(..end).unwrap_or("");
        let field = token.strip_prefix("context.").unwrap_or(token);
        let value = context.and_then(|c| c.get(field)).and_then(Value::as_str).ok_or_else(|| {
            FhirError::invalid(format!("context.{field}"), format!("the hook context has no `{field}`"))
        })?;
        out.push_str(value);
        rest = after.get(end + 2..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}

/// What the cards need besides the request.
#[derive(Debug, Clone)]
pub struct CardOptions {
    /// The assessment date.
    pub today: CalendarDate,
    /// The web app's base URL (for the link that opens clinician mode pre-filled).
    pub app_url: String,
}

/// The cards for one call of `service`: `{"cards": [...]}`. The request must
/// carry every prefetch key (`null` for none); see [`missing_prefetch`].
pub fn cards(
    engine: &Engine,
    service: &Service,
    request: &Value,
    options: &CardOptions,
) -> Result<Value, FhirError> {
    let kb = engine.kb();
    let Some(req) = request.as_object() else {
        return Err(FhirError::structure("", "the body must be a JSON object: a CDS Hooks request"));
    };
    match req.get("hook").and_then(Value::as_str) {
        Some(h) if h == service.hook => {}
        Some(h) => {
            return Err(FhirError::invalid(
                "hook",
                format!("`{h}` called on the `{}` service", service.hook),
            ));
        }
        None => return Err(FhirError::structure("hook", "`hook` is missing")),
    }
    if req.get("hookInstance").and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(FhirError::structure("hookInstance", "`hookInstance` is missing"));
    }
    let context = req
        .get("context")
        .and_then(Value::as_object)
        .ok_or_else(|| FhirError::structure("context", "`context` must be an object"))?;
    let patient_id = context
        .get("patientId")
        .and_then(Value::as_str)
        .ok_or_else(|| FhirError::structure("context.patientId", "`context.patientId` is missing"))?;

    let record = record_bundle(req.get("prefetch"))?;
    let read = case_from_bundle(kb, &record, "prefetch", options.today, None)?;
    let report = engine.assess(&read.case).map_err(|e| {
        FhirError::invalid("prefetch", format!("the record could not be assessed: {}", e.0.len()))
    })?;
    let diagnosed = diagnosed_causes(kb, &record);
    let pain = read.case.answers.get("pain_low_back") == Some(&Answer::Yes)
        || read.case.answers.get("pain_buttock") == Some(&Answer::Yes);
    let weeks = read.case.duration_weeks;
    let serious_flag = report.triage.red_flags.iter().any(|f| f.urgency >= Urgency::Urgent);

    let mut out = Vec::new();
    for card in kb.cds_cards().iter().filter(|c| c.hook == service.cards_of) {
        let made = match card.trigger {
            CdsTrigger::RedFlag => {
                let flags: Vec<_> =
                    report.triage.red_flags.iter().filter(|f| f.urgency >= Urgency::Urgent).collect();
                flags.first().map(|first| {
                    let mut detail = card.detail.trim_end().to_string();
                    detail.push_str("\n\n");
                    for f in &flags {
                        detail.push_str(&format!(
                            "- **{}** ({}): {} _Source: {}._\n",
                            f.name,
                            f.urgency.as_str(),
                            f.clinician_action,
                            citation(kb, f.source)
                        ));
                    }
                    detail.push_str(&basis_lines(&read));
                    render(kb, card, patient_id, first.name, detail, &read, options, &[])
                })
            }
            CdsTrigger::PersistentPainWithoutCause => {
                let min = card.min_weeks.as_ref().map_or(12.0, |w| w.value);
                (pain && weeks.is_some_and(|w| w >= min) && diagnosed.is_empty()).then(|| {
                    let weeks = weeks.map_or_else(String::new, |w| format!("{w:.0}"));
                    let mut detail = card.detail.trim_end().replace("{weeks}", &weeks);
                    detail.push_str("\n\n");
                    detail.push_str(&basis_lines(&read));
                    render(kb, card, patient_id, "", detail, &read, options, &[])
                })
            }
            CdsTrigger::OrderForUnexplainedPain => {
                let orders = matching_orders(card, context.get("draftOrders"));
                let long_enough = card.min_weeks.as_ref().is_none_or(|w| weeks.is_some_and(|x| x >= w.value));
                (!orders.is_empty() && pain && long_enough && diagnosed.is_empty() && !serious_flag).then(
                    || {
                        let mut detail = card.detail.trim_end().to_string();
                        detail.push_str("\n\n**Draft orders:** ");
                        detail
                            .push_str(&orders.iter().map(|(_, d)| d.as_str()).collect::<Vec<_>>().join("; "));
                        detail.push_str("\n\n");
                        detail.push_str(&basis_lines(&read));
                        let ids: Vec<String> = orders.iter().map(|(id, _)| id.clone()).collect();
                        render(kb, card, patient_id, "", detail, &read, options, &ids)
                    },
                )
            }
        };
        out.extend(made);
    }
    Ok(json!({ "cards": out }))
}

/// The prefetched resources as one collection Bundle: the Patient, and the
/// entries of every search-set Bundle.
fn record_bundle(prefetch: Option<&Value>) -> Result<Map<String, Value>, FhirError> {
    let mut entries = Vec::new();
    if let Some(p) = prefetch {
        let Some(p) = p.as_object() else {
            return Err(FhirError::structure("prefetch", "`prefetch` must be an object"));
        };
        for (key, value) in p {
            match value.get("resourceType").and_then(Value::as_str) {
                None if value.is_null() => {}
                Some("Bundle") => {
                    for e in value.get("entry").and_then(Value::as_array).into_iter().flatten() {
                        // Search sets may include OperationOutcomes (`search.mode` outcome): skip them.
                        if e.get("resource").and_then(|r| r.get("resourceType")).and_then(Value::as_str)
                            == Some("OperationOutcome")
                        {
                            continue;
                        }
                        entries.push(e.clone());
                    }
                }
                Some(_) => entries.push(json!({ "resource": value })),
                None => {
                    return Err(FhirError::structure(
                        format!("prefetch.{key}"),
                        "each prefetch value is a FHIR resource, a Bundle, or null",
                    ));
                }
            }
        }
    }
    let mut b = Map::new();
    b.insert("resourceType".into(), json!("Bundle"));
    b.insert("type".into(), json!("collection"));
    b.insert("entry".into(), Value::Array(entries));
    Ok(b)
}

/// Conditions of the knowledge base that the record diagnoses (a Condition
/// coded with one of the condition's ICD-10 codes, current and not refuted),
/// "no specific cause" aside.
fn diagnosed_causes(kb: &KnowledgeBase, record: &Map<String, Value>) -> Vec<String> {
    let norm = |s: &str| s.replace('.', "").trim().to_ascii_uppercase();
    let mut out = Vec::new();
    for e in record.get("entry").and_then(Value::as_array).into_iter().flatten() {
        let Some(r) = e.get("resource") else { continue };
        if r.get("resourceType").and_then(Value::as_str) != Some("Condition") {
            continue;
        }
        // Only a current diagnosis the record asserts explains the pain: the
        // same judgement the record reading makes of every Condition (a
        // provisional or differential entry, or one that has abated, does not).
        if r.as_object().and_then(|r| entry_state(r, "Condition")) != Some(State::Current) {
            continue;
        }
        for coding in
            r.get("code").and_then(|c| c.get("coding")).and_then(Value::as_array).into_iter().flatten()
        {
            let system = coding.get("system").and_then(Value::as_str).unwrap_or("");
            let code = norm(coding.get("code").and_then(Value::as_str).unwrap_or(""));
            if !system.contains("icd-10") || code.is_empty() {
                continue;
            }
            for c in kb.conditions().iter().filter(|c| c.model != ConditionModel::Exclusion) {
                if c.codes.iter().any(|k| k.system.contains("icd-10") && code.starts_with(&norm(&k.code)))
                    && !out.contains(&c.id)
                {
                    out.push(c.id.clone());
                }
            }
        }
    }
    out
}

/// Draft orders whose code is one of the card's: (order id, display).
fn matching_orders(card: &CdsCard, draft: Option<&Value>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in draft.and_then(|d| d.get("entry")).and_then(Value::as_array).into_iter().flatten() {
        let Some(r) = e.get("resource") else { continue };
        let codings = r.get("code").and_then(|c| c.get("coding")).and_then(Value::as_array);
        for c in codings.into_iter().flatten() {
            let system = c.get("system").and_then(Value::as_str).unwrap_or("");
            let code = c.get("code").and_then(Value::as_str).unwrap_or("");
            if let Some(k) = card.order_codes.iter().find(|k| k.matches(system, code)) {
                let id = r.get("id").and_then(Value::as_str).unwrap_or(code).to_string();
                let display = c.get("display").and_then(Value::as_str).unwrap_or(&k.display).to_string();
                out.push((id, display));
                break;
            }
        }
    }
    out
}

fn basis_lines(read: &FromRecord) -> String {
    if read.basis.is_empty() {
        return String::new();
    }
    let items: Vec<String> = read.basis.iter().map(|b| format!("{} ({})", b.display, b.reference)).collect();
    format!("_Read from the record:_ {}.\n", items.join("; "))
}

fn citation(kb: &KnowledgeBase, id: &str) -> String {
    kb.reference(id).map_or_else(|| id.to_string(), |r| r.citation())
}

/// A stable card uuid: the same card for the same patient (and orders) and
/// knowledge base always has the same id, so feedback can refer to it.
fn card_uuid(kb: &KnowledgeBase, card: &str, patient: &str, orders: &[String]) -> String {
    let head = [kb.content_hash().as_bytes(), card.as_bytes(), patient.as_bytes()];
    crate::name_uuid(head.into_iter().chain(orders.iter().map(String::as_bytes)))
}

/// The summary with `{condition}` filled, cut to stay under 140 characters.
fn summary(template: &str, name: &str) -> String {
    let room = 139usize.saturating_sub(template.replace("{condition}", "").chars().count());
    let name: String = if name.chars().count() > room {
        let mut s: String = name.chars().take(room.saturating_sub(1)).collect();
        s.push('…');
        s
    } else {
        name.to_string()
    };
    template.replace("{condition}", &name)
}

#[expect(clippy::too_many_arguments, reason = "one private builder, called three times")]
fn render(
    kb: &KnowledgeBase,
    card: &CdsCard,
    patient: &str,
    name: &str,
    detail: String,
    read: &FromRecord,
    options: &CardOptions,
    orders: &[String],
) -> Value {
    let mut detail = detail;
    let sources: Vec<String> = card.sources.iter().map(|s| citation(kb, s)).collect();
    detail.push_str(&format!(
        "\n_Sources:_ {}\n\n_Cluneal supports clinical judgement; it does not make a diagnosis._",
        sources.join(" ")
    ));
    let mut v = json!({
        "uuid": card_uuid(kb, &card.id, patient, orders),
        "summary": summary(&card.summary, name),
        "detail": detail,
        "indicator": card.indicator,
        "source": {
            "label": format!("Cluneal ({} {})", kb.meta().name, kb.meta().version),
            "topic": { "system": CARD_SYSTEM, "code": card.id, "display": card.summary.replace("{condition}", "…") },
        },
    });
    let Some(o) = v.as_object_mut() else { return v };
    if !card.override_reasons.is_empty() {
        o.insert(
            "overrideReasons".into(),
            Value::Array(
                card.override_reasons
                    .iter()
                    .map(
                        |r| json!({ "system": OVERRIDE_REASON_SYSTEM, "code": r.code, "display": r.display }),
                    )
                    .collect(),
            ),
        );
    }
    if let Some(label) = &card.link_label {
        o.insert(
            "links".into(),
            json!([{ "label": label, "url": clinician_link(&options.app_url, read), "type": "absolute" }]),
        );
    }
    if card.trigger == CdsTrigger::OrderForUnexplainedPain && kb.diagnostic("cluneal_nerve_block").is_some() {
        let label = kb
            .diagnostic("cluneal_nerve_block")
            .map_or("Diagnostic cluneal nerve block", |d| d.name.as_str());
        o.insert("selectionBehavior".into(), json!("at-most-one"));
        o.insert(
            "suggestions".into(),
            json!([{
                "label": format!("Order a {} instead", label.to_lowercase()),
                "uuid": card_uuid(kb, &format!("{}:suggestion", card.id), patient, orders),
                "isRecommended": false,
                "actions": [{
                    "type": "create",
                    "description": format!("Add a draft order: {label}"),
                    "resource": {
                        "resourceType": "ServiceRequest",
                        "status": "draft",
                        "intent": "proposal",
                        "code": { "coding": [{ "system": DIAGNOSTIC_SYSTEM, "code": "cluneal_nerve_block", "display": label }], "text": label },
                        "subject": { "reference": format!("Patient/{patient}") },
                    },
                }],
            }]),
        );
    }
    v
}

/// The web app's clinician mode with the case read from the record in the
/// URL fragment (base64url JSON): a fragment never reaches a server.
fn clinician_link(app_url: &str, read: &FromRecord) -> String {
    let json = serde_json::to_vec(&read.case).unwrap_or_default();
    format!("{}/#/clinician/case={}", app_url.trim_end_matches('/'), base64url(&json))
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for k in 0..chars {
            let index = (n >> (18 - 6 * k)) & 63;
            out.push(ALPHABET.get(index as usize).map_or('A', |c| char::from(*c)));
        }
    }
    out
}

/// One feedback item, checked (`POST /cds-services/{id}/feedback`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    /// The card's uuid.
    pub card: String,
    /// `accepted` or `overridden`.
    pub outcome: String,
    /// The override reason's code, if given.
    pub reason: Option<String>,
    /// The clinician's comment, if given.
    pub comment: Option<String>,
    /// Accepted suggestion ids.
    pub accepted_suggestions: Vec<String>,
    /// When the outcome happened (UTC, as sent).
    pub timestamp: String,
}

/// Read a feedback request: every item checked, every problem located.
pub fn parse_feedback(body: &Value) -> Result<Vec<Feedback>, FhirError> {
    let items = body
        .get("feedback")
        .and_then(Value::as_array)
        .ok_or_else(|| FhirError::structure("feedback", "`feedback` must be an array"))?;
    let mut out = Vec::new();
    for (k, f) in items.iter().enumerate() {
        let at = format!("feedback[{k}]");
        let text = |key: &str| f.get(key).and_then(Value::as_str).map(str::to_string);
        let card = text("card").ok_or_else(|| {
            FhirError::structure(format!("{at}.card"), "`card` (the card's uuid) is missing")
        })?;
        let outcome = text("outcome").unwrap_or_default();
        if outcome != "accepted" && outcome != "overridden" {
            return Err(FhirError::invalid(
                format!("{at}.outcome"),
                format!("`outcome` must be `accepted` or `overridden`, not `{outcome}`"),
            ));
        }
        let timestamp = text("outcomeTimestamp").ok_or_else(|| {
            FhirError::structure(format!("{at}.outcomeTimestamp"), "`outcomeTimestamp` is missing")
        })?;
        let reason = f
            .get("overrideReason")
            .and_then(|r| r.get("reason"))
            .and_then(|r| r.get("code"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let comment = f
            .get("overrideReason")
            .and_then(|r| r.get("userComment"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let accepted_suggestions = f
            .get("acceptedSuggestions")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter().filter_map(|s| s.get("id").and_then(Value::as_str)).map(str::to_string).collect()
            })
            .unwrap_or_default();
        out.push(Feedback { card, outcome, reason, comment, accepted_suggestions, timestamp });
    }
    Ok(out)
}
