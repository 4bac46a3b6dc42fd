// inst_hashmap.cpp — a hash-map workload for the instrumented-build benchmark
// (bench/instrumented.py): 2 threads each fill a std::unordered_map of their own with N keys,
// look every key up twice and erase half of them, then add what they found to a total under
// a std::mutex. Usage: inst_hashmap N. Prints the total.
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <unordered_map>

static long n;
static long total;
static std::mutex lock;

static void Work(long seed) {
  std::unordered_map<long, long> map;
  for (long i = 0; i < n; i++) map[i * 7 + seed] = i;
  long found = 0;
  for (int pass = 0; pass < 2; pass++) {
    for (long i = 0; i < n; i++) {
      auto it = map.find(i * 7 + seed);
      if (it != map.end()) found += it->second;
    }
  }
  for (long i = 0; i < n; i += 2) map.erase(i * 7 + seed);
  std::lock_guard<std::mutex> guard(lock);
  total += found + static_cast<long>(map.size());
}

int main(int argc, char** argv) {
  n = argc > 1 ? std::atol(argv[1]) : 100000;
  std::thread a(Work, 1), b(Work, 2);
  a.join();
  b.join();
  std::printf("%ld\n", total);
  return 0;
}
