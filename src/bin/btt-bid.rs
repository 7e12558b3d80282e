//! `btt-bid`: quote, plan and control bids. See `btt::cli::bid`.

fn main() -> std::process::ExitCode {
    btt::cli::bid::main()
}
