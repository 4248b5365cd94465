//! The record of what each output in an output folder was made from, so that a rerun redoes
//! exactly what changed.
//!
//! Guarantees:
//! - An output is *up to date* only when the manifest says it was made from this input (the
//!   same path: its folder canonical, its own name as walked, so a link that now points
//!   elsewhere is the same input with new content; any bytes, not only UTF-8) as it was then
//!   (same size and modification time, read before the conversion opened it and again after:
//!   an input replaced meanwhile is not recorded) with these settings (profile and finishing
//!   options), and the output itself is still the file promptwav wrote (same size and
//!   modification time). Anything else is converted again.
//! - An output is *ours* when the manifest records it and it is still the file promptwav
//!   wrote: only such an output may be replaced without `--force` (when its input or the
//!   settings changed). A file the manifest does not know, or one changed since, is never
//!   replaced without `--force`.
//! - The manifest is a hidden file in the output folder ([`FILE_NAME`]), one JSON object per
//!   line, only ever appended to, one line in one write under an exclusive lock, as each output
//!   gets its final name (so a killed run loses at most the line of the file it was finishing,
//!   and concurrent runs into one folder all keep theirs). The last line of an output wins.
//! - It is read and written only when it is a regular file of its own (not a link, a pipe or a
//!   device, not hard-linked elsewhere, at most [`MAX_BYTES`]): anything else there is left
//!   alone and means "not known". A missing, unreadable or damaged manifest (or line) only
//!   means "not known": the worst it can cause is a conversion done again, or an output left
//!   alone.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

/// The manifest's file name, in the output folder.
pub const FILE_NAME: &str = crate::output::MANIFEST_NAME;

/// A manifest larger than this is not read (a few hundred bytes a line: about 100,000 lines).
pub const MAX_BYTES: u64 = 64 << 20;

/// One output and what it was made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The output, relative to the output folder, components joined by `/`.
    pub output: String,
    /// The input's path: its folder canonical, its name as walked (see [`input_key`]).
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

/// How the manifest names an input: its folder's canonical path joined with its own name (a link
/// stays the link), as UTF-8 text, or `bytes:` and the hex of the path's bytes when it is not
/// UTF-8 (a canonical path is absolute, so it never starts with `bytes:`).
pub fn input_key(path: &Path) -> Option<String> {
    let name = path.file_name()?;
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let full = fs::canonicalize(folder).ok()?.join(name);
    Some(match full.to_str() {
        Some(text) => text.to_string(),
        None => {
            let hex: String =
                full.as_os_str().as_encoded_bytes().iter().map(|b| format!("{b:02x}")).collect();
            format!("bytes:{hex}")
        }
    })
}

/// Whether the manifest at `path` may be read and appended to: a regular file of its own.
/// `Some(false)`: something else is there (leave it alone); `None`: nothing is there.
fn usable(path: &Path) -> Option<bool> {
    let m = fs::symlink_metadata(path).ok()?;
    Some(m.file_type().is_file() && m.len() <= MAX_BYTES && single_link(&m))
}

#[cfg(unix)]
fn single_link(m: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    m.nlink() == 1
}

#[cfg(not(unix))]
fn single_link(_: &fs::Metadata) -> bool {
    true
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
    /// Serializes this run's appends.
    appender: Mutex<()>,
}

