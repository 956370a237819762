//! Small SVG charts for the clinician report: a nerve block's relief over time
//! against its window and threshold, and pain over visits against the minimal
//! important change.

use std::fmt::Write as _;

use cluneal_engine::BlockResult;
use cluneal_kb::OutcomeSettings;

use crate::Visit;

const W: f64 = 320.0;
const H: f64 = 150.0;
const L: f64 = 36.0;
const R: f64 = 10.0;
const T: f64 = 12.0;
const B: f64 = 120.0;

fn text(s: &mut String, x: f64, y: f64, anchor: &str, t: &str) {
    let _ = write!(
        s,
        r##"<text x="{x:.1}" y="{y:.1}" font-size="9" fill="#475467" text-anchor="{anchor}">{t}</text>"##
    );
}

fn grid(s: &mut String, y: f64, label: &str) {
    let _ = write!(
        s,
        r##"<line x1="{L}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#d0d5dd" stroke-width="1"/>"##,
        W - R
    );
    text(s, L - 5.0, y + 3.0, "end", label);
}

/// Relief (0-100%) at each reading, the reading window shaded, the positive
/// threshold dashed. `None` without readings.
pub fn block(b: &BlockResult<'_>) -> Option<(String, String)> {
    if b.readings.is_empty() {
        return None;
    }
    let last = b.readings.iter().map(|r| r.minutes).fold(b.window_end_minutes, f64::max);
    let span = last.max(1.0) * 1.05;
    let x = |m: f64| L + (W - L - R) * m / span;
    let y = |relief: f64| B - (B - T) * relief.clamp(0.0, 1.0);
    let mut s =
        format!(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}">"#);
    let _ = write!(
        s,
        r##"<rect x="{:.1}" y="{T}" width="{:.1}" height="{}" fill="#e8f1fb"/>"##,
        x(b.window_start_minutes),
        x(b.window_end_minutes) - x(b.window_start_minutes),
        B - T
    );
    for (v, l) in [(0.0, "0%"), (0.5, "50%"), (1.0, "100%")] {
        grid(&mut s, y(v), l);
    }
    let _ = write!(
        s,
        r##"<line x1="{L}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="#1a7f37" stroke-width="1.5" stroke-dasharray="5 4"/>"##,
        W - R,
        y(b.positive_threshold),
        y(b.positive_threshold)
    );
    text(
        &mut s,
        W - R,
        y(b.positive_threshold) - 4.0,
        "end",
        &format!("positive from {:.0}%", b.positive_threshold * 100.0),
    );
    let pts: Vec<String> =
        b.readings.iter().map(|r| format!("{:.1},{:.1}", x(r.minutes), y(r.relief))).collect();
    let _ = write!(
        s,
        r##"<polyline points="{}" fill="none" stroke="#1f4e8c" stroke-width="2"/>"##,
        pts.join(" ")
    );
    for r in &b.readings {
        let fill = if r.in_window { "#1f4e8c" } else { "#98a2b3" };
        let _ =
            write!(s, r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{fill}"/>"#, x(r.minutes), y(r.relief));
    }
    text(&mut s, L, H - 8.0, "start", "0 min");
    text(&mut s, W - R, H - 8.0, "end", &format!("{last:.0} min"));
    s.push_str("</svg>");
    let alt = format!(
        "Relief after the block: {}; reading window {:.0}-{:.0} minutes, positive from {:.0}%.",
        b.readings
            .iter()
            .map(|r| format!("{:.0}% at {:.0} min", r.relief * 100.0, r.minutes))
            .collect::<Vec<_>>()
            .join(", "),
        b.window_start_minutes,
        b.window_end_minutes,
        b.positive_threshold * 100.0
    );
    Some((s, alt))
}

/// Pain (0-10) at each visit with a score, the minimal important change from
/// the first score dashed. `None` with fewer than two scores.
pub fn visits(visits: &[Visit], mic: &OutcomeSettings) -> Option<(String, String)> {
    let scored: Vec<(usize, f64, &str)> =
        visits.iter().enumerate().filter_map(|(i, v)| v.pain.map(|p| (i, p, v.date.as_str()))).collect();
    let first = scored.first()?.1;
    if scored.len() < 2 {
        return None;
    }
    let n = (visits.len() - 1).max(1) as f64;
    let x = |i: usize| L + (W - L - R) * i as f64 / n;
    let y = |p: f64| B - (B - T) * p.clamp(0.0, 10.0) / 10.0;
    let target = (first - mic.pain_mic_points.value).max(first * (1.0 - mic.pain_mic_share.value));
    let mut s =
        format!(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="{W}" height="{H}">"#);
    for (v, l) in [(0.0, "0"), (5.0, "5"), (10.0, "10")] {
        grid(&mut s, y(v), l);
    }
    if first > 0.0 {
        let _ = write!(
            s,
            r##"<line x1="{L}" x2="{}" y1="{:.1}" y2="{:.1}" stroke="#1a7f37" stroke-width="1.5" stroke-dasharray="5 4"/>"##,
            W - R,
            y(target),
            y(target)
        );
        text(&mut s, W - R, y(target) - 4.0, "end", "meaningful improvement");
    }
    let pts: Vec<String> = scored.iter().map(|(i, p, _)| format!("{:.1},{:.1}", x(*i), y(*p))).collect();
    let _ = write!(
        s,
        r##"<polyline points="{}" fill="none" stroke="#1f4e8c" stroke-width="2"/>"##,
        pts.join(" ")
    );
    for (i, p, _) in &scored {
        let _ = write!(s, r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="#1f4e8c"/>"##, x(*i), y(*p));
    }
    for (i, v) in visits.iter().enumerate() {
        text(&mut s, x(i), H - 8.0, "middle", v.date.get(5..).unwrap_or(&v.date));
    }
    s.push_str("</svg>");
    let alt = format!(
        "Pain over {} visits: {}; meaningful improvement from the first score is at or below {target:.1}.",
        visits.len(),
        scored.iter().map(|(_, p, d)| format!("{d} {p}")).collect::<Vec<_>>().join(", ")
    );
    Some((s, alt))
}
