//! The information arithmetic the interview ranks questions by: binary entropy
//! in bits, with a fast `log2` for the per-report hot loop and the library's
//! exact one where the knowledge base is compiled.

/// log2(x) for x > 0, to about 1e-6: the exponent from the bits, and the
/// mantissa m in [1, 2) from ln(m) = 2 artanh((m - 1) / (m + 1)). Fast and
/// deterministic; ranking questions needs no more precision.
pub fn log2(x: f64) -> f64 {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000);
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let ln_m = 2.0
        * t
        * (1.0 + t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0 + t2 * (1.0 / 9.0 + t2 / 11.0)))));
    exponent as f64 + ln_m * std::f64::consts::LOG2_E
}

/// Binary entropy in bits of p = o / (1 + o), given the odds and the natural
/// log-odds: H = log2(1 + o) - p log2(o), one logarithm instead of two.
pub fn entropy_of_odds(o: f64, ln_o: f64) -> f64 {
    if !(o.is_finite() && o > 1e-300) {
        return 0.0;
    }
    let h = log2(1.0 + o) - o / (1.0 + o) * ln_o * std::f64::consts::LOG2_E;
    h.max(0.0)
}

/// Binary entropy in bits.
pub fn entropy(p: f64) -> f64 {
    // Below the normal range the bit trick in `log2` does not apply, and the
    // entropy is negligible anyway.
    if !(1e-300..=1.0 - 1e-16).contains(&p) {
        return 0.0;
    }
    -(p * log2(p) + (1.0 - p) * log2(1.0 - p))
}

/// Binary entropy in bits, exact (compile time only).
pub fn h2(p: f64) -> f64 {
    if p <= 0.0 || p >= 1.0 { 0.0 } else { -(p * p.log2() + (1.0 - p) * (1.0 - p).log2()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_log2_matches_the_library_to_a_millionth() {
        for &x in &[1e-12, 1e-6, 0.001, 0.3, 0.5, 0.999_999, 1.0, 1.5, 2.0, 7.3, 1e6] {
            let (a, b) = (log2(x), x.log2());
            assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{x}: {a} vs {b}");
        }
    }

    #[test]
    fn entropy_from_odds_agrees_with_entropy_from_probability() {
        for &p in &[1e-9, 1e-4, 0.01, 0.2, 0.5, 0.8, 0.99, 0.999_99] {
            let o: f64 = p / (1.0 - p);
            let (a, b) = (entropy_of_odds(o, o.ln()), entropy(p));
            assert!((a - b).abs() < 1e-6, "{p}: {a} vs {b}");
        }
    }

    #[test]
    fn entropy_is_one_bit_at_one_half_and_zero_at_the_ends() {
        assert!((entropy(0.5) - 1.0).abs() < 1e-9);
        assert_eq!(entropy(0.0), 0.0);
        assert_eq!(entropy(1.0), 0.0);
    }

    #[test]
    fn the_exact_and_fast_entropies_agree() {
        for &p in &[1e-9, 1e-4, 0.01, 0.2, 0.5, 0.8, 0.99] {
            assert!((h2(p) - entropy(p)).abs() < 1e-6, "{p}");
        }
    }
}
