// `let _ = m.lock()` binds nothing, so the guard is dropped at once and the
// lock is released before the next line. rustc denies it for std's locks
// (the `let_underscore_lock` lint); Go has no guard, so no such mistake.
use std::sync::Mutex;

fn main() {
    let m = Mutex::new(0);
    // ANCHOR: main
    let _ = m.lock().unwrap(); // meant: hold the lock until the block ends
    // ANCHOR_END: main
    println!("{}", m.try_lock().is_ok());
}
