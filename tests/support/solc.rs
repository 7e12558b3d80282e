//! The pinned solc (npm's solcjs in tests/evm/node_modules, offline) run
//! through tests/evm/compile.cjs, whose settings are fixed: the tests that
//! keep checked-in bytecode honest recompile its sources with it and compare.

use super::{Run, TestEnv};
use serde_json::Value;

/// What compile.cjs prints for the Solidity sources in `directory` (relative
/// to the repository): `{"solc": VERSION, "contracts": {NAME: {bytecode, runtime, abi}}}`.
pub fn compile_contracts(env: &TestEnv, directory: &str) -> Value {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut node = env.command("node");
    node.arg(format!("{root}/tests/evm/compile.cjs"))
        .arg(format!("{root}/{directory}"));
    let compiled = Run::of("node compile.cjs", node, "").ok();
    let compiled: Value = serde_json::from_str(&compiled.stdout).unwrap();
    let version = compiled["solc"].as_str().unwrap_or_default();
    assert!(version.starts_with("0.8.37+"), "solc {version}");
    compiled
}
