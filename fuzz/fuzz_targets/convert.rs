//! Bytes in, WAV out: the whole conversion of an arbitrary file must never panic, hang or
//! leave anything but a complete WAV (or nothing) behind.

#![no_main]

mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use promptwav::profile::Profile;

static DIR: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    common::quiet_guarded_panics();
    let Some(dir) = DIR.get_or_init(|| tempfile::tempdir().ok()).as_ref() else { return };
    let input = dir.path().join("input");
    let output = dir.path().join("output.wav");
    if std::fs::write(&input, data).is_err() {
        return;
    }
    let _ = std::fs::remove_file(&output);
    match promptwav::convert::convert_file(&input, &output, &Profile::default(), true) {
        Ok(c) => {
            let bytes = std::fs::read(&output).unwrap_or_default();
            assert_eq!(
                bytes.len() as u64,
                44 + 2 * c.output_frames,
                "size disagrees with the report"
            );
            assert_eq!(&bytes[..4], b"RIFF");
        }
        Err(_) => assert!(!output.exists(), "a failed conversion left an output"),
    }
});
