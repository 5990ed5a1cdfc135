// A RefCell checks its borrows with a plain counter, so two threads using
// one at once would race on that counter. `Arc` makes it shareable only if
// the value inside is `Sync`, and `RefCell` is not.
use std::cell::RefCell;
use std::sync::Arc;
use std::thread;

fn main() {
    // ANCHOR: main
    let hits = Arc::new(RefCell::new(0));
    let for_thread = Arc::clone(&hits);
    let handle = thread::spawn(move || *for_thread.borrow_mut() += 1);
    // ANCHOR_END: main
    handle.join().unwrap();
    println!("{}", hits.borrow());
}
