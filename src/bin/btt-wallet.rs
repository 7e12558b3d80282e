//! `btt-wallet`: see `btt::cli::wallet`.

use btt::cli::wallet::WalletCli;
use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = WalletCli::parse();
    let output = cli.global.output("btt-wallet");
    let result = btt::cli::wallet::run(cli, &output);
    btt::cli::finish(&output, result)
}
