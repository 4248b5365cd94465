//! Output files appear whole or not at all.
//!
//! Guarantees:
//! - Audio is written to a hidden temporary file in the output folder
//!   (`.promptwav-<pid>-<n>.tmp`), flushed and fsynced, then given its final name in one step.
//!   A file under its final name is always complete, even if the process is killed.
//! - An existing file is never replaced unless overwriting was asked for: without it, the final
//!   name is claimed with a hard link, which fails if the name exists, so not even a file
//!   created by someone else a moment earlier is lost.
//! - A temporary file is removed when its conversion fails or is abandoned; those left by a
//!   killed run are removed by [`remove_stale_temporaries`] at the start of the next one.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

const PREFIX: &str = ".promptwav-";
const SUFFIX: &str = ".tmp";

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary file that becomes the output when [`TempFile::commit`] succeeds, and is deleted
/// otherwise.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    file: File,
    committed: bool,
}

impl TempFile {
    /// Creates a new, empty temporary file in `dir`.
    pub fn create(dir: &Path) -> io::Result<TempFile> {
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("{PREFIX}{}-{n}{SUFFIX}", std::process::id()));
            match OpenOptions::new().write(true).read(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(TempFile { path, file, committed: false });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// The open file, to write to.
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// The temporary path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Fsyncs the file and gives it the name `dest`. Without `overwrite`, fails with
    /// `AlreadyExists` if `dest` exists, and the temporary file is removed.
    pub fn commit(mut self, dest: &Path, overwrite: bool) -> io::Result<()> {
        self.file.sync_all()?;
        if overwrite {
            fs::rename(&self.path, dest)?;
        } else {
            match fs::hard_link(&self.path, dest) {
                Ok(()) => {
                    let _ = fs::remove_file(&self.path);
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(e),
                Err(_) => {
                    // File systems without hard links: check, then rename.
                    if dest.exists() {
                        return Err(io::Error::new(
                            io::ErrorKind::AlreadyExists,
                            "output already exists",
                        ));
                    }
                    fs::rename(&self.path, dest)?;
                }
            }
        }
        self.committed = true;
        if let Some(dir) = dest.parent() {
            // Make the new name durable; not every platform can open a folder, so best effort.
            if let Ok(d) = File::open(if dir.as_os_str().is_empty() { Path::new(".") } else { dir })
            {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Whether `name` is one of our temporary files.
pub fn is_temporary_name(name: &str) -> bool {
    name.starts_with(PREFIX) && name.ends_with(SUFFIX)
}

/// Whether the process that made the temporary file `name` is still running (Linux: by
/// `/proc`; elsewhere we cannot tell, and assume it is not).
fn owner_alive(name: &str) -> bool {
    let pid = name[PREFIX.len()..].split('-').next().and_then(|p| p.parse::<u32>().ok());
    match pid {
        Some(pid) if pid == std::process::id() => true,
        Some(pid) => Path::new("/proc").is_dir() && Path::new(&format!("/proc/{pid}")).exists(),
        None => false,
    }
}

/// Removes temporary files left in `dir` by runs that are no longer running. Returns how many.
pub fn remove_stale_temporaries(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_temporary_name(name) && !owner_alive(name) && fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn tmpdir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn commit_publishes_and_drop_cleans_up() {
        let dir = tmpdir();
        let dest = dir.path().join("a.wav");
        let mut t = TempFile::create(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        t.file().write_all(b"hello").unwrap_or_else(|e| panic!("{e}"));
        t.commit(&dest, false).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fs::read(&dest).unwrap_or_default(), b"hello");

        let t = TempFile::create(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let tmp = t.path().to_path_buf();
        assert!(tmp.exists());
        drop(t);
        assert!(!tmp.exists());
        assert_eq!(fs::read_dir(dir.path()).map(|d| d.count()).unwrap_or(0), 1);
    }

    #[test]
    fn never_clobbers_without_overwrite() {
        let dir = tmpdir();
        let dest = dir.path().join("a.wav");
        fs::write(&dest, b"old").unwrap_or_else(|e| panic!("{e}"));
        let mut t = TempFile::create(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        t.file().write_all(b"new").unwrap_or_else(|e| panic!("{e}"));
        let err = t.commit(&dest, false).err().map(|e| e.kind());
        assert_eq!(err, Some(io::ErrorKind::AlreadyExists));
        assert_eq!(fs::read(&dest).unwrap_or_default(), b"old");
        // The temporary file is gone too.
        assert_eq!(fs::read_dir(dir.path()).map(|d| d.count()).unwrap_or(0), 1);

        let mut t = TempFile::create(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        t.file().write_all(b"new").unwrap_or_else(|e| panic!("{e}"));
        t.commit(&dest, true).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(fs::read(&dest).unwrap_or_default(), b"new");
    }

    #[test]
    fn stale_temporaries_of_dead_runs_are_removed() {
        let dir = tmpdir();
        // A pid that cannot be running (above the kernel's pid_max).
        let stale = dir.path().join(".promptwav-4194305-0.tmp");
        fs::write(&stale, b"partial").unwrap_or_else(|e| panic!("{e}"));
        let mine = TempFile::create(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let other = dir.path().join("keep.wav");
        fs::write(&other, b"x").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(remove_stale_temporaries(dir.path()), 1);
        assert!(!stale.exists());
        assert!(mine.path().exists(), "a running conversion's file is left alone");
        assert!(other.exists());
    }
}
