//! Downmix: N channels ► mono, by one documented rule that cannot clip.
//!
//! - Mono passes through unchanged.
//! - Stereo (and any two channels) becomes the average `(L + R) / 2`.
//! - More channels follow the ITU-R BS.775 downmix to mono: front left/right (and the
//!   left/right-of-centre and wide pairs) weigh 1/√2, centre 1, every surround or rear channel
//!   1/2, the LFE channel 0 (dropped). The weights are divided by their sum, so the mix is a
//!   weighted average: it can never exceed the loudest input channel and cannot clip.
//! - Channels without a known position (discrete channels) are averaged with equal weights.
//! - Samples that are not finite numbers (NaN, infinities: float sources can hold anything) are
//!   cleaned per channel before mixing: each is taken as 0 (silence) in its own channel, so one
//!   broken channel never silences or swamps the others; [`Invalid`] counts them per channel for
//!   a warning. The smart downmix sees such a channel as silent where it is invalid.
//! - What the resampler gets is always finite and bounded by [`MAX_MAGNITUDE`].
//! - Smart downmix (asked for, as it needs the whole file's statistics first: [`ChannelStats`]):
//!   a stereo file whose one channel is silent or [`ONE_SIDED_DB`] below the other is taken from
//!   the live channel at full level (the average would be 6 dB quieter), and an anti-phase pair
//!   (correlation at or below [`ANTI_PHASE_CORRELATION`], L ≈ -R) from its louder channel (the
//!   average would cancel it). Both say so in a warning.
//! - Clipping is counted here, on the source's channels before mixing, by one definition that
//!   `convert` and `check` share ([`ClipCounter`]): a run of at least `clip_run` consecutive
//!   samples of one channel at or near full scale ([`full_scale`]), of one sign. "Near" is
//!   within the codec's last step either side of 1.0: a float source's overs (1.5, +6 dBFS)
//!   are not clipping (nothing was cut off; finishing brings them down intact).

use crate::notice::{Notice, Side};

/// The role of a channel in the downmix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    /// Front left, or left of centre, or front wide left.
    FrontLeft,
    /// Front right, or right of centre, or front wide right.
    FrontRight,
    /// Front centre (also: the one channel of a mono file).
    FrontCenter,
    /// Low-frequency effects.
    Lfe,
    /// Any side, rear or back channel.
    Surround,
    /// A channel with no known position.
    Other,
}

impl Speaker {
    /// The ITU-R BS.775 weight of this channel in a mono downmix (before normalizing).
    fn bs775_weight(self) -> f32 {
        match self {
            Speaker::FrontLeft | Speaker::FrontRight => std::f32::consts::FRAC_1_SQRT_2,
            Speaker::FrontCenter => 1.0,
            Speaker::Surround => 0.5,
            Speaker::Lfe => 0.0,
            Speaker::Other => 1.0,
        }
    }
}

/// The normalized mixing weights for a channel layout; they sum to 1.
pub fn weights(speakers: &[Speaker]) -> Vec<f32> {
    let n = speakers.len();
    if n <= 2 || speakers.iter().all(|s| *s == Speaker::Other) {
        return vec![1.0 / n.max(1) as f32; n];
    }
    let raw: Vec<f32> = speakers.iter().map(|s| s.bs775_weight()).collect();
    let sum: f32 = raw.iter().sum();
    if sum <= 0.0 {
        // Only LFE channels: better an average than silence.
        return vec![1.0 / n as f32; n];
    }
    raw.iter().map(|w| w / sum).collect()
}

/// The largest magnitude passed on: 24 dB over full scale. Float sources can hold anything,
/// NaN and infinities included; what the resampler gets is always finite and bounded.
pub const MAX_MAGNITUDE: f32 = 16.0;

/// Mixes `frames` frames of the planar channels to mono, appending to `out`. Non-finite samples
/// are taken as 0 in their channel before mixing and every value is bounded by
/// [`MAX_MAGNITUDE`]; returns how many samples were not finite.
pub fn to_mono(
    planes: &[Vec<f32>],
    speakers: &[Speaker],
    frames: usize,
    out: &mut Vec<f32>,
) -> u64 {
    let mut invalid = Invalid::default();
    to_mono_as(planes, speakers, frames, Downmix::Standard, out, &mut invalid);
    invalid.total()
}

/// Samples that were not finite numbers (NaN, infinities), per channel, replaced by 0 before
/// mixing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Invalid {
    per_channel: Vec<u64>,
    frames: u64,
}

impl Invalid {
    /// Makes room for `channels` and counts `frames` more frames looked at.
    fn begin(&mut self, channels: usize, frames: usize) {
        if self.per_channel.len() < channels {
            self.per_channel.resize(channels, 0);
        }
        self.frames += frames as u64;
    }

