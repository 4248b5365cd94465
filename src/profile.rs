//! Profiles: the targets a prompt must meet, as data. The same table drives `convert` (what to
//! produce) and `check` (what to require).
//!
//! A profile is one entry of [`PROFILES`]: every constraint is a field, and [`Sources`] says
//! where each one comes from. Adding a platform is adding an entry (start from
//! `..CHANNELTALK` and change what differs); [`Profile::constraints`] lists them for people.

use crate::check::{Code, Severity};

/// What a phone platform accepts.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Profile {
    /// The name used on the command line (`--profile NAME`).
    pub name: &'static str,
    /// The platform, for people.
    pub platform: &'static str,
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// Number of channels.
    pub channels: u16,
    /// Bits per sample.
    pub bits_per_sample: u16,
    /// Output file extension, without the dot.
    pub extension: &'static str,
    /// Where the requirements come from.
    pub source: &'static str,
    /// How the samples are coded (the WAV format tag).
    pub codec: Codec,
    /// Whether WAVE_FORMAT_EXTENSIBLE (tag 0xFFFE) is accepted in place of the plain tag.
    pub allow_extensible: bool,
    /// Whether file names must be ASCII-safe: only `[A-Za-z0-9._-]`, no leading `.` or `-`, no
    /// Windows device name.
    pub ascii_names: bool,
    /// The longest file name accepted, in bytes, extension included.
    pub max_name_bytes: usize,
    /// The shortest duration accepted, in seconds.
    pub min_duration_s: Option<f64>,
    /// The longest duration accepted, in seconds.
    pub max_duration_s: Option<f64>,
    /// The largest file accepted, in bytes.
    pub max_file_bytes: Option<u64>,
    /// Thresholds of the content checks (silence, clipping, DC offset).
    pub content: ContentRules,
    /// Problem codes whose severity differs from their default here (for example a platform
    /// that rejects silent files makes `silent` an error).
    pub severities: &'static [(Code, Severity)],
    /// Where each constraint comes from.
    pub sources: Sources,
}

/// How samples are coded in the WAV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Codec {
    /// Linear PCM, integer samples (format tag 1).
    Pcm,
    /// G.711 µ-law (format tag 7).
    Mulaw,
    /// G.711 A-law (format tag 6).
    Alaw,
}

impl Codec {
    /// The WAV format tag.
    pub fn format_tag(self) -> u16 {
        match self {
            Codec::Pcm => 1,
            Codec::Mulaw => 7,
            Codec::Alaw => 6,
        }
    }

    /// A name for people.
    pub fn describe(self) -> &'static str {
        match self {
            Codec::Pcm => "PCM",
            Codec::Mulaw => "G.711 u-law",
            Codec::Alaw => "G.711 A-law",
        }
    }
}

/// Thresholds of the content checks. Each finding is a warning unless the profile's
/// `severities` say otherwise.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ContentRules {
    /// A sample whose magnitude stays below this level (dBFS) is silence.
    pub silence_dbfs: f64,
    /// Silence at the start longer than this (seconds) is `leading-silence`.
    pub max_leading_silence_s: f64,
    /// Silence at the end longer than this (seconds) is `trailing-silence`.
    pub max_trailing_silence_s: f64,
    /// A channel mean beyond this fraction of full scale is `dc-offset`.
    pub max_dc_offset: f64,
    /// This many consecutive full-scale samples in a channel make a clipped run (`clipping`).
    pub clip_run: u32,
}

/// promptwav's own content thresholds for spoken prompts.
pub const DEFAULT_CONTENT: ContentRules = ContentRules {
    silence_dbfs: -50.0,
    max_leading_silence_s: 1.0,
    max_trailing_silence_s: 1.0,
    max_dc_offset: 0.01,
    clip_run: 3,
};

