//! A patient's record (FHIR resources as an EHR or a bulk export holds them)
//! read into a [`Case`] through the knowledge base's record mappings
//! (`knowledge/record_codes/`).
//!
//! What a record says is taken at its word and no further: a code present
//! answers its finding "yes" (or gives the observed value); a code absent
//! answers nothing, because a chart that does not mention saddle anaesthesia
//! has not denied it. Everything read is kept as the basis of the answer it
//! gave, and everything not used is listed with why.

use std::collections::BTreeMap;

use cluneal_engine::{Answer, Case, Respondent, Sex};
use cluneal_kb::{AnswerType, KnowledgeBase, RecordCodes, RecordStatus};
use serde_json::{Map, Value};

use crate::dates::{CalendarDate as Date, days_between, parse_date, whole_years};
use crate::{FhirError, Issue};

/// The resource types a record may hold that Cluneal reads codes from.
const CODED: [&str; 5] =
    ["Condition", "Observation", "Procedure", "MedicationRequest", "MedicationStatement"];

/// One record entry that answered something.
#[derive(Debug, Clone, PartialEq)]
pub struct Basis {
    /// The finding answered, a case field (`age`, `sex`, `duration_weeks`) or `treatment:<id>`.
    pub target: String,
    /// The entry, as a FHIR reference (`Condition/123` or its `fullUrl`).
    pub reference: String,
    /// The entry's code display (or the field it came from).
    pub display: String,
    /// The record mapping that read it (empty for Patient fields).
    pub mapping: String,
}

/// A record read into a case.
#[derive(Debug, Clone)]
pub struct FromRecord {
    /// The case the engine assesses.
    pub case: Case,
    /// The patient, as a FHIR reference, when the record holds one.
    pub subject: Option<String>,
    /// What answered each finding or field.
    pub basis: Vec<Basis>,
    /// Treatments the record shows were tried, with the entry; the response
    /// is not in a record, so they are reported, not scored.
    pub treatments_seen: Vec<Basis>,
    /// Every entry not used, and why (OperationOutcome issues of severity information).
    pub not_used: Vec<Issue>,
}

/// Read the resources of a Bundle (`entry[].resource`) into a case, as of `today`.
pub fn case_from_bundle(
    kb: &KnowledgeBase,
    bundle: &Map<String, Value>,
    at: &str,
    today: Date,
    setting: Option<String>,
) -> Result<FromRecord, FhirError> {
    let entries = match bundle.get("entry") {
        None => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => return Err(FhirError::structure(format!("{at}.entry"), "`entry` must be an array")),
    };
    let mut resources = Vec::new();
    for (k, e) in entries.iter().enumerate() {
        let loc = format!("{at}.entry[{k}]");
        let Some(r) = e.get("resource").and_then(Value::as_object) else {
            return Err(FhirError::structure(
                format!("{loc}.resource"),
                "every entry needs a `resource` object",
            ));
        };
        let full_url = e.get("fullUrl").and_then(Value::as_str).map(str::to_string);
        resources.push(Entry { resource: r, at: format!("{loc}.resource"), full_url });
    }
    read(kb, &resources, today, setting)
}

struct Entry<'a> {
    resource: &'a Map<String, Value>,
    at: String,
    full_url: Option<String>,
}

impl Entry<'_> {
    fn kind(&self) -> &str {
        self.resource.get("resourceType").and_then(Value::as_str).unwrap_or("")
    }
    /// Whether a reference string names this entry (by `fullUrl` or `Type/id`).
    fn is_named_by(&self, reference: &str) -> bool {
        self.full_url.as_deref() == Some(reference)
            || self.resource.get("id").and_then(Value::as_str).is_some_and(|id| {
                reference == format!("{}/{id}", self.kind())
                    || reference.ends_with(&format!("/{}/{id}", self.kind()))
            })
    }
    fn reference(&self) -> String {
        match (&self.full_url, self.resource.get("id").and_then(Value::as_str)) {
            (Some(u), _) => u.clone(),
            (None, Some(id)) => format!("{}/{id}", self.kind()),
            (None, None) => self.at.clone(),
        }
    }
}

