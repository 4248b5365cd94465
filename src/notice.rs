//! Notices: the typed keys of what a run tells a person besides "converted" and "failed": why
//! an input was skipped, and the warnings of a conversion. A leaf, below the walk, the mixer,
//! the conversion and the batch, which all say such things.
//!
//! Guarantees:
//! - The English text of a notice (what records, reports and `--json` hold in `error` and
//!   `warnings`) is generated from the notice by [`Notice::english`], and nowhere else: the
//!   key and its English text cannot drift apart.
//! - The specifics a notice carries (counts, decibels, the channel) are typed, so a translation
//!   (see `lang`) formats them into its own sentence instead of reading the English text.
//! - [`Notice::Other`] is the one notice without a sentence of its own: a warning made deep in a
//!   decoder or in finishing, carried in English as it was written.

/// A stereo channel, as the smart downmix names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The left channel (the first).
    Left,
    /// The right channel (the second).
    Right,
}

impl Side {
    /// The side of channel `index` (0 left, anything else right).
    pub fn of(index: usize) -> Side {
        if index == 0 { Side::Left } else { Side::Right }
    }

    /// `left` or `right`.
    pub fn english(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
        }
    }

    /// The other side.
    pub fn other(self) -> Side {
        match self {
            Side::Left => Side::Right,
            Side::Right => Side::Left,
        }
    }
}

/// Why an input was skipped, or a warning of a conversion: a typed key with its English text.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// Skipped by the walk: a hidden file.
    HiddenFile,
    /// Skipped by the walk: clearly not audio, by its extension.
    NotAudioByExtension,
    /// Skipped by the walk: a link back to a parent folder.
    FolderLoop,
    /// Skipped by the walk: a link to a folder (not followed).
    LinkToFolder,
    /// Skipped by the walk: a link to something that is not a regular file.
    LinkToSpecialFile,
    /// Skipped by the walk: a link to nothing.
    BrokenLink,
    /// Skipped by the walk: a device, pipe or socket found in a folder.
    SpecialFile,
    /// Skipped on a rerun: the output was made from this input with these settings.
    UpToDate,
    /// Skipped: the output exists and promptwav did not make it from this input.
    NotOurs,
    /// Skipped: the same file as an earlier input of the run.
    SameFileAsEarlier,
    /// Skipped: the run was stopped before this file.
    Interrupted,
    /// Skipped: the disk filled up earlier in the run.
    DiskFull,
    /// Warning of a dry run: the existing output would be replaced.
    WouldReplace,
    /// Warning: the input changed while it was converted.
    InputChanged,
    /// Warning: the output folder's manifest could not be written (`why`: the I/O reason).
    NotInManifest {
        /// The reason, in English (from the operating system).
        why: String,
    },
    /// Warning: the source is clipped.
    SourceClipped {
        /// Clipped samples.
        samples: u64,
        /// Runs of `run_len` or more full-scale samples.
        runs: u64,
        /// The shortest run counted.
        run_len: u32,
    },
    /// Warning: output samples clipped at the 16-bit conversion (the source is not clipped).
    OutputClipped {
        /// Clipped output samples.
        samples: u64,
    },
    /// Warning: the file's extension says another format than its content.
    NamedAs {
        /// The extension, lowercase, without the dot.
        ext: String,
        /// The format found from the content, uppercase (`MP3`).
        format: String,
    },
    /// Warning: damaged packets were skipped while decoding.
    DamagedPackets {
        /// Packets skipped.
        bad: u64,
        /// Packets in all.
        total: u64,
    },
    /// Warning of the smart downmix: a stereo file with one silent channel; the live one was
    /// taken at full level.
    SilentChannel {
        /// The channel taken.
        live: Side,
        /// How far below the live channel the silent one is, in dB; `None`: digital silence.
        below_db: Option<f64>,
    },
    /// Warning of the smart downmix: stereo channels in opposite phase; one was taken alone.
    OppositePhase {
        /// The channel taken.
        live: Side,
        /// The channels' correlation (negative).
        correlation: f64,
    },
    /// Warning of finishing: the smart downmix or `--remove-dc` took out a DC offset.
    DcRemoved {
        /// The offset, for people (`+5.0%`, `over +100%`).
        offset: String,
        /// The high-pass filter's cutoff, Hz.
        cutoff_hz: f64,
    },
    /// Warning of trimming: nothing above the threshold, nothing trimmed.
    NothingTrimmed,
    /// Warning of finishing: the fade asked for was shortened.
    FadeShortened {
        /// The fade asked for, ms (for people).
        asked_ms: String,
        /// The fade given, ms (for people).
        given_ms: String,
        /// The prompt's length (for people).
        length: String,
    },
    /// Warning of loudness: the file is silent; its level was left as it is.
    SilentLoudness,
    /// Warning of loudness: the file is shorter than one gating block.
    ShortForGating {
        /// The gating block, seconds.
        block_s: f64,
    },
    /// Warning of loudness: the target was not reached.
    LoudnessMissed {
        /// The loudness reached, LUFS.
        reached: f64,
        /// The target asked, LUFS (for people).
        asked: String,
        /// The true-peak ceiling that stopped it, dBTP (for people), when that is why.
        ceiling: Option<String>,
    },
    /// A warning made deep in a decoder, in English as it was written.
    Other(String),
}

