//! Bytes in, a report out: the WAV header checker of `promptwav check` (and the content
//! analysis behind it) must never panic or hang on any file, and must never modify it.

#![no_main]

use std::io::Cursor;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use promptwav::check::{self, CheckOptions};

static DIR: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    // The header parser alone, in memory.
    let _ = check::riff::parse(&mut Cursor::new(data), data.len() as u64);
    // The whole check of a file, which also decodes and measures the audio.
    let Some(dir) = DIR.get_or_init(|| tempfile::tempdir().ok()).as_ref() else { return };
    let path = dir.path().join("input.wav");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let report = check::check_file(&path, &CheckOptions::default());
    assert_eq!(std::fs::read(&path).ok().as_deref(), Some(data), "check modified the file");
    let _ = report;
});
