// rust_atomic_withdraw_racy.rs — a check-then-act across two std::sync::Mutex lock() calls,
// with nothing between them that a scheduler of synchronization calls could see.
//
// The balance (a Mutex<i64>) holds 100; two threads withdraw 100 and 70, each checking the
// balance under one lock() and debiting it under a second. An uncontended std Mutex is one
// `lock cmpxchg` to lock and one `xchg` to unlock, inlined into this program's own code: no
// call into libc, no system call. Only weft's atomic sites (the program's own atomic
// instructions as schedule points) can put the other thread between the check and the debit.
//
// Expected outcome: "balance = 0" or "balance = 30" and exit 0, or "balance = -70" and exit 1
// in the racy interleaving. Natively it almost always passes.
use std::sync::{Arc, Mutex};
use std::thread;

fn withdraw(balance: &Mutex<i64>, amount: i64) -> bool {
    let has_funds = *balance.lock().unwrap() >= amount;
    if !has_funds {
        return false;
    }
    // BUG: the lock is dropped between the check and the debit.
    *balance.lock().unwrap() -= amount;
    true
}

fn main() {
    let balance = Arc::new(Mutex::new(100i64));
    let handles: Vec<_> = [100i64, 70]
        .into_iter()
        .map(|amount| {
            let balance = Arc::clone(&balance);
            thread::spawn(move || withdraw(&balance, amount))
        })
        .collect();
    for h in handles {
        h.join().expect("join");
    }
    let balance = *balance.lock().unwrap();
    println!("balance = {}", balance);
    if balance < 0 {
        std::process::exit(1);
    }
}
