// nine_tellers.cc — a real-sized trace for weft-gui's screenshots: main and eight teller
// threads (std::thread) withdraw 1 at a time from one account until it is empty, each
// withdrawal a check (has_funds) and a debit (debit) in two separately locked sections —
// the atomicity violation of issue 12 — and a line in a ledger under another lock.
// About 5,000 events (8 tellers x 100 withdrawals x 6 lock/unlock events, and the threads').
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
std::mutex ledger_lock;
int balance = 0;
long ledger_lines = 0;

bool has_funds(int amount) {
  std::lock_guard<std::mutex> hold(account_lock);
  return balance >= amount;
}

void debit(int amount) {
  std::lock_guard<std::mutex> hold(account_lock);
  balance -= amount;
}

void record_in_ledger() {
  std::lock_guard<std::mutex> hold(ledger_lock);
  ++ledger_lines;
}

void teller(int withdrawals) {
  for (int i = 0; i < withdrawals; ++i) {
    if (has_funds(1)) debit(1);  // BUG: another teller may take the last unit in between
    record_in_ledger();
  }
}

}  // namespace

int main(int argc, char** argv) {
  int withdrawals = argc > 1 ? std::atoi(argv[1]) : 100;
  // A little less than they will ask for: the account runs dry near the end.
  balance = kTellers * withdrawals * 7 / 8;
  std::vector<std::thread> tellers;
  for (int t = 0; t < kTellers; ++t) tellers.emplace_back(teller, withdrawals);
  for (std::thread& t : tellers) t.join();
  std::printf("balance = %d\n", balance);
  return balance < 0 ? 1 : 0;
}
