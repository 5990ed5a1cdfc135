// The Go habit of letting every worker add to one shared counter, with no
// lock and no atomic. Scoped threads may borrow the caller's locals, so
// this is not the `'static` error of a plain `thread::spawn`. It fails on
// the rule behind every data race: one mutable borrow at a time.
// ANCHOR: main
use cookbook::parallelism::cpu_bound::is_prime;
use std::thread;

fn main() {
    let limit = 10_000u64;
    let mut total = 0;
    thread::scope(|s| {
        s.spawn(|| {
            for n in 0..limit / 2 {
                if is_prime(n) {
                    total += 1;
                }
            }
        });
        s.spawn(|| {
            for n in limit / 2..limit {
                if is_prime(n) {
                    total += 1;
                }
            }
        });
    });
    println!("{total} primes below {limit}");
}
// ANCHOR_END: main
