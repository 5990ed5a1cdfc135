//! FAQ: "Which channel crate?" What std's mpsc cannot do and the others can:
//! several receivers (crossbeam-channel), async send and receive (tokio),
//! and crossing between blocking code and async tasks (tokio's blocking_*
//! calls).
//!
//! Run: `cargo run --bin ch08-03-channel-crates`

use crossbeam::channel;
use std::thread;
use tokio::sync::mpsc;

// ANCHOR: mpmc
/// Go's channels have many senders and many receivers. std's `mpsc` has one
/// receiver; `crossbeam::channel` has as many as you clone.
fn crossbeam_workers() {
    let (jobs_tx, jobs_rx) = channel::bounded::<u32>(4);
    let (done_tx, done_rx) = channel::unbounded::<(usize, u32)>();
    thread::scope(|s| {
        for worker in 0..3 {
            let jobs = jobs_rx.clone(); // a second, third receiver: not in std
            let done = done_tx.clone();
            s.spawn(move || {
                for job in jobs {
                    done.send((worker, job * job)).unwrap();
                }
            });
        }
        drop(done_tx); // only the workers' clones are left
        for job in 1..=6 {
            jobs_tx.send(job).unwrap(); // blocks while 4 jobs wait
        }
        drop(jobs_tx); // like close(jobs): the workers' loops end
    });
    let mut squares: Vec<u32> = done_rx.iter().map(|(_, sq)| sq).collect();
    squares.sort(); // which worker did what varies; the set does not
    println!("crossbeam, 3 receivers: {squares:?}");
}
// ANCHOR_END: mpmc

// ANCHOR: bridge
/// A blocking producer feeds an async task: `blocking_send` on a thread of
/// tokio's blocking pool, `recv().await` in the task. The reverse direction
/// is `blocking_recv`.
async fn thread_to_task() {
    let (tx, mut rx) = mpsc::channel::<String>(2);
    let producer = tokio::task::spawn_blocking(move || {
        for line in ["GET /a", "GET /b", "PUT /c"] {
            tx.blocking_send(line.to_string()).unwrap(); // waits for room
        }
    }); // tx dropped here: the task's recv() then returns None
    let mut seen = Vec::new();
    while let Some(line) = rx.recv().await {
        seen.push(line);
    }
    // Awaited, not joined: `std::thread::JoinHandle::join` here would block
    // the runtime's only thread while it waits.
    producer.await.expect("the producer did not panic");
    println!("thread -> tokio task: {seen:?}");
}
// ANCHOR_END: bridge

fn main() {
    crossbeam_workers(); // plain blocking code: no runtime needed, none running
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("start a tokio runtime");
    runtime.block_on(thread_to_task());
}
