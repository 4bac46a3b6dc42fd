// sched.cc — controlled mode: exactly one thread of the process runs at a time. At every
// schedule point the running thread records its pending operation, asks the strategy to
// pick one of the enabled threads, and hands the turn to it through that thread's futex
// word. Blocking is modelled: a thread whose operation cannot complete (lock held, no
// signal yet, join target alive, deadline in the future) is simply not enabled.
// Virtual time advances a tick per decision and jumps to the earliest deadline when no
// thread is enabled; with no deadline either, that is a deadlock, reported with the
// wait-for relation and each blocked thread's stack.
#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "glibc_layout.h"
#include "ring.h"
#include "shim.h"
#include "weft/strategy.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {

RealFunctions real;

namespace {

constexpr uint64_t kTickNs = 1000;  // virtual time per decision

enum class ShimState : int { kUninit, kOff, kStarting, kOn };
ShimState g_state = ShimState::kUninit;

weft_session* g_session = nullptr;
constinit Thread g_threads[kMaxThreads] = {};
uint32_t g_thread_count = 0;   // slots ever used (tids are never reused)
uint16_t g_live[kMaxThreads];  // live tids, ascending
uint32_t g_live_count = 0;
uint64_t g_vnow = 0;
uint64_t g_events = 0;

// The strategy. Replay follows the script and falls back to the lowest enabled thread
// after the first divergence, so the run still ends and its outcome can be reported.
// NB: every global here must be constant-initialized: the hooks can run (and start the
// shim) before this library's dynamic initializers would, which would then wipe state.
constinit sched::RandomStrategy g_random(0);
constinit sched::PctStrategy g_pct;
bool g_use_pct = false;
const weft_script_entry* g_script = nullptr;
uint64_t g_script_count = 0;
const uint16_t* g_script_wakes = nullptr;
uint64_t g_script_wakes_count = 0;
uint64_t g_wake_cursor = 0;
bool g_diverged = false;  // left the script: the tail policy decides from here
bool g_script_strict = false;
uint32_t g_tail = WEFT_TAIL_RANDOM;
int32_t g_forced_tid = -1;
bool g_plan = false;  // the script is a plan of deviations (see weft_session::script_plan)

cpu_set_t g_original_affinity;
bool g_pinned = false;

__thread Thread* t_self __attribute__((tls_model("initial-exec"))) = nullptr;
__thread int t_depth __attribute__((tls_model("initial-exec"))) = 0;

template <typename P>
void Resolve(P& slot, const char* name) {
  void* sym = dlsym(RTLD_NEXT, name);
  __builtin_memcpy(&slot, &sym, sizeof(slot));
}

void ResolveReal() {
#define WEFT_RESOLVE(name) Resolve(real.name, #name)
  WEFT_RESOLVE(pthread_create);
  WEFT_RESOLVE(pthread_join);
  WEFT_RESOLVE(pthread_tryjoin_np);
  WEFT_RESOLVE(pthread_timedjoin_np);
  WEFT_RESOLVE(pthread_clockjoin_np);
  WEFT_RESOLVE(pthread_detach);
  WEFT_RESOLVE(pthread_exit);
  WEFT_RESOLVE(pthread_setname_np);
  WEFT_RESOLVE(pthread_mutex_init);
  WEFT_RESOLVE(pthread_mutex_destroy);
  WEFT_RESOLVE(pthread_mutex_lock);
  WEFT_RESOLVE(pthread_mutex_trylock);
  WEFT_RESOLVE(pthread_mutex_timedlock);
  WEFT_RESOLVE(pthread_mutex_clocklock);
  WEFT_RESOLVE(pthread_mutex_unlock);
  WEFT_RESOLVE(pthread_rwlock_init);
  WEFT_RESOLVE(pthread_rwlock_destroy);
  WEFT_RESOLVE(pthread_rwlock_rdlock);
  WEFT_RESOLVE(pthread_rwlock_tryrdlock);
  WEFT_RESOLVE(pthread_rwlock_timedrdlock);
  WEFT_RESOLVE(pthread_rwlock_clockrdlock);
  WEFT_RESOLVE(pthread_rwlock_wrlock);
  WEFT_RESOLVE(pthread_rwlock_trywrlock);
  WEFT_RESOLVE(pthread_rwlock_timedwrlock);
  WEFT_RESOLVE(pthread_rwlock_clockwrlock);
  WEFT_RESOLVE(pthread_rwlock_unlock);
  WEFT_RESOLVE(pthread_cond_init);
  WEFT_RESOLVE(pthread_cond_destroy);
  WEFT_RESOLVE(pthread_cond_wait);
  WEFT_RESOLVE(pthread_cond_timedwait);
  WEFT_RESOLVE(pthread_cond_clockwait);
  WEFT_RESOLVE(pthread_cond_signal);
  WEFT_RESOLVE(pthread_cond_broadcast);
  WEFT_RESOLVE(sem_init);
  WEFT_RESOLVE(sem_destroy);
  WEFT_RESOLVE(sem_wait);
  WEFT_RESOLVE(sem_trywait);
  WEFT_RESOLVE(sem_timedwait);
  WEFT_RESOLVE(sem_clockwait);
  WEFT_RESOLVE(sem_post);
  WEFT_RESOLVE(sem_getvalue);
  WEFT_RESOLVE(pthread_barrier_init);
  WEFT_RESOLVE(pthread_barrier_destroy);
  WEFT_RESOLVE(pthread_barrier_wait);
  WEFT_RESOLVE(pthread_once);
  WEFT_RESOLVE(pthread_spin_init);
  WEFT_RESOLVE(pthread_spin_destroy);
  WEFT_RESOLVE(pthread_spin_lock);
  WEFT_RESOLVE(pthread_spin_trylock);
  WEFT_RESOLVE(pthread_spin_unlock);
  WEFT_RESOLVE(sleep);
  WEFT_RESOLVE(usleep);
  WEFT_RESOLVE(nanosleep);
  WEFT_RESOLVE(clock_nanosleep);
  WEFT_RESOLVE(sched_yield);
  WEFT_RESOLVE(clock_gettime);
  WEFT_RESOLVE(gettimeofday);
  WEFT_RESOLVE(time);
  WEFT_RESOLVE(fork);
#undef WEFT_RESOLVE
}

int FindShimRange(struct dl_phdr_info* info, size_t, void* data) {
  uint64_t self = reinterpret_cast<uint64_t>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
    uint64_t lo = info->dlpi_addr + ph.p_vaddr;
    uint64_t hi = lo + ph.p_memsz;
    if (self >= lo && self < hi) {
      SetShimRange(lo, hi);
      return 1;
    }
  }
  return 0;
}

