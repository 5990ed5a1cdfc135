// The source's Go program translated line by line: a local Mutex, a loop
// that spawns threads, and closures that use the loop's i and the lock.
// rustc rejects it: a thread from thread::spawn may outlive main's locals.
// ANCHOR: main
use std::sync::Mutex;
use std::thread;
use std::time::Duration;

fn main() {
    let mu = Mutex::new(());
    let mut handles = Vec::new();
    for i in 0..10 {
        handles.push(thread::spawn(|| {
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
