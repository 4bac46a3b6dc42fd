"""bank.py — two threads withdraw 80 from a balance of 100, each checking the balance and
withdrawing under a threading.Lock, but in two separate `with` blocks: check-then-act.

Expected outcome: mostly "balance = 20" (exit 0); the bug (a thread switch between the two
blocks of one thread): "balance = -60", exit 1. Under CPython the switch needs the GIL to
change hands, which happens when a waiting thread's timed wait for it times out.
Usage: python3 bank.py [fixed]   (fixed: one `with` block, never fails)
"""
import sys
import threading

balance = 100
lock = threading.Lock()
fixed = len(sys.argv) > 1 and sys.argv[1] == "fixed"


def withdraw(amount):
    global balance
    if fixed:
        with lock:
            if balance >= amount:
                balance -= amount
        return
    with lock:
        ok = balance >= amount
    with lock:
        if ok:
            balance -= amount


threads = [threading.Thread(target=withdraw, args=(80,)) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("balance =", balance)
sys.exit(0 if balance >= 0 else 1)
