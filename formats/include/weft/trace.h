// trace.h — the in-memory model of a weft trace: plain value structs, no protobuf.
// formats/ turns it into weft_trace.proto packets and back (trace_io.h); everything else
// (supervisor, searches, CLI, GUI) works on these structs. Every struct compares with ==
// (memberwise, defaulted).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "weft/event_table.h"

namespace weft::format {

// Major version of the file format that TraceWriter writes. ReadTrace reads this major and
// every major from kOldestFormatMajor on, converting older ones to this model.
inline constexpr uint32_t kFormatMajor = 2;
// Oldest major version ReadTrace still reads.
inline constexpr uint32_t kOldestFormatMajor = 1;
// First bytes of every trace file, followed by the major version as 4 little-endian bytes.
inline constexpr char kMagic[8] = {'W', 'E', 'F', 'T', 'T', 'R', 'C', '\n'};

// Event kinds: the rows of WEFT_EVENT_KINDS and WEFT_RETIRED_EVENT_KINDS
// (abi/include/weft/event_table.h), same numbers; kSleepDone is retired (only in old traces).
#define WEFT_FORMAT_EVENT_KIND_(NAME, Camel, num, ...) k##Camel = num,
enum class EventKind : uint32_t {
  WEFT_EVENT_KINDS(WEFT_FORMAT_EVENT_KIND_) WEFT_RETIRED_EVENT_KINDS(WEFT_FORMAT_EVENT_KIND_)
};
#undef WEFT_FORMAT_EVENT_KIND_

// Short lower-case name ("mutex_lock"), "unknown" for numbers this build does not know.
const char* EventKindName(EventKind kind);

// Event flags: the bits WEFT_F_* of abi/include/weft/event_table.h.
inline constexpr uint32_t kFlagTry = WEFT_F_TRY;
inline constexpr uint32_t kFlagTimed = WEFT_F_TIMED;
inline constexpr uint32_t kFlagTimedOut = WEFT_F_TIMEDOUT;
inline constexpr uint32_t kFlagFailed = WEFT_F_FAILED;
inline constexpr uint32_t kFlagRead = WEFT_F_READ;
inline constexpr uint32_t kFlagExternal = WEFT_F_EXTERNAL;
inline constexpr uint32_t kFlagAtomic = WEFT_F_ATOMIC;
inline constexpr uint32_t kFlagFree = WEFT_F_FREE;

// Object kinds: the rows of WEFT_OBJECT_KINDS, same numbers as weft_object_kind.
#define WEFT_FORMAT_OBJECT_KIND_(NAME, Camel, num, name) k##Camel = num,
enum class ObjectKind : uint32_t { WEFT_OBJECT_KINDS(WEFT_FORMAT_OBJECT_KIND_) };
#undef WEFT_FORMAT_OBJECT_KIND_
// Short lower-case name ("mutex"), "unknown" for numbers this build does not know.
const char* ObjectKindName(ObjectKind kind);

// How the run was scheduled.
// kControlled: one thread at a time, scheduled. kFree: weft record --free (threads in
// parallel; the order of the synchronization events is recorded, weft/free_kinds.h).
enum class Mode : uint32_t { kControlled = 1, kFree = 2 };

// What a standard stream of the program led to (Header::stdout_sink): its kind decides what
// the program does (stdio buffers a terminal by line, a pipe by block). Values as the .proto's.
enum class StreamSink : uint8_t {
  kUnknown = 0,
  kFile = 1,
  kPipe = 2,
  kSocket = 3,
  kTerminal = 4,
  kDevice = 5,  // another character device (/dev/null)
  kClosed = 6,
};
// "a file", "a pipe", "a terminal", ...
const char* StreamSinkName(StreamSink sink);

// How a run was scheduled, with every parameter needed to run it again.
struct ScheduleSpec {
  enum class Kind : uint8_t { kUnspecified, kRandom, kPct, kReplay, kGuided, kPlan, kSearch };
  Kind kind = Kind::kUnspecified;
  uint64_t seed = 0;
  uint32_t pct_depth = 0;
  uint64_t pct_steps = 0;
  std::string tail;
  int32_t forced_tid = -1;
  uint64_t prefix = 0;
  // kSearch (and a tail without fields of its own): the strategy's parameters by name, in
  // the order the strategy lists them (the seed is `seed`).
  std::vector<std::pair<std::string, uint64_t>> parameters;
  bool operator==(const ScheduleSpec&) const = default;
};

// Short lower-case name of a schedule kind ("pct"), "unknown" for numbers this build does
// not know.
const char* ScheduleKindName(ScheduleSpec::Kind kind);

// An environment variable stored as its name and a digest of its value (trace.h Header).
struct RedactedEnv {
  size_t index = 0;    // into Header::env
  std::string digest;  // hex, under Header::env_salt and env_digest_scheme
  bool operator==(const RedactedEnv&) const = default;
};

struct Header {
  uint32_t format_major = kFormatMajor;
  std::string weft_version;                              // version of the weft that wrote the trace
  uint32_t shim_protocol = 0;                            // WEFT_SHIM_PROTOCOL_VERSION of the shim
  std::vector<std::string> argv;                         // argv[0] as given by the user
  std::string executable;                                // resolved absolute path of argv[0]
  std::string cwd;                                       // working directory of the run
  std::vector<std::pair<std::string, std::string>> env;  // the program's environment
  Mode mode = Mode::kControlled;
  std::string strategy;  // "random", "replay", ...
  uint64_t seed = 0;
  uint64_t realtime_base_ns = 0;   // virtual CLOCK_REALTIME at virtual time 0
  uint64_t monotonic_base_ns = 0;  // virtual CLOCK_MONOTONIC at virtual time 0
  uint64_t created_unix_ns = 0;    // wall-clock time the recording started
  std::string replayed_from;       // for replays: the trace that was replayed
  double timeout_seconds = 0;      // real-time limit of the run (--timeout), 0 = none
  uint64_t max_steps = 0;          // decision limit of the run (--max-steps), 0 = none
  ScheduleSpec schedule;           // the typed schedule; kind kUnspecified in older traces
  // Entries of `env` whose value is not in the trace (a name that looks secret): their
  // value in `env` is empty; replay takes it from its own environment and checks `digest`.
  std::vector<RedactedEnv> env_redacted;  // in the order of `env`
  std::string env_salt;                   // hex; the digests' salt
  std::string env_digest_scheme;          // "scrypt-n16384-r8-p1"; "" = nothing redacted
  std::vector<std::string> env_kept;      // names the rule matches, kept in clear (--keep-env)
  // The executable at the recording: its GNU build-id, or (none) the SHA-256 of the file;
  // both "" in traces of older writers.
  std::string executable_build_id;
  std::string executable_sha256;
  // Frames per recorded stack, 0 = none (or not recorded: older writers left it out).
  uint32_t stack_depth = 0;
  bool isolated = false;  // the run had a private view of its cwd and /tmp
  // A run that recorded inputs (Trace::inputs): a replay feeds them back. A free recording
  // records every kind, a controlled run the directory entries it read (or, fed a trace's
  // inputs, carries those).
  bool inputs_recorded = false;
  // The kinds recorded (bit 1 << Input::Kind): a replay feeds these and makes the calls of
  // the others. Traces of older writers (0) recorded clocks, random bytes and reads.
  uint32_t input_kinds = 0;
  // What the program's stdout and stderr were; stderr_is_stdout: one file (2>&1).
  StreamSink stdout_sink = StreamSink::kUnknown;
  StreamSink stderr_sink = StreamSink::kUnknown;
  bool stderr_is_stdout = false;
  // Where the run's interpreter points fell when no script said (weft_session.interp_phase).
  uint64_t interp_phase = 0;
  // Memory access sites (absolute pcs, ascending) that were schedule points in this run; a
  // replay makes exactly these points.
  std::vector<uint64_t> memory_sites;
  // The atomic instructions of the program's own modules listed as schedule points (weft's
  // atomic sites): per module its path and count. `atomic_sites` false: the run listed none
  // (--no-atomic-sites, a weft cc build, an older writer).
  struct AtomicSitesModule {
    std::string path;
    uint64_t sites = 0;
    bool operator==(const AtomicSitesModule&) const = default;
  };
  bool atomic_sites = false;
  std::vector<AtomicSitesModule> atomic_site_modules;
  // A flight recording's window (weft record --free --ring SIZE): the run's most recent
  // events and inputs. Event 0 of the trace is the run's event `dropped_events`.
  struct RingWindow {
    uint64_t window_bytes = 0;    // SIZE: the trace bytes of events and inputs kept
    uint64_t dropped_events = 0;  // the run's events before the window, dropped
    uint64_t dropped_inputs = 0;  // its recorded inputs before the window, dropped
    bool running = false;         // written on demand while the program ran: no outcome
    uint32_t dump = 0;            // 0: at the end of the run; N: the Nth dump on demand
    bool operator==(const RingWindow&) const = default;
  };
  bool ring = false;  // a window (ring_window says what it holds); false: the whole run
  RingWindow ring_window;

