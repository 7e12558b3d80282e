//! Parsers for the value types flags take: byte sizes (`256KiB`), rates
//! (`2MiB`, per second), durations (`6h`), file selections (`1,3-4`), web
//! seed URLs, socket addresses (`127.0.0.1:6881`, `[::1]:6881`).

use std::net::{Ipv6Addr, SocketAddr};
use std::ops::RangeInclusive;
use std::time::Duration;

/// Parses a byte count: a whole number with an optional binary unit
/// (`K`, `KiB`, `M`, `MiB`, `G`, `GiB`; case-insensitive; `B` optional).
pub fn parse_size(input: &str) -> Result<u64, String> {
    let text = input.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let number: u64 = digits
        .parse()
        .map_err(|_| format!("invalid size {input:?}: expected a number like 256KiB"))?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        other => return Err(format!("invalid size {input:?}: unknown unit {other:?}")),
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("invalid size {input:?}: too large"))
}

/// Checks a web seed URL (`http://` or `https://` with a host) and keeps it as given.
pub fn parse_web_seed(input: &str) -> Result<String, String> {
    crate::swarm::web_seed::WebSeedUrl::parse(input)
        .map(|url| url.as_str().to_owned())
        .map_err(|error| error.to_string())
}

/// Parses `IP:PORT`, with an IPv6 address in brackets (`[::1]:6881`), and
/// says what is missing when the brackets or the port are.
pub fn parse_socket_addr(input: &str) -> Result<SocketAddr, String> {
    let text = input.trim();
    if let Ok(addr) = text.parse() {
        return Ok(addr);
    }
    let bare_ipv6 = text.parse::<Ipv6Addr>().is_ok();
    Err(if bare_ipv6 || text.starts_with('[') {
        format!("invalid address {input:?}: write an IPv6 address in brackets with a port, as [::1]:6881")
    } else {
        format!("invalid address {input:?}: expected IP:PORT, as 127.0.0.1:6881 or [::1]:6881")
    })
}

/// Parses a duration like `90s`, `30m`, `6h`, `1day`.
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    humantime::parse_duration(input.trim())
        .map_err(|error| format!("invalid duration {input:?}: {error}"))
}

/// Parses a positive ratio like `1.5`.
pub fn parse_ratio(input: &str) -> Result<f64, String> {
    match input.trim().parse::<f64>() {
        Ok(ratio) if ratio.is_finite() && ratio >= 0.0 => Ok(ratio),
        _ => Err(format!(
            "invalid ratio {input:?}: expected a number like 1.5"
        )),
    }
}

/// A file selection: 0-based index ranges (one clap value, however many ranges).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSelection(pub Vec<RangeInclusive<usize>>);

/// Parses a 1-based file selection like `1,3-4` into 0-based index ranges.
pub fn parse_selection(input: &str) -> Result<FileSelection, String> {
    let invalid =
        || format!("invalid file selection {input:?}: expected 1-based indices like 1,3-4");
    input
        .split(',')
        .map(|part| {
            let (first, last) = part
                .trim()
                .split_once('-')
                .unwrap_or((part.trim(), part.trim()));
            let first: usize = first.trim().parse().map_err(|_| invalid())?;
            let last: usize = last.trim().parse().map_err(|_| invalid())?;
            if first == 0 || last < first {
                return Err(invalid());
            }
            Ok(first - 1..=last - 1)
        })
        .collect::<Result<Vec<_>, String>>()
        .map(FileSelection)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_binary_units() {
        assert_eq!(parse_size("16384"), Ok(16384));
        assert_eq!(parse_size("256KiB"), Ok(256 << 10));
        assert_eq!(parse_size("2m"), Ok(2 << 20));
        assert!(parse_size("1.5MiB").is_err());
        assert!(parse_size("5XB").is_err());
        assert!(parse_size("99999999999999999999G").is_err());
    }

    #[test]
    fn selections_are_one_based_ranges() {
        assert_eq!(
            parse_selection("1,3-4"),
            Ok(FileSelection(vec![0..=0, 2..=3]))
        );
        assert!(parse_selection("0").is_err());
        assert!(parse_selection("4-3").is_err());
        assert!(parse_selection("a").is_err());
    }

    #[test]
    fn socket_addresses_take_both_families_and_explain_missing_brackets() {
        assert_eq!(
            parse_socket_addr("[::1]:80"),
            Ok("[::1]:80".parse().unwrap())
        );
        assert_eq!(
            parse_socket_addr("127.0.0.1:80"),
            Ok("127.0.0.1:80".parse().unwrap())
        );
        for bad in ["[::1", "::1:80", "[::1]", "[::1]:port"] {
            let error = parse_socket_addr(bad).unwrap_err();
            assert!(error.contains("in brackets"), "{bad}: {error}");
        }
        let error = parse_socket_addr("localhost:80").unwrap_err();
        assert!(error.contains("expected IP:PORT"), "{error}");
    }

    #[test]
    fn durations_and_ratios() {
        assert_eq!(parse_duration("6h"), Ok(Duration::from_secs(6 * 3600)));
        assert!(parse_duration("soon").is_err());
        assert_eq!(parse_ratio("1.5"), Ok(1.5));
        assert!(parse_ratio("-1").is_err());
        assert!(parse_ratio("NaN").is_err());
    }
}
