//! `config.toml`: defaults for any long flag of the five binaries, read from
//! btt's config directory (`$BTT_HOME`, else `$XDG_CONFIG_HOME/btt`).
//!
//! ```toml
//! listen = "0.0.0.0:6881"      # every command that has --listen
//! ledger = "bttc"
//! no-dht = true                 # a flag without a value
//! peer = ["10.0.0.2:6881"]      # a flag that repeats
//!
//! [btt-seed]                    # btt-seed only; wins over the keys above
//! ask = "0.02BTT/MiB"
//! ```
//!
//! A setting becomes the flag's default, so a flag on the command line wins,
//! then its environment variable, then the file, then the built-in default.
//! The file is checked whole before anything runs: a key no btt command
//! takes, a value of a shape no flag takes, or a value the flag refuses is
//! one line naming the file and line, exit 3.

use super::exit::{with_status, ExitStatus};
use clap::error::ErrorKind;
use clap::{ArgAction, Command};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use toml::de::{DeTable, DeValue};

/// The binaries a table may be named for.
const BINARIES: [&str; 5] = ["btt-bid", "btt-get", "btt-seed", "btt-tip", "btt-wallet"];

/// One key of the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The binary whose table holds it, or `None` for every binary.
    pub binary: Option<String>,
    /// The long flag it sets, without `--`.
    pub key: String,
    /// The values, as they would follow the flag on the command line.
    pub values: Vec<String>,
    /// Its line in the file, from 1.
    pub line: usize,
}

/// A parsed config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its keys, in file order.
    pub settings: Vec<Setting>,
}

/// Where the config file of a process lives.
pub fn config_path(dirs: &crate::config::Dirs) -> PathBuf {
    dirs.config.join("config.toml")
}

impl ConfigFile {
    /// Reads the config file at `path`; `None` when there is none.
    pub fn load(path: &Path) -> anyhow::Result<Option<ConfigFile>> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => {
                let message = format!("cannot read {}: {error}", path.display());
                return Err(with_status(ExitStatus::BadInput, anyhow::anyhow!(message)));
            }
        };
        ConfigFile::parse(path, &text).map(Some)
    }

    /// Parses `text`, the contents of the file at `path`.
    pub fn parse(path: &Path, text: &str) -> anyhow::Result<ConfigFile> {
        let fail =
            |offset: usize, message: String| bad_setting(path, line_of(text, offset), message);
        let root = DeTable::parse(text).map_err(|error| {
            let offset = error.span().map_or(0, |span| span.start);
            fail(offset, error.message().to_string())
        })?;
        let mut settings = Vec::new();
        for (key, value) in root.get_ref() {
            let offset = key.span().start;
            match (value.get_ref(), BINARIES.contains(&key.get_ref().as_ref())) {
                (DeValue::Table(table), true) => {
                    for (inner_key, inner_value) in table {
                        let binary = Some(key.get_ref().to_string());
                        let line = line_of(text, inner_key.span().start);
                        let values = flag_values(inner_value.get_ref())
                            .map_err(|message| fail(inner_value.span().start, message))?;
                        settings.push(Setting {
                            binary,
                            key: inner_key.get_ref().to_string(),
                            values,
                            line,
                        });
                    }
                }
                (DeValue::Table(_), false) => {
                    let message = format!(
                        "[{}] is not a btt binary ({})",
                        key.get_ref(),
                        BINARIES.join(", ")
                    );
                    return Err(fail(offset, message));
                }
                (scalar, _) => settings.push(Setting {
                    binary: None,
                    key: key.get_ref().to_string(),
                    values: flag_values(scalar)
                        .map_err(|message| fail(value.span().start, message))?,
                    line: line_of(text, offset),
                }),
            }
        }
        settings.sort_by_key(|setting| setting.line);
        Ok(ConfigFile {
            path: path.to_path_buf(),
            settings,
        })
    }

    /// Checks every setting against the binaries: its key must be a long flag
    /// of the binary (or of any, at the top), and each flag it sets must take
    /// its values.
    pub fn check(&self, commands: &[Command]) -> anyhow::Result<()> {
        for setting in &self.settings {
            let fail = |message: String| bad_setting(&self.path, setting.line, message);
            let binaries = commands.iter().filter(|command| {
                setting
                    .binary
                    .as_deref()
                    .is_none_or(|binary| command.get_name() == binary)
            });
            let mut found = false;
            for command in binaries {
                for location in flag_locations(command, &setting.key) {
                    found = true;
                    check_values(command, &location, setting).map_err(fail)?;
                }
            }
            if !found {
                let scope = setting.binary.as_deref().unwrap_or("any btt command");
                return Err(fail(format!("{} is not a flag of {scope}", setting.key)));
            }
        }
        Ok(())
    }

    /// The settings that apply to `binary`: its table's over the top ones.
    pub fn settings_for(&self, binary: &str) -> Vec<&Setting> {
        let mut chosen: Vec<&Setting> = Vec::new();
        let scoped = |setting: &&Setting| setting.binary.as_deref() == Some(binary);
        let top = self
            .settings
            .iter()
            .filter(|setting| setting.binary.is_none());
        for setting in top.chain(self.settings.iter().filter(scoped)) {
            chosen.retain(|earlier| earlier.key != setting.key);
            chosen.push(setting);
        }
        chosen
    }

    /// `command` with this file's settings for it as the defaults of its flags,
    /// in every subcommand.
    pub fn apply(&self, command: Command) -> Command {
        let settings = self.settings_for(command.get_name());
        with_defaults(command, &settings)
    }
}

