// Sharing a value through a non-atomic reference count. Go has no such
// type; the nearest Go mistake, sharing anything without synchronisation,
// is found (if at all) by the race detector at run time.
use std::rc::Rc;
use std::thread;

fn main() {
    // ANCHOR: main
    let names = Rc::new(vec!["a", "b"]);
    let for_thread = Rc::clone(&names);
    let handle = thread::spawn(move || for_thread.len());
    // ANCHOR_END: main
    println!("{} {}", names.len(), handle.join().unwrap());
}