    /// All invalid samples found.
    pub fn total(&self) -> u64 {
        self.per_channel.iter().sum()
    }

    /// The invalid samples of channel `c`.
    pub fn in_channel(&self, c: usize) -> u64 {
        self.per_channel.get(c).copied().unwrap_or(0)
    }

    /// A warning for people when there were any: which channels, how much of them.
    pub fn warning(&self) -> Option<String> {
        let total = self.total();
        if total == 0 {
            return None;
        }
        let n = self.per_channel.len();
        let name = |c: usize| match (n, c) {
            (1, _) => "the audio".to_string(),
            (2, 0) => "the left channel".to_string(),
            (2, _) => "the right channel".to_string(),
            (_, c) => format!("channel {}", c + 1),
        };
        let parts: Vec<String> = self
            .per_channel
            .iter()
            .enumerate()
            .filter(|&(_, &k)| k > 0)
            .map(|(c, &k)| {
                let share = if self.frames > 0 { k as f64 / self.frames as f64 } else { 0.0 };
                let how_much = if k == self.frames {
                    "all of it".to_string()
                } else if share >= 0.001 {
                    format!("{:.1}% of it", share * 100.0)
                } else {
                    format!("{k} sample(s)")
                };
                format!("{} ({how_much})", name(c))
            })
            .collect();
        Some(format!(
            "invalid samples (not numbers, or infinite) in {}: taken as silence",
            parts.join(", ")
        ))
    }
}

/// How the channels of one file become one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Downmix {
    /// The standard rule of [`to_mono`].
    #[default]
    Standard,
    /// One channel alone, at full level.
    Channel(usize),
}

/// Mixes by the standard rule, or takes one channel for [`Downmix::Channel`], appending to
/// `out`: non-finite samples are taken as 0 in their own channel first (and counted in
/// `invalid`), and every value is bounded by [`MAX_MAGNITUDE`].
pub fn to_mono_as(
    planes: &[Vec<f32>],
    speakers: &[Speaker],
    frames: usize,
    downmix: Downmix,
    out: &mut Vec<f32>,
    invalid: &mut Invalid,
) {
    invalid.begin(planes.len(), frames);
    // The common case, every sample finite, costs one scan; only a channel that has invalid
    // samples is copied and cleaned.
    let mut cleaned: Option<Vec<Vec<f32>>> = None;
    for (c, plane) in planes.iter().enumerate() {
        let plane = &plane[..frames];
        if all_below(plane, f32::INFINITY) {
            continue;
        }
        let bad = plane.iter().filter(|x| !x.is_finite()).count() as u64;
        invalid.per_channel[c] += bad;
        let copies = cleaned.get_or_insert_with(|| planes.to_vec());
        for x in &mut copies[c][..frames] {
            if !x.is_finite() {
                *x = 0.0;
            }
        }
    }
    let planes = cleaned.as_deref().unwrap_or(planes);
    let start = out.len();
    match downmix {
        Downmix::Channel(c) if c < planes.len() => out.extend_from_slice(&planes[c][..frames]),
        _ => mix_into(planes, speakers, frames, out),
    }
    for x in &mut out[start..] {
        // Finite sums of finite values; `clamp` also maps an overflow to infinity to the bound.
        *x = if x.is_nan() { 0.0 } else { x.clamp(-MAX_MAGNITUDE, MAX_MAGNITUDE) };
    }
}

/// Counts clipping (with `clips`) and mixes to mono by `downmix`, appending to `out`: exactly
/// what [`ClipCounter::push_planar`] then [`to_mono_as`] give, to the bit, in fewer passes over
/// the samples in the common case (two channels, the standard downmix, every sample finite and
/// below full scale): there, once the clipping scan has found every sample below full scale, the
/// checks for invalid samples (in the mix and in the statistics of the smart downmix) and for the
/// bound cannot find anything and are left out.
pub fn count_and_mix(
    clips: &mut ClipCounter,
    planes: &[Vec<f32>],
    speakers: &[Speaker],
    frames: usize,
    downmix: Downmix,
    out: &mut Vec<f32>,
    invalid: &mut Invalid,
) {
    if let ([left, right], Downmix::Standard) = (planes, downmix)
        && let (Some(left), Some(right)) = (left.get(..frames), right.get(..frames))
        // Below full scale, at most 1: finite, and so is their average, within the bound.
        && clips.full_scale <= 1.0
        && all_below(left, clips.full_scale)
        && all_below(right, clips.full_scale)
    {
        clips.pass_below(2, frames);
        if let Some(stats) = clips.channels.as_mut() {
            stats.push_pairs_as::<true>(left, right);
        }
        mix_into(planes, speakers, frames, out);
        invalid.begin(2, frames);
        return;
    }
    clips.push_planar(planes, frames);
    to_mono_as(planes, speakers, frames, downmix, out, invalid);
}

