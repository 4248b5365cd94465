//! Downmix: N channels ► mono, by one documented rule that cannot clip.
//!
//! - Mono passes through unchanged.
//! - Stereo (and any two channels) becomes the average `(L + R) / 2`.
//! - More channels follow the ITU-R BS.775 downmix to mono: front left/right (and the
//!   left/right-of-centre and wide pairs) weigh 1/√2, centre 1, every surround or rear channel
//!   1/2, the LFE channel 0 (dropped). The weights are divided by their sum, so the mix is a
//!   weighted average: it can never exceed the loudest input channel and cannot clip.
//! - Channels without a known position (discrete channels) are averaged with equal weights.

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
}