long ParseFd(const char* s) {
  long v = 0;
  if (s == nullptr || *s == '\0') return -1;
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (*s - '0');
    if (v > 1 << 20) return -1;
  }
  return v;
}

void PinToCpu(int cpu) {
  if (cpu < 0) return;
  if (RawSyscall(SYS_sched_getaffinity, 0, sizeof(g_original_affinity),
                 reinterpret_cast<long>(&g_original_affinity)) < 0) {
    return;
  }
  cpu_set_t one;
  CPU_ZERO(&one);
  CPU_SET(cpu, &one);
  if (RawSyscall(SYS_sched_setaffinity, 0, sizeof(one), reinterpret_cast<long>(&one)) == 0) {
    g_pinned = true;
  }
}

void AddLive(uint16_t tid) {
  uint32_t i = g_live_count++;
  while (i > 0 && g_live[i - 1] > tid) {
    g_live[i] = g_live[i - 1];
    --i;
  }
  g_live[i] = tid;
}

void RemoveLive(uint16_t tid) {
  uint32_t j = 0;
  for (uint32_t i = 0; i < g_live_count; ++i) {
    if (g_live[i] != tid) g_live[j++] = g_live[i];
  }
  g_live_count = j;
}

// Starts controlled mode if this process is the one the session is for. Runs on the main
// thread before other threads exist (from the constructor or the first hook).
void Start() {
  g_state = ShimState::kOff;
  ResolveReal();
  long fd = ParseFd(getenv(WEFT_ENV_SESSION_FD));
  if (fd < 0) return;
  struct stat st;
  if (RawSyscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0) return;
  if (static_cast<uint64_t>(st.st_size) < sizeof(weft_session)) return;
  long p = RawSyscall(SYS_mmap, 0, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p < 0 && p > -4096) return;
  auto* s = reinterpret_cast<weft_session*>(p);
  if (s->magic != WEFT_SESSION_MAGIC) return;
  if (s->protocol != WEFT_SHIM_PROTOCOL_VERSION) {
    WriteStderr(
        "weft shim: session protocol mismatch between weft and libweft_preload.so; "
        "reinstall weft\n");
    return;
  }
  uint32_t pid = static_cast<uint32_t>(RawSyscall(SYS_getpid));
  // Only the first process of the session is controlled; its children run uncontrolled.
  // The same pid again means the controlled process called exec: it keeps control.
  uint32_t expected = 0;
  if (!__atomic_compare_exchange_n(&s->claimed_pid, &expected, pid, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE) &&
      expected != pid) {
    return;
  }
  if (s->mode != WEFT_MODE_CONTROLLED) return;
  g_session = s;
  RequireGlibcLayout();
  g_state = ShimState::kStarting;

  dl_iterate_phdr(FindShimRange, reinterpret_cast<void*>(&Start));
  RingInit();
  g_random = sched::RandomStrategy(s->seed);
  g_tail = WEFT_TAIL_RANDOM;
  if (s->strategy == WEFT_STRATEGY_PCT) {
    g_use_pct = true;
    g_pct.Init(s->seed, static_cast<uint32_t>(s->strategy_param[0]), s->strategy_param[1]);
  }
  if (s->strategy == WEFT_STRATEGY_REPLAY) g_tail = WEFT_TAIL_DIVERGE;
  if (s->strategy == WEFT_STRATEGY_GUIDED) g_tail = s->tail_policy;
  g_script_strict = s->strategy == WEFT_STRATEGY_REPLAY || s->script_strict != 0;
  g_forced_tid = s->strategy == WEFT_STRATEGY_GUIDED ? s->forced_tid : -1;
  g_plan = s->strategy == WEFT_STRATEGY_GUIDED && s->script_plan != 0;
  if (s->strategy == WEFT_STRATEGY_REPLAY || s->strategy == WEFT_STRATEGY_GUIDED) {
    g_script = reinterpret_cast<const weft_script_entry*>(reinterpret_cast<uint8_t*>(s) +
                                                          s->script_offset);
    g_script_count = s->script_count;
    g_script_wakes =
        reinterpret_cast<const uint16_t*>(reinterpret_cast<uint8_t*>(s) + s->wakes_offset);
    g_script_wakes_count = s->wakes_count;
  }
  g_vnow = s->vtime;  // 0 on a fresh start; continues across an exec
  PinToCpu(s->cpu);

  Thread* main = &g_threads[0];
  ZeroBytes(main, sizeof(*main));
  main->tid = 0;
  main->state = SlotState::kLive;
  main->os_tid = Gettid();
  main->handle = pthread_self();
  g_thread_count = 1;
  g_live_count = 0;
  AddLive(0);
  t_self = main;
  s->threads = 1;
  main->handle_obj = ObjectFor(reinterpret_cast<void*>(main->handle), WEFT_OBJ_THREAD)->id;
  EmitThreadRecord(main, 0xffff);
  g_state = ShimState::kOn;
}

