//! Section 4.2: the source's load balancer, ported to Rust with its
//! behaviour kept: three server names, a hundred requests, each "sent" to
//! a server drawn uniformly at random; nothing is sent, it only prints.
//!
//! Run: `cargo run --bin ch04-02-port`

use clap::Parser;
use cookbook::load_balancing::port::{REQUESTS, SERVERS, random_picks};
use cookbook::support::cli::usize_in;

/// Prints where each request would go; no request is sent.
#[derive(Parser)]
#[command(name = "ch04-02-port")]
struct Args {
    /// How many requests to "send"; the source sends 100.
    #[arg(long, default_value_t = REQUESTS, value_parser = usize_in(1..=100_000))]
    requests: usize,
}

/// The name with a `~` before its trailing number: `server2` → `server~2`.
///
/// The Go program prints `request sent to server2`, but which server a line
/// names changes from run to run; the book's outputs test masks the number
/// after a `~` (and nothing else), so the shown output is checked while
/// the picks stay random.
fn varying(name: &str) -> String {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    format!("{stem}~{}", &name[stem.len()..])
}

fn main() {
    let args = Args::parse();
    // ANCHOR: main
    let servers = SERVERS; // servers := []string{"server1", "server2", "server3"}
    // No rand.Seed: rand::rng() is seeded by the operating system.
    let picks = match random_picks(servers.len(), args.requests) {
        Ok(picks) => picks,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    for i in picks {
        let server = servers[i]; // servers[rand.Intn(len(servers))]
        println!("request sent to {}", varying(server));
    }
    // ANCHOR_END: main
}