  // Whether env[index] is redacted.
  bool IsRedacted(size_t index) const {
    for (const RedactedEnv& r : env_redacted)
      if (r.index == index) return true;
    return false;
  }
  bool operator==(const Header&) const = default;
};

// A process of the run. Only the process weft starts is recorded today; the format holds
// a tree (children name their parent).
// A new program a process ran (an exec that succeeded).
struct ProcessExec {
  std::string executable;  // resolved absolute path
  std::vector<std::string> argv;

  bool operator==(const ProcessExec&) const = default;
};

struct Process {
  uint32_t pid = 0;        // OS pid; 0 = not recorded (format-1 traces)
  int32_t parent = -1;     // pid of the parent process in the trace, -1 = none
  std::string executable;  // resolved absolute path of what it runs (a fork: its parent's)
  std::vector<std::string> argv;
  std::vector<ProcessExec> execs;  // the programs it exec'd after, in order

  bool operator==(const Process&) const = default;
};

// A loaded ELF module of one process.
struct Module {
  uint32_t id = 0;   // > 0, unique in the trace; frames refer to it
  uint32_t pid = 0;  // the process it is mapped in (0 = the only process of a format-1 trace)
  std::string path;
  std::string build_id;  // lower-case hex, empty if the module has none
  uint64_t base = 0;     // load address (bias applied to the module's addresses)
  uint64_t size = 0;

