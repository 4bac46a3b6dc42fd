"""py_threads.py — threading, queue and concurrent.futures in one run; prints results that
do not depend on the interleaving."""
import concurrent.futures
import queue
import threading

counter = 0
lock = threading.Lock()


def add(n):
    global counter
    for _ in range(n):
        with lock:
            counter += 1


threads = [threading.Thread(target=add, args=(2000,)) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("counter", counter)

q = queue.Queue(maxsize=8)
results = []


def producer():
    for i in range(200):
        q.put(i)
    q.put(None)


def consumer():
    total = 0
    while True:
        item = q.get()
        if item is None:
            break
        total += item * item
    results.append(total)


p = threading.Thread(target=producer)
c = threading.Thread(target=consumer)
p.start()
c.start()
p.join()
c.join()
print("queue", results)

with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
    squares = list(pool.map(lambda x: x * x, range(100)))
print("pool", sum(squares))
