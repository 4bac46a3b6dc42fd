// cpp_atomic_wait_ok.cpp — C++20 std::atomic::wait / notify_one / notify_all.
//
// 1. Start gate: three threads block in `go.wait(false)` until main stores true and calls
//    go.notify_all().
// 2. Ping-pong: two of them pass a turn back and forth 50 times each:
//    `turn.wait(other)` until it is their turn, then `turn.store(me); turn.notify_one()`.
//    (libstdc++ spins with sched_yield, then parks with syscall(SYS_futex, ...).)
// 3. The third counts down `remaining` with fetch_sub + notify_all; main waits until it
//    reaches 0 with remaining.wait(v) in a loop.
//
// Expected outcome: "rounds = 100, remaining = 0", exit 0.
// Families: std::atomic<T>::wait/notify_one/notify_all (sched_yield + SYS_futex),
// std::thread.
#include <atomic>
#include <cstdio>
#include <thread>

namespace {

std::atomic<bool> go{false};
std::atomic<int> turn{0};
std::atomic<int> remaining{10};
int rounds = 0;

void Player(int me) {
  go.wait(false);
  for (int i = 0; i < 50; ++i) {
    int current = turn.load();
    while (current != me) {
      turn.wait(current);
      current = turn.load();
    }
    ++rounds;
    turn.store(1 - me);
    turn.notify_one();
  }
}

void Counter() {
  go.wait(false);
  for (int i = 0; i < 10; ++i) {
    remaining.fetch_sub(1);
    remaining.notify_all();
  }
}

}  // namespace

int main() {
  std::thread a(Player, 0);
  std::thread b(Player, 1);
  std::thread c(Counter);
  go.store(true);
  go.notify_all();
  int v = remaining.load();
  while (v != 0) {
    remaining.wait(v);
    v = remaining.load();
  }
  a.join();
  b.join();
  c.join();
  std::printf("rounds = %d, remaining = %d\n", rounds, remaining.load());
  return rounds == 100 && remaining.load() == 0 ? 0 : 1;
}