void UpdateStatus() {
  g_session->events = g_events;
  g_session->vtime = g_vnow;
}

int16_t TidOfOsTid(pid_t os_tid) {
  for (uint32_t i = 0; i < g_thread_count; ++i) {
    if (g_threads[i].os_tid == os_tid && g_threads[i].state != SlotState::kFree) {
      return static_cast<int16_t>(i);
    }
  }
  return kNoThread;
}

// The thread a blocked thread waits for, if the model knows it.
int16_t HolderOf(const Thread* t) {
  const Op& op = t->op;
  switch (op.kind) {
    case WEFT_EV_MUTEX_LOCK:
      return MutexHolder(static_cast<pthread_mutex_t*>(op.addr));
    case WEFT_EV_COND_WAKE:
      return t->woken ? MutexHolder(static_cast<pthread_mutex_t*>(op.addr2)) : kNoThread;
    case WEFT_EV_THREAD_JOIN:
      return static_cast<int16_t>(op.arg);
    case WEFT_EV_RWLOCK_RDLOCK:
    case WEFT_EV_RWLOCK_WRLOCK:
    case WEFT_EV_SPIN_LOCK:
    case WEFT_EV_ONCE: {
      Object* o = FindObject(op.addr);
      return o != nullptr ? o->owner : kNoThread;
    }
    default:
      return kNoThread;
  }
}

