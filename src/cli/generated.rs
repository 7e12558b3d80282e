//! Man pages and shell completions rendered from the clap definitions. The
//! checked-in copies under `man/` and `completions/` are compared with these
//! by a test; `BTT_UPDATE_GENERATED=1` rewrites them.

use clap::Command;
use clap_complete::Shell;
use std::path::PathBuf;

/// The clap definition of every binary, named as installed.
pub fn all_commands() -> Vec<Command> {
    use clap::CommandFactory;
    vec![
        super::bid::command(),
        super::get::command(),
        super::seed::command(),
        super::tip::TipCli::command(),
        super::wallet::WalletCli::command(),
    ]
}

/// Every generated file: its path relative to the repository root and its bytes.
pub fn render_all() -> std::io::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut files = Vec::new();
    for command in all_commands() {
        render_man_pages(&command, &mut files)?;
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
            let mut command = command.clone();
            let name = command.get_name().to_string();
            let mut bytes = Vec::new();
            clap_complete::generate(shell, &mut command, &name, &mut bytes);
            let file = match shell {
                Shell::Bash => format!("{name}.bash"),
                Shell::Zsh => format!("_{name}"),
                _ => format!("{name}.fish"),
            };
            files.push((PathBuf::from("completions").join(file), bytes));
        }
    }
    Ok(files)
}

/// One page for the binary and one for each subcommand (`btt-seed-create.1`).
fn render_man_pages(command: &Command, files: &mut Vec<(PathBuf, Vec<u8>)>) -> std::io::Result<()> {
    let mut command = command.clone();
    command.build();
    let mut stack = vec![(command.get_name().to_string(), command)];
    while let Some((page_name, command)) = stack.pop() {
        let mut bytes = Vec::new();
        clap_mangen::Man::new(command.clone())
            .title(page_name.clone())
            .render(&mut bytes)?;
        files.push((PathBuf::from("man").join(format!("{page_name}.1")), bytes));
        for sub in command
            .get_subcommands()
            .filter(|sub| sub.get_name() != "help")
        {
            stack.push((format!("{page_name}-{}", sub.get_name()), sub.clone()));
        }
    }
    Ok(())
}
