//! Where a keystore password comes from: a file (`--password-file` or
//! `BTT_PASSWORD_FILE`), a cleartext flag named `--unsafe-password`, or a
//! prompt on the controlling terminal.
//!
//! Invariants: the prompt is only shown when stdin is a terminal, so a cron
//! job or a pipe gets an error instead of hanging; passwords are held in
//! `Zeroizing` strings; a file's single trailing newline is not part of the
//! password (editors add one).

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use thiserror::Error;
use zeroize::Zeroizing;

/// Why no password could be had.
#[derive(Debug, Error)]
pub enum PasswordError {
    /// The password file could not be read.
    #[error("cannot read password file {path}: {source}", path = path.display())]
    File { path: PathBuf, source: io::Error },
    /// No file was named and there is no terminal to ask on.
    #[error("a password is needed: pass --password-file FILE or set BTT_PASSWORD_FILE (no terminal to prompt on)")]
    NoTerminal,
    /// The terminal prompt failed.
    #[error("cannot read the password from the terminal: {source}")]
    Prompt { source: io::Error },
    /// The two entries of a new password differ.
    #[error("the passwords do not match")]
    Mismatch,
    /// A new keystore needs a non-empty password.
    #[error("the password is empty")]
    Empty,
}

/// Where to get the password.
#[derive(Debug)]
pub enum PasswordSource {
    /// The first line of a file.
    File(PathBuf),
    /// Given on the command line (`--unsafe-password`).
    Literal(Zeroizing<String>),
    /// Ask on the terminal.
    Prompt,
}

impl PasswordSource {
    /// A literal wins over a file (it can only have been typed for this
    /// command, while a file may come from the environment); with neither, prompt.
    pub fn choose(file: Option<PathBuf>, literal: Option<String>) -> PasswordSource {
        match (file, literal) {
            (_, Some(text)) => PasswordSource::Literal(Zeroizing::new(text)),
            (Some(path), None) => PasswordSource::File(path),
            (None, None) => PasswordSource::Prompt,
        }
    }

    /// The password that unlocks an existing keystore.
    pub fn read(&self, prompt: &str) -> Result<Zeroizing<String>, PasswordError> {
        match self {
            PasswordSource::File(path) => read_file(path),
            PasswordSource::Literal(text) => Ok(text.clone()),
            PasswordSource::Prompt => ask(prompt),
        }
    }

    /// A password for a new keystore: non-empty, and typed twice when prompted.
    pub fn read_new(&self, prompt: &str) -> Result<Zeroizing<String>, PasswordError> {
        let password = self.read(prompt)?;
        if password.is_empty() {
            return Err(PasswordError::Empty);
        }
        if matches!(self, PasswordSource::Prompt) && *ask("Repeat the password: ")? != *password {
            return Err(PasswordError::Mismatch);
        }
        Ok(password)
    }
}

fn read_file(path: &PathBuf) -> Result<Zeroizing<String>, PasswordError> {
    let text =
        Zeroizing::new(
            std::fs::read_to_string(path).map_err(|source| PasswordError::File {
                path: path.clone(),
                source,
            })?,
        );
    let line = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(&text);
    Ok(Zeroizing::new(line.to_string()))
}

fn ask(prompt: &str) -> Result<Zeroizing<String>, PasswordError> {
    if !io::stdin().is_terminal() {
        return Err(PasswordError::NoTerminal);
    }
    rpassword::prompt_password(prompt)
        .map(Zeroizing::new)
        .map_err(|source| PasswordError::Prompt { source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_passwords_lose_one_trailing_newline() {
        let temp = tempfile::tempdir().unwrap();
        let cases = [
            ("a\n", "a"),
            ("a\r\n", "a"),
            ("a", "a"),
            ("a\n\n", "a\n"),
            (" a b \n", " a b "),
        ];
        for (content, expected) in cases {
            let path = temp.path().join("pw");
            std::fs::write(&path, content).unwrap();
            let source = PasswordSource::choose(Some(path), None);
            assert_eq!(*source.read("").unwrap(), expected, "{content:?}");
        }
    }

    #[test]
    fn a_missing_file_is_named() {
        let source = PasswordSource::choose(Some("/nonexistent/pw".into()), None);
        let error = source.read("").unwrap_err().to_string();
        assert!(error.contains("/nonexistent/pw"), "{error}");
        let literal = PasswordSource::choose(Some("/nonexistent/pw".into()), Some("x".into()));
        assert_eq!(*literal.read("").unwrap(), "x");
    }

    #[test]
    fn new_passwords_must_not_be_empty() {
        let source = PasswordSource::choose(None, Some(String::new()));
        assert!(matches!(source.read_new(""), Err(PasswordError::Empty)));
        let source = PasswordSource::choose(None, Some("x".into()));
        assert_eq!(*source.read_new("").unwrap(), "x");
    }
}
