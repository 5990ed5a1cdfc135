//! The crate's sync shim.
//!
//! Every concurrent pattern in this crate takes its primitives from here
//! instead of from `std` directly. In a normal build these are `std`'s own
//! types; when the crate is compiled with `RUSTFLAGS="--cfg loom"` they are
//! loom's instrumented twins, so the same code can be model-checked: loom runs
//! it under every interleaving of its threads that matters and reports any
//! that breaks an assertion or deadlocks.

#[cfg(loom)]
#[allow(unused_imports)]
pub use loom::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, atomic, mpsc};
#[cfg(loom)]
#[allow(unused_imports)]
pub use loom::thread;

#[cfg(not(loom))]
#[allow(unused_imports)]
pub use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, atomic, mpsc};
#[cfg(not(loom))]
#[allow(unused_imports)]
pub use std::thread;

/// Locks a mutex, treating poisoning as recoverable.
///
/// A Go mutex has no notion of poisoning; a Rust `Mutex` is poisoned when a
/// thread panics while holding it. The patterns in this crate only hold a
/// lock across code that leaves the data consistent, so they take the data
/// back from a poisoned lock instead of propagating the panic.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    }
}
