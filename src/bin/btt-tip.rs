//! `btt-tip`: tips, purchases and crowdfunding. See `btt::cli::tip`.

fn main() -> std::process::ExitCode {
    btt::cli::tip::main()
}
