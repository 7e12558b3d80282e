//! [`WebSeedUrl`]: a web seed's base URL and the URL of each file under it
//! (BEP 19). For a multi-file torrent the base is a directory: the torrent
//! name and the file's path are appended, each component percent-encoded.
//! For a single-file torrent the base is the file itself, unless it ends in
//! `/`, when the name is appended.

use crate::metainfo::Info;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use std::fmt;

/// Everything but the unreserved characters of RFC 3986 is escaped in a
/// path component.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A web seed URL that btt can fetch from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSeedUrl(String);

/// Why a URL cannot be a web seed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebSeedUrlError {
    /// Not a URL at all.
    #[error("invalid web seed URL {url:?}: {reason}")]
    Invalid {
        /// The input.
        url: String,
        /// What the URL parser said.
        reason: String,
    },
    /// A scheme other than http and https (BEP 19 also names FTP).
    #[error("web seed URL {url:?} is not http or https")]
    UnsupportedScheme {
        /// The input.
        url: String,
    },
}

impl WebSeedUrl {
    /// Checks that `url` is an absolute http or https URL with a host.
    pub fn parse(url: &str) -> Result<WebSeedUrl, WebSeedUrlError> {
        let parsed = url::Url::parse(url).map_err(|error| WebSeedUrlError::Invalid {
            url: url.to_owned(),
            reason: error.to_string(),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(WebSeedUrlError::UnsupportedScheme {
                url: url.to_owned(),
            });
        }
        if parsed.host_str().is_none_or(str::is_empty) {
            return Err(WebSeedUrlError::Invalid {
                url: url.to_owned(),
                reason: "no host".to_owned(),
            });
        }
        Ok(WebSeedUrl(url.to_owned()))
    }

    /// The URL as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL of file `file` of the torrent described by `info`.
    pub fn file_url(&self, info: &Info, file: usize) -> String {
        let base = &self.0;
        if !info.is_multi_file() {
            return match base.ends_with('/') {
                true => format!("{base}{}", encode(&info.name)),
                false => base.clone(),
            };
        }
        let mut url = base.clone();
        if !url.ends_with('/') {
            url.push('/');
        }
        let components = info.files[file]
            .path
            .components()
            .map(|component| encode(&component.as_os_str().to_string_lossy()))
            .collect::<Vec<_>>();
        url.push_str(&components.join("/"));
        url
    }
}

impl fmt::Display for WebSeedUrl {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

fn encode(component: &str) -> String {
    utf8_percent_encode(component, COMPONENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metainfo::Torrent;

    fn info(files: &str) -> Info {
        let pieces = "20:aaaaaaaaaaaaaaaaaaaa";
        let bytes = format!("d4:info{files}12:piece lengthi16384e6:pieces{pieces}ee");
        Torrent::from_bytes(bytes.as_bytes()).unwrap().info
    }

    #[test]
    fn a_single_file_url_is_the_file_unless_it_names_a_directory() {
        let single = info("d6:lengthi5e4:name7:a b.txt");
        let file = WebSeedUrl::parse("http://h/x/file.bin").unwrap();
        assert_eq!(file.file_url(&single, 0), "http://h/x/file.bin");
        let directory = WebSeedUrl::parse("http://h/x/").unwrap();
        assert_eq!(directory.file_url(&single, 0), "http://h/x/a%20b.txt");
    }

    #[test]
    fn a_multi_file_url_is_a_directory_holding_the_name_and_the_path() {
        let multi = info(
            "d5:filesld6:lengthi5e4:pathl3:sub7:%#?.txteed6:lengthi1e4:pathl1:beee4:name5:al bu",
        );
        let base = WebSeedUrl::parse("http://h:8080/seeds").unwrap();
        assert_eq!(
            base.file_url(&multi, 0),
            "http://h:8080/seeds/al%20bu/sub/%25%23%3F.txt"
        );
        let slash = WebSeedUrl::parse("http://h:8080/seeds/").unwrap();
        assert_eq!(slash.file_url(&multi, 1), "http://h:8080/seeds/al%20bu/b");
    }

    #[test]
    fn refuses_what_is_not_an_http_url() {
        assert!(matches!(
            WebSeedUrl::parse("ftp://h/x"),
            Err(WebSeedUrlError::UnsupportedScheme { .. })
        ));
        assert!(matches!(
            WebSeedUrl::parse("h/x"),
            Err(WebSeedUrlError::Invalid { .. })
        ));
        assert!(WebSeedUrl::parse("https://h/x").is_ok());
    }
}
