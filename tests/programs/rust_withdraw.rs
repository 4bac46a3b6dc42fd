// rust_withdraw.rs — two withdrawals in Rust with std::sync::Mutex: a check-then-act race.
//
// The bank's balance (a Mutex<i64>) holds 100; two named threads withdraw 100 and 70,
// checking and debiting under two separate lock() calls. Between the two, an approved
// withdrawal is counted and announced on a Condvar (notify_all), as a bank would tell an
// auditor. NB: that announcement is what puts a schedule point in the window: an
// uncontended std Mutex is one atomic instruction on lock and on unlock, with no call a
// scheduler can see, while Condvar::notify_all always makes a FUTEX_WAKE through
// syscall(). Natively the window is that one syscall, so the race almost never shows.
//
// Expected outcome: "balance = 0" or "balance = 30" and exit 0, or "balance = -70" and
// process::exit(1) in the racy interleaving. Natively it almost always passes.
// Families: Rust std thread spawn/join (pthread_create/join, pthread_setname_np), std
// Mutex, Condvar::notify_all (syscall(SYS_futex) FUTEX_WAKE_PRIVATE).
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

struct Bank {
    balance: Mutex<i64>,
    approvals: Mutex<u32>,
    approved: Condvar,
}

impl Bank {
    fn announce_approval(&self) {
        *self.approvals.lock().unwrap() += 1;
        self.approved.notify_all();
    }
}

fn withdraw(bank: &Bank, amount: i64) {
    let has_funds = *bank.balance.lock().unwrap() >= amount;
    if has_funds {
        bank.announce_approval(); // BUG window: the balance may change before the debit
        *bank.balance.lock().unwrap() -= amount;
    }
}

fn main() {
    let bank = Arc::new(Bank {
        balance: Mutex::new(100),
        approvals: Mutex::new(0),
        approved: Condvar::new(),
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
    for h in handles {
        h.join().expect("join");
    }
    let balance = *bank.balance.lock().unwrap();
    println!("balance = {}", balance);
    if balance < 0 {
        std::process::exit(1);
    }
}
