//! `btt-wallet`: keys, balances, transfers and the ledger node. See `btt::cli::wallet`.

fn main() -> std::process::ExitCode {
    btt::cli::wallet::main()
}
