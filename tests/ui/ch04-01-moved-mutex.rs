// rustc's hint for the line-by-line translation is `move`. With it every
// thread gets its own copy of i (Go 1.22's semantics), but the one Mutex
// moves into the first thread, and the second iteration has none left.
// ANCHOR: main
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

fn main() {
    let mu = Mutex::new(());
    let mut handles = Vec::new();
    for i in 0..10 {
        handles.push(thread::spawn(move || {
            let _guard = mu.lock().unwrap();
            println!("goroutine {i} started");
            thread::sleep(Duration::from_secs(1));
            println!("goroutine {i} finished");
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    println!("all goroutines finished");
}
// ANCHOR_END: main
