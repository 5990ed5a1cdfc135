//! Section 7, trends and challenges: the models behind its two programs.
//!
//! | module | what it holds |
//! |---|---|
//! | [`tail_latency`] | how fanning out to n backends amplifies the tail, and its inverse |
//! | [`backoff`] | capped exponential backoff with full jitter |

pub mod backoff;
pub mod tail_latency;
