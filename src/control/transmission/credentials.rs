//! The user name and password of the Transmission RPC, and the check of an
//! HTTP `Authorization: Basic` header against them.
//!
//! Invariant: the password is compared in time that depends only on the
//! lengths, and is never printed (`Debug` hides it).

use data_encoding::BASE64;
use std::path::{Path, PathBuf};

/// The longest `USER:PASSWORD` taken, in bytes.
const MAX_LENGTH: usize = 1024;

/// Why credentials could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    /// The text has no `:` between a user name and a password.
    #[error("{source_name}: expected USER:PASSWORD with a non-empty password")]
    Shape { source_name: String },
    /// The text is longer than [`MAX_LENGTH`].
    #[error("{source_name}: USER:PASSWORD is longer than {MAX_LENGTH} bytes")]
    TooLong { source_name: String },
    /// The file could not be read.
    #[error("could not read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A user name and password.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    user: String,
    password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "Credentials {{ user: {:?}, .. }}", self.user)
    }
}

impl Credentials {
    /// `USER:PASSWORD` (the user may be empty, the password may hold `:`),
    /// read from `source_name` for errors.
    pub fn parse(text: &str, source_name: &str) -> Result<Credentials, CredentialsError> {
        if text.len() > MAX_LENGTH {
            return Err(CredentialsError::TooLong {
                source_name: source_name.to_string(),
            });
        }
        match text.split_once(':') {
            Some((user, password)) if !password.is_empty() => Ok(Credentials {
                user: user.to_string(),
                password: password.to_string(),
            }),
            _ => Err(CredentialsError::Shape {
                source_name: source_name.to_string(),
            }),
        }
    }

    /// The first line of the file at `path`, as `USER:PASSWORD`.
    pub fn from_file(path: &Path) -> Result<Credentials, CredentialsError> {
        let text = std::fs::read_to_string(path).map_err(|source| CredentialsError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let line = text.lines().next().unwrap_or_default();
        Credentials::parse(line, &path.display().to_string())
    }

    /// Whether `header` (an `Authorization` value) names these credentials.
    pub fn admit(&self, header: Option<&[u8]>) -> bool {
        let Some(encoded) = header.and_then(|value| value.strip_prefix(b"Basic ")) else {
            return false;
        };
        let Ok(decoded) = BASE64.decode(encoded.trim_ascii()) else {
            return false;
        };
        let expected = format!("{}:{}", self.user, self.password);
        same_bytes(&decoded, expected.as_bytes())
    }
}

/// Whether `a` and `b` are equal, in time that depends on their lengths only.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let differences = a.iter().zip(b).fold(0u8, |seen, (x, y)| seen | (x ^ y));
    a.len() == b.len() && differences == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(text: &str) -> Vec<u8> {
        format!("Basic {}", BASE64.encode(text.as_bytes())).into_bytes()
    }

    #[test]
    fn the_right_pair_is_admitted_and_no_other() {
        let credentials = Credentials::parse("alice:s3:cret", "test").unwrap();
        assert!(credentials.admit(Some(&basic("alice:s3:cret"))));
        for wrong in ["alice:s3:cre", "alice:s3:crett", "bob:s3:cret", ""] {
            assert!(!credentials.admit(Some(&basic(wrong))), "{wrong}");
        }
        assert!(!credentials.admit(None));
        assert!(!credentials.admit(Some(b"Basic !!!")));
        assert!(!credentials.admit(Some(b"Bearer x")));
    }

    #[test]
    fn a_pair_without_a_password_is_refused() {
        for bad in ["alice", "alice:", ""] {
            assert!(Credentials::parse(bad, "test").is_err(), "{bad}");
        }
        let long = format!("a:{}", "x".repeat(MAX_LENGTH));
        assert!(matches!(
            Credentials::parse(&long, "test"),
            Err(CredentialsError::TooLong { .. })
        ));
    }

    #[test]
    fn debug_hides_the_password() {
        let credentials = Credentials::parse("alice:hunter2", "test").unwrap();
        assert!(!format!("{credentials:?}").contains("hunter2"));
    }
}
