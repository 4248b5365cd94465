//! A minimal abstraction over "one float" and "four floats" so each DSP kernel
//! is written once and instantiated for both a SIMD body and a scalar tail.
//!
//! Every operation acts lane-wise with exactly the scalar semantics (no fused
//! multiply-add, no reassociation), so vectorized kernels produce bit-identical
//! results to the scalar reference.

use core::ops::{Add, AddAssign, Mul, Neg, Sub, SubAssign};

pub(crate) trait Lanes:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
{
    fn splat(x: f32) -> Self;
    /// Loads the first `N` floats of `s`.
    fn load(s: &[f32]) -> Self;
    /// Stores into the first `N` floats of `s`.
    fn store(self, s: &mut [f32]);
    /// Loads `s[0], s[stride], s[2*stride], ...`.
    fn gather(s: &[f32], stride: usize) -> Self;
    /// Stores to `s[0], s[stride], s[2*stride], ...`.
    fn scatter(self, s: &mut [f32], stride: usize);
    /// Reverses the lane order.
    fn rev(self) -> Self;
}

impl Lanes for f32 {
    #[inline(always)]
    fn splat(x: f32) -> Self {
        x
    }
    #[inline(always)]
    fn load(s: &[f32]) -> Self {
        s[0]
    }
    #[inline(always)]
    fn store(self, s: &mut [f32]) {
        s[0] = self;
    }
    #[inline(always)]
    fn gather(s: &[f32], _stride: usize) -> Self {
        s[0]
    }
    #[inline(always)]
    fn scatter(self, s: &mut [f32], _stride: usize) {
        s[0] = self;
    }
    #[inline(always)]
    fn rev(self) -> Self {
        self
    }
}

pub(crate) use f32x4::F4;

mod f32x4 {
    pub(crate) type F4 = wide::f32x4;

    impl super::Lanes for F4 {
        #[inline(always)]
        fn splat(x: f32) -> Self {
            F4::splat(x)
        }
        #[inline(always)]
        fn load(s: &[f32]) -> Self {
            F4::new(s[..4].try_into().unwrap())
        }
        #[inline(always)]
        fn store(self, s: &mut [f32]) {
            s[..4].copy_from_slice(&self.to_array());
        }
        #[inline(always)]
        fn gather(s: &[f32], stride: usize) -> Self {
            F4::new([s[0], s[stride], s[2 * stride], s[3 * stride]])
        }
        #[inline(always)]
        fn scatter(self, s: &mut [f32], stride: usize) {
            let a = self.to_array();
            s[3 * stride] = a[3];
            s[2 * stride] = a[2];
            s[stride] = a[1];
            s[0] = a[0];
        }
        #[inline(always)]
        fn rev(self) -> Self {
            let [a, b, c, d] = self.to_array();
            F4::new([d, c, b, a])
        }
    }
}
