"""reserve_room.py — two threads each reserve the last free room of a hotel: a thread looks
the room up in a shared dict of free rooms, works out the price (pure Python, a few
thousand calls), then takes the room out of the dict. No lock between the look-up and the
take (check-then-act on a dict, with work between).

Natively this fails when CPython's switch interval (5 ms) ends inside the price
computation: a second thread then finds the room still free and both reserve it.

Expected outcome: "1 reservation" (exit 0); the bug: "2 reservations", exit 1.
Usage: python3 reserve_room.py [fixed]   (fixed: one lock around the look-up and the take)
"""
import sys
import threading

free_rooms = {"101": 80}
reservations = []
lock = threading.Lock()
fixed = len(sys.argv) > 1 and sys.argv[1] == "fixed"


def nightly_rate(base, nights):
    rate = base
    for night in range(nights):
        rate = rate + (night % 7 == 5) * 10 - (night > 3)
    return rate


def price(room):
    return sum(nightly_rate(free_rooms.get(room, 80), n) for n in range(60))


def reserve(guest):
    if "101" in free_rooms:
        total = price("101")
        free_rooms.pop("101", None)
        reservations.append((guest, total))


def guest(name):
    if fixed:
        with lock:
            reserve(name)
    else:
        reserve(name)


threads = [threading.Thread(target=guest, args=(n,)) for n in ("ada", "bob")]
for t in threads:
    t.start()
for t in threads:
    t.join()
print("%d reservation%s" % (len(reservations), "" if len(reservations) == 1 else "s"))
sys.exit(0 if len(reservations) == 1 else 1)