  bool operator==(const Module&) const = default;
};

// A function that a frame's code was inlined into: the function and the line of the inlined
// call in it.
struct InlinedCaller {
  std::string function;  // demangled, empty if unknown
  std::string file;      // source file, empty if unknown
  uint32_t line = 0;

  bool operator==(const InlinedCaller&) const = default;
};

// One code location: an offset in a module (immutable), and its symbols (symbolized
// outside the target, possibly again later).
struct Frame {
  uint32_t module_id = 0;  // Module::id; 0 = in no known module (offset is then absolute)
  uint64_t offset = 0;     // address - module base
  std::string function;    // demangled, empty if unknown
  std::string file;        // source file, empty if unknown
  uint32_t line = 0;
  // When calls were inlined at this address: function/file/line above are the innermost
  // inlined function's, and these are the functions it was inlined into, innermost first
  // (the last one is the out-of-line function). Empty when nothing is inlined there.
  std::vector<InlinedCaller> inlined_callers;
  // Filled by ReadTrace from the module (ignored by the writer): the absolute address
  // (base + offset) and the module's path.
  uint64_t ip = 0;
  std::string module;

  bool operator==(const Frame&) const = default;
};

struct Thread {
  uint32_t pid = 0;     // process of the thread (Process::pid)
  uint32_t tid = 0;     // weft tid: 0 = main, then creation order
  int32_t parent = -1;  // creating thread, -1 for main
  uint64_t start_routine = 0;
  std::string start_function;  // symbolized start routine ("main" for tid 0)
  std::string name;            // pthread_setname_np name, if set
  uint32_t handle_obj = 0;

  bool operator==(const Thread&) const = default;
};

// The global holding a memory granule's bytes from `offset` up to the next part.
struct ObjectPart {
  uint32_t offset = 0;
  std::string symbol;  // empty: no global (padding)

  bool operator==(const ObjectPart&) const = default;
};

struct Object {
  uint32_t id = 0;  // > 0, first-use order
  ObjectKind kind = ObjectKind::kNone;
  uint64_t address = 0;
  std::string symbol;  // "g_lock" when the object is a global, else empty
  uint64_t aux = 0;
  // A memory granule holding more than one global (`int ready; int hits;` side by side):
  // where each later one begins, offset ascending; `symbol` names the bytes before the
  // first. Empty when one global (or none) holds the whole granule.
  std::vector<ObjectPart> parts;

  bool operator==(const Object&) const = default;
};

struct Event {
  uint32_t tid = 0;
  EventKind kind = EventKind::kNone;
  uint32_t flags = 0;
  uint32_t obj = 0;      // 0 = none
  uint32_t stack = 0;    // 0 = none
  uint32_t enabled = 0;  // threads enabled at the decision that ran this event
  uint64_t vtime = 0;    // virtual ns
  int64_t arg = 0;

