//! Small argument parsers shared by the runnable listings in `src/bin`.
//!
//! The listings use `clap`; these functions are its value parsers for the
//! kinds of argument the book's examples take. Each returns a message that
//! says what is wrong, so a bad argument ends the program with that message
//! and a non-zero exit status instead of a panic.

use std::time::Duration;

/// Parses a duration written with a unit: `250ms`, `1s`, `1.5s`, `800us`.
///
/// Zero is allowed; negative, non-finite, unit-less and absurdly long
/// (over one hour) durations are rejected.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = text.strip_suffix("us") {
        (n, 1e-6)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else {
        return Err(format!(
            "`{text}` has no unit: write it like 250ms, 1s or 800us"
        ));
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number followed by a unit"))?;
    if !value.is_finite() {
        return Err(format!("`{text}` is not a finite duration"));
    }
    if value < 0.0 {
        return Err(format!("`{text}` is negative; a duration cannot be"));
    }
    let seconds = value * scale;
    if seconds > 3600.0 {
        return Err(format!(
            "`{text}` is longer than an hour; pick something shorter"
        ));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Parses a whole number in `min..=max`, naming the bounds when it is not.
pub fn parse_in_range(text: &str, min: usize, max: usize) -> Result<usize, String> {
    let value: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number from {min} to {max}"))?;
    if value < min || value > max {
        return Err(format!("{value} is out of range: pick {min} to {max}"));
    }
    Ok(value)
}

/// Parses a real number in `min..=max`: a model parameter such as a
/// fraction. NaN, infinities and values out of range are rejected with a
/// message that names the range.
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

    #[test]
    fn reals_name_their_range() {
        assert_eq!(parse_f64_in_range("0.05", 0.0, 1.0), Ok(0.05));
        assert_eq!(parse_f64_in_range("1", 0.0, 1.0), Ok(1.0));
        assert!(
            parse_f64_in_range("-0.1", 0.0, 1.0)
                .unwrap_err()
                .contains("0 to 1")
        );
        assert!(
            parse_f64_in_range("nan", 0.0, 1.0)
                .unwrap_err()
                .contains("finite")
        );
        assert!(
            parse_f64_in_range("inf", 0.0, 1.0)
                .unwrap_err()
                .contains("finite")
        );
        assert!(parse_f64_in_range("half", 0.0, 1.0).is_err());
    }

    #[test]
    fn durations_with_units_parse() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_duration("800us"), Ok(Duration::from_micros(800)));
        assert_eq!(parse_duration("0ms"), Ok(Duration::ZERO));
    }

    #[test]
    fn bad_durations_say_what_is_wrong() {
        assert!(parse_duration("250").unwrap_err().contains("no unit"));
        assert!(parse_duration("-1s").unwrap_err().contains("negative"));
        assert!(parse_duration("NaNs").unwrap_err().contains("finite"));
        assert!(parse_duration("infs").unwrap_err().contains("finite"));
        assert!(parse_duration("xs").unwrap_err().contains("not a number"));
        assert!(parse_duration("2h").is_err());
        assert!(parse_duration("4000s").unwrap_err().contains("hour"));
    }

    #[test]
    fn ranges_name_their_bounds() {
        assert_eq!(parse_in_range("4", 1, 64), Ok(4));
        assert!(parse_in_range("0", 1, 64).unwrap_err().contains("1 to 64"));
        assert!(parse_in_range("-3", 1, 64).unwrap_err().contains("1 to 64"));
        assert!(parse_in_range("many", 1, 64).is_err());
    }
}
