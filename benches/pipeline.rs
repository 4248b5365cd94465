//! Each stage on its own, and the whole pipeline per format, so a regression shows where it
//! comes from. Run with `cargo bench`; throughput is in input frames (or names) per second.
//!
//! Decoding and whole-pipeline benchmarks use the committed `fixtures/formats/` files.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use promptwav::decode::Decoder;
use promptwav::encode::Quantizer;
use promptwav::mix::{self, Speaker};
use promptwav::names;
use promptwav::profile::Profile;
use promptwav::resample::Resampler;

fn signal(frames: usize, rate: u32) -> Vec<f32> {
    (0..frames)
        .map(|i| {
            let t = i as f32 / rate as f32;
            0.3 * (2.0 * std::f32::consts::PI * 440.0 * t).sin()
                + 0.1 * (2.0 * std::f32::consts::PI * 3150.0 * t).sin()
        })
        .collect()
}

fn bench_mix(c: &mut Criterion) {
    let frames = 48_000;
    let mut g = c.benchmark_group("mix");
    g.throughput(Throughput::Elements(frames as u64));
    for (name, layout) in [
        ("stereo", vec![Speaker::FrontLeft, Speaker::FrontRight]),
        (
            "5.1",
            vec![
                Speaker::FrontLeft,
                Speaker::FrontRight,
                Speaker::FrontCenter,
                Speaker::Lfe,
                Speaker::Surround,
                Speaker::Surround,
            ],
        ),
    ] {
        let planes: Vec<Vec<f32>> = layout.iter().map(|_| signal(frames, 48_000)).collect();
        let mut out = Vec::with_capacity(frames);
        g.bench_function(name, |b| {
            b.iter(|| {
                out.clear();
                mix::to_mono(black_box(&planes), &layout, frames, &mut out);
                black_box(&out);
            })
        });
    }
    // The per-file pass beside the mix: clipping runs and the smart downmix's channel
    // statistics (what a stereo input costs on top of its mix).
    let planes: Vec<Vec<f32>> = (0..2).map(|_| signal(frames, 48_000)).collect();
    g.bench_function("stats_stereo", |b| {
        b.iter(|| {
            let mut clips = mix::ClipCounter::new(3, mix::FULL_SCALE_16).with_channel_stats();
            clips.push_planar(black_box(&planes), frames);
            black_box(clips.downmix());
        })
    });
    g.finish();
}

fn bench_resample(c: &mut Criterion) {
    let mut g = c.benchmark_group("resample");
    for rate in [8_000u32, 16_000, 22_050, 44_100, 96_000] {
        let input = signal(rate as usize, rate); // one second
        let mut r = Resampler::new(rate, 48_000).unwrap();
        let mut out = Vec::with_capacity(60_000);
        g.throughput(Throughput::Elements(u64::from(rate)));
        g.bench_with_input(BenchmarkId::from_parameter(rate), &input, |b, input| {
            b.iter(|| {
                r.reset();
                out.clear();
                for chunk in input.chunks(4096) {
                    r.push(chunk, &mut out);
                }
                r.finish(&mut out);
                black_box(&out);
            })
        });
    }
    g.finish();
}

fn bench_encode(c: &mut Criterion) {
    let input = signal(48_000, 48_000);
    let mut out = Vec::with_capacity(48_000);
    let mut g = c.benchmark_group("encode");
    g.throughput(Throughput::Elements(48_000));
    g.bench_function("quantize_dither", |b| {
        b.iter(|| {
            out.clear();
            Quantizer::new().quantize(black_box(&input), &mut out);
            black_box(&out);
        })
    });
    g.finish();
}

fn bench_names(c: &mut Criterion) {
    let inputs = [
        "안내음성_영업시간외.mp3",
        "점심시간 안내.wav",
        "모든 상담원이 통화중입니다.m4a",
        "Greeting (final) v2!.mp3",
        "café crème.ogg",
        "CON.wav",
    ];
    let mut g = c.benchmark_group("names");
    g.throughput(Throughput::Elements(inputs.len() as u64));
    g.bench_function("output_name", |b| {
        b.iter(|| {
            for n in inputs {
                black_box(names::output_name(std::ffi::OsStr::new(black_box(n)), "wav"));
            }
        })
    });
    g.finish();
}

fn format_fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/formats");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn bench_decode_and_pipeline(c: &mut Criterion) {
    let files = format_fixtures();
    let tmp = tempfile::tempdir().unwrap();
    let profile = Profile::default();
    let mut dg = c.benchmark_group("decode");
    for f in &files {
        let Ok(mut d) = Decoder::open(f) else { continue };
        let mut frames = 0u64;
        while let Ok(Some(chunk)) = d.next_chunk() {
            frames += chunk.frames as u64;
        }
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        dg.throughput(Throughput::Elements(frames));
        dg.bench_function(&name, |b| {
            b.iter(|| {
                let Ok(mut d) = Decoder::open(f) else { return };
                while let Ok(Some(chunk)) = d.next_chunk() {
                    black_box(chunk.frames);
                }
            })
        });
    }
    dg.finish();
    let mut pg = c.benchmark_group("pipeline");
    for f in &files {
        if Decoder::open(f).is_err() {
            continue;
        }
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let dest = tmp.path().join("out.wav");
        pg.bench_function(&name, |b| {
            b.iter(|| {
                let _ = promptwav::convert::convert_file(f, &dest, &profile, true);
            })
        });
    }
    pg.finish();
}

criterion_group!(
    benches,
    bench_mix,
    bench_resample,
    bench_encode,
    bench_names,
    bench_decode_and_pipeline
);
criterion_main!(benches);
