//! Profiles: the targets a prompt must meet, as data. The same table drives `convert` (what to
//! produce) and `check` (what to require).
//!
//! A profile is one entry of [`PROFILES`]: every constraint is a field, and [`Sources`] says
//! where each one comes from. Adding a platform is adding an entry (start from
//! `..CHANNELTALK` and change what differs); [`Profile::constraints`] lists them for people.
//!
//! The telephony profiles (`amazon-connect`, `asterisk`, `asterisk-wav16`, `cisco`, `teams`,
//! `genesys`) require what `convert` writes for them; where a platform accepts more (Teams takes
//! stereo and 8 or 32-bit too), `check` still asks for that one format, so a file that passes
//! is one the platform takes.
//!
//! The judgement of a prompt's length and size against a profile's limits is made here, once
//! ([`Profile::duration_breach`], [`Profile::size_breach`]), for both `check` (the file as it is)
//! and `convert` (the file it would write, judged before writing when the length is known).

use crate::problem::{Code, Severity};

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
    /// Whether a prompt of exactly `max_duration_s` is refused ("less than five minutes").
    pub max_duration_exclusive: bool,
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

    /// The codec's name in reports (`pcm_s16le`, `pcm_mulaw`, `pcm_alaw`): the name `check`
    /// gives a WAV promptwav writes in it (promptwav writes PCM as 16-bit only).
    pub fn name(self) -> &'static str {
        match self {
            Codec::Pcm => "pcm_s16le",
            Codec::Mulaw => "pcm_mulaw",
            Codec::Alaw => "pcm_alaw",
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
    max_duration_exclusive: false,
    max_file_bytes: None,
    content: DEFAULT_CONTENT,
    severities: &[],
    sources: Sources {
        format: "Channel Talk help center: WAV; plain 16-bit PCM (format tag 1, 44-byte header) \
                 because strict WAV parsers (Asterisk, Python's wave, embedded players) reject \
                 WAVE_FORMAT_EXTENSIBLE and extra chunks (the strictest common reader's rule)",
        rate_channels: "Channel Talk help center, custom guidance voice: mono, 48000 Hz",
        name: "Channel Talk: uploads with Korean file names fail; ASCII-safe names \
               [A-Za-z0-9._-] ending .wav, 255 bytes at most (file systems' limit)",
        limits: "none documented by Channel Talk",
        content: "promptwav's defaults for spoken prompts (warnings only)",
    },
};

/// Amazon Connect: WAV, G.711 u-law, 8 kHz, mono; under 50 MB and 5 minutes.
pub const AMAZON_CONNECT: Profile = Profile {
    name: "amazon-connect",
    platform: "Amazon Connect",
    sample_rate: 8_000,
    channels: 1,
    bits_per_sample: 8,
    extension: "wav",
    source: "Amazon Connect Administrator Guide, Flow block: Play prompt, Requirements for prompts: \
             .wav files that are 8KHz, mono channel audio with U-Law encoding; less than 50MB and \
             less than five minutes long",
    codec: Codec::Mulaw,
    // Less than five minutes, less than 50 MB (counted in the smaller unit, 10^6 bytes).
    max_duration_s: Some(300.0),
    max_duration_exclusive: true,
    max_file_bytes: Some(49_999_999),
    sources: Sources {
        format: "Amazon Connect Administrator Guide, Flow block: Play prompt \
                 (docs.aws.amazon.com/connect/latest/adminguide/play.html): .wav, U-Law encoding; \
                 written as every non-PCM WAV must be (RIFF spec: 18-byte WAVEFORMATEX fmt chunk, \
                 fact chunk), 8-bit codes",
        rate_channels: "same page: 8KHz, mono channel audio",
        name: "promptwav's safe-name rule (Amazon Connect names prompts itself; S3 keys and \
               scripts handle ASCII names best)",
        limits: "same page: prompts less than 50MB and less than five minutes long",
        content: "promptwav's defaults for spoken prompts (warnings only)",
    },
    ..CHANNELTALK
};

