// Section 4.4's Go program uses sync.Mutex without importing "sync". The
// same slip in Rust: the port's Node (src/consistency/port.rs) without
// `Mutex` in its `use` line. rustc names the missing item and offers the
// import.
// ANCHOR: main
use std::sync::Arc;

struct Node {
    id: u32,
    value: usize,
    next: Option<Arc<Mutex<Node>>>,
}

fn main() {
    let node = Arc::new(Mutex::new(Node { id: 1, value: 1, next: None }));
    let n = node.lock().unwrap();
    println!("node {} holds {} (next: {})", n.id, n.value, n.next.is_some());
}
// ANCHOR_END: main
