//! Problem codes and severities: the one table ([`Code`]) of what `check` can find wrong with a
//! file, each code stable (kebab-case, as written in reports), with its default severity, what it
//! means and its usual fix. A leaf: profiles (which may change a code's severity) and `check`
//! (which finds the problems) both build on it.
//!
//! Guarantees: every code appears once in [`Code::ALL`], in the documented order (the order
//! reports list problems in); [`Code::as_str`] is stable across releases.

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a check.
    Info,
    /// The platform may accept the file, but it will sound or behave badly somewhere; fails only
    /// with `--strict`.
    Warning,
    /// The platform refuses the file or plays it wrongly; the check fails.
    Error,
}

impl Severity {
    /// The word used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

macro_rules! codes {
    ($($variant:ident = $code:literal, $severity:ident, $what:literal, $fix:literal;)*) => {
        /// A problem code: stable, kebab-case, documented in one table ([`Code::ALL`]).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Code {
            $(
                #[doc = $what]
                $variant,
            )*
        }

        impl Code {
            /// Every code, in the documented order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The code as written in reports (`sample-rate`).
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// Its severity unless a profile says otherwise.
            pub fn default_severity(self) -> Severity {
                match self { $(Code::$variant => Severity::$severity,)* }
            }

            /// What it means.
            pub fn what(self) -> &'static str {
                match self { $(Code::$variant => $what,)* }
            }

            /// The usual fix.
            pub fn fix(self) -> &'static str {
                match self { $(Code::$variant => $fix,)* }
            }
        }
    };
}

