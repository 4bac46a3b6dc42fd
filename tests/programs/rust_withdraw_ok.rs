// rust_withdraw_ok.rs — two withdrawals in Rust, done right, plus a Condvar start gate.
//
// The account holds 100; two named threads wait on a std::sync::Condvar until the bank
// opens (a predicate loop), then withdraw 100 and 70, each checking and debiting under one
// lock() (and yielding while holding it, so the other thread finds the Mutex locked and
// parks on its futex).
//
// Expected outcome: always "balance = 0" or "balance = 30", exit 0.
// Families: Rust std thread::spawn/join, Mutex (futex wait/wake through syscall when
// contended), Condvar wait/notify_all (futex), sched_yield.
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

struct Bank {
    open: Mutex<bool>,
    opened: Condvar,
    balance: Mutex<i64>,
}

fn withdraw(bank: &Bank, amount: i64) {
    let mut open = bank.open.lock().unwrap();
    while !*open {
        open = bank.opened.wait(open).unwrap();
    }
    drop(open);
    let mut balance = bank.balance.lock().unwrap();
    thread::yield_now();
    if *balance >= amount {
        *balance -= amount;
    }
}

fn main() {
    let bank = Arc::new(Bank {
        open: Mutex::new(false),
        opened: Condvar::new(),
        balance: Mutex::new(100),
    });
    let handles: Vec<_> = [100i64, 70]
        .into_iter()
        .map(|amount| {
            let bank = Arc::clone(&bank);
            thread::Builder::new()
                .name(format!("withdraw-{}", amount))
                .spawn(move || withdraw(&bank, amount))
                .expect("spawn")
        })
        .collect();
    *bank.open.lock().unwrap() = true;
    bank.opened.notify_all();
    for h in handles {
        h.join().expect("join");
    }
    let balance = *bank.balance.lock().unwrap();
    println!("balance = {}", balance);
    if balance != 0 && balance != 30 {
        std::process::exit(1);
    }
}
