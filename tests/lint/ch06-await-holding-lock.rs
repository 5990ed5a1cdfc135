// Compiles: nothing here asks the future to be `Send` (no tokio::spawn),
// so rustc has no complaint. The std lock is still held while the task is
// suspended, and any other task that wants it on the same thread blocks
// that thread: a deadlock in a single-threaded runtime. Clippy's
// `await_holding_lock` lint (on by default) reports it.
// ANCHOR: main
use std::sync::Mutex;

async fn flush() {}

pub async fn append(log: &Mutex<Vec<u32>>, value: u32) {
    let mut entries = log.lock().unwrap();
    entries.push(value);
    flush().await; // suspended with the lock held
}
// ANCHOR_END: main