/// Asterisk's `wav` format: 16-bit PCM, 8 kHz, mono.
pub const ASTERISK: Profile = Profile {
    name: "asterisk",
    platform: "Asterisk (.wav)",
    sample_rate: 8_000,
    source: "Asterisk formats/format_wav.c: only PCM encoded, 16 bit, mono, 8kHz (.wav) or 16kHz \
             (.wav16) files are supported",
    sources: Sources {
        format: "Asterisk formats/format_wav.c, check_header_fmt: format tag 1 only (\"Only PCM \
                 encoded, 16 bit, mono, 8kHz/16kHz files are supported\"), 16 bits per sample; \
                 it assumes a 44-byte header when seeking",
        rate_channels: "Asterisk formats/format_wav.c: mono; 8000 Hz for the wav format \
                        (16000 Hz is the separate wav16 format: profile asterisk-wav16)",
        name: "Asterisk plays sounds by name from the dialplan (Playback(name)): ASCII-safe \
               names [A-Za-z0-9._-], lowercase .wav extension (format_wav.c registers \"wav\")",
        limits: "none in Asterisk",
        content: "promptwav's defaults for spoken prompts (warnings only)",
    },
    ..CHANNELTALK
};

/// Asterisk's `wav16` format: 16-bit PCM, 16 kHz, mono, in files named `.wav16`.
pub const ASTERISK_WAV16: Profile = Profile {
    name: "asterisk-wav16",
    platform: "Asterisk (.wav16, wideband)",
    sample_rate: 16_000,
    extension: "wav16",
    source: "Asterisk formats/format_wav.c: the wav16 format (extension .wav16) is 16 bit, mono, \
             16kHz PCM; Asterisk picks it over .wav for wideband calls",
    sources: Sources {
        rate_channels: "Asterisk formats/format_wav.c: wav16 is slin16, 16000 Hz, mono",
        name: "Asterisk formats/format_wav.c registers the extension \"wav16\"; ASCII-safe names \
               for the dialplan",
        ..ASTERISK.sources
    },
    ..ASTERISK
};

/// Cisco (Unified CCX, Unity Connection): WAV, G.711 u-law, 8 kHz, mono.
pub const CISCO: Profile = Profile {
    name: "cisco",
    platform: "Cisco Unified CCX / Unity Connection",
    source: "Cisco Unified CCX Editor Step Reference, About Prompts: user prompts with a RIFF \
             header of type WAVE and G711 u-Law (or A-Law) codec format; G.711 is 8 kHz",
    max_duration_s: None,
    max_file_bytes: None,
    sources: Sources {
        format: "Cisco Unified CCX Editor Step Reference, About Prompts \
                 (developer.cisco.com/docs/contact-center-express/about-prompts): RIFF header of \
                 type WAVE, G711 u-Law codec format; 18-byte fmt chunk and fact chunk as the RIFF \
                 spec asks of non-PCM WAV",
        rate_channels: "G.711 is defined at 8000 Hz; prompts are mono (Cisco Unified CCX \
                        Recording step: recordings are RIFF WAVE G711 u-law)",
        name: "promptwav's safe-name rule (Cisco Unified CCX prompt names are used in scripts)",
        limits: "none documented by Cisco for prompt files",
        content: "promptwav's defaults for spoken prompts (warnings only)",
    },
    ..AMAZON_CONNECT
};

/// Microsoft Teams (auto attendants, call queues, music on hold): WAV PCM 16-bit mono, at most
/// 5 MB.
pub const TEAMS: Profile = Profile {
    name: "teams",
    platform: "Microsoft Teams",
    sample_rate: 16_000,
    source: "Microsoft Learn, Import-CsOnlineAudioFile: WAV (uncompressed, linear PCM with \
             8/16/32-bit depth in mono or stereo), WMA or MP3, content not more than 5MB; no rate \
             stated, 16 kHz 16-bit mono as Microsoft recommends for its Response Group files",
    max_file_bytes: Some(5_000_000),
    sources: Sources {
        format: "Microsoft Learn, Import-CsOnlineAudioFile, -Content: WAV (uncompressed, linear \
                 PCM with 8/16/32-bit depth in mono or stereo); 16-bit chosen",
        rate_channels: "Microsoft states no sample rate for Teams; Microsoft Learn, Skype for \
                        Business Server 2010 Response Group Audio File Requirements (the same \
                        kind of file): \"For the best performance of wave files, a 16 kHz, mono, \
                        16-bit Wave file is recommended\"",
        name: "promptwav's safe-name rule",
        limits: "Microsoft Learn, Import-CsOnlineAudioFile: the audio file content cannot be more \
                 than 5MB (counted in the smaller unit, 5,000,000 bytes: 2 min 36 s at 16 kHz)",
        content: "promptwav's defaults for spoken prompts (warnings only)",
    },
    ..CHANNELTALK
};