codes! {
    Unreadable = "unreadable", Error,
        "The file cannot be opened or read (missing, permissions, a folder).",
        "Fix the path or the permissions.";
    NotWav = "not-wav", Error,
        "Not a RIFF/WAVE file; the message says what it really is (\"this is an MP3 named .wav\", \"AC-3 audio: not supported\").",
        "Audio that promptwav reads: `promptwav convert FILE -o DIR`; anything else (the message says so): convert it with another tool, or use the real recording.";
    RiffSizeMismatch = "riff-size-mismatch", Error,
        "The RIFF header's size disagrees with the file's length.",
        "Rewrite the file: `promptwav convert FILE -o DIR`.";
    TruncatedData = "truncated-data", Error,
        "The data chunk claims more bytes than the file holds: the file was cut off.",
        "Export or copy the file again (it was cut off).";
    TruncatedChunk = "truncated-chunk", Error,
        "A chunk other than data runs past the end of the file.",
        "Export or copy the file again.";
    MissingPadByte = "missing-pad-byte", Error,
        "An odd-sized chunk lacks the pad byte RIFF requires, so strict parsers misread what follows.",
        "Rewrite the file: `promptwav convert FILE -o DIR`.";
    DataSizeZero = "data-size-zero", Error,
        "The data chunk holds no audio: its size is 0, or less than one frame.",
        "Export the file again from its source.";
    DataSizeUnset = "data-size-unset", Warning,
        "The RIFF or data size is unset (0 or 0xFFFFFFFF), as a program writing to a pipe leaves it: the audio runs to the end of the file, and players that trust the header may refuse it.",
        "Rewrite the file: `promptwav convert FILE -o DIR`.";
    DataPartialFrame = "data-partial-frame", Error,
        "The data chunk's size is not a whole number of frames (block align): the last frame is cut off.",
        "Rewrite the file: `promptwav convert FILE -o DIR` (it leaves out the cut-off frame).";
    FmtMissing = "fmt-missing", Error,
        "There is no fmt chunk: the file does not say its format.",
        "Export the file again from its source.";
    FmtDuplicate = "fmt-duplicate", Error,
        "There are two fmt chunks: programs disagree on which format the audio has.",
        "Export the file again from its source.";
    DataMissing = "data-missing", Error,
        "There is no data chunk: the file holds no audio.",
        "Export the file again from its source.";
    ChunkOrder = "chunk-order", Error,
        "The data chunk comes before the fmt chunk; strict parsers need fmt first.",
        "Rewrite the file: `promptwav convert FILE -o DIR`.";
    BadChunk = "bad-chunk", Error,
        "Bytes where a chunk should start are not a chunk header (garbage inside the file).",
        "Rewrite the file: `promptwav convert FILE -o DIR`.";
    FmtInconsistent = "fmt-inconsistent", Error,
        "The fmt chunk's fields contradict each other (block align, byte rate, zero channels or rate, too short).",
        "Rewrite the file: `promptwav convert FILE -o DIR`.";
    FmtSize = "fmt-size", Error,
        "The fmt chunk's size does not fit the codec: G.711 (u-law, A-law) needs the 18-byte WAVEFORMATEX with cbSize 0.",
        "Rewrite the file: `promptwav convert FILE -o DIR`.";
    FactChunk = "fact-chunk", Error,
        "A G.711 WAV without its fact chunk, or whose fact chunk's sample count disagrees with the data: strict parsers need it for every non-PCM format.",
        "Rewrite the file: `promptwav convert FILE -o DIR`.";
    ExtensibleFormat = "extensible-format", Error,
        "WAVE_FORMAT_EXTENSIBLE (tag 0xFFFE) where the profile wants the plain format tag.",
        "Rewrite the file: `promptwav convert FILE -o DIR`.";
    ExtraChunk = "extra-chunk", Warning,
        "A chunk besides fmt and data (LIST, fact, id3, bext, ...): strict parsers (Asterisk, Python's wave, embedded players) may refuse it.",
        "Rewrite the file: `promptwav convert FILE -o DIR` writes fmt and data only.";
    Codec = "codec", Error,
        "The codec (format tag) is not the profile's.",
        "Convert it: `promptwav convert FILE -o DIR`.";
    BitDepth = "bit-depth", Error,
        "The bit depth is not the profile's.",
        "Convert it: `promptwav convert FILE -o DIR`.";
    Channels = "channels", Error,
        "The channel count is not the profile's.",
        "Convert it: `promptwav convert FILE -o DIR`.";
    SampleRate = "sample-rate", Error,
        "The sample rate is not the profile's.",
        "Convert it: `promptwav convert FILE -o DIR`.";
    Undecodable = "undecodable", Warning,
        "The audio could not be decoded (for the content checks, whose loudness and the like are then missing, or by convert: a WAV whose samples promptwav's decoder refuses, such as 12-bit samples under a plain PCM header).",
        "Export it again from its source as PCM WAV, or convert it with another tool (promptwav cannot read it either).";
    NameNonAscii = "name-non-ascii", Error,
        "The file name has non-ASCII characters (Korean, accents, emoji) or is not valid UTF-8.",
        "Rename it to the name `promptwav name FILE` prints (what convert gives it).";
    NameUnsafeChars = "name-unsafe-chars", Error,
        "The file name has characters outside [A-Za-z0-9._-] (spaces, shell-hostile ones), or starts with '.' or '-'.",
        "Rename it to the name `promptwav name FILE` prints.";
    NameReserved = "name-reserved", Error,
        "The file name is a Windows device name (CON, NUL, COM0 to COM9, LPT0 to LPT9, COM¹, LPT², ...).",
        "Rename it to the name `promptwav name FILE` prints.";
    NameExtension = "name-extension", Error,
        "The file name does not end in the profile's extension, exactly as written (.wav, lowercase).",
        "Rename it to the name `promptwav name FILE` prints.";
    NameTooLong = "name-too-long", Error,
        "The file name is longer than the profile allows (255 bytes).",
        "Rename it to the name `promptwav name FILE` prints.";
    Silent = "silent", Warning,
        "No sample rises above the silence threshold (-50 dBFS), or there are no samples at all.",
        "Check the source: the recording is empty or muted.";
    Clipping = "clipping", Warning,
        "Runs of full-scale samples (3 or more in a row): the recording was too loud and is distorted.",
        "Record or export again at a lower level; converting does not undo clipping.";
    StereoDownmix = "stereo-downmix", Warning,
        "A stereo file with one silent channel (30 dB below the other) or channels in opposite phase: the plain average (L+R)/2 would be 6 dB quieter, or cancel out.",
        "`promptwav convert FILE -o DIR` takes the live channel at full level (the default; not with `--plain-downmix`).";
    DcOffset = "dc-offset", Warning,
        "A channel's mean is more than 1% of full scale away from zero.",
        "`promptwav convert FILE -o DIR --remove-dc` (a high-pass filter below 20 Hz).";
    LeadingSilence = "leading-silence", Warning,
        "More than 1 s of silence before the first sound: callers hear dead air.",
        "`promptwav convert FILE -o DIR --trim-silence` trims it.";
    TrailingSilence = "trailing-silence", Warning,
        "More than 1 s of silence after the last sound.",
        "`promptwav convert FILE -o DIR --trim-silence` trims it.";
    Duration = "duration", Error,
        "The duration is outside the profile's limits.",
        "Shorten (or lengthen) the prompt.";
    FileSize = "file-size", Error,
        "The file is larger than the profile allows.",
        "Shorten the prompt.";
    ManifestMissing = "manifest-missing", Error,
        "A prompt the manifest (`check --manifest`) requires has no file among the inputs.",
        "Add the file under the name the manifest gives, or mark the prompt `required = false`.";
    ManifestUnexpected = "manifest-unexpected", Warning,
        "A file the manifest does not list (an error with `unexpected = \"error\"` in the manifest).",
        "Add the prompt to the manifest, or remove the file.";
    ManifestDuration = "manifest-duration", Error,
        "The prompt is longer (or shorter) than its manifest entry allows.",
        "Shorten the recording, or change `max-duration` / `min-duration` in the manifest.";
    ManifestLoudness = "manifest-loudness", Error,
        "The prompt's integrated loudness is outside its manifest entry's range.",
        "`promptwav convert FILE -o DIR --loudness LUFS` with a value inside the range.";
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a problem's fix asks for, typed: translations are made from it, never from the text of
/// [`Problem::fix`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Fix {
    /// The code's usual fix, done by hand (the English wording is the finder's own, in the
    /// sense of [`Code::fix`]).
    #[default]
    Usual,
    /// Run this exact command (a `promptwav convert` command in backquotes).
    Run(String),
    /// Run this exact `promptwav convert` command, whose default downmix takes a stereo file's
    /// live channel (not with `--plain-downmix`).
    RunSmartDownmix(String),
    /// Rename the file to this name (the one `promptwav convert` gives it).
    Rename(String),
    /// Export the file again from its source: promptwav cannot convert it as it is.
    ExportAgain,
    /// A bug in promptwav: report the file.
    Report,
}

