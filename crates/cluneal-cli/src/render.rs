//! The readable report for a terminal: the same content as the JSON report,
//! laid out for people.

use std::fmt::Write as _;

use cluneal_engine::{Report, Respondent};
use cluneal_kb::{DifferentialModel, KnowledgeBase};

fn pct(p: f64) -> String {
    if p > 0.0 && p < 0.001 { "<0.1%".into() } else { format!("{:.1}%", p * 100.0) }
}

fn bar(p: f64) -> String {
    let n = (p * 20.0).round().clamp(0.0, 20.0) as usize;
    format!("{}{}", "#".repeat(n), ".".repeat(20 - n))
}

/// How many conditions the text report details (the JSON has them all).
const SHOWN: usize = 8;

/// The report as text; `kb` is the knowledge base that made it (for names and
/// labels), `model` the differential model that scored it, so the heading says
/// how its probabilities read.
pub fn report(r: &Report, kb: &KnowledgeBase, model: DifferentialModel) -> String {
    let mut o = String::new();
    let patient = r.respondent == Respondent::Patient;
    let _ = writeln!(
        o,
        "CLUNEAL ASSESSMENT  (knowledge base {}, setting: {})",
        r.kb_version,
        kb.setting_name(r.setting)
    );
    let _ = writeln!(o, "{}\n", r.disclaimer);

    let _ = writeln!(o, "URGENCY: {}", r.triage.level.as_str().to_uppercase());
    let _ = writeln!(o, "  {}", r.triage.message);
    for f in &r.triage.red_flags {
        let _ = writeln!(o, "  ! {} [{}] because: {}", f.name, f.urgency.as_str(), f.because.join(", "));
        if !patient {
            let _ = writeln!(o, "    clinician: {}", f.clinician_action);
        }
        let _ = writeln!(o, "    source: {} ({})", f.source, f.grade.as_str());
    }
    if !r.triage.screen_complete {
        let _ =
            writeln!(o, "  warning-sign screen incomplete; unanswered: {}", r.triage.unanswered.join(", "));
    }

    // Serious causes come before the ranking, whatever their rank (the
    // differential issue's "don't miss" list).
    if !r.must_not_miss.is_empty() {
        let _ = writeln!(
            o,
            "\nMUST NOT MISS (serious causes that something in the case points to, whatever their rank)"
        );
        for m in &r.must_not_miss {
            let _ = writeln!(o, "  ! {:>6}  {}  (rank {})", pct(m.probability), m.name, m.rank);
            if !m.findings.is_empty() {
                let labels: Vec<&str> = m.findings.iter().map(|f| kb.finding_label(f)).collect();
                let _ = writeln!(o, "      for it: {}", labels.join("; "));
            }
            if !m.red_flags.is_empty() {
                let names: Vec<&str> = m
                    .red_flags
                    .iter()
                    .map(|id| r.triage.red_flags.iter().find(|f| f.id == *id).map_or(*id, |f| f.name))
                    .collect();
                let _ = writeln!(o, "      red flag: {}", names.join("; "));
            }
        }
    }
    if !r.ask_about.is_empty() {
        let _ = writeln!(o, "\nASK ABOUT (a telltale finding is present, whatever the rank)");
        for a in &r.ask_about {
            let labels: Vec<&str> = a.findings.iter().map(|f| kb.finding_label(f)).collect();
            let _ = writeln!(
                o,
                "  - {} ({}, rank {}): {}",
                a.name,
                pct(a.probability),
                a.rank,
                labels.join("; ")
            );
        }
    }

    let reading = match model {
        DifferentialModel::Independent => "probabilities are independent; conditions can coexist",
        DifferentialModel::Competing => {
            "one distribution over the causes and no specific cause; a cause that often coexists with another counts in both"
        }
    };
    let _ = writeln!(o, "\nDIFFERENTIAL ({reading})");
    let _ = writeln!(o, "  {}", r.picture.message);
    for c in r.differential.iter().take(SHOWN) {
        let _ = writeln!(
            o,
            "  {} {:>6}  {}{}  (prior {}, {})",
            bar(c.probability),
            pct(c.probability),
            c.name,
            if c.serious { " [serious]" } else { "" },
            pct(c.prior),
            c.prior_source
        );
        if let Some(name) = c.presentation_name {
            let _ = writeln!(o, "      fits best: {name}");
        }
        let for_then_against = c.evidence_for.iter().take(4).map(|e| ('+', e));
        for (sign, e) in for_then_against.chain(c.evidence_against.iter().take(3).map(|e| ('-', e))) {
            let ratio = e.effective_ratio.unwrap_or(e.likelihood_ratio);
            let _ = writeln!(
                o,
                "      {sign} {} = {} (x{ratio:.2}; {} {})",
                e.label,
                e.answer,
                e.source,
                e.grade.as_str()
            );
        }
    }
    if r.differential.len() > SHOWN {
        let rest: Vec<String> = r.differential[SHOWN..]
            .iter()
            .map(|c| format!("{} {}", c.condition, pct(c.probability)))
            .collect();
        let _ = writeln!(o, "  also considered: {}", rest.join(", "));
    }
    // A conclusion, not a rival: shown apart from the ranked causes.
    if let Some(n) = &r.no_specific_cause {
        let _ = writeln!(o, "  no specific cause found: {} ({})", pct(n.probability), n.name);
    }

    for c in &r.criteria {
        let _ = writeln!(
            o,
            "\nCRITERIA: {} ({} met, {} unmet, {} unknown; {})",
            c.name, c.met, c.unmet, c.unknown, c.source
        );
        for it in &c.items {
            let mark = match it.status {
                cluneal_engine::CriterionStatus::Met => "[x]",
                cluneal_engine::CriterionStatus::Unmet => "[ ]",
                cluneal_engine::CriterionStatus::Unknown => "[?]",
            };
            let _ = writeln!(o, "  {mark} {}", it.text);
        }
    }

    for b in &r.blocks {
        let _ = writeln!(o, "\nNERVE BLOCK: {} -> {}", b.name, b.result.as_str().to_uppercase());
        let _ = writeln!(o, "  pain before {}/10", b.pain_before);
        for x in &b.readings {
            let _ = writeln!(
                o,
                "  {:>6} min: {}/10  relief {:.0}%{}",
                x.minutes,
                x.pain,
                x.relief * 100.0,
                if x.in_window { "" } else { "  (outside the reading window)" }
            );
        }
        let _ = writeln!(o, "  {}", b.reason);
        let _ = writeln!(o, "  next: {}", b.next);
    }

    if !r.next_questions.is_empty() {
        let _ = writeln!(o, "\nNEXT QUESTIONS");
        for q in &r.next_questions {
            let _ = writeln!(o, "  - {}  [{}]", q.question, q.finding);
            let _ = writeln!(o, "      why: {}", q.reason);
        }
    }
    let _ = writeln!(o, "  interview: {}", r.interview.reason);

    if !r.workup.is_empty() && !patient {
        let _ = writeln!(o, "\nWORK-UP");
        for w in &r.workup {
            let _ = writeln!(o, "  - {} ({}): {}", w.name, w.kind, w.reason);
            let _ = writeln!(o, "      when: {}", w.when);
        }
    }

    let p = &r.plan;
    let _ = writeln!(
        o,
        "\nPLAN around {}{}",
        p.focus_name,
        if p.on_hold { " (on hold: warning signs first)" } else { "" }
    );
    let _ = writeln!(o, "  {}", p.summary);
    for s in &p.steps {
        let _ = writeln!(
            o,
            "  [{}] {}. {}{}",
            s.status.as_str(),
            s.order,
            s.name,
            if s.reason.is_empty() { String::new() } else { format!(" ({})", s.reason) }
        );
        for t in &s.treatments {
            let _ = writeln!(
                o,
                "        - {}{}",
                t.name,
                t.tried.map(|x| format!(" (tried: {})", x.as_str())).unwrap_or_default()
            );
        }
    }
    if !patient {
        let _ = writeln!(o, "  referral: {}", p.referral);
    }
    if !p.exercises.is_empty() {
        let _ = writeln!(o, "\nEXERCISES");
        for e in &p.exercises {
            let hold =
                if e.hold_seconds > 0 { format!(", hold {} s", e.hold_seconds) } else { String::new() };
            let _ =
                writeln!(o, "  - {}: {} x {}{}, {} days a week", e.name, e.sets, e.reps, hold, e.per_week);
        }
    }
    for w in &p.exercises_withheld {
        let _ = writeln!(o, "  (not now: {} - {})", w.name, w.reason);
    }
    if !p.seek_care.is_empty() {
        let _ = writeln!(o, "\nWHEN TO SEEK CARE");
        for s in &p.seek_care {
            let _ = writeln!(o, "  - [{}] {}", s.urgency.map(|u| u.as_str()).unwrap_or("routine"), s.text);
        }
    }
    for n in &r.notes {
        let _ = writeln!(o, "\nnote: {n}");
    }
    if !r.references.is_empty() {
        let _ = writeln!(o, "\nREFERENCES");
        for x in &r.references {
            let _ = writeln!(o, "  [{}] {}", x.id, x.citation);
        }
    }
    o
}
