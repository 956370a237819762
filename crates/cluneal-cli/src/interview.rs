//! `cluneal interview`: the adaptive interview in a terminal, one question (or
//! one tick-all group) at a time. The same loop reads answers from a file for
//! tests and scripted use.

use std::io::{BufRead, Write};

use anyhow::{Context, Result};
use cluneal_engine::{Answer, Case, Engine, NextQuestion, Respondent, Sex, Sides, Step};
use cluneal_kb::{AnswerType, Urgency};

/// Where answers come from.
pub enum Source<'a> {
    /// A person at a terminal (or anything piped to standard input).
    Terminal { input: &'a mut dyn BufRead },
    /// A case file: each question is answered from it, "unknown" when it is silent.
    Script { answers: &'a Case },
}

pub struct Outcome {
    pub case: Case,
    pub reason: String,
}

fn ask_line(input: &mut dyn BufRead, out: &mut dyn Write, prompt: &str) -> Result<Option<String>> {
    write!(out, "{prompt} ")?;
    out.flush()?;
    let mut line = String::new();
    if input.read_line(&mut line).context("cannot read the answer")? == 0 {
        return Ok(None);
    }
    Ok(Some(line.trim().to_string()))
}

/// Ask until a valid answer, "?" (unknown) or "q" (end). `None` means end.
fn ask_until<T>(
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    prompt: &str,
    parse: impl Fn(&str) -> std::result::Result<T, String>,
) -> Result<Option<T>> {
    loop {
        let Some(line) = ask_line(input, out, prompt)? else {
            return Ok(None);
        };
        if line == "q" || line == "quit" {
            return Ok(None);
        }
        match parse(&line) {
            Ok(v) => return Ok(Some(v)),
            Err(msg) => writeln!(out, "  {msg}")?,
        }
    }
}

/// A number in `lo..=hi`, or `None` for "?" (skipped).
fn optional_number(s: &str, lo: f64, hi: f64, help: &str) -> std::result::Result<Option<f64>, String> {
    if s == "?" {
        return Ok(None);
    }
    s.parse::<f64>().ok().filter(|v| (lo..=hi).contains(v)).map(Some).ok_or_else(|| help.to_string())
}

fn basics(case: &mut Case, input: &mut dyn BufRead, out: &mut dyn Write) -> Result<bool> {
    writeln!(out, "First, a few questions about you. Type ? to skip a question, q to stop.\n")?;
    if case.age.is_none() {
        match ask_until(input, out, "How old are you (years)?", |s| {
            optional_number(s, 0.0, 120.0, "please give a number from 0 to 120")
        })? {
            Some(a) => case.age = a,
            None => return Ok(false),
        }
    }
    if case.sex.is_none() {
        match ask_until(input, out, "Sex (female / male / other)?", |s| match s {
            "f" | "female" => Ok(Some(Sex::Female)),
            "m" | "male" => Ok(Some(Sex::Male)),
            "o" | "other" => Ok(Some(Sex::Other)),
            "?" => Ok(None),
            _ => Err("please type female, male, other or ?".into()),
        })? {
            Some(s) => case.sex = s,
            None => return Ok(false),
        }
    }
    if case.duration_weeks.is_none() {
        match ask_until(input, out, "How many weeks have you had this pain?", |s| {
            optional_number(s, 0.0, 5200.0, "please give a number of weeks")
        })? {
            Some(w) => case.duration_weeks = w,
            None => return Ok(false),
        }
    }
    if case.sides.is_none() {
        match ask_until(input, out, "Which side hurts (left / right / both / middle)?", |s| match s {
            "l" | "left" => Ok(Some(Sides::Left)),
            "r" | "right" => Ok(Some(Sides::Right)),
            "b" | "both" => Ok(Some(Sides::Both)),
            "m" | "middle" | "central" => Ok(Some(Sides::Central)),
            "?" => Ok(None),
            _ => Err("please type left, right, both, middle or ?".into()),
        })? {
            Some(s) => case.sides = s,
            None => return Ok(false),
        }
    }
    Ok(true)
}

fn parse_single(q: &NextQuestion, s: &str) -> std::result::Result<Answer, String> {
    if s == "?" || s == "unknown" || s == "don't know" {
        return Ok(Answer::Unknown);
    }
    match q.answer_type {
        AnswerType::YesNo => match s {
            "y" | "yes" => Ok(Answer::Yes),
            "n" | "no" => Ok(Answer::No),
            _ => Err("please type y, n or ?".into()),
        },
        AnswerType::Scale | AnswerType::Number => {
            let (lo, hi) = (q.min.unwrap_or(f64::MIN), q.max.unwrap_or(f64::MAX));
            s.parse::<f64>()
                .ok()
                .filter(|v| *v >= lo && *v <= hi)
                .map(Answer::Number)
                .ok_or_else(|| format!("please give a number from {lo} to {hi}"))
        }
        AnswerType::Choice => {
            if let Ok(k) = s.parse::<usize>()
                && k >= 1
                && k <= q.options.len()
            {
                return Ok(Answer::Choice(q.options[k - 1].clone()));
            }
            q.options
                .iter()
                .find(|o| o.as_str() == s)
                .map(|o| Answer::Choice(o.clone()))
                .ok_or_else(|| format!("please type a number from 1 to {} or ?", q.options.len()))
        }
    }
}

/// Run the interview. Answers are written into the returned case.
pub fn run(engine: &Engine, mut case: Case, source: Source, out: &mut dyn Write) -> Result<Outcome> {
    let mut singles = 0;
    let input = match source {
        Source::Terminal { input } => {
            if !basics(&mut case, input, out)? {
                return Ok(Outcome { case, reason: "ended by you".into() });
            }
            input
        }
        Source::Script { answers } => {
            // The answers file is the whole case; a setting given on the command line wins.
            let mut full = answers.clone();
            if case.setting.is_some() {
                full.setting = case.setting.clone();
            }
            let t = engine
                .simulate(&full, case.respondent)
                .map_err(|e| crate::input::case_error("answers", &e))?;
            let mut n = 0;
            for id in &t.asked {
                let q = engine
                    .kb()
                    .finding(id)
                    .map(|f| if case.respondent == Respondent::Patient { &f.question } else { &f.clinician });
                n += 1;
                let a = t.case.answers.get(id).map_or("unknown".to_string(), Answer::describe);
                writeln!(out, "{n:>3}. {}  -> {a}", q.map_or(id.as_str(), String::as_str))?;
            }
            writeln!(out, "stopped: {} ({} prompts, {} findings)", t.stop_reason, t.prompts, t.asked.len())?;
            return Ok(Outcome { case: t.case, reason: t.stop_reason });
        }
    };
    writeln!(out)?;
    loop {
        let next = engine.next_step(&case, singles).map_err(|e| crate::input::case_error("interview", &e))?;
        match next.step {
            Step::Done { reason } => {
                // An emergency answer shows what to do at once, before the report.
                if next.triage.level == Urgency::Emergency {
                    writeln!(out, "\n*** {} ***\n", next.triage.message)?;
                }
                return Ok(Outcome { case, reason });
            }
            Step::Ask { prompt, multi_select: true, questions, .. } => {
                writeln!(out, "{prompt}")?;
                for (k, q) in questions.iter().enumerate() {
                    writeln!(out, "  {:>2}. {}", k + 1, q.question)?;
                }
                let n = questions.len();
                let picked = ask_until(
                    input,
                    out,
                    "Type the numbers that apply (e.g. 1,3), 0 for none, or all:",
                    |s| {
                        if s == "0" || s == "none" {
                            return Ok(Vec::new());
                        }
                        if s == "all" {
                            return Ok((1..=n).collect());
                        }
                        s.split([',', ' '])
                            .filter(|x| !x.is_empty())
                            .map(|x| {
                                x.parse::<usize>()
                                    .ok()
                                    .filter(|k| *k >= 1 && *k <= n)
                                    .ok_or_else(|| format!("`{x}` is not a number from 1 to {n}"))
                            })
                            .collect()
                    },
                )?;
                let Some(picked) = picked else {
                    return Ok(Outcome { case, reason: "ended by you".into() });
                };
                for (k, q) in questions.iter().enumerate() {
                    let a = if picked.contains(&(k + 1)) { Answer::Yes } else { Answer::No };
                    case.answers.insert(q.finding.to_string(), a);
                }
            }
            Step::Ask { questions, .. } => {
                singles += 1;
                for q in questions {
                    let hint = match q.answer_type {
                        AnswerType::YesNo => "[y/n/?]".to_string(),
                        AnswerType::Scale | AnswerType::Number => {
                            format!("[{}-{}, ?]", q.min.unwrap_or(0.0), q.max.unwrap_or(0.0))
                        }
                        AnswerType::Choice => {
                            let opts: Vec<String> =
                                q.options.iter().enumerate().map(|(k, o)| format!("{}={o}", k + 1)).collect();
                            format!("[{}, ?]", opts.join(" "))
                        }
                    };
                    let Some(a) =
                        ask_until(input, out, &format!("{} {hint}", q.question), |s| parse_single(&q, s))?
                    else {
                        return Ok(Outcome { case, reason: "ended by you".into() });
                    };
                    case.answers.insert(q.finding.to_string(), a);
                }
            }
        }
    }
}
