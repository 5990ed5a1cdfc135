//! Section 3.2: the source's "request distribution rate", and what load
//! balancing is really about, the maximum load.
//!
//! [`requests_per_server`] is the article's R = N / M as written: N requests
//! over M servers. It is the *mean* load, and every assignment of the same
//! N requests to the same M servers has the same mean, the worst one
//! included. A balancer is judged by its *maximum* load, which
//! [`LoadSummary`] reports beside the mean.
//!
//! The rest is the theory of throwing balls (requests) into bins
//! (servers). It follows the papers' names: **m balls into n bins**. Mind
//! the swap: the source calls the requests N and the servers M.
//!
//! - [`one_choice_max_load`]: m = n balls, each into a uniformly random bin,
//!   reach a maximum of ln n / ln ln n (1 + o(1)) (G. H. Gonnet, "Expected
//!   length of the longest probe sequence in hash code searching", JACM
//!   28(2), 1981; M. Raab and A. Steger, "Balls into bins: a simple and
//!   tight analysis", RANDOM 1998, LNCS 1518).
//! - [`gonnet_expected_max_load`]: Gonnet's sharper expected maximum,
//!   Γ⁻¹(n) − 3/2 + o(1), for m = n.
//! - [`one_choice_light_max_load`] and [`one_choice_heavy_gap`]: Raab and
//!   Steger's bounds for m below n and for m far above n.
//! - [`one_choice_expected_max_exact`]: the exact expected maximum for small
//!   m and n, summed over the multinomial distribution (no asymptotics).
//! - [`d_choice_gap`]: each ball goes to the least loaded of d bins sampled
//!   at random, and the maximum falls to ln ln n / ln d + O(1) (Y. Azar,
//!   A. Z. Broder, A. R. Karlin and E. Upfal, "Balanced allocations", SIAM
//!   Journal on Computing 29(1), 1999), above the mean however many balls
//!   are thrown (P. Berenbrink, A. Czumaj, A. Steger and B. Vöcking,
//!   "Balanced allocations: the heavily loaded case", SIAM Journal on
//!   Computing 35(6), 2006).
//! - [`supermarket_time`]: the same choice for queues that drain, in the
//!   limit of many servers (M. Mitzenmacher, "The power of two choices in
//!   randomized load balancing", IEEE TPDS 12(10), 2001; N. D. Vvedenskaya,
//!   R. L. Dobrushin and F. I. Karpelevich, "Queueing system with selection
//!   of the shortest of two queues: an asymptotic approach", Problems of
//!   Information Transmission 32(1), 1996).

use crate::support::error::{ModelError, at_least};

/// The largest count an `f64` holds exactly: 2^53.
pub const MAX_EXACT_COUNT: u64 = 1 << 53;

/// Checks that a count is exact as an `f64`, and returns it as one.
fn exact_count(what: &'static str, count: u64) -> Result<f64, ModelError> {
    if count > MAX_EXACT_COUNT {
        return Err(ModelError::TooLarge {
            what,
            value: count as f64,
            max: MAX_EXACT_COUNT as f64,
        });
    }
    Ok(count as f64)
}

/// Checks that a count is at least `min`, and returns it as an `f64`
/// (rounded above 2^53, which the asymptotic formulas do not mind).
fn count_at_least(what: &'static str, count: u64, min: u64) -> Result<f64, ModelError> {
    if count < min {
        return Err(ModelError::TooSmall {
            what,
            value: count as f64,
            min: min as f64,
        });
    }
    Ok(count as f64)
}

// ANCHOR: source_r
/// The source article's formula, as written: R = N / M, its "request
/// distribution rate", for `n` requests over `m` servers.
///
/// It is the mean number of requests per server, and nothing more: it is
/// the same for every way of spreading the same requests, so it cannot
/// tell a good balancer from a bad one. Refused: no servers (R is
/// undefined), and counts above 2^53, which an `f64` cannot hold exactly.
pub fn requests_per_server(n: u64, m: u64) -> Result<f64, ModelError> {
    let requests = exact_count("the number of requests N", n)?;
    let servers = exact_count("the number of servers M", m)?;
    if m == 0 {
        return Err(ModelError::TooSmall {
            what: "the number of servers M",
            value: 0.0,
            min: 1.0,
        });
    }
    // Both are exact, so the quotient is correctly rounded.
    Ok(requests / servers)
}
// ANCHOR_END: source_r

