//! SDC `$next-question`: a QuestionnaireResponse with its contained
//! Questionnaire in, the same out with the next step appended.
//!
//! The contained Questionnaire is the record of what was asked: every
//! question item in it that has no answer reaches the engine as "unknown"
//! (asked, not known), so it is not asked again. The answers are read into a
//! [`Case`], the engine chooses the next step ([`Engine::next_step`]: red flags
//! first), and the response's items are written back from that case, so what
//! comes out is exactly what the engine saw.

use std::collections::{BTreeMap, BTreeSet};

use cluneal_engine::{Answer, Case, CaseError, Engine, Respondent, Sex, Sides, Step};
use cluneal_kb::{AnswerType, KnowledgeBase};
use serde_json::{Map, Value, json};

use crate::questionnaire::{
    BASICS_GROUP, CASE_FIELDS, SEXES, SIDES, TRIAGE_ITEM, basics_group, finding_item, group_item, humanize,
    item_type,
};
use crate::{
    ADAPTIVE_EXTENSION, FhirError, GENDER_SYSTEM, Issue, OPTION_SYSTEM, QUESTIONNAIRE_BASE, questionnaire_url,
};

/// The id given to a contained Questionnaire the client did not send.
const CONTAINED_ID: &str = "interview";

/// Run `$next-question` on a request body: a `QuestionnaireResponse`, or a
/// `Parameters` holding one as `questionnaire-response`. Returns the updated
/// `QuestionnaireResponse` (`status` `completed` when the interview stops),
/// or every problem with its location.
pub fn next_question(engine: &Engine, input: &Value) -> Result<Value, FhirError> {
    let kb = engine.kb();
    let (qr, at) = unwrap_input(input)?;
    let Read { slot, mut q, respondent, asked, case, seen } = read_response(kb, qr, &at, false)?;
    let next = engine.next_step(&case, asked.singles).map_err(|e| case_error(&e, &seen, &at))?;

    // The contained Questionnaire, marked adaptive, with the next step appended.
    q.entry("status").or_insert_with(|| json!("active"));
    q.entry("id").or_insert_with(|| json!(CONTAINED_ID));
    if !q.contains_key("url") && !q.contains_key("derivedFrom") {
        q.insert("derivedFrom".into(), json!([questionnaire_url(respondent)]));
    }
    mark_adaptive(&mut q);
    let mut status = "in-progress";
    let step = if !asked.basics {
        Some(basics_group(respondent))
    } else {
        match next.step {
            Step::Ask { group, prompt, questions, .. } => {
                let link = unique_link(kb, &group, &asked.link_ids);
                let title = kb.group(&group).map_or(group.as_str(), |g| g.title.as_str());
                let items = questions
                    .iter()
                    .filter_map(|nq| kb.finding(nq.finding))
                    .map(|f| finding_item(f, respondent))
                    .collect();
                Some(group_item(&link, title, &prompt, items))
            }
            Step::Done { .. } => {
                status = "completed";
                // A red flag that fired is said where the respondent reads, at once.
                (!next.triage.red_flags.is_empty() && !asked.link_ids.contains(TRIAGE_ITEM))
                    .then(|| json!({ "linkId": TRIAGE_ITEM, "type": "display", "text": next.triage.message }))
            }
        }
    };
    let mut items = q.get("item").and_then(Value::as_array).cloned().unwrap_or_default();
    items.extend(step);
    let answers = response_items(kb, &items, &case);
    q.insert("item".into(), Value::Array(items));

    let q_id = q.get("id").and_then(Value::as_str).unwrap_or(CONTAINED_ID).to_string();
    let mut out = qr.clone();
    let mut contained = qr.get("contained").and_then(Value::as_array).cloned().unwrap_or_default();
    match slot.and_then(|k| contained.get_mut(k)) {
        Some(c) => *c = Value::Object(q),
        None => contained.push(Value::Object(q)),
    }
    out.insert("contained".into(), Value::Array(contained));
    out.insert("questionnaire".into(), json!(format!("#{q_id}")));
    out.insert("status".into(), json!(status));
    if answers.is_empty() {
        out.remove("item");
    } else {
        out.insert("item".into(), Value::Array(answers));
    }
    Ok(Value::Object(out))
}

