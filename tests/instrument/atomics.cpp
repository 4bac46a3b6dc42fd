// atomics.cpp — std::atomic from four threads (fetch_add, compare_exchange, exchange,
// load/store with orders) and a std::mutex-protected map, results checked.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

int main() {
  std::atomic<uint64_t> sum{0};
  std::atomic<uint16_t> small{0};
  std::atomic<bool> flag{false};
  std::mutex lock;
  std::map<int, int> seen;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; i++) {
        sum.fetch_add(static_cast<uint64_t>(i), std::memory_order_relaxed);
        uint16_t old = small.load(std::memory_order_acquire);
        while (!small.compare_exchange_weak(old, static_cast<uint16_t>(old + 1),
                                            std::memory_order_acq_rel)) {
        }
        flag.exchange(true);
        std::lock_guard<std::mutex> guard(lock);
        seen[t * 1000 + i] = i;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  bool ok = sum.load() == 4ull * (299 * 300 / 2) && small.load() == 1200 && flag.load() &&
            seen.size() == 1200;
  std::printf("atomics.cpp: %s\n", ok ? "ok" : "WRONG");
  return ok ? 0 : 1;
}
