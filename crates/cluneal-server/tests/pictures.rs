//! Every exercise has its own picture in the web app, and every picture drawn
//! there belongs to an exercise. The knowledge base names the picture
//! (`picture`, unique: `kb check` refuses a shared one) and gives its text
//! (`picture_alt`); `web/pictures.js` draws it in its `FIGURES` table, one
//! entry per key, written as `  key: {` on its own line.

use std::collections::BTreeMap;
use std::path::Path;

use cluneal_kb::KnowledgeBase;

/// The entries of `FIGURES` in pictures.js: key -> the entry's text.
fn figures() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("web/pictures.js");
    let js = std::fs::read_to_string(&path).expect("web/pictures.js is readable");
    let start = js.find("\nconst FIGURES = {\n").expect("pictures.js has `const FIGURES = {`");
    let body = &js[start + "\nconst FIGURES = {\n".len()..];
    let end = body.find("\n};\n").expect("the FIGURES table ends with `};`");
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in body[..end].lines() {
        let key = line
            .strip_prefix("  ")
            .filter(|l| !l.starts_with(' '))
            .and_then(|l| l.strip_suffix(": {"))
            .filter(|k| {
                !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            });
        if let Some(k) = key {
            assert!(
                out.insert(k.to_string(), String::new()).is_none(),
                "`{k}` is drawn twice in pictures.js"
            );
            current = Some(k.to_string());
        } else if let Some(k) = &current {
            let text = out.get_mut(k).expect("the current entry");
            text.push_str(line);
            text.push('\n');
        }
    }
    out
}

#[test]
fn every_exercise_has_its_own_picture_and_every_picture_an_exercise() {
    let kb = KnowledgeBase::embedded().expect("valid knowledge base");
    let drawn = figures();
    assert!(!drawn.is_empty(), "no pictures found in pictures.js");

    let mut used: BTreeMap<&str, &str> = BTreeMap::new();
    for e in &kb.exercises {
        assert!(!e.picture.trim().is_empty(), "exercise `{}` has no picture", e.id);
        assert!(!e.picture_alt.trim().is_empty(), "exercise `{}` has no picture_alt", e.id);
        if let Some(other) = used.insert(&e.picture, &e.id) {
            panic!("exercises `{other}` and `{}` share the picture `{}`", e.id, e.picture);
        }
        assert!(
            drawn.contains_key(&e.picture),
            "exercise `{}`: its picture `{}` is not drawn in web/pictures.js",
            e.id,
            e.picture
        );
    }
    let unused: Vec<&String> = drawn.keys().filter(|k| !used.contains_key(k.as_str())).collect();
    assert!(unused.is_empty(), "pictures drawn in web/pictures.js but used by no exercise: {unused:?}");

    for (key, text) in &drawn {
        // Two poses, and no text of its own: the words come from the knowledge base.
        assert!(
            text.contains("start:") && text.contains("end:"),
            "picture `{key}` needs a start and an end pose"
        );
        assert!(
            !text.contains("alt:"),
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
    let used: Vec<&str> = kb.groups.iter().filter_map(|g| g.picture.as_deref()).collect();
    for g in &kb.groups {
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
