"""set_order.py — which string a set yields first decides how often two threads take a lock.
A set's order follows CPython's hash seed, which comes from getrandom at start-up: a replay
must see the recording's random bytes, or it takes the lock another number of times."""
import threading

lock = threading.Lock()
first = list({"alpha", "be", "gamma-ray", "d"})[0]


def work():
    for _ in range(len(first)):
        with lock:
            pass


t = threading.Thread(target=work)
t.start()
work()
t.join()
print("done")