// Reports every live thread's pending operation (BLOCKED records), raises `status` and
// ends the process: a deadlock, or a stop requested with --stop-at.
[[noreturn]] void ReportThreadsAndExit(uint32_t status) {
  for (uint32_t i = 0; i < g_live_count; ++i) {
    const Thread* t = &g_threads[g_live[i]];
    weft_blocked_record rec{};
    rec.type = WEFT_REC_BLOCKED;
    rec.kind = t->op.kind;
    rec.tid = t->tid;
    rec.obj = t->op.obj;
    rec.holder = HolderOf(t);
    rec.stack = t->op_stack;
    RingWrite(&rec, 1);
  }
  UpdateStatus();
  __atomic_or_fetch(&g_session->status, status, __ATOMIC_RELEASE);
  RawSyscall(SYS_exit_group, WEFT_SHIM_EXIT_CODE);
  __builtin_unreachable();
}

bool DeadlinePassed(const Op& op) { return op.deadline != kNoDeadline && op.deadline <= g_vnow; }

bool SemAvailable(sem_t* sem) {
  int value = 0;
  real.sem_getvalue(sem, &value);
  return value > 0;
}

// Whether `t`'s pending operation can complete now (or time out now).
bool Enabled(const Thread* t) {
  const Op& op = t->op;
  bool try_op = (op.flags & WEFT_F_TRY) != 0;
  switch (op.kind) {
    case WEFT_EV_MUTEX_LOCK:
      return try_op || MutexAvailable(static_cast<pthread_mutex_t*>(op.addr), t) ||
             DeadlinePassed(op);
    case WEFT_EV_RWLOCK_RDLOCK: {
      Object* o = FindObject(op.addr);
      return try_op || o == nullptr || o->owner == kNoThread || o->owner == t->tid ||
             DeadlinePassed(op);
    }
    case WEFT_EV_RWLOCK_WRLOCK: {
      Object* o = FindObject(op.addr);
      return try_op || o == nullptr || (o->owner == kNoThread && o->readers == 0) ||
             o->owner == t->tid || DeadlinePassed(op);
    }
    case WEFT_EV_COND_WAKE:
      return (t->woken || DeadlinePassed(op)) &&
             MutexAvailable(static_cast<pthread_mutex_t*>(op.addr2), t);
    case WEFT_EV_SEM_WAIT:
      return try_op || SemAvailable(static_cast<sem_t*>(op.addr)) || DeadlinePassed(op);
    case WEFT_EV_BARRIER_LEAVE: {
      Object* o = FindObject(op.addr);
      return o == nullptr || o->generation != t->wait_generation;
    }
    case WEFT_EV_ONCE: {
      Object* o = FindObject(op.addr);
      return o == nullptr || o->once_state != 1;
    }
    case WEFT_EV_SPIN_LOCK: {
      Object* o = FindObject(op.addr);
      return try_op || o == nullptr || o->owner == kNoThread;
    }
    case WEFT_EV_THREAD_JOIN:
      return try_op || g_threads[op.arg].state == SlotState::kExited || DeadlinePassed(op);
    case WEFT_EV_FUTEX_WOKEN:
      return t->woken || DeadlinePassed(op);
    case WEFT_EV_SLEEP:
      return DeadlinePassed(op) || op.deadline == kNoDeadline;
    default:
      return true;
  }
}

void Diverge(uint64_t step, const Thread* actual) {
  if (g_diverged) return;
  g_diverged = true;
  g_session->divergence_index = step;
  g_session->divergence_actual.tid = actual->tid;
  g_session->divergence_actual.kind = actual->op.kind;
  g_session->divergence_actual.obj = actual->op.obj;
  __atomic_or_fetch(&g_session->status, WEFT_STATUS_DIVERGED, __ATOMIC_RELEASE);
}