impl Notice {
    /// The English text: what `error` (for a skip) or `warnings` holds.
    pub fn english(&self) -> String {
        match self {
            Notice::HiddenFile => "hidden file".into(),
            Notice::NotAudioByExtension => "not an audio file (by its extension)".into(),
            Notice::FolderLoop => "folder loop (a link back to a parent folder)".into(),
            Notice::LinkToFolder => "link to a folder (not followed)".into(),
            Notice::LinkToSpecialFile => "not a regular file".into(),
            Notice::BrokenLink => "broken link".into(),
            Notice::SpecialFile => "not a regular file (device, pipe or socket)".into(),
            Notice::UpToDate => "up to date (made from this input with these settings)".into(),
            Notice::NotOurs => "output already exists and promptwav did not make it from this \
                                input (use --force to overwrite)"
                .into(),
            Notice::SameFileAsEarlier => "same file as an earlier input".into(),
            Notice::Interrupted => "interrupted".into(),
            Notice::DiskFull => "not converted: the disk is full".into(),
            Notice::WouldReplace => "would replace the existing output".into(),
            Notice::InputChanged => {
                "the input changed while it was converted: the next run converts it again".into()
            }
            Notice::NotInManifest { why } => format!(
                "not recorded in the output folder's manifest ({why}): a rerun will convert it \
                 again, or leave it alone without --force"
            ),
            Notice::SourceClipped { samples, runs, run_len } => format!(
                "{samples} sample(s) clipped at full scale in the source: {runs} run(s) of \
                 {run_len}+ full-scale samples; converting does not undo clipping"
            ),
            Notice::OutputClipped { samples } => format!(
                "{samples} output sample(s) clipped at the 16-bit conversion (the source is not \
                 clipped): lower the level, for example with --loudness -16"
            ),
            Notice::NamedAs { ext, format } => format!("named .{ext} but is {format}"),
            Notice::DamagedPackets { bad, total } => {
                format!("{bad} damaged packet(s) of {total} skipped")
            }
            Notice::SilentChannel { live, below_db } => {
                let below = match below_db {
                    Some(db) => format!("{db:.0} dB below the {}", live.english()),
                    None => "digital silence".to_string(),
                };
                format!(
                    "stereo with a silent {} channel ({below}): took the {} channel at full level \
                     (averaging would have made it 6 dB quieter)",
                    live.other().english(),
                    live.english()
                )
            }
            Notice::OppositePhase { live, correlation } => format!(
                "stereo channels in opposite phase (correlation {correlation:.2}): took the {} \
                 channel alone (averaging would have cancelled them)",
                live.english()
            ),
            Notice::DcRemoved { offset, cutoff_hz } => format!(
                "DC offset of {offset} of full scale removed (high-pass below {cutoff_hz} Hz)"
            ),
            Notice::NothingTrimmed => {
                "no sound above the trimming threshold: nothing trimmed".into()
            }
            Notice::FadeShortened { asked_ms, given_ms, length } => format!(
                "the {asked_ms} ms fade was shortened to {given_ms} ms: a fade may take at most a \
                 quarter of the prompt ({length} long)"
            ),
            Notice::SilentLoudness => "silent: the loudness was left as it is".into(),
            Notice::ShortForGating { block_s } => format!(
                "shorter than {block_s} s: loudness measured over the whole file, without R128 \
                 gating"
            ),
            Notice::LoudnessMissed { reached, asked, ceiling } => {
                let why = match ceiling {
                    Some(c) => format!(": the {c} dBTP true-peak ceiling allows no more"),
                    None => String::new(),
                };
                format!("reached {reached:.1} LUFS, not the {asked} LUFS asked{why}")
            }
            Notice::Other(text) => text.clone(),
        }
    }

    /// What the plain average `(L+R)/2` would lose, for `check` (the downmix notices' first
    /// half, without what the conversion did about it); `None` for other notices.
    pub fn average_loss(&self) -> Option<String> {
        match self {
            Notice::SilentChannel { live, below_db } => {
                let below = match below_db {
                    Some(db) => format!("{db:.0} dB below the {}", live.english()),
                    None => "digital silence".to_string(),
                };
                Some(format!("stereo with a silent {} channel ({below})", live.other().english()))
            }
            Notice::OppositePhase { correlation, .. } => {
                Some(format!("stereo channels in opposite phase (correlation {correlation:.2})"))
            }
            _ => None,
        }
    }
}

impl std::fmt::Display for Notice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_downmix_texts_are_those_reports_always_gave() {
        let n = Notice::SilentChannel { live: Side::Left, below_db: Some(41.6) };
        assert_eq!(
            n.english(),
            "stereo with a silent right channel (42 dB below the left): took the left channel at \
             full level (averaging would have made it 6 dB quieter)"
        );
        assert_eq!(
            n.average_loss().as_deref(),
            Some("stereo with a silent right channel (42 dB below the left)")
        );
        let p = Notice::OppositePhase { live: Side::Right, correlation: -0.98 };
        assert_eq!(
            p.average_loss().as_deref(),
            Some("stereo channels in opposite phase (correlation -0.98)")
        );
        assert!(p.english().starts_with("stereo channels in opposite phase (correlation -0.98): "));
    }
}