/// A channel this far (dB) below the other in a stereo file counts as silent.
pub const ONE_SIDED_DB: f64 = 30.0;

/// Stereo channels this anti-correlated (or more) are an anti-phase pair.
pub const ANTI_PHASE_CORRELATION: f64 = -0.7;

/// Energy and correlation of a stereo file's channels, gathered over the whole file, for the
/// smart downmix decision.
#[derive(Debug, Clone, Default)]
pub struct ChannelStats {
    /// The sums of `lanes`: left and right energy.
    squares: [f64; 2],
    /// The sum of `lanes`: the cross product.
    cross: f64,
    /// Left energy, right energy and cross product, each in [`LANES`] partial sums: frame `n`
    /// of the file goes to lane `n % LANES`, so the sums do not depend on how the file was cut
    /// into chunks, and the loop over a chunk runs on vectors.
    lanes: [[f64; LANES]; 3],
    stereo: bool,
    frames: u64,
}

/// Partial sums in [`ChannelStats`].
const LANES: usize = 4;

impl ChannelStats {
    /// Adds `frames` frames of planar channels (only two-channel audio is considered).
    pub fn push(&mut self, planes: &[Vec<f32>], frames: usize) {
        let [left, right] = planes else {
            return;
        };
        self.push_pairs(&left[..frames], &right[..frames]);
    }

    /// Adds interleaved stereo frames (a trailing partial frame is ignored).
    pub fn push_interleaved_stereo(&mut self, samples: &[f32]) {
        let frames = samples.len() / 2;
        let mut left = Vec::with_capacity(frames);
        let mut right = Vec::with_capacity(frames);
        for frame in samples.chunks_exact(2) {
            left.push(frame[0]);
            right.push(frame[1]);
        }
        self.push_pairs(&left, &right);
    }

    /// Adds frames given as two equally long channels.
    fn push_pairs(&mut self, left: &[f32], right: &[f32]) {
        self.push_pairs_as::<false>(left, right);
    }

    /// [`ChannelStats::push_pairs`]; with `FINITE`, for samples known to be finite numbers,
    /// which need no taming: the same sums, in fewer steps.
    fn push_pairs_as<const FINITE: bool>(&mut self, left: &[f32], right: &[f32]) {
        self.stereo = true;
        let tame = |x: f32| if FINITE || x.is_finite() { f64::from(x) } else { 0.0 };
        let add = |lanes: &mut [[f64; LANES]; 3], lane: usize, l: f32, r: f32| {
            let (l, r) = (tame(l), tame(r));
            lanes[0][lane] += l * l;
            lanes[1][lane] += r * r;
            lanes[2][lane] += l * r;
        };
        // Up to the next frame of lane 0 one by one, then whole groups of LANES frames.
        let head = ((LANES - (self.frames % LANES as u64) as usize) % LANES).min(left.len());
        let first = (self.frames % LANES as u64) as usize;
        for (i, (&l, &r)) in left[..head].iter().zip(&right[..head]).enumerate() {
            add(&mut self.lanes, first + i, l, r);
        }
        let (left, right) = (&left[head..], &right[head..]);
        let mut groups = left.chunks_exact(LANES).zip(right.chunks_exact(LANES));
        for (l4, r4) in &mut groups {
            for lane in 0..LANES {
                add(&mut self.lanes, lane, l4[lane], r4[lane]);
            }
        }
        let whole = left.len() / LANES * LANES;
        for (i, (&l, &r)) in left[whole..].iter().zip(&right[whole..]).enumerate() {
            add(&mut self.lanes, i, l, r);
        }
        self.frames += (head + left.len()) as u64;
        let sum = |lanes: &[f64; LANES]| lanes.iter().sum::<f64>();
        self.squares = [sum(&self.lanes[0]), sum(&self.lanes[1])];
        self.cross = sum(&self.lanes[2]);
    }

    /// What the plain average `(L+R)/2` would lose, for `check`: `None` when it loses nothing.
    pub fn average_loss(&self) -> Option<String> {
        let (downmix, why) = self.decide();
        if downmix == Downmix::Standard {
            return None;
        }
        // The decision's own words, up to what the convert did about it.
        why.and_then(|n| n.average_loss())
    }

