// test_traces.h — hand-built traces shared by the format and render tests.
#pragma once

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

#include "weft/trace.h"

namespace weft::format::testing {

inline Event MakeEvent(uint32_t tid, EventKind kind, uint32_t obj, uint64_t vtime, int64_t arg = 0,
                       uint32_t stack = 0, uint32_t enabled = 1, uint32_t flags = 0) {
  Event e;
  e.tid = tid;
  e.kind = kind;
  e.obj = obj;
  e.vtime = vtime;
  e.arg = arg;
  e.stack = stack;
  e.enabled = enabled;
  e.flags = flags;
  return e;
}

inline Object MakeObject(uint32_t id, ObjectKind kind, uint64_t address, std::string symbol = "",
                         uint64_t aux = 0) {
  Object o;
  o.id = id;
  o.kind = kind;
  o.address = address;
  o.symbol = std::move(symbol);
  o.aux = aux;
  return o;
}

inline Frame MakeFrame(uint64_t ip, std::string function, std::string file, uint32_t line,
                       std::string module) {
  Frame f;
  f.ip = ip;
  f.function = std::move(function);
  f.file = std::move(file);
  f.line = line;
  f.module = std::move(module);
  return f;
}

inline Thread MakeThread(uint32_t tid, int32_t parent, uint64_t start_routine,
                         std::string start_function, uint32_t handle_obj, std::string name = "") {
  Thread t;
  t.tid = tid;
  t.parent = parent;
  t.start_routine = start_routine;
  t.start_function = std::move(start_function);
  t.handle_obj = handle_obj;
  t.name = std::move(name);
  return t;
}

// Gives every frame its module (module_id, offset) from the module path and ip it was made
// with, adding a module for each path the trace does not list, as a recorder would.
inline void PlaceFrames(Trace* t, uint32_t pid) {
  for (Frame& f : t->frames) {
    if (f.module.empty()) {
      f.module_id = 0;
      f.offset = f.ip;
      continue;
    }
    const Module* found = nullptr;
    for (const Module& m : t->modules) {
      if (m.path == f.module && f.ip >= m.base && f.ip - m.base < m.size) found = &m;
    }
    if (found == nullptr) {
      Module m;
      m.id = static_cast<uint32_t>(t->modules.size() + 1);
      m.pid = pid;
      m.path = f.module;
      m.base = f.ip & ~uint64_t{0xfffff};
      m.size = 0x100000;
      t->modules.push_back(m);
      found = &t->modules.back();
    }
    f.module_id = found->id;
    f.offset = f.ip - found->base;
  }
}

inline Header MakeHeader(std::vector<std::string> argv, std::string executable) {
  Header h;
  h.weft_version = "0.1.0";
  h.shim_protocol = 1;
  h.argv = std::move(argv);
  h.executable = std::move(executable);
  h.cwd = "/work/tests/programs";
  h.env = {{"PATH", "/usr/bin:/bin"}, {"LANG", "C.UTF-8"}};
  h.strategy = "random";
  h.seed = 42;
  h.realtime_base_ns = 1700000000000000000u;
  h.monotonic_base_ns = 1000000000u;
  h.created_unix_ns = 1732305120000000000u;  // 2024-11-22 19:52:00 UTC
  return h;
}

// An ABBA deadlock between two workers while main joins the first, with a failed trylock,
// a condition signal nobody waits for, a futex hand-off and a sleep on the way.
inline Trace MakeDeadlockTrace() {
  const std::string exe = "/work/tests/programs/abba";
  const std::string libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  const std::string shim = "/work/build/lib/weft/libweft_preload.so";
  Trace t;
  t.header = MakeHeader({"./abba", "--iterations", "3", "two words"}, exe);
  t.header.schedule.kind = ScheduleSpec::Kind::kRandom;
  t.header.schedule.seed = 42;
  t.processes = {Process{4321, -1, exe, t.header.argv}};
  t.modules = {{1, 4321, exe, "3f1c0ffee", 0x400000, 0x5000},
               {2, 4321, libc, "", 0x7ffff7c00000, 0x1d0000}};
  t.threads = {MakeThread(0, -1, 0x401280, "main", 0), MakeThread(1, 0, 0x4011d0, "worker_a", 1),
               MakeThread(2, 0, 0x401230, "worker_b", 2, "b-side")};
  for (Thread& thread : t.threads) thread.pid = 4321;
  t.objects = {Object{},
               MakeObject(1, ObjectKind::kThread, 0x7fffffffe3a8),
               MakeObject(2, ObjectKind::kThread, 0x7fffffffe3b0),
               MakeObject(3, ObjectKind::kMutex, 0x404060, "m_a"),
               MakeObject(4, ObjectKind::kMutex, 0x4040a0, "m_b"),
               MakeObject(5, ObjectKind::kCond, 0x4040e0, "g_ready"),
               MakeObject(6, ObjectKind::kFutex, 0x405010, "g_flag")};
  t.frames = {
      Frame{},
      MakeFrame(0x7ffff7fb1234, "pthread_mutex_lock", "recorder/preload/hooks.c", 120, shim),
      MakeFrame(0x401196, "lock_both", "/work/tests/programs/abba.c", 14, exe),
      MakeFrame(0x4011f0, "worker_a", "/work/tests/programs/abba.c", 22, exe),
      MakeFrame(0x7ffff7c8a0aa, "start_thread", "", 0, libc),
      MakeFrame(0x401250, "worker_b", "/work/tests/programs/abba.c", 30, exe),
      MakeFrame(0x4012a0, "main", "/work/tests/programs/abba.c", 41, exe),
      MakeFrame(0x401300, "", "", 0, exe),
      MakeFrame(0x7ffff7c91111, "__futex_abstimed_wait_common", "", 0, libc)};
  PlaceFrames(&t, 4321);
  t.stacks = {{}, {1, 2, 3, 4}, {1, 5, 4}, {6}, {1, 7}, {1, 8, 5, 4}};
  using K = EventKind;
  t.events = {
      MakeEvent(0, K::kThreadStart, 0, 0, -1, 3),
      MakeEvent(0, K::kThreadCreate, 1, 1000, 1, 3),
      MakeEvent(0, K::kThreadCreate, 2, 2000, 2, 3, 2),
      MakeEvent(1, K::kThreadStart, 1, 3000, 0, 0, 3),
      MakeEvent(1, K::kMutexLock, 3, 4000, 0, 1, 3),
      MakeEvent(2, K::kThreadStart, 2, 5000, 0, 0, 3),
      MakeEvent(2, K::kMutexLock, 4, 6000, 0, 2, 3),
      MakeEvent(0, K::kSleep, 0, 7000, 1500000, 3, 3),
      MakeEvent(2, K::kMutexLock, 3, 8000, EBUSY, 2, 2, kFlagTry | kFlagFailed),
      MakeEvent(1, K::kCondSignal, 5, 9000, -1, 1, 2),
      MakeEvent(2, K::kFutexWait, 6, 10000, 0, 5, 2),
      MakeEvent(1, K::kFutexWake, 6, 11000, 1, 1, 1),
      MakeEvent(2, K::kFutexWoken, 6, 12000, 0, 5, 2),
      MakeEvent(1, K::kCondWait, 5, 13000, 3, 4, 2, kFlagTimed),
      MakeEvent(1, K::kCondWake, 5, 1013000, ETIMEDOUT, 4, 2, kFlagTimed | kFlagTimedOut),
      MakeEvent(0, K::kSleepDone, 0, 1507000, 0, 3, 3),
      MakeEvent(0, K::kThreadJoin, 1, 1508000, 1, 3, 3),
      MakeEvent(1, K::kMutexLock, 4, 1509000, 0, 1, 2),
      MakeEvent(2, K::kMutexLock, 3, 1510000, 0, 2, 1),
  };
  t.wakes = {{11, 2}};
  t.has_outcome = true;
  t.outcome.kind = Outcome::Kind::kDeadlock;
  t.outcome.blocked = {
      {0, K::kThreadJoin, 1, 1, 3}, {1, K::kMutexLock, 4, 2, 1}, {2, K::kMutexLock, 3, 1, 2}};
  t.outcome.events = t.events.size();
  t.outcome.wall_seconds = 0.031;
  return t;
}

// A worker that crashes in strlen (a libc without line information) called from its code.
inline Trace MakeCrashTrace() {
  const std::string exe = "/work/tests/programs/racy";
  const std::string libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  Trace t;
  t.header = MakeHeader({"./racy"}, exe);
  t.header.strategy = "replay";
  t.header.replayed_from = "racy-failure.weft";
  t.header.schedule.kind = ScheduleSpec::Kind::kReplay;
  t.threads = {MakeThread(0, -1, 0x401200, "main", 0), MakeThread(1, 0, 0x401120, "", 1)};
  t.objects = {Object{}, MakeObject(1, ObjectKind::kThread, 0x7fffffffe3a8),
               MakeObject(2, ObjectKind::kMutex, 0x7ffff7dd0010)};
  t.frames = {Frame{}, MakeFrame(0x7ffff7d9e8f5, "__strlen_avx2", "", 0, libc),
              MakeFrame(0x40113a, "worker", "/work/tests/programs/racy.c", 12, exe),
              MakeFrame(0x7ffff7c8a0aa, "start_thread", "", 0, libc)};
  PlaceFrames(&t, 0);
  t.processes = {Process{0, -1, exe, t.header.argv}};
  t.stacks = {{}, {2, 3}};
  using K = EventKind;
  t.events = {MakeEvent(0, K::kThreadStart, 0, 0, -1), MakeEvent(0, K::kThreadCreate, 1, 100, 1),
              MakeEvent(1, K::kThreadStart, 1, 200, 0, 0, 2),
              MakeEvent(1, K::kMutexLock, 2, 300, 0, 1, 2),
              MakeEvent(1, K::kMutexUnlock, 2, 400, 0, 1, 2)};
  t.has_outcome = true;
  t.outcome.kind = Outcome::Kind::kSignaled;
  t.outcome.signal = SIGSEGV;
  Crash crash;
  crash.signal = SIGSEGV;
  crash.os_tid = 4242;
  crash.tid = 1;
  crash.fault_address = 0;
  crash.ip = 0x7ffff7d9e8f5;
  crash.instruction = "vpcmpeqb ymm1, ymm0, ymmword ptr [rdi]";
  crash.frames = {1, 2, 3};
  t.outcome.crash = crash;
  t.outcome.diverged = true;
  t.outcome.divergence_index = 3;
  t.outcome.divergence = "event 3: expected T2 mutex_lock mutex#2, got T1 mutex_lock mutex#2";
  t.outcome.events = t.events.size();
  t.outcome.wall_seconds = 0.5;
  return t;
}

// The lost update of `count++` from two workers, built with `weft cc`: worker_a ran its
// loop alone (no event: only it had touched `count`'s granule), then worker_b read and
// wrote `count`, which made the granule shared: its read carries worker_a's last write and
// last read as prior accesses. worker_a's later accesses are events.
inline Trace MakeMemoryTrace() {
  const std::string exe = "/work/tests/programs/counter";
  Trace t;
  t.header = MakeHeader({"./counter"}, exe);
  t.threads = {MakeThread(0, -1, 0x401300, "main", 0), MakeThread(1, 0, 0x401200, "worker_a", 1),
               MakeThread(2, 0, 0x401200, "worker_b", 2)};
  t.objects = {Object{}, MakeObject(1, ObjectKind::kThread, 0x7fffffffe3a8),
               MakeObject(2, ObjectKind::kThread, 0x7fffffffe3b0),
               MakeObject(3, ObjectKind::kMemory, 0x404040, "count")};
  t.frames = {Frame{}, MakeFrame(0x401215, "worker", "/work/tests/programs/counter.c", 9, exe),
              MakeFrame(0x401224, "worker", "/work/tests/programs/counter.c", 9, exe),
              MakeFrame(0x401340, "main", "/work/tests/programs/counter.c", 20, exe)};
  PlaceFrames(&t, 0);
  t.processes = {Process{0, -1, exe, t.header.argv}};
  t.stacks = {{}, {1}, {2}, {3}};
  using K = EventKind;
  const int64_t four = EncodeMemoryArg({4, 0, 0});
  t.events = {
      MakeEvent(0, K::kThreadStart, 0, 0, -1, 3),
      MakeEvent(0, K::kThreadCreate, 1, 100, 1, 3),
      MakeEvent(0, K::kThreadCreate, 2, 200, 2, 3, 2),
      MakeEvent(1, K::kThreadStart, 1, 300, 0, 0, 3),
      MakeEvent(2, K::kThreadStart, 2, 400, 0, 0, 3),
      MakeEvent(2, K::kMemRead, 3, 500, four, 1, 3),
      MakeEvent(2, K::kMemWrite, 3, 600, four, 2, 3),
      MakeEvent(1, K::kMemWrite, 3, 700, EncodeMemoryArg({8, 0, 5}), 2, 3, kFlagAtomic | kFlagRead),
      MakeEvent(0, K::kThreadJoin, 1, 800, 1, 3, 3)};
  t.prior_accesses = {{5, 1, true, 0, four, 2, 4}, {5, 1, false, 0, four, 1, 4}};
  t.has_outcome = true;
  t.outcome.kind = Outcome::Kind::kExited;
  t.outcome.exit_code = 1;
  t.outcome.events = t.events.size();
  return t;
}

// The lost update of a counter (`count++` from two workers, an instrumented build): T1 and
// T2 each load and store `count` (a 4-byte global in the granule at 0x404040) twice, T2's
// first load with T1's first store as a prior access (the recorder logged T1's accesses
// only once T2 touched the granule); main joins both and reads it. Races: T2's load with
// T1's store, and the two threads' stores.
inline Trace MakeRaceTrace() {
  const std::string exe = "/work/tests/programs/counter";
  const std::string libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  const std::string shim = "/work/build/lib/weft/libweft_preload.so";
  Trace t;
  t.header = MakeHeader({"./counter"}, exe);
  t.header.schedule.kind = ScheduleSpec::Kind::kRandom;
  t.processes = {Process{4321, -1, exe, t.header.argv}};
  t.modules = {{1, 4321, exe, "c0ffee", 0x400000, 0x5000}};
  t.threads = {MakeThread(0, -1, 0x401280, "main", 0), MakeThread(1, 0, 0x401180, "worker", 1),
               MakeThread(2, 0, 0x401180, "worker", 2)};
  for (Thread& thread : t.threads) thread.pid = 4321;
  t.objects = {Object{}, MakeObject(1, ObjectKind::kThread, 0x7fffffffe3a8),
               MakeObject(2, ObjectKind::kThread, 0x7fffffffe3b0),
               MakeObject(3, ObjectKind::kMemory, 0x404040, "count")};
  t.frames = {Frame{},
              MakeFrame(0x401196, "worker", "/work/tests/programs/counter.c", 12, exe),  // load
              MakeFrame(0x40119c, "worker", "/work/tests/programs/counter.c", 12, exe),  // store
              MakeFrame(0x7ffff7fb1234, "pthread_create", "recorder/preload/hooks.c", 80, shim),
              MakeFrame(0x401250, "main", "/work/tests/programs/counter.c", 20, exe),
              MakeFrame(0x401262, "main", "/work/tests/programs/counter.c", 21, exe),
              MakeFrame(0x7ffff7c8a0aa, "start_thread", "", 0, libc),
              MakeFrame(0x4012c0, "main", "/work/tests/programs/counter.c", 25, exe)};
  PlaceFrames(&t, 4321);
  t.stacks = {{}, {1, 6}, {2, 6}, {3, 4}, {3, 5}, {7}};
  using K = EventKind;
  const int64_t four = WEFT_MEM_ARG(4, 0, 0);
  t.events = {
      MakeEvent(0, K::kThreadStart, 0, 0, -1),         // 0
      MakeEvent(0, K::kThreadCreate, 1, 100, 1, 3),    // 1
      MakeEvent(0, K::kThreadCreate, 2, 200, 2, 4),    // 2
      MakeEvent(1, K::kThreadStart, 1, 300, 0, 0, 3),  // 3  T1 stores (prior)
      MakeEvent(2, K::kThreadStart, 2, 400, 0, 0, 3),  // 4
      MakeEvent(2, K::kMemRead, 3, 500, four, 1, 3),   // 5  T2 load
      MakeEvent(1, K::kMemRead, 3, 600, four, 1, 3),   // 6  T1 load
      MakeEvent(2, K::kMemWrite, 3, 700, four, 2, 3),  // 7  T2 store
      MakeEvent(1, K::kMemWrite, 3, 800, four, 2, 3),  // 8  T1 store
      MakeEvent(1, K::kThreadExit, 1, 900, 0, 0, 3),   // 9
      MakeEvent(2, K::kThreadExit, 2, 1000, 0, 0, 2),  // 10
      MakeEvent(0, K::kThreadJoin, 1, 1100, 1, 5, 1),  // 11
      MakeEvent(0, K::kThreadJoin, 2, 1200, 2, 5, 1),  // 12
      MakeEvent(0, K::kMemRead, 3, 1300, four, 5, 1),  // 13 main reads the total
  };
  PriorAccess prior;
  prior.event_index = 5;
  prior.tid = 1;
  prior.write = true;
  prior.arg = four;
  prior.stack = 2;
  prior.before_event = 4;
  t.prior_accesses = {prior};
  t.has_outcome = true;
  t.outcome.kind = Outcome::Kind::kExited;
  t.outcome.exit_code = 0;
  t.outcome.events = t.events.size();
  return t;
}

}  // namespace weft::format::testing
