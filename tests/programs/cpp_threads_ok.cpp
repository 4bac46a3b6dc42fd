// cpp_threads_ok.cpp — C++ threads started three ways, as a user would name them: a free
// function, a lambda in a named function, and a function whose signature spells out
// std::string and std::map (the long names a demangler produces for them).
//
// A ledger (a std::map from account name to entries) is filled by three threads: Auditor
// (a free function given to std::thread with its argument), a lambda started by
// StartTellers, and RecordEntry calls made from both. Every change is under one std::mutex.
//
// Expected outcome: "entries = 7" and exit 0, in every interleaving.
// Families: std::thread (pthread_create/join), std::mutex (pthread_mutex_lock/unlock).
#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::mutex ledger_mutex;

// Records one entry; deliberately not inlined, so that its long name is on the stack.
__attribute__((noinline)) void RecordEntry(const std::string& who,
                                           std::map<std::string, std::vector<int>>& ledger,
                                           int amount) {
  std::lock_guard<std::mutex> lock(ledger_mutex);
  ledger[who].push_back(amount);
}

void Auditor(std::map<std::string, std::vector<int>>* ledger, int rounds) {
  for (int i = 0; i < rounds; ++i) RecordEntry("auditor", *ledger, 0);
}

std::thread StartTellers(std::map<std::string, std::vector<int>>* ledger) {
  return std::thread([ledger] {
    for (int amount : {10, 20, 30, 40}) RecordEntry("teller", *ledger, amount);
  });
}

}  // namespace

int main() {
  std::map<std::string, std::vector<int>> ledger;
  std::thread auditor(Auditor, &ledger, 3);
  std::thread tellers = StartTellers(&ledger);
  auditor.join();
  tellers.join();
  size_t entries = 0;
  for (const auto& [who, amounts] : ledger) entries += amounts.size();
  std::printf("entries = %zu\n", entries);
  return entries == 7 ? 0 : 1;
}