/// Genesys Cloud (Architect user prompts): WAV, at most 25 MB.
pub const GENESYS: Profile = Profile {
    name: "genesys",
    platform: "Genesys Cloud",
    sample_rate: 8_000,
    source: "Genesys Cloud Resource Center, Prompts overview: all prompt audio files should be in \
             .wav format; the file size is limited to 25MB; 16-bit PCM 8 kHz mono chosen",
    max_file_bytes: Some(25_000_000),
    sources: Sources {
        format: "Genesys Cloud Resource Center, Prompts overview (help.mypurecloud.com, \
                 article 6082): .wav; Architect converts the upload, so plain 16-bit PCM is \
                 written and that conversion is the only lossy step",
        rate_channels: "not stated by Genesys; 8000 Hz mono chosen: the telephone rate of the \
                        calls prompts are played to (Genesys AudioHook streams PCMU at 8 kHz)",
        name: "promptwav's safe-name rule (Genesys prompt names allow letters, digits and \
               underscores)",
        limits: "Genesys Cloud Resource Center, Prompts overview: the file size is limited to \
                 25MB (counted as 25,000,000 bytes)",
        content: "promptwav's defaults for spoken prompts (warnings only)",
    },
    ..CHANNELTALK
};

/// Every profile, the default first.
pub const PROFILES: &[Profile] =
    &[CHANNELTALK, AMAZON_CONNECT, ASTERISK, ASTERISK_WAV16, CISCO, TEAMS, GENESYS];

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
        if self.codec != Codec::Pcm {
            format.push_str(", 18-byte fmt chunk (cbSize 0), fact chunk");
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
                format!(
                    "{} Hz, {}",
                    self.sample_rate,
                    if self.channels == 1 {
                        "mono".to_string()
                    } else {
                        format!("{} channels", self.channels)
                    }
                ),
                src.rate_channels,
            ),
            ("name", name, src.name),
            (
                "duration",
                match (self.min_duration_s, self.max_duration_s) {
                    (None, None) => "no limit".to_string(),
                    (min, max) => {
                        // As the platform says it: "less than five minutes" is under, not at most.
                        let bound = if self.max_duration_exclusive { "under" } else { "max" };
                        format!("min {}, {bound} {}", opt(min, "s"), opt(max, "s"))
                    }
                },
                src.limits,
            ),
            (
                "file size",
                match self.max_file_bytes {
                    Some(b) => format!("at most {b} bytes"),
                    None => "no limit".to_string(),
                },
                src.limits,
            ),
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

    /// Why a prompt of `seconds` breaks this profile's duration limits, for people ("6 min 40 s
    /// long: Amazon Connect accepts prompts shorter than 5 minutes"); `None` when it keeps them.
    /// `check` and `convert` both judge by this.
    pub fn duration_breach(&self, seconds: f64) -> Option<String> {
        let rule = self.duration_rule_broken(seconds)?;
        Some(format!("{} long: {rule}", human_duration(seconds)))
    }

    /// The duration rule a prompt of `seconds` breaks ("Amazon Connect accepts prompts shorter
    /// than 5 minutes"), or `None`: the judgement behind [`Profile::duration_breach`].
    pub fn duration_rule_broken(&self, seconds: f64) -> Option<String> {
        if let Some(max) = self.max_duration_s {
            let over = if self.max_duration_exclusive { seconds >= max } else { seconds > max };
            if over {
                let accepted = if self.max_duration_exclusive {
                    format!("shorter than {}", human_duration(max))
                } else {
                    format!("of at most {}", human_duration(max))
                };
                return Some(format!("{} accepts prompts {accepted}", self.platform));
            }
        }
        match self.min_duration_s {
            Some(min) if seconds < min => Some(format!(
                "{} accepts prompts of at least {}",
                self.platform,
                human_duration(min)
            )),
            _ => None,
        }
    }

    /// Why a file of `bytes` breaks this profile's size limit, for people; `None` when it keeps
    /// it. `check` and `convert` both judge by this.
    pub fn size_breach(&self, bytes: u64) -> Option<String> {
        let rule = self.size_rule_broken(bytes)?;
        Some(format!("{} ({bytes} bytes): {rule}", human_bytes(bytes)))
    }

    /// The size rule a file of `bytes` breaks ("Microsoft Teams accepts files of at most 5 MB
    /// (5000000 bytes)"), or `None`: the judgement behind [`Profile::size_breach`].
    pub fn size_rule_broken(&self, bytes: u64) -> Option<String> {
        let max = self.max_file_bytes?;
        (bytes > max).then(|| {
            format!("{} accepts files of at most {} ({max} bytes)", self.platform, human_bytes(max))
        })
    }

    /// The profile called `name`, if there is one.
    pub fn by_name(name: &str) -> Option<&'static Profile> {
        PROFILES.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }
}

