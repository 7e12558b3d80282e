//! `btt-seed`: create and seed torrents. See `btt::cli::seed`.

fn main() -> std::process::ExitCode {
    btt::cli::seed::main()
}
