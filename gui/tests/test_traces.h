// test_traces.h — hand-built traces for the GUI tests (no recording needed).
#pragma once

#include <random>
#include <string>

#include "weft/trace.h"

namespace weft::gui::testing {

// Appends an event of `tid` to `trace` with the next virtual time.
inline void Add(format::Trace& trace, uint32_t tid, format::EventKind kind, uint32_t obj = 0,
                int64_t arg = 0, uint32_t stack = 0) {
  format::Event e;
  e.tid = tid;
  e.kind = kind;
  e.obj = obj;
  e.arg = arg;
  e.stack = stack;
  e.enabled = 2;
  e.vtime = (trace.events.size() + 1) * 1000;
  trace.events.push_back(e);
}

// The failing schedule of the two-withdrawals bug: main creates T1 and T2; T1 checks, T2
// checks, T1 debits, T2 debits (each a lock/unlock pair on mutex #3 "account_lock");
// exits 1. Stack 1 has one frame in "withdraw.c" line 19.
inline format::Trace BankTrace() {
  using K = format::EventKind;
  format::Trace t;
  t.header.argv = {"./withdraw"};
  t.header.executable = "/nonexistent/withdraw";
  for (uint32_t tid = 0; tid < 3; ++tid) {
    format::Thread th;
    th.tid = tid;
    th.parent = tid == 0 ? -1 : 0;
    th.start_function = tid == 0 ? "main" : "teller";
    th.handle_obj = tid == 0 ? 0 : tid;  // objects 1, 2: the handles
    t.threads.push_back(th);
  }
  t.threads[2].name = "second";
  t.objects.resize(4);
  for (uint32_t id = 1; id <= 3; ++id) {
    t.objects[id].id = id;
    t.objects[id].kind = id == 3 ? format::ObjectKind::kMutex : format::ObjectKind::kThread;
  }
  t.objects[3].symbol = "account_lock";
  t.objects[3].address = 0x4040;
  t.frames.resize(3);
  t.frames[1] = {.function = "teller",
                 .file = "/nonexistent/withdraw.c",
                 .line = 19,
                 .ip = 0x401136,
                 .module = "/nonexistent/withdraw"};
  t.frames[2] = {.function = "start_thread",
                 .ip = 0x7fff0000,
                 .module = "/usr/lib/x86_64-linux-gnu/libc.so.6"};
  t.stacks = {{}, {1, 2}};
  Add(t, 0, K::kThreadCreate, 1, 1);
  Add(t, 1, K::kThreadStart, 1, 0);
  Add(t, 0, K::kThreadCreate, 2, 2);
  Add(t, 2, K::kThreadStart, 2, 0);
  Add(t, 1, K::kMutexLock, 3, 0, 1);    // 4
  Add(t, 1, K::kMutexUnlock, 3, 0, 1);  // 5
  Add(t, 2, K::kMutexLock, 3, 0, 1);    // 6
  Add(t, 2, K::kMutexUnlock, 3, 0, 1);  // 7
  Add(t, 1, K::kMutexLock, 3, 0, 1);    // 8
  Add(t, 1, K::kMutexUnlock, 3, 0, 1);  // 9
  Add(t, 2, K::kMutexLock, 3, 0, 1);    // 10
  Add(t, 2, K::kMutexUnlock, 3, 0, 1);  // 11
  Add(t, 1, K::kThreadExit, 1);
  Add(t, 2, K::kThreadExit, 2);
  Add(t, 0, K::kThreadJoin, 1, 1);
  Add(t, 0, K::kThreadJoin, 2, 2);
  t.has_outcome = true;
  t.outcome.kind = format::Outcome::Kind::kExited;
  t.outcome.exit_code = 1;
  t.outcome.events = t.events.size();
  return t;
}

// BankTrace as a C++ program records it: the threads start in std::thread's invoker, and
// the locks are taken in has_funds (stack 2: line 11) and debit (stack 3: line 18), called
// from teller, under pthread_mutex_lock in libc. Events 4-7 are has_funds, 8-11 debit.
inline format::Trace CppBankTrace() {
  format::Trace t = BankTrace();
  for (uint32_t tid = 1; tid < 3; ++tid) {
    t.threads[tid].start_function =
        "void std::__invoke_impl<void, void (*)(int), int>(std::__invoke_other, void (*&&)(int), "
        "int&&)";
    t.threads[tid].name.clear();
  }
  t.frames.resize(8);
  auto frame = [](const char* function, const char* file, uint32_t line, const char* module) {
    format::Frame f;
    f.function = function;
    f.file = file;
    f.line = line;
    f.ip = 0x401000 + line;
    f.module = module;
    return f;
  };
  const char* exe = "/nonexistent/bank";
  t.frames[3] = frame("pthread_mutex_lock", "", 0, "/usr/lib/x86_64-linux-gnu/libc.so.6");
  t.frames[4] = frame("has_funds(int)", "/nonexistent/bank.cc", 11, exe);
  t.frames[5] = frame("debit(int)", "/nonexistent/bank.cc", 18, exe);
  t.frames[6] = frame("teller(int)", "/nonexistent/bank.cc", 25, exe);
  t.frames[7] = frame(
      "void std::__invoke_impl<void, void (*)(int), int>(std::__invoke_other, void (*&&)(int), "
      "int&&)",
      "/usr/include/c++/12/bits/invoke.h", 61, exe);
  t.stacks = {{}, {1, 2}, {3, 4, 6, 7, 2}, {3, 5, 6, 7, 2}};
  for (size_t i = 4; i < 12; ++i) t.events[i].stack = i < 8 ? 2 : 3;
  return t;
}

// Two threads deadlocked on two mutexes (lock order), outcome kDeadlock with the cycle.
inline format::Trace DeadlockTrace() {
  using K = format::EventKind;
  format::Trace t = BankTrace();
  t.events.resize(4);
  t.objects.resize(5);
  t.objects[4].id = 4;
  t.objects[4].kind = format::ObjectKind::kMutex;
  t.objects[4].symbol = "m_b";
  Add(t, 1, K::kMutexLock, 3, 0, 1);
  Add(t, 2, K::kMutexLock, 4, 0, 1);
  t.outcome = {};
  t.outcome.kind = format::Outcome::Kind::kDeadlock;
  t.outcome.blocked = {{1, K::kMutexLock, 4, 2, 1}, {2, K::kMutexLock, 3, 1, 1}};
  t.outcome.events = t.events.size();
  return t;
}

// `events` random events of `threads` threads on a few objects (no stacks).
inline format::Trace RandomTrace(size_t events, uint32_t threads, uint32_t seed) {
  format::Trace t;
  for (uint32_t tid = 0; tid < threads; ++tid) {
    format::Thread th;
    th.tid = tid;
    t.threads.push_back(th);
  }
  t.objects.resize(4);
  for (uint32_t id = 1; id < 4; ++id) {
    t.objects[id].id = id;
    t.objects[id].kind = format::ObjectKind::kMutex;
  }
  std::mt19937 rng(seed);
  static const format::EventKind kKinds[] = {
      format::EventKind::kMutexLock,  format::EventKind::kMutexUnlock,
      format::EventKind::kCondSignal, format::EventKind::kSleep,
      format::EventKind::kYield,      format::EventKind::kFutexWake};
  t.events.reserve(events);
  for (size_t i = 0; i < events; ++i) {
    Add(t, rng() % threads, kKinds[rng() % 6], 1 + rng() % 3);
  }
  t.has_outcome = true;
  return t;
}

}  // namespace weft::gui::testing