/// The values a TOML value gives a flag, or why it gives none.
fn flag_values(value: &DeValue) -> Result<Vec<String>, String> {
    match value {
        DeValue::Array(items) => items.iter().map(|item| scalar(item.get_ref())).collect(),
        other => scalar(other).map(|value| vec![value]),
    }
}

fn scalar(value: &DeValue) -> Result<String, String> {
    match value {
        DeValue::String(text) => Ok(text.to_string()),
        DeValue::Boolean(flag) => Ok(flag.to_string()),
        DeValue::Integer(integer) => {
            let digits = integer.as_str().replace('_', "");
            i128::from_str_radix(&digits, integer.radix())
                .map(|number| number.to_string())
                .map_err(|_| format!("{} is not a whole number", integer.as_str()))
        }
        DeValue::Float(_) => Err("a fraction must be a string with its unit (\"0.5BTT\")".into()),
        DeValue::Datetime(_) => {
            Err("a date must be a string (\"2h\", \"2026-12-24T18:00:00Z\")".into())
        }
        DeValue::Array(_) | DeValue::Table(_) => {
            Err("a flag takes a string, number, true/false or a list of them".into())
        }
    }
}

/// The subcommand paths (from the binary down) of every command in
/// `command`'s tree that has the long flag `key`.
fn flag_locations(command: &Command, key: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    if command
        .get_arguments()
        .any(|arg| arg.get_long() == Some(key))
        && !is_builtin(key)
    {
        found.push(Vec::new());
    }
    for sub in command.get_subcommands() {
        for mut path in flag_locations(sub, key) {
            path.insert(0, sub.get_name().to_string());
            found.push(path);
        }
    }
    found
}

fn is_builtin(key: &str) -> bool {
    matches!(key, "help" | "version")
}

/// Parses the flag alone on `command`, down `location`: `None` when the
/// values are taken, else the reason.
fn check_values(command: &Command, location: &[String], setting: &Setting) -> Result<(), String> {
    let mut argv: Vec<OsString> = vec![command.get_name().into()];
    argv.extend(location.iter().map(OsString::from));
    let takes_value =
        flag_arg(command, location, &setting.key).is_some_and(|action| action.takes_values());
    if takes_value {
        argv.extend(
            setting
                .values
                .iter()
                .map(|value| format!("--{}={value}", setting.key).into()),
        );
    } else {
        match setting.values.as_slice() {
            [value] if value == "true" => argv.push(format!("--{}", setting.key).into()),
            [value] if value == "false" => return Ok(()),
            _ => {
                return Err(format!(
                    "{} is a flag without a value: true or false",
                    setting.key
                ))
            }
        }
    }
    match command.clone().try_get_matches_from(argv) {
        Ok(_) => Ok(()),
        Err(error) if missing_something(error.kind()) => Ok(()),
        Err(error) => Err(format!(
            "{}: {}",
            setting.key,
            super::usage_message(&error.to_string())
        )),
    }
}

/// The action of the long flag `key` in the subcommand at `location`.
fn flag_arg(command: &Command, location: &[String], key: &str) -> Option<ArgAction> {
    let mut current = command;
    for name in location {
        current = current.find_subcommand(name)?;
    }
    let arg = current
        .get_arguments()
        .find(|arg| arg.get_long() == Some(key))?;
    Some(arg.get_action().clone())
}

/// Errors a lone flag meets that say nothing about its value.
fn missing_something(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::MissingRequiredArgument
            | ErrorKind::MissingSubcommand
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    )
}

