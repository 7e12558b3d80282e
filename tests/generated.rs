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
        "stale generated files (run BTT_UPDATE_GENERATED=1 cargo test --test integration generated::): {stale:?}"
    );
}

/// `scripts/install` puts the binaries, every man page and the three
/// shells' completions where the system looks for them, under PREFIX and
/// staged under DESTDIR; a relative PREFIX or a missing binary is one line
/// and exit 2, with nothing installed.
#[test]
fn scripts_install_puts_binaries_man_pages_and_completions_under_the_prefix() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bins = Path::new(env!("CARGO_BIN_EXE_btt-get")).parent().unwrap();
    let stage = tempfile::tempdir().unwrap();
    let install = |prefix: &str, bin_dir: &Path| {
        std::process::Command::new(root.join("scripts/install"))
            .args(["--bin-dir".as_ref(), bin_dir.as_os_str()])
            .env("PREFIX", prefix)
            .env("DESTDIR", stage.path())
            .output()
            .unwrap()
    };
    let done = install("/usr", bins);
    assert!(done.status.success(), "{done:?}");
    let usr = stage.path().join("usr");
    for program in ["btt-get", "btt-seed", "btt-bid", "btt-wallet", "btt-tip"] {
        let binary = usr.join("bin").join(program);
        let mode =
            std::os::unix::fs::PermissionsExt::mode(&binary.metadata().unwrap().permissions());
        assert_eq!(mode & 0o777, 0o755, "{}", binary.display());
        for completion in [
            format!("share/bash-completion/completions/{program}"),
            format!("share/zsh/site-functions/_{program}"),
            format!("share/fish/vendor_completions.d/{program}.fish"),
        ] {
            assert!(usr.join(&completion).is_file(), "{completion}");
        }
    }
    let pages = std::fs::read_dir(root.join("man")).unwrap().count();
    let installed = std::fs::read_dir(usr.join("share/man/man1"))
        .unwrap()
        .count();
    assert_eq!(installed, pages);

    let empty = tempfile::tempdir().unwrap();
    for (prefix, bin_dir, said) in [
        ("usr", bins, "PREFIX must be an absolute path"),
        ("/opt/btt", empty.path(), "no executable btt-get in"),
    ] {
        let refused = install(prefix, bin_dir);
        assert_eq!(refused.status.code(), Some(2), "{refused:?}");
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(
            stderr.contains(said) && stderr.lines().count() == 1,
            "{stderr}"
        );
    }
    assert!(
        !stage.path().join("opt").exists(),
        "nothing installed when refused"
    );
}
