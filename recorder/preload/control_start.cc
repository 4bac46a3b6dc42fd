// control_start.cc — starting controlled mode: find the session the supervisor handed over,
// claim it for this process, resolve the real functions, pin the process, build the chooser
// from the session's schedule spec, register the main thread. Also the recursion guard and
// the check every hook makes first (Controlled).
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <new>

#include "channel_model.h"
#include "control.h"
#include "free_record.h"
#include "glibc_layout.h"
#include "inputs.h"
#include "interp_points.h"
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
// The session's ring head once start-up was done: a fork server whose ring moved on before
// main did something a run would have to see (fork_server.cc).
constinit uint64_t g_ring_head_at_start = 0;

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
  Resolve(real.fork_no_handlers, "_Fork");
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
  Resolve(real.chk_fail, "__chk_fail");
  Resolve(real.close_fn, "close");
  WEFT_RESOLVE(close_range);
  WEFT_RESOLVE(closefrom);
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
  WEFT_RESOLVE(listen);
  WEFT_RESOLVE(clone);
  Resolve(real.syscall_fn, "syscall");
  WEFT_RESOLVE(waitpid);
  WEFT_RESOLVE(wait4);
  WEFT_RESOLVE(waitid);
  WEFT_RESOLVE(execve);
  WEFT_RESOLVE(execv);
  WEFT_RESOLVE(execvp);
  WEFT_RESOLVE(execvpe);
  WEFT_RESOLVE(fexecve);
  WEFT_RESOLVE(posix_spawn);
  WEFT_RESOLVE(posix_spawnp);
  Resolve(real.system_fn, "system");
  WEFT_RESOLVE(popen);
  WEFT_RESOLVE(pclose);
  WEFT_RESOLVE(fdopen);
  WEFT_RESOLVE(fgets);
  WEFT_RESOLVE(fread);
  WEFT_RESOLVE(fread_unlocked);
  WEFT_RESOLVE(fgets_unlocked);
  Resolve(real.uflow, "__uflow");
  Resolve(real.ftrylockfile, "ftrylockfile");
  Resolve(real.funlockfile, "funlockfile");
  WEFT_RESOLVE(fgetc);
  WEFT_RESOLVE(getc);
  WEFT_RESOLVE(getline);
  WEFT_RESOLVE(getdelim);
  WEFT_RESOLVE(posix_spawn_file_actions_init);
  WEFT_RESOLVE(posix_spawn_file_actions_destroy);
  WEFT_RESOLVE(posix_spawn_file_actions_addclose);
  WEFT_RESOLVE(posix_spawn_file_actions_adddup2);
  WEFT_RESOLVE(posix_spawn_file_actions_addopen);
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
  WEFT_RESOLVE(readdir);
  WEFT_RESOLVE(readdir64);
  WEFT_RESOLVE(readdir_r);
  WEFT_RESOLVE(readdir64_r);
  WEFT_RESOLVE(closedir);
  WEFT_RESOLVE(dirfd);
  WEFT_RESOLVE(fcntl);
  WEFT_RESOLVE(fcntl64);
  WEFT_RESOLVE(lockf);
  WEFT_RESOLVE(lockf64);
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

constinit long g_session_fd = -1;
constinit uint64_t g_shared_offset = 0;  // in the session's memfd: where SharedPart 0 starts
constinit uint64_t g_session_dev = 0;
constinit uint64_t g_session_ino = 0;

// The shared parts follow the supervisor's region, 2 MiB aligned.
uint64_t SharedOffset(uint64_t session_size) {
  constexpr uint64_t kAlign = 1ull << 21;
  return (session_size + kAlign - 1) & ~(kAlign - 1);
}

