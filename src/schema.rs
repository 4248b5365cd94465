//! The report schema: one vocabulary for every JSON report promptwav prints or serves.
//!
//! Guarantees:
//! - Every report object carries `"schema": 1` ([`VERSION`]) as its first field: `convert
//!   --json`'s records ([`crate::Record`]), `check --json`'s reports ([`crate::Report`]), the
//!   entries of a JSON names map and the lines of `name --json` ([`NamePair`]), and the server's
//!   answers that carry them.
//! - The same fact has the same name everywhere, its unit in the name (`sample_rate_hz`,
//!   `duration_s`, `loudness_lufs`, `true_peak_dbtp`, `size_bytes`...). A fact about the input
//!   is unprefixed; the same fact about the file convert wrote is prefixed `output_` (so
//!   convert's `output_sample_rate_hz` is what `check` reports as `sample_rate_hz` of that
//!   file).
//! - Within a version fields are only added; renaming or removing one makes a new version. The
//!   README's "Report schema" section lists every field (a test holds the reports to it).

/// The version of the report schema this build writes.
pub const VERSION: u32 = 1;

/// The `schema` field of a report: always serialized as [`VERSION`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Schema;

impl serde::Serialize for Schema {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u32(VERSION)
    }
}

/// One input and the name `convert` gives it: an entry of the JSON names map
/// (`convert --names-map FILE.json`), a line of `name --json`, the answer of the server's
/// `/api/name`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NamePair<'a> {
    /// The schema version.
    pub schema: Schema,
    /// The input path or name, exactly as given or found.
    pub input: &'a str,
    /// The input name's Unicode normalization form when it is not NFC (see
    /// [`crate::names::form_of`]); left out when it is NFC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_form: Option<&'static str>,
    /// The output path or name.
    pub output: &'a str,
}

impl<'a> NamePair<'a> {
    /// The pair `input` ► `output`, with the input's normalization form when it is not NFC.
    pub fn new(input: &'a str, output: &'a str) -> NamePair<'a> {
        NamePair { schema: Schema, input, input_form: crate::names::form_of(input), output }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_field_is_the_version() {
        assert_eq!(serde_json::to_string(&Schema).ok().as_deref(), Some("1"));
    }

    #[test]
    fn a_name_pair_starts_with_the_schema_and_marks_non_nfc_inputs() {
        let nfc = serde_json::to_string(&NamePair::new("안내.mp3", "annae.wav")).ok();
        assert_eq!(nfc.as_deref(), Some(r#"{"schema":1,"input":"안내.mp3","output":"annae.wav"}"#));
        let nfd: String = unicode_normalization::UnicodeNormalization::nfd("안내.mp3").collect();
        let text = serde_json::to_string(&NamePair::new(&nfd, "annae.wav")).unwrap_or_default();
        assert!(text.starts_with(r#"{"schema":1,"input":"#), "{text}");
        assert!(text.contains(r#""input_form":"NFD","output":"annae.wav"}"#), "{text}");
    }
}
