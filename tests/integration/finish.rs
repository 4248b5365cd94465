//! Finishing (issue 7): loudness, true peak, trimming, fades, smart downmix, and the telephony
//! profiles' u-law output, measured on generated speech-like signals.
//!
//! Measurements are made here, independently of the code under test: loudness and true peak with
//! `ebur128` on the decoded output, G.711 with a decoder written from the ITU-T G.711 definition
//! (and symphonia's, which must agree), the RIFF layout byte by byte.

use std::path::{Path, PathBuf};

use promptwav::convert::{Converted, Settings, convert_via};
use promptwav::finish::{FinishOptions, Trim};
use promptwav::profile::{self, Profile};

use crate::util::*;

// ---------------------------------------------------------------------------------------------
// Signals

/// xorshift64: deterministic noise and choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    fn range(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.next()
    }
}

/// A speech-like signal: syllables of 120-300 ms (80% voiced: a gliding 100-220 Hz harmonic
/// series shaped by three formants; 20% fricative noise) with 15 ms attacks and 40 ms decays,
/// short gaps, and a longer pause every fifth syllable. Starts with the first syllable's attack
/// (from 0) and ends after the last whole syllable (silence to the end). Peak to loudness ratio
/// about 14 dB, like speech.
fn speech_like(rate: u32, seconds: f64, seed: u64) -> Vec<f32> {
    let n = (seconds * f64::from(rate)).round() as usize;
    let mut out = vec![0f32; n];
    let mut rng = Rng(seed | 1);
    let fs = f64::from(rate);
    let top = 3800f64.min(fs * 0.45);
    let mut t = 0.0;
    let mut count = 0;
    loop {
        let len = rng.range(0.12, 0.30);
        if t + len > seconds && count > 0 {
            break;
        }
        let len = len.min(seconds - t);
        let voiced = count == 0 || rng.next() < 0.8;
        let f0 = rng.range(100.0, 220.0);
        let glide = rng.range(-0.2, 0.2);
        let formants =
            [rng.range(300.0, 800.0), rng.range(900.0, 2200.0), rng.range(2400.0, 3200.0)];
        let amp = rng.range(0.5, 1.0);
        let start = (t * fs) as usize;
        let len_n = (len * fs) as usize;
        let (attack, decay) = (0.015 * fs, 0.04 * fs);
        let mut phase = 0.0f64;
        let mut previous = 0.0;
        for i in 0..len_n {
            let Some(slot) = out.get_mut(start + i) else { break };
            let fi = i as f64;
            let env = if fi < attack {
                (std::f64::consts::FRAC_PI_2 * fi / attack).sin().powi(2)
            } else if fi > len_n as f64 - decay {
                (std::f64::consts::FRAC_PI_2 * (len_n as f64 - fi) / decay).sin().powi(2)
            } else {
                1.0
            };
            let v = if voiced {
                let f = f0 * (1.0 + glide * fi / len_n as f64);
                phase += 2.0 * std::f64::consts::PI * f / fs;
                let mut s = 0.0;
                let mut k = 1.0;
                while k * f < top {
                    let h = k * f;
                    let a = (1.0 / (1.0 + ((h - formants[0]) / 90.0).powi(2))
                        + 0.6 / (1.0 + ((h - formants[1]) / 120.0).powi(2))
                        + 0.3 / (1.0 + ((h - formants[2]) / 180.0).powi(2)))
                        / k.sqrt();
                    s += a * (k * phase + k * 0.7).sin();
                    k += 1.0;
                }
                s * 0.3
            } else {
                let w = rng.range(-1.0, 1.0);
                let d = w - previous;
                previous = w;
                d * 0.15
            };
            *slot = (v * env * amp) as f32;
        }
        count += 1;
        t += len + if count % 5 == 0 { rng.range(0.25, 0.5) } else { rng.range(0.03, 0.12) };
        if t >= seconds {
            break;
        }
    }
    out
}

/// (integrated loudness LUFS, true peak dBTP) of mono samples, by ebur128.
fn loudness(samples: &[f32], rate: u32) -> (f64, f64) {
    let mut e =
        ebur128::EbuR128::new(1, rate, ebur128::Mode::I | ebur128::Mode::TRUE_PEAK).unwrap();
    e.add_frames_f32(samples).unwrap();
    let peak = e.true_peak(0).unwrap();
    // Under one gating block (0.4 s) R128 gives no integrated loudness: the whole file as one
    // window, as promptwav measures it (else the gain below is infinite).
    let l = if samples.len() as u64 * 10 < u64::from(rate) * 4 {
        e.loudness_window((samples.len() as u64 * 1000 / u64::from(rate)).max(1) as u32).unwrap()
    } else {
        e.loudness_global().unwrap()
    };
    (l, 20.0 * peak.log10())
}

/// Scales `samples` to `lufs`.
fn at_level(samples: &[f32], rate: u32, lufs: f64) -> Vec<f32> {
    let (l, _) = loudness(samples, rate);
    let g = 10f64.powf((lufs - l) / 20.0) as f32;
    samples.iter().map(|s| s * g).collect()
}

/// Writes a 32-bit float WAV (which holds values past full scale).
fn write_f32(path: &Path, rate: u32, channels: u16, samples: &[f32]) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &s in samples {
        w.write_sample(s).unwrap();
    }
    w.finalize().unwrap();
}

// ---------------------------------------------------------------------------------------------
// An independent reader of what promptwav writes

