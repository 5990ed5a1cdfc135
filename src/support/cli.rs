//! Value parsers for the runnable listings' command lines.
//!
//! Each bin in `src/bin` declares its own `Args` with `clap`'s derive API and
//! uses these for the kinds of value the book's examples take. A bad value
//! ends the program with clap's usage message and exit status 2, never a
//! panic.

use clap::builder::RangedU64ValueParser;
use std::ops::RangeInclusive;
use std::time::Duration;

/// The longest duration any example accepts: a book example finishes in
/// seconds, so anything longer is a typo.
pub const MAX_DURATION: Duration = Duration::from_secs(3600);

/// A whole number in `range`: clap's own range parser, for `usize` fields.
///
/// clap names the range when a value is outside it
/// (`0 is not in 1..=100`).
pub fn usize_in(range: RangeInclusive<u64>) -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(range)
}

/// Parses a duration written with a unit (`250ms`, `1s`, `1.5s`, `800us`,
/// `1s 500ms`), with the `humantime` crate, up to [`MAX_DURATION`].
///
/// humantime's own messages point at byte offsets ("expected number at
/// 0"); these say what is wrong, briefly enough to fit on one line after
/// clap's `error: invalid value '…' for '--sleep <TIME>': `.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    use humantime::DurationError as E;
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(format!("`{text}` is negative"));
    }
    let value = humantime::parse_duration(trimmed).map_err(|e| match e {
        E::UnknownUnit { unit, .. } if unit.is_empty() => {
            format!("`{text}` has no unit; write 250ms or 1s")
        }
        E::UnknownUnit { unit, .. } => {
            format!("`{unit}` is not a unit; write ms, s or us")
        }
        E::NumberOverflow => format!("`{text}` is too long or too precise"),
        _ => format!("`{text}` is not a duration like 250ms or 1s"),
    })?;
    if value > MAX_DURATION {
        return Err(format!("`{text}` is over an hour"));
    }
    Ok(value)
}

/// Parses a real number in `min..=max`: a model parameter such as a
/// fraction. clap has no range parser for floats. NaN, infinities and
/// values out of range are rejected with a message that names the range.
pub fn parse_f64_in_range(text: &str, min: f64, max: f64) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number; pick one from {min} to {max}"))?;
    if !value.is_finite() {
        return Err(format!(
            "`{text}` is not a finite number; pick one from {min} to {max}"
        ));
    }
    if value < min || value > max {
        return Err(format!("{value} is out of range: pick {min} to {max}"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn reals_name_their_range() {
        assert_eq!(parse_f64_in_range("0.05", 0.0, 1.0), Ok(0.05));
        assert_eq!(parse_f64_in_range("1", 0.0, 1.0), Ok(1.0));
        assert_eq!(parse_f64_in_range("0", 0.0, 1.0), Ok(0.0));
        let low = parse_f64_in_range("-0.1", 0.0, 1.0).unwrap_err();
        assert_eq!(low, "-0.1 is out of range: pick 0 to 1");
        let high = parse_f64_in_range("1.01", 0.0, 1.0).unwrap_err();
        assert_eq!(high, "1.01 is out of range: pick 0 to 1");
        for bad in ["nan", "inf", "-inf"] {
            let e = parse_f64_in_range(bad, 0.0, 1.0).unwrap_err();
            assert!(e.contains("not a finite number"), "{bad}: {e}");
        }
        assert!(
            parse_f64_in_range("half", 0.0, 1.0)
                .unwrap_err()
                .contains("not a number")
        );
    }

    #[test]
    fn durations_with_units_parse() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("800us"), Ok(Duration::from_micros(800)));
        assert_eq!(parse_duration("0ms"), Ok(Duration::ZERO));
        assert_eq!(parse_duration("1h"), Ok(MAX_DURATION));
    }

    #[test]
    fn bad_durations_say_what_is_wrong() {
        let err = |t: &str| parse_duration(t).unwrap_err();
        assert_eq!(err("250"), "`250` has no unit; write 250ms or 1s");
        assert_eq!(err("-1s"), "`-1s` is negative");
        assert_eq!(
            err("5parsecs"),
            "`parsecs` is not a unit; write ms, s or us"
        );
        assert_eq!(err("NaNs"), "`NaNs` is not a duration like 250ms or 1s");
        assert_eq!(err("xs"), "`xs` is not a duration like 250ms or 1s");
        assert_eq!(err(""), "`` is not a duration like 250ms or 1s");
        assert_eq!(err("0.1ns"), "`0.1ns` is too long or too precise");
        assert_eq!(err("3601s"), "`3601s` is over an hour");
        assert_eq!(err("2h"), "`2h` is over an hour");
    }

    #[derive(Parser, Debug)]
    struct Demo {
        #[arg(long, value_parser = usize_in(1..=64))]
        workers: usize,
    }

    #[test]
    fn ranges_are_clap_s_and_name_their_bounds() {
        let ok = Demo::try_parse_from(["demo", "--workers", "64"]).unwrap();
        assert_eq!(ok.workers, 64);
        for bad in ["0", "65"] {
            let e = Demo::try_parse_from(["demo", "--workers", bad]).unwrap_err();
            assert!(e.to_string().contains("1..=64"), "{bad}: {e}");
        }
        assert!(Demo::try_parse_from(["demo", "--workers", "-3"]).is_err());
        assert!(Demo::try_parse_from(["demo", "--workers", "many"]).is_err());
    }
}
