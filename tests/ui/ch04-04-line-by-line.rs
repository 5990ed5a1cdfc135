// Section 4.4's Go program translated line by line: a slice of nodes, a
// loop over its indices, and a thread per node whose closure uses the
// loop's i and the slice, loops for ever, and is never joined. rustc
// rejects it: a thread from spawn may outlive main's locals.
// ANCHOR: main
use std::sync::Mutex;
use std::thread::{sleep, spawn};
use std::time::Duration;

struct Node {
    id: u32,
    value: usize,
    mu: Mutex<()>,
    next: Option<Box<Node>>,
}

fn main() {
    let nodes = vec![
        Node { id: 1, value: 1, mu: Mutex::new(()), next: None },
        Node { id: 2, value: 2, mu: Mutex::new(()), next: None },
        Node { id: 3, value: 3, mu: Mutex::new(()), next: None },
    ];
    for i in 0..nodes.len() {
        spawn(|| loop {
            let _guard = nodes[i].mu.lock().unwrap();
            if nodes[i].value != i + 1 {
                nodes[i].value = i + 1;
                println!("node {} updated to {}", nodes[i].id, nodes[i].value);
            }
            drop(_guard);
            sleep(Duration::from_secs(1));
        });
    }
    sleep(Duration::from_secs(10));
}
// ANCHOR_END: main