fn read(
    kb: &KnowledgeBase,
    entries: &[Entry<'_>],
    today: Date,
    setting: Option<String>,
) -> Result<FromRecord, FhirError> {
    let mut out = FromRecord {
        case: Case { respondent: Respondent::Clinician, setting, ..Case::default() },
        subject: None,
        basis: Vec::new(),
        treatments_seen: Vec::new(),
        not_used: Vec::new(),
    };
    let patients: Vec<&Entry<'_>> = entries.iter().filter(|e| e.kind() == "Patient").collect();
    let patient = match patients.as_slice() {
        [] => None,
        [p] => Some(*p),
        [_, second, ..] => {
            return Err(FhirError::invalid(
                second.at.clone(),
                format!("the record holds {} patients; `$assess` assesses one at a time", patients.len()),
            ));
        }
    };
    if let Some(p) = patient {
        out.subject = Some(p.reference());
        read_patient(p, today, &mut out)?;
    }

    let mut latest_value: BTreeMap<String, (Date, f64)> = BTreeMap::new();
    let mut onset: Option<(Date, String, String)> = None;
    let mut skipped_kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut unused: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for e in entries {
        let kind = e.kind();
        if kind == "Patient" {
            continue;
        }
        if !CODED.contains(&kind) {
            *skipped_kinds
                .entry(if kind.is_empty() { "(no resourceType)".into() } else { kind.to_string() })
                .or_default() += 1;
            continue;
        }
        if let Some(other) = other_patient(e.resource, patient) {
            out.not_used.push(info(&e.at, format!("belongs to `{other}`, not to the patient assessed")));
            continue;
        }
        let Some(state) = entry_state(e.resource, kind) else {
            out.not_used
                .push(info(&e.at, "not a usable entry (refuted, entered in error, not done or cancelled)"));
            continue;
        };
        let date = entry_date(e.resource, kind);
        let codings = codings(e.resource, kind, entries);
        if codings.is_empty() {
            out.not_used.push(info(&e.at, "carries no coded concept"));
            continue;
        }
        let display = codings
            .iter()
            .find_map(|c| c.get("display").and_then(Value::as_str))
            .or_else(|| code_text(e.resource, kind))
            .unwrap_or("(no display)")
            .to_string();
        let mut used = false;
        let mut too_old = false;
        let mut past = false;
        for m in kb.record_codes() {
            if !m.resources.iter().any(|r| r == kind) || !codings.iter().any(|c| matches(m, c)) {
                continue;
            }
            if m.status == RecordStatus::Active && state == State::Past {
                past = true;
                continue;
            }
            if let Some(days) = m.within_days {
                match date {
                    Some(d) if days_between(d, today) <= i64::from(days) => {}
                    _ => {
                        too_old = true;
                        continue;
                    }
                }
            }
            used = true;
            let basis = Basis {
                target: String::new(),
                reference: e.reference(),
                display: display.clone(),
                mapping: m.id.clone(),
            };
            if let Some(t) = &m.treatment {
                out.treatments_seen.push(Basis { target: t.clone(), ..basis });
                continue;
            }
            let Some(fid) = &m.finding else { continue };
            let Some(f) = kb.finding(fid) else { continue };
            match f.answer {
                AnswerType::YesNo => {
                    out.case.answers.insert(fid.clone(), Answer::Yes);
                }
                AnswerType::Choice => {
                    if let Some(o) = &m.option {
                        out.case.answers.insert(fid.clone(), Answer::Choice(o.clone()));
                    }
                }
                AnswerType::Scale | AnswerType::Number => {
                    let Some(v) = observed_value(e.resource) else {
                        out.not_used.push(info(&e.at, format!("`{display}` has no numeric value")));
                        used = false;
                        continue;
                    };
                    let in_range = f.min.is_none_or(|lo| v >= lo) && f.max.is_none_or(|hi| v <= hi);
                    if !in_range {
                        out.not_used.push(info(
                            &e.at,
                            format!("`{display}` value {v} is outside the finding's range"),
                        ));
                        used = false;
                        continue;
                    }
                    let d = date.unwrap_or(Date::EARLIEST);
                    if latest_value.get(fid).is_some_and(|(seen, _)| *seen > d) {
                        continue;
                    }
                    latest_value.insert(fid.clone(), (d, v));
                    out.case.answers.insert(fid.clone(), Answer::Number(v));
                    out.basis.retain(|b| b.target != *fid);
                }
            }
            out.basis.push(Basis { target: fid.clone(), ..basis });
            if m.gives_duration
                && kind == "Condition"
                && let Some(d) = onset_date(e.resource)
                && onset.as_ref().is_none_or(|(seen, _, _)| d < *seen)
            {
                onset = Some((d, e.reference(), display.clone()));
            }
        }
        if !used {
            let why = if too_old {
                "is older than its record mapping reads"
            } else if past {
                "is no longer current, and its record mapping reads current entries only"
            } else {
                "is not used by Cluneal"
            };
            let codes: Vec<String> = codings
                .iter()
                .map(|c| {
                    format!(
                        "{} {}",
                        c.get("system").and_then(Value::as_str).unwrap_or("(no system)"),
                        c.get("code").and_then(Value::as_str).unwrap_or("(no code)")
                    )
                })
                .collect();
            let message = format!("`{display}` ({}) {why}", codes.join(", "));
            let seen = unused.entry(message).or_insert((0, e.at.clone()));
            seen.0 += 1;
        }
    }
    // One issue per distinct concept and reason: a chart repeats the same code at every visit.
    for (message, (n, at)) in unused {
        let message = if n > 1 { format!("{message} ({n} entries; the first is here)") } else { message };
        out.not_used.push(info(&at, message));
    }
    let mut treatments: BTreeMap<String, (usize, Basis)> = BTreeMap::new();
    for t in std::mem::take(&mut out.treatments_seen) {
        treatments.entry(t.target.clone()).or_insert((0, t)).0 += 1;
    }
    out.treatments_seen = treatments
        .into_values()
        .map(|(n, t)| {
            if n > 1 {
                Basis { display: format!("{} and {} more entries", t.display, n - 1), ..t }
            } else {
                t
            }
        })
        .collect();
    if let Some((d, reference, display)) = onset {
        let days = days_between(d, today);
        if days >= 0 {
            // Whole days to weeks, to one decimal: the engine's duration findings cut at weeks.
            out.case.duration_weeks = Some((days as f64 / 7.0 * 10.0).round() / 10.0);
            out.basis.push(Basis {
                target: "duration_weeks".into(),
                reference,
                display: format!("onset of {display}"),
                mapping: String::new(),
            });
        }
    }
    for (kind, n) in skipped_kinds {
        out.not_used.push(info(
            "",
            format!("{n} {kind} resource(s) not read: Cluneal reads Patient, {}", CODED.join(", ")),
        ));
    }
    Ok(out)
}

fn info(at: &str, message: impl Into<String>) -> Issue {
    Issue { code: "informational", message: message.into(), location: at.to_string() }
}

fn read_patient(p: &Entry<'_>, today: Date, out: &mut FromRecord) -> Result<(), FhirError> {
    let r = p.resource;
    let reference = p.reference();
    match r.get("birthDate") {
        None => out.not_used.push(info(&p.at, "no `birthDate`: age unknown")),
        Some(Value::String(s)) => {
            let Some(born) = parse_date(s) else {
                return Err(FhirError::invalid(
                    format!("{}.birthDate", p.at),
                    format!("`{s}` is not a FHIR date"),
                ));
            };
            let age = whole_years(born, today);
            if age < 0 {
                return Err(FhirError::invalid(
                    format!("{}.birthDate", p.at),
                    format!("`{s}` lies after the assessment date {today}"),
                ));
            }
            out.case.age = Some(age as f64);
            out.basis.push(Basis {
                target: "age".into(),
                reference: reference.clone(),
                display: format!("born {s}"),
                mapping: String::new(),
            });
        }
        Some(_) => {
            return Err(FhirError::structure(format!("{}.birthDate", p.at), "`birthDate` must be a string"));
        }
    }
    match r.get("gender").and_then(Value::as_str) {
        Some("male") => out.case.sex = Some(Sex::Male),
        Some("female") => out.case.sex = Some(Sex::Female),
        Some(other) => {
            out.not_used.push(info(
                &p.at,
                format!("gender `{other}` does not give the sex the knowledge base's priors use"),
            ));
        }
        None => {}
    }
    if out.case.sex.is_some() {
        out.basis.push(Basis {
            target: "sex".into(),
            reference,
            display: "gender".into(),
            mapping: String::new(),
        });
    }
    if r.get("deceasedBoolean").and_then(Value::as_bool) == Some(true) || r.contains_key("deceasedDateTime") {
        out.not_used.push(info(&p.at, "the patient is recorded as deceased"));
    }
    Ok(())
}

/// The patient another resource names, when it is not the one assessed.
fn other_patient(r: &Map<String, Value>, patient: Option<&Entry<'_>>) -> Option<String> {
    let patient = patient?;
    let reference = r
        .get("subject")
        .or_else(|| r.get("patient"))
        .and_then(|s| s.get("reference"))
        .and_then(Value::as_str)?;
    (!patient.is_named_by(reference)).then(|| reference.to_string())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Current,
    Past,
}

/// Whether an entry is current, past, or not to be used at all.
pub(crate) fn entry_state(r: &Map<String, Value>, kind: &str) -> Option<State> {
    let coded = |key: &str| {
        r.get(key)
            .and_then(|v| v.get("coding"))
            .and_then(Value::as_array)
            .and_then(|c| c.iter().find_map(|c| c.get("code").and_then(Value::as_str)))
    };
    let status = r.get("status").and_then(Value::as_str);
    match kind {
        "Condition" => {
            // A differential or provisional entry is not a diagnosis the record asserts.
            if matches!(
                coded("verificationStatus"),
                Some("refuted" | "entered-in-error" | "unconfirmed" | "provisional" | "differential")
            ) {
                return None;
            }
            match coded("clinicalStatus") {
                Some("active" | "recurrence" | "relapse") => Some(State::Current),
                Some(_) => Some(State::Past),
                None if r.keys().any(|k| k.starts_with("abatement")) => Some(State::Past),
                None => Some(State::Current),
            }
        }
        "MedicationRequest" => match status {
            Some("active" | "on-hold") => Some(State::Current),
            Some("completed" | "stopped") => Some(State::Past),
            _ => None,
        },
        "MedicationStatement" => match status {
            Some("active" | "on-hold" | "intended") => Some(State::Current),
            Some("completed" | "stopped") => Some(State::Past),
            _ => None,
        },
        "Procedure" => match status {
            Some("in-progress") => Some(State::Current),
            Some("completed") => Some(State::Past),
            _ => None,
        },
        "Observation" => match status {
            Some("final" | "amended" | "corrected" | "preliminary") => Some(State::Current),
            _ => None,
        },
        _ => None,
    }
}

fn date_of(r: &Map<String, Value>, keys: &[&str]) -> Option<Date> {
    keys.iter().find_map(|k| {
        let v = match k.split_once('.') {
            Some((outer, inner)) => r.get(outer).and_then(|o| o.get(inner)),
            None => r.get(*k),
        };
        v.and_then(Value::as_str).and_then(parse_date)
    })
}

fn onset_date(r: &Map<String, Value>) -> Option<Date> {
    date_of(r, &["onsetDateTime", "onsetPeriod.start"])
}

/// When the entry happened, for mappings that read recent entries only.
fn entry_date(r: &Map<String, Value>, kind: &str) -> Option<Date> {
    match kind {
        "Condition" => date_of(r, &["onsetDateTime", "onsetPeriod.start", "recordedDate"]),
        "Observation" => {
            date_of(r, &["effectiveDateTime", "effectivePeriod.start", "effectiveInstant", "issued"])
        }
        "Procedure" => date_of(r, &["performedDateTime", "performedPeriod.start"]),
        "MedicationRequest" => date_of(r, &["authoredOn"]),
        "MedicationStatement" => date_of(r, &["effectiveDateTime", "effectivePeriod.start", "dateAsserted"]),
        _ => None,
    }
}

/// The codings of an entry's concept; a medication given by reference is
/// looked up among the contained resources and the record's entries.
fn codings<'a>(
    r: &'a Map<String, Value>,
    kind: &str,
    entries: &'a [Entry<'a>],
) -> Vec<&'a Map<String, Value>> {
    let concept = match kind {
        "MedicationRequest" | "MedicationStatement" => match r.get("medicationCodeableConcept") {
            Some(c) => Some(c),
            None => r
                .get("medicationReference")
                .and_then(|m| m.get("reference"))
                .and_then(Value::as_str)
                .and_then(|reference| medication(r, reference, entries))
                .and_then(|m| m.get("code")),
        },
        _ => r.get("code"),
    };
    concept
        .and_then(|c| c.get("coding"))
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default()
}

