//! Downmix: N channels ► mono, by one documented rule that cannot clip.
//!
//! - Mono passes through unchanged.
//! - Stereo (and any two channels) becomes the average `(L + R) / 2`.
//! - More channels follow the ITU-R BS.775 downmix to mono: front left/right (and the
//!   left/right-of-centre and wide pairs) weigh 1/√2, centre 1, every surround or rear channel
//!   1/2, the LFE channel 0 (dropped). The weights are divided by their sum, so the mix is a
//!   weighted average: it can never exceed the loudest input channel and cannot clip.
//! - Channels without a known position (discrete channels) are averaged with equal weights.
//! - Smart downmix (asked for, as it needs the whole file's statistics first: [`ChannelStats`]):
//!   a stereo file whose one channel is silent or [`ONE_SIDED_DB`] below the other is taken from
//!   the live channel at full level (the average would be 6 dB quieter), and an anti-phase pair
//!   (correlation at or below [`ANTI_PHASE_CORRELATION`], L ≈ -R) from its louder channel (the
//!   average would cancel it). Both say so in a warning.

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

/// Mixes `frames` frames of the planar channels to mono, appending to `out`. NaN becomes 0
/// and every value is bounded by [`MAX_MAGNITUDE`].
pub fn to_mono(planes: &[Vec<f32>], speakers: &[Speaker], frames: usize, out: &mut Vec<f32>) {
    let start = out.len();
    mix_into(planes, speakers, frames, out);
    for x in &mut out[start..] {
        // `clamp` keeps NaN, so NaN is mapped first; infinities clamp like any large value.
        *x = if x.is_nan() { 0.0 } else { x.clamp(-MAX_MAGNITUDE, MAX_MAGNITUDE) };
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

/// Mixes like [`to_mono`], or takes one channel for [`Downmix::Channel`] (with the same taming of
/// NaN and huge values).
pub fn to_mono_as(
    planes: &[Vec<f32>],
    speakers: &[Speaker],
    frames: usize,
    downmix: Downmix,
    out: &mut Vec<f32>,
) {
    match downmix {
        Downmix::Channel(c) if c < planes.len() => {
            out.extend(
                planes[c][..frames].iter().map(|&x| {
                    if x.is_nan() { 0.0 } else { x.clamp(-MAX_MAGNITUDE, MAX_MAGNITUDE) }
                }),
            );
        }
        _ => to_mono(planes, speakers, frames, out),
    }
}

/// A channel this far (dB) below the other in a stereo file counts as silent.
pub const ONE_SIDED_DB: f64 = 30.0;

/// Stereo channels this anti-correlated (or more) are an anti-phase pair.
pub const ANTI_PHASE_CORRELATION: f64 = -0.7;

/// Energy and correlation of a stereo file's channels, gathered over the whole file, for the
/// smart downmix decision.
#[derive(Debug, Clone, Default)]
pub struct ChannelStats {
    squares: [f64; 2],
    cross: f64,
    stereo: bool,
    frames: u64,
}

impl ChannelStats {
    /// Adds `frames` frames of planar channels (only two-channel audio is considered).
    pub fn push(&mut self, planes: &[Vec<f32>], frames: usize) {
        let [left, right] = planes else {
            return;
        };
        self.stereo = true;
        let tame = |x: f32| if x.is_finite() { f64::from(x) } else { 0.0 };
        for (&l, &r) in left[..frames].iter().zip(&right[..frames]) {
            let (l, r) = (tame(l), tame(r));
            self.squares[0] += l * l;
            self.squares[1] += r * r;
            self.cross += l * r;
        }
        self.frames += frames as u64;
    }

    /// The downmix for the file, with the warning that says why when it is not the standard.
    pub fn decide(&self) -> (Downmix, Option<String>) {
        let [l, r] = self.squares;
        if !self.stereo || l.max(r) <= 0.0 {
            return (Downmix::Standard, None);
        }
        let name = |c: usize| if c == 0 { "left" } else { "right" };
        let (live, dead) = if l >= r { (0, 1) } else { (1, 0) };
        let (e_live, e_dead) = (self.squares[live], self.squares[dead]);
        if e_dead <= e_live * 10f64.powf(-ONE_SIDED_DB / 10.0) {
            let below = if e_dead > 0.0 {
                format!("{:.0} dB below the {}", 10.0 * (e_live / e_dead).log10(), name(live))
            } else {
                "digital silence".to_string()
            };
            return (
                Downmix::Channel(live),
                Some(format!(
                    "stereo with a silent {} channel ({below}): took the {} channel at full level \
                     (averaging would have made it 6 dB quieter)",
                    name(dead),
                    name(live)
                )),
            );
        }
        let correlation = self.cross / (l * r).sqrt();
        if correlation <= ANTI_PHASE_CORRELATION {
            return (
                Downmix::Channel(live),
                Some(format!(
                    "stereo channels in opposite phase (correlation {correlation:.2}): took the {} \
                     channel alone (averaging would have cancelled them)",
                    name(live)
                )),
            );
        }
        (Downmix::Standard, None)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
        to_mono(&planes, &[Speaker::FrontCenter], 5, &mut out);
        assert_eq!(out, vec![0.0, MAX_MAGNITUDE, -MAX_MAGNITUDE, MAX_MAGNITUDE, 0.5]);
        let stereo = vec![vec![f32::INFINITY], vec![f32::NEG_INFINITY]];
        out.clear();
        to_mono(&stereo, &[Speaker::FrontLeft, Speaker::FrontRight], 1, &mut out);
        assert_eq!(out, vec![0.0]);
    }

    #[test]
    fn discrete_channels_are_averaged() {
        let planes = vec![vec![1.0], vec![0.0], vec![0.0], vec![1.0]];
        let mut out = Vec::new();
        to_mono(&planes, &[Speaker::Other; 4], 1, &mut out);
        assert_eq!(out, vec![0.5]);
    }
    fn stats(left: &[f32], right: &[f32]) -> (Downmix, Option<String>) {
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
        );
        assert_eq!(out, voice);
    }
}
