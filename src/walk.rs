//! The input walk: files and folders named by a person ► the files to process, in input order,
//! and every entry left out with the reason. Shared by `convert` runs (batch) and `check`, so
//! that both see the same files.
//!
//! Guarantees:
//! - Folders are walked recursively in sorted order; hidden files, files that are clearly not
//!   audio (documents, images, archives...), special files, broken links and links to folders
//!   are [`SkipKind::Skipped`] with a reason; hidden folders are not entered, nor folder loops.
//! - A pipe or device named as an input (`/dev/stdin`), a missing input or an unreadable folder
//!   is [`SkipKind::Unreadable`] with a reason: never silently skipped.
//! - The excluded folder (the output folder) is never walked, even inside an input folder;
//!   promptwav's own temporary files and manifest in it are not reported.
//! - Only reads metadata and folder listings: touches nothing on disk.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{ErrorKind, io_reason};
use crate::names;
use crate::notice::Notice;
use crate::output;

/// Why an entry was left out of the walk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipKind {
    /// Not something to process (hidden, not audio by its extension, a link to a folder...):
    /// fine to leave out.
    Skipped,
    /// Named or found but cannot be read (missing, a pipe or device, an unreadable folder): a
    /// failure.
    Unreadable,
}

/// An entry the walk left out, with the reason for a person.
#[derive(Debug, Clone, PartialEq)]
pub struct Skip {
    /// The entry, as given or found by walking.
    pub path: PathBuf,
    /// Skipped or unreadable.
    pub kind: SkipKind,
    /// Why ("hidden file", "file not found").
    pub reason: String,
    /// The typed key of `reason` for a skipped entry (its English text is `reason`).
    pub notice: Option<Notice>,
    /// The kind of failure of an unreadable entry.
    pub error_kind: Option<ErrorKind>,
}

impl Skip {
    fn skipped(path: &Path, notice: Notice) -> Skip {
        Skip {
            path: path.to_path_buf(),
            kind: SkipKind::Skipped,
            reason: notice.english(),
            notice: Some(notice),
            error_kind: None,
        }
    }

    fn unreadable(path: &Path, kind: ErrorKind, reason: impl Into<String>) -> Skip {
        Skip {
            path: path.to_path_buf(),
            kind: SkipKind::Unreadable,
            reason: reason.into(),
            notice: None,
            error_kind: Some(kind),
        }
    }
}

/// Extensions of files that are clearly not audio: skipped when found in a walked folder (a
/// file named on the command line is always tried).
const NOT_AUDIO: &[&str] = &[
    "txt", "md", "rtf", "pdf", "doc", "docx", "xls", "xlsx", "csv", "tsv", "ppt", "pptx", "odt",
    "ods", "hwp", "hwpx", "json", "xml", "yaml", "yml", "toml", "ini", "cfg", "log", "html", "htm",
    "css", "js", "py", "sh", "bat", "exe", "dll", "jpg", "jpeg", "png", "gif", "bmp", "webp",
    "svg", "tif", "tiff", "heic", "ico", "psd", "zip", "rar", "7z", "gz", "tgz", "bz2", "xz",
    "tar", "db", "sqlite", "lnk", "url", "srt", "vtt", "lrc", "cue", "m3u", "m3u8", "pls", "nfo",
    "sfk", "pkf", "asd", "reapeaks",
];

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.as_encoded_bytes().first() == Some(&b'.')
}

fn clearly_not_audio(path: &Path) -> bool {
    let name =
        path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
    if matches!(name.as_str(), "thumbs.db" | "desktop.ini") {
        return true;
    }
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| NOT_AUDIO.contains(&e.to_ascii_lowercase().as_str()))
        .unwrap_or(false)
}

/// A file found while walking, with the safe folder path it goes to (relative to the output).
#[derive(Debug, Clone)]
pub struct Found {
    /// The file.
    pub path: PathBuf,
    /// The safe folder path its output goes to, relative to the output folder.
    pub rel_dir: PathBuf,
    /// Its canonical path, when the walk knows it without asking the file system again (a
    /// regular file, not a link, in a folder whose canonical path is known).
    pub(crate) canonical: Option<PathBuf>,
}

struct Walker<'a> {
    out_dir_canon: Option<PathBuf>,
    found: &'a mut Vec<Result<Found, Skip>>,
    /// Folders being walked (canonical), against link loops.
    stack: Vec<PathBuf>,
}