/// G.711 u-law to 16-bit linear, from the definition (ITU-T G.711 table 2a): the 14-bit magnitude
/// is ((2 * mantissa + 33) << exponent) - 33, times 4 for 16 bits; the code is stored inverted.
fn ulaw_decode(code: u8) -> i16 {
    let c = !code;
    let exponent = u32::from((c >> 4) & 0x07);
    let mantissa = i32::from(c & 0x0F);
    let magnitude = (((2 * mantissa + 33) << exponent) - 33) * 4;
    (if c & 0x80 != 0 { -magnitude } else { magnitude }) as i16
}

/// G.711 A-law to 16-bit linear, from the definition (ITU-T G.711 table 1a): even bits inverted
/// (xor 0x55); the 13-bit magnitude is 2 * mantissa + 1 in segment 0, else
/// (2 * mantissa + 33) << (segment - 1), times 8 for 16 bits; the sign bit set means positive.
fn alaw_decode(code: u8) -> i16 {
    let c = code ^ 0x55;
    let segment = u32::from((c >> 4) & 0x07);
    let mantissa = i32::from(c & 0x0F);
    let magnitude =
        if segment == 0 { 2 * mantissa + 1 } else { (2 * mantissa + 33) << (segment - 1) } * 8;
    (if c & 0x80 != 0 { magnitude } else { -magnitude }) as i16
}

/// What a promptwav WAV holds, read strictly.
struct Wav {
    tag: u16,
    rate: u32,
    bits: u16,
    fmt_size: u32,
    fact: Option<u32>,
    samples: Vec<f32>,
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes(b[i..i + 2].try_into().unwrap())
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(b[i..i + 4].try_into().unwrap())
}

/// Reads a mono PCM16 or u-law WAV the way a strict parser would: RIFF size exact, chunks in
/// order, sizes consistent, pad byte present.
fn read_strict(path: &Path) -> Wav {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[0..4], b"RIFF");
    assert_eq!(u32_at(&b, 4) as usize, b.len() - 8, "RIFF size");
    assert_eq!(&b[8..16], b"WAVEfmt ");
    let fmt_size = u32_at(&b, 16);
    let tag = u16_at(&b, 20);
    assert_eq!(u16_at(&b, 22), 1, "mono");
    let rate = u32_at(&b, 24);
    let bits = u16_at(&b, 34);
    let block = u16_at(&b, 32);
    assert_eq!(u32_at(&b, 28), rate * u32::from(block), "byte rate");
    let mut pos = 20 + fmt_size as usize;
    if fmt_size == 18 {
        assert_eq!(u16_at(&b, 36), 0, "cbSize");
    }
    let mut fact = None;
    if &b[pos..pos + 4] == b"fact" {
        assert_eq!(u32_at(&b, pos + 4), 4);
        fact = Some(u32_at(&b, pos + 8));
        pos += 12;
    }
    assert_eq!(&b[pos..pos + 4], b"data");
    let size = u32_at(&b, pos + 4) as usize;
    let data = &b[pos + 8..pos + 8 + size];
    assert_eq!(pos + 8 + size + size % 2, b.len(), "data size and pad byte");
    let samples = match (tag, bits) {
        (1, 16) => data
            .chunks_exact(2)
            .map(|c| f32::from(i16::from_le_bytes([c[0], c[1]])) / 32768.0)
            .collect(),
        (7, 8) => data.iter().map(|&c| f32::from(ulaw_decode(c)) / 32768.0).collect(),
        (6, 8) => data.iter().map(|&c| f32::from(alaw_decode(c)) / 32768.0).collect(),
        other => panic!("unexpected format {other:?}"),
    };
    Wav { tag, rate, bits, fmt_size, fact, samples }
}

