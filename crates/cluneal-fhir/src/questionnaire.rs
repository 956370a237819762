//! The interview as an R4 `Questionnaire`, generated from the knowledge base.
//!
//! Choices, documented in `docs/integration.md`:
//! - Two questionnaires with the same `linkId`s: `cluneal-interview` in the
//!   patient's wording (patient items only) and `cluneal-interview-clinician`
//!   in the clinician's (examination and test items too). A renderer shows
//!   `text`, so the wording a respondent reads has to be there; a `designNote`
//!   is for form designers and is not shown.
//! - `yes_no` findings are `boolean` items. "Unknown" is no answer: an item
//!   that was asked (it is in the questionnaire) and left empty reaches the
//!   engine as "unknown", so no made-up "don't know" code is needed and an
//!   unanswered warning sign never counts as "no".
//! - `scale` is `integer` 0-10 and `number` is `decimal`, both with the core
//!   `minValue` / `maxValue` extensions; `choice` has one `answerOption` per
//!   knowledge-base option, coded in Cluneal's option system.
//! - No `enableWhen`: the knowledge base has no "ask only after" relation.
//!   `implied_by` says a broad question is redundant once a specific one is
//!   "yes", not that it makes no sense; the static form keeps it (case reports
//!   may give only the broad fact) and `$next-question` simply does not ask it.
//! - Derived findings (age over 50, ...) are not items: they are computed from
//!   the case fields, which are asked in the first group (`basics`).
//!   `$next-question` adds one only when nothing can derive it (see
//!   `Facts::underived` in the engine).

use cluneal_engine::Respondent;
use cluneal_kb::{AnswerType, AskedBy, Finding, KnowledgeBase};
use serde_json::{Map, Value, json};

use crate::{FINDING_SYSTEM, GENDER_SYSTEM, OPTION_SYSTEM, questionnaire_id, questionnaire_url};

/// The group of case fields asked before any finding.
pub(crate) const BASICS_GROUP: &str = "basics";
/// Case fields asked as items; their `linkId`s are the case's field names.
pub(crate) const CASE_FIELDS: [&str; 4] = ["age", "sex", "duration_weeks", "sides"];
/// The display item that carries the triage message when the interview stops on a red flag.
pub(crate) const TRIAGE_ITEM: &str = "triage";

const MIN_VALUE: &str = "http://hl7.org/fhir/StructureDefinition/minValue";
const MAX_VALUE: &str = "http://hl7.org/fhir/StructureDefinition/maxValue";
const UNIT: &str = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit";
const UCUM: &str = "http://unitsofmeasure.org";
pub(crate) const SIDES: [(&str, &str); 4] =
    [("left", "Left"), ("right", "Right"), ("both", "Both sides"), ("central", "In the middle")];
pub(crate) const SEXES: [(&str, &str); 3] = [("female", "Female"), ("male", "Male"), ("other", "Other")];

/// Whether a respondent is asked this finding (derived findings are never asked).
pub(crate) fn askable(f: &Finding, r: Respondent) -> bool {
    f.derived.is_none() && (r == Respondent::Clinician || f.asked_by == AskedBy::Patient)
}

/// The R4 item type of a finding.
pub(crate) fn item_type(f: &Finding) -> &'static str {
    match f.answer {
        AnswerType::YesNo => "boolean",
        AnswerType::Scale => "integer",
        AnswerType::Number => "decimal",
        AnswerType::Choice => "choice",
    }
}

/// "gave_birth_in_last_12_months" -> "Gave birth in last 12 months".
pub(crate) fn humanize(id: &str) -> String {
    let s = id.replace('_', " ");
    let mut c = s.chars();
    c.next().map_or(String::new(), |first| first.to_uppercase().chain(c).collect())
}

fn bound(url: &str, kind: &str, v: f64) -> Value {
    if kind == "integer" {
        json!({ "url": url, "valueInteger": v as i64 })
    } else {
        json!({ "url": url, "valueDecimal": v })
    }
}

/// A UCUM coding for the units the knowledge base uses, where the knowledge
/// base's unit is itself the UCUM code; other units get no extension.
fn unit(code: &str) -> Option<Value> {
    let display = match code {
        "mL" => "milliliter",
        "a" => "year",
        "wk" => "week",
        _ => return None,
    };
    Some(json!({ "url": UNIT, "valueCoding": { "system": UCUM, "code": code, "display": display } }))
}

fn with_extensions(mut item: Value, ext: Vec<Value>) -> Value {
    if !ext.is_empty()
        && let Some(o) = item.as_object_mut()
    {
        o.insert("extension".into(), Value::Array(ext));
    }
    item
}