  bool operator==(const Event&) const = default;
};

// The threads that could run at a decision (recorded with RunConfig::record_decisions).
struct EnabledSet {
  uint32_t current = 0;         // the thread that reached the schedule point
  std::vector<uint64_t> words;  // bit t % 64 of words[t / 64]: thread t was enabled; no
                                // trailing zero words after ReadTrace

  // Whether thread `tid` was enabled.
  bool Has(uint32_t tid) const {
    return tid / 64 < words.size() && (words[tid / 64] >> (tid % 64)) & 1;
  }
  bool operator==(const EnabledSet&) const = default;
};

// What the program wrote to one of its standard streams, up to the recorder's cap.
struct ProgramOutput {
  bool captured = false;  // the recorder kept this stream (not when it was a terminal)
  std::string data;
  bool truncated = false;    // the program wrote more than `data` holds
  uint64_t total_bytes = 0;  // bytes the program wrote (>= data.size())

  bool operator==(const ProgramOutput&) const = default;
};

// A waiter chosen by a wake-up (futex wake); COND_SIGNAL carries its choice in arg.
struct Wake {
  uint64_t event_index = 0;  // the waking event
  uint32_t woken = 0;

  bool operator==(const Wake&) const = default;
};

// A memory access's arg (MEM_READ, MEM_WRITE and PriorAccess), unpacked (WEFT_MEM_ARG).
struct MemoryArg {
  uint32_t size = 0;    // bytes (a range: its whole size)
  uint32_t offset = 0;  // of the first byte in the granule (the object's address)
  uint32_t order = 0;   // C11 memory order of an atomic access: 0 relaxed .. 5 seq_cst

  bool operator==(const MemoryArg&) const = default;
};
inline constexpr uint64_t kMemoryGranuleBytes = WEFT_MEM_GRANULE_BYTES;
inline MemoryArg DecodeMemoryArg(int64_t arg) {
  auto bits = static_cast<uint64_t>(arg);
  return {static_cast<uint32_t>(bits), static_cast<uint32_t>((bits >> 32) & 7),
          static_cast<uint32_t>((bits >> 40) & 7)};
}
inline int64_t EncodeMemoryArg(const MemoryArg& a) {
  return WEFT_MEM_ARG(a.size, a.offset, a.order);
}

// An access the recorder did not log as an event because only one thread had touched its
// granule, reported when a second thread touched it (the shim keeps, per granule, the
// first thread's last write and last read). It is attached to that second thread's access,
// event `event_index`, and counts as performed by `tid` right after its last event with an
// index below `before_event`.
struct PriorAccess {
  uint64_t event_index = 0;   // the MEM_READ / MEM_WRITE event it precedes
  uint32_t tid = 0;           // the thread that performed it
  bool write = false;         // a write (else a read)
  uint32_t flags = 0;         // WEFT_F_* as on a MEM_* event (kFlagAtomic, kFlagRead)
  int64_t arg = 0;            // as a MEM_* event's arg; the granule is the event's obj
  uint32_t stack = 0;         // stack id of the access, 0 = none
  uint64_t before_event = 0;  // events with a smaller index happened before the access

  bool operator==(const PriorAccess&) const = default;
};

// What a free recording recorded of a call that brings the outside in (inputs a replay
// feeds back instead of making the call): a clock read, getrandom, a read or receive from a
// descriptor that leads outside the process, an entry read from a directory. Each thread's inputs
// are in its order of calls; a replay gives thread t its recorded inputs in that order.
struct Input {
  enum class Kind : uint32_t { kClock = 1, kRandom = 2, kRead = 3, kDirent = 4 };
  uint32_t tid = 0;
  Kind kind = Kind::kClock;
  int32_t source = 0;        // kClock: the clock id; kRead, kDirent: the descriptor
  int64_t result = 0;        // the call's result: 0 or bytes; -errno when it failed
  uint64_t value = 0;        // kClock: the time read, ns since the clock's epoch
  std::string data;          // kRandom, kRead: the bytes it returned (max(result, 0) of them);
                             // kDirent: the entry (a struct dirent64 up to its name's NUL)
  uint64_t event_index = 0;  // events recorded before it (where it falls among them)
  bool operator==(const Input&) const = default;
};

// The bit of `kind` in Header::input_kinds.
constexpr uint32_t InputKindBit(Input::Kind kind) { return 1u << static_cast<uint32_t>(kind); }
// The kinds of inputs a trace recorded (Header::input_kinds; for an older writer's trace with
// inputs_recorded, clocks, random bytes and reads); 0 when it recorded none.
uint32_t RecordedInputKinds(const Header& header);

// Short lower-case name of an input kind ("clock", "random", "read", "dirent"), "unknown"
// otherwise.
const char* InputKindName(Input::Kind kind);

// A thread that could not proceed when a deadlock was detected.
struct BlockedThread {
  uint32_t tid = 0;
  EventKind kind = EventKind::kNone;  // operation it waits in
  uint32_t obj = 0;                   // object it waits on
  int32_t holder = -1;                // thread holding obj, -1 if none/unknown
  uint32_t stack = 0;

