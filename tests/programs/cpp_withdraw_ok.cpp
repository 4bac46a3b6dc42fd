// cpp_withdraw_ok.cpp — two withdrawals in C++, done right.
//
// Same as cpp_withdraw_racy.cpp (std::thread, std::mutex, condition_variable wait,
// wait_for, wait_until), but each teller checks and debits in one critical section.
//
// Expected outcome: always "balance = 0" or "balance = 30", exit 0.
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
  {
    std::lock_guard<std::mutex> lock(bank_mutex);
    if (balance >= amount) balance -= amount;
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
  return balance == 0 || balance == 30 ? 0 : 1;
}
