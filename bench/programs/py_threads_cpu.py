"""Two Python threads each compute a sum of squares through a small function (pure Python:
calls, a generator, no lock): the work CPython's interpreter points sit in under weft."""
import sys
import threading

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200000


def square(i):
    return i * i


def work(out):
    out.append(sum(square(i) for i in range(N)))


out = []
threads = [threading.Thread(target=work, args=(out,)) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(out))