/// A QuestionnaireResponse read: its contained Questionnaire (position, copy,
/// whose wording), what that shows was asked, the case and each answered
/// linkId's location (for the engine's errors).
struct Read {
    slot: Option<usize>,
    q: Map<String, Value>,
    respondent: Respondent,
    asked: Asked,
    case: Case,
    seen: BTreeMap<String, String>,
}

/// Read a QuestionnaireResponse's answers into a case. Every question the
/// contained Questionnaire shows was asked but not answered counts as
/// "unknown". Without a contained Questionnaire, `canonical` lets the answers
/// name any item of the whole canonical questionnaire (`$assess`, where
/// nothing unanswered was asked); otherwise only what is contained counts
/// (`$next-question`, which starts an empty one).
fn read_response(
    kb: &KnowledgeBase,
    qr: &Map<String, Value>,
    at: &str,
    canonical: bool,
) -> Result<Read, FhirError> {
    let (slot, q, respondent) = contained_questionnaire(qr, at)?;
    let mut asked = Asked::default();
    match slot {
        Some(k) => walk_questionnaire(kb, q.get("item"), &format!("{at}.contained[{k}]"), &mut asked)?,
        None if canonical => {
            let whole = crate::questionnaire(kb, respondent);
            walk_questionnaire(kb, whole.get("item"), "Questionnaire", &mut asked)?;
        }
        None => walk_questionnaire(kb, q.get("item"), &format!("{at}.contained"), &mut asked)?,
    }
    let mut case = Case { respondent, ..Case::default() };
    let mut seen = BTreeMap::new();
    read_items(kb, qr.get("item"), at, &asked, &mut case, &mut seen)?;
    if slot.is_some() {
        for id in asked.questions.keys() {
            if kb.finding(id).is_some() && !case.answers.contains_key(id) {
                case.answers.insert(id.clone(), Answer::Unknown);
            }
        }
    }
    Ok(Read { slot, q, respondent, asked, case, seen })
}

/// The answers of a QuestionnaireResponse for `$assess`: the case and each
/// answered linkId's location.
pub(crate) fn case_from_response(
    kb: &KnowledgeBase,
    qr: &Map<String, Value>,
    at: &str,
) -> Result<(Case, BTreeMap<String, String>), FhirError> {
    let read = read_response(kb, qr, at, true)?;
    Ok((read.case, read.seen))
}

/// The QuestionnaireResponse and the location prefix of its elements.
fn unwrap_input(input: &Value) -> Result<(&Map<String, Value>, String), FhirError> {
    let Some(obj) = input.as_object() else {
        return Err(FhirError::structure(
            "",
            "the body must be a JSON object: a QuestionnaireResponse or Parameters",
        ));
    };
    match obj.get("resourceType").and_then(Value::as_str) {
        Some("QuestionnaireResponse") => Ok((obj, "QuestionnaireResponse".into())),
        Some("Parameters") => {
            let params =
                obj.get("parameter").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            let found = params
                .iter()
                .enumerate()
                .find(|(_, p)| p.get("name").and_then(Value::as_str) == Some("questionnaire-response"));
            let Some((k, p)) = found else {
                return Err(FhirError::structure(
                    "Parameters.parameter",
                    "no parameter named `questionnaire-response`",
                ));
            };
            let at = format!("Parameters.parameter[{k}].resource");
            match p.get("resource").and_then(Value::as_object) {
                Some(r) if r.get("resourceType").and_then(Value::as_str) == Some("QuestionnaireResponse") => {
                    Ok((r, at))
                }
                _ => Err(FhirError::structure(
                    at,
                    "`questionnaire-response` must hold a QuestionnaireResponse resource",
                )),
            }
        }
        Some(other) => Err(FhirError::structure(
            "resourceType",
            format!("expected a QuestionnaireResponse or Parameters, not `{other}`"),
        )),
        None => Err(FhirError::structure("resourceType", "`resourceType` is missing")),
    }
}

