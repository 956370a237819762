//! `cluneal learn`: patient education from the knowledge base. Topics that list
//! data (exercises, red flags, treatments, the comparison table) are filled in
//! from the files that hold that data, so the text never drifts from it.

use std::fmt::Write as _;

use anyhow::{Result, bail};
use cluneal_kb::{Education, KnowledgeBase, SelfCareKind};

pub fn topics(kb: &KnowledgeBase) -> String {
    let mut list: Vec<&Education> = kb.education().iter().collect();
    list.sort_by_key(|e| e.order);
    let mut o = String::from("Topics (cluneal learn TOPIC):\n");
    for e in list {
        let _ = writeln!(o, "  {:<14} {}", e.id, e.title);
    }
    let _ = writeln!(o, "\n{}", kb.meta().messages.disclaimer);
    o
}

fn comparison(kb: &KnowledgeBase, o: &mut String) {
    let rows = kb.comparison_rows();
    let w = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(10).max(9);
    let _ = writeln!(
        o,
        "{:<w$} | {:<8} | {:<9} | {:<32} | key tools",
        "condition", "sensory", "motor", "where it hurts"
    );
    let _ = writeln!(o, "{}", "-".repeat(w + 70));
    for (name, c) in rows {
        let tools: Vec<String> =
            c.key_tools.iter().map(|t| kb.diagnostic(t).map_or(t.clone(), |d| d.name.clone())).collect();
        let _ = writeln!(
            o,
            "{:<w$} | {:<8} | {:<9} | {:<32} | {}",
            name,
            c.sensory,
            c.motor_deficit,
            c.pain_location,
            tools.join(", ")
        );
    }
}

/// Indent every line of a (possibly multi-paragraph) text by two spaces.
fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| if l.trim().is_empty() { String::new() } else { format!("  {l}") })
        .collect::<Vec<_>>()
        .join("\n")
}

fn self_care(kb: &KnowledgeBase, kind: SelfCareKind, o: &mut String) {
    for s in kb.self_care().iter().filter(|s| s.kind == kind) {
        let _ = writeln!(o, "\n* {}\n{}", s.name, indent(&s.text));
        for st in &s.steps {
            let _ = writeln!(o, "    - {st}");
        }
        for c in &s.cautions {
            let _ = writeln!(o, "    ! {c}");
        }
    }
}

pub fn topic(kb: &KnowledgeBase, id: &str) -> Result<String> {
    let Some(e) = kb.education().iter().find(|e| e.id == id) else {
        let hint = KnowledgeBase::did_you_mean(id, kb.education().iter().map(|e| e.id.as_str()));
        bail!("unknown topic `{id}`{hint}; `cluneal learn` lists the topics");
    };
    let mut o = String::new();
    let _ = writeln!(o, "{}\n{}\n", e.title, "=".repeat(e.title.chars().count()));
    for s in &e.sections {
        let _ = writeln!(o, "{}\n{}\n", s.heading, indent(&s.text));
    }
    match id {
        "comparison" => comparison(kb, &mut o),
        "exercises" => {
            for x in kb.exercises() {
                let hold = if x.dosage.hold_seconds > 0 {
                    format!(", hold {} s", x.dosage.hold_seconds)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    o,
                    "\n* {} ({} x {}{}, {} days a week)\n  {}",
                    x.name, x.dosage.sets, x.dosage.reps, hold, x.dosage.per_week, x.purpose
                );
                for (k, st) in x.steps.iter().enumerate() {
                    let _ = writeln!(o, "    {}. {st}", k + 1);
                }
                for c in &x.cautions {
                    let _ = writeln!(o, "    ! {c}");
                }
            }
        }
        "red_flags" => {
            let mut flags: Vec<_> = kb.red_flags().iter().collect();
            flags.sort_by(|a, b| b.urgency.cmp(&a.urgency).then(a.id.cmp(&b.id)));
            for r in flags {
                let _ = writeln!(o, "\n* [{}] {}\n  {}", r.urgency.as_str(), r.name, r.patient_action);
            }
            self_care(kb, SelfCareKind::SeekCare, &mut o);
        }
        "treatment" | "release" => {
            let cats: &[&str] = if id == "release" {
                &["release_non_surgical", "release_surgical"]
            } else {
                &["conservative", "interventional", "surgical"]
            };
            for cat in cats {
                let _ = writeln!(o, "\n{}:", cat.replace('_', " "));
                for t in kb.treatments().iter().filter(|t| t.category == *cat) {
                    let _ = writeln!(o, "  * {}: {}", t.name, t.patient_description);
                }
            }
        }
        "nerve_block" => {
            for b in kb.blocks() {
                let _ = writeln!(o, "\n{}: what people usually notice", b.name);
                for x in &b.patient_expectations {
                    let _ = writeln!(o, "  - {x}");
                }
            }
        }
        "massage" => self_care(kb, SelfCareKind::Massage, &mut o),
        "long_term" => self_care(kb, SelfCareKind::LongTerm, &mut o),
        "prevention" => self_care(kb, SelfCareKind::Prevention, &mut o),
        _ => {}
    }
    if !e.sources.is_empty() {
        let _ = writeln!(o, "\nSources");
        for s in &e.sources {
            if let Some(r) = kb.reference(s) {
                let _ = writeln!(
                    o,
                    "  [{}] {}{}",
                    r.id,
                    r.citation(),
                    r.url.as_ref().map(|u| format!(" {u}")).unwrap_or_default()
                );
            }
        }
    }
    let _ = writeln!(o, "\n{}", kb.meta().messages.disclaimer);
    Ok(o)
}
