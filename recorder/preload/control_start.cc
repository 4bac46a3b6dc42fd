// control_start.cc — starting controlled mode: find the session the supervisor handed over,
// claim it for this process, resolve the real functions, pin the process, build the chooser
// from the session's schedule spec, register the main thread. Also the recursion guard and
// the check every hook makes first (Controlled).
#include <dlfcn.h>
#include <link.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <new>

#include "channel_model.h"
#include "control.h"
#include "glibc_layout.h"
#include "ring.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {

RealFunctions real;
constinit ShimState g_state = ShimState::kUninit;
constinit weft_session* g_session = nullptr;
constinit SchedState* g_sched = nullptr;
constinit uint16_t g_process = 0;
__thread int t_depth __attribute__((tls_model("initial-exec"))) = 0;

namespace {

cpu_set_t g_original_affinity;
bool g_pinned = false;

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
  Resolve(real.exit_fn, "exit");
  Resolve(real._exit_fn, "_exit");
  WEFT_RESOLVE(__libc_start_main);
  WEFT_RESOLVE(poll);
  WEFT_RESOLVE(ppoll);
  WEFT_RESOLVE(select);
  WEFT_RESOLVE(pselect);
  WEFT_RESOLVE(epoll_wait);
  WEFT_RESOLVE(epoll_pwait);
  WEFT_RESOLVE(sigwait);
  WEFT_RESOLVE(sigwaitinfo);
  WEFT_RESOLVE(sigtimedwait);
  WEFT_RESOLVE(sigsuspend);
  WEFT_RESOLVE(pause);
  WEFT_RESOLVE(pthread_kill);
  Resolve(real.kill_fn, "kill");
  Resolve(real.read_fn, "read");
  Resolve(real.write_fn, "write");
  WEFT_RESOLVE(writev);
  WEFT_RESOLVE(send);
  WEFT_RESOLVE(sendto);
  WEFT_RESOLVE(sendmsg);
  WEFT_RESOLVE(recv);
  WEFT_RESOLVE(recvfrom);
  WEFT_RESOLVE(recvmsg);
  WEFT_RESOLVE(accept);
  WEFT_RESOLVE(accept4);
  WEFT_RESOLVE(connect);
  WEFT_RESOLVE(shutdown);
  WEFT_RESOLVE(socketpair);
  WEFT_RESOLVE(waitpid);
  WEFT_RESOLVE(wait4);
  WEFT_RESOLVE(waitid);
  WEFT_RESOLVE(execve);
  WEFT_RESOLVE(execv);
  WEFT_RESOLVE(execvp);
  WEFT_RESOLVE(execvpe);
  WEFT_RESOLVE(fexecve);
  Resolve(real.open_fn, "open");
  WEFT_RESOLVE(open64);
  Resolve(real.openat_fn, "openat");
  WEFT_RESOLVE(openat64);
  WEFT_RESOLVE(creat);
  WEFT_RESOLVE(creat64);
  Resolve(real.fopen_fn, "fopen");
  WEFT_RESOLVE(fopen64);
  Resolve(real.fflush_fn, "fflush");
  WEFT_RESOLVE(fclose);
  WEFT_RESOLVE(pread);
  WEFT_RESOLVE(pread64);
  WEFT_RESOLVE(pwrite);
  WEFT_RESOLVE(pwrite64);
  WEFT_RESOLVE(ftruncate);
  WEFT_RESOLVE(ftruncate64);
  WEFT_RESOLVE(rename);
  WEFT_RESOLVE(unlink);
  WEFT_RESOLVE(flock);
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

// The scheduler's state, shared with the processes this one forks (control.h). Zeroed by
// the kernel; the first process is process 0, its main thread tid 0.
void MapSchedState(uint32_t pid) {
  long p = RawSyscall(SYS_mmap, 0, sizeof(SchedState), PROT_READ | PROT_WRITE,
                      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p < 0 && p > -4096) Die("cannot map the scheduler's state");
  g_sched = reinterpret_cast<SchedState*>(p);
  new (&g_sched->chooser) sched::Chooser();  // NB: in place: it is too big for the stack
  g_sched->early_fired = -1;
  g_sched->next_object_id = 1;
  g_sched->next_stack = 1;
  g_sched->processes[0].pid = pid;
  g_sched->processes[0].state = ProcessState::kLive;
  g_sched->processes[0].parent_tid = 0xffff;
  g_sched->process_count = 1;
  g_process = 0;
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
  // NB: at a fixed address, away from where the kernel places mappings: the session's size
  // depends on the schedule (a replay's script is in it), and a mapping the kernel placed
  // would move every later mapping of the program (a 1 MiB malloc would land elsewhere in a
  // replay than in its recording). Anywhere else only if that address is taken.
  constexpr long kSessionAddress = 0x100000000000;  // 16 TiB, below the mmap area
  constexpr long kFixedNoReplace = 0x100000;        // MAP_FIXED_NOREPLACE (Linux 4.17)
  long p = RawSyscall(SYS_mmap, kSessionAddress, st.st_size, PROT_READ | PROT_WRITE,
                      MAP_SHARED | kFixedNoReplace, fd, 0);
  if (p != kSessionAddress) {
    if (p >= 0 || p <= -4096) RawSyscall(SYS_munmap, p, st.st_size);  // an old kernel's hint
    p = RawSyscall(SYS_mmap, 0, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  }
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
  MapSchedState(static_cast<uint32_t>(pid));
  g_state = ShimState::kStarting;

  dl_iterate_phdr(FindShimRange, reinterpret_cast<void*>(&Start));
  RingInit();
  MemoryInit();
  AtomicSitesInit();
  ChannelInit();
  if (const char* error =
          g_sched->chooser.Init(s->schedule, reinterpret_cast<const uint8_t*>(s), s->size)) {
    Die(error);
  }
  g_sched->vnow = s->vtime;  // 0 on a fresh start; continues across an exec
  PinToCpu(s->cpu);

  RegisterMainThread();
  g_state = ShimState::kOn;
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

weft_session* Session() { return g_session; }

namespace {
constinit bool g_fork_child = false;
}  // namespace

bool InForkChild() { return g_fork_child; }

uint32_t OwnPid() { return g_sched->processes[g_process].pid; }

void MarkProcessLeft() { g_state = ShimState::kOff; }

void BecomeForkedProcess(Thread* main) {
  g_process = main->process;
  g_sched->processes[g_process].pid = static_cast<uint32_t>(RawSyscall(SYS_getpid));
  main->handle = pthread_self();
  WaitFirstTurn(main);
}

void MarkProcessUncontrolled() {
  g_state = ShimState::kOff;
  g_fork_child = true;
  if (g_pinned) {
    RawSyscall(SYS_sched_setaffinity, 0, sizeof(g_original_affinity),
               reinterpret_cast<long>(&g_original_affinity));
  }
}

}  // namespace weft::shim

// Start control as early as possible, before the program's own constructors run threads.
__attribute__((constructor)) static void WeftShimConstructor() {
  weft::shim::Guard guard;
  weft::shim::Controlled(guard);
}