// The tail policy's choice: what happens after the script.
uint32_t ChooseTail(const uint16_t* enabled, uint32_t count, uint16_t current, uint64_t step) {
  switch (g_tail) {
    case WEFT_TAIL_NONPREEMPTIVE:
      for (uint32_t i = 0; i < count; ++i) {
        if (enabled[i] == current) return i;
      }
      return 0;
    case WEFT_TAIL_DIVERGE:
      if (!g_diverged) Diverge(step, &g_threads[enabled[0]]);
      return 0;
    default: {
      sched::Point point{enabled, count, current, step};
      return g_use_pct ? g_pct.PickThread(point) : g_random.PickThread(point);
    }
  }
}

// Fair scheduling (as in CHESS): a thread that yields lets the others run first, so a
// spin-and-yield loop cannot starve the thread it waits for. Returns the index into
// enabled[] of the choice made among the others.
uint32_t ChooseTailFair(const uint16_t* enabled, uint32_t count, uint16_t current, uint64_t step) {
  const Thread* cur = &g_threads[current];
  if (count < 2 || cur->state != SlotState::kLive || cur->op.kind != WEFT_EV_YIELD) {
    return ChooseTail(enabled, count, current, step);
  }
  uint16_t others[kMaxThreads];
  uint32_t n = 0, skipped = count;
  for (uint32_t i = 0; i < count; ++i) {
    if (enabled[i] == current) {
      skipped = i;
    } else {
      others[n++] = enabled[i];
    }
  }
  if (skipped == count) return ChooseTail(enabled, count, current, step);
  uint32_t pick = ChooseTail(others, n, current, step);
  return pick < skipped ? pick : pick + 1;
}

// Index into enabled[] chosen by the active strategy for decision `step`: the script's
// thread while there is script, then the forced thread (once), then the tail policy.
uint32_t Choose(const uint16_t* enabled, uint32_t count, uint16_t current, uint64_t step) {
  if (g_plan) {
    // A plan names its decisions by the thread that reaches them and how far that thread
    // has got, so taking one deviation out leaves the others meaningful.
    uint64_t done = g_threads[current].events_done;
    for (uint64_t p = 0; p < g_script_count; ++p) {
      const weft_script_entry& e = g_script[p];
      if (e.arg != current || e.obj != done) continue;
      for (uint32_t i = 0; i < count; ++i) {
        if (enabled[i] == e.tid) return i;
      }
    }
    return ChooseTailFair(enabled, count, current, step);
  }
  if (g_script != nullptr && !g_diverged && step < g_script_count) {
    const weft_script_entry& want = g_script[step];
    for (uint32_t i = 0; i < count; ++i) {
      if (enabled[i] != want.tid) continue;
      const Thread* t = &g_threads[want.tid];
      if (!g_script_strict || (t->op.kind == want.kind && t->op.obj == want.obj)) return i;
      Diverge(step, t);
      return ChooseTail(enabled, count, current, step);
    }
    Diverge(step, &g_threads[enabled[0]]);
    return ChooseTail(enabled, count, current, step);
  }
  if (g_forced_tid >= 0 && !g_diverged && step == g_script_count) {
    for (uint32_t i = 0; i < count; ++i) {
      if (enabled[i] == g_forced_tid) return i;
    }
    Diverge(step, &g_threads[enabled[0]]);
  }
  return ChooseTailFair(enabled, count, current, step);
}

// Picks the next thread to run. The caller holds the turn.
Thread* Pick(uint16_t current) {
  uint16_t enabled[kMaxThreads];
  uint32_t count = 0;
  for (;;) {
    uint64_t earliest = kNoDeadline;
    count = 0;
    for (uint32_t i = 0; i < g_live_count; ++i) {
      Thread* t = &g_threads[g_live[i]];
      if (Enabled(t)) {
        enabled[count++] = t->tid;
      } else if (t->op.deadline < earliest) {
        earliest = t->op.deadline;
      }
    }
    if (count > 0) break;
    if (earliest == kNoDeadline) ReportThreadsAndExit(WEFT_STATUS_DEADLOCK);
    g_vnow = earliest;  // nothing can run before the earliest deadline: jump there
  }
  uint64_t step = g_events;
  if (g_session->stop_enabled != 0 && step >= g_session->stop_before) {
    ReportThreadsAndExit(WEFT_STATUS_STOPPED);
  }
  if (g_session->max_steps != 0 && step >= g_session->max_steps) {
    UpdateStatus();
    __atomic_or_fetch(&g_session->status, WEFT_STATUS_MAX_STEPS, __ATOMIC_RELEASE);
    RawSyscall(SYS_exit_group, WEFT_SHIM_EXIT_CODE);
  }
  Thread* next = &g_threads[enabled[Choose(enabled, count, current, step)]];
  next->picked_enabled = static_cast<uint16_t>(count);
  if (g_session->record_decisions != 0) {
    next->picked_current = current;
    next->picked_mask[0] = next->picked_mask[1] = next->picked_mask[2] = 0;
    for (uint32_t i = 0; i < count; ++i) {
      if (enabled[i] < 192) next->picked_mask[enabled[i] / 64] |= 1ull << (enabled[i] % 64);
    }
  }
  g_vnow += kTickNs;
  return next;
}

