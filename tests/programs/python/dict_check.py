"""dict_check.py — two threads register a name in a shared dict without a lock: each
checks that the name is free, then claims it (check-then-act on a dict).

Expected outcome: mostly "claimed by 1 thread" (exit 0); the bug (a thread switch between
the check and the claim): "claimed by 2 threads", exit 1.
Usage: python3 dict_check.py [fixed]   (fixed: dict.setdefault, atomic under the GIL)
"""
import sys
import threading

registry = {}
claims = []
fixed = len(sys.argv) > 1 and sys.argv[1] == "fixed"


def register(me):
    if fixed:
        if registry.setdefault("name", me) == me:
            claims.append(me)
        return
    if "name" not in registry:
        claims.append(me)
        registry["name"] = me


threads = [threading.Thread(target=register, args=(i,)) for i in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("claimed by %d thread%s" % (len(claims), "" if len(claims) == 1 else "s"))
sys.exit(0 if len(claims) == 1 else 1)