  bool operator==(const BlockedThread&) const = default;
};

struct Crash {
  int signal = 0;
  uint32_t os_tid = 0;
  int32_t tid = -1;            // weft tid of the faulting thread, -1 if unknown
  uint64_t fault_address = 0;  // si_addr
  uint64_t ip = 0;
  std::string instruction;       // "mov dword ptr [rax], 1"
  std::vector<uint32_t> frames;  // frame ids, innermost first (unwound over ptrace)

  bool operator==(const Crash&) const = default;
};

struct Outcome {
  enum class Kind : uint32_t {
    kExited = 1,
    kSignaled = 2,
    kDeadlock = 3,
    kTimeout = 4,
    kShimError = 5,
    kMaxSteps = 6,
    kStopped = 7,  // replay --stop-at: stopped before an event; `blocked` holds every thread
  };
  Kind kind = Kind::kExited;
  int exit_code = 0;                   // valid for kExited
  int signal = 0;                      // valid for kSignaled
  std::vector<BlockedThread> blocked;  // kDeadlock
  std::optional<Crash> crash;          // kSignaled by a fault
  bool diverged = false;               // replay only: the run left the script
  uint64_t divergence_index = 0;
  std::string divergence;  // "event 12: expected T1 mutex_lock #3, got T2 ..."
  std::string message;     // shim error text, timeout note, ...
  uint64_t events = 0;     // events in the trace
  double wall_seconds = 0;
  // Times the turn was taken from a thread blocked in a call weft does not model (it went on
  // in parallel until it came back to the shim): the run is not deterministic there.
  uint32_t turns_taken = 0;

  bool operator==(const Outcome&) const = default;
};

// Short lower-case name of an outcome kind ("exited", "deadlock", "shim_error"),
// "unknown" for numbers this build does not know.
const char* OutcomeKindName(Outcome::Kind kind);

// A whole trace. Stacks are lists of frame ids (innermost first); id 0 is unused.
struct Trace {
  Header header;
  std::vector<Process> processes;             // the root process first
  std::vector<Module> modules;                // in file order; ids unique
  std::vector<Thread> threads;                // indexed by tid
  std::vector<Object> objects;                // indexed by id; [0] unused
  std::vector<std::vector<uint32_t>> stacks;  // indexed by id; [0] empty
  std::vector<Frame> frames;                  // indexed by id; [0] unused
  std::vector<Event> events;
  std::vector<Wake> wakes;
  std::vector<PriorAccess> prior_accesses;  // by event_index, ascending
  // Memory access sites (absolute pcs, ascending) that touched a granule two threads shared.
  std::vector<uint64_t> memory_sites_found;
  // One per event when the run recorded its decisions, else empty.
  std::vector<EnabledSet> enabled_sets;
  // A free recording's inputs (format 2, shim protocol 13 on), in the order recorded.
  std::vector<Input> inputs;
  ProgramOutput program_stdout;  // empty when the recorder did not capture it
  ProgramOutput program_stderr;
  // What weft fed the program on stdin (captured = it was recorded, whole: a replay feeds
  // the same bytes); not captured when the program read weft's terminal or stdin itself.
  ProgramOutput program_stdin;
  Outcome outcome;
  bool has_outcome = false;  // false when the file ended before the trailer
  // ReadOptions::accept_truncated: byte offset of the incomplete last packet that was
  // dropped; 0 when the file ended cleanly.
  uint64_t truncated_at_byte = 0;

  bool operator==(const Trace&) const = default;
};

// The module with Module::id `id`, nullptr if the trace has none.
const Module* FindModule(const Trace& trace, uint32_t id);

}  // namespace weft::format
