//! Errors of the library: every failure names the file it concerns, the pipeline stage it
//! happened in and its [`ErrorKind`] (what callers match on: never the message), with a message
//! written for the person who has to act on it.

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
    /// Checking the options asked for (the profile's format, the finishing values), before
    /// anything is read.
    Options,
    /// Judging the output against the profile's limits (duration, file size) and the WAV
    /// format's (4 GiB), before or while writing.
    Limits,
    /// Stopped on request (the cancel flag was set), between two chunks.
    Cancel,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Open => "open",
            Stage::Probe => "probe",
            Stage::Decode => "decode",
            Stage::Resample => "resample",
            Stage::Write => "write",
            Stage::Options => "options",
            Stage::Limits => "limits",
            Stage::Cancel => "cancel",
        })
    }
}

/// What kind of failure an [`Error`] is: what a caller decides on (skip, retry, tell the user
/// to fix the file or the options). New kinds may come: match with a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input does not exist.
    NotFound,
    /// The input or the output folder cannot be read or written for lack of permission.
    PermissionDenied,
    /// The input is not audio (a document, an image, an empty file, a folder...).
    NotAudio,
    /// The input is audio in a codec or form promptwav does not decode.
    UnsupportedCodec,
    /// The input is audio, but damaged or cut off so that it cannot be decoded.
    Damaged,
    /// The output would break the profile's limits (duration, file size) or the WAV format's.
    TooLong,
    /// The output exists already and overwriting was not asked for.
    OutputExists,
    /// The output would be one of the run's input files.
    IsAnInput,
    /// A link inside the output folder lies on the output's path (never written through).
    LinkInOutput,
    /// Stopped on request (the cancel flag).
    Interrupted,
    /// The disk (or a quota) is full: every later write to the same place would fail too.
    DiskFull,
    /// The options asked for are invalid (a value out of range, a profile format that cannot
    /// be written).
    InvalidOptions,
    /// Another I/O failure.
    Io,
    /// A bug in promptwav or a codec; please report the file.
    Internal,
}

impl ErrorKind {
    /// Every kind, in declaration order (for catalogues and their tests).
    pub const ALL: &'static [ErrorKind] = &[
        ErrorKind::NotFound,
        ErrorKind::PermissionDenied,
        ErrorKind::NotAudio,
        ErrorKind::UnsupportedCodec,
        ErrorKind::Damaged,
        ErrorKind::TooLong,
        ErrorKind::OutputExists,
        ErrorKind::IsAnInput,
        ErrorKind::LinkInOutput,
        ErrorKind::Interrupted,
        ErrorKind::DiskFull,
        ErrorKind::InvalidOptions,
        ErrorKind::Io,
        ErrorKind::Internal,
    ];

    /// A stable snake_case code for machines (the `error_kind` of a record): never changes
    /// once released.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::NotFound => "not_found",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::NotAudio => "not_audio",
            ErrorKind::UnsupportedCodec => "unsupported_codec",
            ErrorKind::Damaged => "damaged",
            ErrorKind::TooLong => "too_long",
            ErrorKind::OutputExists => "output_exists",
            ErrorKind::IsAnInput => "is_an_input",
            ErrorKind::LinkInOutput => "link_in_output",
            ErrorKind::Interrupted => "interrupted",
            ErrorKind::DiskFull => "disk_full",
            ErrorKind::InvalidOptions => "invalid_options",
            ErrorKind::Io => "io",
            ErrorKind::Internal => "internal",
        }
    }

    /// The kind of an I/O error: not found, permission, disk full, else I/O.
    pub fn of_io(kind: std::io::ErrorKind) -> ErrorKind {
        use std::io::ErrorKind as K;
        match kind {
            K::NotFound => ErrorKind::NotFound,
            K::PermissionDenied => ErrorKind::PermissionDenied,
            K::StorageFull | K::QuotaExceeded => ErrorKind::DiskFull,
            _ => ErrorKind::Io,
        }
    }

    /// The usual kind of a failure at `stage` without a more precise one.
    pub fn default_for(stage: Stage) -> ErrorKind {
        match stage {
            Stage::Open | Stage::Write => ErrorKind::Io,
            Stage::Probe => ErrorKind::NotAudio,
            Stage::Decode | Stage::Resample => ErrorKind::Damaged,
            Stage::Options => ErrorKind::InvalidOptions,
            Stage::Limits => ErrorKind::TooLong,
            Stage::Cancel => ErrorKind::Interrupted,
        }
    }
}

impl serde::Serialize for ErrorKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
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
    path: PathBuf,
    stage: Stage,
    kind: ErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
    facts: Option<Box<Facts>>,
}

impl Error {
    /// A new error without an underlying cause, of the usual kind for `stage` (see
    /// [`Error::of_kind`] to say another).
    pub fn new(path: &Path, stage: Stage, message: impl Into<String>) -> Self {
        Error {
            path: path.to_path_buf(),
            stage,
            kind: ErrorKind::default_for(stage),
            message: message.into(),
            source: None,
            facts: None,
        }
    }

