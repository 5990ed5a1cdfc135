//! FAQ: "Why does my closure need `move`?" The fixes for
//! tests/ui/ch08-02-async-block-needs-move.rs, and the clone-then-move
//! idiom for sharing one value with several tasks.
//!
//! Run: `cargo run --bin ch08-02-move-and-clone`

use std::sync::Arc;
use std::thread;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // ANCHOR: move
    // The task takes `name` with it; `main` can no longer use it.
    let name = String::from("shard-1");
    let task = tokio::spawn(async move { format!("hello from {name}") });
    println!("{}", task.await.unwrap());
    // ANCHOR_END: move

    // ANCHOR: clone_then_move
    // Several tasks share one read-only value: each gets its own handle (a
    // cheap Arc clone, a reference count bump), and moves that in.
    let config = Arc::new(vec!["eu-west", "us-east", "ap-south"]);
    let mut tasks = Vec::new();
    for i in 0..3 {
        let config = Arc::clone(&config); // a new handle for this task
        tasks.push(tokio::spawn(async move {
            format!("task {i} uses {}", config[i])
        }));
    }
    for t in tasks {
        println!("{}", t.await.unwrap());
    }
    println!(
        "handles alive after the tasks ended: {}",
        Arc::strong_count(&config)
    );
    // ANCHOR_END: clone_then_move

    // ANCHOR: scoped
    // Scoped threads may borrow instead: the scope ends before `regions`
    // can go away, so no `move`, no Arc.
    let regions = vec!["eu-west", "us-east", "ap-south"];
    let (letters, longest) = thread::scope(|s| {
        let a = s.spawn(|| regions.iter().map(|r| r.len()).sum::<usize>());
        let b = s.spawn(|| regions.iter().max_by_key(|r| r.len()).copied());
        (a.join().unwrap(), b.join().unwrap())
    });
    println!("two scoped threads borrowed {regions:?}");
    println!("they counted {letters} letters, longest {longest:?}");
    // ANCHOR_END: scoped
}
