//! `config.toml` over real processes: its settings are the flags' defaults,
//! an environment variable wins over it and a flag over both, `btt-seed
//! config` says where each setting comes from, and a mistake in the file is
//! one line naming the file and line, exit 3, for every binary.

use crate::support;

use btt::cli::seed::SettingInEffect;
use serde::Deserialize;
use std::path::PathBuf;
use support::*;

/// An address with no account on any ledger here.
const NOBODY: &str = "TMVQGm1qAQYVdetCeGRRkTWYYrLXuHK2HC";

/// A ledger URL nobody listens on.
const DEAD_LEDGER: &str = "http://127.0.0.1:9/";

/// A line of `btt-seed config`.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line {
    Setting(SettingInEffect),
}

fn write_config(env: &TestEnv, text: &str) -> PathBuf {
    let path = env.dir("btt-home").join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn balance(env: &TestEnv, variable: Option<&str>, flags: &[&str]) -> Run {
    let mut command = env.btt("btt-wallet");
    command.args(["balance", NOBODY]).args(flags);
    if let Some(ledger) = variable {
        command.env("BTT_LEDGER", ledger);
    }
    Run::of("btt-wallet balance", command, "")
}

#[test]
fn the_file_sets_a_default_the_environment_overrides_and_a_flag_overrides_both() {
    let env = TestEnv::new();
    write_config(
        &env,
        &format!("# the shared node\nledger = \"{DEAD_LEDGER}\"\n"),
    );
    balance(&env, None, &[]).refused(4, "127.0.0.1:9");
    let from_environment = balance(&env, Some("local"), &[]).ok();
    assert_eq!(from_environment.one()["type"], "balance");
    balance(&env, Some(DEAD_LEDGER), &["--ledger", "local"]).ok();
}

#[test]
fn btt_seed_config_lists_each_setting_with_its_file_line_or_variable() {
    let env = TestEnv::new();
    let path = write_config(
        &env,
        "ledger = \"local\"\n\n[btt-seed]\nlisten = \"127.0.0.1:7000\"\n",
    );
    let mut command = env.btt("btt-seed");
    command.arg("config").env("BTT_LEDGER", DEAD_LEDGER);
    let lines: Vec<Line> = Run::of("btt-seed config", command, "").ok().lines();
    let file = path.display();
    let seen: Vec<(String, Option<String>, String, Option<String>)> = lines
        .into_iter()
        .map(|Line::Setting(s)| (s.key, s.binary, s.source, s.overridden_by))
        .collect();
    let expected = [
        ("ledger", None, "BTT_LEDGER".to_string(), None),
        ("ledger", None, format!("{file}:1"), Some("BTT_LEDGER")),
        ("listen", Some("btt-seed"), format!("{file}:4"), None),
    ];
    let expected: Vec<_> = expected
        .into_iter()
        .map(|(key, binary, source, over)| {
            (
                key.to_string(),
                binary.map(String::from),
                source,
                over.map(String::from),
            )
        })
        .collect();
    assert_eq!(seen, expected);
}

#[test]
fn a_mistake_in_the_file_is_one_line_naming_it_for_every_binary() {
    let env = TestEnv::new();
    let cases = [
        (
            "ledger = \"local\"\nlisen = \"127.0.0.1:1\"\n",
            ":2: lisen is not a flag of any btt command",
        ),
        (
            "[btt-get]\n\nlisten = \"nowhere\"\n",
            ":3: listen: invalid value 'nowhere'",
        ),
        ("ledger = \n", ":1: "),
    ];
    for (text, expected) in cases {
        let path = write_config(&env, text);
        for binary in ["btt-get", "btt-seed", "btt-bid", "btt-wallet", "btt-tip"] {
            let mut command = env.btt(binary);
            command.arg("--help");
            let run = Run::of(binary, command, "");
            run.refused(3, &format!("{}{expected}", path.display()));
        }
    }
}
