use super::*;

/// A fresh folder under the system temp dir with `files` (path, contents).
fn project(files: &[(&str, &str)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "durabox-locate-{}-{}",
        std::process::id(),
        fastrand::u64(..)
    ));
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::canonicalize(dir).unwrap()
}

const PY_HANDLER: &str = "@durable_execution\ndef handler(event, context): ...\n";

#[test]
fn a_file_names_its_language() {
    let dir = project(&[
        ("app.py", PY_HANDLER),
        ("handler.ts", ""),
        ("Cargo.toml", ""),
    ]);
    assert_eq!(
        locate(&dir.join("app.py")).unwrap().language,
        Language::Python
    );
    assert_eq!(
        locate(&dir.join("handler.ts")).unwrap().language,
        Language::JavaScript
    );
    assert_eq!(
        locate(&dir.join("Cargo.toml")).unwrap().language,
        Language::Rust
    );
    std::fs::write(dir.join("notes.txt"), "").unwrap();
    assert!(matches!(
        locate(&dir.join("notes.txt")),
        Err(BuildError::UnknownLanguage(_))
    ));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_python_folder_builds_the_module_using_durable_execution() {
    let dir = project(&[
        ("helpers.py", "def f(): ...\n"),
        ("orders.py", PY_HANDLER),
        ("requirements.txt", "attrs\n"),
    ]);
    let handler = locate(&dir).unwrap();
    assert_eq!(handler.language, Language::Python);
    assert_eq!(handler.entry, dir.join("orders.py"));
    // Two handlers: the preferred name wins, else the user must choose.
    std::fs::write(dir.join("app.py"), PY_HANDLER).unwrap();
    assert_eq!(locate(&dir).unwrap().entry, dir.join("app.py"));
    std::fs::rename(dir.join("app.py"), dir.join("other.py")).unwrap();
    let error = locate(&dir).unwrap_err().to_string();
    assert!(error.contains("orders.py, other.py"), "{error}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_js_folder_builds_package_main_or_a_conventional_entry() {
    let dir = project(&[
        ("package.json", r#"{"main": "dist/index.js"}"#),
        ("src/index.ts", ""),
    ]);
    // main points at build output that does not exist yet: the TS source is used.
    let handler = locate(&dir).unwrap();
    assert_eq!(handler.language, Language::JavaScript);
    assert_eq!(handler.entry, dir.join("src/index.ts"));
    std::fs::write(dir.join("handler.ts"), "").unwrap();
    assert_eq!(locate(&dir).unwrap().entry, dir.join("handler.ts"));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn folders_without_a_handler_or_with_two_languages_say_so() {
    let empty = project(&[("README.md", "")]);
    assert!(matches!(
        locate(&empty),
        Err(BuildError::UnknownLanguage(_))
    ));
    let mixed = project(&[("app.py", PY_HANDLER), ("app.ts", "")]);
    assert!(matches!(
        locate(&mixed),
        Err(BuildError::MixedLanguages { .. })
    ));
    let no_entry = project(&[("requirements.txt", ""), ("util.py", "")]);
    let error = locate(&no_entry).unwrap_err().to_string();
    assert!(error.contains("no Python handler found"), "{error}");
    assert!(matches!(
        locate(&empty.join("missing.py")),
        Err(BuildError::NotFound(_))
    ));
    for dir in [empty, mixed, no_entry] {
        std::fs::remove_dir_all(dir).unwrap();
    }
}

#[test]
fn the_fingerprint_follows_sources_and_ignores_output_and_caches() {
    let dir = project(&[("app.py", PY_HANDLER)]);
    let handler = locate(&dir).unwrap();
    let out = dir.join("app.wasm");
    let first = fingerprint::of(&handler, &out).unwrap();
    std::fs::write(&out, "built").unwrap();
    std::fs::create_dir_all(dir.join("__pycache__")).unwrap();
    std::fs::write(dir.join("__pycache__/app.cpython-311.pyc"), "x").unwrap();
    assert_eq!(fingerprint::of(&handler, &out).unwrap(), first);
    std::fs::write(dir.join("app.py"), format!("{PY_HANDLER}# changed\n")).unwrap();
    assert_ne!(fingerprint::of(&handler, &out).unwrap(), first);
    std::fs::remove_dir_all(dir).unwrap();
}
