//! Randomness as a small injectable trait, so jitter is deterministic under test.
//!
//! The browser layer passes `|| js_sys::Math::random()` (any `FnMut() -> f64` is a
//! [`RandomSource`]); tests and reproducible runs use the seeded [`SplitMix64`].

/// A source of uniform numbers in `[0, 1)`.
///
/// Implementations need not be careful: every consumer in this module tree goes through
/// [`unit()`], which maps NaN and out-of-range values into `[0, 1)`, so a misbehaving source can
/// skew jitter but never break the "delay ≤ max" guarantees.
pub trait RandomSource {
    /// The next number, nominally uniform in `[0, 1)`.
    fn next_f64(&mut self) -> f64;
}

impl<F: FnMut() -> f64> RandomSource for F {
    fn next_f64(&mut self) -> f64 {
        self()
    }
}

/// The next value of `rng`, forced into `[0, 1)`: NaN and negatives become 0, values ≥ 1 become
/// the largest `f64` below 1.
pub fn unit(rng: &mut (impl RandomSource + ?Sized)) -> f64 {
    let v = rng.next_f64();
    if v.is_nan() || v < 0.0 {
        0.0
    } else if v >= 1.0 {
        1.0 - f64::EPSILON / 2.0
    } else {
        v
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, fast, well-mixed 64-bit PRNG. Not
/// cryptographic — only for jitter and for seeded tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator starting from `seed` (every seed, including 0, is fine).
    pub fn new(seed: u64) -> Self {
        SplitMix64 { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`0` when `n` is 0). The modulo bias is below 2⁻³² for the small `n`
    /// tests use.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// `true` with probability `p` (clamped to `[0, 1]`).
    pub fn chance(&mut self, p: f64) -> bool {
        self.next_f64() < p
    }
}

impl RandomSource for SplitMix64 {
    /// The top 53 bits as a fraction: every value is a multiple of 2⁻⁵³ in `[0, 1)`.
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // Reference values of SplitMix64 seeded with 0 (as in the Java SplittableRandom paper
        // and every port of it).
        let mut r = SplitMix64::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
        assert_eq!(r.next_u64(), 0x06C4_5D18_8009_454F);
    }

    #[test]
    fn floats_stay_in_the_unit_interval_and_are_seed_deterministic() {
        let mut a = SplitMix64::new(42);
        let mut b = SplitMix64::new(42);
        let mut sum = 0.0;
        for _ in 0..10_000 {
            let x = a.next_f64();
            assert_eq!(x, b.next_f64());
            assert!((0.0..1.0).contains(&x));
            sum += x;
        }
        let mean = sum / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02, "mean {mean}");
        assert_ne!(SplitMix64::new(1).next_u64(), SplitMix64::new(2).next_u64());
    }

    #[test]
    fn below_and_chance() {
        let mut r = SplitMix64::new(7);
        assert_eq!(r.below(0), 0);
        for _ in 0..1000 {
            assert!(r.below(5) < 5);
        }
        assert!(!r.chance(0.0));
        assert!(r.chance(1.0));
    }

    #[test]
    fn unit_sanitises_misbehaving_sources() {
        assert_eq!(unit(&mut || f64::NAN), 0.0);
        assert_eq!(unit(&mut || -3.0), 0.0);
        let one = unit(&mut || 1.0);
        assert!(one < 1.0 && one > 0.999_999);
        assert!(unit(&mut || f64::INFINITY) < 1.0);
        assert_eq!(unit(&mut || 0.25), 0.25);
    }
}