/// A contained Questionnaire: its position (`None`: new), a copy, and whose wording it uses.
type Contained = (Option<usize>, Map<String, Value>, Respondent);

/// The contained Questionnaire (its position, a copy, and whose wording it
/// uses), or a new one when the response names a Cluneal questionnaire by its
/// canonical URL and contains none.
fn contained_questionnaire(qr: &Map<String, Value>, at: &str) -> Result<Contained, FhirError> {
    let contained = match qr.get("contained") {
        None => &[][..],
        Some(Value::Array(a)) => a.as_slice(),
        Some(_) => {
            return Err(FhirError::structure(format!("{at}.contained"), "`contained` must be an array"));
        }
    };
    let reference = match qr.get("questionnaire") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            return Err(FhirError::structure(
                format!("{at}.questionnaire"),
                "`questionnaire` must be a string",
            ));
        }
    };
    let is_q = |r: &Value| r.get("resourceType").and_then(Value::as_str) == Some("Questionnaire");
    let found = match reference.and_then(|r| r.strip_prefix('#')) {
        Some(id) => {
            let k = contained.iter().position(|r| is_q(r) && r.get("id").and_then(Value::as_str) == Some(id));
            if k.is_none() {
                return Err(FhirError::structure(
                    format!("{at}.questionnaire"),
                    format!("`#{id}` names no contained Questionnaire"),
                ));
            }
            k
        }
        None => contained.iter().position(is_q),
    };
    if let Some(k) = found {
        let q = contained.get(k).and_then(Value::as_object).cloned().unwrap_or_default();
        let clinician = questionnaire_url(Respondent::Clinician);
        let names = |key: &str| match q.get(key) {
            Some(Value::String(s)) => *s == clinician,
            Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(clinician.as_str())),
            _ => false,
        };
        let respondent =
            if names("url") || names("derivedFrom") { Respondent::Clinician } else { Respondent::Patient };
        return Ok((Some(k), q, respondent));
    }
    // No contained Questionnaire: start one from the canonical the response names.
    let respondent = match reference {
        None => Respondent::Patient,
        Some(url) => {
            let id = url.strip_prefix(QUESTIONNAIRE_BASE).unwrap_or(url);
            let id = id.split('|').next().unwrap_or(id);
            crate::respondent_of(id).ok_or_else(|| {
                FhirError::invalid(
                    format!("{at}.questionnaire"),
                    format!(
                        "`{url}` is not a Cluneal questionnaire; contain one, or name `{}` or `{}`",
                        questionnaire_url(Respondent::Patient),
                        questionnaire_url(Respondent::Clinician)
                    ),
                )
            })?
        }
    };
    let mut q = Map::new();
    q.insert("resourceType".into(), json!("Questionnaire"));
    q.insert("id".into(), json!(CONTAINED_ID));
    Ok((None, q, respondent))
}

fn mark_adaptive(q: &mut Map<String, Value>) {
    let ext = q.entry("extension").or_insert_with(|| json!([]));
    if !ext.is_array() {
        *ext = json!([]);
    }
    if let Some(list) = ext.as_array_mut()
        && !list.iter().any(|e| e.get("url").and_then(Value::as_str) == Some(ADAPTIVE_EXTENSION))
    {
        list.push(json!({ "url": ADAPTIVE_EXTENSION, "valueBoolean": true }));
    }
}

/// What the contained Questionnaire shows was asked.
#[derive(Debug, Default)]
struct Asked {
    /// Question linkIds (findings and case fields) with their location.
    questions: BTreeMap<String, String>,
    /// Every linkId, groups and display items included.
    link_ids: BTreeSet<String>,
    /// Whether the case-field group was asked.
    basics: bool,
    /// Single questions asked (the interview's question limit counts them).
    singles: usize,
}