impl Fix {
    /// The English text of a fix that has words of its own; `None` for [`Fix::Usual`].
    pub fn english(&self) -> Option<String> {
        match self {
            Fix::Usual => None,
            Fix::Run(command) => Some(format!("run {command}")),
            Fix::RunSmartDownmix(command) => Some(format!(
                "run {command}: its default downmix takes the live channel at full level (not \
                 with --plain-downmix)"
            )),
            Fix::Rename(name) => {
                Some(format!("rename it to {name} (the name `promptwav convert` gives it)"))
            }
            Fix::ExportAgain => Some(
                "export the file again from its source (promptwav cannot convert it as it is)"
                    .into(),
            ),
            Fix::Report => Some("report it".into()),
        }
    }
}

/// The specifics of a problem, typed, for the problems admins meet most (format, silence,
/// clipping): translations format them into a sentence of their own. Other problems carry
/// their specifics in the English [`Problem::message`] only.
#[derive(Debug, Clone, PartialEq)]
pub enum Detail {
    /// The sample rate found and the one needed, in Hz.
    SampleRate {
        /// Found.
        found: u32,
        /// Needed.
        needs: u32,
    },
    /// The channel counts found and needed.
    Channels {
        /// Found.
        found: u16,
        /// Needed.
        needs: u16,
    },
    /// The bits per sample found and needed.
    BitDepth {
        /// Found.
        found: u16,
        /// Needed.
        needs: u16,
    },
    /// Seconds of silence before the first sound, and the most allowed.
    LeadingSilence {
        /// Seconds found.
        seconds: f64,
        /// The most allowed.
        limit: f64,
    },
    /// Seconds of silence after the last sound, and the most allowed.
    TrailingSilence {
        /// Seconds found.
        seconds: f64,
        /// The most allowed.
        limit: f64,
    },
    /// Clipping: runs of `run_len` or more full-scale samples.
    Clipping {
        /// Runs.
        runs: u64,
        /// The shortest run counted.
        run_len: u32,
        /// Samples in the runs.
        samples: u64,
        /// Where the first starts, in seconds.
        first_s: f64,
    },
    /// All silence: no sample above `threshold_dbfs` in `seconds`.
    Silent {
        /// The silence threshold, dBFS.
        threshold_dbfs: f64,
        /// The file's duration.
        seconds: f64,
    },
    /// Not a WAV, but audio promptwav reads.
    NotWavAudio {
        /// The container found (`mp4`, `mp3`, ...).
        format: String,
        /// The codec.
        codec: String,
        /// The sample rate, Hz.
        rate: u32,
        /// The channels.
        channels: u16,
    },
    /// The name (valid UTF-8) has non-ASCII characters.
    NameNonAscii {
        /// The name.
        name: String,
    },
    /// The name has characters outside `[A-Za-z0-9._-]`.
    NameUnsafeChars {
        /// Those characters, each quoted (`' ' '('`).
        chars: String,
    },
    /// The name starts with `.` or `-`.
    NameStartsWith {
        /// The first character.
        first: char,
    },
    /// The name is a Windows device name.
    NameReserved {
        /// The name before its first dot (`CON`).
        base: String,
    },
    /// The name's extension is not the profile's.
    NameExtension {
        /// The extension found, if any.
        found: Option<String>,
        /// The profile's.
        needs: String,
    },
    /// The name is too long.
    NameTooLong {
        /// Its length in bytes.
        bytes: usize,
        /// The most allowed.
        max: usize,
    },
}