/// Where each constraint of a profile comes from.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Sources {
    /// Container, codec, format tag, bit depth.
    pub format: &'static str,
    /// Sample rate and channels.
    pub rate_channels: &'static str,
    /// File name rules.
    pub name: &'static str,
    /// Duration and file size limits.
    pub limits: &'static str,
    /// Content thresholds.
    pub content: &'static str,
}

/// Channel Talk: WAV, mono, 48000 Hz; Korean file names fail to upload.
pub const CHANNELTALK: Profile = Profile {
    name: "channeltalk",
    platform: "Channel Talk",
    sample_rate: 48_000,
    channels: 1,
    bits_per_sample: 16,
    extension: "wav",
    source: "Channel Talk help center, custom guidance voice: WAV, mono, 48000 Hz; uploads with Korean file names fail",
    codec: Codec::Pcm,
    allow_extensible: false,
    ascii_names: true,
    max_name_bytes: crate::names::MAX_NAME_BYTES,
    min_duration_s: None,
    max_duration_s: None,
    max_file_bytes: None,
    content: DEFAULT_CONTENT,
    severities: &[],
    sources: Sources {
        format: "Channel Talk help center: WAV; plain 16-bit PCM (format tag 1, 44-byte header) \
                 because strict WAV parsers (Asterisk, Python's wave, embedded players) reject \
                 WAVE_FORMAT_EXTENSIBLE and extra chunks (promptwav issue 3)",
        rate_channels: "Channel Talk help center, custom guidance voice: mono, 48000 Hz",
        name: "Channel Talk: uploads with Korean file names fail; ASCII-safe names \
               [A-Za-z0-9._-] ending .wav, 255 bytes at most (file systems' limit)",
        limits: "none documented by Channel Talk",
        content: "promptwav's defaults for spoken prompts (warnings only)",
    },
};

/// Every profile, the default first.
pub const PROFILES: &[Profile] = &[CHANNELTALK];

impl Default for Profile {
    fn default() -> Self {
        CHANNELTALK
    }
}

impl Profile {
    /// The constraints of this profile for people, each with its source: (what, value, source).
    pub fn constraints(&self) -> Vec<(&'static str, String, &'static str)> {
        let src = &self.sources;
        let opt = |v: Option<f64>, unit: &str| match v {
            Some(v) => format!("{v} {unit}"),
            None => "no limit".to_string(),
        };
        let mut format = format!(
            "RIFF/WAVE, {} (format tag {}), {}-bit",
            self.codec.describe(),
            self.codec.format_tag(),
            self.bits_per_sample
        );
        if !self.allow_extensible {
            format.push_str(", not WAVE_FORMAT_EXTENSIBLE");
        }
        let name = if self.ascii_names {
            format!(
                "[A-Za-z0-9._-], ends .{}, at most {} bytes",
                self.extension, self.max_name_bytes
            )
        } else {
            format!("ends .{}, at most {} bytes", self.extension, self.max_name_bytes)
        };
        let c = &self.content;
        vec![
            ("format", format, src.format),
            (
                "rate/channels",
                format!("{} Hz, {} channel(s)", self.sample_rate, self.channels),
                src.rate_channels,
            ),
            ("name", name, src.name),
            (
                "duration",
                match (self.min_duration_s, self.max_duration_s) {
                    (None, None) => "no limit".to_string(),
                    (min, max) => format!("min {}, max {}", opt(min, "s"), opt(max, "s")),
                },
                src.limits,
            ),
            ("file size", opt(self.max_file_bytes.map(|b| b as f64), "bytes"), src.limits),
            (
                "content",
                format!(
                    "silence below {} dBFS; leading/trailing silence over {}/{} s; DC offset over {}; \
                     {} full-scale samples in a row is clipping",
                    c.silence_dbfs,
                    c.max_leading_silence_s,
                    c.max_trailing_silence_s,
                    c.max_dc_offset,
                    c.clip_run
                ),
                src.content,
            ),
        ]
    }

    /// The profile called `name`, if there is one.
    pub fn by_name(name: &str) -> Option<&'static Profile> {
        PROFILES.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }
}
