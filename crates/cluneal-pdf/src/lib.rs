//! Cluneal reports as real PDFs, typeset with Typst inside the process:
//! nothing is downloaded, the fonts are Typst's own embedded ones, and the
//! same report gives the same bytes (no clock, no random document id).
//!
//! Three documents for three readers:
//! - [`Audience::Patient`]: a visit summary of at most two pages (how urgent,
//!   what it might be, what to ask, what to do next);
//! - [`Audience::Exercises`]: the exercise handout, one exercise per block with
//!   its picture and dose;
//! - [`Audience::Clinician`]: the differential with its evidence and sources,
//!   criteria, block chart, work-up, plan, references, and the visit history
//!   with a pain chart when the case has one.
//!
//! The crate is pure like the engine: it is given the report, the knowledge
//! base, the exercise pictures and (from the edge) the date to print, and
//! returns bytes.

mod charts;
mod data;
mod figures;
mod world;

pub use figures::Figures;

use cluneal_engine::Report;
use cluneal_kb::KnowledgeBase;

/// Who the document is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The patient's visit summary (at most two pages).
    Patient,
    /// The clinician's full report.
    Clinician,
    /// The exercise handout.
    Exercises,
}

impl Audience {
    /// `patient`, `clinician` or `exercises`.
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Patient => "patient",
            Audience::Clinician => "clinician",
            Audience::Exercises => "exercises",
        }
    }

    /// The audience named `s`, if any.
    pub fn parse(s: &str) -> Option<Audience> {
        match s {
            "patient" => Some(Audience::Patient),
            "clinician" => Some(Audience::Clinician),
            "exercises" => Some(Audience::Exercises),
            _ => None,
        }
    }
}

/// One earlier visit of a followed case, for the clinician report's history.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    /// The visit's date (`YYYY-MM-DD`).
    pub date: String,
    /// Pain (NRS 0-10) recorded then, if any.
    pub pain: Option<f64>,
    /// The leading condition then, in words, with its probability.
    pub leading: String,
    /// The urgency then.
    pub urgency: String,
}

/// What goes into a document besides the report.
#[derive(Debug, Clone, Default)]
pub struct Extras<'a> {
    /// The date printed in the header (`YYYY-MM-DD`); none is printed when absent.
    pub date: Option<&'a str>,
    /// The case's label, if it has one.
    pub label: Option<&'a str>,
    /// Visits of a followed case, oldest first (clinician report only).
    pub visits: &'a [Visit],
}

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The exercise pictures could not be read.
    #[error("the exercise pictures are not valid: {0}")]
    Figures(String),
    /// Typst refused the document (a bug in a template or the data).
    #[error("the {audience} document could not be typeset: {detail}")]
    Typeset {
        /// The document.
        audience: &'static str,
        /// Typst's messages.
        detail: String,
    },
}

/// A typeset document: the PDF, its page count, and its text in reading order
/// (for checks and for search, without parsing the PDF again).
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The PDF file.
    pub pdf: Vec<u8>,
    /// How many pages it has.
    pub pages: usize,
    /// Its text, page after page (runs of text joined by spaces).
    pub text: String,
    /// How many pictures and charts it shows.
    pub images: usize,
}

fn collect(frame: &typst::layout::Frame, text: &mut String, images: &mut usize) {
    for (_, item) in frame.items() {
        match item {
            typst::layout::FrameItem::Group(g) => collect(&g.frame, text, images),
            typst::layout::FrameItem::Text(t) => {
                text.push_str(&t.text);
                text.push(' ');
            }
            typst::layout::FrameItem::Image(..) => *images += 1,
            _ => {}
        }
    }
}

/// Typst's messages, one after the other.
fn messages(errors: &[typst::diag::SourceDiagnostic]) -> String {
    errors.iter().map(|e| e.message.to_string()).collect::<Vec<_>>().join("; ")
}

/// Typeset the document for `audience`.
pub fn render(
    report: &Report<'_>,
    kb: &KnowledgeBase,
    figures: &Figures,
    audience: Audience,
    extras: &Extras<'_>,
) -> Result<Rendered, PdfError> {
    let typeset = |detail: String| PdfError::Typeset { audience: audience.as_str(), detail };
    let (data, pictures) = data::build(report, kb, figures, audience, extras);
    let json = serde_json::to_vec(&data).map_err(|e| typeset(e.to_string()))?;
    let mut files = vec![("data.json".to_string(), json)];
    files.extend(pictures.into_iter().map(|(name, svg)| (format!("pic/{name}.svg"), svg.into_bytes())));
    let source = format!("{}\n{}", templates::COMMON, templates::body(audience));
    let world =
        world::DocWorld::new(&source, files).ok_or_else(|| typeset("a file name Typst refuses".into()))?;
    let doc: typst_layout::PagedDocument =
        typst::compile(&world).output.map_err(|errors| typeset(messages(&errors)))?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(format!("cluneal-{}", audience.as_str())),
        timestamp: None,
        ..Default::default()
    };
    let pdf = typst_pdf::pdf(&doc, &options).map_err(|errors| typeset(messages(&errors)))?;
    let (mut text, mut images) = (String::new(), 0);
    for page in doc.pages() {
        collect(&page.frame, &mut text, &mut images);
        text.push('\n');
    }
    Ok(Rendered { pdf, pages: doc.pages().len(), text, images })
}

mod templates {
    use crate::Audience;

    pub const COMMON: &str = include_str!("../templates/common.typ");

    pub fn body(a: Audience) -> &'static str {
        match a {
            Audience::Patient => include_str!("../templates/patient.typ"),
            Audience::Clinician => include_str!("../templates/clinician.typ"),
            Audience::Exercises => include_str!("../templates/exercises.typ"),
        }
    }
}
