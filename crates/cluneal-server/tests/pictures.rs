//! Every exercise has its own picture in the web app and the PDF handout, and
//! every picture drawn there belongs to an exercise. The knowledge base names
//! the picture (`picture`, unique: `kb check` refuses a shared one) and gives
//! its text (`picture_alt`); `web/figures.json` holds its poses, which
//! `web/pictures.js` and `cluneal-pdf` draw.

use std::collections::BTreeMap;
use std::path::Path;

use cluneal_kb::KnowledgeBase;

/// The exercise poses in web/figures.json: key -> the figure.
fn figures() -> BTreeMap<String, serde_json::Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/figures.json");
    let text = std::fs::read_to_string(&path).expect("web/figures.json is readable");
    serde_json::from_str(&text).expect("web/figures.json is a JSON object of figures")
}

#[test]
fn every_exercise_has_its_own_picture_and_every_picture_an_exercise() {
    let kb = KnowledgeBase::embedded().expect("valid knowledge base");
    let drawn = figures();
    assert!(!drawn.is_empty(), "no pictures found in pictures.js");

    let mut used: BTreeMap<&str, &str> = BTreeMap::new();
    for e in kb.exercises() {
        assert!(!e.picture.trim().is_empty(), "exercise `{}` has no picture", e.id);
        assert!(!e.picture_alt.trim().is_empty(), "exercise `{}` has no picture_alt", e.id);
        if let Some(other) = used.insert(&e.picture, &e.id) {
            panic!("exercises `{other}` and `{}` share the picture `{}`", e.id, e.picture);
        }
        assert!(
            drawn.contains_key(&e.picture),
            "exercise `{}`: its picture `{}` is not in web/figures.json",
            e.id,
            e.picture
        );
    }
    let unused: Vec<&String> = drawn.keys().filter(|k| !used.contains_key(k.as_str())).collect();
    assert!(unused.is_empty(), "pictures in web/figures.json but used by no exercise: {unused:?}");

    for (key, fig) in &drawn {
        // Two poses, and no text of its own: the words come from the knowledge base.
        for pose in ["start", "end"] {
            assert!(
                fig[pose]["head"].is_array() && fig[pose]["lines"].as_array().is_some_and(|l| !l.is_empty()),
                "picture `{key}` needs a {pose} pose with a head and body lines"
            );
        }
        assert!(
            fig.get("alt").is_none(),
            "picture `{key}` carries its own text; use the exercise's picture_alt"
        );
    }
}

/// The keys of `GUIDES` in pictures.js, written as `  key: (svg) => {`.
fn guides() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/pictures.js");
    let js = std::fs::read_to_string(&path).expect("web/pictures.js is readable");
    let start = js.find("\nconst GUIDES = {\n").expect("pictures.js has `const GUIDES = {`");
    let body = &js[start + "\nconst GUIDES = {\n".len()..];
    let end = body.find("\n};\n").expect("the GUIDES table ends with `};`");
    body[..end]
        .lines()
        .filter_map(|l| l.strip_prefix("  ").filter(|l| !l.starts_with(' ')))
        .filter_map(|l| l.strip_suffix(": (svg) => {"))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_question_group_picture_is_drawn_and_every_guide_picture_used() {
    let kb = KnowledgeBase::embedded().expect("valid knowledge base");
    let drawn = guides();
    assert!(drawn.iter().any(|k| k == "self_palpation_crest"), "no guide pictures found: {drawn:?}");
    let used: Vec<&str> = kb.groups().iter().filter_map(|g| g.picture.as_deref()).collect();
    for g in kb.groups() {
        if let Some(p) = &g.picture {
            assert!(
                drawn.contains(p),
                "question group `{}`: its picture `{p}` is not drawn in web/pictures.js",
                g.id
            );
        }
    }
    let unused: Vec<&String> = drawn.iter().filter(|k| !used.contains(&k.as_str())).collect();
    assert!(
        unused.is_empty(),
        "guide pictures drawn in web/pictures.js but used by no question group: {unused:?}"
    );
}
