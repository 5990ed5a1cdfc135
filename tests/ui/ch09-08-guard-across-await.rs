// Go code often holds a mutex across a blocking call. In a tokio task, a
// std MutexGuard held across `.await` makes the task's future non-Send, so
// `tokio::spawn` (which may move the task between threads) refuses it.
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[tokio::main]
async fn main() {
    let counter = Arc::new(Mutex::new(0));
    // ANCHOR: main
    let for_task = Arc::clone(&counter);
    let task = tokio::spawn(async move {
        let mut guard = for_task.lock().unwrap();
        tokio::time::sleep(Duration::from_millis(10)).await; // still locked
        *guard += 1;
    });
    // ANCHOR_END: main
    task.await.unwrap();
}
