//! Profiles: the targets a prompt must meet, as data. The same table drives `convert` (what to
//! produce) and `check` (what to require).

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
};

/// Every profile, the default first.
pub const PROFILES: &[Profile] = &[CHANNELTALK];

impl Default for Profile {
    fn default() -> Self {
        CHANNELTALK
    }
}

impl Profile {
    /// The profile called `name`, if there is one.
    pub fn by_name(name: &str) -> Option<&'static Profile> {
        PROFILES.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }
}
