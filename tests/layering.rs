//! The library's layering, read from its source: the top-level modules of
//! `src/` import each other without a cycle, and only `cli` and `output`
//! import `cli` or `output` (results are plain `Serialize` types; `output`
//! decides how they look). Test modules and comments are not counted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Modules that may import `cli` and `output`.
const FRONT_ENDS: [&str; 2] = ["cli", "output"];

/// Each top-level module of `src/` and the top-level modules it imports.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules: BTreeSet<String> = std::fs::read_dir(&src)
        .expect("src/")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| {
            !matches!(
                path.file_name().and_then(|n| n.to_str()),
                Some("bin" | "lib.rs")
            )
        })
        .filter_map(|path| Some(path.file_stem()?.to_str()?.to_string()))
        .collect();
    modules
        .iter()
        .map(|module| {
            let imported = source_files(&src, module)
                .iter()
                .flat_map(|file| imports_of(file))
                .filter(|name| name != module && modules.contains(name))
                .collect();
            (module.clone(), imported)
        })
        .collect()
}

fn source_files(src: &Path, module: &str) -> Vec<PathBuf> {
    let file = src.join(format!("{module}.rs"));
    if file.is_file() {
        return vec![file];
    }
    let mut files = Vec::new();
    let mut directories = vec![src.join(module)];
    while let Some(directory) = directories.pop() {
        for entry in std::fs::read_dir(&directory).expect("a module directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                directories.push(path);
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files
}

/// The names after `crate::` in `file`'s code before its test module.
fn imports_of(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).expect("a source file");
    let code = text
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default();
    code.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .flat_map(|line| line.split("crate::").skip(1))
        .filter_map(|rest| {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

/// A path of imports from `from` back to `from`, if there is one.
fn cycle_through(graph: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![from.to_string()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().expect("a path is never empty");
        for next in graph.get(last).into_iter().flatten() {
            if next == from {
                return Some([path.clone(), vec![next.clone()]].concat());
            }
            if seen.insert(next.clone()) {
                stack.push([path.clone(), vec![next.clone()]].concat());
            }
        }
    }
    None
}

#[test]
fn the_modules_import_each_other_without_a_cycle() {
    let graph = import_graph();
    assert!(graph.len() > 20, "the graph was not read: {graph:?}");
    let cycles: Vec<String> = graph
        .keys()
        .filter_map(|module| cycle_through(&graph, module))
        .map(|cycle| cycle.join(" -> "))
        .collect();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn only_the_front_ends_import_cli_or_output() {
    let graph = import_graph();
    let breaking: Vec<String> = graph
        .iter()
        .filter(|(module, _)| !FRONT_ENDS.contains(&module.as_str()))
        .flat_map(|(module, imported)| {
            FRONT_ENDS
                .iter()
                .filter(|front| imported.contains(**front))
                .map(move |front| format!("{module} imports {front}"))
        })
        .collect();
    assert!(breaking.is_empty(), "{}", breaking.join("\n"));
}
