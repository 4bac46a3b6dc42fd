"""py_subprocess.py — four threads each run a child process and collect its output."""
import subprocess
import sys
import threading

outputs = {}


def run(i):
    done = subprocess.run([sys.executable, "-c", "print(%d * %d)" % (i, i)],
                          stdout=subprocess.PIPE, text=True, check=True)
    outputs[i] = done.stdout.strip()


threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(" ".join("%d:%s" % (i, outputs[i]) for i in sorted(outputs)))
