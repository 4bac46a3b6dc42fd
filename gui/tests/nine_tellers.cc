// nine_tellers.cc — a real-sized trace for weft-gui's screenshots: main and eight teller
// threads (std::thread) withdraw 1 at a time from one account until it is empty, each
// withdrawal a check (has_funds) and a debit (debit) in two separately locked sections —
// the atomicity violation of issue 12 — and a receipt in the teller's own drawer, under the
// drawer's lock (no other thread takes it). About 5,000 events (8 tellers x 100
// withdrawals x 6 lock/unlock events, and the threads').
//
// Expected outcome: "balance = 0" and exit 0 when every check is followed by its debit
// before another teller checks; when two tellers both see the last unit, "balance = -1"
// (or lower) and exit 1. Natively the window is tiny: it almost always passes.
// An argument overrides the withdrawals per teller.
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <vector>

namespace {

constexpr int kTellers = 8;

std::mutex account_lock;
int balance = 0;

struct Drawer {
  std::mutex lock;
  long receipts = 0;
};
Drawer drawers[kTellers];

bool has_funds(int amount) {
  std::lock_guard<std::mutex> hold(account_lock);
  return balance >= amount;
}

void debit(int amount) {
  std::lock_guard<std::mutex> hold(account_lock);
  balance -= amount;
}

void keep_receipt(Drawer& drawer) {
  std::lock_guard<std::mutex> hold(drawer.lock);
  ++drawer.receipts;
}

void teller(Drawer* drawer, int withdrawals) {
  for (int i = 0; i < withdrawals; ++i) {
    if (has_funds(1)) debit(1);  // BUG: another teller may take the last unit in between
    keep_receipt(*drawer);
  }
}

}  // namespace

int main(int argc, char** argv) {
  int withdrawals = argc > 1 ? std::atoi(argv[1]) : 100;
  // A little less than they will ask for: the account runs dry near the end.
  balance = kTellers * withdrawals * 7 / 8;
  std::vector<std::thread> tellers;
  for (int t = 0; t < kTellers; ++t) tellers.emplace_back(teller, &drawers[t], withdrawals);
  for (std::thread& t : tellers) t.join();
  std::printf("balance = %d\n", balance);
  return balance < 0 ? 1 : 0;
}