fn items_of<'v>(items: Option<&'v Value>, at: &str) -> Result<&'v [Value], FhirError> {
    match items {
        None => Ok(&[]),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(FhirError::structure(format!("{at}.item"), "`item` must be an array")),
    }
}

fn link_id<'v>(item: &'v Value, at: &str) -> Result<&'v str, FhirError> {
    item.get("linkId")
        .and_then(Value::as_str)
        .ok_or_else(|| FhirError::structure(format!("{at}.linkId"), "every item needs a string `linkId`"))
}

fn unknown_link(kb: &KnowledgeBase, id: &str, at: &str) -> FhirError {
    let known = kb.findings().iter().map(|f| f.id.as_str()).chain(CASE_FIELDS);
    FhirError::invalid(
        format!("{at}.linkId"),
        format!(
            "`{id}` is neither a finding of the knowledge base nor a case field{}",
            KnowledgeBase::did_you_mean(id, known)
        ),
    )
}

fn walk_questionnaire(
    kb: &KnowledgeBase,
    items: Option<&Value>,
    at: &str,
    asked: &mut Asked,
) -> Result<(), FhirError> {
    for (k, item) in items_of(items, at)?.iter().enumerate() {
        let loc = format!("{at}.item[{k}]");
        let id = link_id(item, &loc)?;
        if !asked.link_ids.insert(id.to_string()) {
            return Err(FhirError::structure(
                format!("{loc}.linkId"),
                format!("the linkId `{id}` appears twice"),
            ));
        }
        match item.get("type").and_then(Value::as_str) {
            Some("group") => {
                asked.basics |= id == BASICS_GROUP;
                walk_questionnaire(kb, item.get("item"), &loc, asked)?;
            }
            Some("display") => {}
            Some(_) => {
                if let Some(f) = kb.finding(id) {
                    if !kb.group(&f.group).is_some_and(|g| g.multi_select) {
                        asked.singles += 1;
                    }
                } else if !CASE_FIELDS.contains(&id) {
                    return Err(unknown_link(kb, id, &loc));
                }
                asked.questions.insert(id.to_string(), loc);
            }
            None => {
                return Err(FhirError::structure(format!("{loc}.type"), "every item needs a string `type`"));
            }
        }
    }
    Ok(())
}

/// Read the response's answers into the case; `seen` gets each answered
/// linkId's location (for the engine's errors).
fn read_items(
    kb: &KnowledgeBase,
    items: Option<&Value>,
    at: &str,
    asked: &Asked,
    case: &mut Case,
    seen: &mut BTreeMap<String, String>,
) -> Result<(), FhirError> {
    for (k, item) in items_of(items, at)?.iter().enumerate() {
        let loc = format!("{at}.item[{k}]");
        let id = link_id(item, &loc)?;
        let answers = match item.get("answer") {
            None => &[][..],
            Some(Value::Array(a)) => a.as_slice(),
            Some(_) => {
                return Err(FhirError::structure(format!("{loc}.answer"), "`answer` must be an array"));
            }
        };
        if let Some(first) = answers.first() {
            if !asked.questions.contains_key(id) {
                return Err(if kb.finding(id).is_some() || CASE_FIELDS.contains(&id) {
                    FhirError::invalid(
                        format!("{loc}.linkId"),
                        format!("`{id}` is answered but the contained Questionnaire does not ask it"),
                    )
                } else {
                    unknown_link(kb, id, &loc)
                });
            }
            if answers.len() > 1 {
                return Err(FhirError::invalid(format!("{loc}.answer"), format!("`{id}` takes one answer")));
            }
            let aloc = format!("{loc}.answer[0]");
            if seen.insert(id.to_string(), aloc.clone()).is_some() {
                return Err(FhirError::invalid(format!("{loc}.linkId"), format!("`{id}` is answered twice")));
            }
            read_answer(kb, id, first, &aloc, case)?;
        }
        read_items(kb, item.get("item"), &loc, asked, case, seen)?;
        for (j, a) in answers.iter().enumerate() {
            read_items(kb, a.get("item"), &format!("{loc}.answer[{j}]"), asked, case, seen)?;
        }
    }
    Ok(())
}

