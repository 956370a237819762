//! Exercise pictures as SVG, drawn from the same pose data as the web app
//! (`crates/cluneal-server/web/figures.json`) with the same rules as its
//! `pictures.js`: two stick figures (start, end) on a 250 x 62 canvas, both
//! poses scaled alike to fill their panels, an arrow between them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::PdfError;

type Point = (f64, f64);

/// One pose: head centre, body polylines, an optional prop and hint arrow.
#[derive(Debug, Clone)]
struct Pose {
    head: Point,
    lines: Vec<Vec<Point>>,
    prop: Vec<Point>,
    hint: Option<(Point, Point)>,
}

#[derive(Debug, Clone)]
struct Figure {
    start: Pose,
    end: Pose,
    both_ways: bool,
}

/// Every exercise picture, by its `picture` key.
#[derive(Debug, Clone, Default)]
pub struct Figures(BTreeMap<String, Figure>);

fn point(v: &Value) -> Option<Point> {
    let a = v.as_array()?;
    Some((a.first()?.as_f64()?, a.get(1)?.as_f64()?))
}

fn points(v: &Value) -> Option<Vec<Point>> {
    v.as_array()?.iter().map(point).collect()
}

fn pose(v: &Value) -> Option<Pose> {
    Some(Pose {
        head: point(v.get("head")?)?,
        lines: v.get("lines")?.as_array()?.iter().map(points).collect::<Option<Vec<_>>>()?,
        prop: match v.get("prop") {
            Some(p) => points(p)?,
            None => Vec::new(),
        },
        hint: match v.get("hint") {
            Some(h) => {
                let p = points(h)?;
                Some((*p.first()?, *p.get(1)?))
            }
            None => None,
        },
    })
}

impl Figures {
    /// Read `figures.json` (an object: picture key -> `{start, end, arrow?}`).
    pub fn from_json(text: &str) -> Result<Figures, PdfError> {
        let bad = |why: String| PdfError::Figures(why);
        let v: Value = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
        let obj = v.as_object().ok_or_else(|| bad("not a JSON object".into()))?;
        let mut out = BTreeMap::new();
        for (key, fig) in obj {
            let parse = || {
                Some(Figure {
                    start: pose(fig.get("start")?)?,
                    end: pose(fig.get("end")?)?,
                    both_ways: fig.get("arrow").and_then(Value::as_str) == Some("both"),
                })
            };
            let f = parse().ok_or_else(|| bad(format!("picture `{key}` is not a start and an end pose")))?;
            out.insert(key.clone(), f);
        }
        Ok(Figures(out))
    }

    /// The picture `key` as an SVG document, or `None` when there is none.
    pub fn svg(&self, key: &str) -> Option<String> {
        let fig = self.0.get(key)?;
        let fit = Fit::of(fig);
        let mut s = String::from(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 16 250 62" width="250" height="62">"#,
        );
        draw_pose(&mut s, &fig.start, 0.0, &fit);
        let _ = write!(s, r##"<line x1="117" y1="46" x2="133" y2="46" stroke="#5a6b7d" stroke-width="2"/>"##);
        arrow_head(&mut s, (134.0, 46.0), (117.0, 46.0), "#5a6b7d");
        if fig.both_ways {
            arrow_head(&mut s, (116.0, 46.0), (133.0, 46.0), "#5a6b7d");
        }
        draw_pose(&mut s, &fig.end, END_X, &fit);
        s.push_str("</svg>");
        Some(s)
    }
}

const END_X: f64 = 135.0;
const FLOOR_Y: f64 = 68.0;

/// Both poses scaled alike: as large as fits 107 wide and 48 high (at most
/// 1.6 times), centred, with what rests on the floor staying on it.
struct Fit {
    s: f64,
    dx: f64,
    r: f64,
}

impl Fit {
    fn of(fig: &Figure) -> Fit {
        let mut all: Vec<Point> = Vec::new();
        for p in [&fig.start, &fig.end] {
            all.extend(p.lines.iter().flatten().copied());
            all.extend(p.prop.iter().copied());
            if let Some((a, b)) = p.hint {
                all.extend([a, b]);
            }
            all.extend([(p.head.0 - 6.0, p.head.1 - 6.0), (p.head.0 + 6.0, p.head.1 + 6.0)]);
        }
        let min = |f: fn(&Point) -> f64| all.iter().map(f).fold(f64::INFINITY, f64::min);
        let max = |f: fn(&Point) -> f64| all.iter().map(f).fold(f64::NEG_INFINITY, f64::max);
        let (x0, x1, y0) = (min(|p| p.0) - 2.0, max(|p| p.0) + 2.0, min(|p| p.1) - 2.0);
        let s = (107.0 / (x1 - x0)).min(48.0 / (FLOOR_Y - y0)).min(1.6);
        Fit { s, dx: 57.5 - (x0 + x1) / 2.0 * s, r: 4.5 + 1.5 * s.sqrt() }
    }

