// control.h — the state of controlled mode shared by the files that implement it:
//   control_start.cc   start-up (session, real functions, pinning, the chooser), the guard
//   thread_table.cc    the thread table and the live set
//   schedule_point.cc  Pick (enabled set, the chooser), the turn hand-off, wake-ups, events
//   virtual_time.cc    virtual clocks and deadlines
//   glibc_mutex.cc     reading the state of glibc's mutexes
// Only the thread holding the turn reads or writes any of it (after start-up).
#pragma once

#include <sched.h>

#include "shim.h"
#include "weft/sched/chooser.h"

namespace weft::shim {

inline constexpr uint64_t kTickNs = 1000;  // virtual time per decision

// kFree: a free recording (free_record.h): the hooks record, nothing is scheduled.
enum class ShimState : int { kUninit, kOff, kStarting, kOn, kFree };

// The controlled processes of the session: the first one, and those it forks.
inline constexpr uint32_t kMaxProcesses = 64;
// kUncontrolled: it exec'd an image the shim does not control (a static or non-ELF program,
// an environment without the shim) and may still run (a server the program started).
// kExecing: its thread `exec_tid` holds the turn across an exec whose new image will claim
// the session again (hooks_exec.cc, RejoinAfterExec); it counts as live.
enum class ProcessState : uint8_t { kFree, kLive, kExited, kUncontrolled, kExecing };
struct Process {
  uint32_t pid;
  ProcessState state;
  uint16_t parent_tid;  // the thread that forked it (0xffff for the first process)
  uint16_t exec_tid;    // kExecing: the thread that called exec
  // Started by posix_spawn, system, popen or vfork (hooks_spawn.cc): 1 until its exec's new
  // image rejoined the session (or it ended, or left control); its parent waits meanwhile.
  uint8_t spawning;
  // Its parent reaped it (a wait that returned its pid): no later wait can report it.
  uint8_t reaped;
  // Children it made that are no processes of the session (the process table was full): a
  // wait that may report one of them is probed, not modelled.
  uint16_t outside_children;
  uint64_t refreshed_at;  // events emitted when it last refreshed its threads' enabled bits
  // It left at its exit (process_exit) and the next holder has not yet seen the kernel end it
  // (SettleExits): its descriptors may still be open, its stdio still flushing.
  uint8_t exit_unsettled;
  // The program image it runs (weft_stack_record.image): its parent's, until it execs.
  uint32_t image;
};
// Whether the process's threads are under control (kExecing: one of them, across an exec).
inline bool UnderControl(const Process& p) {
  return p.state == ProcessState::kLive || p.state == ProcessState::kExecing;
}

inline constexpr uint32_t kMaxChannelPairs = 256;
inline constexpr uint32_t kMaxListenPorts = 64;
struct ChannelPair {
  uint64_t ino[2];  // the inodes of its two ends
};

// The scheduler's state, one for the whole session: a MAP_SHARED mapping the first process
// makes at start-up, which every process it forks inherits (a forked child is controlled by
// the same scheduler; its threads are session-wide tids). Only the thread holding the turn
// reads or writes it, whatever process it is in. NB: no pointer into process-private memory
// may live here (the session's own mapping is at the same address in every process).
struct SchedState {
  Thread threads[kMaxThreads];
  uint32_t thread_count;       // slots ever used (tids are never reused)
  uint16_t live[kMaxThreads];  // live tids, ascending
  uint32_t live_count;
  uint64_t vnow;         // virtual time now
  uint64_t events;       // events emitted
  uint64_t progress_at;  // events emitted at the last one that made progress
  int32_t early_fired;   // see MayFireEarly
  uint64_t late_ns;      // see FitsLateness: how far early deadlines ran time ahead
  uint64_t random_next;  // inputs.cc's RandomCall: the controlled runs' random stream
  bool divergence_reported;
  sched::Chooser chooser;
  Process processes[kMaxProcesses];
  uint32_t process_count;
  uint32_t exits_unsettled;  // processes with exit_unsettled set
  uint32_t next_object_id;   // objects.cc
  uint64_t objects_used;
  uint32_t next_stack;  // ring.cc's stack table
  uint32_t images;      // images started by an exec (Process::image)
  uint32_t stacks_used;
  // The thread last handed the turn (written by the giver before the turn word). If its
  // process dies holding the turn (a crash, a kill from outside), a thread waiting in
  // another process takes the turn over (TakeTurnFromDeadProcess); the only write not
  // made by the thread holding the turn is that compare-and-swap.
  int32_t holder;
  // socketpair()s made in the session (hooks_channel.cc): their two ends are one channel.
  ChannelPair channel_pairs[kMaxChannelPairs];
  uint32_t channel_pair_count;
  // The TCP ports the session's controlled threads listened on (hooks_channel.cc: listen),
  // for a connect waiting for a server of the session (ServerWaitOver); never removed.
  uint16_t listen_ports[kMaxListenPorts];
  uint32_t listen_port_count;
  // The pipes and sockets on descriptors 0-2 when the first process started (weft's output
  // capture: never channels, ChannelInit); 0 where none. Shared: an exec'd image's own
  // descriptors 0-2 may be the session's pipes (a shell pipeline).
  uint64_t std_dev[3];
  uint64_t std_ino[3];
  // Where the first process mapped the session (every process maps it there: the chooser
  // reads the script through pointers), and the affinity before it pinned itself.
  uint64_t session_address;
  cpu_set_t original_affinity;
  bool pinned;
  uint64_t magic;  // kSchedMagic once the first process has set it up
};
inline constexpr uint64_t kSchedMagic = 0x5353454348544657ull;  // "WFTHCESS"

// The state the processes of the session share (SchedState, the object table, the stack
// table) lives in the session's memfd, past the region the supervisor made (which it alone
// reads): a process's new image finds it there again after exec, through the session's
// descriptor it inherits. Each part is mapped from its own fixed offset; at most
// kSharedPartBytes.
enum class SharedPart : uint8_t { kSched = 0, kObjects = 1, kStacks = 2 };
inline constexpr uint64_t kSharedPartBytes = 1ull << 30;
// Maps `bytes` of `part` (shared by every process of the session); nullptr if it cannot.
void* MapShared(SharedPart part, uint64_t bytes, void* at = nullptr);

// NB: every global here must be constant-initialized: the hooks can run (and start the
// shim) before this library's dynamic initializers would, which would then wipe state.
WEFT_HIDDEN extern ShimState g_state;
WEFT_HIDDEN extern weft_session* g_session;
WEFT_HIDDEN extern SchedState* g_sched;
// This process's index in g_sched->processes (0 = the first process).
WEFT_HIDDEN extern uint16_t g_process;
extern __thread Thread* t_self __attribute__((tls_model("initial-exec")));
// Depth of shim frames on this thread (Guard); 0 outside the shim.
extern __thread int t_depth __attribute__((tls_model("initial-exec")));

// Memory accesses of instrumented builds (hooks_memory.cc): maps the granule and site
// tables and reads the session's candidate sites. Start-up only.
void MemoryInit();
// An atomic read-modify-write (seq_cst) of `size` bytes at `addr` by the uninstrumented
// instruction at `pc` (hooks_atomic_sites.cc's trampolines): the memory access path of
// instrumented builds, raising WEFT_MEMORY_ATOMIC_SITES.
void AtomicSiteAccess(const void* addr, uint32_t size, const void* pc);
// Patches the session's atomic sites (hooks_atomic_sites.cc). Start-up only, with the main
// thread alone, after MemoryInit.
void AtomicSitesInit();

// Waits on the outside (wait_model.cc). The real-time slice a thread deciding waits, and a
// parked signal waiter sleeps, before looking again.
inline constexpr uint64_t kOutsideSliceNs = 2000000;
// Whether `t`'s pending operation waits for a signal or a descriptor (blocking).
bool WaitsOutside(const Thread* t);
// Whether `op` is a receive, an accept or a piece of a send that may not fit on a channel
// that waits until its descriptor is ready (channel_model.h): enabled once a probe finds it
// ready, like a readiness wait.
inline bool ChannelWait(const Op& op) {
  return (op.kind == WEFT_EV_CHANNEL_RECV || op.kind == WEFT_EV_CHANNEL_ACCEPT ||
          op.kind == WEFT_EV_CHANNEL_SEND) &&
         op.wait == kWaitFd && (op.flags & WEFT_F_TRY) == 0;
}
// Whether `t` waits for a descriptor: a readiness wait (POLL) or a channel wait.
inline bool ListenWait(const Op& op) {
  return op.kind == WEFT_EV_CHANNEL_CONNECT && op.wait == kWaitListen;
}
inline bool WaitsForFd(const Thread* t) { return t->op.kind == WEFT_EV_POLL || ChannelWait(t->op); }
// Whether the descriptors `t` polls are ready (a zero-timeout probe by the thread deciding).
bool PollReady(const Thread* t);
// Whether a kWaitChild operation has a child to report (or will fail at once): a
// non-consuming waitid probe.
bool ChildWaitReady(const Op& op);
// Whether a signal ended `t`'s signal wait.
bool SignalWaitReady(const Thread* t);
// The thread deciding found no thread enabled and some waiting on the outside: waits in real
// time, at most `max_ns` (one slice), for a descriptor any of them polls.
void WaitOutside(uint64_t max_ns);
// Parks a signal waiter until it gets the turn, probing its own pending signals meanwhile.
void WaitTurnProbing(Thread* self);

// Adds `tid` to the live set (kept ascending).
void AddLive(uint16_t tid);
// Removes `tid` from the live set.
void RemoveLive(uint16_t tid);
// The weft tid of a kernel tid, kNoThread if it is none of ours.
int16_t TidOfOsTid(pid_t os_tid);
// Publishes the event count and virtual time in the session status.
void UpdateStatus();
// Sets up the main thread as tid 0 (start-up).
void RegisterMainThread();
// "too many threads: a run under weft may create at most N threads ..." (the ABI's limit).
const char* ThreadLimitMessage();

// Makes pipe `fd` (a pipe the program or popen made) hold kSessionPipeBytes, when the system
// allows it (hooks_fds.cc).
void GrowSessionPipe(int fd);

// ---- processes (fork) ----
// Registers the main thread of the process `parent` is about to fork: a new process slot,
// the thread pending THREAD_START. nullptr when the process table is full (the child then
// runs uncontrolled).
Thread* RegisterProcess(Thread* parent);
// The fork failed.
void UnregisterProcess(Thread* main);
// fork for a controlled thread (hooks_thread.cc): the FORK event, a new process of the
// session; returns in both processes as fork does (the child holding the turn).
// With `report_pipe`, a close-on-exec pipe is made into it between the schedule point and
// the fork; `no_handlers`: no atfork handlers run (glibc's _Fork, when it has one), for a
// child that only makes system calls until it execs.
pid_t ForkControlled(Thread* self, int* report_pipe = nullptr, bool no_handlers = false);
// clone without CLONE_VM (a new process, not a thread) for a controlled thread: a fork (the
// FORK event, a process of the session) whose child runs fn(arg) on `stack` and then exits
// through the process exit's schedule point. The other arguments are clone's.
pid_t CloneControlled(Thread* self, int (*fn)(void*), void* stack, int flags, void* arg,
                      pid_t* parent_tid, void* tls, pid_t* child_tid);
// A fork made by the raw system call `number` (fork, vfork, clone or clone3 without CLONE_VM
// and without a stack of its own, arguments a1..a5) for a controlled thread: as
// ForkControlled, the call made as given (its child returns from it here).
pid_t RawForkControlled(Thread* self, long number, long a1, long a2, long a3, long a4, long a5);
// The schedule point of an exec by a controlled thread (hooks_exec.cc): `file` (or the
// open file `fd`), `envp` (null: this process's), `search`: execvp's PATH search. Then the
// real exec; if it returns, ExecFailed(errno).
void ExecPoint(const char* file, long fd, char* const* envp, bool search);
void ExecFailed(int error);
// execvp's search of PATH for `file` (itself when it names a path): the path in a buffer of
// the shim's (valid until the next exec hook), nullptr if no executable file was found.
const char* ExecSearchPath(const char* file);
// Whether process `index` of the session is done starting (hooks_spawn.cc): it exec'd and
// its new image rejoined or left control, or it ended.
bool SpawnDone(uint16_t index);
// The exit of this process as a schedule point and PROCESS_EXIT event (hooks_wait.cc), as
// _exit(status) makes it; the caller then ends the process.
void ProcessExitPoint(int status);
// waitpid by a controlled thread (hooks_wait.cc): waits without the turn until the child has
// something to report (modelled for a child that is a process of the session: a schedule
// point and a PROCESS_WAIT event), then the real call, again on EINTR.
pid_t WaitPidControlled(pid_t pid, int* status, int options);
// Whether thread `t`'s PROCESS_WAIT can complete: a child of its process that the wait
// reports has ended (or left control, or there is none left), judged from the shared process
// table (any process may judge it).
bool ProcessWaitReady(const Thread* t);
// The first live thread of the process a PROCESS_WAIT for one pid waits for, kNoThread.
int16_t ProcessWaitHolder(const Op& op);
// A blocking read of `fd` is due: waits without the turn until it has data (or an end), as
// the read hook does (hooks_wait.cc).
void WaitReadable(int fd);
// The index of the controlled process with kernel pid `pid`, -1 if none.
int16_t ProcessOfPid(pid_t pid);
// In the child of a fork: becomes process `main->process`, with `main` its thread; returns
// when that thread is first picked.
void BecomeForkedProcess(Thread* main);
// In the new image of a process that exec'd holding the turn (control_start.cc): its other
// threads did not survive the exec.
void EndOtherThreadsOf(uint16_t index, const Thread* self);
// This process ends (exit, _exit, return from main, an exec that leaves control): its threads
// end with it; the turn goes to another process's thread. Only if another process has live
// threads (the last process keeps the turn to its real end, as a single process always did).
void LeaveProcess(Thread* self, ProcessState end = ProcessState::kExited);
// Whether a process of the session that left control by exec still runs.
bool UncontrolledProcessRuns();
// Whether threads of other processes are live.
bool OtherProcessesLive();
// Publishes how many forked processes are still under control (session forked_live).
void PublishProcesses();
// Called by a thread waiting for the turn that has waited a while: if the turn's holder is
// in a process that has died, takes the turn over, ends that process's threads and hands
// the turn on (to itself: returns true). Only in sessions with several processes.
bool TakeTurnFromDeadProcess(Thread* self);
// How long a thread waits for the turn before it looks whether the holder's process has
// died or the holder is blocked outside the shim (real time).
inline constexpr uint64_t kDeadHolderCheckNs = 50000000;
// Called by a thread waiting for the turn that has waited a while: if the turn's holder has
// been blocked in the program's code (a system call weft does not model) since this
// thread's last look, without an event, takes the turn from it (the holder goes on in
// parallel and rejoins at its next shim entry: RunState) and hands it on (to itself:
// returns true). The run is not deterministic at that point: the session counts it.
bool TakeTurnFromBlockedHolder(Thread* self);
// Either takeover, for a thread that has waited a while for the turn.
bool TakeTurnIfStuck(Thread* self);
// The outermost shim entry and exit of a controlled thread (Guard): RunState. A thread
// whose turn was taken waits here, at its next entry, until it is picked again.
void RejoinTaken(Thread* self);
inline void EnterShim(Thread* self) {
  uint32_t expected = kRunUser;
  if (__atomic_compare_exchange_n(&self->run_state, &expected, kRunShim, false, __ATOMIC_ACQ_REL,
                                  __ATOMIC_ACQUIRE)) {
    return;
  }
  if (expected == kRunTaken) RejoinTaken(self);
}
inline void LeaveShim(Thread* self) {
  __atomic_store_n(&self->run_state, kRunUser, __ATOMIC_RELEASE);
}
// The state letter of thread `tid` of process `pid` in /proc (R, S, D, Z, ...), 0 if it
// cannot be read, 'X' if it is gone.
char TaskState(uint32_t pid, uint32_t tid);
// A controlled thread killed process `index` with SIGKILL: its threads are gone.
void ProcessKilled(uint16_t index);
// Ends the whole run now (deadlock, a stop, livelock): the other controlled processes are
// killed, this one exits with WEFT_SHIM_EXIT_CODE after `status` is raised.
[[noreturn]] void EndRun(uint32_t status);
// Kills every other live controlled process (the run ends).
void KillOtherProcesses();
// The session's descriptor (WEFT_SESSION_FD), and whether it is still the session's memfd
// and stays open across an exec.
long SessionFd();
bool SessionFdInherited();
// While one is open on a thread, the descriptors pipe2 makes are weft's own (the unwinder's
// memory probe): placed above the session's and kept from the program's closes
// (hooks_fds.cc). Only at start-up, before control starts.
class OwnFdsScope {
 public:
  OwnFdsScope();
  ~OwnFdsScope();
};
// This process's kernel pid, as the session's process table has it.
uint32_t OwnPid();

// ---- the fork server (fork_server.cc) ----
// The session's ring head when start-up was done (control_start.cc).
uint64_t RingHeadAtStart();
// Called at the start of main: returns at once unless this process is a fork server
// (WEFT_MODE_FORK_SERVER); a server returns only in each child it forks, which has taken
// over its run's session by then.
void ForkServerAtMain();
// A fork server's start-up: notes the descriptors it inherited (fork_server.cc).
void NoteStartFds();
// In a fork server's child, before main, once g_session is its run's session (claimed by
// `pid`, mapped where the server's was): a fresh scheduler state, object table, ring,
// chooser and main thread, as start-up would have made them from that session. Its atomic
// sites, memory sites and stack depth are the server's (weft starts another server when
// they differ), so what start-up did with those stays.
// `late`: the server forked past main (fork_late): the scheduler state and object table are
// the prefix's (CopySharedState put them into the run's memfd), the ring gets the prefix's
// records (CopyPrefixRecords) and the chooser its decisions (FeedPrefix).
void TakeOverSession(uint32_t pid, bool late);
// A fork server's child past main, while the server's memfd is still the session's
// descriptor: copies the shared state the server's memfd holds (its pages with data) into
// the run's memfd `run_fd`, whose region is `run_size` bytes.
void CopySharedState(long run_fd, uint64_t run_size);
// The server is past main, before its fork point (fork_late): the hooks tell it what the
// program does (only the thread holding the turn, which is the only thread, writes it).
WEFT_HIDDEN extern bool g_fork_prefix;
// At a schedule point of an operation of `kind` in the prefix: returns at once if the
// prefix may go on through it; else this is the fork point (the server checks that its
// runs can share what it did, and serves: it returns only in each child, as its run), or
// the server refuses and ends.
void ForkPrefixPoint(uint8_t kind);
// An event of `kind` (`flags`) emitted in the prefix: the server refuses and ends unless the
// prefix may go on through it; it counts the locks the prefix holds.
void ForkPrefixEvent(uint8_t kind, uint16_t flags);
// A decision in the prefix (only thread 0 can run): noted, for FeedPrefix.
void ForkPrefixDecision(const sched::Point& point);
// A child: its run's chooser (just built from the run's spec) takes the prefix's decisions.
void FeedPrefix(sched::Chooser* chooser);
// A child: the server's ring records (the prefix's, from the start) into the run's ring,
// the main thread's pid and kernel tid this process's.
void CopyPrefixRecords();
// The object table's mapping and its size, nullptr before the first object.
const void* ObjectTable(uint64_t* bytes);
// A fork server, once it serves: back on the CPUs it had before start-up pinned it, so that
// it forks the next run's child beside the run, not on its CPU; each child pins itself to
// its run's CPU (TakeOverSession), as an exec'd run's start-up does.
void UnpinForkServer();
// Maps the new session's object table where the old one was (the fork server's child: an
// empty table, or the prefix's CopySharedState copied).
void ResetObjectTable();

}  // namespace weft::shim
