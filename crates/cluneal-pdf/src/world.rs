//! The smallest Typst world: one main source, a few in-memory files (the
//! report data and the pictures), Typst's own embedded fonts and standard
//! library (each built once per process), and no clock
//! (`datetime.today()` is refused, so the same input gives the same PDF).

use typst::diag::{FileError, FileResult};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};

/// The fonts, parsed once per process (they are the same for every document).
fn fonts() -> &'static (Vec<Font>, LazyHash<FontBook>) {
    static FONTS: std::sync::OnceLock<(Vec<Font>, LazyHash<FontBook>)> = std::sync::OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts().flat_map(|data| Font::iter(Bytes::new(data))).collect();
        let book = LazyHash::new(FontBook::from_fonts(&fonts));
        (fonts, book)
    })
}

/// A file id for `path` in the project root; `None` for a path Typst refuses.
fn file_id(path: &str) -> Option<FileId> {
    VirtualPath::new(path).ok().map(|v| RootedPath::new(VirtualRoot::Project, v).intern())
}

/// Typst's standard library, built once per process (the same for every document).
fn library() -> &'static LazyHash<Library> {
    static LIBRARY: std::sync::OnceLock<LazyHash<Library>> = std::sync::OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

pub struct DocWorld {
    main: Source,
    files: Vec<(FileId, Bytes)>,
}

impl DocWorld {
    /// A world whose main file is `source`, with `files` (path, bytes) beside it.
    pub fn new(source: &str, files: Vec<(String, Vec<u8>)>) -> Option<DocWorld> {
        let main_id = file_id("main.typ")?;
        let files = files
            .into_iter()
            .map(|(p, b)| Some((file_id(&p)?, Bytes::new(b))))
            .collect::<Option<Vec<_>>>()?;
        Some(DocWorld { main: Source::new(main_id, source.to_string()), files })
    }
}

impl World for DocWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().1
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            return Ok(self.main.clone());
        }
        Err(FileError::NotSource)
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        self.files
            .iter()
            .find(|(f, _)| *f == id)
            .map(|(_, b)| b.clone())
            .ok_or_else(|| FileError::NotFound(std::path::PathBuf::from(format!("{id:?}"))))
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().0.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}
