//! Web seeds (BEP 19): the root key `url-list`, one URL string or a list of
//! them. Web seeds are an extra source beside peers, so a malformed
//! `url-list` never refuses a torrent: entries that are not UTF-8 strings,
//! empty strings and repeats are left out, and order is kept.

use super::fields::Fields;
use crate::bencode::{Bencode, Value};

/// The web seed URLs of a root dictionary.
pub(super) fn parse_web_seeds(root: &Fields<'_>) -> Vec<String> {
    let Some(value) = root.optional("url-list") else {
        return Vec::new();
    };
    let mut urls: Vec<String> = Vec::new();
    let candidates: Vec<Value<'_>> = match value.as_list() {
        Some(list) => list.iter().collect(),
        None => vec![value],
    };
    for candidate in candidates {
        let Some(url) = candidate
            .as_bytes()
            .and_then(|b| std::str::from_utf8(b).ok())
        else {
            continue;
        };
        if !url.is_empty() && !urls.iter().any(|known| known == url) {
            urls.push(url.to_owned());
        }
    }
    urls
}

/// The `url-list` entry to write for `urls`: a single string for one URL
/// (as most tools write it), a list for more, nothing for none.
pub(super) fn web_seed_entry(urls: &[String]) -> Option<(&'static str, Bencode)> {
    match urls {
        [] => None,
        [url] => Some(("url-list", Bencode::text(url))),
        _ => Some((
            "url-list",
            Bencode::List(urls.iter().map(|url| Bencode::text(url)).collect()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bencode::decode;

    fn parsed(root: &[u8]) -> Vec<String> {
        let fields = Fields::new(decode(root).unwrap(), String::new()).unwrap();
        parse_web_seeds(&fields)
    }

    #[test]
    fn reads_a_string_or_a_list_and_skips_what_is_not_a_url_string() {
        assert_eq!(parsed(b"d8:url-list9:http://a/e"), ["http://a/"]);
        assert_eq!(
            parsed(b"d8:url-listl9:http://a/0:i3e9:http://a/9:http://b/ee"),
            ["http://a/", "http://b/"]
        );
        assert!(parsed(b"d8:url-listi1ee").is_empty());
        assert!(parsed(b"d8:url-list0:e").is_empty());
        assert!(parsed(b"de").is_empty());
    }

    #[test]
    fn writes_one_url_as_a_string_and_more_as_a_list() {
        assert!(web_seed_entry(&[]).is_none());
        let one = web_seed_entry(&["http://a/".to_owned()]).unwrap();
        assert_eq!(one.1.encode(), b"9:http://a/");
        let two = web_seed_entry(&["http://a/".to_owned(), "http://b/".to_owned()]).unwrap();
        assert_eq!(two.1.encode(), b"l9:http://a/9:http://b/e");
    }
}
