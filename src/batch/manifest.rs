//! The record of what each output in an output folder was made from, so that a rerun redoes
//! exactly what changed.
//!
//! Guarantees:
//! - An output is *up to date* only when the manifest says it was made from this input (the
//!   same file, by canonical path, with the same size and modification time) with these
//!   settings (profile and finishing options), and the output itself is still the file
//!   promptwav wrote (same size and modification time). Anything else is converted again.
//! - An output is *ours* when the manifest records it and it is still the file promptwav
//!   wrote: only such an output may be replaced without `--force` (when its input or the
//!   settings changed). A file the manifest does not know, or one changed since, is never
//!   replaced without `--force`.
//! - The manifest is a hidden file in the output folder ([`FILE_NAME`]), one JSON object per
//!   line, appended to as each output gets its final name (so a killed run loses at most the
//!   line of the file it was finishing), and rewritten in one step (temporary file, rename)
//!   at the end of a run, keeping the last line of each output that still exists.
//! - A missing, unreadable or damaged manifest (or line) only means "not known": the worst it
//!   can cause is a conversion done again, or an output left alone.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

/// The manifest's file name, in the output folder.
pub const FILE_NAME: &str = crate::output::MANIFEST_NAME;

/// One output and what it was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The output, relative to the output folder, components joined by `/`.
    pub output: String,
    /// The input's canonical path.
    pub input: String,
    /// The input's size in bytes.
    pub input_size: u64,
    /// The input's modification time, nanoseconds since the Unix epoch.
    pub input_mtime_ns: u128,
    /// The settings it was made with (see [`super::ConvertOptions::fingerprint`]).
    pub settings: String,
    /// The output's size in bytes when written.
    pub output_size: u64,
    /// The output's modification time when written.
    pub output_mtime_ns: u128,
}

/// A file's size and modification time, or `None` when it cannot be read.
pub fn stamp(path: &Path) -> Option<(u64, u128)> {
    let m = fs::metadata(path).ok()?;
    let t = m.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
    Some((m.len(), t))
}