    /// The downmix for the file, with the notice that says why when it is not the standard.
    pub fn decide(&self) -> (Downmix, Option<Notice>) {
        let [l, r] = self.squares;
        if !self.stereo || l.max(r) <= 0.0 {
            return (Downmix::Standard, None);
        }
        let (live, dead) = if l >= r { (0, 1) } else { (1, 0) };
        let (e_live, e_dead) = (self.squares[live], self.squares[dead]);
        if e_dead <= e_live * 10f64.powf(-ONE_SIDED_DB / 10.0) {
            let below_db = (e_dead > 0.0).then(|| 10.0 * (e_live / e_dead).log10());
            return (
                Downmix::Channel(live),
                Some(Notice::SilentChannel { live: Side::of(live), below_db }),
            );
        }
        let correlation = self.cross / (l * r).sqrt();
        if correlation <= ANTI_PHASE_CORRELATION {
            return (
                Downmix::Channel(live),
                Some(Notice::OppositePhase { live: Side::of(live), correlation }),
            );
        }
        (Downmix::Standard, None)
    }
}

/// Whether every sample's magnitude is below `limit` (with `f32::INFINITY`: every sample is
/// finite; a NaN is never below). Scans in fixed groups without an early exit inside a group,
/// so the compiler runs it on vectors.
fn all_below(samples: &[f32], limit: f32) -> bool {
    let mut groups = samples.chunks_exact(32);
    let whole = groups.all(|g| g.iter().fold(true, |ok, x| ok & (x.abs() < limit)));
    whole && groups.remainder().iter().all(|x| x.abs() < limit)
}

fn mix_into(planes: &[Vec<f32>], speakers: &[Speaker], frames: usize, out: &mut Vec<f32>) {
    match planes {
        [] => {}
        [mono] => out.extend_from_slice(&mono[..frames]),
        [left, right] => {
            out.extend(left[..frames].iter().zip(&right[..frames]).map(|(l, r)| (l + r) * 0.5));
        }
        _ => {
            let w = weights(speakers);
            let start = out.len();
            out.resize(start + frames, 0.0);
            let dst = &mut out[start..];
            for (plane, &weight) in planes.iter().zip(&w) {
                if weight == 0.0 {
                    continue;
                }
                for (d, s) in dst.iter_mut().zip(&plane[..frames]) {
                    *d += weight * s;
                }
            }
        }
    }
}

/// Full scale for 16-bit samples, and for float or lossy sources (decoded to 16-bit precision
/// or finer): 32767 counts, 32766 does not.
pub const FULL_SCALE_16: f32 = 1.0 - 1.5 / 32768.0;

/// Full scale of G.711 u-law: its largest value, 32124 of 32768.
pub const FULL_SCALE_MULAW: f32 = (32124.0 - 0.5) / 32768.0;

/// Full scale of G.711 A-law: its largest value, 32256 of 32768.
pub const FULL_SCALE_ALAW: f32 = (32256.0 - 0.5) / 32768.0;

/// Full scale of integer samples of `bits` bits (8 to 32): the largest value counts, the one
/// below it does not.
pub fn full_scale_int(bits: u32) -> f32 {
    let step = 2f32.powi(bits.clamp(8, 32) as i32 - 1);
    1.0 - 1.5 / step
}

/// The magnitude from which a source sample counts as full scale, by its codec (as the decoder
/// and `check` name it: `pcm_s24le`, `pcm_mulaw`, `flac`, ...) and bit depth.
pub fn full_scale(codec: &str, bits: Option<u32>) -> f32 {
    match (codec, bits) {
        ("pcm_mulaw", _) => FULL_SCALE_MULAW,
        ("pcm_alaw", _) => FULL_SCALE_ALAW,
        (c, _) if c.starts_with("pcm_f") => FULL_SCALE_16,
        (c, Some(bits)) if c.starts_with("pcm_") || c == "flac" || c == "alac" => {
            full_scale_int(bits)
        }
        _ => FULL_SCALE_16,
    }
}

/// Clipping found in a source.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Clipping {
    /// Runs of at least `clip_run` consecutive full-scale samples (per channel, one sign).
    pub runs: u64,
    /// The samples in those runs.
    pub samples: u64,
    /// The frame where the first run starts.
    pub first_frame: Option<u64>,
}

impl Clipping {
    /// A warning for people when there is any: the samples first (a number a script can take),
    /// then the runs.
    pub fn warning(&self, clip_run: u32) -> Option<String> {
        self.notice(clip_run).map(|n| n.english())
    }

    /// The warning's typed key, when there is any.
    pub fn notice(&self, clip_run: u32) -> Option<Notice> {
        (self.runs > 0).then_some(Notice::SourceClipped {
            samples: self.samples,
            runs: self.runs,
            run_len: clip_run,
        })
    }
}

