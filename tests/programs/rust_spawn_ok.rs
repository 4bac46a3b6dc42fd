// rust_spawn_ok.rs — unnamed Rust threads started with std::thread::spawn and a closure,
// counting into one Mutex: what weft names such a thread, and how it shows Rust symbols.
//
// start_counters() spawns two threads, each running a closure that calls tally() a few
// times; tally() (never inlined, so that it is a frame of its own) adds under a std Mutex
// and wakes a Condvar (notify_all makes a FUTEX_WAKE through syscall(): a schedule point
// with the thread's stack). No thread is given a name.
//
// Expected outcome: "total = 45" and exit 0, in every interleaving.
// Families: Rust std thread spawn/join (pthread_create/join), std Mutex, Condvar::notify_all
// (syscall(SYS_futex) FUTEX_WAKE_PRIVATE).
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

struct Counter {
    total: Mutex<u64>,
    changed: Condvar,
}

#[inline(never)]
fn tally(counter: &Counter, amount: u64) {
    *counter.total.lock().unwrap() += amount;
    counter.changed.notify_all();
}

fn start_counters(counter: &Arc<Counter>) -> Vec<thread::JoinHandle<()>> {
    (1..=2u64)
        .map(|n| {
            let counter = Arc::clone(counter);
            thread::spawn(move || {
                for _ in 0..3 {
                    tally(&counter, 5 * n);
                }
            })
        })
        .collect()
}

fn main() {
    let counter = Arc::new(Counter {
        total: Mutex::new(0),
        changed: Condvar::new(),
    });
    for handle in start_counters(&counter) {
        handle.join().expect("join");
    }
    let total = *counter.total.lock().unwrap();
    println!("total = {}", total);
    if total != 45 {
        std::process::exit(1);
    }
}