/// The one `value[x]` of an answer.
fn value_of<'v>(answer: &'v Value, at: &str) -> Result<(&'v str, &'v Value), FhirError> {
    let Some(obj) = answer.as_object() else {
        return Err(FhirError::structure(at, "an answer must be an object"));
    };
    let mut values = obj.iter().filter(|(k, _)| k.starts_with("value"));
    match (values.next(), values.next()) {
        (Some((k, v)), None) => Ok((k.as_str(), v)),
        (None, _) => Err(FhirError::structure(at, "the answer has no `value[x]`")),
        (Some(_), Some(_)) => Err(FhirError::structure(at, "the answer has more than one `value[x]`")),
    }
}

fn wrong_type(id: &str, kind: &str, want: &str, got: &str, at: &str) -> FhirError {
    FhirError::invalid(at, format!("`{id}` ({kind} item) takes {want}, not `{got}`"))
}

fn read_answer(
    kb: &KnowledgeBase,
    id: &str,
    answer: &Value,
    at: &str,
    case: &mut Case,
) -> Result<(), FhirError> {
    let (key, v) = value_of(answer, at)?;
    let integer = || if key == "valueInteger" { v.as_i64().map(|n| n as f64) } else { None };
    let decimal = || if key == "valueDecimal" || key == "valueInteger" { v.as_f64() } else { None };
    let code = || match key {
        "valueCoding" => v.get("code").and_then(Value::as_str),
        _ => None,
    };
    match id {
        "age" => {
            case.age = Some(integer().ok_or_else(|| wrong_type(id, "integer", "valueInteger", key, at))?);
        }
        "duration_weeks" => {
            case.duration_weeks =
                Some(decimal().ok_or_else(|| wrong_type(id, "decimal", "valueDecimal", key, at))?);
        }
        "sex" => {
            case.sex = match code() {
                Some("female") => Some(Sex::Female),
                Some("male") => Some(Sex::Male),
                Some("other") => Some(Sex::Other),
                Some("unknown") => None,
                Some(c) => {
                    return Err(FhirError::invalid(
                        at,
                        format!(
                            "`{c}` is not a sex Cluneal knows; codes of `{GENDER_SYSTEM}`: female, male, other, unknown"
                        ),
                    ));
                }
                None => return Err(wrong_type(id, "choice", "valueCoding", key, at)),
            };
        }
        "sides" => {
            case.sides = Some(match code() {
                Some("left") => Sides::Left,
                Some("right") => Sides::Right,
                Some("both") => Sides::Both,
                Some("central") => Sides::Central,
                Some(c) => {
                    return Err(FhirError::invalid(
                        at,
                        format!("`{c}` is not a side; codes: left, right, both, central"),
                    ));
                }
                None => return Err(wrong_type(id, "choice", "valueCoding", key, at)),
            });
        }
        _ => {
            let Some(f) = kb.finding(id) else {
                return Err(unknown_link(kb, id, at));
            };
            let kind = item_type(f);
            let a = match f.answer {
                AnswerType::YesNo => match v.as_bool().filter(|_| key == "valueBoolean") {
                    Some(true) => Answer::Yes,
                    Some(false) => Answer::No,
                    None => return Err(wrong_type(id, kind, "valueBoolean", key, at)),
                },
                AnswerType::Scale => {
                    Answer::Number(integer().ok_or_else(|| wrong_type(id, kind, "valueInteger", key, at))?)
                }
                AnswerType::Number => {
                    Answer::Number(decimal().ok_or_else(|| wrong_type(id, kind, "valueDecimal", key, at))?)
                }
                AnswerType::Choice => {
                    let c = code()
                        .or_else(|| if key == "valueString" { v.as_str() } else { None })
                        .ok_or_else(|| wrong_type(id, kind, "valueCoding", key, at))?;
                    Answer::Choice(c.to_string())
                }
            };
            case.answers.insert(id.to_string(), a);
        }
    }
    Ok(())
}