fn medication<'a>(
    r: &'a Map<String, Value>,
    reference: &str,
    entries: &'a [Entry<'a>],
) -> Option<&'a Map<String, Value>> {
    if let Some(id) = reference.strip_prefix('#') {
        return r
            .get("contained")
            .and_then(Value::as_array)
            .and_then(|c| c.iter().find(|m| m.get("id").and_then(Value::as_str) == Some(id)))
            .and_then(Value::as_object);
    }
    entries.iter().find(|e| e.kind() == "Medication" && e.is_named_by(reference)).map(|e| e.resource)
}

fn code_text<'a>(r: &'a Map<String, Value>, kind: &str) -> Option<&'a str> {
    let key = if kind.starts_with("Medication") { "medicationCodeableConcept" } else { "code" };
    r.get(key).and_then(|c| c.get("text")).and_then(Value::as_str)
}

fn matches(m: &RecordCodes, coding: &Map<String, Value>) -> bool {
    let (Some(system), Some(code)) =
        (coding.get("system").and_then(Value::as_str), coding.get("code").and_then(Value::as_str))
    else {
        return false;
    };
    m.codes.iter().any(|c| c.matches(system, code))
}

fn observed_value(r: &Map<String, Value>) -> Option<f64> {
    r.get("valueQuantity")
        .and_then(|q| q.get("value"))
        .and_then(Value::as_f64)
        .or_else(|| r.get("valueInteger").and_then(Value::as_f64))
        .or_else(|| r.get("valueDecimal").and_then(Value::as_f64))
}

