//! Validation of the torrent name and of file path components: each must be a
//! plain, non-empty file name, so a torrent can never write outside its
//! download directory (no `..`, no `.`, no separators, no NUL).

use super::error::MetainfoError;

/// `component` if it is a safe single file name, else the reason it is not.
pub(super) fn check_component<'a>(key: &str, component: &'a str) -> Result<&'a str, MetainfoError> {
    match unsafe_reason(component) {
        None => Ok(component),
        Some(reason) => Err(MetainfoError::UnsafePathComponent {
            key: key.to_owned(),
            component: component.to_owned(),
            reason,
        }),
    }
}

pub(super) fn unsafe_reason(component: &str) -> Option<&'static str> {
    if component.is_empty() {
        Some("is empty")
    } else if component == "." || component == ".." {
        Some("refers to a directory")
    } else if component.contains('/') || component.contains('\\') {
        Some("contains a path separator")
    } else if component.contains('\0') {
        Some("contains a NUL byte")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_names() {
        for name in [
            "a",
            "a.txt",
            "...",
            ".hidden",
            "name with spaces",
            "ünïcode",
        ] {
            assert_eq!(check_component("name", name), Ok(name));
        }
    }

    #[test]
    fn refuses_names_that_could_escape() {
        for name in ["", ".", "..", "/etc", "a/b", "a\\b", "C:\\x", "a\0b"] {
            assert!(
                matches!(
                    check_component("info.name", name),
                    Err(MetainfoError::UnsafePathComponent { ref component, .. }) if component == name
                ),
                "{name:?}"
            );
        }
    }
}
