//! Decoding on worker threads must give exactly what one thread gives, for any bytes: the same
//! samples, bit for bit, and the same end or error. The first input byte picks the segment
//! length (1 to 256 packets' worth of frames), so that random streams meet many boundaries.

#![no_main]

mod common;

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use promptwav::decode::Decoder;

static DIR: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();

/// Every sample as bits, then the end or the error with the counts.
fn decode(path: &std::path::Path, segment_frames: Option<u64>) -> Option<(Vec<u32>, String)> {
    let mut decoder = Decoder::open(path).ok()?;
    if let Some(frames) = segment_frames {
        decoder.decode_ahead_in(2, frames);
    }
    Some(decoder.drain_as_bits())
}

fuzz_target!(|data: &[u8]| {
    common::quiet_guarded_panics();
    let Some((&first, rest)) = data.split_first() else { return };
    let Some(dir) = DIR.get_or_init(|| tempfile::tempdir().ok()).as_ref() else { return };
    let input = dir.path().join("input");
    if std::fs::write(&input, rest).is_err() {
        return;
    }
    let segment = u64::from(first) * 1152 + 1;
    let alone = decode(&input, None);
    let ahead = decode(&input, Some(segment));
    assert!(alone == ahead, "decoding ahead differs from decoding alone");
});
