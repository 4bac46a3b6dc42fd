"""fork_floor.py — the least a forked run of bench/fork_server.py's CPython script can cost,
with no weft: the interpreter forks itself once a run, past its start-up (the script's
imports done, as weft's fork server past main has them), the child runs the script's work (a
thread and a lock) and ends as the script would, finalization included (sys.exit), and the
parent waits for it (bench/fork_floor.py).

  python3 fork_floor.py N      prints "runs SECONDS CPU_SECONDS" (wall time, user + system of
                               the process and its children)
"""

import os
import resource
import sys
import threading
import time


def work():
    n = [0]
    lock = threading.Lock()

    def add():
        with lock:
            n[0] += 1

    t = threading.Thread(target=add)
    t.start()
    add()
    t.join()


def main():
    runs = int(sys.argv[1])
    start = time.monotonic()
    for i in range(runs):
        pid = os.fork()
        if pid == 0:
            work()
            sys.exit(0)  # NB: not os._exit: a run's end is the interpreter's finalization
        _, status = os.waitpid(pid, 0)
        if status != 0:
            sys.exit("fork_floor.py: run %d ended with status 0x%x" % (i, status))
    wall = time.monotonic() - start
    cpu = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        cpu += r.ru_utime + r.ru_stime
    print("%d %.6f %.6f" % (runs, wall, cpu))


if __name__ == "__main__":
    main()