/// The item for one finding, in the respondent's wording.
pub(crate) fn finding_item(f: &Finding, r: Respondent) -> Value {
    let kind = item_type(f);
    let text = match r {
        Respondent::Patient => &f.question,
        Respondent::Clinician => &f.clinician,
    };
    // Verified standard codes first (from the knowledge base), then Cluneal's own.
    let mut codes: Vec<Value> = f
        .codes
        .iter()
        .map(|c| {
            let mut coding = json!({ "system": c.system, "code": c.code, "display": c.display });
            if let (Some(v), Some(o)) = (&c.version, coding.as_object_mut()) {
                o.insert("version".into(), json!(v));
            }
            coding
        })
        .collect();
    codes.push(json!({ "system": FINDING_SYSTEM, "code": f.id, "display": f.label }));
    let mut item = json!({ "linkId": f.id, "text": text, "type": kind, "code": codes });
    let mut ext = Vec::new();
    match f.answer {
        AnswerType::Scale => {
            ext.push(bound(MIN_VALUE, kind, 0.0));
            ext.push(bound(MAX_VALUE, kind, 10.0));
        }
        AnswerType::Number => {
            ext.extend(f.min.map(|v| bound(MIN_VALUE, kind, v)));
            ext.extend(f.max.map(|v| bound(MAX_VALUE, kind, v)));
            ext.extend(f.unit.as_deref().and_then(unit));
        }
        AnswerType::Choice => {
            if let Some(o) = item.as_object_mut() {
                o.insert(
                    "answerOption".into(),
                    json!(
                        f.options
                            .iter()
                            .map(|opt| json!({ "valueCoding": { "system": OPTION_SYSTEM, "code": opt, "display": humanize(opt) } }))
                            .collect::<Vec<_>>()
                    ),
                );
            }
        }
        AnswerType::YesNo => {}
    }
    with_extensions(item, ext)
}

/// The item for one case field (`age`, `sex`, `duration_weeks`, `sides`).
pub(crate) fn case_field_item(field: &str, r: Respondent) -> Option<Value> {
    let patient = r == Respondent::Patient;
    let options = |system: &str, list: &[(&str, &str)]| {
        json!(
            list.iter()
                .map(|(code, display)| json!({ "valueCoding": { "system": system, "code": code, "display": display } }))
                .collect::<Vec<_>>()
        )
    };
    let item = match field {
        "age" => with_extensions(
            json!({ "linkId": "age", "type": "integer",
                "text": if patient { "How old are you (years)?" } else { "Age (years)" } }),
            [bound(MIN_VALUE, "integer", 0.0), bound(MAX_VALUE, "integer", 120.0)]
                .into_iter()
                .chain(unit("a"))
                .collect(),
        ),
        "sex" => json!({ "linkId": "sex", "type": "choice",
            "text": if patient { "What is your sex?" } else { "Sex" },
            "answerOption": options(GENDER_SYSTEM, &SEXES) }),
        "duration_weeks" => with_extensions(
            json!({ "linkId": "duration_weeks", "type": "decimal",
                "text": if patient { "How many weeks have you had this pain?" } else { "Duration of the pain (weeks)" } }),
            [bound(MIN_VALUE, "decimal", 0.0), bound(MAX_VALUE, "decimal", 5200.0)]
                .into_iter()
                .chain(unit("wk"))
                .collect(),
        ),
        "sides" => json!({ "linkId": "sides", "type": "choice",
            "text": if patient { "Which side hurts?" } else { "Side of the pain" },
            "answerOption": options(crate::OPTION_SYSTEM, &SIDES) }),
        _ => return None,
    };
    Some(item)
}

/// A group with its prompt as a leading display item.
pub(crate) fn group_item(link_id: &str, title: &str, prompt: &str, items: Vec<Value>) -> Value {
    let mut all = Vec::with_capacity(items.len() + 1);
    if !prompt.is_empty() {
        all.push(json!({ "linkId": format!("{link_id}.prompt"), "type": "display", "text": prompt }));
    }
    all.extend(items);
    json!({ "linkId": link_id, "type": "group", "text": title, "item": all })
}

/// The group of case fields, asked first.
pub(crate) fn basics_group(r: Respondent) -> Value {
    let (title, prompt) = match r {
        Respondent::Patient => ("About you", "First, a few questions about you and your pain."),
        Respondent::Clinician => ("Presentation", "Age, sex, duration and side of the pain."),
    };
    group_item(
        BASICS_GROUP,
        title,
        prompt,
        CASE_FIELDS.iter().filter_map(|f| case_field_item(f, r)).collect(),
    )
}