fn with_defaults(mut command: Command, settings: &[&Setting]) -> Command {
    let flags: Vec<(clap::Id, &Setting)> = command
        .get_arguments()
        .filter_map(|arg| {
            let long = arg.get_long()?;
            let setting = settings
                .iter()
                .find(|setting| setting.key == long && !is_builtin(long))?;
            Some((arg.get_id().clone(), *setting))
        })
        .collect();
    for (id, setting) in flags {
        command = command.mut_arg(id, |arg| arg.default_values(setting.values.clone()));
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_string())
        .collect();
    for name in names {
        command = command.mut_subcommand(name, |sub| with_defaults(sub, settings));
    }
    command
}

/// Line `offset` falls on in `text`, from 1.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&byte| byte == b'\n')
        .count()
        + 1
}

fn bad_setting(path: &Path, line: usize, message: String) -> anyhow::Error {
    with_status(
        ExitStatus::BadInput,
        anyhow::anyhow!("{}:{line}: {message}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// A stand-in binary with the shapes of flag btt has.
    #[derive(Debug, Parser)]
    #[command(name = "btt-get")]
    struct Probe {
        #[arg(long)]
        listen: Option<std::net::SocketAddr>,
        #[arg(long)]
        no_dht: bool,
        #[arg(long)]
        peer: Vec<String>,
        #[arg(long, env = "PROBE_LIMIT")]
        limit: Option<u32>,
    }

    fn parsed(text: &str) -> anyhow::Result<ConfigFile> {
        ConfigFile::parse(Path::new("/c/config.toml"), text)
    }

    fn checked(text: &str) -> anyhow::Result<ConfigFile> {
        use clap::CommandFactory;
        let file = parsed(text)?;
        file.check(&[Probe::command()])?;
        Ok(file)
    }

    fn run(file: &ConfigFile, argv: &[&str]) -> Probe {
        use clap::{CommandFactory, FromArgMatches};
        let matches = file.apply(Probe::command()).get_matches_from(argv);
        Probe::from_arg_matches(&matches).unwrap()
    }

    #[test]
    fn settings_become_defaults_that_a_flag_overrides() {
        let file =
            checked("listen = \"127.0.0.1:7000\"\nno-dht = true\npeer = [\"a:1\", \"b:2\"]\n")
                .unwrap();
        let probe = run(&file, &["btt-get"]);
        assert_eq!(probe.listen, Some("127.0.0.1:7000".parse().unwrap()));
        assert!(probe.no_dht);
        assert_eq!(probe.peer, ["a:1", "b:2"]);
        let probe = run(
            &file,
            &["btt-get", "--listen", "127.0.0.1:9", "--peer", "c:3"],
        );
        assert_eq!(probe.listen, Some("127.0.0.1:9".parse().unwrap()));
        assert_eq!(probe.peer, ["c:3"]);
    }

    #[test]
    fn a_binarys_table_wins_over_the_top_and_other_tables_are_ignored() {
        let text = "limit = 1\n[btt-get]\nlimit = 2\n[btt-seed]\nlimit = 3\n";
        let file = parsed(text).unwrap();
        let chosen = file.settings_for("btt-get");
        assert_eq!(chosen.len(), 1);
        assert_eq!(
            (chosen[0].values.as_slice(), chosen[0].line),
            (&["2".to_string()][..], 3)
        );
    }

    #[test]
    fn each_mistake_is_one_line_naming_the_file_and_line() {
        let cases = [
            (
                "listen = \"127.0.0.1:7\"\nlisen = \"x\"\n",
                "/c/config.toml:2: lisen is not a flag of any btt command",
            ),
            (
                "\n\nlisten = \"nowhere\"\n",
                "/c/config.toml:3: listen: invalid value 'nowhere'",
            ),
            (
                "no-dht = \"yes\"\n",
                "/c/config.toml:1: no-dht is a flag without a value: true or false",
            ),
            (
                "limit = 1.5\n",
                "/c/config.toml:1: a fraction must be a string",
            ),
            (
                "[btt-gte]\nlimit = 1\n",
                "/c/config.toml:1: [btt-gte] is not a btt binary",
            ),
            ("limit = \n", "/c/config.toml:1: "),
            (
                "listen = [\"127.0.0.1:1\", \"127.0.0.1:2\"]\n",
                "/c/config.toml:1: listen: ",
            ),
            (
                "help = true\n",
                "/c/config.toml:1: help is not a flag of any btt command",
            ),
        ];
        for (text, expected) in cases {
            let error = checked(text).unwrap_err();
            let message = format!("{error:#}");
            assert!(message.starts_with(expected), "{text:?}: {message}");
            assert!(!message.contains('\n'), "{message}");
            assert_eq!(super::super::exit::classify(&error), ExitStatus::BadInput);
        }
    }

    #[test]
    fn integers_in_any_radix_are_given_in_decimal() {
        let file = checked("limit = 0x10\n").unwrap();
        assert_eq!(run(&file, &["btt-get"]).limit, Some(16));
    }
}
