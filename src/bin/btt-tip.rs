//! `btt-tip`: see `btt::cli::tip`.

use btt::cli::tip::TipCli;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match btt::cli::parse_args::<TipCli>("btt-tip") {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let output = cli.global.output("btt-tip");
    let result = btt::cli::tip::run(cli, &output);
    btt::cli::finish(&output, result)
}
