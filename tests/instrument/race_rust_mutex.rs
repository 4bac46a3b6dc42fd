// race_rust_mutex.rs — a check-then-act over two `lock()` calls of a std::sync::Mutex, for
// instrumented Rust builds linked with weft's runtime (race_test.py): two threads withdraw 100
// and 70 from a balance of 100, each checking the balance under one lock and debiting under
// another, so both can pass the check (exit 1: the balance went negative). No data race: every
// access is under the lock. The prebuilt std is not instrumented, so the contended path of
// its Mutex (a swap in std's own code) reaches weft only as an atomic site; without it the race
// detector misses that edge and reports the balance's accesses as a race.
// `./race_rust_mutex fixed` checks and debits under one lock.
use std::sync::{Arc, Mutex};
use std::thread;

fn withdraw(balance: &Mutex<i64>, amount: i64, fixed: bool) {
    if fixed {
        let mut b = balance.lock().unwrap();
        if *b >= amount {
            *b -= amount; // FIXED-DEBIT-LINE
        }
        return;
    }
    let enough = *balance.lock().unwrap() >= amount; // CHECK-LINE
    if enough {
        *balance.lock().unwrap() -= amount; // DEBIT-LINE
    }
}

fn main() {
    let fixed = std::env::args().nth(1).as_deref() == Some("fixed");
    let balance = Arc::new(Mutex::new(100i64));
    let handles: Vec<_> = [100i64, 70]
        .into_iter()
        .map(|amount| {
            let balance = Arc::clone(&balance);
            thread::spawn(move || withdraw(&balance, amount, fixed))
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let left = *balance.lock().unwrap();
    println!("balance = {}", left);
    std::process::exit(if left < 0 { 1 } else { 0 });
}