void GiveTurn(Thread* next) {
  // NB: `go` is written last: once it is 1, `next` may run and this thread must not touch
  // scheduler state until its own `go` is set again.
  __atomic_store_n(&next->go, 1, __ATOMIC_RELEASE);
  FutexWake(&next->go, 1);
}

void WaitTurn(Thread* self) {
  while (__atomic_load_n(&self->go, __ATOMIC_ACQUIRE) == 0) FutexWait(&self->go, 0);
  self->go = 0;
}

}  // namespace

// ---- guard ----
Guard::Guard() : outermost_(t_depth++ == 0) {}
Guard::~Guard() { --t_depth; }

bool Controlled(const Guard& guard) {
  if (g_state == ShimState::kUninit) Start();
  return g_state == ShimState::kOn && guard.outermost() && t_self != nullptr &&
         t_self->state == SlotState::kLive;
}

Thread* Self() { return t_self; }

Thread* ThreadByTid(int tid) {
  if (tid < 0 || static_cast<uint32_t>(tid) >= g_thread_count) return nullptr;
  return &g_threads[tid];
}

Thread* ThreadByHandle(pthread_t handle) {
  // NB: newest first: glibc reuses the pthread_t of a joined (or exited detached) thread.
  for (uint32_t i = g_thread_count; i-- > 0;) {
    if (g_threads[i].state != SlotState::kFree && pthread_equal(g_threads[i].handle, handle)) {
      return &g_threads[i];
    }
  }
  return nullptr;
}

void SetHandle(Thread* t, pthread_t handle) {
  // An older thread with the same pthread_t is gone for good: forget its handle.
  for (uint32_t i = 0; i < g_thread_count; ++i) {
    if (&g_threads[i] != t && pthread_equal(g_threads[i].handle, handle)) {
      g_threads[i].handle = 0;
    }
  }
  t->handle = handle;
}

weft_session* Session() { return g_session; }

void MarkProcessUncontrolled() {
  g_state = ShimState::kOff;
  if (g_pinned) {
    RawSyscall(SYS_sched_setaffinity, 0, sizeof(g_original_affinity),
               reinterpret_cast<long>(&g_original_affinity));
  }
}

Thread* RegisterThread(uint16_t parent) {
  if (g_thread_count >= static_cast<uint32_t>(kMaxThreads)) {
    Die("too many threads for one run (limit 1024 created threads)");
  }
  Thread* t = &g_threads[g_thread_count];
  ZeroBytes(t, sizeof(*t));
  t->tid = static_cast<uint16_t>(g_thread_count++);
  t->state = SlotState::kLive;
  t->op.kind = WEFT_EV_THREAD_START;
  t->op.deadline = kNoDeadline;
  t->op.arg = parent;
  AddLive(t->tid);
  g_session->threads = g_thread_count;
  return t;
}

void UnregisterThread(Thread* t) {
  RemoveLive(t->tid);
  t->state = SlotState::kExited;
}

void Schedule(Thread* self, const Op& op) {
  self->op = op;
  self->op_stack = CaptureStack();
  Thread* next = Pick(self->tid);
  if (next != self) {
    GiveTurn(next);
    WaitTurn(self);
  }
}

void LeaveControl(Thread* self) {
  self->state = SlotState::kExited;
  RemoveLive(self->tid);
  t_self = nullptr;
  UpdateStatus();
  if (g_live_count == 0) return;
  GiveTurn(Pick(self->tid));
}

