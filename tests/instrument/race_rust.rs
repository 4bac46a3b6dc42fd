// race_rust.rs — the lost update in Rust, for instrumented Rust builds
// (`RUSTC_BOOTSTRAP=1 rustc -Zsanitizer=thread -Zexternal-clangrt`, linked with weft's runtime
// instead of rustc's ThreadSanitizer runtime): two threads add 1000 each to a shared counter
// through a raw pointer (a load and a store, no synchronization). `./race_rust fixed` adds with
// an atomic fetch_add instead. Exit 1 when an update was lost.
use std::sync::atomic::{AtomicI64, Ordering};
use std::thread;

static mut COUNT: i64 = 0;
static ATOMIC: AtomicI64 = AtomicI64::new(0);

#[inline(never)]
fn add(fixed: bool) {
    for _ in 0..1000 {
        if fixed {
            ATOMIC.fetch_add(1, Ordering::Relaxed);
        } else {
            unsafe {
                let p = std::ptr::addr_of_mut!(COUNT);
                p.write_volatile(p.read_volatile() + 1); // RACE-LINE
            }
        }
    }
}

fn main() {
    let fixed = std::env::args().nth(1).as_deref() == Some("fixed");
    let handles: Vec<_> = (0..2).map(|_| thread::spawn(move || add(fixed))).collect();
    for h in handles {
        h.join().expect("join");
    }
    let total = if fixed {
        ATOMIC.load(Ordering::Relaxed)
    } else {
        unsafe { std::ptr::addr_of!(COUNT).read() }
    };
    println!("count {}", total);
    std::process::exit(if total == 2000 { 0 } else { 1 });
}
