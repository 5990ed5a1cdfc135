//! Strategies shared by the property tests.

use proptest::prelude::*;

/// Any f64, with the awkward values made likely: zeros of both signs, NaN,
/// the infinities, the extremes of both signs, huge and tiny values, the
/// smallest normal and subnormal numbers, and values just past common
/// bounds.
pub fn any_value() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(-0.0),
        Just(1.0),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(f64::MAX),
        Just(f64::MIN),
        Just(1e300),
        Just(f64::MIN_POSITIVE),
        Just(1e-310),
        Just(f64::from_bits(1)),
        Just(-f64::from_bits(1)),
        Just(-1e-300),
        Just(1.0 + f64::EPSILON),
        Just(1.0 - f64::EPSILON / 2.0),
        -10.0_f64..10.0,
        any::<f64>(),
    ]
}
