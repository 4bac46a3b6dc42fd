// thread_table.cc — the controlled threads: one slot per thread ever created (tids count up
// from 0 = main and are never reused), and the live set, the threads a decision chooses
// among. At most WEFT_MAX_THREADS threads per run.
#include "control.h"
#include "ring.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {

__thread Thread* t_self __attribute__((tls_model("initial-exec"))) = nullptr;

namespace {

// "a run may create at most N threads ...": the message names the ABI's limit.
constinit char g_limit_message[160] = {};

}  // namespace

const char* ThreadLimitMessage() {
  static constexpr char kHead[] = "too many threads: a run under weft may create at most ";
  static constexpr char kTail[] =
      " threads (WEFT_MAX_THREADS, the main thread included); this program creates more";
  size_t n = 0;
  for (size_t i = 0; kHead[i] != '\0'; ++i) g_limit_message[n++] = kHead[i];
  char digits[12];
  size_t d = 0;
  for (uint32_t v = WEFT_MAX_THREADS; v != 0; v /= 10)
    digits[d++] = static_cast<char>('0' + v % 10);
  while (d > 0) g_limit_message[n++] = digits[--d];
  for (size_t i = 0; kTail[i] != '\0'; ++i) g_limit_message[n++] = kTail[i];
  g_limit_message[n] = '\0';
  return g_limit_message;
}

void AddLive(uint16_t tid) {
  uint32_t i = g_sched->live_count++;
  while (i > 0 && g_sched->live[i - 1] > tid) {
    g_sched->live[i] = g_sched->live[i - 1];
    --i;
  }
  g_sched->live[i] = tid;
}

void RemoveLive(uint16_t tid) {
  uint32_t j = 0;
  for (uint32_t i = 0; i < g_sched->live_count; ++i) {
    if (g_sched->live[i] != tid) g_sched->live[j++] = g_sched->live[i];
  }
  g_sched->live_count = j;
}

void RegisterMainThread() {
  Thread* main = &g_sched->threads[0];
  ZeroBytes(main, sizeof(*main));
  main->tid = 0;
  main->state = SlotState::kLive;
  main->os_tid = Gettid();
  main->handle = pthread_self();
  main->seen_holder = kNoThread;
  g_sched->thread_count = 1;
  g_sched->live_count = 0;
  AddLive(0);
  t_self = main;
  g_session->threads = 1;
  main->handle_obj = ObjectFor(reinterpret_cast<void*>(main->handle), WEFT_OBJ_THREAD)->id;
  EmitThreadRecord(main, 0xffff);
}

Thread* Self() { return t_self; }

Thread* ThreadByTid(int tid) {
  if (tid < 0 || static_cast<uint32_t>(tid) >= g_sched->thread_count) return nullptr;
  return &g_sched->threads[tid];
}

Thread* ThreadByHandle(pthread_t handle) {
  // NB: newest first: glibc reuses the pthread_t of a joined (or exited detached) thread.
  for (uint32_t i = g_sched->thread_count; i-- > 0;) {
    // NB: a handle means a thread of this process only (a forked child has its parent's).
    if (g_sched->threads[i].state != SlotState::kFree && g_sched->threads[i].process == g_process &&
        pthread_equal(g_sched->threads[i].handle, handle)) {
      return &g_sched->threads[i];
    }
  }
  return nullptr;
}

void SetHandle(Thread* t, pthread_t handle) {
  // An older thread with the same pthread_t is gone for good: forget its handle.
  for (uint32_t i = 0; i < g_sched->thread_count; ++i) {
    if (&g_sched->threads[i] != t && g_sched->threads[i].process == g_process &&
        pthread_equal(g_sched->threads[i].handle, handle)) {
      g_sched->threads[i].handle = 0;
    }
  }
  t->handle = handle;
}

Thread* RegisterThread(uint16_t parent) {
  if (g_sched->thread_count >= kMaxThreads) Die(ThreadLimitMessage());
  Thread* t = &g_sched->threads[g_sched->thread_count];
  ZeroBytes(t, sizeof(*t));
  t->tid = static_cast<uint16_t>(g_sched->thread_count++);
  t->state = SlotState::kLive;
  t->op.kind = WEFT_EV_THREAD_START;
  t->op.deadline = kNoDeadline;
  t->op.arg = parent;
  t->parent = parent;
  t->process = g_process;
  t->created_at = g_sched->events;
  t->seen_holder = kNoThread;
  AddLive(t->tid);
  g_session->threads = g_sched->thread_count;
  return t;
}

Thread* RegisterProcess(Thread* parent) {
  if (g_sched->process_count >= kMaxProcesses) return nullptr;
  uint16_t index = static_cast<uint16_t>(g_sched->process_count++);
  Process& p = g_sched->processes[index];
  p.pid = 0;
  p.state = ProcessState::kLive;
  p.parent_tid = parent->tid;
  p.spawning = 0;
  p.reaped = 0;
  p.outside_children = 0;
  p.refreshed_at = ~0ull;
  p.image = g_sched->processes[parent->process].image;  // a fork runs what its parent runs
  Thread* t = RegisterThread(parent->tid);
  t->process = index;
  t->enabled_cached = true;  // its THREAD_START can always happen
  PublishProcesses();
  return t;
}

void UnregisterProcess(Thread* main) {
  g_sched->processes[main->process].state = ProcessState::kExited;
  UnregisterThread(main);
  PublishProcesses();
}

int16_t ProcessOfPid(pid_t pid) {
  for (uint32_t i = 0; i < g_sched->process_count; ++i) {
    if (g_sched->processes[i].pid == static_cast<uint32_t>(pid) &&
        g_sched->processes[i].state != ProcessState::kFree) {
      return static_cast<int16_t>(i);
    }
  }
  return -1;
}

void EndOtherThreadsOf(uint16_t index, const Thread* self) {
  for (uint32_t i = 0; i < g_sched->live_count;) {
    Thread* t = &g_sched->threads[g_sched->live[i]];
    if (t->process != index || t == self) {
      ++i;
      continue;
    }
    t->state = SlotState::kExited;
    RemoveLive(t->tid);
  }
}

void UnregisterThread(Thread* t) {
  RemoveLive(t->tid);
  t->state = SlotState::kExited;
}

}  // namespace weft::shim
