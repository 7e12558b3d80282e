//! Command-line front ends: clap definitions (one file per binary), the global
//! options every binary shares, and the run loop that turns a result into an
//! exit status and one line of error.

pub mod bid;
pub mod config_file;
pub mod exit;
pub mod generated;
pub mod get;
pub mod interrupt;
pub mod keys;
pub mod ledger_choice;
pub mod magnet_metadata;
pub mod market_run;
pub mod seed;
pub mod stop_policy;
pub mod stream;
pub mod tip;
pub mod torrent_run;
pub mod values;
pub mod wallet;

use crate::amount::{Amount, AmountError, BareNumber, Token};
use crate::output::{Output, Verbosity};
use clap::Args;
use exit::ExitStatus;
use std::process::ExitCode;

/// Options every btt binary takes.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Print NDJSON records on stdout even on a terminal
    #[arg(long, global = true)]
    pub json: bool,
    /// Print nothing on stderr but fatal errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print debugging detail on stderr
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

impl GlobalArgs {
    /// The output settings these flags ask for.
    pub fn output(&self, program: &'static str) -> Output {
        let verbosity = match (self.quiet, self.verbose) {
            (true, _) => Verbosity::Quiet,
            (false, true) => Verbosity::Verbose,
            (false, false) => Verbosity::Normal,
        };
        Output::new(program, self.json, verbosity)
    }
}

/// `--base-units`, on the binaries that move money: whether a bare number
/// given as an amount is base units or an error.
#[derive(Debug, Clone, Copy, Args)]
pub struct AmountArgs {
    /// Read an amount written without a unit (5) as base units (sun, or wei on BTTC); without it, a unit is required (5BTT)
    #[arg(long, global = true)]
    pub base_units: bool,
}

impl AmountArgs {
    /// What a bare number means.
    pub fn bare(&self) -> BareNumber {
        match self.base_units {
            true => BareNumber::BaseUnits,
            false => BareNumber::Refused,
        }
    }

    /// Parses an amount given to `what`, or an error naming it: a usage error
    /// (exit 2) for a number without a unit, else bad input (exit 3).
    pub fn parse(&self, what: &str, text: &str, default: Token) -> anyhow::Result<Amount> {
        Amount::parse_with(text, default, self.bare()).map_err(|error| {
            let (status, hint) = match error {
                AmountError::NoUnit { .. } => (
                    ExitStatus::Usage,
                    ", or pass --base-units if it is base units",
                ),
                _ => (ExitStatus::BadInput, ""),
            };
            exit::with_status(status, anyhow::anyhow!("{what}: {error}{hint}"))
        })
    }
}

/// Runs a binary's body and maps its result to an exit code: errors print one
/// line (and a JSON `error` record on a pipe); a closed stdout exits 0.
pub fn finish(output: &Output, result: anyhow::Result<ExitStatus>) -> ExitCode {
    match result {
        Ok(status) => status.into(),
        Err(error) if exit::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            let status = exit::classify(&error);
            output.error(status.name(), &format!("{error:#}"));
            status.into()
        }
    }
}

/// Parses the command line. A bad one gets the one-line error contract (a
/// `usage` error record on a pipe, exit 2); `--help` and `--version` print as
/// clap prints them.
///
/// The config file's settings are the flags' defaults (see [`config_file`]);
/// a mistake in it is one line naming its file and line, exit 3.
pub fn parse_args<P: clap::Parser>(program: &'static str) -> Result<P, ExitCode> {
    use clap::error::ErrorKind;
    let mut command = configured_command::<P>().map_err(|error| {
        let output = Output::new(program, false, Verbosity::Normal);
        output.error(ExitStatus::BadInput.name(), &format!("{error:#}"));
        ExitCode::from(ExitStatus::BadInput)
    })?;
    let parsed = command
        .try_get_matches_from_mut(std::env::args_os())
        .and_then(|mut matches| P::from_arg_matches_mut(&mut matches))
        .map_err(|error| error.format(&mut command));
    parsed.map_err(|error| {
        if matches!(
            error.kind(),
            ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
        ) {
            let _ = error.print();
            return if error.use_stderr() {
                ExitStatus::Usage.into()
            } else {
                ExitCode::SUCCESS
            };
        }
        let message = usage_message(&error.to_string());
        let output = Output::new(program, false, Verbosity::Normal);
        output.error(ExitStatus::Usage.name(), &message);
        ExitStatus::Usage.into()
    })
}

/// `P`'s command with the config file's settings as defaults, once the whole
/// file is checked against every binary.
fn configured_command<P: clap::CommandFactory>() -> anyhow::Result<clap::Command> {
    let path = config_file::config_path(&crate::config::Dirs::from_env());
    let Some(file) = config_file::ConfigFile::load(&path)? else {
        return Ok(P::command());
    };
    file.check(&generated::all_commands())?;
    Ok(file.apply(P::command()))
}

/// clap's error as one line: its first paragraph (which for a missing
/// argument names the argument on the lines after the first), without the
/// usage and help hints that follow.
fn usage_message(rendered: &str) -> String {
    let paragraph = rendered.lines().take_while(|line| !line.trim().is_empty());
    let words: Vec<&str> = paragraph.map(str::trim).collect();
    let line = words.join(" ");
    line.strip_prefix("error: ").unwrap_or(&line).to_string()
}

/// The EXIT STATUS section every man page carries.
pub fn exit_status_help() -> String {
    let mut text = String::from("Exit status:\n");
    for status in ExitStatus::ALL {
        text.push_str(&format!("  {:>3}  {}\n", status.code(), status.meaning()));
    }
    text
}

/// The multi-threaded tokio runtime every binary runs on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}
