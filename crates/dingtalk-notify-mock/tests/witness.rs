//! The simulator is an independent witness: outside the `Clock` seam (clock.rs) and the
//! transport conformance kit (conformance/), its source names nothing of the client's core.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn only_the_clock_and_the_conformance_kit_name_the_core() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 20, "found the sources: {files:?}");
    let mut offenders = Vec::new();
    for path in &files {
        let rel = path.strip_prefix(&src).unwrap();
        if rel == Path::new("clock.rs") || rel.starts_with("conformance") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            // Doc text may name the core (a link to `Transport`, say); code may not.
            if code.starts_with("//") {
                continue;
            }
            if code.contains("dingtalk_notify_proto") || code.contains("dingtalk_notify::") {
                offenders.push(format!("{}:{}: {code}", rel.display(), n + 1));
            }
        }
    }
    assert!(offenders.is_empty(), "the core named in: {offenders:#?}");
}