void WaitFirstTurn(Thread* self) {
  t_self = self;
  self->os_tid = Gettid();
  WaitTurn(self);
}

uint64_t Emit(Thread* self, uint8_t kind, uint16_t flags, uint32_t obj, int64_t arg) {
  weft_event_record rec{};
  rec.type = WEFT_REC_EVENT;
  rec.kind = kind;
  rec.flags = flags;
  rec.tid = self->tid;
  rec.enabled = self->picked_enabled;
  rec.obj = obj;
  rec.stack = self->op_stack;
  rec.vtime = g_vnow;
  rec.arg = arg;
  RingWrite(&rec, 1);
  if (g_session->record_decisions != 0) {
    weft_decision_record d{};
    d.type = WEFT_REC_DECISION;
    d.current = self->picked_current;
    for (int i = 0; i < 3; ++i) d.enabled[i] = self->picked_mask[i];
    RingWrite(&d, 1);
  }
  uint64_t index = g_events++;
  ++self->events_done;
  if ((index & 63) == 0) UpdateStatus();
  return index;
}

void EmitThreadRecord(const Thread* t, uint16_t parent) {
  weft_thread_record rec{};
  rec.type = WEFT_REC_THREAD;
  rec.tid = t->tid;
  rec.parent = parent;
  rec.handle_obj = t->handle_obj;
  rec.os_tid = static_cast<uint32_t>(t->os_tid);
  rec.start_routine = reinterpret_cast<uint64_t>(t->start_routine);
  RingWrite(&rec, 1);
}

void EmitName(uint16_t tid, const char* name) {
  weft_name_record rec{};
  rec.type = WEFT_REC_NAME;
  rec.tid = tid;
  for (size_t i = 0; i + 1 < sizeof(rec.name) && name[i] != '\0'; ++i) rec.name[i] = name[i];
  RingWrite(&rec, 1);
}

namespace {

// Chooses one waiter from waiters[0..count) (ascending tids): from the script in replay.
uint32_t ChooseWaiter(const uint16_t* waiters, uint32_t count, int64_t scripted) {
  // A loose script may not know the waiter (-1): that is no divergence, the tail decides.
  bool known = !g_plan && (g_script_strict || scripted >= 0);
  if (g_script != nullptr && !g_diverged && g_events < g_script_count && known) {
    for (uint32_t i = 0; i < count; ++i) {
      if (waiters[i] == scripted) return i;
    }
    Diverge(g_events, &g_threads[waiters[0]]);
  }
  if (g_tail == WEFT_TAIL_RANDOM) {
    return g_use_pct ? g_pct.PickWaiter(waiters, count) : g_random.PickWaiter(waiters, count);
  }
  return 0;  // replay after a divergence, non-preemptive: the longest-known waiter
}

}  // namespace

int WakeCondWaiters(Thread* self, void* cond, uint32_t obj, bool all, int16_t* woken_tid) {
  uint16_t waiters[kMaxThreads];
  uint32_t count = 0;
  for (uint32_t i = 0; i < g_live_count; ++i) {
    Thread* t = &g_threads[g_live[i]];
    if (t->op.kind == WEFT_EV_COND_WAKE && t->op.addr == cond && !t->woken) {
      waiters[count++] = t->tid;
    }
  }
  *woken_tid = kNoThread;
  if (count == 0) return 0;
  if (all) {
    for (uint32_t i = 0; i < count; ++i) g_threads[waiters[i]].woken = true;
    return static_cast<int>(count);
  }
  int64_t scripted = -1;
  if (g_script != nullptr && !g_plan && g_events < g_script_count) {
    scripted = g_script[g_events].arg;
  }
  uint16_t chosen = waiters[ChooseWaiter(waiters, count, scripted)];
  g_threads[chosen].woken = true;
  *woken_tid = static_cast<int16_t>(chosen);
  return 1;
}

