//! The formulas of the source article's section 3, implemented as written and
//! property-tested, beside the models engineers actually use.
