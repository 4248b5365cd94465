//! The fork against the published crate: every MP3 fixture, and deterministic corruptions of
//! them, decode to the same bits, the same byte counts and the same errors (or the same panic).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

/// What one decoder made of a whole stream: per call, the bytes consumed and the outcome
/// (the PCM bits and frame facts, or the error), until the input ran out or the decoder
/// panicked.
#[derive(Debug, PartialEq)]
enum Step {
    Frame { consumed: usize, rate: u32, channels: u8, layer: u8, bits: Vec<u32> },
    Error { consumed: usize, what: String },
    Panicked,
}

/// The steps of a decoder type (ours or the published one: the same API) over `data`.
macro_rules! steps {
    ($decoder:ty, $data:expr) => {{
        let mut decoder = <$decoder>::new();
        let mut pcm = vec![0f32; super::MAX_SAMPLES_PER_FRAME];
        run($data, |input| {
            let (consumed, result) = decoder.decode(input, &mut pcm);
            let facts = result
                .map(|i| {
                    let samples = i.samples_produced * usize::from(i.channels.num());
                    (samples, i.sample_rate, i.channels.num(), i.layer)
                })
                .map_err(|e| format!("{e:?}"));
            (consumed, facts, pcm.clone())
        })
    }};
}

fn ours(data: &[u8]) -> Vec<Step> {
    steps!(super::Decoder, data)
}

fn published(data: &[u8]) -> Vec<Step> {
    steps!(nanomp3_core::Decoder, data)
}

type Decoded = (usize, Result<(usize, u32, u8, u8), String>, Vec<f32>);

fn run(mut data: &[u8], mut decode: impl FnMut(&[u8]) -> Decoded) -> Vec<Step> {
    let mut steps = Vec::new();
    while !data.is_empty() {
        let Ok((consumed, result, pcm)) = catch_unwind(AssertUnwindSafe(|| decode(data))) else {
            steps.push(Step::Panicked);
            break;
        };
        steps.push(match result {
            Ok((samples, rate, channels, layer)) => Step::Frame {
                consumed,
                rate,
                channels,
                layer,
                bits: pcm[..samples].iter().map(|x| x.to_bits()).collect(),
            },
            Err(what) => Step::Error { consumed, what },
        });
        if consumed == 0 {
            break;
        }
        data = &data[consumed.min(data.len())..];
    }
    steps
}

fn mp3_fixtures() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("mp3")) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"), &mut out);
    out.sort();
    out
}

#[test]
fn every_mp3_fixture_decodes_to_the_published_crates_bits() {
    let files = mp3_fixtures();
    assert!(files.len() >= 5, "the MP3 fixtures are missing: {files:?}");
    let mut frames = 0;
    for path in &files {
        let Ok(data) = std::fs::read(path) else { panic!("cannot read {}", path.display()) };
        let (a, b) = (ours(&data), published(&data));
        frames += a.iter().filter(|s| matches!(s, Step::Frame { .. })).count();
        assert!(a == b, "{}: the fork and nanomp3-core 0.2.0 differ", path.display());
    }
    // The comparison covers real audio, not only errors.
    assert!(frames > 100, "only {frames} frames decoded");
}

#[test]
fn corrupted_fixtures_fail_alike() {
    // xorshift64: the same corruptions on every run.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let valid: Vec<Vec<u8>> = mp3_fixtures()
        .iter()
        .filter(|p| !p.starts_with(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/broken")))
        .filter_map(|p| std::fs::read(p).ok())
        .filter(|d| d.len() > 1000)
        .collect();
    assert!(valid.len() >= 3);
    for (n, original) in valid.iter().enumerate() {
        for round in 0..10 {
            let mut data = original.clone();
            for _ in 0..1 + next() % 16 {
                let at = (next() % data.len() as u64) as usize;
                data[at] ^= 1 << (next() % 8);
            }
            let (a, b) = (ours(&data), published(&data));
            assert!(a == b, "fixture {n}, corruption {round}: the fork and nanomp3-core differ");
        }
    }
}