int WakeFutexWaiters(Thread* self, void* word, uint32_t obj, int count, uint32_t bitset) {
  uint16_t waiters[kMaxThreads];
  uint32_t n = 0;
  for (uint32_t i = 0; i < g_live_count; ++i) {
    Thread* t = &g_threads[g_live[i]];
    if (t->op.kind == WEFT_EV_FUTEX_WOKEN && t->op.addr == word && !t->woken &&
        (static_cast<uint32_t>(t->op.arg) & bitset) != 0) {
      waiters[n++] = t->tid;
    }
  }
  uint16_t chosen[kMaxThreads];
  int woken = 0;
  while (n > 0 && woken < count) {
    int64_t scripted = -1;
    if (g_script != nullptr && g_wake_cursor < g_script_wakes_count) {
      scripted = g_script_wakes[g_wake_cursor];
    }
    ++g_wake_cursor;
    uint32_t i = ChooseWaiter(waiters, n, scripted);
    chosen[woken++] = waiters[i];
    g_threads[waiters[i]].woken = true;
    for (uint32_t j = i + 1; j < n; ++j) waiters[j - 1] = waiters[j];
    --n;
  }
  Emit(self, WEFT_EV_FUTEX_WAKE, 0, obj, woken);
  for (int i = 0; i < woken; ++i) {
    weft_wake_record rec{};
    rec.type = WEFT_REC_WAKE;
    rec.waker = self->tid;
    rec.woken = chosen[i];
    rec.obj = obj;
    RingWrite(&rec, 1);
  }
  return woken;
}

// ---- virtual time ----
uint64_t VirtualNow() { return g_vnow; }

bool IsVirtualClock(clockid_t clock) {
  switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_TAI:
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
      return true;
    default:
      return false;
  }
}

static uint64_t BaseOf(clockid_t clock) {
  switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_TAI:
      return g_session->realtime_base_ns;
    default:
      return g_session->monotonic_base_ns;
  }
}

void VirtualClock(clockid_t clock, struct timespec* ts) {
  // Each read moves time on a little, so a loop that polls the clock without reaching a
  // schedule point still sees time pass (the reader holds the turn: this is deterministic).
  g_vnow += kTickNs;
  uint64_t now = BaseOf(clock) + g_vnow;
  ts->tv_sec = static_cast<time_t>(now / 1000000000ull);
  ts->tv_nsec = static_cast<long>(now % 1000000000ull);
}

uint64_t DeadlineFromAbs(clockid_t clock, const struct timespec* abs) {
  if (abs == nullptr) return kNoDeadline;
  if (abs->tv_sec < 0) return g_vnow;
  unsigned __int128 ns = static_cast<unsigned __int128>(abs->tv_sec) * 1000000000u +
                         static_cast<uint64_t>(abs->tv_nsec);
  uint64_t base = BaseOf(IsVirtualClock(clock) ? clock : CLOCK_MONOTONIC);
  if (ns <= base) return 0;
  unsigned __int128 v = ns - base;
  return v >= kNoDeadline ? kNoDeadline - 1 : static_cast<uint64_t>(v);
}

uint64_t DeadlineFromRel(const struct timespec* rel) {
  if (rel == nullptr) return kNoDeadline;
  if (rel->tv_sec < 0) return g_vnow;
  unsigned __int128 v = static_cast<unsigned __int128>(rel->tv_sec) * 1000000000u +
                        static_cast<uint64_t>(rel->tv_nsec) + g_vnow;
  return v >= kNoDeadline ? kNoDeadline - 1 : static_cast<uint64_t>(v);
}

// ---- real mutex state (glibc's struct __pthread_mutex_s) ----
int16_t MutexHolder(pthread_mutex_t* m) {
  if (!MutexLocked(m)) return kNoThread;
  return TidOfOsTid(MutexOwnerTid(m));
}

bool MutexAvailable(pthread_mutex_t* m, const Thread* self) {
  if (!MutexLocked(m)) return true;
  if (MutexOwnerTid(m) == self->os_tid) {
    int kind = MutexType(m);
    // A recursive relock succeeds and an error-checking one fails at once (EDEADLK);
    // a normal mutex relocked by its owner blocks forever: a self-deadlock.
    return kind == PTHREAD_MUTEX_RECURSIVE || kind == PTHREAD_MUTEX_ERRORCHECK;
  }
  return false;
}

}  // namespace weft::shim

// Start control as early as possible, before the program's own constructors run threads.
__attribute__((constructor)) static void WeftShimConstructor() {
  weft::shim::Guard guard;
  weft::shim::Controlled(guard);
}
