//! `btt-get`: download a torrent. See `btt::cli::get`.

fn main() -> std::process::ExitCode {
    btt::cli::get::main()
}
