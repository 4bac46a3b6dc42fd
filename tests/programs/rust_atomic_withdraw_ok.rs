// rust_atomic_withdraw_ok.rs — rust_atomic_withdraw_racy.rs fixed: one lock() around the
// check and the debit.
//
// Expected outcome: always "balance = 0" or "balance = 30", exit 0.
use std::sync::{Arc, Mutex};
use std::thread;

fn withdraw(balance: &Mutex<i64>, amount: i64) -> bool {
    let mut balance = balance.lock().unwrap();
    if *balance < amount {
        return false;
    }
    *balance -= amount;
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