/// The whole interview for a respondent: the case fields, then every
/// question group of the knowledge base in interview order (`order`, then
/// id), each with the findings that respondent is asked, in id order.
pub fn questionnaire(kb: &KnowledgeBase, r: Respondent) -> Value {
    let mut groups: Vec<_> = kb.groups().iter().collect();
    groups.sort_by(|a, b| a.order.cmp(&b.order).then_with(|| a.id.cmp(&b.id)));
    let mut items = vec![basics_group(r)];
    for g in groups {
        let members: Vec<Value> = kb
            .findings()
            .iter()
            .filter(|f| f.group == g.id && askable(f, r))
            .map(|f| finding_item(f, r))
            .collect();
        if members.is_empty() {
            continue;
        }
        let prompt = match r {
            Respondent::Patient => &g.patient_prompt,
            Respondent::Clinician => &g.clinician_prompt,
        };
        items.push(group_item(&g.id, &g.title, prompt, members));
    }
    let (name, title, audience) = match r {
        Respondent::Patient => ("ClunealInterview", "Cluneal interview (patient wording)", "a patient"),
        Respondent::Clinician => {
            ("ClunealInterviewClinician", "Cluneal interview (clinician wording)", "a clinician")
        }
    };
    let mut q = Map::new();
    q.insert("resourceType".into(), json!("Questionnaire"));
    q.insert("id".into(), json!(questionnaire_id(r)));
    q.insert("url".into(), json!(questionnaire_url(r)));
    q.insert("version".into(), json!(kb.meta().version));
    q.insert("name".into(), json!(name));
    q.insert("title".into(), json!(title));
    q.insert("status".into(), json!("active"));
    q.insert("subjectType".into(), json!(["Patient"]));
    q.insert("publisher".into(), json!("Cluneal"));
    q.insert(
        "description".into(),
        json!(format!(
            "Every question of Cluneal's interview for low back and buttock pain (superior cluneal nerve entrapment and its mimics), as {audience} answers it, generated from {} version {}. linkId = finding id. Answer it whole, or let the server choose the next question with Questionnaire/$next-question (SDC adaptive form).",
            kb.meta().name, kb.meta().version
        )),
    );
    q.insert("item".into(), Value::Array(items));
    Value::Object(q)
}

/// One row of the finding -> linkId / code table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRow {
    /// The `linkId` (the finding id, or a case field).
    pub link_id: String,
    /// Its group's `linkId`.
    pub group: String,
    /// The R4 item type.
    pub item_type: &'static str,
    /// `patient` (both questionnaires) or `clinician` (the clinician's only).
    pub asked_by: &'static str,
    /// The item's codes as (system, code): verified standard codes first, then
    /// Cluneal's; none for case fields.
    pub codes: Vec<(String, String)>,
    /// The clinician label.
    pub label: String,
}

/// Every item of the clinician questionnaire (which holds the patient's too),
/// in questionnaire order: the mapping table of `docs/integration.md`.
pub fn link_table(kb: &KnowledgeBase) -> Vec<LinkRow> {
    let mut rows = Vec::new();
    let q = questionnaire(kb, Respondent::Clinician);
    let str_of = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
    let items_of = |v: &Value| v.get("item").and_then(Value::as_array).cloned().unwrap_or_default();
    for group in items_of(&q) {
        let gid = str_of(&group, "linkId");
        for item in items_of(&group) {
            let kind = str_of(&item, "type");
            if kind == "display" {
                continue;
            }
            let id = str_of(&item, "linkId");
            let finding = kb.finding(&id);
            rows.push(LinkRow {
                item_type: match kind.as_str() {
                    "boolean" => "boolean",
                    "integer" => "integer",
                    "decimal" => "decimal",
                    _ => "choice",
                },
                asked_by: match finding.map(|f| f.asked_by) {
                    Some(AskedBy::Clinician) => "clinician",
                    _ => "patient",
                },
                codes: item
                    .get("code")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|c| (str_of(c, "system"), str_of(c, "code")))
                    .collect(),
                label: finding.map_or_else(|| humanize(&id), |f| f.label.clone()),
                link_id: id,
                group: gid.clone(),
            });
        }
    }
    rows
}