/// A duration for people: `45.2 s`, `6 min 40 s`, `5 minutes`, `13 h 0 min`. Seconds are
/// rounded to a tenth, minutes of hours down (so a limit is never overstated).
pub fn human_duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return "an unknown length".to_string();
    }
    let t = (seconds * 10.0).round() / 10.0;
    if t < 60.0 {
        return format!("{} s", tenths(t));
    }
    if t < 3600.0 {
        let m = (t / 60.0).floor();
        let s = ((t - 60.0 * m) * 10.0).round() / 10.0;
        if s == 0.0 {
            return if m == 1.0 { "1 minute".to_string() } else { format!("{m} minutes") };
        }
        return format!("{m} min {} s", tenths(s));
    }
    let h = (seconds / 3600.0).floor();
    let m = ((seconds - 3600.0 * h) / 60.0).floor();
    format!("{h} h {m} min")
}

/// A number with one decimal, without a trailing `.0`.
fn tenths(v: f64) -> String {
    let s = format!("{v:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// A size for people, in the decimal units platforms state limits in: `4.2 MB`, `812 KB`.
pub fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b >= 1e9 {
        format!("{} GB", tenths(b / 1e9))
    } else if b >= 1e6 {
        format!("{} MB", tenths(b / 1e6))
    } else if b >= 1e3 {
        format!("{} KB", tenths(b / 1e3))
    } else {
        format!("{bytes} bytes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_judged_once_for_people() {
        // Amazon: less than five minutes; exactly 300.0 s is refused, a hair less is not.
        let amazon = &AMAZON_CONNECT;
        assert_eq!(amazon.duration_breach(299.999), None);
        assert_eq!(
            amazon.duration_breach(300.0).as_deref(),
            Some("5 minutes long: Amazon Connect accepts prompts shorter than 5 minutes")
        );
        assert_eq!(
            amazon.duration_breach(400.0).as_deref(),
            Some("6 min 40 s long: Amazon Connect accepts prompts shorter than 5 minutes")
        );
        assert_eq!(CHANNELTALK.duration_breach(1e6), None);
        assert_eq!(TEAMS.size_breach(5_000_000), None);
        assert_eq!(
            TEAMS.size_breach(5_000_001).as_deref(),
            Some(
                "5 MB (5000001 bytes): Microsoft Teams accepts files of at most 5 MB (5000000 bytes)"
            )
        );
        let inclusive = Profile { max_duration_exclusive: false, ..AMAZON_CONNECT };
        assert_eq!(inclusive.duration_breach(300.0), None);
        assert!(inclusive.duration_breach(300.1).unwrap().contains("of at most 5 minutes"));
        let min = Profile { min_duration_s: Some(1.0), ..CHANNELTALK };
        assert!(min.duration_breach(0.5).unwrap().contains("at least 1 s"));
        assert_eq!(human_duration(46_800.0), "13 h 0 min");
        assert_eq!(human_duration(44_739.2), "12 h 25 min");
        assert_eq!(human_duration(2.94), "2.9 s");
        assert_eq!(human_duration(156.25), "2 min 36.3 s");
        assert_eq!(human_duration(59.99), "1 minute");
    }

    #[test]
    fn the_table_is_consistent() {
        let mut names = std::collections::HashSet::new();
        for p in PROFILES {
            assert!(names.insert(p.name), "{} twice", p.name);
            assert!(Profile::by_name(&p.name.to_uppercase()).is_some());
            // What the encoder writes: 16-bit PCM, or 8-bit G.711 at 8 kHz.
            match p.codec {
                Codec::Pcm => assert_eq!(p.bits_per_sample, 16, "{}", p.name),
                Codec::Mulaw | Codec::Alaw => {
                    assert_eq!((p.bits_per_sample, p.sample_rate), (8, 8000), "{}", p.name)
                }
            }
            assert_eq!(p.channels, 1, "{}", p.name);
            assert!(p.extension.bytes().all(|b| b.is_ascii_alphanumeric()), "{}", p.name);
            let s = &p.sources;
            for text in [p.source, s.format, s.rate_channels, s.name, s.limits, s.content] {
                assert!(!text.is_empty(), "{}", p.name);
            }
            assert_eq!(p.constraints().len(), 6);
        }
        assert_eq!(PROFILES[0], Profile::default());
        assert_eq!(PROFILES.len(), 7);
    }
}
