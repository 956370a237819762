//! `include_dir!` (in `src/web.rs`) embeds `web/`, and Cargo rebuilds the crate
//! when an embedded file changes; a file added or removed is no embedded file's
//! change, so this asks Cargo to watch the folder itself.

fn main() {
    println!("cargo:rerun-if-changed=web");
}