/// The table as Markdown (`cluneal fhir codes`); "Cluneal" in the code
/// column stands for [`FINDING_SYSTEM`], "LOINC" for `http://loinc.org`.
pub fn link_table_markdown(kb: &KnowledgeBase) -> String {
    let mut out =
        String::from("| linkId | group | item type | asked by | code | label |\n|---|---|---|---|---|---|\n");
    for r in link_table(kb) {
        let named = |system: &str| match system {
            FINDING_SYSTEM => "Cluneal".to_string(),
            "http://loinc.org" => "LOINC".to_string(),
            "http://snomed.info/sct" => "SNOMED CT".to_string(),
            other => other.to_string(),
        };
        let code = if r.codes.is_empty() {
            "—".to_string()
        } else {
            r.codes.iter().map(|(s, c)| format!("{} `{c}`", named(s))).collect::<Vec<_>>().join("; ")
        };
        out.push_str(&format!(
            "| `{}` | `{}` | {} | {} | {} | {} |\n",
            r.link_id,
            r.group,
            r.item_type,
            r.asked_by,
            code,
            r.label.replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn kb() -> KnowledgeBase {
        KnowledgeBase::embedded().unwrap()
    }

    fn items(q: &Value) -> Vec<&Value> {
        let mut out = Vec::new();
        let mut stack: Vec<&Value> = q["item"].as_array().unwrap().iter().collect();
        while let Some(i) = stack.pop() {
            out.push(i);
            stack.extend(i["item"].as_array().into_iter().flatten());
        }
        out
    }

    #[test]
    fn link_ids_are_unique_and_never_collide_with_fixed_ones() {
        let kb = kb();
        let q = questionnaire(&kb, Respondent::Clinician);
        let ids: Vec<&str> = items(&q).iter().map(|i| i["linkId"].as_str().unwrap()).collect();
        let unique: BTreeSet<&str> = ids.iter().copied().collect();
        assert_eq!(ids.len(), unique.len(), "duplicate linkIds");
        for fixed in CASE_FIELDS.iter().chain(&[BASICS_GROUP, TRIAGE_ITEM]) {
            assert!(kb.finding(fixed).is_none(), "a finding is called `{fixed}`");
            assert!(kb.group(fixed).is_none(), "a question group is called `{fixed}`");
        }
        for g in kb.groups() {
            assert!(kb.finding(&g.id).is_none(), "group and finding both called `{}`", g.id);
        }
    }

    #[test]
    fn every_askable_finding_is_an_item_once_with_its_wording() {
        let kb = kb();
        for r in [Respondent::Patient, Respondent::Clinician] {
            let q = questionnaire(&kb, r);
            let all = items(&q);
            for f in kb.findings() {
                let found: Vec<_> = all.iter().filter(|i| i["linkId"] == f.id.as_str()).collect();
                if askable(f, r) {
                    assert_eq!(found.len(), 1, "{}", f.id);
                    let want = if r == Respondent::Patient { &f.question } else { &f.clinician };
                    assert_eq!(found[0]["text"], want.as_str());
                    let codes = found[0]["code"].as_array().unwrap();
                    assert_eq!(codes.last().unwrap()["code"], f.id.as_str());
                    assert_eq!(codes.len(), f.codes.len() + 1);
                } else {
                    assert!(found.is_empty(), "{} is not asked of {r:?}", f.id);
                }
            }
        }
    }

    #[test]
    fn answer_types_map_to_item_types() {
        let kb = kb();
        let q = questionnaire(&kb, Respondent::Clinician);
        let all = items(&q);
        let get = |id: &str| *all.iter().find(|i| i["linkId"] == id).unwrap();
        let scale = get("pain_intensity");
        assert_eq!(scale["type"], "integer");
        assert_eq!(scale["code"][0]["system"], "http://loinc.org", "verified codes first");
        assert_eq!(scale["code"][0]["code"], "72514-3");
        assert_eq!(scale["code"][1]["system"], FINDING_SYSTEM);
        assert_eq!(scale["extension"][0]["url"], MIN_VALUE);
        assert_eq!(scale["extension"][1]["valueInteger"], 10);
        let number = get("post_void_residual_ml");
        assert_eq!(number["type"], "decimal");
        assert_eq!(number["extension"][2]["valueCoding"]["code"], "mL");
        let choice = get("pregnancy_status");
        assert_eq!(choice["type"], "choice");
        assert_eq!(choice["answerOption"].as_array().unwrap().len(), 3);
        assert!(all.iter().filter(|i| i["type"] == "boolean").count() > 100);
        assert!(all.iter().all(|i| i.get("enableWhen").is_none()));
    }

    #[test]
    fn groups_follow_interview_order() {
        let kb = kb();
        let q = questionnaire(&kb, Respondent::Patient);
        let groups: Vec<&str> =
            q["item"].as_array().unwrap().iter().map(|g| g["linkId"].as_str().unwrap()).collect();
        assert_eq!(groups[0], BASICS_GROUP);
        let orders: Vec<i64> = groups[1..].iter().map(|g| kb.group(g).unwrap().order).collect();
        assert!(orders.windows(2).all(|w| w[0] <= w[1]), "{groups:?}");
    }

    #[test]
    fn the_table_lists_every_item_of_the_clinician_questionnaire() {
        let kb = kb();
        let rows = link_table(&kb);
        let askable = kb.findings().iter().filter(|f| askable(f, Respondent::Clinician)).count();
        assert_eq!(rows.len(), askable + CASE_FIELDS.len());
        assert!(
            link_table_markdown(&kb).contains("| `pain_intensity` | `pain_impact` | integer | patient |")
        );
    }
}
