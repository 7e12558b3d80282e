//! The checked-in man pages and completions match the clap definitions.
//! Run with `BTT_UPDATE_GENERATED=1` to rewrite them.

use std::path::Path;

#[test]
fn generated_files_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let update = std::env::var_os("BTT_UPDATE_GENERATED").is_some();
    let mut stale = Vec::new();
    for (path, expected) in btt::cli::generated::render_all().unwrap() {
        let full = root.join(&path);
        let current = std::fs::read(&full).unwrap_or_default();
        if current != expected {
            if update {
                std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                std::fs::write(&full, &expected).unwrap();
            } else {
                stale.push(path.display().to_string());
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files (run BTT_UPDATE_GENERATED=1 cargo test --test generated): {stale:?}"
    );
}
