//! `btt-wallet`: see `btt::cli::wallet`.

use btt::cli::wallet::WalletCli;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match btt::cli::parse_args::<WalletCli>("btt-wallet") {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let output = cli.output();
    let result = btt::cli::wallet::run(cli, &output);
    btt::cli::finish(&output, result)
}