// The scheduler's state, shared with every process of the session (control.h). Zeroed by
// the kernel (the memfd grows past the region: new bytes read as zero); the first process
// is process 0, its main thread tid 0.
// `at` != nullptr: at that address, in place of what is mapped there (a fork server's child:
// the run's state replaces the server's).
void MapSchedState(uint32_t pid, void* at = nullptr) {
  static_assert(sizeof(SchedState) <= kSharedPartBytes);
  // NB: the parts are sparse: a page costs memory only once it is touched.
  if (RawSyscall(SYS_ftruncate, g_session_fd,
                 static_cast<long>(g_shared_offset + 3 * kSharedPartBytes)) != 0) {
    Die("cannot grow the session memory for the scheduler's state");
  }
  g_sched = static_cast<SchedState*>(MapShared(SharedPart::kSched, sizeof(SchedState), at));
  if (g_sched == nullptr) Die("cannot map the scheduler's state");
  new (&g_sched->chooser) sched::Chooser();  // NB: in place: it is too big for the stack
  g_sched->early_fired = -1;
  g_sched->late_ns = 0;
  g_sched->random_next = 0;
  g_sched->next_object_id = 1;
  g_sched->next_stack = 1;
  g_sched->images = 0;
  g_sched->processes[0].image = 0;
  g_sched->processes[0].pid = pid;
  g_sched->processes[0].state = ProcessState::kLive;
  g_sched->processes[0].parent_tid = 0xffff;
  g_sched->process_count = 1;
  g_sched->session_address = reinterpret_cast<uint64_t>(g_session);
  g_process = 0;
}

