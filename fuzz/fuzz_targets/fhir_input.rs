//! Bytes → the FHIR R4 and CDS Hooks input cluneal-fhir reads:
//! a request body (strict JSON, as the server's `/fhir` and `/cds-services`
//! routes parse it) through `$assess` (Bundle, QuestionnaireResponse or
//! Parameters), `$next-question`, the CDS Hooks services (prefetch check and
//! cards) and card feedback; any other text as a Bulk Data NDJSON export
//! through `patient_bundle` and then `$assess`, as `cluneal fhir assess DIR
//! --patient ID` reads one.
//!
//! Every outcome is fine except a panic or a timeout.

#![no_main]

use cluneal_engine::Engine;
use cluneal_fhir::cds::{self, CardOptions};
use cluneal_fhir::{AssessOptions, CalendarDate, FhirError};
use cluneal_fuzz::engine;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

// The server's strict body parser (UTF-8, JSON, no repeated key), compiled from
// its source file so the HTTP server need not be built; see case_assess.rs.
#[path = "../../crates/cluneal-server/src/strict.rs"]
#[allow(dead_code, reason = "the server's other helpers in this file are not called here")]
mod strict;

/// A fixed assessment date: the server passes today's, and the result must
/// not depend on the day the fuzzer runs.
fn today() -> CalendarDate {
    CalendarDate::new(2026, 11, 30).unwrap_or_else(|| panic!("2026-11-30 is a date"))
}

fuzz_target!(|data: &[u8]| {
    match strict::parse_body(data) {
        Ok(body) => request(&body),
        Err(strict::BodyError::NotJson(_)) => {
            if let Ok(text) = std::str::from_utf8(data) {
                bulk_export(text);
            }
        }
        Err(_) => {}
    }
});

fn request(body: &Value) {
    let engine = engine();
    let options = AssessOptions { today: today(), setting: None };
    outcome(cluneal_fhir::assess(engine, body, &options));
    outcome(cluneal_fhir::next_question(engine, body));
    if body.get("hook").is_some() {
        cds_hook(engine, body);
    }
    if body.get("feedback").is_some() {
        outcome(cds::parse_feedback(body));
    }
}

/// As the server: prefetch checked first; keys the request lacks are what the
/// server would fetch from the EHR, here answered "no data" (`null`).
fn cds_hook(engine: &Engine, body: &Value) {
    let missing = match cds::missing_prefetch(engine.kb(), body) {
        Ok(m) => m,
        Err(e) => return outcome::<()>(Err(e)),
    };
    let mut request = body.clone();
    if let Some(o) = request.as_object_mut() {
        let p = o.entry("prefetch").or_insert_with(|| Value::Object(Default::default()));
        if let Some(p) = p.as_object_mut() {
            for (key, _) in missing {
                p.insert(key, Value::Null);
            }
        }
    }
    let options = CardOptions { today: today(), app_url: "https://cluneal.example.org".into() };
    for service in &cds::SERVICES {
        outcome(cds::cards(engine, service, &request, &options));
    }
}

/// NDJSON, one resource a line: the patient is the first `Patient` in it.
fn bulk_export(text: &str) {
    let patient = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|r| r.get("resourceType").and_then(Value::as_str) == Some("Patient"))
        .and_then(|r| r.get("id").and_then(Value::as_str).map(str::to_string))
        .unwrap_or_else(|| "example".to_string());
    let lines = text.lines().enumerate().map(|(k, l)| (format!("fuzz.ndjson:{}", k + 1), l));
    match cluneal_fhir::patient_bundle(lines, &patient) {
        Ok(bundle) => {
            let options = AssessOptions { today: today(), setting: None };
            outcome(cluneal_fhir::assess(engine(), &bundle, &options));
        }
        Err(e) => outcome::<()>(Err(e)),
    }
}

/// Errors become an OperationOutcome for the caller; build it too.
fn outcome<T>(result: Result<T, FhirError>) {
    if let Err(e) = result {
        let _ = e.operation_outcome();
    }
}