// ANCHOR: summary
/// What a load vector says about a balancer: its maximum, beside the mean R.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadSummary {
    /// How many servers.
    pub servers: usize,
    /// How many requests in all.
    pub requests: u64,
    /// The busiest server's load.
    pub max: u64,
    /// The idlest server's load.
    pub min: u64,
    /// The mean load: the source's R = N / M.
    pub mean: f64,
    /// max / mean; `None` when no request was sent (0 / 0).
    pub peak_to_average: Option<f64>,
    /// max − N / M: how far the busiest server is above the mean.
    pub gap: f64,
}

impl LoadSummary {
    /// Summarises the requests each server received.
    ///
    /// Refused: no servers, and more than 2^53 requests in all (the mean
    /// would not be exact).
    pub fn of(loads: &[u64]) -> Result<LoadSummary, ModelError> {
        let (Some(&max), Some(&min)) = (loads.iter().max(), loads.iter().min()) else {
            return Err(ModelError::Empty {
                what: "the list of server loads",
            });
        };
        let total: u128 = loads.iter().map(|&l| u128::from(l)).sum();
        let requests = u64::try_from(total).unwrap_or(u64::MAX);
        let mean = requests_per_server(requests, loads.len() as u64)?;
        Ok(LoadSummary {
            servers: loads.len(),
            requests,
            max,
            min,
            mean,
            peak_to_average: (requests > 0).then(|| max as f64 / mean),
            gap: max as f64 - mean,
        })
    }
}
// ANCHOR_END: summary

/// Returns `value` when it is finite; otherwise the formula overflowed.
fn finite(what: &'static str, value: f64) -> Result<f64, ModelError> {
    if value.is_finite() {
        Ok(value)
    } else {
        Err(ModelError::NotFinite { what, value })
    }
}

// ANCHOR: one_choice
/// The leading term of the maximum load when `n` requests go to `n`
/// servers, each to one chosen uniformly at random: ln n / ln ln n.
///
/// The maximum is ln n / ln ln n · (1 + o(1)) with high probability; the
/// leading term is Gonnet's (JACM 1981, as the asymptote of Γ⁻¹(n)) and
/// Raab and Steger's (RANDOM 1998, Theorem 1). The o(1) shrinks slowly: at
/// n = 1000 the term is 3.6 while the maximum is usually 5 or 6; see
/// [`gonnet_expected_max_load`] for a figure to compare with a simulation.
/// `n` must be at least 3, so that ln ln n > 0.
pub fn one_choice_max_load(n: u64) -> Result<f64, ModelError> {
    let n = count_at_least("the number of servers n", n, 3)?;
    Ok(n.ln() / n.ln().ln())
}
// ANCHOR_END: one_choice