/// The samples as symphonia decodes them.
fn symphonia_decode(path: &Path) -> Vec<f32> {
    let mut d = promptwav::decode::Decoder::open(path).unwrap();
    let mut out = Vec::new();
    while let Some(c) = d.next_chunk().unwrap() {
        out.extend_from_slice(&c.planes[0][..c.frames]);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Running

fn settings(finish: &FinishOptions) -> Settings<'_> {
    Settings { overwrite: true, finish: Some(finish), ..Settings::default() }
}

fn convert(input: &Path, out: &Path, profile: &Profile, finish: &FinishOptions) -> Converted {
    let dir = out.parent().unwrap();
    convert_via(input, out, dir, profile, &settings(finish))
        .unwrap_or_else(|e| panic!("{}: {e}", input.display()))
}

fn check_profile(path: &Path, profile: &str) -> serde_json::Value {
    let out = promptwav()
        .args(["check", "--json", "--strict", "--profile", profile])
        .arg(path)
        .output()
        .unwrap();
    let lines = json_lines(&out.stdout);
    assert_eq!(lines.len(), 1);
    lines[0].clone()
}

/// The largest step from silence into the first sample and out of the last one, in 16-bit LSB.
fn edge_steps(samples: &[f32]) -> (f32, f32) {
    let first = samples.first().copied().unwrap_or(0.0).abs() * 32768.0;
    let last = samples.last().copied().unwrap_or(0.0).abs() * 32768.0;
    (first, last)
}

// ---------------------------------------------------------------------------------------------
// Tests

#[test]
fn loudness_reaches_the_target_under_the_ceiling_for_every_level_and_length() {
    let dir = tempdir();
    let rate = 48000;
    let mut report = String::new();
    for seconds in [0.8, 3.0, 60.0] {
        let speech = speech_like(rate, seconds, 7);
        for level in [-35.0, -23.0, -8.0] {
            // Float WAV: at -8 LUFS the peaks are past full scale (about +6 dBFS).
            let input = dir.path().join(format!("speech-{seconds}-{level}.wav"));
            write_f32(&input, rate, 1, &at_level(&speech, rate, level));
            // Channel Talk (48 kHz PCM) to -16 LUFS, Amazon Connect (8 kHz u-law) to -19.
            for (profile, target) in
                [(&profile::CHANNELTALK, -16.0), (&profile::AMAZON_CONNECT, -19.0)]
            {
                let out = dir.path().join(format!("out-{}-{seconds}-{level}.wav", profile.name));
                let finish = FinishOptions { loudness: Some(target), ..FinishOptions::default() };
                let c = convert(&input, &out, profile, &finish);
                let wav = read_strict(&out);
                assert_eq!(wav.rate, profile.sample_rate);
                let (l, tp) = loudness(&wav.samples, wav.rate);
                let (first, last) = edge_steps(&wav.samples);
                report.push_str(&format!(
                    "{:>14} {seconds:>4} s {level:>4} LUFS -> {l:7.2} LUFS (target {target}), \
                     {tp:6.2} dBTP, edges {first:.0}/{last:.0} LSB, {} render(s)\n",
                    profile.name,
                    c.finish.as_ref().map_or(0, |f| f.renders)
                ));
                assert!((l - target).abs() <= 0.5, "{}: {l} LUFS for {target}", out.display());
                assert!(tp <= -1.0, "{}: {tp} dBTP", out.display());
                assert_eq!(c.output_clipped_samples, 0);
                assert!(first <= 2.0 && last <= 2.0, "{}: steps {first} {last}", out.display());
                let f = c.finish.unwrap();
                let reported = f.loudness_after.unwrap();
                assert!((reported - l).abs() < 0.05, "reported {reported}, measured {l}");
                // Measured before the gain at the output rate: the source's level at 48 kHz;
                // at 8 kHz what lies above 4 kHz (the fricatives' hiss) is gone.
                let before = f.loudness_before.unwrap();
                let slack = if profile.sample_rate == rate { 0.05 } else { 3.0 };
                assert!((before - level).abs() < slack, "{f:?}");
                assert!(c.warnings.is_empty(), "{:?}", c.warnings);
            }
        }
    }
    eprintln!("{report}");
}

#[test]
fn the_limiter_holds_the_ceiling_and_an_unreachable_target_is_reported() {
    let dir = tempdir();
    let rate = 48000;
    let input = dir.path().join("speech.wav");
    write_f32(&input, rate, 1, &at_level(&speech_like(rate, 3.0, 11), rate, -23.0));
    for profile in [&profile::CHANNELTALK, &profile::AMAZON_CONNECT] {
        // -12 LUFS needs about 3 dB of limiting on speech under -1 dBTP.
        let out = dir.path().join(format!("loud-{}.wav", profile.name));
        let finish = FinishOptions { loudness: Some(-12.0), ..FinishOptions::default() };
        let c = convert(&input, &out, profile, &finish);
        let wav = read_strict(&out);
        let (l, tp) = loudness(&wav.samples, wav.rate);
        let f = c.finish.unwrap();
        eprintln!(
            "{}: -12 -> {l:.2} LUFS {tp:.2} dBTP, limiter {:.1} dB",
            profile.name, f.limiter_db
        );
        assert!((l + 12.0).abs() <= 0.5, "{l}");
        assert!(tp <= -1.0, "{tp}");
        assert!(f.limiter_db < -1.0, "the limiter worked: {f:?}");
        assert_eq!(c.output_clipped_samples, 0);

        // -6 LUFS cannot be had under -1 dBTP without distorting speech: as loud as it gets,
        // peaks still under the ceiling, and a warning.
        let out = dir.path().join(format!("too-loud-{}.wav", profile.name));
        let finish = FinishOptions { loudness: Some(-6.0), ..FinishOptions::default() };
        let c = convert(&input, &out, profile, &finish);
        let wav = read_strict(&out);
        let (l, tp) = loudness(&wav.samples, wav.rate);
        assert!(tp <= -1.0, "{tp}");
        assert!(l > -13.0 && l < -6.5, "{l}");
        assert!(c.warnings.iter().any(|w| w.contains("not the -6 LUFS asked")), "{:?}", c.warnings);
        assert_eq!(c.output_clipped_samples, 0);

        // A stricter ceiling holds too.
        let out = dir.path().join(format!("ceiling-{}.wav", profile.name));
        let finish = FinishOptions {
            loudness: Some(-16.0),
            true_peak: Some(-3.0),
            ..FinishOptions::default()
        };
        convert(&input, &out, profile, &finish);
        let wav = read_strict(&out);
        let (l, tp) = loudness(&wav.samples, wav.rate);
        assert!((l + 16.0).abs() <= 0.5 && tp <= -3.0, "{l} {tp}");
    }
}

#[test]
fn a_one_second_prompt_and_a_shorter_one_are_normalized() {
    let dir = tempdir();
    let rate = 48000;
    for seconds in [1.0, 0.3] {
        let input = dir.path().join(format!("short-{seconds}.wav"));
        write_f32(&input, rate, 1, &at_level(&speech_like(rate, seconds, 5), rate, -30.0));
        let out = dir.path().join(format!("short-{seconds}-out.wav"));
        let finish = FinishOptions { loudness: Some(-19.0), ..FinishOptions::default() };
        let c = convert(&input, &out, &profile::CHANNELTALK, &finish);
        let f = c.finish.unwrap();
        let l = f.loudness_after.unwrap();
        assert!((l + 19.0).abs() <= 0.5, "{seconds} s: {l}");
        if seconds < 0.4 {
            // Under one gating block: measured over the whole file, and said so.
            assert!(
                c.warnings.iter().any(|w| w.contains("without R128 gating")),
                "{:?}",
                c.warnings
            );
        } else {
            let wav = read_strict(&out);
            let (measured, _) = loudness(&wav.samples, rate);
            assert!((measured + 19.0).abs() <= 0.5, "{measured}");
        }
    }
}

/// Where sound begins and ends in `samples`: the first and last sample above -60 dBFS.
fn sound_bounds(samples: &[f32]) -> (usize, usize) {
    let loud = |x: &f32| x.abs() > 1e-3;
    let first = samples.iter().position(loud).unwrap();
    let last = samples.len() - 1 - samples.iter().rev().position(loud).unwrap();
    (first, last)
}

#[test]
fn trimming_keeps_the_pad_and_the_speech_and_starts_and_ends_at_zero() {
    let dir = tempdir();
    let mut report = String::new();
    for (profile, rate) in [(&profile::CHANNELTALK, 48000u32), (&profile::AMAZON_CONNECT, 44100)] {
        for (lead, trail, pad_ms) in [(1.2, 1.7, 100.0), (2.5, 0.4, 250.0), (0.05, 0.8, 100.0)] {
            let fs = f64::from(rate);
            // Leading and trailing silence with a faint noise floor (-75 dBFS), speech at -23
            // LUFS with a one-second pause inside.
            let mut rng = Rng(99);
            let noise = |n: usize, rng: &mut Rng| -> Vec<f32> {
                (0..n).map(|_| (rng.range(-1.0, 1.0) * 3e-4) as f32).collect()
            };
            let speech = at_level(&speech_like(rate, 1.5, 3), rate, -23.0);
            let mut x = noise((lead * fs) as usize, &mut rng);
            x.extend(&speech);
            x.extend(noise(fs as usize, &mut rng));
            x.extend(&speech);
            x.extend(noise((trail * fs) as usize, &mut rng));
            let input = dir.path().join(format!("padded-{rate}-{lead}.wav"));
            write_f32(&input, rate, 1, &x);

            let out = dir.path().join(format!("trimmed-{}-{lead}.wav", profile.name));
            let finish = FinishOptions {
                trim: Some(Trim { pad_ms, ..Trim::default() }),
                ..FinishOptions::default()
            };
            let c = convert(&input, &out, profile, &finish);
            let wav = read_strict(&out);
            let out_rate = f64::from(wav.rate);
            let (first, last) = sound_bounds(&wav.samples);
            let pad_start = first as f64 / out_rate;
            let pad_end = (wav.samples.len() - 1 - last) as f64 / out_rate;
            // The speech, its pause included, is all there: from the first syllable's onset to
            // the last one's end.
            let kept = (last - first) as f64 / out_rate;
            let (s_first, s_last) = sound_bounds(&speech);
            let speech_span = 1.5 + 1.0 + s_last as f64 / fs - s_first as f64 / fs;
            let f = c.finish.unwrap();
            let (first_step, last_step) = edge_steps(&wav.samples);
            report.push_str(&format!(
                "{:>14} lead {lead} s trail {trail} s pad {pad_ms} ms: pads {:.1} / {:.1} ms, \
                 speech {kept:.3} s of {speech_span:.3} s, trimmed {:.3} + {:.3} s, edges {first_step:.0}/{last_step:.0} LSB\n",
                profile.name,
                pad_start * 1000.0,
                pad_end * 1000.0,
                f.trimmed_start_s,
                f.trimmed_end_s
            ));
            let want_start = (pad_ms / 1000.0).min(lead);
            let want_end = (pad_ms / 1000.0).min(trail + (1.5 - s_last as f64 / fs));
            assert!(
                (pad_start - want_start).abs() <= 0.010,
                "start pad {pad_start}, want {want_start}"
            );
            assert!((pad_end - want_end).abs() <= 0.010, "end pad {pad_end}, want {want_end}");
            assert!((kept - speech_span).abs() <= 0.010, "kept {kept} of {speech_span}");
            assert!(first_step <= 2.0 && last_step <= 2.0, "edges {first_step} {last_step}");
            // The default fade (5 ms) ends on exact zeros.
            assert_eq!(wav.samples[0], 0.0);
            assert_eq!(wav.samples[wav.samples.len() - 1], 0.0);
        }
    }
    eprintln!("{report}");
}

#[test]
fn a_fade_removes_the_click_of_an_abrupt_start_and_end() {
    let dir = tempdir();
    let input = dir.path().join("abrupt.wav");
    // A tone that starts and stops at full swing.
    let x: Vec<f32> = tone(48000, 1.0, 1000.0).iter().map(|s| s * 1.6).collect();
    write_wav(&input, 48000, 1, &x);
    for profile in [&profile::CHANNELTALK, &profile::AMAZON_CONNECT, &profile::TEAMS] {
        let out = dir.path().join(format!("faded-{}.wav", profile.name));
        let finish = FinishOptions { fade_ms: Some(5.0), ..FinishOptions::default() };
        let c = convert(&input, &out, profile, &finish);
        let wav = read_strict(&out);
        let (first, last) = edge_steps(&wav.samples);
        assert!(first <= 2.0 && last <= 2.0, "{}: {first} {last}", profile.name);
        // The fade is 5 ms: full level after it, nothing trimmed.
        let n5 = (0.005 * f64::from(wav.rate)) as usize;
        let peak = wav.samples[n5..3 * n5].iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(peak > 0.75, "{peak}");
        assert_eq!(c.output_frames, wav.samples.len() as u64);
        assert_eq!(wav.samples.len() as u32, wav.rate);

        // Without finishing the click is there (the source's own first sample is 0, but its
        // last is not): the fade is what removes it.
        let plain = dir.path().join(format!("plain-{}.wav", profile.name));
        convert(&input, &plain, profile, &FinishOptions::default());
        let (_, last) = edge_steps(&read_strict(&plain).samples);
        assert!(last > 100.0, "{last}");
    }
}

#[test]
fn one_sided_and_anti_phase_stereo_keep_their_level() {
    let dir = tempdir();
    let rate = 48000;
    let voice = at_level(&speech_like(rate, 3.0, 21), rate, -20.0);
    let interleave = |l: &[f32], r: &[f32]| -> Vec<f32> {
        l.iter().zip(r).flat_map(|(&a, &b)| [a, b]).collect()
    };
    let silent = vec![0f32; voice.len()];
    let faint: Vec<f32> = voice.iter().map(|v| v * 0.01).collect(); // -40 dB
    let inverted: Vec<f32> = voice.iter().map(|v| -v).collect();
    let cases: [(&str, Vec<f32>, &str, f64); 4] = [
        ("left-only", interleave(&voice, &silent), "silent right channel", -6.0),
        ("right-faint", interleave(&faint, &voice), "silent left channel", -6.0),
        ("anti-phase", interleave(&voice, &inverted), "opposite phase", f64::NEG_INFINITY),
        ("both", interleave(&voice, &voice), "", 0.0),
    ];
    for (name, stereo, warning, plain_change) in cases {
        let input = dir.path().join(format!("{name}.wav"));
        write_f32(&input, rate, 2, &stereo);
        let out = dir.path().join(format!("{name}-smart.wav"));
        // The smart downmix is the default (issue 12).
        let finish = FinishOptions::default();
        let c = convert(&input, &out, &profile::CHANNELTALK, &finish);
        let (l, _) = loudness(&read_strict(&out).samples, rate);
        assert!((l + 20.0).abs() < 0.1, "{name}: {l} LUFS");
        if warning.is_empty() {
            assert!(c.warnings.is_empty(), "{name}: {:?}", c.warnings);
        } else {
            assert!(c.warnings.iter().any(|w| w.contains(warning)), "{name}: {:?}", c.warnings);
        }
        // The plain average, for comparison: 6 dB quieter, or silent.
        let plain = dir.path().join(format!("{name}-plain.wav"));
        let average = FinishOptions { smart_downmix: false, ..FinishOptions::default() };
        convert(&input, &plain, &profile::CHANNELTALK, &average);
        let samples = read_strict(&plain).samples;
        if plain_change.is_finite() {
            let (l, _) = loudness(&samples, rate);
            assert!((l - (-20.0 + plain_change)).abs() < 0.2, "{name} plain: {l}");
        } else {
            assert!(samples.iter().all(|&s| s == 0.0), "{name}: the average cancels");
        }
    }
    // Through the command line (by default), the warning is in the JSON record.
    let out = dir.path().join("cli");
    let res = promptwav()
        .args(["convert", "--json"])
        .arg(dir.path().join("left-only.wav"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    let lines = json_lines(&res.stdout);
    let warnings = lines[0]["warnings"].as_array().unwrap();
    assert!(warnings.iter().any(|w| w.as_str().unwrap().contains("silent right channel")));
}

#[test]
fn every_telephony_profile_passes_its_own_check_and_decodes_back_to_the_signal() {
    let dir = tempdir();
    // Two tones inside the telephone band, at -12 dBFS each, 1.5 s at 44.1 kHz.
    let rate = 44100;
    let n = (1.5 * f64::from(rate)) as usize;
    let signal = |t: f64| {
        0.25 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()
            + 0.25 * (2.0 * std::f64::consts::PI * 1800.0 * t).sin()
    };
    let x: Vec<f32> = (0..n).map(|i| signal(i as f64 / f64::from(rate)) as f32).collect();
    let input = dir.path().join("tones.wav");
    write_f32(&input, rate, 1, &x);
    let mut report = String::new();
    for name in ["amazon-connect", "asterisk", "asterisk-wav16", "cisco", "teams", "genesys"] {
        let profile = Profile::by_name(name).unwrap();
        for finish in [
            FinishOptions::default(),
            FinishOptions {
                loudness: Some(-19.0),
                trim: Some(Trim::default()),
                ..FinishOptions::default()
            },
        ] {
            let out_dir = dir.path().join(format!("{name}-{}", finish.is_active()));
            std::fs::create_dir_all(&out_dir).unwrap();
            let out = out_dir.join(format!("tones.{}", profile.extension));
            let c = convert(&input, &out, profile, &finish);
            let v = check_profile(&out, name);
            assert_eq!(v["ok"], true, "{name}: {v}");
            assert!(v["problems"].as_array().unwrap().is_empty(), "{name}: {v}");

            let wav = read_strict(&out);
            assert_eq!(wav.rate, profile.sample_rate, "{name}");
            let ulaw = profile.codec == profile::Codec::Mulaw;
            if ulaw {
                assert_eq!((wav.tag, wav.bits, wav.fmt_size), (7, 8, 18), "{name}");
                assert_eq!(wav.fact, Some(wav.samples.len() as u32), "{name}");
            } else {
                assert_eq!(
                    (wav.tag, wav.bits, wav.fmt_size, wav.fact),
                    (1, 16, 16, None),
                    "{name}"
                );
            }
            // symphonia reads the same samples.
            assert_eq!(symphonia_decode(&out), wav.samples, "{name}");
            if finish.is_active() {
                continue;
            }
            // The signal, away from the edges: the same tones at the profile's rate.
            let fs = f64::from(wav.rate);
            assert_eq!(wav.samples.len(), (1.5 * fs) as usize);
            assert_eq!(c.output_frames, wav.samples.len() as u64);
            let (mut sig, mut err) = (0.0f64, 0.0f64);
            for (i, &y) in wav.samples.iter().enumerate().skip((0.1 * fs) as usize) {
                if i as f64 > 1.4 * fs {
                    break;
                }
                let want = signal(i as f64 / fs);
                sig += want * want;
                err += (f64::from(y) - want).powi(2);
            }
            let snr = 10.0 * (sig / err).log10();
            report.push_str(&format!("{name:>15}: SNR {snr:.1} dB against the ideal tones\n"));
            // u-law's own SNR for a signal this loud is about 38 dB; 16-bit PCM's over 80.
            assert!(snr > if ulaw { 35.0 } else { 70.0 }, "{name}: SNR {snr:.1} dB");
        }
    }
    eprintln!("{report}");
}

#[test]
fn downsampling_to_8k_does_not_alias() {
    let dir = tempdir();
    let rate = 48000;
    let mut report = String::new();
    // Tones above 4 kHz must not fold back into the telephone band.
    for freq in [4100.0, 5000.0, 7000.0, 11000.0, 20000.0] {
        let x: Vec<f32> = tone(rate, 1.0, freq).iter().map(|s| s * 1.8).collect(); // -0.9 dBFS
        let input = dir.path().join(format!("tone-{freq}.wav"));
        write_wav(&input, rate, 1, &x);
        let out = dir.path().join(format!("tone-{freq}-8k.wav"));
        convert(&input, &out, &profile::ASTERISK, &FinishOptions::default());
        // Away from the abrupt start and end, whose clicks are broadband (in-band too).
        let y = read_strict(&out).samples;
        let y = &y[800..y.len() - 800];
        let rms = (y.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() / y.len() as f64).sqrt();
        let below = 20.0 * (0.9f64 / 2f64.sqrt() / rms.max(1e-12)).log10();
        report.push_str(&format!("{freq:>7} Hz at 48 kHz -> 8 kHz: {below:.1} dB down\n"));
        // What is left is the dither of 16-bit PCM (about -101 dBFS RMS).
        assert!(below > 90.0, "{freq} Hz: only {below:.1} dB down");
    }
    eprintln!("{report}");
}

#[test]
fn match_loudness_brings_a_batch_to_its_median() {
    let dir = tempdir();
    let rate = 48000;
    let inputs = dir.path().join("in");
    std::fs::create_dir_all(&inputs).unwrap();
    for (i, level) in [-31.0, -24.0, -15.0].iter().enumerate() {
        let speech = speech_like(rate, 2.0, 40 + i as u64);
        write_f32(&inputs.join(format!("p{i}.wav")), rate, 1, &at_level(&speech, rate, *level));
    }
    let out = dir.path().join("out");
    let res = promptwav()
        .args(["convert", "--json", "--match-loudness", "--profile", "teams"])
        .arg(&inputs)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    let lines = json_lines(&res.stdout);
    assert_eq!(lines.len(), 3);
    // The median file (-24 LUFS at 48 kHz) sets the target: its loudness at the profile's rate,
    // which it keeps (its gain is 0); the others come to it.
    let median = lines[1]["loudness_lufs"].as_f64().unwrap();
    assert!(lines[1]["gain_db"].as_f64().unwrap().abs() < 0.2, "{}", lines[1]);
    for v in &lines {
        let path = PathBuf::from(v["output"].as_str().unwrap());
        let wav = read_strict(&path);
        let (l, tp) = loudness(&wav.samples, wav.rate);
        assert!((l - median).abs() <= 0.5, "{}: {l}, median {median}: {v}", path.display());
        assert!(tp <= -1.0);
        assert!((v["output_loudness_lufs"].as_f64().unwrap() - l).abs() < 0.05, "{v}");
    }
    let before: Vec<f64> = lines.iter().map(|v| v["loudness_lufs"].as_f64().unwrap()).collect();
    assert!(before[0] < median - 5.0 && before[2] > median + 5.0, "{before:?}");
}

#[test]
fn the_json_record_reports_loudness_peak_and_trim() {
    let dir = tempdir();
    let rate = 48000;
    let mut x = vec![0f32; rate as usize];
    let speech = at_level(&speech_like(rate, 2.0, 8), rate, -28.0);
    let (onset, end) = sound_bounds(&speech);
    x.extend(&speech);
    x.extend(vec![0f32; rate as usize / 2]);
    // One second, then speech from its onset to its end, then its own tail and half a second.
    let lead = 1.0 + onset as f64 / f64::from(rate);
    let trail = 0.5 + (speech.len() - 1 - end) as f64 / f64::from(rate);
    let input = dir.path().join("greeting.wav");
    write_f32(&input, rate, 1, &x);
    let out = dir.path().join("out");
    let res = promptwav()
        .args([
            "convert",
            "--json",
            "--loudness",
            "-19",
            "--trim-silence",
            "--profile",
            "amazon-connect",
        ])
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(res.status.success(), "{}", String::from_utf8_lossy(&res.stderr));
    let v = &json_lines(&res.stdout)[0];
    let num = |k: &str| v[k].as_f64().unwrap_or_else(|| panic!("{k}: {v}"));
    assert!((num("loudness_lufs") + 28.0).abs() < 0.6, "{v}");
    assert!((num("output_loudness_lufs") + 19.0).abs() <= 0.5, "{v}");
    assert!(num("output_true_peak_dbtp") <= -1.0, "{v}");
    assert!(num("true_peak_dbtp") < num("output_true_peak_dbtp"), "{v}");
    assert!((num("gain_db") - 9.0).abs() < 1.0, "{v}");
    assert!((num("trimmed_start_s") - (lead - 0.1)).abs() < 0.01, "{v}");
    assert!((num("trimmed_end_s") - (trail - 0.1)).abs() < 0.01, "{v}");
    assert_eq!(num("limiter_db"), 0.0, "{v}");

    // Without finishing flags, the fields are there and null: nothing was measured.
    let plain = dir.path().join("plain");
    let res =
        promptwav().args(["convert", "--json"]).arg(&input).arg("-o").arg(&plain).output().unwrap();
    let v = &json_lines(&res.stdout)[0];
    for k in [
        "loudness_lufs",
        "output_loudness_lufs",
        "output_true_peak_dbtp",
        "gain_db",
        "trimmed_start_s",
    ] {
        assert!(v[k].is_null(), "{k}: {v}");
    }

    // Values out of range are usage errors.
    for bad in [["--loudness", "5"], ["--true-peak", "3"], ["--fade", "-1"]] {
        let res = promptwav()
            .arg("convert")
            .args(bad)
            .arg(&input)
            .arg("-o")
            .arg(&plain)
            .output()
            .unwrap();
        assert_eq!(res.status.code(), Some(2), "{bad:?}");
    }
    let res = promptwav()
        .args(["convert", "--loudness", "-16", "--match-loudness"])
        .arg(&input)
        .arg("-o")
        .arg(&plain)
        .output()
        .unwrap();
    assert_eq!(res.status.code(), Some(2));
}

#[test]
fn dc_offset_is_removed_when_check_would_flag_it() {
    let dir = tempdir();
    let rate = 48000;
    let x: Vec<f32> =
        at_level(&speech_like(rate, 3.0, 31), rate, -23.0).iter().map(|v| v + 0.05).collect();
    let input = dir.path().join("dc.wav");
    write_f32(&input, rate, 1, &x);
    let out = dir.path().join("dc-out.wav");
    let finish = FinishOptions { loudness: Some(-19.0), ..FinishOptions::default() };
    let c = convert(&input, &out, &profile::CHANNELTALK, &finish);
    assert!(c.warnings.iter().any(|w| w.contains("DC offset of +5.0%")), "{:?}", c.warnings);
    let y = read_strict(&out).samples;
    let mean = y.iter().map(|&v| f64::from(v)).sum::<f64>() / y.len() as f64;
    assert!(mean.abs() < 0.001, "{mean}");
    let v = check_profile(&out, "channeltalk");
    assert_eq!(v["ok"], true, "{v}");
    // And when asked, on a file without offset, it changes nothing audible.
    let input = dir.path().join("clean.wav");
    write_f32(&input, rate, 1, &at_level(&speech_like(rate, 3.0, 31), rate, -23.0));
    let finish = FinishOptions { remove_dc: true, ..FinishOptions::default() };
    let c = convert(&input, &out, &profile::CHANNELTALK, &finish);
    let (l, _) = loudness(&read_strict(&out).samples, rate);
    assert!((l + 23.0).abs() < 0.05, "{l}");
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn an_a_law_profile_is_one_table_entry_away() {
    // Europe's G.711: the same layout as u-law with format tag 6.
    let alaw = Profile { name: "alaw-test", codec: profile::Codec::Alaw, ..profile::CISCO };
    let dir = tempdir();
    let rate = 48000;
    let x: Vec<f32> = tone(rate, 1.0, 700.0).iter().map(|s| s * 0.8).collect();
    let input = dir.path().join("tone.wav");
    write_wav(&input, rate, 1, &x);
    for finish in
        [FinishOptions::default(), FinishOptions { fade_ms: Some(5.0), ..FinishOptions::default() }]
    {
        let out = dir.path().join(format!("alaw-{}.wav", finish.is_active()));
        convert(&input, &out, &alaw, &finish);
        let wav = read_strict(&out);
        assert_eq!((wav.tag, wav.bits, wav.fmt_size, wav.rate), (6, 8, 18, 8000));
        assert_eq!(wav.fact, Some(8000));
        assert_eq!(symphonia_decode(&out), wav.samples);
        let opts = promptwav::check::CheckOptions {
            profile: alaw.clone(),
            strict: true,
            ..promptwav::check::CheckOptions::default()
        };
        let report = promptwav::check::check_file(&out, &opts);
        assert!(report.ok && report.problems.is_empty(), "{report:?}");
        let (mut sig, mut err) = (0.0f64, 0.0f64);
        for (i, &y) in wav.samples.iter().enumerate().skip(800).take(6400) {
            let want = 0.4 * (2.0 * std::f64::consts::PI * 700.0 * i as f64 / 8000.0).sin();
            sig += want * want;
            err += (f64::from(y) - want).powi(2);
        }
        let snr = 10.0 * (sig / err).log10();
        assert!(snr > 35.0, "A-law SNR {snr:.1} dB");
    }
}

#[test]
fn profiles_lists_every_platform_with_its_sources() {
    let out = promptwav().arg("profiles").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for (name, says) in [
        ("amazon-connect", "u-law, 8 kHz"),
        ("asterisk", "16-bit PCM, 8 kHz"),
        ("asterisk-wav16", ".wav16"),
        ("cisco", "u-law"),
        ("teams", "16-bit PCM, 16 kHz"),
        ("genesys", "16-bit PCM, 8 kHz"),
    ] {
        let line = text.lines().find(|l| l.starts_with(&format!("{name} "))).unwrap();
        assert!(line.contains(says), "{line}");
        // Each profile's sources in full, with `profiles NAME`.
        let one = promptwav().args(["profiles", name]).output().unwrap();
        assert!(String::from_utf8_lossy(&one.stdout).contains("source:"), "{name}");
    }
    let all: String = ["amazon-connect", "teams", "genesys"]
        .iter()
        .map(|n| {
            let o = promptwav().args(["profiles", n]).output().unwrap();
            String::from_utf8(o.stdout).unwrap()
        })
        .collect();
    assert!(all.contains("docs.aws.amazon.com/connect/latest/adminguide/play.html"));
    assert!(all.contains("less than 50MB and less than five minutes"));
    assert!(all.contains("cannot be more than 5MB"));
    assert!(all.contains("limited to 25MB"));
}

#[test]
fn u_law_alone_and_in_a_batch_gives_the_same_bytes() {
    // A file converted alone runs pipelined on three threads; in a batch, inline.
    let dir = tempdir();
    let inputs = dir.path().join("in");
    std::fs::create_dir_all(&inputs).unwrap();
    for i in 0..3 {
        let x: Vec<f32> = tone(44100, 2.0, 300.0 + 100.0 * f64::from(i));
        write_wav(&inputs.join(format!("t{i}.wav")), 44100, 1, &x);
    }
    let alone = dir.path().join("alone");
    let res = promptwav()
        .args(["convert", "--profile", "amazon-connect", "-j", "4"])
        .arg(inputs.join("t1.wav"))
        .arg("-o")
        .arg(&alone)
        .output()
        .unwrap();
    assert!(res.status.success());
    let batch = dir.path().join("batch");
    let res = promptwav()
        .args(["convert", "--profile", "amazon-connect", "-j", "1"])
        .arg(&inputs)
        .arg("-o")
        .arg(&batch)
        .output()
        .unwrap();
    assert!(res.status.success());
    let a = std::fs::read(alone.join("t1.wav")).unwrap();
    let b = std::fs::read(batch.join("in/t1.wav")).unwrap();
    assert_eq!(a, b);
    assert_eq!(read_strict(&alone.join("t1.wav")).samples.len(), 16000);
}

#[test]
fn every_fixture_through_every_finishing_flag_fails_only_as_without_them() {
    // Broken, truncated, hostile and odd files: finishing adds no failure and no panic.
    let dir = tempdir();
    let run = |out: &str, extra: &[&str]| -> Vec<serde_json::Value> {
        let res = promptwav()
            .args(["convert", "--json", "--profile", "amazon-connect"])
            .args(extra)
            .arg(fixtures())
            .arg("-o")
            .arg(dir.path().join(out))
            .output()
            .unwrap();
        assert!(!String::from_utf8_lossy(&res.stderr).contains("internal error"));
        json_lines(&res.stdout)
    };
    let plain = run("plain", &[]);
    let finished = run(
        "finished",
        &["--loudness", "-19", "--trim-silence", "--smart-downmix", "--remove-dc", "--fade", "3"],
    );
    assert!(plain.len() > 100);
    assert_eq!(plain.len(), finished.len());
    for (a, b) in plain.iter().zip(&finished) {
        assert_eq!(a["input"], b["input"]);
        assert_eq!((&a["status"], &a["error"]), (&b["status"], &b["error"]), "{b}");
        if b["status"] == "converted" {
            if let Some(tp) = b["output_true_peak_dbtp"].as_f64() {
                assert!(tp <= -1.0, "{b}");
            }
            if let Some(l) = b["output_loudness_lufs"].as_f64() {
                assert!((l + 19.0).abs() <= 0.5, "{b}");
            }
        }
    }
}

#[test]
fn a_true_peak_ceiling_alone_only_limits_the_peaks() {
    let dir = tempdir();
    let rate = 48000;
    // Speech at -10 LUFS: its peaks are about +2 dBTP, past full scale.
    let input = dir.path().join("hot.wav");
    write_f32(&input, rate, 1, &at_level(&speech_like(rate, 3.0, 17), rate, -10.0));
    let out = dir.path().join("hot-out.wav");
    let finish = FinishOptions { true_peak: Some(-1.0), ..FinishOptions::default() };
    let c = convert(&input, &out, &profile::CHANNELTALK, &finish);
    let (l, tp) = loudness(&read_strict(&out).samples, rate);
    let f = c.finish.unwrap();
    assert_eq!(f.gain_db, 0.0);
    assert!(f.true_peak_before.unwrap() > 0.0, "{f:?}");
    assert!(tp <= -1.0, "{tp}");
    assert!(f.limiter_db < 0.0 && l < -10.0 && l > -12.0, "{l} {f:?}");
    assert_eq!(c.output_clipped_samples, 0);
}
