//! `btt-seed config`: the settings the config file and the environment give
//! the five binaries, and where each comes from. A table on a terminal; piped
//! or with `--json`, one `setting` record each.

use crate::cli::config_file::{config_path, ConfigFile};
use crate::cli::exit::ExitStatus;
use crate::cli::generated::all_commands;
use crate::config::Dirs;
use crate::output::{Format, Output, Record};
use clap::{Args, Command};
use serde::{Deserialize, Serialize};

/// `btt-seed config`.
#[derive(Debug, Args)]
pub struct ConfigArgs {}

/// One setting in effect.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SettingInEffect {
    /// The long flag it sets, without `--`.
    pub key: String,
    /// The binary it applies to, or `null` for every binary that has the flag.
    pub binary: Option<String>,
    /// The values, as they would follow the flag.
    pub values: Vec<String>,
    /// `file:line` of the config file, or the environment variable.
    pub source: String,
    /// The environment variable that wins over this config file setting, if
    /// one is set.
    pub overridden_by: Option<String>,
}

impl Record for SettingInEffect {
    const TYPE: &'static str = "setting";
    fn human(&self) -> Option<String> {
        Some(format!(
            "{} = {}  ({})",
            self.key,
            self.values.join(" "),
            self.source
        ))
    }
}

/// Every setting, as one table for a person.
#[derive(Debug, Serialize)]
struct SettingsTable<'a> {
    settings: &'a [SettingInEffect],
}

impl Record for SettingsTable<'_> {
    const TYPE: &'static str = "settings";

    fn human(&self) -> Option<String> {
        let mut table = comfy_table::Table::new();
        table.load_preset(comfy_table::presets::NOTHING);
        table.set_header(["setting", "for", "value", "from"]);
        for setting in self.settings {
            let from = match &setting.overridden_by {
                Some(variable) => format!("{} (overridden by {variable})", setting.source),
                None => setting.source.clone(),
            };
            let binary = setting.binary.clone().unwrap_or_else(|| "all".into());
            table.add_row([setting.key.clone(), binary, setting.values.join(" "), from]);
        }
        Some(table.to_string())
    }
}

/// Runs `btt-seed config`.
pub fn run(_args: ConfigArgs, output: &Output) -> anyhow::Result<ExitStatus> {
    let path = config_path(&Dirs::from_env());
    let file = ConfigFile::load(&path)?;
    if file.is_none() {
        output.info(format_args!("no config file at {}", path.display()));
    }
    let commands = all_commands();
    let settings = settings_in_effect(file.as_ref(), &commands, |name| std::env::var(name).ok());
    match output.format() {
        Format::Human if settings.is_empty() => {}
        Format::Human => output.record(&SettingsTable {
            settings: &settings,
        })?,
        Format::Json => {
            for setting in &settings {
                output.record(setting)?;
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// The environment's settings (flags' variables that are set), then the
/// file's, each file setting marked with the variable that overrides it.
pub fn settings_in_effect(
    file: Option<&ConfigFile>,
    commands: &[Command],
    environment: impl Fn(&str) -> Option<String>,
) -> Vec<SettingInEffect> {
    let variables = flag_variables(commands);
    let mut settings: Vec<SettingInEffect> = Vec::new();
    for (key, variable) in &variables {
        let Some(value) = environment(variable) else {
            continue;
        };
        if settings.iter().any(|setting| setting.source == *variable) {
            continue;
        }
        settings.push(SettingInEffect {
            key: key.clone(),
            binary: None,
            values: vec![value],
            source: variable.clone(),
            overridden_by: None,
        });
    }
    for setting in file
        .iter()
        .flat_map(|file| file.settings.iter().map(move |setting| (file, setting)))
    {
        let (file, setting) = setting;
        let overridden_by = variables
            .iter()
            .find(|(key, variable)| *key == setting.key && environment(variable).is_some())
            .map(|(_, variable)| variable.clone());
        settings.push(SettingInEffect {
            key: setting.key.clone(),
            binary: setting.binary.clone(),
            values: setting.values.clone(),
            source: format!("{}:{}", file.path.display(), setting.line),
            overridden_by,
        });
    }
    settings
}

/// Every long flag that reads an environment variable, with the variable.
fn flag_variables(commands: &[Command]) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for command in commands {
        collect_variables(command, &mut found);
    }
    found.sort();
    found.dedup();
    found
}

fn collect_variables(command: &Command, found: &mut Vec<(String, String)>) {
    for arg in command.get_arguments() {
        if let (Some(long), Some(variable)) = (arg.get_long(), arg.get_env()) {
            found.push((long.to_string(), variable.to_string_lossy().into_owned()));
        }
    }
    for sub in command.get_subcommands() {
        collect_variables(sub, found);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn the_environment_is_listed_and_marks_the_file_settings_it_overrides() {
        let text = "ledger = \"bttc\"\nlisten = \"127.0.0.1:7000\"\n";
        let file = ConfigFile::parse(Path::new("/c/config.toml"), text).unwrap();
        let environment = |name: &str| (name == "BTT_LEDGER").then(|| "local".to_string());
        let settings = settings_in_effect(Some(&file), &all_commands(), environment);
        let sources: Vec<(&str, &str, Option<&str>)> = settings
            .iter()
            .map(|s| {
                (
                    s.key.as_str(),
                    s.source.as_str(),
                    s.overridden_by.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            sources,
            [
                ("ledger", "BTT_LEDGER", None),
                ("ledger", "/c/config.toml:1", Some("BTT_LEDGER")),
                ("listen", "/c/config.toml:2", None),
            ]
        );
    }
}