/// One problem of one file.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Problem {
    /// The stable code.
    pub code: Code,
    /// How bad it is (the code's default, or the profile's).
    pub severity: Severity,
    /// What is wrong with this file, for a person ("sample rate 44100 Hz, needs 48000 Hz").
    pub message: String,
    /// What to do about it, in one line.
    pub fix: String,
    /// What the fix asks for, typed (not serialized: `fix` holds its English text).
    #[serde(skip)]
    pub fix_key: Fix,
    /// The specifics of `message`, typed, where the finder gives them (not serialized).
    #[serde(skip)]
    pub detail: Option<Detail>,
}

impl Problem {
    /// A problem with the code's default severity, whose fix is the code's usual one in the
    /// words `fix` gives it ([`Fix::Usual`]).
    pub fn new(code: Code, message: impl Into<String>, fix: impl Into<String>) -> Problem {
        Problem {
            code,
            severity: code.default_severity(),
            message: message.into(),
            fix: fix.into(),
            fix_key: Fix::Usual,
            detail: None,
        }
    }

    /// A problem with the code's default severity and a typed fix, whose English text is the
    /// fix's ([`Fix::english`]; the code's usual fix for [`Fix::Usual`]).
    pub fn fixed(code: Code, message: impl Into<String>, fix: Fix) -> Problem {
        let text = fix.english().unwrap_or_else(|| code.fix().to_string());
        Problem { fix_key: fix, ..Problem::new(code, message, text) }
    }

    /// The same problem with its specifics typed.
    pub fn with_detail(mut self, detail: Detail) -> Problem {
        self.detail = Some(detail);
        self
    }

    /// The same problem, its fix typed as `fix` (the text stays as written).
    pub fn with_fix_key(mut self, fix: Fix) -> Problem {
        self.fix_key = fix;
        self
    }
}
