//! The error every formula and model in the crate returns for bad input.
//!
//! Each pillar's formulas validate their input with the checks below and
//! return a [`ModelError`] that names what is wrong: no function panics or
//! returns NaN on empty, zero, negative, NaN or infinite input.

use std::fmt;

/// Why a formula refused its input.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelError {
    /// A list that must hold at least one value was empty.
    Empty { what: &'static str },
    /// A value was NaN or infinite.
    NotFinite { what: &'static str, value: f64 },
    /// A value was below its lower bound (for example a negative time).
    TooSmall {
        what: &'static str,
        value: f64,
        min: f64,
    },
    /// A value was above its upper bound (for example a fraction over 1).
    TooLarge {
        what: &'static str,
        value: f64,
        max: f64,
    },
    /// Two values contradict each other.
    Inconsistent { why: String },
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelError::Empty { what } => {
                write!(f, "{what} is empty; give at least one value")
            }
            ModelError::NotFinite { what, value } => {
                write!(f, "{what} is {value}; it must be a finite number")
            }
            ModelError::TooSmall { what, value, min } if *min == f64::MIN_POSITIVE => {
                write!(f, "{what} is {value}; it must be greater than 0")
            }
            ModelError::TooSmall { what, value, min } => {
                write!(f, "{what} is {value}; it must be at least {min}")
            }
            ModelError::TooLarge { what, value, max } => {
                write!(f, "{what} is {value}; it must be at most {max}")
            }
            ModelError::Inconsistent { why } => f.write_str(why),
        }
    }
}

impl std::error::Error for ModelError {}

/// Checks that `value` is finite and at least `min`.
pub(crate) fn at_least(
    what: &'static str,
    value: f64,
    min: f64,
) -> Result<f64, ModelError> {
    if !value.is_finite() {
        return Err(ModelError::NotFinite { what, value });
    }
    if value < min {
        return Err(ModelError::TooSmall { what, value, min });
    }
    Ok(value)
}

/// Checks that `value` is finite and strictly positive.
pub(crate) fn positive(what: &'static str, value: f64) -> Result<f64, ModelError> {
    at_least(what, value, 0.0)?;
    if value == 0.0 {
        return Err(ModelError::TooSmall {
            what,
            value,
            min: f64::MIN_POSITIVE,
        });
    }
    Ok(value)
}

/// Checks that `value` is a fraction in `[0, 1]`.
pub(crate) fn fraction(what: &'static str, value: f64) -> Result<f64, ModelError> {
    at_least(what, value, 0.0)?;
    if value > 1.0 {
        return Err(ModelError::TooLarge {
            what,
            value,
            max: 1.0,
        });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_value_and_the_bound() {
        let zero = positive("T_total", 0.0).unwrap_err().to_string();
        assert_eq!(zero, "T_total is 0; it must be greater than 0");
        let neg = at_least("a task time", -1.0, 0.0).unwrap_err().to_string();
        assert_eq!(neg, "a task time is -1; it must be at least 0");
        let big = fraction("s", 1.5).unwrap_err().to_string();
        assert_eq!(big, "s is 1.5; it must be at most 1");
        let nan = fraction("s", f64::NAN).unwrap_err().to_string();
        assert_eq!(nan, "s is NaN; it must be a finite number");
    }
}