    fn at(&self, (x, y): Point) -> Point {
        (x * self.s + self.dx, FLOOR_Y - (FLOOR_Y - y) * self.s)
    }
}

fn round(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

fn pts(line: &[Point]) -> String {
    line.iter().map(|(x, y)| format!("{},{}", round(*x), round(*y))).collect::<Vec<_>>().join(" ")
}

fn arrow_head(s: &mut String, tip: Point, from: Point, fill: &str) {
    let (dx, dy) = (tip.0 - from.0, tip.1 - from.1);
    let len = dx.hypot(dy).max(f64::MIN_POSITIVE);
    let (ux, uy) = (dx / len, dy / len);
    let base = (tip.0 - ux * 5.0, tip.1 - uy * 5.0);
    let tri = [tip, (base.0 - uy * 3.5, base.1 + ux * 3.5), (base.0 + uy * 3.5, base.1 - ux * 3.5)];
    let _ = write!(s, r#"<polygon points="{}" fill="{fill}"/>"#, pts(&tri));
}

const BODY: &str =
    r##"fill="none" stroke="#17324f" stroke-width="4.5" stroke-linecap="round" stroke-linejoin="round""##;

fn draw_pose(s: &mut String, pose: &Pose, x: f64, fit: &Fit) {
    let _ = write!(s, r#"<g transform="translate({x} 0)">"#);
    s.push_str(r##"<line x1="2" y1="73" x2="113" y2="73" stroke="#8794a3" stroke-width="2"/>"##);
    if !pose.prop.is_empty() {
        let p: Vec<Point> = pose.prop.iter().map(|p| fit.at(*p)).collect();
        let _ = write!(
            s,
            r##"<polyline points="{}" fill="none" stroke="#b35900" stroke-width="2.5" stroke-dasharray="4 3"/>"##,
            pts(&p)
        );
    }
    // The neck: from the head's centre to the shoulders.
    if let Some(shoulders) = pose.lines.first().and_then(|l| l.first()) {
        let _ = write!(s, r#"<polyline points="{}" {BODY}/>"#, pts(&[fit.at(pose.head), fit.at(*shoulders)]));
    }
    for line in &pose.lines {
        let p: Vec<Point> = line.iter().map(|p| fit.at(*p)).collect();
        let _ = write!(s, r#"<polyline points="{}" {BODY}/>"#, pts(&p));
    }
    let (cx, cy) = fit.at(pose.head);
    let _ =
        write!(s, r##"<circle cx="{}" cy="{}" r="{}" fill="#17324f"/>"##, round(cx), round(cy), round(fit.r));
    if let Some((from, to)) = pose.hint {
        let (a, b) = (fit.at(from), fit.at(to));
        let _ = write!(
            s,
            r##"<polyline points="{}" fill="none" stroke="#b35900" stroke-width="2"/>"##,
            pts(&[a, b])
        );
        arrow_head(s, b, a, "#b35900");
    }
    s.push_str("</g>");
}
