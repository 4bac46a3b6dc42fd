// shim.h — internal interface of libweft_preload.so. Everything here runs inside the
// target: no exceptions, no RTTI, no STL, no allocation in hooks, raw syscalls where libc
// could re-enter the shim. Only shim_abi.h is shared with the supervisor.
#pragma once

#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>

#include "weft/shim_abi.h"

// The shim must not use libc's memcpy & co. through the PLT in places where the target
// might have interposed them; use the local helpers below.
#define WEFT_HIDDEN __attribute__((visibility("hidden")))
#define WEFT_EXPORT extern "C" __attribute__((visibility("default")))

namespace weft::shim {

inline constexpr uint64_t kNoDeadline = ~0ull;
inline constexpr uint32_t kMaxThreads = WEFT_MAX_THREADS;  // the ABI's one thread limit
inline constexpr int16_t kNoThread = -1;

// ---- raw system calls (never re-enter libc or the shim) ----
long RawSyscall(long n, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0, long f = 0);
int FutexWait(volatile uint32_t* word, uint32_t expected);
void FutexWake(volatile uint32_t* word, int count);
pid_t Gettid();
void WriteStderr(const char* text);
[[noreturn]] void Die(const char* text);
void CopyBytes(void* dst, const void* src, size_t n);
void ZeroBytes(void* dst, size_t n);
size_t StrLen(const char* s);
// `p == nullptr` for a parameter glibc declares nonnull: the empty asm hides the pointer's
// provenance, so the compiler cannot drop the check (programs do pass null by mistake).
inline bool IsNull(const void* p) {
  asm("" : "+r"(p));
  return p == nullptr;
}

// ---- the real functions, resolved with dlsym(RTLD_NEXT) at start-up ----
struct RealFunctions {
  int (*pthread_create)(pthread_t*, const pthread_attr_t*, void* (*)(void*), void*);
  int (*pthread_join)(pthread_t, void**);
  int (*pthread_tryjoin_np)(pthread_t, void**);
  int (*pthread_timedjoin_np)(pthread_t, void**, const struct timespec*);
  int (*pthread_clockjoin_np)(pthread_t, void**, clockid_t, const struct timespec*);
  int (*pthread_detach)(pthread_t);
  void (*pthread_exit)(void*) __attribute__((noreturn));
  int (*pthread_setname_np)(pthread_t, const char*);
  int (*pthread_mutex_init)(pthread_mutex_t*, const pthread_mutexattr_t*);
  int (*pthread_mutex_destroy)(pthread_mutex_t*);
  int (*pthread_mutex_lock)(pthread_mutex_t*);
  int (*pthread_mutex_trylock)(pthread_mutex_t*);
  int (*pthread_mutex_timedlock)(pthread_mutex_t*, const struct timespec*);
  int (*pthread_mutex_clocklock)(pthread_mutex_t*, clockid_t, const struct timespec*);
  int (*pthread_mutex_unlock)(pthread_mutex_t*);
  int (*pthread_rwlock_init)(pthread_rwlock_t*, const pthread_rwlockattr_t*);
  int (*pthread_rwlock_destroy)(pthread_rwlock_t*);
  int (*pthread_rwlock_rdlock)(pthread_rwlock_t*);
  int (*pthread_rwlock_tryrdlock)(pthread_rwlock_t*);
  int (*pthread_rwlock_timedrdlock)(pthread_rwlock_t*, const struct timespec*);
  int (*pthread_rwlock_clockrdlock)(pthread_rwlock_t*, clockid_t, const struct timespec*);
  int (*pthread_rwlock_wrlock)(pthread_rwlock_t*);
  int (*pthread_rwlock_trywrlock)(pthread_rwlock_t*);
  int (*pthread_rwlock_timedwrlock)(pthread_rwlock_t*, const struct timespec*);
  int (*pthread_rwlock_clockwrlock)(pthread_rwlock_t*, clockid_t, const struct timespec*);
  int (*pthread_rwlock_unlock)(pthread_rwlock_t*);
  int (*pthread_cond_init)(pthread_cond_t*, const pthread_condattr_t*);
  int (*pthread_cond_destroy)(pthread_cond_t*);
  int (*pthread_cond_wait)(pthread_cond_t*, pthread_mutex_t*);
  int (*pthread_cond_timedwait)(pthread_cond_t*, pthread_mutex_t*, const struct timespec*);
  int (*pthread_cond_clockwait)(pthread_cond_t*, pthread_mutex_t*, clockid_t,
                                const struct timespec*);
  int (*pthread_cond_signal)(pthread_cond_t*);
  int (*pthread_cond_broadcast)(pthread_cond_t*);
  int (*sem_init)(sem_t*, int, unsigned);
  int (*sem_destroy)(sem_t*);
  int (*sem_wait)(sem_t*);
  int (*sem_trywait)(sem_t*);
  int (*sem_timedwait)(sem_t*, const struct timespec*);
  int (*sem_clockwait)(sem_t*, clockid_t, const struct timespec*);
  int (*sem_post)(sem_t*);
  int (*sem_getvalue)(sem_t*, int*);
  int (*pthread_barrier_init)(pthread_barrier_t*, const pthread_barrierattr_t*, unsigned);
  int (*pthread_barrier_destroy)(pthread_barrier_t*);
  int (*pthread_barrier_wait)(pthread_barrier_t*);
  int (*pthread_once)(pthread_once_t*, void (*)(void));
  int (*pthread_spin_init)(pthread_spinlock_t*, int);
  int (*pthread_spin_destroy)(pthread_spinlock_t*);
  int (*pthread_spin_lock)(pthread_spinlock_t*);
  int (*pthread_spin_trylock)(pthread_spinlock_t*);
  int (*pthread_spin_unlock)(pthread_spinlock_t*);
  unsigned (*sleep)(unsigned);
  int (*usleep)(useconds_t);
  int (*nanosleep)(const struct timespec*, struct timespec*);
  int (*clock_nanosleep)(clockid_t, int, const struct timespec*, struct timespec*);
  int (*sched_yield)(void);
  int (*clock_gettime)(clockid_t, struct timespec*);
  int (*gettimeofday)(struct timeval*, void*);
  time_t (*time)(time_t*);
  pid_t (*fork)(void);
  int (*clone)(int (*)(void*), void*, int, void*, ...);
  long (*syscall_fn)(long, ...);
  // glibc's fork without atfork handlers (2.34+; nullptr before): the fork server's fork.
  // NB: resolved at every start-up, fork server or not, so that the heap at main is the same.
  pid_t (*fork_no_handlers)();
  // Names poison.h reserves get a _fn suffix (the shim defines hooks by those names).
  void (*exit_fn)(int) __attribute__((noreturn));
  void (*_exit_fn)(int) __attribute__((noreturn));
  int (*__libc_start_main)(int (*)(int, char**, char**), int, char**, void (*)(void),
                           void (*)(void), void (*)(void), void*);
  int (*poll)(struct pollfd*, nfds_t, int);
  int (*ppoll)(struct pollfd*, nfds_t, const struct timespec*, const sigset_t*);
  int (*select)(int, fd_set*, fd_set*, fd_set*, struct timeval*);
  int (*pselect)(int, fd_set*, fd_set*, fd_set*, const struct timespec*, const sigset_t*);
  int (*epoll_wait)(int, struct epoll_event*, int, int);
  int (*epoll_pwait)(int, struct epoll_event*, int, int, const sigset_t*);
  int (*sigwait)(const sigset_t*, int*);
  int (*sigwaitinfo)(const sigset_t*, siginfo_t*);
  int (*sigtimedwait)(const sigset_t*, siginfo_t*, const struct timespec*);
  int (*sigsuspend)(const sigset_t*);
  int (*pause)(void);
  int (*pthread_kill)(pthread_t, int);
  int (*kill_fn)(pid_t, int);
  ssize_t (*read_fn)(int, void*, size_t);
  void (*chk_fail)();  // glibc's __chk_fail: a fortified call's overflow (hooks_fortify.cc)
  ssize_t (*write_fn)(int, const void*, size_t);
  ssize_t (*writev)(int, const struct iovec*, int);
  ssize_t (*send)(int, const void*, size_t, int);
  ssize_t (*sendto)(int, const void*, size_t, int, const struct sockaddr*, socklen_t);
  ssize_t (*sendmsg)(int, const struct msghdr*, int);
  ssize_t (*recv)(int, void*, size_t, int);
  ssize_t (*recvfrom)(int, void*, size_t, int, struct sockaddr*, socklen_t*);
  ssize_t (*recvmsg)(int, struct msghdr*, int);
  int (*accept)(int, struct sockaddr*, socklen_t*);
  int (*accept4)(int, struct sockaddr*, socklen_t*, int);
  int (*connect)(int, const struct sockaddr*, socklen_t);
  int (*shutdown)(int, int);
  int (*socketpair)(int, int, int, int[2]);
  int (*listen)(int, int);  // a controlled server's listen is noted (ServerWaitOver)
  pid_t (*waitpid)(pid_t, int*, int);
  pid_t (*wait4)(pid_t, int*, int, struct rusage*);
  int (*waitid)(idtype_t, id_t, siginfo_t*, int);
  int (*execve)(const char*, char* const[], char* const[]);
  int (*execv)(const char*, char* const[]);
  int (*execvp)(const char*, char* const[]);
  int (*execvpe)(const char*, char* const[], char* const[]);
  int (*fexecve)(int, char* const[], char* const[]);
  int (*posix_spawn)(pid_t*, const char*, const posix_spawn_file_actions_t*,
                     const posix_spawnattr_t*, char* const[], char* const[]);
  int (*posix_spawnp)(pid_t*, const char*, const posix_spawn_file_actions_t*,
                      const posix_spawnattr_t*, char* const[], char* const[]);
  int (*system_fn)(const char*);
  FILE* (*popen)(const char*, const char*);
  int (*pclose)(FILE*);
  FILE* (*fdopen)(int, const char*);
  char* (*fgets)(char*, int, FILE*);
  size_t (*fread)(void*, size_t, size_t, FILE*);
  size_t (*fread_unlocked)(void*, size_t, size_t, FILE*);
  char* (*fgets_unlocked)(char*, int, FILE*);
  int (*uflow)(FILE*);         // __uflow: a stream's next character when its buffer is empty
  int (*ftrylockfile)(FILE*);  // FillLine moves a stream's buffer only holding its lock
  void (*funlockfile)(FILE*);
  int (*fgetc)(FILE*);
  int (*getc)(FILE*);
  ssize_t (*getline)(char**, size_t*, FILE*);
  ssize_t (*getdelim)(char**, size_t*, int, FILE*);
  // The glibc layout check of posix_spawn's file actions (glibc_layout.cc), on a probe.
  int (*posix_spawn_file_actions_init)(posix_spawn_file_actions_t*);
  int (*posix_spawn_file_actions_destroy)(posix_spawn_file_actions_t*);
  int (*posix_spawn_file_actions_addclose)(posix_spawn_file_actions_t*, int);
  int (*posix_spawn_file_actions_adddup2)(posix_spawn_file_actions_t*, int, int);
  int (*posix_spawn_file_actions_addopen)(posix_spawn_file_actions_t*, int, const char*, int,
                                          mode_t);
  int (*open_fn)(const char*, int, ...);
  int (*open64)(const char*, int, ...);
  int (*openat_fn)(int, const char*, int, ...);
  int (*openat64)(int, const char*, int, ...);
  int (*creat)(const char*, mode_t);
  int (*creat64)(const char*, mode_t);
  FILE* (*fopen_fn)(const char*, const char*);
  FILE* (*fopen64)(const char*, const char*);
  int (*fflush_fn)(FILE*);
  int (*fclose)(FILE*);
  ssize_t (*pread)(int, void*, size_t, off_t);
  ssize_t (*pread64)(int, void*, size_t, off64_t);
  ssize_t (*pwrite)(int, const void*, size_t, off_t);
  ssize_t (*pwrite64)(int, const void*, size_t, off64_t);
  int (*ftruncate)(int, off_t);
  int (*ftruncate64)(int, off64_t);
  int (*rename)(const char*, const char*);
  int (*unlink)(const char*);
  int (*flock)(int, int);
  struct dirent* (*readdir)(DIR*);
  struct dirent64* (*readdir64)(DIR*);
  int (*readdir_r)(DIR*, struct dirent*, struct dirent**);
  int (*readdir64_r)(DIR*, struct dirent64*, struct dirent64**);
  int (*closedir)(DIR*);
  int (*dirfd)(DIR*);
  int (*fcntl)(int, int, ...);  // its record-lock commands are file locks (hooks_file.cc)
  int (*fcntl64)(int, int, ...);
  int (*lockf)(int, int, off_t);
  int (*lockf64)(int, int, off64_t);
  int (*close_fn)(int);
  int (*close_range)(unsigned, unsigned, int);
  void (*closefrom)(int);
};
WEFT_HIDDEN extern RealFunctions real;

// ---- per-thread recursion guard ----
// Held while the shim runs on a thread: any intercepted call made meanwhile (by libunwind,
// by dlsym, by the shim itself) goes straight to the real function.
class Guard {
 public:
  Guard();
  ~Guard();
  // True when this thread entered the shim from outside (not a nested call).
  bool outermost() const { return outermost_; }