/// The engine's case problems as an OperationOutcome, each at the answer it came from.
pub(crate) fn case_error(e: &CaseError, seen: &BTreeMap<String, String>, at: &str) -> FhirError {
    let issues =
        e.0.iter()
            .map(|p| {
                let id = p.path.strip_prefix("answers.").unwrap_or(&p.path);
                Issue {
                    code: "value",
                    message: p.message.clone(),
                    location: seen.get(id).cloned().unwrap_or_else(|| at.to_string()),
                }
            })
            .collect();
    FhirError { status: 422, issues }
}

/// A group linkId not used yet: the question group's id, then `id-2`, `id-3`, ...
/// (a group can be asked more than once, one single question each time).
fn unique_link(kb: &KnowledgeBase, group: &str, used: &BTreeSet<String>) -> String {
    let taken = |s: &str| used.contains(s) || kb.finding(s).is_some();
    if !taken(group) {
        return group.to_string();
    }
    (2..).map(|n| format!("{group}-{n}")).find(|s| !taken(s)).unwrap_or_else(|| group.to_string())
}

/// The response's items, in the questionnaire's structure, from the case.
fn response_items(kb: &KnowledgeBase, q_items: &[Value], case: &Case) -> Vec<Value> {
    let mut out = Vec::new();
    for item in q_items {
        let Some(id) = item.get("linkId").and_then(Value::as_str) else { continue };
        let text = item.get("text").cloned();
        let mut r = match item.get("type").and_then(Value::as_str) {
            Some("group") => {
                let children = response_items(
                    kb,
                    item.get("item").and_then(Value::as_array).map_or(&[], Vec::as_slice),
                    case,
                );
                if children.is_empty() {
                    continue;
                }
                json!({ "linkId": id, "item": children })
            }
            Some("display") | None => continue,
            Some(_) => match answer_value(kb, id, case) {
                Some(v) => json!({ "linkId": id, "answer": [v] }),
                None => continue,
            },
        };
        if let (Some(t), Some(o)) = (text, r.as_object_mut()) {
            o.insert("text".into(), t);
        }
        out.push(r);
    }
    out
}

/// The display of a fixed option, as the questionnaire shows it.
fn display(options: &[(&str, &str)], code: &str) -> String {
    options.iter().find(|(c, _)| *c == code).map_or_else(|| humanize(code), |(_, d)| (*d).to_string())
}

fn answer_value(kb: &KnowledgeBase, id: &str, case: &Case) -> Option<Value> {
    let coding = |system: &str, code: &str, display: String| json!({ "valueCoding": { "system": system, "code": code, "display": display } });
    match id {
        "age" => case.age.map(|a| json!({ "valueInteger": a as i64 })),
        "duration_weeks" => case.duration_weeks.map(|d| json!({ "valueDecimal": d })),
        "sex" => case.sex.map(|s| coding(GENDER_SYSTEM, s.as_str(), display(&SEXES, s.as_str()))),
        "sides" => case.sides.map(|s| coding(OPTION_SYSTEM, s.as_str(), display(&SIDES, s.as_str()))),
        _ => {
            let f = kb.finding(id)?;
            match (f.answer, case.answers.get(id)?) {
                (_, Answer::Unknown) => None,
                (_, Answer::Yes) => Some(json!({ "valueBoolean": true })),
                (_, Answer::No) => Some(json!({ "valueBoolean": false })),
                (AnswerType::Scale, Answer::Number(n)) => Some(json!({ "valueInteger": *n as i64 })),
                (_, Answer::Number(n)) => Some(json!({ "valueDecimal": n })),
                (_, Answer::Choice(c)) => Some(coding(OPTION_SYSTEM, c, humanize(c))),
            }
        }
    }
}
