//! The `Record` trait every result implements, and the `type` tag that NDJSON
//! lines carry.

use serde::Serialize;

/// A result that can be printed for a person or as one NDJSON line.
pub trait Record: Serialize {
    /// The value of the `"type"` field in JSON.
    const TYPE: &'static str;

    /// The text for a person on stdout; `None` for records that a person sees
    /// another way (progress goes to the progress bar).
    fn human(&self) -> Option<String>;

    /// The one value of a one-value result (an address, a signature, a
    /// txID), printed bare by a command's `--plain`; `None` prints the
    /// record as usual.
    fn plain(&self) -> Option<String> {
        None
    }
}

/// A record with its `type` field first.
#[derive(Serialize)]
pub(super) struct Tagged<'a, R: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(flatten)]
    record: &'a R,
}

impl<'a, R: Record> Tagged<'a, R> {
    pub(super) fn new(record: &'a R) -> Self {
        Tagged {
            kind: R::TYPE,
            record,
        }
    }
}

/// A record of a step inside a command, under the command's own type.
#[derive(Serialize)]
pub(super) struct Nested<'a, R: Serialize> {
    #[serde(rename = "type")]
    kind: &'static str,
    record: &'a R,
}

impl<'a, R: Serialize> Nested<'a, R> {
    pub(super) fn new(kind: &'static str, record: &'a R) -> Self {
        Nested { kind, record }
    }
}

/// The last record of a failed run on a pipe.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ErrorRecord {
    /// A stable machine-readable name, the same as the exit status name (`bad_input`).
    pub code: String,
    /// The same one-line message as on stderr.
    pub message: String,
}

impl Record for ErrorRecord {
    const TYPE: &'static str = "error";

    fn human(&self) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tagged_record_puts_type_first() {
        let record = ErrorRecord {
            code: "bad_input".into(),
            message: "no".into(),
        };
        let json = serde_json::to_string(&Tagged::new(&record)).unwrap();
        assert_eq!(
            json,
            r#"{"type":"error","code":"bad_input","message":"no"}"#
        );
    }

    #[test]
    fn nested_record_keeps_its_own_type_inside() {
        let record = ErrorRecord {
            code: "unreachable".into(),
            message: "no peer".into(),
        };
        let tagged = Tagged::new(&record);
        let json = serde_json::to_string(&Nested::new("download", &tagged)).unwrap();
        assert_eq!(
            json,
            r#"{"type":"download","record":{"type":"error","code":"unreachable","message":"no peer"}}"#
        );
    }
}
