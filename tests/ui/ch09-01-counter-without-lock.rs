// The Go program with the mutex forgotten compiles and races at run time
// (go/ch09-01-racy-counter). Its line-by-line Rust translation is rejected
// before it can run: a spawned thread may outlive the function, so it
// cannot borrow a local variable, let alone mutably from four threads.
// ANCHOR: main
use std::thread;

fn main() {
    let mut counter = 0u64;
    let mut handles = Vec::new();
    for _ in 0..4 {
        handles.push(thread::spawn(|| {
            for _ in 0..1000 {
                counter += 1;
            }
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    println!("counter = {counter}");
}
// ANCHOR_END: main