/// The relative path of `output` inside `out_dir`, `/`-joined, or `None` if it is not inside.
pub fn relative(out_dir: &Path, output: &Path) -> Option<String> {
    let rel = output.strip_prefix(out_dir).ok()?;
    let parts: Vec<String> =
        rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The manifest of one output folder: what it held when the run began, and where new lines go.
#[derive(Debug, Default)]
pub struct Manifest {
    dir: PathBuf,
    /// The last entry of each output, by its relative path.
    entries: HashMap<String, Entry>,
    /// Entries added by this run, to append.
    appender: Mutex<Option<File>>,
}

impl Manifest {
    /// Reads the manifest of `out_dir` (empty when there is none, or it cannot be read).
    pub fn load(out_dir: &Path) -> Manifest {
        let mut entries = HashMap::new();
        if let Ok(text) = fs::read_to_string(out_dir.join(FILE_NAME)) {
            for line in text.lines() {
                if let Ok(e) = serde_json::from_str::<Entry>(line) {
                    entries.insert(e.output.clone(), e);
                }
            }
        }
        Manifest { dir: out_dir.to_path_buf(), entries, appender: Mutex::new(None) }
    }

    /// The entry of the output at `rel`, if the manifest knows it and the file is still the one
    /// promptwav wrote.
    pub fn ours(&self, rel: &str) -> Option<&Entry> {
        let e = self.entries.get(rel)?;
        let path = self.path_of(rel);
        let is_file = fs::symlink_metadata(&path).is_ok_and(|m| m.is_file());
        (is_file && stamp(&path) == Some((e.output_size, e.output_mtime_ns))).then_some(e)
    }

    /// Every output the manifest knows that is still the file promptwav wrote.
    pub fn existing(&self) -> impl Iterator<Item = &Entry> {
        self.entries.keys().filter_map(|k| self.ours(k))
    }

    fn path_of(&self, rel: &str) -> PathBuf {
        let mut p = self.dir.clone();
        p.extend(rel.split('/'));
        p
    }

    /// Records that `output` (inside the folder) was just made from `input` with `settings`.
    /// Best effort: a manifest that cannot be written only makes the next run do more.
    pub fn record(&self, input: &Path, output: &Path, settings: &str) {
        let (Some(rel), Ok(canon)) = (relative(&self.dir, output), fs::canonicalize(input)) else {
            return;
        };
        let (Some((input_size, input_mtime_ns)), Some((output_size, output_mtime_ns))) =
            (stamp(input), stamp(output))
        else {
            return;
        };
        let entry = Entry {
            output: rel,
            input: canon.to_string_lossy().into_owned(),
            input_size,
            input_mtime_ns,
            settings: settings.to_string(),
            output_size,
            output_mtime_ns,
        };
        let Ok(line) = serde_json::to_string(&entry) else { return };
        let mut appender = self.appender.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if appender.is_none() {
            *appender =
                OpenOptions::new().create(true).append(true).open(self.dir.join(FILE_NAME)).ok();
        }
        if let Some(f) = appender.as_mut() {
            // One write of one line: appends of a few hundred bytes do not interleave.
            let _ = f.write_all(format!("{line}\n").as_bytes());
        }
    }

    /// Rewrites the manifest with the last line of each output that is still promptwav's, in
    /// one step. Best effort, like [`Manifest::record`].
    pub fn compact(&self) {
        let fresh = Manifest::load(&self.dir);
        let mut kept: Vec<&Entry> = fresh.existing().collect();
        kept.sort_by(|a, b| a.output.cmp(&b.output));
        let mut text = String::new();
        for e in kept {
            if let Ok(line) = serde_json::to_string(e) {
                text.push_str(&line);
                text.push('\n');
            }
        }
        let Ok(mut tmp) = crate::output::TempFile::create(&self.dir) else { return };
        if tmp.file().write_all(text.as_bytes()).is_ok() {
            let _ = tmp.commit(&self.dir.join(FILE_NAME), true);
        }
    }
}

/// Whether `entry` says its output was made from `input` as it is now, with `settings`.
pub fn made_from(entry: &Entry, input: &Path, settings: &str) -> bool {
    let canon = fs::canonicalize(input).map(|c| c.to_string_lossy().into_owned());
    entry.settings == settings
        && canon.is_ok_and(|c| c == entry.input)
        && stamp(input) == Some((entry.input_size, entry.input_mtime_ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn up_to_date_only_for_the_same_input_and_settings() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let out = dir.path().join("out");
        fs::create_dir_all(out.join("sub")).unwrap_or_else(|e| panic!("{e}"));
        let input = dir.path().join("a.mp3");
        fs::write(&input, b"input").unwrap_or_else(|e| panic!("{e}"));
        let output = out.join("sub/a.wav");
        fs::write(&output, b"output").unwrap_or_else(|e| panic!("{e}"));

        Manifest::load(&out).record(&input, &output, "channeltalk");
        let m = Manifest::load(&out);
        let e = m.ours("sub/a.wav").cloned().unwrap_or_else(|| panic!("not recorded"));
        assert!(made_from(&e, &input, "channeltalk"));
        assert!(!made_from(&e, &input, "asterisk"), "other settings");
        let other = dir.path().join("b.mp3");
        fs::write(&other, b"input").unwrap_or_else(|e| panic!("{e}"));
        assert!(!made_from(&e, &other, "channeltalk"), "another input");
        fs::write(&input, b"changed input").unwrap_or_else(|e| panic!("{e}"));
        assert!(!made_from(&e, &input, "channeltalk"), "the input changed");

        // An output changed by someone else is no longer ours.
        fs::write(&output, b"edited by hand").unwrap_or_else(|e| panic!("{e}"));
        assert!(Manifest::load(&out).ours("sub/a.wav").is_none());
    }

    #[test]
    fn compaction_keeps_the_last_line_of_outputs_that_exist() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let out = dir.path();
        let input = out.join("in.mp3");
        fs::write(&input, b"input").unwrap_or_else(|e| panic!("{e}"));
        for name in ["a.wav", "b.wav"] {
            fs::write(out.join(name), name).unwrap_or_else(|e| panic!("{e}"));
        }
        let m = Manifest::load(out);
        m.record(&input, &out.join("a.wav"), "one");
        m.record(&input, &out.join("a.wav"), "two");
        m.record(&input, &out.join("b.wav"), "one");
        drop(m);
        fs::remove_file(out.join("b.wav")).unwrap_or_else(|e| panic!("{e}"));
        fs::write(out.join(FILE_NAME).with_extension("x"), "").unwrap_or_else(|e| panic!("{e}"));
        Manifest::load(out).compact();
        let text = fs::read_to_string(out.join(FILE_NAME)).unwrap_or_default();
        assert_eq!(text.lines().count(), 1, "{text}");
        let m = Manifest::load(out);
        assert_eq!(m.ours("a.wav").map(|e| e.settings.as_str()), Some("two"));
        assert!(m.ours("b.wav").is_none());
    }
}