/// Counts clipping in a source, channel by channel: the one definition `convert` and `check`
/// share. A sample is at full scale when its magnitude is within `1 - full_scale` of 1.0
/// (either side); one that is not a finite number is not (it is taken as silence).
#[derive(Debug, Clone)]
pub struct ClipCounter {
    full_scale: f32,
    clip_run: u64,
    /// Per channel: the current run of full-scale samples and its sign.
    runs: Vec<(u64, bool)>,
    frames: u64,
    found: Clipping,
    /// When asked for: the statistics of the smart downmix, gathered from the same samples.
    channels: Option<ChannelStats>,
}

impl ClipCounter {
    /// A counter where `clip_run` samples (at least 1) at or beyond `full_scale` make a run.
    pub fn new(clip_run: u32, full_scale: f32) -> ClipCounter {
        ClipCounter {
            full_scale,
            clip_run: u64::from(clip_run.max(1)),
            runs: Vec::new(),
            frames: 0,
            found: Clipping::default(),
            channels: None,
        }
    }

    fn sample(&mut self, c: usize, x: f32, frame: u64) {
        if self.runs.len() <= c {
            self.runs.resize(c + 1, (0, false));
        }
        let (run, positive) = &mut self.runs[c];
        let a = x.abs();
        if a >= self.full_scale && a <= 2.0 - self.full_scale {
            let pos = x > 0.0;
            if *run > 0 && *positive != pos {
                *run = 0;
            }
            *positive = pos;
            *run += 1;
            if *run == self.clip_run {
                self.found.runs += 1;
                self.found.samples += self.clip_run;
                // Planar chunks go channel by channel: the earliest run wins, whichever
                // channel it is in.
                let start = frame + 1 - self.clip_run;
                self.found.first_frame =
                    Some(self.found.first_frame.map_or(start, |first| first.min(start)));
            } else if *run > self.clip_run {
                self.found.samples += 1;
            }
        } else {
            *run = 0;
        }
    }

    /// Adds one frame (one sample per channel).
    pub fn push_frame(&mut self, frame: &[f32]) {
        let index = self.frames;
        for (c, &x) in frame.iter().enumerate() {
            self.sample(c, x, index);
        }
        self.frames += 1;
    }

    /// Adds planar frames: one slice per channel, each at least `frames` long.
    pub fn push_planar(&mut self, planes: &[Vec<f32>], frames: usize) {
        if let Some(channels) = self.channels.as_mut() {
            channels.push(planes, frames);
        }
        let start = self.frames;
        for (c, plane) in planes.iter().enumerate() {
            let plane = &plane[..frames.min(plane.len())];
            // The common case, no sample at full scale, only ends the channel's run.
            if all_below(plane, self.full_scale) {
                if let (false, Some((run, _))) = (plane.is_empty(), self.runs.get_mut(c)) {
                    *run = 0;
                }
                continue;
            }
            for (i, &x) in plane.iter().enumerate() {
                self.sample(c, x, start + i as u64);
            }
        }
        self.frames += frames as u64;
    }

    /// Adds `frames` frames of `channels` channels known to be all below full scale (as
    /// [`ClipCounter::push_planar`] does for them): every run ends.
    fn pass_below(&mut self, channels: usize, frames: usize) {
        if frames > 0 {
            for (run, _) in self.runs.iter_mut().take(channels) {
                *run = 0;
            }
        }
        self.frames += frames as u64;
    }

    /// What was found so far.
    pub fn clipping(&self) -> Clipping {
        self.found
    }

    /// Also gathers the channel statistics of the smart downmix ([`ChannelStats`]) from the
    /// samples it counts, so one pass over a file both converts it and tells its downmix.
    pub fn with_channel_stats(mut self) -> ClipCounter {
        self.channels = Some(ChannelStats::default());
        self
    }