/// One patient's resources from a FHIR Bulk Data export (NDJSON: one
/// resource a line), as a `collection` Bundle ready for `$assess`. Each line
/// comes with its location (`Condition.000.ndjson:12`) for error messages.
pub fn patient_bundle<'a>(
    lines: impl IntoIterator<Item = (String, &'a str)>,
    patient: &str,
) -> Result<serde_json::Value, FhirError> {
    let mut entries = Vec::new();
    let mut found = false;
    let own = format!("Patient/{patient}");
    for (at, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let r: Value = serde_json::from_str(line)
            .map_err(|e| FhirError::structure(at.clone(), format!("not a JSON resource: {e}")))?;
        let kind = r.get("resourceType").and_then(Value::as_str).unwrap_or("");
        let mine = if kind == "Patient" {
            r.get("id").and_then(Value::as_str) == Some(patient)
        } else {
            r.get("subject")
                .or_else(|| r.get("patient"))
                .and_then(|s| s.get("reference"))
                .and_then(Value::as_str)
                .is_some_and(|x| x == own || x.ends_with(&format!("/{own}")))
        };
        if mine {
            found |= kind == "Patient";
            entries.push(serde_json::json!({ "resource": r }));
        }
    }
    if !found {
        return Err(FhirError::invalid("Patient.id", format!("the export holds no Patient `{patient}`")));
    }
    Ok(serde_json::json!({ "resourceType": "Bundle", "type": "collection", "entry": entries }))
}