/// ln Γ(x) for x ≥ 1: Stirling's series, after shifting x to 15 or above
/// with Γ(x + 1) = x Γ(x). The first omitted term, 1/(1680 x⁷), is below
/// 4e-12 from x = 15 on.
fn ln_gamma(x: f64) -> f64 {
    let mut shift = 0.0;
    let mut x = x;
    while x < 15.0 {
        shift += x.ln();
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let series = inv / 12.0 - inv * inv2 / 360.0 + inv * inv2 * inv2 / 1260.0;
    (x - 0.5) * x.ln() - x + 0.5 * (2.0 * std::f64::consts::PI).ln() + series - shift
}

// ANCHOR: gonnet
/// Gonnet's expected maximum load of `n` requests on `n` servers, each
/// chosen uniformly at random: Γ⁻¹(n) − 3/2 + o(1) (G. H. Gonnet, "Expected
/// length of the longest probe sequence in hash code searching", JACM
/// 28(2), 1981). Γ⁻¹ is the inverse of the gamma function on x ≥ 2.
///
/// Its leading term is [`one_choice_max_load`]'s ln n / ln ln n, but it
/// is close at the sizes a simulation reaches (about 5.7 at n = 1000).
/// `n` must be at least 3.
pub fn gonnet_expected_max_load(n: u64) -> Result<f64, ModelError> {
    let target = count_at_least("the number of servers n", n, 3)?.ln();
    // ln Γ rises on [2, ∞) from 0; find where it reaches ln n by bisection.
    let (mut lo, mut hi) = (2.0_f64, 4.0_f64);
    while ln_gamma(hi) < target {
        lo = hi;
        hi *= 2.0;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if ln_gamma(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Ok(0.5 * (lo + hi) - 1.5)
}
// ANCHOR_END: gonnet

// ANCHOR: light
/// Raab and Steger's maximum load for `m` requests on `n` servers chosen
/// uniformly at random, when there are fewer requests than about n ln n
/// (RANDOM 1998, Theorem 1, the case n / polylog(n) ≤ m ≪ n ln n, with
/// their α = 1):
///
/// k = ln n / ln(n ln n / m) · (1 + ln ln(n ln n / m) / ln(n ln n / m)).
///
/// With m = n it is ln n / ln ln n · (1 + ln ln ln n / ln ln n). It is an
/// asymptotic threshold (a maximum above it has probability o(1)), not an
/// expectation. `n` must be at least 3 and `m` from 1 to n (the formula
/// leaves its range above about n ln n / e).
pub fn one_choice_light_max_load(m: u64, n: u64) -> Result<f64, ModelError> {
    let bins = count_at_least("the number of servers n", n, 3)?;
    let balls = count_at_least("the number of requests m", m, 1)?;
    if m > n {
        return Err(ModelError::TooLarge {
            what: "the number of requests m",
            value: balls,
            max: bins,
        });
    }
    let base = (bins * bins.ln() / balls).ln();
    // m ≤ n and n ≥ 3 give base ≥ ln ln 3 > 0, and ln base is finite.
    Ok(bins.ln() / base * (1.0 + base.ln() / base))
}
// ANCHOR_END: light

// ANCHOR: heavy
/// The gap above the mean, max − m/n, when `m` requests go to `n` servers
/// chosen uniformly at random and m is far above n ln n: √(2 (m/n) ln n)
/// (Raab and Steger, RANDOM 1998, Theorem 1, the leading term of the case
/// m ≫ n (ln n)³).
///
/// It grows without bound as m grows: the busiest server drifts away from
/// the mean like the maximum of n Poisson counts. Compare
/// [`d_choice_gap`], which does not grow. Raab and Steger's next term
/// lowers it by a factor √(1 − ln ln n / (2 ln n)), 7% at n = 1000.
/// `n` must be at least 2 and `m` at least 1.
pub fn one_choice_heavy_gap(m: u64, n: u64) -> Result<f64, ModelError> {
    let bins = count_at_least("the number of servers n", n, 2)?;
    let balls = count_at_least("the number of requests m", m, 1)?;
    finite("the uniform gap", (2.0 * (balls / bins) * bins.ln()).sqrt())
}
// ANCHOR_END: heavy

// ANCHOR: d_choice
/// The gap above the mean when each request goes to the least loaded of
/// `d` servers sampled at random out of `n`: ln ln n / ln d, plus a
/// constant the theorems do not give (the O(1)).
///
/// For m = n the maximum load is ln ln n / ln d + O(1) with high
/// probability (Azar, Broder, Karlin and Upfal, "Balanced allocations",
/// 1999). For any m, however much larger than n, the maximum is m/n +
/// ln ln n / ln d + O(1) (Berenbrink, Czumaj, Steger and Vöcking,
/// "Balanced allocations: the heavily loaded case", 2006): the gap does not
/// grow with m. Going from one choice to two is exponentially better; from
/// two to d only a constant factor, 1 / log₂ d. `d` must be at least 2
/// (d = 1 is one uniform choice) and `n` at least 3, so that ln ln n > 0.
pub fn d_choice_gap(n: u64, d: u64) -> Result<f64, ModelError> {
    let bins = count_at_least("the number of servers n", n, 3)?;
    let d = count_at_least("the number of choices d", d, 2)?;
    Ok(bins.ln().ln() / d.ln())
}
// ANCHOR_END: d_choice

// ANCHOR: supermarket
/// The supermarket model's mean time in system when each arriving job
/// joins the shortest of `d` queues sampled at random, in the limit of
/// many servers: T_d(λ) = Σ_{i≥1} λ^((dⁱ − d)/(d − 1)), and 1 / (1 − λ)
/// for d = 1 (M/M/1).
///
/// Jobs arrive in a Poisson stream at rate λ·n to n servers that each
/// serve at rate 1 (exponential times), so λ is the load per server and a
/// job's own service takes 1 on average. The formula is the limit as
/// n → ∞ (Mitzenmacher, IEEE TPDS 2001, Theorem 3.6 and its corollary;
/// Vvedenskaya, Dobrushin and Karpelevich 1996 for d = 2). The fraction of
/// queues with at least i jobs falls doubly exponentially, λ^((dⁱ − 1)/(d − 1)),
/// instead of λⁱ. `d` must be at least 1 and `lambda` in [0, 1).
pub fn supermarket_time(lambda: f64, d: u64) -> Result<f64, ModelError> {
    let lambda = at_least("the arrival rate per server λ", lambda, 0.0)?;
    if lambda >= 1.0 {
        return Err(ModelError::Inconsistent {
            why: format!(
                "the arrival rate per server λ is {lambda}; it must be below 1, \
                 or the queues grow without bound"
            ),
        });
    }
    let choices = count_at_least("the number of choices d", d, 1)?;
    if d == 1 {
        return Ok(1.0 / (1.0 - lambda));
    }
    // Term i is λ^e with e = (dⁱ − d)/(d − 1) = d + d² + … + d^(i−1): the
    // exponents grow by d^(i−1), so a running power and a running exponent
    // stay exact until the terms vanish.
    let (mut sum, mut exponent, mut step) = (0.0, 0.0_f64, 1.0_f64);
    loop {
        let term = lambda.powf(exponent);
        sum += term;
        if term <= f64::EPSILON * sum * 1e-3 || !exponent.is_finite() {
            return Ok(sum);
        }
        step *= choices;
        exponent += step;
    }
}
// ANCHOR_END: supermarket

/// ln of k! for k = 0..=m.
fn ln_factorials(m: usize) -> Vec<f64> {
    let mut table = Vec::with_capacity(m + 1);
    let mut acc = 0.0;
    table.push(acc);
    for k in 1..=m {
        acc += (k as f64).ln();
        table.push(acc);
    }
    table
}

/// The most work [`one_choice_expected_max_exact`] takes on: about a
/// second in a debug build.
pub const EXACT_WORK_LIMIT: f64 = 2e7;

/// An upper estimate of the terms [`one_choice_expected_max_exact`] sums
/// for `m` requests on `n` servers: (n − 1)(m + 1) terms per level k, at
/// most k + 1 each, for k from ⌈m/n⌉ up to 12 standard deviations and 12
/// more above the mean (the sum stops sooner in practice).
pub fn exact_work(m: u64, n: u64) -> f64 {
    let (balls, bins) = (m as f64, n.max(1) as f64);
    let floor = (balls / bins).ceil();
    let top = (floor + 12.0 * (balls / bins + 1.0).sqrt() + 12.0).min(balls);
    let levels: f64 = if top < floor {
        0.0
    } else {
        // Σ_{k=floor}^{top} (k + 1).
        (top - floor + 1.0) * (floor + top + 2.0) / 2.0
    };
    (bins - 1.0) * (balls + 1.0) * levels
}

// ANCHOR: exact
/// The exact expected maximum load of `m` requests on `n` servers, each
/// chosen uniformly at random, with no asymptotics: E[max] = Σ_k P(max > k).
///
/// P(max ≤ k) comes from a recurrence over servers: the first of j
/// servers gets c requests with the binomial probability C(r, c) (1/j)^c
/// (1 − 1/j)^(r−c), and the other r − c spread over the remaining j − 1.
/// The sum stops once P(max > k) is below 1e-12 (below that, rounding in
/// 1 − P(max ≤ k) is all that is left). It is for the small sizes where the
/// asymptotic formulas mislead (the source's 100 requests on 3 servers):
/// `n` and `m` must be at least 1 and [`exact_work`] at most
/// [`EXACT_WORK_LIMIT`].
pub fn one_choice_expected_max_exact(m: u64, n: u64) -> Result<f64, ModelError> {
    count_at_least("the number of requests m", m, 1)?;
    count_at_least("the number of servers n", n, 1)?;
    let work = exact_work(m, n);
    if work > EXACT_WORK_LIMIT {
        return Err(ModelError::TooLarge {
            what: "the work of the exact sum, (n − 1)(m + 1) Σ (k + 1),",
            value: work,
            max: EXACT_WORK_LIMIT,
        });
    }
    let (m, n) = (m as usize, n as usize);
    let ln_fact = ln_factorials(m);
    // Pigeonhole: the maximum is at least ⌈m/n⌉.
    let floor = m.div_ceil(n);
    let mut expected = floor as f64;
    for k in floor..m {
        let tail = 1.0 - prob_max_at_most(k, m, n, &ln_fact);
        if tail < 1e-12 {
            break;
        }
        expected += tail;
    }
    Ok(expected)
}
// ANCHOR_END: exact

/// P(no server gets more than `k`) for `m` requests on `n` servers.
fn prob_max_at_most(k: usize, m: usize, n: usize, ln_fact: &[f64]) -> f64 {
    // fits[r]: the probability that r requests on j servers fit under k.
    let mut fits: Vec<f64> = (0..=m).map(|r| if r <= k { 1.0 } else { 0.0 }).collect();
    for j in 2..=n {
        let p = 1.0 / j as f64;
        let (lp, lq) = (p.ln(), (1.0 - p).ln());
        let mut next = vec![0.0; m + 1];
        for (r, slot) in next.iter_mut().enumerate() {
            let mut total = 0.0;
            for c in 0..=k.min(r) {
                let ln_choose = ln_fact[r] - ln_fact[c] - ln_fact[r - c];
                let ln_pmf = ln_choose + c as f64 * lp + (r - c) as f64 * lq;
                total += ln_pmf.exp() * fits[r - c];
            }
            *slot = total.min(1.0);
        }
        fits = next;
    }
    fits[m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_r_is_the_mean() {
        assert_eq!(requests_per_server(100, 3), Ok(100.0 / 3.0));
        assert_eq!(requests_per_server(0, 3), Ok(0.0));
        let zero = requests_per_server(100, 0).unwrap_err().to_string();
        assert_eq!(zero, "the number of servers M is 0; it must be at least 1");
        assert!(matches!(
            requests_per_server(MAX_EXACT_COUNT + 1, 3),
            Err(ModelError::TooLarge { .. })
        ));
        assert!(requests_per_server(MAX_EXACT_COUNT, MAX_EXACT_COUNT).is_ok());
    }

    #[test]
    fn summaries_report_the_max_beside_the_mean() {
        let s = LoadSummary::of(&[31, 32, 37]).unwrap();
        assert_eq!((s.max, s.min, s.requests, s.servers), (37, 31, 100, 3));
        assert!((s.gap - (37.0 - 100.0 / 3.0)).abs() < 1e-12);
        assert!((s.peak_to_average.unwrap() - 1.11).abs() < 1e-12);
        let idle = LoadSummary::of(&[0, 0]).unwrap();
        assert_eq!((idle.peak_to_average, idle.gap), (None, 0.0));
        assert!(matches!(
            LoadSummary::of(&[]),
            Err(ModelError::Empty { .. })
        ));
        assert!(LoadSummary::of(&[u64::MAX, u64::MAX]).is_err());
    }

    #[test]
    fn gamma_and_gonnet_match_known_values() {
        // Γ(5) = 24, Γ(2.5) = 1.5 · 0.5 · √π.
        assert!((ln_gamma(5.0) - 24f64.ln()).abs() < 1e-10);
        let g25 = 0.75 * std::f64::consts::PI.sqrt();
        assert!((ln_gamma(2.5) - g25.ln()).abs() < 1e-10);
        // Γ(7) = 720, so Γ⁻¹(720) − 3/2 = 5.5.
        assert!((gonnet_expected_max_load(720).unwrap() - 5.5).abs() < 1e-9);
        let g = gonnet_expected_max_load(1000).unwrap();
        assert!((5.6..5.8).contains(&g), "{g}");
        assert!(gonnet_expected_max_load(u64::MAX).unwrap().is_finite());
        assert!(gonnet_expected_max_load(2).is_err());
    }

    #[test]
    fn theory_figures_at_the_book_s_sizes() {
        let close = |a: f64, b: f64| (a - b).abs() < 0.005;
        assert!(close(one_choice_max_load(1000).unwrap(), 3.57));
        assert!(close(d_choice_gap(1000, 2).unwrap(), 2.79));
        assert!(close(one_choice_heavy_gap(100_000, 1000).unwrap(), 37.17));
        assert!(close(one_choice_light_max_load(1000, 1000).unwrap(), 4.79));
        assert!(close(supermarket_time(0.9, 1).unwrap(), 10.0));
        // T_2(0.5) = 1 + 0.5^2 + 0.5^6 + 0.5^14 + …
        let t2 = 1.0 + 0.25 + 0.5f64.powi(6) + 0.5f64.powi(14) + 0.5f64.powi(30);
        assert!((supermarket_time(0.5, 2).unwrap() - t2).abs() < 1e-12);
        assert_eq!(supermarket_time(0.0, 3), Ok(1.0));
        assert!(supermarket_time(1.0 - 1e-16, 2).unwrap().is_finite());
        assert!(supermarket_time(0.999, u64::MAX).unwrap() >= 1.0);
    }

    #[test]
    fn the_exact_sum_matches_enumeration() {
        // 3 requests on 2 servers: the max is 2 with probability 3/4 and 3
        // with 1/4, so E = 2.25.
        assert!((one_choice_expected_max_exact(3, 2).unwrap() - 2.25).abs() < 1e-12);
        // 2 on 2: max 1 or 2, each with 1/2.
        assert!((one_choice_expected_max_exact(2, 2).unwrap() - 1.5).abs() < 1e-12);
        assert_eq!(one_choice_expected_max_exact(5, 1), Ok(5.0));
        assert!(one_choice_expected_max_exact(1000, 1000).is_err());
    }
}
