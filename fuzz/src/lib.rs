//! What the fuzz targets share: the engine on the embedded knowledge base,
//! built once per process.

use std::sync::OnceLock;

use cluneal_engine::Engine;

/// The engine every input of a target runs through.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| match cluneal_kb::KnowledgeBase::embedded() {
        Ok(kb) => Engine::new(kb),
        // Not a finding about any input: the build itself is broken.
        Err(e) => panic!("the embedded knowledge base does not load: {e:?}"),
    })
}