    /// A new error wrapping an underlying cause (kept for `source()`, not repeated in the text).
    /// An I/O cause gives its kind (not found, disk full...).
    pub fn with_source(
        path: &Path,
        stage: Stage,
        message: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        let source: Box<dyn std::error::Error + Send + Sync> = Box::new(source);
        let kind = match source.downcast_ref::<std::io::Error>() {
            Some(io) => ErrorKind::of_io(io.kind()),
            None => ErrorKind::default_for(stage),
        };
        Error {
            path: path.to_path_buf(),
            stage,
            kind,
            message: message.into(),
            source: Some(source),
            facts: None,
        }
    }

    /// The same error, of `kind`.
    pub fn of_kind(mut self, kind: ErrorKind) -> Self {
        self.kind = kind;
        self
    }

    /// The same error, concerning `path` instead (a file stored under another name, such as
    /// an upload in a temporary folder, is named as the caller knows it).
    pub(crate) fn at(mut self, path: &Path) -> Self {
        self.path = path.to_path_buf();
        self
    }

    /// What kind of failure it is: what to match on.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The file concerned.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Where in the pipeline it failed.
    pub fn stage(&self) -> Stage {
        self.stage
    }

    /// What was known about the source when it failed (after probing), if anything.
    pub fn facts(&self) -> Option<&Facts> {
        self.facts.as_deref()
    }

    /// The same error, carrying `facts` unless it carries some already.
    pub fn with_facts(mut self, facts: impl FnOnce() -> Facts) -> Self {
        if self.facts.is_none() {
            self.facts = Some(Box::new(facts()));
        }
        self
    }

    /// The message alone, without path and stage, for a person ("not an audio file", "truncated
    /// MP3 at 12.3 s"): what a report's `error` field holds. Never decide on it: see
    /// [`Error::kind`].
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
        self.kind == ErrorKind::DiskFull
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
    use std::io::{Error as IoError, ErrorKind as ErrorKind2};

    #[test]
    fn disk_full_is_recognized_through_the_source() {
        let p = Path::new("x.wav");
        let full = Error::with_source(
            p,
            Stage::Write,
            "disk full",
            IoError::from(ErrorKind2::StorageFull),
        );
        assert!(full.is_disk_full());
        let quota =
            Error::with_source(p, Stage::Write, "quota", IoError::from(ErrorKind2::QuotaExceeded));
        assert!(quota.is_disk_full());
        let denied = Error::with_source(
            p,
            Stage::Write,
            "denied",
            IoError::from(ErrorKind2::PermissionDenied),
        );
        assert!(!denied.is_disk_full());
        assert!(!Error::new(p, Stage::Write, "no source").is_disk_full());
        assert_eq!(full.kind(), ErrorKind::DiskFull);
        assert_eq!(denied.kind(), ErrorKind::PermissionDenied);
        let missing = Error::with_source(p, Stage::Open, "x", IoError::from(ErrorKind2::NotFound));
        assert_eq!(missing.kind(), ErrorKind::NotFound);
        assert_eq!(Error::new(p, Stage::Probe, "a text file").kind(), ErrorKind::NotAudio);
        assert_eq!(Error::new(p, Stage::Cancel, "interrupted").kind(), ErrorKind::Interrupted);
        let exists = Error::new(p, Stage::Write, "exists").of_kind(ErrorKind::OutputExists);
        assert_eq!((exists.kind(), exists.stage()), (ErrorKind::OutputExists, Stage::Write));
        assert_eq!(io_reason(&IoError::from(ErrorKind2::StorageFull)), "disk full");
        assert_eq!(io_reason(&IoError::from(ErrorKind2::PermissionDenied)), "permission denied");
    }

    #[test]
    fn every_kind_has_a_distinct_snake_case_code() {
        // The match below fails to compile when a kind is added: add it to ALL too.
        for &k in ErrorKind::ALL {
            match k {
                ErrorKind::NotFound
                | ErrorKind::PermissionDenied
                | ErrorKind::NotAudio
                | ErrorKind::UnsupportedCodec
                | ErrorKind::Damaged
                | ErrorKind::TooLong
                | ErrorKind::OutputExists
                | ErrorKind::IsAnInput
                | ErrorKind::LinkInOutput
                | ErrorKind::Interrupted
                | ErrorKind::DiskFull
                | ErrorKind::InvalidOptions
                | ErrorKind::Io
                | ErrorKind::Internal => {}
            }
        }
        let codes: std::collections::HashSet<&str> =
            ErrorKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes.len(), ErrorKind::ALL.len());
        assert!(codes.iter().all(|c| c.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')));
        assert_eq!(serde_json::to_string(&ErrorKind::NotAudio).unwrap(), "\"not_audio\"");
    }
}