 private:
  bool outermost_;
};

// ---- the controlled thread ----
enum class SlotState : uint8_t { kFree, kLive, kExited };

// The operation a thread waits to perform at its schedule point.
struct Op {
  uint8_t kind = WEFT_EV_NONE;      // weft_event_kind
  uint16_t flags = 0;               // WEFT_F_*
  void* addr = nullptr;             // the object
  void* addr2 = nullptr;            // the mutex of a condition wait
  uint32_t obj = 0;                 // object id of addr
  uint64_t deadline = kNoDeadline;  // virtual ns
  int64_t arg = 0;
  // Waits (SIGNAL_WAIT, POLL): what the thread waits for. POLL: `wait` is a WaitKind,
  // addr the pollfds (poll) or the read set (select), addr2 / addr3 the write / except
  // sets, arg the count (nfds) or the epoll fd. SIGNAL_WAIT: `mask` the signals that end
  // the wait (kernel sigset bits).
  uint8_t wait = 0;
  void* addr3 = nullptr;
  uint64_t mask = 0;
};

// What a POLL operation waits in.
// kWaitFd: one descriptor (arg) for the poll events in `mask`: a blocking read, recv,
// accept whose descriptor had nothing ready.
// kWaitChild: a wait for a child process (waitpid, wait4, waitid) that found none to reap:
// waitid's idtype in `arg`, its id in the low 32 bits of `mask`, its options in the high 32.
enum WaitKind : uint8_t {
  kWaitPoll = 1,
  kWaitSelect = 2,
  kWaitEpoll = 3,
  kWaitFd = 4,
  kWaitChild = 5,
  kWaitListen = 6,  // connect: a listener on port `arg` (TCP), since real time `mask` (ns)
  // The turn was taken from the thread while it was blocked outside the shim (RunState): it
  // waits to come back, and is enabled once it has (kRunRejoin).
  kWaitTaken = 7,
  // A parent that started a child with posix_spawn, system, popen or vfork: until process
  // `arg` of the session has exec'd (its new image rejoined or left control) or ended
  // (hooks_spawn.cc). Modelled from the shared process table, not probed.
  kWaitSpawn = 8,
  // connect: a listener on loopback port `arg` while other threads of the session run (a
  // server under control that has not listened yet); `mask` 1 once nothing else could run
  // (the connect then fails, as it would), 2 once a listener was seen. Judged from the
  // session's own listens, else the kernel's table of listeners, by any process
  // (channel_model.h: ServerWaitOver).
  kWaitServer = 9
};

// Where a controlled thread is, for taking the turn from a holder that blocks in a call weft
// does not model (a raw futex of a lock of its own, stdio's internal write to a full pipe):
// a waiter takes the turn only from a holder in kRunUser (CAS to kRunTaken); the holder
// moves kRunUser -> kRunShim by CAS at its next outermost shim entry, so exactly one of the
// two wins. NB: 0 is kRunShim: a registered thread is in the shim until it first runs.
enum RunState : uint32_t {
  kRunShim = 0,    // in the shim (or not yet run)
  kRunUser = 1,    // running the program's code
  kRunTaken = 2,   // its turn was taken while it was in the program's code; it runs on
                   // in parallel, uncontrolled, until it enters the shim again
  kRunRejoin = 3,  // it entered the shim again and waits to be picked (then kRunShim)
};

struct Thread {
  uint16_t tid;
  SlotState state;
  bool woken;  // a condition/futex wait was chosen by a wake-up
  bool detached;
  volatile uint32_t go;  // futex word: set to 1 when this thread is given the turn
  pid_t os_tid;
  pthread_t handle;
  uint32_t handle_obj;
  uint16_t picked_enabled;  // enabled count of the decision that picked this thread
  Op op;
  uint32_t op_stack;  // stack of the pending operation
  void* (*start_routine)(void*);
  void* start_arg;
  uint64_t wait_generation;  // barrier generation at arrival
  uint64_t events_done;      // events this thread has performed
  uint16_t parent;           // the thread that created it (itself for the main thread)
  uint64_t created_at;       // events emitted when it was registered (before its creation)
  // Signal waits: set to 1 (by the thread itself, parked, or by a controlled sender) when a
  // signal of op.mask is pending for it; read by the thread deciding.
  volatile uint32_t signalled;
  // The wait ended because of something outside the controlled threads: the event gets
  // WEFT_F_EXTERNAL.
  bool external;
  // The deadline of the pending operation passed while it could not complete: it has timed
  // out, whatever happens before the thread runs (a signal, an unlock, a join target's
  // exit no longer counts). Set by Pick, cleared at the next schedule point.
  bool expired;
  // Its process (index into the session's process table, control.h).
  uint16_t process;
  // Whether its operation can complete, as its own process last judged (a decision taken in
  // another process cannot read this process's memory): now, and once its deadline comes.
  // Written by its process whenever the turn leaves it (PublishEnabled).
  bool enabled_cached;
  bool enabled_at_deadline_cached;
  // Handed the turn to judge its own process's threads afresh (nothing another process could
  // see was able to run): it decides again instead of performing its operation.
  bool refresh;
  // It waits for a file lock (FILE_LOCK) and another process released one on that file (an
  // unlock, a close that drops record locks, its exit) since its own process last judged it:
  // that process looks again before the next decision (file_model.h: NoteFileReleased).
  bool lock_stale;
  // It waits for a record lock that a process outside the session holds (its last probe
  // asked the kernel who, F_GETLK): only real time can end the wait, not a deadlock.
  bool lock_outside;
  // A replay that feeds recorded inputs (inputs.h): where its next one may be in the
  // session's table (every entry before it is another thread's or taken).
  uint64_t input_next;
  volatile uint32_t run_state;  // RunState
  // What this thread saw when it last looked at the turn's holder while waiting
  // (TakeTurnFromBlockedHolder): the holder is stuck if both are the same a wait later.
  int32_t seen_holder;
  uint64_t seen_events;
  uint64_t seen_ns;  // monotonic
  // CPython's profile hook in this thread (interp_points.h): whether it is installed, the
  // calls it counted, the count of the thread's next point (kInterpRecompute: to be found
  // again), and whether a trace's script said where that is (found again after each event).
  bool interp_installed;
  bool interp_by_script;
  uint64_t interp_calls;
  uint64_t interp_next;
};
inline constexpr uint64_t kInterpRecompute = 0;

// ---- controlled mode (control.h lists the files) ----
// True when the calling thread is controlled (session active, thread registered, not
// nested in the shim). Does the lazy start-up.
bool Controlled(const Guard& guard);
Thread* Self();
Thread* ThreadByTid(int tid);
Thread* ThreadByHandle(pthread_t handle);
// Sets a new thread's handle (glibc reuses the handles of threads that are gone).
void SetHandle(Thread* t, pthread_t handle);
// Registers a new thread (pending, op THREAD_START) before the real pthread_create.
Thread* RegisterThread(uint16_t parent);
void UnregisterThread(Thread* t);  // pthread_create failed
// First thing a new controlled thread does: remember itself and wait to be picked.
void WaitFirstTurn(Thread* self);

// The schedule point. Records the pending op, lets the strategy pick among the enabled
// threads, hands the turn over, and returns when `self` is picked and its op is enabled.
void Schedule(Thread* self, const Op& op);
// The same with the operation's stack given (an instrumented access: its pc and the
// runtime's shadow stack) instead of unwound.
void ScheduleWithStack(Thread* self, const Op& op, uint32_t stack);
// The calling thread has finished: record nothing more, pick the next thread, hand over.
// Does not wait; the thread continues uncontrolled (to its real end).
void LeaveControl(Thread* self);

// Signal waits: whether a signal of `mask` is pending for the calling thread (or the
// process). The kernel sigset of a glibc sigset_t.
bool SignalPending(uint64_t mask);
uint64_t KernelSet(const sigset_t* set);
// A controlled thread sent `sig` to thread `target` (nullptr: to the process): the signal
// waiters it can end are marked signalled, so the next decision sees them (determinism).
void NoteSignalSent(Thread* target, int sig);
// The same for a signal sent to another process of the session (its index).
void NoteSignalSentToProcess(uint16_t process, int sig);

// A sleep of the calling controlled thread until virtual time `deadline` (nanosleep & co.,
// and a readiness wait on no descriptor): a SLEEP event, its end a decision.
void TimedSleep(uint64_t deadline, int64_t requested_ns);

// Emit the event of `self`'s op (after Schedule returned). Returns the event index.
uint64_t Emit(Thread* self, uint8_t kind, uint16_t flags, uint32_t obj, int64_t arg);
void EmitThreadRecord(const Thread* t, uint16_t parent);
void EmitName(uint16_t tid, const char* name);

// Wake-ups: choose waiters. Returns the number of waiters woken.
int WakeCondWaiters(Thread* self, void* cond, uint32_t obj, bool all, int16_t* woken_tid);
int WakeFutexWaiters(Thread* self, void* word, uint32_t obj, int count, uint32_t bitset);

// ---- objects (objects.cc) ----
struct Object {
  uint64_t addr;  // 0 = empty, 1 = tombstone
  uint32_t id;
  uint8_t kind;         // weft_object_kind
  uint8_t once_state;   // pthread_once: 0 new, 1 running, 2 done
  int16_t owner;        // rwlock writer / spinlock owner / once runner, kNoThread if none
  uint32_t readers;     // rwlock readers
  uint32_t count;       // barrier: threads needed
  uint32_t arrived;     // barrier: threads arrived in this generation
  uint32_t generation;  // barrier generation
};
// The object at `addr`, created (with a new id, recorded in the ring) on first use.
Object* ObjectFor(const void* addr, uint8_t kind, uint64_t aux = 0);
// The same, but nullptr instead of a fatal error when the table is full.
Object* TryObjectFor(const void* addr, uint8_t kind, uint64_t aux = 0);
// The object at `addr` if it exists.
Object* FindObject(const void* addr);
// The id of the object at `addr` if it has one, else 0: safe beside the one thread that
// creates objects (a free recording's threads look up without its lock, then create under it).
uint32_t PublishedObjectId(const void* addr, uint8_t kind);
// Forget the object (on destroy/init): the next use gets a new id.
void ForgetObject(const void* addr);
// The object id of the file with `device` and `inode` (the same in every process of the
// session), 0 when the table is full.
// `path` names it in the trace when this is its first use (may be null).
uint32_t FileObjectId(uint64_t device, uint64_t inode, const char* path);
// The file with `device` and `inode` is gone (its last name removed): the next use of that
// inode is a new object.
void ForgetFileObject(uint64_t device, uint64_t inode);
// The object id of the channel (a pipe, a socket's service: channel_model.h) with `key`
// (the same in every process), its record's address `address`, named `name` in the trace
// at its first use; 0 when the table is full.
uint32_t ChannelObjectId(uint64_t key, uint64_t address, const char* name);

// ---- virtual time (virtual_time.cc) ----
uint64_t VirtualNow();
// Converts an absolute timespec on `clock` to a virtual deadline; kNoDeadline if null.
uint64_t DeadlineFromAbs(clockid_t clock, const struct timespec* abs);
uint64_t DeadlineFromRel(const struct timespec* rel);
bool IsVirtualClock(clockid_t clock);
void VirtualClock(clockid_t clock, struct timespec* ts);

// ---- session (control_start.cc; glibc_mutex.cc) ----
weft_session* Session();
void MarkProcessUncontrolled();  // in a fork child
void MarkProcessLeft();          // this process left control (LeaveProcess)
// syscall(2) of fork, vfork, clone or clone3 by a controlled thread (hooks_spawn.cc): true
// when it made the call, *result then the call's (-1 and errno on failure).
bool ProcessSyscall(long number, long a1, long a2, long a3, long a4, long a5, long a6,
                    long* result);
// True in a process forked from the controlled one (it runs uncontrolled).
bool InForkChild();
// The real-glibc owner of a mutex as a weft tid, kNoThread if unlocked/unknown.
int16_t MutexHolder(pthread_mutex_t* m);
bool MutexAvailable(pthread_mutex_t* m, const Thread* self);

}  // namespace weft::shim