// Maps the session region (`size` bytes of the memfd) at `address`, nullptr if it cannot.
weft_session* MapSession(long fd, uint64_t size, long address, bool anywhere) {
  constexpr long kFixedNoReplace = 0x100000;  // MAP_FIXED_NOREPLACE (Linux 4.17)
  long p = RawSyscall(SYS_mmap, address, static_cast<long>(size), PROT_READ | PROT_WRITE,
                      MAP_SHARED | kFixedNoReplace, fd, 0);
  if (p != address) {
    if (p >= 0 || p <= -4096) RawSyscall(SYS_munmap, p, static_cast<long>(size));  // a hint
    if (!anywhere) return nullptr;
    p = RawSyscall(SYS_mmap, 0, static_cast<long>(size), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  }
  if (p < 0 && p > -4096) return nullptr;
  return reinterpret_cast<weft_session*>(p);
}

// The per-process part of starting: what a new image sets up for itself, whether it is the
// first process or one that rejoins the session after exec.
void StartProcess() {
  dl_iterate_phdr(FindShimRange, reinterpret_cast<void*>(&MapSession));
  RingInit();
  MemoryInit();
  AtomicSitesInit();
}

// The first process of the session: claims it, sets up the shared state and the chooser.
void StartFirst(weft_session* s, uint32_t pid) {
  g_session = s;
  if (s->mode == WEFT_MODE_FORK_SERVER) NoteStartFds();
  RequireGlibcLayout();
  MapSchedState(pid);
  g_state = ShimState::kStarting;
  StartProcess();
  ChannelInit();
  if (const char* error =
          g_sched->chooser.Init(s->schedule, reinterpret_cast<const uint8_t*>(s), s->size)) {
    Die(error);
  }
  g_sched->vnow = s->vtime;  // 0: a fresh start
  PinToCpu(s->cpu);
  g_sched->pinned = g_pinned;
  g_sched->original_affinity = g_original_affinity;

  RegisterMainThread();
  InputsInit();
  InterpPointsInit();
  g_ring_head_at_start = s->ring_head;
  g_state = ShimState::kOn;
}

// A free recording (free_record.h): no chooser, no pinning, no virtual time; the threads run
// as they would without weft. NB: the scheduler's state gets no kSchedMagic: a new image
// after an exec does not rejoin (a free recording is of one process).
void StartFree(weft_session* s, uint32_t pid) {
  g_session = s;
  RequireGlibcLayout();
  MapSchedState(pid);
  RingInit();
  FreeStart();
  InputsInit();
  g_state = ShimState::kFree;
}

// The new image of process `index`, whose thread exec_tid called exec holding the turn
// (hooks_exec.cc): that thread goes on under control, in the same session, still holding
// the turn; the EXEC event is its first.
void RejoinAfterExec(weft_session* s, uint16_t index) {
  g_session = s;
  RequireGlibcLayout();
  g_process = index;
  g_state = ShimState::kStarting;
  StartProcess();
  g_pinned = g_sched->pinned;  // the affinity itself survived the exec
  g_original_affinity = g_sched->original_affinity;
  Process& p = g_sched->processes[index];
  Thread* self = &g_sched->threads[p.exec_tid];
  EndOtherThreadsOf(index, self);  // the kernel ended them at the exec
  p.state = ProcessState::kLive;
  p.spawning = 0;               // a parent in posix_spawn may go on (hooks_spawn.cc)
  p.image = ++g_sched->images;  // NB: before any stack of the new image is interned
  t_self = self;
  self->os_tid = Gettid();  // (a thread other than the main one that execs takes the pid)
  self->handle = pthread_self();
  InputsInit();  // NB: a replay feeds the new image's directory entries too
  InterpPointsInit();
  g_state = ShimState::kOn;
  Emit(self, WEFT_EV_EXEC, 0, 0, 1);
}

// Starts controlled mode if this process is one the session is for. Runs on the main
// thread before other threads exist (from the constructor or the first hook).
void Start() {
  g_state = ShimState::kOff;
  ResolveReal();
  long fd = ParseFd(getenv(WEFT_ENV_SESSION_FD));
  if (fd < 0) return;
  struct stat st;
  if (RawSyscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0) return;
  if (static_cast<uint64_t>(st.st_size) < sizeof(weft_session)) return;
  // The region's identity, read before it is mapped (its size says where to map what).
  struct {
    uint64_t magic;
    uint32_t protocol;
    uint32_t reserved0;
    uint64_t size;
  } head;
  static_assert(offsetof(weft_session, protocol) == 8 && offsetof(weft_session, size) == 16);
  if (RawSyscall(SYS_pread64, fd, reinterpret_cast<long>(&head), sizeof(head), 0) !=
      static_cast<long>(sizeof(head))) {
    return;
  }
  if (head.magic != WEFT_SESSION_MAGIC) return;
  if (head.protocol != WEFT_SHIM_PROTOCOL_VERSION) {
    WriteStderr(
        "weft shim: session protocol mismatch between weft and libweft_preload.so; "
        "reinstall weft\n");
    return;
  }
  if (head.size < sizeof(weft_session) || head.size > static_cast<uint64_t>(st.st_size)) return;
  g_session_fd = fd;
  g_session_dev = st.st_dev;
  g_session_ino = st.st_ino;
  g_shared_offset = SharedOffset(head.size);
  uint32_t pid = static_cast<uint32_t>(RawSyscall(SYS_getpid));

  if (static_cast<uint64_t>(st.st_size) > g_shared_offset) {
    // A process of the session made the shared state: this is a new image after an exec.
    auto* sched = static_cast<SchedState*>(MapShared(SharedPart::kSched, sizeof(SchedState)));
    if (sched == nullptr) return;
    int16_t index = -1;
    if (sched->magic == kSchedMagic) {
      for (uint32_t i = 0; i < sched->process_count && i < kMaxProcesses; ++i) {
        if (sched->processes[i].pid == pid && sched->processes[i].state == ProcessState::kExecing)
          index = static_cast<int16_t>(i);
      }
    }
    if (index < 0) {  // not a process of the session (a child of an uncontrolled one)
      RawSyscall(SYS_munmap, reinterpret_cast<long>(sched), sizeof(SchedState));
      return;
    }
    g_sched = sched;
    // NB: where the first process mapped it: the chooser reads the script through pointers.
    weft_session* s =
        MapSession(fd, head.size, static_cast<long>(sched->session_address), /*anywhere=*/false);
    if (s == nullptr) Die("cannot map the session memory after exec where the session has it");
    RejoinAfterExec(s, static_cast<uint16_t>(index));
    return;
  }

  // NB: at a fixed address, away from where the kernel places mappings: the session's size
  // depends on the schedule (a replay's script is in it), and a mapping the kernel placed
  // would move every later mapping of the program (a 1 MiB malloc would land elsewhere in a
  // replay than in its recording). Anywhere else only if that address is taken.
  constexpr long kSessionAddress = 0x100000000000;  // 16 TiB, below the mmap area
  weft_session* s = MapSession(fd, head.size, kSessionAddress, /*anywhere=*/true);
  if (s == nullptr) return;
  // Only the first process claims the session; the processes it starts join it (fork,
  // exec) or run uncontrolled.
  uint32_t expected = 0;
  if (!__atomic_compare_exchange_n(&s->claimed_pid, &expected, pid, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    return;
  }
  if (s->mode == WEFT_MODE_FREE) {
    StartFree(s, pid);
    return;
  }
  if (s->mode != WEFT_MODE_CONTROLLED && s->mode != WEFT_MODE_FORK_SERVER) return;
  StartFirst(s, pid);
  g_sched->magic = kSchedMagic;
}

}  // namespace

// ---- guard ----
// NB: only under control: a free recording has no turn to take.
Guard::Guard() : outermost_(t_depth++ == 0) {
  if (outermost_ && g_state == ShimState::kOn && t_self != nullptr) EnterShim(t_self);
}
Guard::~Guard() {
  if (--t_depth == 0 && g_state == ShimState::kOn && t_self != nullptr) LeaveShim(t_self);
}

bool Controlled(const Guard& guard) {
  if (g_state == ShimState::kUninit) Start();
  return g_state == ShimState::kOn && guard.outermost() && t_self != nullptr &&
         t_self->state == SlotState::kLive;
}

weft_session* Session() { return g_session; }

long SessionFd() { return g_session_fd; }

bool SessionFdInherited() {
  struct stat st;
  if (g_session_fd < 0 || RawSyscall(SYS_fstat, g_session_fd, reinterpret_cast<long>(&st)) != 0 ||
      st.st_dev != g_session_dev || st.st_ino != g_session_ino) {
    return false;
  }
  long flags = RawSyscall(SYS_fcntl, g_session_fd, F_GETFD);
  return flags >= 0 && (flags & FD_CLOEXEC) == 0;
}

void* MapShared(SharedPart part, uint64_t bytes, void* at) {
  if (g_session_fd < 0 || bytes > kSharedPartBytes) return nullptr;
  long offset = static_cast<long>(g_shared_offset + static_cast<uint64_t>(part) * kSharedPartBytes);
  long p = RawSyscall(SYS_mmap, reinterpret_cast<long>(at), static_cast<long>(bytes),
                      PROT_READ | PROT_WRITE, MAP_SHARED | (at != nullptr ? MAP_FIXED : 0),
                      g_session_fd, offset);
  return p < 0 && p > -4096 ? nullptr : reinterpret_cast<void*>(p);
}

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

namespace weft::shim {

uint64_t RingHeadAtStart() { return g_ring_head_at_start; }

void UnpinForkServer() {
  if (!g_pinned) return;
  RawSyscall(SYS_sched_setaffinity, 0, sizeof(g_original_affinity),
             reinterpret_cast<long>(&g_original_affinity));
  g_pinned = false;
}

namespace {

// Writes the pages of shared part `part` that hold data in the session's memfd (the
// server's: holes read as zeroes in the run's too) from their mapping `mapped` (`bytes`
// long) into the run's memfd `run_fd`, whose shared parts start at `run_shared`.
void CopyPart(SharedPart part, const void* mapped, uint64_t bytes, long run_fd,
              uint64_t run_shared) {
  const uint64_t from = g_shared_offset + static_cast<uint64_t>(part) * kSharedPartBytes;
  const uint64_t to = run_shared + static_cast<uint64_t>(part) * kSharedPartBytes;
  for (uint64_t off = 0; off < bytes;) {
    long data = RawSyscall(SYS_lseek, g_session_fd, static_cast<long>(from + off), SEEK_DATA);
    if (data < 0) return;  // no data past off
    const uint64_t begin = static_cast<uint64_t>(data) - from;
    if (begin >= bytes) return;
    long hole = RawSyscall(SYS_lseek, g_session_fd, data, SEEK_HOLE);
    uint64_t end = hole < 0 ? bytes : static_cast<uint64_t>(hole) - from;
    if (end > bytes) end = bytes;
    for (uint64_t at = begin; at < end;) {
      long n = RawSyscall(SYS_pwrite64, run_fd,
                          reinterpret_cast<long>(static_cast<const uint8_t*>(mapped) + at),
                          static_cast<long>(end - at), static_cast<long>(to + at));
      if (n == -EINTR) continue;
      if (n <= 0) Die("the fork server's child cannot copy the prefix's state into its run's");
      at += static_cast<uint64_t>(n);
    }
    off = end;
  }
}

}  // namespace

void CopySharedState(long run_fd, uint64_t run_size) {
  const uint64_t run_shared = SharedOffset(run_size);
  if (RawSyscall(SYS_ftruncate, run_fd, static_cast<long>(run_shared + 3 * kSharedPartBytes)) !=
      0) {
    Die("cannot grow the session memory for the scheduler's state");
  }
  CopyPart(SharedPart::kSched, g_sched, sizeof(SchedState), run_fd, run_shared);
  uint64_t bytes = 0;
  if (const void* objects = ObjectTable(&bytes)) {
    CopyPart(SharedPart::kObjects, objects, bytes, run_fd, run_shared);
  }
}

void TakeOverSession(uint32_t pid, bool late) {
  weft_session* run = g_session;
  struct stat st;
  if (RawSyscall(SYS_fstat, g_session_fd, reinterpret_cast<long>(&st)) != 0) {
    Die("the fork server's child lost its session");
  }
  g_session_dev = st.st_dev;
  g_session_ino = st.st_ino;
  g_shared_offset = SharedOffset(run->size);
  g_state = ShimState::kStarting;
  if (!late) {
    MapSchedState(pid, g_sched);
    ResetObjectTable();
    RingInit();
  } else {
    // The prefix's state, copied into the run's memfd, where the server's was mapped.
    if (MapShared(SharedPart::kSched, sizeof(SchedState), g_sched) != g_sched) {
      Die("cannot map the scheduler's state");
    }
    ResetObjectTable();
    g_sched->processes[0].pid = pid;
    Thread* main = &g_sched->threads[0];
    main->os_tid = Gettid();
    main->seen_holder = kNoThread;
    main->seen_events = 0;
    main->seen_ns = 0;
    new (&g_sched->chooser) sched::Chooser();
    RingInit();
    CopyPrefixRecords();
  }
  ChannelInit();
  if (const char* error =
          g_sched->chooser.Init(run->schedule, reinterpret_cast<const uint8_t*>(run), run->size)) {
    Die(error);
  }
  if (late) {
    FeedPrefix(&g_sched->chooser);
  } else {
    g_sched->vnow = run->vtime;
  }
  PinToCpu(run->cpu);  // NB: the server is not pinned (UnpinForkServer): as at start-up
  g_sched->pinned = g_pinned;
  g_sched->original_affinity = g_original_affinity;
  if (!late) {
    RegisterMainThread();
  } else {
    run->threads = g_sched->thread_count;
    UpdateStatus();
  }
  InputsInit();
  g_sched->magic = kSchedMagic;
  g_state = ShimState::kOn;
}

}  // namespace weft::shim