/// The record mappings as a Markdown table for integrators (`docs/integration.md`,
/// `cluneal fhir record-codes`): one row per code, in mapping order.
pub fn record_table_markdown(kb: &KnowledgeBase) -> String {
    let mut out = String::from(
        "| mapping | answers | resources | entries read | system | code | display | checked against |\n|---|---|---|---|---|---|---|---|\n",
    );
    for m in kb.record_codes() {
        let answers = match (&m.finding, &m.option, &m.treatment) {
            (Some(f), Some(o), _) => format!("`{f}` = `{o}`"),
            (Some(f), None, _) => format!("`{f}`"),
            (None, _, Some(t)) => format!("treatment tried: `{t}`"),
            (None, _, None) => String::new(),
        };
        let mut entries = match m.status {
            RecordStatus::Active => "current".to_string(),
            RecordStatus::Any => "current or past".to_string(),
        };
        if let Some(d) = m.within_days {
            entries.push_str(&format!(", last {d} days"));
        }
        if m.gives_duration {
            entries.push_str("; onset gives the duration");
        }
        for c in &m.codes {
            let system = match c.system.as_str() {
                "http://snomed.info/sct" => "SNOMED CT",
                "http://loinc.org" => "LOINC",
                "http://hl7.org/fhir/sid/icd-10" => "ICD-10 (WHO)",
                "http://hl7.org/fhir/sid/icd-10-cm" => "ICD-10-CM",
                "http://www.whocc.no/atc" => "ATC",
                "http://www.nlm.nih.gov/research/umls/rxnorm" => "RxNorm",
                other => other,
            };
            let code = if c.prefix { format!("`{}`*", c.code) } else { format!("`{}`", c.code) };
            out.push_str(&format!(
                "| `{}` | {answers} | {} | {entries} | {system} | {code} | {} | `{}` |\n",
                m.id,
                m.resources.join(", "),
                c.display.replace('|', "\\|"),
                c.source
            ));
        }
    }
    out
}