impl Walker<'_> {
    fn walk(&mut self, dir: &Path, rel_dir: &Path) {
        let canon = fs::canonicalize(dir).ok();
        if let Some(c) = &canon {
            if self.out_dir_canon.as_ref() == Some(c) {
                return;
            }
            if self.stack.contains(c) {
                self.found.push(Err(Skip::skipped(dir, Notice::FolderLoop)));
                return;
            }
        }
        let entries = match fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.found.push(Err(Skip::unreadable(
                    dir,
                    ErrorKind::of_io(e.kind()),
                    format!("cannot read folder: {}", io_reason(&e)),
                )));
                return;
            }
        };
        let mut names: Vec<OsString> = entries.flatten().map(|e| e.file_name()).collect();
        names.sort();
        if let Some(c) = canon.clone() {
            self.stack.push(c);
        }
        for name in names {
            let path = dir.join(&name);
            let Ok(meta) = fs::symlink_metadata(&path) else {
                continue;
            };
            let ft = meta.file_type();
            if is_hidden(&name) {
                let text = name.to_string_lossy();
                if !ft.is_dir()
                    && !output::is_temporary_name(&text)
                    && text != output::MANIFEST_NAME
                {
                    self.found.push(Err(Skip::skipped(&path, Notice::HiddenFile)));
                }
                continue;
            }
            if ft.is_dir() {
                self.walk(&path, &rel_dir.join(names::safe_component(&name)));
            } else if ft.is_symlink() {
                match fs::metadata(&path) {
                    Ok(m) if m.is_dir() => {
                        self.found.push(Err(Skip::skipped(&path, Notice::LinkToFolder)))
                    }
                    Ok(m) if m.is_file() => self.file(path, rel_dir, None),
                    Ok(_) => self.found.push(Err(Skip::skipped(&path, Notice::LinkToSpecialFile))),
                    Err(_) => self.found.push(Err(Skip::skipped(&path, Notice::BrokenLink))),
                }
            } else if ft.is_file() {
                let canonical = canon.as_ref().map(|c| c.join(&name));
                self.file(path, rel_dir, canonical);
            } else {
                self.found.push(Err(Skip::skipped(&path, Notice::SpecialFile)));
            }
        }
        if canon.is_some() {
            self.stack.pop();
        }
    }

    /// A file found; `canonical` as in [`Found`].
    fn file(&mut self, path: PathBuf, rel_dir: &Path, canonical: Option<PathBuf>) {
        if clearly_not_audio(&path) {
            self.found.push(Err(Skip::skipped(&path, Notice::NotAudioByExtension)));
        } else {
            self.found.push(Ok(Found { path, rel_dir: rel_dir.to_path_buf(), canonical }));
        }
    }
}

/// Walks `inputs` as `convert` does (see the module's guarantees), never entering `exclude`
/// (the output folder): every file to process as `Ok`, in input order, and every input skipped
/// or unreadable as `Err` with its final record. Touches nothing on disk.
pub fn walk(inputs: &[PathBuf], exclude: Option<&Path>) -> Vec<Result<Found, Skip>> {
    let out_dir_canon = exclude.and_then(|d| fs::canonicalize(d).ok());
    let mut found: Vec<Result<Found, Skip>> = Vec::new();
    for input in inputs {
        match fs::metadata(input) {
            Ok(m) if m.is_dir() => {
                let name = fs::canonicalize(input)
                    .ok()
                    .and_then(|c| c.file_name().map(|n| n.to_os_string()))
                    .unwrap_or_else(|| OsString::from("input"));
                let mut walker = Walker {
                    out_dir_canon: out_dir_canon.clone(),
                    found: &mut found,
                    stack: Vec::new(),
                };
                walker.walk(input, Path::new(&names::safe_component(&name)));
            }
            Ok(m) if m.is_file() => found.push(Ok(Found {
                path: input.clone(),
                rel_dir: PathBuf::new(),
                canonical: None,
            })),
            Ok(_) => {
                // Named on the command line: the person meant it, so it is a failure, not a
                // silent skip (a script must not read exit 0 as "converted").
                found.push(Err(Skip::unreadable(
                    input,
                    ErrorKind::NotAudio,
                    "is a pipe or device, not a file: promptwav reads regular files; save the \
                     audio to a file first",
                )));
            }
            Err(e) => {
                found.push(Err(Skip::unreadable(input, ErrorKind::of_io(e.kind()), io_reason(&e))));
            }
        }
    }
    found
}