    /// The smart downmix of the samples seen, when gathered ([`ChannelStats::decide`]).
    pub fn downmix(&self) -> Option<(Downmix, Option<Notice>)> {
        self.channels.as_ref().map(ChannelStats::decide)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_statistics_do_not_depend_on_the_chunks() {
        let left: Vec<f32> =
            (0..1001).map(|i| ((i * 37 % 101) as f32 / 50.0 - 1.0) * 0.7).collect();
        let right: Vec<f32> =
            (0..1001).map(|i| ((i * 53 % 89) as f32 / 44.0 - 1.0) * 0.3).collect();
        let whole = {
            let mut s = ChannelStats::default();
            s.push(&[left.clone(), right.clone()], left.len());
            s
        };
        for step in [1, 3, 4, 7, 1000] {
            let mut s = ChannelStats::default();
            for (l, r) in left.chunks(step).zip(right.chunks(step)) {
                s.push(&[l.to_vec(), r.to_vec()], l.len());
            }
            assert_eq!((s.squares, s.cross, s.frames), (whole.squares, whole.cross, whole.frames));
        }
        let interleaved: Vec<f32> = left.iter().zip(&right).flat_map(|(&l, &r)| [l, r]).collect();
        let mut s = ChannelStats::default();
        s.push_interleaved_stereo(&interleaved[..10]);
        s.push_interleaved_stereo(&interleaved[10..]);
        assert_eq!((s.squares, s.cross), (whole.squares, whole.cross));
        let plain = left.iter().map(|&l| f64::from(l) * f64::from(l)).sum::<f64>();
        assert!((whole.squares[0] - plain).abs() < 1e-9 * plain);
    }

    /// The one pass of `count_and_mix` gives what the clipping count and the mix give apart, to
    /// the bit, on its fast path (stereo below full scale) and off it (full-scale runs, NaN and
    /// infinities, a louder float source, mono, three channels, a chosen channel), whatever the
    /// chunks.
    #[test]
    fn counting_and_mixing_in_one_pass_changes_nothing() {
        let n = 3000;
        let wave = |k: usize, a: f32| -> Vec<f32> {
            (0..n).map(|i| ((i * k % 211) as f32 / 105.0 - 1.0) * a).collect()
        };
        let mut clipped = wave(37, 0.9);
        clipped[500..520].fill(1.0);
        let mut broken = wave(53, 0.5);
        broken[7] = f32::NAN;
        broken[2000] = f32::INFINITY;
        let cases: Vec<(Vec<Vec<f32>>, Downmix, f32)> = vec![
            (vec![wave(37, 0.9), wave(53, 0.4)], Downmix::Standard, FULL_SCALE_16),
            (vec![clipped.clone(), wave(53, 0.4)], Downmix::Standard, FULL_SCALE_16),
            (vec![wave(37, 0.9), broken.clone()], Downmix::Standard, FULL_SCALE_16),
            (vec![wave(37, 1.4), wave(53, 0.4)], Downmix::Standard, FULL_SCALE_16),
            (vec![wave(37, 0.9), wave(53, 0.4)], Downmix::Channel(1), FULL_SCALE_16),
            (vec![wave(37, 0.9)], Downmix::Standard, FULL_SCALE_16),
            (vec![wave(37, 0.9), wave(53, 0.4), clipped], Downmix::Standard, FULL_SCALE_16),
            (vec![wave(37, 0.9), wave(53, 0.4)], Downmix::Standard, 1.5),
        ];
        let speakers = |c: usize| vec![Speaker::Other; c];
        for (case, (planes, downmix, full_scale)) in cases.iter().enumerate() {
            for step in [1, 3, 1152, n] {
                let (mut one, mut apart) = (
                    ClipCounter::new(3, *full_scale).with_channel_stats(),
                    ClipCounter::new(3, *full_scale).with_channel_stats(),
                );
                let (mut out_one, mut out_apart) = (Vec::new(), Vec::new());
                let (mut invalid_one, mut invalid_apart) = (Invalid::default(), Invalid::default());
                for start in (0..n).step_by(step) {
                    let frames = step.min(n - start);
                    let chunk: Vec<Vec<f32>> =
                        planes.iter().map(|p| p[start..start + frames].to_vec()).collect();
                    let sp = speakers(chunk.len());
                    let o = &mut out_one;
                    count_and_mix(&mut one, &chunk, &sp, frames, *downmix, o, &mut invalid_one);
                    apart.push_planar(&chunk, frames);
                    to_mono_as(&chunk, &sp, frames, *downmix, &mut out_apart, &mut invalid_apart);
                }
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&out_one), bits(&out_apart), "case {case}, chunks of {step}");
                assert_eq!(invalid_one, invalid_apart, "case {case}");
                assert_eq!(one.clipping(), apart.clipping(), "case {case}");
                let stats = |c: &ClipCounter| {
                    c.channels.as_ref().map(|s| (s.squares, s.cross, s.frames, s.stereo))
                };
                assert_eq!(stats(&one), stats(&apart), "case {case}");
                assert_eq!(one.frames, apart.frames, "case {case}");
            }
        }
    }

    #[test]
    fn all_below_sees_every_sample() {
        let mut v = vec![0.5f32; 100];
        assert!(all_below(&v, 0.9) && all_below(&v, f32::INFINITY));
        for bad in [0.95, -0.95, f32::NAN, f32::INFINITY] {
            for at in [0, 31, 32, 99] {
                v[at] = bad;
                assert!(!all_below(&v, 0.9), "{bad} at {at}");
                v[at] = 0.5;
            }
        }
        assert!(!all_below(&[f32::NAN], f32::INFINITY));
        assert!(all_below(&[], 0.1));
    }

    #[test]
    fn a_run_ends_at_a_chunk_without_full_scale_samples() {
        let mut c = ClipCounter::new(3, FULL_SCALE_16);
        c.push_planar(&[vec![0.0, 1.0, 1.0]], 3);
        c.push_planar(&[vec![0.5; 40]], 40);
        c.push_planar(&[vec![1.0, 0.0]], 2);
        assert_eq!(c.clipping().runs, 0);
        c.push_planar(&[vec![1.0, 1.0]], 2);
        c.push_planar(&[vec![1.0, 0.0]], 2);
        assert_eq!(c.clipping(), Clipping { runs: 1, samples: 3, first_frame: Some(45) });
    }

    #[test]
    fn clipping_is_counted_the_same_planar_or_by_frame() {
        let left = vec![0.0, 1.0, 1.0, 1.0, 1.0, 0.0, -1.0, -1.0, 1.0, 0.5];
        let right = vec![1.0, 1.0, 1.0, 0.0, f32::INFINITY, f32::NAN, -1.0, -1.0, -1.0, 1.5];
        let mut planar = ClipCounter::new(3, FULL_SCALE_16);
        planar.push_planar(&[left[..4].to_vec(), right[..4].to_vec()], 4);
        planar.push_planar(&[left[4..].to_vec(), right[4..].to_vec()], 6);
        let mut frames = ClipCounter::new(3, FULL_SCALE_16);
        for (l, r) in left.iter().zip(&right) {
            frames.push_frame(&[*l, *r]);
        }
        // Left: 1..=4 (4 samples); right: 0..=2 (3) and 6..=8 (3); -1,-1 then +1 is no run.
        let want = Clipping { runs: 3, samples: 10, first_frame: Some(0) };
        assert_eq!(planar.clipping(), want);
        assert_eq!(frames.clipping(), want);
    }

    #[test]
    fn stereo_is_the_average() {
        let mut out = Vec::new();
        to_mono(
            &[vec![1.0, 0.5], vec![0.0, -0.5]],
            &[Speaker::FrontLeft, Speaker::FrontRight],
            2,
            &mut out,
        );
        assert_eq!(out, vec![0.5, 0.0]);
    }

    #[test]
    fn mono_passes_through() {
        let mut out = vec![9.0];
        to_mono(&[vec![0.25, -0.25, 1.0]], &[Speaker::FrontCenter], 2, &mut out);
        assert_eq!(out, vec![9.0, 0.25, -0.25]);
    }

    #[test]
    fn five_one_follows_bs775_and_drops_lfe() {
        use Speaker::*;
        let layout = [FrontLeft, FrontRight, FrontCenter, Lfe, Surround, Surround];
        let w = weights(&layout);
        let sum = std::f32::consts::SQRT_2 + 1.0 + 1.0;
        let expect = [
            std::f32::consts::FRAC_1_SQRT_2 / sum,
            std::f32::consts::FRAC_1_SQRT_2 / sum,
            1.0 / sum,
            0.0,
            0.5 / sum,
            0.5 / sum,
        ];
        for (a, b) in w.iter().zip(expect) {
            assert!((a - b).abs() < 1e-6, "{w:?}");
        }
        // Full scale on every channel stays at full scale: no clipping possible.
        let planes: Vec<Vec<f32>> = vec![vec![1.0]; 6];
        let mut out = Vec::new();
        to_mono(&planes, &layout, 1, &mut out);
        assert!(out[0] <= 1.0 && out[0] > 0.999, "{out:?}");
        // The LFE alone contributes nothing.
        let mut planes = vec![vec![0.0]; 6];
        planes[3][0] = 1.0;
        out.clear();
        to_mono(&planes, &layout, 1, &mut out);
        assert_eq!(out, vec![0.0]);
    }

    #[test]
    fn non_finite_values_are_tamed() {
        let planes = vec![vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e30, 0.5]];
        let mut out = Vec::new();
        assert_eq!(to_mono(&planes, &[Speaker::FrontCenter], 5, &mut out), 3);
        assert_eq!(out, vec![0.0, 0.0, 0.0, MAX_MAGNITUDE, 0.5]);
        let stereo = vec![vec![f32::INFINITY], vec![f32::NEG_INFINITY]];
        out.clear();
        to_mono(&stereo, &[Speaker::FrontLeft, Speaker::FrontRight], 1, &mut out);
        assert_eq!(out, vec![0.0]);
    }

    #[test]
    fn one_invalid_channel_does_not_silence_the_other() {
        // Issue 11: left all NaN, right a full-scale sine: the mix is the right channel's half
        // (the average with a silent channel), not silence; the warning names the channel.
        let right: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.05).sin()).collect();
        let planes = vec![vec![f32::NAN; 1000], right.clone()];
        let speakers = [Speaker::FrontLeft, Speaker::FrontRight];
        let mut invalid = Invalid::default();
        let mut out = Vec::new();
        to_mono_as(&planes, &speakers, 1000, Downmix::Standard, &mut out, &mut invalid);
        for (o, r) in out.iter().zip(&right) {
            assert_eq!(*o, r * 0.5);
        }
        assert_eq!((invalid.in_channel(0), invalid.in_channel(1)), (1000, 0));
        let w = invalid.warning().unwrap();
        assert!(w.contains("the left channel (all of it)") && w.contains("silence"), "{w}");
        // The smart downmix sees the invalid channel as silent and takes the other.
        let mut s = ChannelStats::default();
        s.push(&planes, 1000);
        assert_eq!(s.decide().0, Downmix::Channel(1));
        out.clear();
        to_mono_as(&planes, &speakers, 1000, Downmix::Channel(1), &mut out, &mut invalid);
        assert_eq!(out, right);
        // A few bad samples in a 5.1 file: only those samples of that channel are zeroed.
        let mut planes = vec![vec![0.5f32; 4]; 6];
        planes[2][1] = f32::NAN;
        let mut invalid = Invalid::default();
        out.clear();
        use Speaker::*;
        let layout = [FrontLeft, FrontRight, FrontCenter, Lfe, Surround, Surround];
        to_mono_as(&planes, &layout, 4, Downmix::Standard, &mut out, &mut invalid);
        assert!(out.iter().all(|x| x.is_finite()));
        assert!((out[0] - 0.5).abs() < 1e-6 && out[1] < 0.5 && out[1] > 0.2, "{out:?}");
        let w = invalid.warning().unwrap();
        assert!(w.contains("channel 3 (25.0% of it)"), "{w}");
    }

    #[test]
    fn discrete_channels_are_averaged() {
        let planes = vec![vec![1.0], vec![0.0], vec![0.0], vec![1.0]];
        let mut out = Vec::new();
        to_mono(&planes, &[Speaker::Other; 4], 1, &mut out);
        assert_eq!(out, vec![0.5]);
    }
    fn stats(left: &[f32], right: &[f32]) -> (Downmix, Option<String>) {
        let (d, n) = stats_of(left, right);
        (d, n.map(|n| n.english()))
    }

    fn stats_of(left: &[f32], right: &[f32]) -> (Downmix, Option<crate::notice::Notice>) {
        let mut s = ChannelStats::default();
        let planes = [left.to_vec(), right.to_vec()];
        for start in (0..left.len()).step_by(1000) {
            let n = (left.len() - start).min(1000);
            let chunk: Vec<Vec<f32>> =
                planes.iter().map(|p| p[start..start + n].to_vec()).collect();
            s.push(&chunk, n);
        }
        s.decide()
    }

    #[test]
    fn smart_downmix_takes_the_live_or_the_louder_channel() {
        let voice: Vec<f32> = (0..8000).map(|i| (i as f32 * 0.05).sin() * 0.5).collect();
        let silent = vec![0.0f32; 8000];
        let faint: Vec<f32> = voice.iter().map(|v| v * 0.01).collect(); // -40 dB
        let half: Vec<f32> = voice.iter().map(|v| v * 0.1).collect(); // -20 dB
        let inverted: Vec<f32> = voice.iter().map(|v| -v * 0.9).collect();
        let (d, w) = stats(&silent, &voice);
        assert_eq!(d, Downmix::Channel(1));
        assert!(w.unwrap().contains("silent left channel"));
        let (d, w) = stats(&voice, &faint);
        assert_eq!(d, Downmix::Channel(0));
        assert!(w.unwrap().contains("40 dB below the left"));
        assert_eq!(stats(&voice, &half), (Downmix::Standard, None));
        assert_eq!(stats(&voice, &voice), (Downmix::Standard, None));
        let (d, w) = stats(&voice, &inverted);
        assert_eq!(d, Downmix::Channel(0));
        assert!(w.unwrap().contains("opposite phase"));
        assert_eq!(stats(&silent, &silent), (Downmix::Standard, None));

        let mut out = Vec::new();
        let planes = vec![silent.clone(), voice.clone()];
        to_mono_as(
            &planes,
            &[Speaker::FrontLeft, Speaker::FrontRight],
            8000,
            Downmix::Channel(1),
            &mut out,
            &mut Invalid::default(),
        );
        assert_eq!(out, voice);
    }
}