impl Manifest {
    /// Reads the manifest of `out_dir` (empty when there is none, or it cannot be read).
    pub fn load(out_dir: &Path) -> Manifest {
        let mut entries = HashMap::new();
        let path = out_dir.join(FILE_NAME);
        let mut text = String::new();
        if usable(&path) == Some(true)
            && let Ok(f) = File::open(&path)
        {
            // Bounded even if the file grows or is swapped meanwhile.
            let _ = f.take(MAX_BYTES).read_to_string(&mut text);
        }
        for line in text.lines() {
            if let Ok(e) = serde_json::from_str::<Entry>(line) {
                entries.insert(e.output.clone(), e);
            }
        }
        Manifest { dir: out_dir.to_path_buf(), entries, appender: Mutex::new(()) }
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

    /// Records that `output` (inside the folder) was just made from `input` with `settings`,
    /// `before` being the input's [`stamp`] taken before the conversion opened it: that is the
    /// input recorded, so an input replaced meanwhile differs from it and the next run converts
    /// it again. An error says why the line could not be written (the output is then not known
    /// to the next run).
    pub fn record(
        &self,
        input: &Path,
        output: &Path,
        settings: &str,
        before: Option<(u64, u128)>,
    ) -> Result<(), String> {
        let (Some(rel), Some(key)) = (relative(&self.dir, output), input_key(input)) else {
            return Err("its paths cannot be recorded".into());
        };
        let (Some((input_size, input_mtime_ns)), Some((output_size, output_mtime_ns))) =
            (before, stamp(output))
        else {
            return Err("the input or the output cannot be read".into());
        };
        let entry = Entry {
            output: rel,
            input: key,
            input_size,
            input_mtime_ns,
            settings: settings.to_string(),
            output_size,
            output_mtime_ns,
        };
        let line = serde_json::to_string(&entry).map_err(|e| e.to_string())? + "\n";
        let _one_at_a_time =
            self.appender.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let path = self.dir.join(FILE_NAME);
        if usable(&path) == Some(false) {
            return Err(format!("{FILE_NAME} is not a regular file of its own"));
        }
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| crate::error::io_reason(&e))?;
        // Opened what was checked: a regular file of its own (not swapped for a link since).
        if !f.metadata().is_ok_and(|m| m.is_file() && single_link(&m))
            || usable(&path) != Some(true)
        {
            return Err(format!("{FILE_NAME} is not a regular file of its own"));
        }
        // One line in one write, under an exclusive lock: concurrent runs never interleave.
        let _ = f.lock();
        f.write_all(line.as_bytes()).map_err(|e| crate::error::io_reason(&e))
    }
}

/// Whether `entry` says its output was made from `input` as it is now, with `settings`.
pub fn made_from(entry: &Entry, input: &Path, settings: &str) -> bool {
    entry.settings == settings
        && input_key(input).is_some_and(|k| k == entry.input)
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

        let before = stamp(&input);
        assert!(Manifest::load(&out).record(&input, &output, "channeltalk", before).is_ok());
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
    fn the_last_line_of_an_output_wins_and_records_the_input_as_it_was_opened() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let out = dir.path();
        let input = out.join("in.mp3");
        fs::write(&input, b"input").unwrap_or_else(|e| panic!("{e}"));
        fs::write(out.join("a.wav"), "a").unwrap_or_else(|e| panic!("{e}"));
        let m = Manifest::load(out);
        let before = stamp(&input);
        assert!(m.record(&input, &out.join("a.wav"), "one", before).is_ok());
        assert!(m.record(&input, &out.join("a.wav"), "two", before).is_ok());
        let m = Manifest::load(out);
        let e = m.ours("a.wav").cloned().unwrap_or_else(|| panic!("not recorded"));
        assert_eq!(e.settings, "two");
        assert!(made_from(&e, &input, "two"));
        // The input as it was when the conversion opened it is what is recorded: one that
        // changed meanwhile is not up to date afterwards.
        assert!(m.record(&input, &out.join("a.wav"), "two", Some((1, 2))).is_ok());
        let e = Manifest::load(out).ours("a.wav").cloned().unwrap_or_else(|| panic!("gone"));
        assert!(!made_from(&e, &input, "two"));
    }

    #[cfg(unix)]
    #[test]
    fn never_through_a_link_nor_into_a_pipe() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap_or_else(|e| panic!("{e}"));
        let victim = dir.path().join("victim.txt");
        fs::write(&victim, "precious").unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink(&victim, out.join(FILE_NAME)).unwrap_or_else(|e| panic!("{e}"));
        let input = dir.path().join("in.wav");
        fs::write(&input, "x").unwrap_or_else(|e| panic!("{e}"));
        fs::write(out.join("a.wav"), "a").unwrap_or_else(|e| panic!("{e}"));
        let m = Manifest::load(&out);
        assert!(m.record(&input, &out.join("a.wav"), "s", stamp(&input)).is_err());
        assert_eq!(fs::read_to_string(&victim).unwrap_or_default(), "precious");
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_names_are_told_apart() {
        use std::os::unix::ffi::OsStrExt;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let a = dir.path().join(std::ffi::OsStr::from_bytes(b"\xfe.wav"));
        let b = dir.path().join(std::ffi::OsStr::from_bytes(b"\xff.wav"));
        let (ka, kb) = (input_key(&a), input_key(&b));
        assert!(ka.as_deref().is_some_and(|k| k.starts_with("bytes:")));
        assert_ne!(ka, kb);
    }
}
