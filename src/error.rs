//! Errors of the library: every failure names the file it concerns and the pipeline stage it
//! happened in, with a message written for the person who has to act on it.

use std::fmt;
use std::path::{Path, PathBuf};

/// The pipeline stage a failure happened in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Opening or reading the input file.
    Open,
    /// Finding out what the file is (container and codec).
    Probe,
    /// Decoding the audio.
    Decode,
    /// Sample-rate conversion.
    Resample,
    /// Writing the output file.
    Write,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Open => "open",
            Stage::Probe => "probe",
            Stage::Decode => "decode",
            Stage::Resample => "resample",
            Stage::Write => "write",
        })
    }
}

/// What was known about the source when a conversion failed (plain data, for the report: a
/// failed record still says what the file was).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// The container found from the content.
    pub format: Option<String>,
    /// The codec of the audio track.
    pub codec: Option<String>,
    /// The source sample rate in Hz.
    pub sample_rate: Option<u32>,
    /// The source's channel count.
    pub channels: Option<u16>,
    /// The source's duration in seconds, when the file declares it.
    pub duration_s: Option<f64>,
}

/// A failure to convert one file.
#[derive(Debug, thiserror::Error)]
#[error("{}: {stage}: {message}", path.display())]
pub struct Error {
    /// The file concerned.
    pub path: PathBuf,
    /// Where in the pipeline it failed.
    pub stage: Stage,
    /// What went wrong, for a person ("not an audio file", "truncated MP3 at 12.3 s").
    pub message: String,
    /// The underlying error, when there is one.
    #[source]
    pub source: Option<Box<dyn std::error::Error + Send + Sync>>,
    /// What was known about the source when it failed (after probing), if anything.
    pub facts: Option<Box<Facts>>,
}

impl Error {
    /// A new error without an underlying cause.
    pub fn new(path: &Path, stage: Stage, message: impl Into<String>) -> Self {
        Error {
            path: path.to_path_buf(),
            stage,
            message: message.into(),
            source: None,
            facts: None,
        }
    }

    /// A new error wrapping an underlying cause (kept for `source()`, not repeated in the text).
    pub fn with_source(
        path: &Path,
        stage: Stage,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Error {
            path: path.to_path_buf(),
            stage,
            message: message.into(),
            source: Some(Box::new(source)),
            facts: None,
        }
    }

    /// The same error, carrying `facts` unless it carries some already.
    pub fn with_facts(mut self, facts: impl FnOnce() -> Facts) -> Self {
        if self.facts.is_none() {
            self.facts = Some(Box::new(facts()));
        }
        self
    }

    /// The message alone, without path and stage: what a report's `error` field holds.
    pub fn reason(&self) -> &str {
        &self.message
    }

    /// The kind of the underlying I/O error, if the cause was one.
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        self.source.as_ref()?.downcast_ref::<std::io::Error>().map(std::io::Error::kind)
    }

    /// Whether the cause was a full disk (or an exhausted quota): every later write to the same
    /// place would fail too.
    pub fn is_disk_full(&self) -> bool {
        matches!(
            self.io_kind(),
            Some(std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded)
        )
    }
}

/// Result with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// A person-readable text for an I/O error, without the OS's error number.
pub fn io_reason(err: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match err.kind() {
        ErrorKind::NotFound => "file not found".into(),
        ErrorKind::PermissionDenied => "permission denied".into(),
        ErrorKind::IsADirectory => "is a folder, not a file".into(),
        ErrorKind::StorageFull => "disk full".into(),
        ErrorKind::QuotaExceeded => "disk quota exceeded".into(),
        ErrorKind::FileTooLarge => "file too large for this file system or its size limit".into(),
        ErrorKind::ReadOnlyFilesystem => "read-only file system".into(),
        ErrorKind::UnexpectedEof => "file ends unexpectedly (truncated)".into(),
        _ => {
            let text = err.to_string();
            // "Permission denied (os error 13)" -> "permission denied"
            let text = match text.find(" (os error") {
                Some(i) => &text[..i],
                None => &text,
            };
            let mut chars = text.chars();
            match chars.next() {
                Some(c) => c.to_lowercase().chain(chars).collect(),
                None => "I/O error".into(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Error as IoError, ErrorKind};

    #[test]
    fn disk_full_is_recognized_through_the_source() {
        let p = Path::new("x.wav");
        let full =
            Error::with_source(p, Stage::Write, "disk full", IoError::from(ErrorKind::StorageFull));
        assert!(full.is_disk_full());
        let quota =
            Error::with_source(p, Stage::Write, "quota", IoError::from(ErrorKind::QuotaExceeded));
        assert!(quota.is_disk_full());
        let denied = Error::with_source(
            p,
            Stage::Write,
            "denied",
            IoError::from(ErrorKind::PermissionDenied),
        );
        assert!(!denied.is_disk_full());
        assert!(!Error::new(p, Stage::Write, "no source").is_disk_full());
        assert_eq!(io_reason(&IoError::from(ErrorKind::StorageFull)), "disk full");
        assert_eq!(io_reason(&IoError::from(ErrorKind::PermissionDenied)), "permission denied");
    }
}
