// A std::sync::MutexGuard held across an `.await`, in a task handed to
// tokio::spawn. The program is rejected: the guard is not `Send`, so the
// future that holds it cannot move between the runtime's threads.
// ANCHOR: main
use std::sync::{Arc, Mutex};
use std::time::Duration;

async fn record(log: Arc<Mutex<Vec<u32>>>, value: u32) {
    let mut entries = log.lock().unwrap();
    entries.push(value);
    tokio::time::sleep(Duration::from_millis(1)).await; // say, a write to disk
    println!("{} entries", entries.len());
}

#[tokio::main]
async fn main() {
    let log = Arc::new(Mutex::new(Vec::new()));
    tokio::spawn(record(Arc::clone(&log), 1)).await.unwrap();
}
// ANCHOR_END: main
