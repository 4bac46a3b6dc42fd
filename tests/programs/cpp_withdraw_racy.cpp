// cpp_withdraw_racy.cpp — two withdrawals in C++: std::thread, std::mutex and
// std::condition_variable, with a check-then-act race.
//
// Two teller threads wait for the bank to open (condition_variable::wait with a
// predicate), then withdraw 100 and 70 from a balance of 100, checking and debiting under
// two separate std::lock_guard sections. Main opens the bank (notify_all), then waits for
// the first teller with wait_for (10 ms polls: pthread_cond_clockwait) and for both with
// wait_until on system_clock (pthread_cond_timedwait, 10 s deadline).
//
// Expected outcome: "balance = 0" or "balance = 30" and exit 0, or "balance = -70" and
// exit 1 in the racy interleaving. Natively it almost always passes.
// Families: std::thread (pthread_create/join), std::mutex (pthread_mutex_lock/unlock),
// std::condition_variable wait/wait_for/wait_until/notify_all.
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>

namespace {

std::mutex bank_mutex;
std::condition_variable bank_cv;
bool bank_open = false;
int tellers_done = 0;
int balance = 100;

void Teller(int amount) {
  {
    std::unique_lock<std::mutex> lock(bank_mutex);
    bank_cv.wait(lock, [] { return bank_open; });
  }
  bool has_funds;
  {
    std::lock_guard<std::mutex> lock(bank_mutex);
    has_funds = balance >= amount;
  }
  if (has_funds) {  // BUG: the balance may change before the debit
    std::lock_guard<std::mutex> lock(bank_mutex);
    balance -= amount;
  }
  {
    std::lock_guard<std::mutex> lock(bank_mutex);
    ++tellers_done;
  }
  bank_cv.notify_all();
}

}  // namespace

int main() {
  std::thread first(Teller, 100);
  std::thread second(Teller, 70);
  {
    std::lock_guard<std::mutex> lock(bank_mutex);
    bank_open = true;
  }
  bank_cv.notify_all();
  {
    std::unique_lock<std::mutex> lock(bank_mutex);
    while (!bank_cv.wait_for(lock, std::chrono::milliseconds(10),
                             [] { return tellers_done >= 1; })) {
    }
    if (!bank_cv.wait_until(lock, std::chrono::system_clock::now() + std::chrono::seconds(10),
                            [] { return tellers_done == 2; })) {
      std::printf("tellers did not finish in 10 s\n");
      return 2;
    }
  }
  first.join();
  second.join();
  std::printf("balance = %d\n", balance);
  return balance < 0 ? 1 : 0;
}
