/* shim_abi.h — the only header shared by libweft_preload.so (the shim, inside the target)
 * and the supervisor (weft). It describes the session: one shared-memory region created by
 * the supervisor, handed to the target through the environment, holding the run's
 * configuration (with the schedule to follow), the shim's status, the scripts and the event
 * ring.
 *
 * Plain C, fixed-width fields, no pointers: both sides map the same bytes.
 * Any change to a layout here bumps WEFT_SHIM_PROTOCOL_VERSION (it is copied into traces).
 */
#ifndef WEFT_SHIM_ABI_H
#define WEFT_SHIM_ABI_H

#include <stdint.h>

#include "weft/event_table.h" /* event kinds, event flags, object kinds */

#ifdef __cplusplus
extern "C" {
#endif

#define WEFT_SHIM_PROTOCOL_VERSION                                                             \
  19u /* 19: image (and pid) in stack, thread and object records; 18: WEFT_INPUT_DIRENT,       \
         feed_kinds; 17: interp_point (kind 46), interp_phase; 16: event_clock; 15: fork_late, \
         weft_fork_reply.events, process_wait (kind 45); 14: turns_taken; 13: recorded inputs; \
         12: free mode, partial replay; 11: the fork server; 10: forked_live; 9: files         \
         (tests/unit/abi: what a version stands for) */
#define WEFT_SESSION_MAGIC 0x5353455354464557ull /* "WEFTSESS" little-endian */

/* Environment variables set by the supervisor for the target. */
#define WEFT_ENV_SESSION_FD "WEFT_SESSION_FD" /* decimal fd of the session memfd */
#define WEFT_ENV_MARKER "WEFT_ACTIVE"         /* "1": set for every process of a session */

/* Exit code the shim uses after it has reported a deadlock or a fatal shim error. The
 * supervisor reads the outcome from the session status, not from this code. */
#define WEFT_SHIM_EXIT_CODE 86

/* WEFT_MODE_FORK_SERVER: controlled, and at the start of main the process becomes a fork
 * server (recorder/preload/fork_server.cc): it answers on the socket `fork_server_fd` with a
 * weft_fork_reply (ready, or why it cannot serve), then forks one child per
 * weft_fork_request, which takes over the request's session (WEFT_MODE_CONTROLLED) and
 * returns into main. With fork_late 1 it goes on past main, single-threaded, to the first
 * operation its runs cannot share (the first thread or process it creates, output, input,
 * a wait on the outside, its exit) and forks there: each child carries what was recorded
 * before that point into its run's ring, and its run's chooser is fed those decisions. */
/* FREE (weft record --free): the threads run in parallel, unscheduled; the shim records the
 * order of their synchronization events (weft/free_kinds.h lists them) with one global
 * sequence: the ring slot an event takes (every thread writes the ring: see the records). */
enum weft_mode { WEFT_MODE_CONTROLLED = 1, WEFT_MODE_FORK_SERVER = 2, WEFT_MODE_FREE = 3 };
/* What a free recording's event records hold in `vtime` (weft_session.event_clock):
 * MONOTONIC, CLOCK_MONOTONIC ns since monotonic_base_ns; TSC, the x86 time-stamp counter
 * as read (rdtsc), which the supervisor turns into the same ns as it drains the ring (it
 * chooses TSC only where the kernel keeps time with it: invariant, one count on every CPU). */
enum weft_event_clock { WEFT_EVENT_CLOCK_MONOTONIC = 0, WEFT_EVENT_CLOCK_TSC = 1 };

/* ---- the fork server's socket (SOCK_SEQPACKET, one message each way per run) ---- */

/* The descriptors a request carries (SCM_RIGHTS), in this order: the run's session memfd,
 * the go pipe's read end (the child reads one byte before it takes over the session: weft
 * writes it once it traces the child), then each one whose flag is set. */
#define WEFT_FORK_STDIN 1u    /* dup'd onto the child's fd 0 */
#define WEFT_FORK_STDOUT 2u   /* onto fd 1 */
#define WEFT_FORK_STDERR 4u   /* onto fd 2 */
#define WEFT_FORK_MOUNT_NS 8u /* a mount namespace the child joins (setns) before its chdir */
#define WEFT_FORK_MAX_FDS 6u
#define WEFT_FORK_REQUEST_MAGIC 0x4b524f46u /* "FORK" */
struct weft_fork_request {
  uint32_t magic; /* WEFT_FORK_REQUEST_MAGIC */
  uint32_t fds;   /* WEFT_FORK_* */
  char cwd[4096]; /* "" = stay in the server's working directory; NUL-terminated */
};
/* The server's first message says whether it serves (status 0) or why it cannot (1, the
 * message); then one reply per request: status 0 with the child's pid, or 2 and the
 * message (the fork failed). `events`: the events recorded before the fork point (0 at
 * main; a server with fork_late may have run on). */
struct weft_fork_reply {
  uint32_t status;
  int32_t pid;
  uint64_t events;
  char message[240];
};

/* The one limit on threads: a run may create at most this many (the main thread included).
 * The shim ends a run that creates more with a shim error naming the limit; every table
 * indexed by weft tid (the shim's threads, PCT's priorities, the decision records' enabled
 * sets, the supervisor's decisions) holds exactly this many. */
#define WEFT_MAX_THREADS 1024u

/* ---- the schedule a run follows: a kind and a tagged union (weft_schedule_spec) ---- */

enum weft_schedule_kind {
  WEFT_SCHEDULE_SEARCH = 1, /* the strategy makes every decision */
  WEFT_SCHEDULE_REPLAY = 2, /* follow the script, checked; the first divergence is reported */
  WEFT_SCHEDULE_GUIDED = 3, /* follow a script (a prefix), run forced_tid once, then the strategy */
  WEFT_SCHEDULE_PLAN = 4,   /* the strategy, except at the plan's deviations */
};

/* A search strategy: one of the choosers of the scheduling layer (sched/, listed in
 * weft/strategies.h with their numbers) and its parameters. `params` holds that chooser's
 * own `Params` struct, byte for byte; only that chooser reads it, and the shim refuses a
 * spec whose params_size is not sizeof its Params. */
struct weft_strategy_spec { /* 64 bytes */
  uint32_t kind;            /* the chooser's number in WEFT_SCHED_STRATEGIES */
  uint32_t params_size;     /* sizeof the chooser's Params */
  uint64_t params[7];
};

/* Where an array of records lies in the session region. */
struct weft_span { /* 16 bytes */
  uint64_t offset; /* from the start of the region */
  uint64_t count;  /* records */
};

struct weft_replay_spec {  /* WEFT_SCHEDULE_REPLAY */
  struct weft_span script; /* weft_script_entry: one per recorded event */
  struct weft_span wakes;  /* uint16_t: the futex waiters woken, in order */
  /* 1: the script of a free recording: it holds only the kinds a free recording records
   * (weft/free_kinds.h), in their recorded order, and is checked by kind; the other
   * schedule points are not in it (their thread runs them as soon as it can). */
  uint32_t partial;
  uint32_t reserved0;
};

struct weft_guided_spec {  /* WEFT_SCHEDULE_GUIDED */
  struct weft_span script; /* weft_script_entry: the decisions to follow first */
  struct weft_span wakes;  /* uint16_t: the futex waiters woken within the script */
  uint32_t strict;         /* 1: each entry's kind and object must match (a trace's prefix) */
  int32_t forced_tid;      /* >= 0: the thread to run at the decision after the script */
};

struct weft_plan_spec {  /* WEFT_SCHEDULE_PLAN */
  struct weft_span plan; /* weft_plan_entry: deviations from the strategy */
};

struct weft_schedule_spec {
  uint32_t kind; /* weft_schedule_kind: which member of `u` holds */
  uint32_t reserved0;
  /* SEARCH: the strategy; GUIDED and PLAN: the strategy after (and around) the script;
   * REPLAY: unused (running past the script is a divergence). */
  struct weft_strategy_spec strategy;
  union {
    struct weft_replay_spec replay;
    struct weft_guided_spec guided;
    struct weft_plan_spec plan;
  } u;
};

/* Ring record types. Every record is one or more 32-byte slots. In a free recording
 * (WEFT_MODE_FREE) many threads write the ring at once: each takes its slots with an atomic
 * add on ring_head, writes them, and stores the first slot's type byte last (release); the
 * supervisor reads a record only once that byte is non-zero and zeroes the first byte of
 * every slot it has read before it moves ring_tail on. */
enum weft_record_type {
  WEFT_REC_EVENT = 1,        /* struct weft_event_record */
  WEFT_REC_OBJECT = 2,       /* struct weft_object_record: first use of an object */
  WEFT_REC_THREAD = 3,       /* struct weft_thread_record: a thread was created */
  WEFT_REC_STACK = 4,        /* struct weft_stack_record + ceil(depth/4) slots of uint64 IPs */
  WEFT_REC_WAKE = 5,         /* struct weft_wake_record: one waiter chosen by a wake */
  WEFT_REC_BLOCKED = 6,      /* struct weft_blocked_record: deadlock report, one per thread */
  WEFT_REC_NAME = 7,         /* struct weft_name_record: thread name (pthread_setname_np) */
  WEFT_REC_DECISION = 8,     /* struct weft_decision_record: the enabled set of a decision */
  WEFT_REC_PRIOR = 9,        /* struct weft_prior_record: an access no event logged */
  WEFT_REC_SITE = 10,        /* struct weft_site_record: a site that accessed a shared granule */
  WEFT_REC_OBJECT_NAME = 11, /* struct weft_object_name_record: a file object's name */
  WEFT_REC_INPUT = 12,       /* struct weft_input_record, then its data slots (free mode) */
  WEFT_REC_INPUT_DATA = 13,  /* a data slot of an input: the type byte, 31 bytes of data */
};

#define WEFT_SLOT_BYTES 32u
#define WEFT_MAX_STACK_DEPTH 64u

struct weft_event_record { /* 32 bytes */
  uint8_t type;            /* WEFT_REC_EVENT */
  uint8_t kind;            /* weft_event_kind */
  uint16_t flags;          /* WEFT_F_* */
  uint16_t tid;            /* weft thread id: 0 = main, then creation order */
  uint16_t enabled;        /* how many threads were enabled at the decision */
  uint32_t obj;            /* object id in first-use order, 0 = none */
  uint32_t stack;          /* stack id, 0 = none */
  uint64_t vtime;          /* virtual time, ns since the start of the run */
  int64_t arg;             /* kind-specific, see weft_event_kind */
};

struct weft_object_record { /* 32 bytes */
  uint8_t type;             /* WEFT_REC_OBJECT */
  uint8_t kind;             /* weft_object_kind */
  uint16_t reserved0;
  uint32_t id;
  uint64_t address; /* address in the target (stable: ASLR is off) */
  uint64_t aux;     /* kind-specific (barrier count, semaphore initial value) */
  uint32_t image;   /* the program image of the process that first used it (stack records) */
  uint32_t pid;     /* that process */
};

struct weft_thread_record { /* 32 bytes */
  uint8_t type;             /* WEFT_REC_THREAD */
  uint8_t reserved0;
  uint16_t tid;
  uint16_t parent;
  uint16_t reserved1;
  uint32_t handle_obj;    /* object id of its pthread_t handle */
  uint32_t os_tid;        /* kernel tid (informational: differs between runs) */
  uint64_t start_routine; /* address of the start function */
  uint32_t pid;           /* its process (informational: differs between runs); 0 = the first */
  uint32_t image;         /* the program image its process runs (stack records) */
};

struct weft_stack_record { /* 32 bytes header; IPs follow in the next slots */
  uint8_t type;            /* WEFT_REC_STACK */
  uint8_t reserved0;
  uint16_t depth; /* number of IPs, <= WEFT_MAX_STACK_DEPTH */
  uint32_t id;    /* stack id, > 0 */
  /* The program image its IPs are in: 0 = the first process's first image (and the processes
   * it forks), then one more for each exec into a controlled image, in the order they start. */
  uint32_t image;
  uint32_t pid; /* a process running that image when the stack was taken */
  uint64_t reserved1[2];
};

struct weft_wake_record { /* 32 bytes */
  uint8_t type;           /* WEFT_REC_WAKE */
  uint8_t reserved0;
  uint16_t waker; /* tid of the thread that woke */
  uint16_t woken; /* tid of the chosen waiter */
  uint16_t reserved1;
  uint32_t obj;
  uint32_t reserved2;
  uint64_t reserved3[2];
};

struct weft_blocked_record { /* 32 bytes */
  uint8_t type;              /* WEFT_REC_BLOCKED */
  uint8_t kind;              /* the operation the thread waits in (weft_event_kind) */
  uint16_t tid;
  uint32_t obj;   /* object waited on, 0 = none */
  int32_t holder; /* tid holding obj, -1 = none/unknown */
  uint32_t stack; /* stack of the waiting operation */
  uint64_t reserved1[2];
};

struct weft_name_record { /* 32 bytes */
  uint8_t type;           /* WEFT_REC_NAME */
  uint8_t reserved0;
  uint16_t tid;
  char name[28]; /* NUL-padded */
};

struct weft_object_name_record { /* 32 bytes */
  uint8_t type;                  /* WEFT_REC_OBJECT_NAME */
  uint8_t reserved0;
  uint16_t reserved1;
  uint32_t obj;  /* the object (a file: the last part of the path it was first opened by) */
  char name[24]; /* NUL-padded, cut to fit */
};

/* ---- recorded inputs ----
 * The results of the calls that bring the outside into a free recording: clock reads
 * (clock_gettime, gettimeofday, time), getrandom, reads and receives from descriptors that
 * lead outside the process (recorder/preload/inputs.cc says which), and the entries read
 * from directories. A controlled run that is fed nothing records the directory entries only
 * (its clocks and random bytes are the session's own). A replay feeds each thread its own
 * inputs of the kinds it was given (feed_kinds) back, in order, instead of making the call. */
enum weft_input_kind {
  WEFT_INPUT_CLOCK = 1,  /* source: the clock id; value: the time read, ns since the epoch of
                            the clock (time, gettimeofday: CLOCK_REALTIME) */
  WEFT_INPUT_RANDOM = 2, /* getrandom; result: bytes or -errno; the bytes follow */
  WEFT_INPUT_READ = 3,   /* read, pread, recv, recvfrom, recvmsg; source: the descriptor;
                            result: bytes or -errno; the bytes follow */
  WEFT_INPUT_DIRENT = 4, /* readdir, readdir64, readdir_r, readdir64_r; source: the directory's
                            descriptor; result: bytes of the entry (a struct dirent64, cut
                            after its name's NUL), 0 at the end, or -errno; the entry follows */
};
#define WEFT_INPUT_KIND_LAST WEFT_INPUT_DIRENT
#define WEFT_INPUT_MORE                                            \
  0x1u /* weft_input_record.flags: the input's data goes on in the \
          thread's next input record (a read larger than one record) */
#define WEFT_INPUT_DATA_PER_SLOT 31u
#define WEFT_INPUT_MAX_DATA_SLOTS 1024u /* data slots of one record: 31,744 bytes */

/* One input, or one piece of a long read's (WEFT_INPUT_MORE). `bytes` of data follow it in
 * ceil(bytes / 31) WEFT_REC_INPUT_DATA slots taken with it (each slot's first byte is its
 * type, so that a reader skipping a record nobody committed never takes data for a record);
 * the writer stores the input's own type byte after all of them. */
struct weft_input_record { /* 32 bytes */
  uint8_t type;            /* WEFT_REC_INPUT */
  uint8_t kind;            /* weft_input_kind */
  uint16_t tid;
  uint16_t flags;      /* WEFT_INPUT_MORE */
  uint16_t data_slots; /* ceil(bytes / WEFT_INPUT_DATA_PER_SLOT) */
  int32_t source;      /* clock id, descriptor */
  uint32_t bytes;      /* data bytes in this record's slots */
  int64_t result;      /* the call's result (bytes, 0) or -errno; the same in every piece */
  uint64_t value;      /* WEFT_INPUT_CLOCK: the time, ns */
};

/* An input a replay feeds (weft_session.inputs): in the recorded order; thread `tid` takes
 * its own in turn. Its data is input_data[data_offset, data_offset + max(result, 0)). */
struct weft_input_entry { /* 32 bytes */
  uint16_t tid;
  uint8_t kind; /* weft_input_kind */
  uint8_t reserved0;
  int32_t source;
  int64_t result;
  uint64_t value;
  uint64_t data_offset;
};

/* The enabled set of a decision; follows its event when record_decisions is on. Threads
 * 0..191 are in the record itself; `extra_slots` slots of 4 more words each follow it
 * (threads 192..447, 448..703, ...) when a thread above 191 was enabled: the record carries
 * every enabled thread up to WEFT_MAX_THREADS. */
struct weft_decision_record { /* 32 bytes, then extra_slots * 32 bytes */
  uint8_t type;               /* WEFT_REC_DECISION */
  uint8_t extra_slots;
  uint16_t current; /* the thread that reached the schedule point */
  uint16_t reserved1[2];
  uint64_t enabled[3]; /* bit t set: thread t was enabled */
};
#define WEFT_DECISION_INLINE_THREADS 192u
#define WEFT_DECISION_SLOT_THREADS 256u

/* An access of a granule that only one thread had touched, which the shim did not log as an
 * event; written when a second thread touches the granule, right after that thread's
 * MEM_READ / MEM_WRITE event record (format::PriorAccess). */
struct weft_prior_record { /* 32 bytes */
  uint8_t type;            /* WEFT_REC_PRIOR */
  uint8_t write;           /* 1: a write (else a read) */
  uint16_t flags;          /* WEFT_F_* as on a MEM_* event (ATOMIC, READ) */
  uint16_t tid;            /* the thread that performed it */
  uint16_t reserved0;
  uint32_t stack; /* stack id of the access, 0 = none */
  uint32_t reserved1;
  int64_t arg;           /* WEFT_MEM_ARG, as on a MEM_* event; the granule is its obj */
  uint64_t before_event; /* events emitted before the access (its thread's last event is
                          * the last of its own below this index) */
};

/* A memory access site (the pc of an instrumented access, an absolute address: ASLR is off)
 * that touched a shared granule in this run, reported once per run. The supervisor makes
 * such sites schedule points of later runs (weft_session.memory_sites). */
struct weft_site_record { /* 32 bytes */
  uint8_t type;           /* WEFT_REC_SITE */
  uint8_t reserved0[7];
  uint64_t pc;
  uint64_t reserved1[2];
};

/* A script entry (replay, guided): one per decision to follow, in order. */
struct weft_script_entry { /* 16 bytes */
  uint16_t tid;            /* the thread to run */
  uint8_t kind;            /* its event (checked when strict) */
  uint8_t reserved0;
  uint32_t obj; /* its object (checked when strict) */
  int64_t arg;  /* for COND_SIGNAL: the woken tid (-1: not scripted); otherwise 0 */
};

/* A plan entry: when thread `current` reaches a schedule point after `done` events of its
 * own, run `tid` (if it can run; else the strategy decides). */
struct weft_plan_entry { /* 16 bytes */
  uint16_t current;
  uint16_t tid;
  uint32_t reserved0;
  uint64_t done;
};

/* ---- atomic instructions of uninstrumented code (weft_session.atomic_*) ----
 * The supervisor disassembles the program's own modules before the run and lists their
 * atomic read-modify-write instructions (lock-prefixed with a memory operand, xchg with a
 * memory operand). At start-up the shim replaces each with a jump to a trampoline of its own
 * that makes the access a schedule point (a MEM_WRITE event, flags READ | ATOMIC) and then
 * runs the displaced instructions, relocated, and jumps back. */
#define WEFT_MAX_ATOMIC_MODULES 32u
#define WEFT_MAX_ATOMIC_SITES 16384u
#define WEFT_ATOMIC_CODE_BYTES 40u
#define WEFT_ATOMIC_MAX_FIXUPS 3u
#define WEFT_REG_RIP 16u   /* weft_atomic_site.base: RIP-relative (disp is the address) */
#define WEFT_REG_NONE 255u /* no base or no index register */

/* A module whose sites follow: the file the loader maps (the executable: the first object),
 * matched by device and inode, or, in a run with a private view of its files (an overlay:
 * other device numbers), by file name and size; the shim compares every site's bytes before
 * patching. */
struct weft_atomic_module { /* 256 bytes */
  uint64_t dev;             /* st_dev of the file */
  uint64_t ino;             /* st_ino of the file */
  uint64_t first_site;      /* index of its first site in atomic_sites */
  uint64_t sites;           /* its sites, consecutive, ascending offsets */
  uint32_t main;            /* 1: the program's executable */
  uint32_t reserved0;
  uint64_t file_size; /* st_size of the file */
  char path[208];     /* NUL-terminated */
};

/* A rel32 field of weft_atomic_site.code that must point at module base + target, relative to
 * the end of its instruction (code + end). */
struct weft_atomic_fixup { /* 16 bytes */
  uint32_t at;             /* offset of the 4-byte field in code */
  uint32_t end;            /* offset in code of the end of the instruction that holds it */
  uint64_t target;         /* module-relative address */
};

/* One atomic instruction. Its memory operand is segment-free (fs/gs sites are not listed):
 * address = base + index * scale + disp (registers in the x86 encoding order, 0 = rax ..
 * 15 = r15), or for base WEFT_REG_RIP the module-relative address disp. */
struct weft_atomic_site { /* 128 bytes */
  uint64_t offset;        /* module-relative address of the instruction */
  uint8_t patch_len;      /* bytes replaced at offset (5..16): it and the instructions after */
  uint8_t size;           /* bytes the instruction accesses */
  uint8_t base;           /* WEFT_REG_* or 0..15 */
  uint8_t index;          /* WEFT_REG_NONE or 0..15 */
  uint8_t scale;          /* 1, 2, 4 or 8 */
  uint8_t code_len;       /* bytes of code */
  uint8_t fixups;         /* entries of fixup in use */
  uint8_t reserved0;
  int64_t disp;
  struct weft_atomic_fixup fixup[WEFT_ATOMIC_MAX_FIXUPS];
  uint8_t original[16]; /* the patch_len bytes at offset, as the file has them */
  /* The patch_len bytes' instructions relocated: run at the trampoline, they do what the
   * originals did and fall through to offset + patch_len (the shim adds the jump). */
  uint8_t code[WEFT_ATOMIC_CODE_BYTES];
};

/* Every record is a whole number of slots; these sizes are part of the protocol. */
#ifdef __cplusplus
#define WEFT_ABI_ASSERT_SIZE(type, bytes) static_assert(sizeof(type) == (bytes), #type " size")
#else
#define WEFT_ABI_ASSERT_SIZE(type, bytes) _Static_assert(sizeof(type) == (bytes), #type " size")
#endif
WEFT_ABI_ASSERT_SIZE(struct weft_event_record, WEFT_SLOT_BYTES);
WEFT_ABI_ASSERT_SIZE(struct weft_object_record, WEFT_SLOT_BYTES);
WEFT_ABI_ASSERT_SIZE(struct weft_thread_record, WEFT_SLOT_BYTES);
WEFT_ABI_ASSERT_SIZE(struct weft_stack_record, WEFT_SLOT_BYTES);
WEFT_ABI_ASSERT_SIZE(struct weft_wake_record, WEFT_SLOT_BYTES);
WEFT_ABI_ASSERT_SIZE(struct weft_blocked_record, WEFT_SLOT_BYTES);
WEFT_ABI_ASSERT_SIZE(struct weft_name_record, WEFT_SLOT_BYTES);
WEFT_ABI_ASSERT_SIZE(struct weft_object_name_record, WEFT_SLOT_BYTES);
WEFT_ABI_ASSERT_SIZE(struct weft_decision_record, WEFT_SLOT_BYTES);
WEFT_ABI_ASSERT_SIZE(struct weft_prior_record, WEFT_SLOT_BYTES);
WEFT_ABI_ASSERT_SIZE(struct weft_site_record, WEFT_SLOT_BYTES);
WEFT_ABI_ASSERT_SIZE(struct weft_input_record, WEFT_SLOT_BYTES);
WEFT_ABI_ASSERT_SIZE(struct weft_input_entry, 32);
WEFT_ABI_ASSERT_SIZE(struct weft_script_entry, 16);
WEFT_ABI_ASSERT_SIZE(struct weft_plan_entry, 16);
WEFT_ABI_ASSERT_SIZE(struct weft_atomic_module, 256);
WEFT_ABI_ASSERT_SIZE(struct weft_atomic_fixup, 16);
WEFT_ABI_ASSERT_SIZE(struct weft_atomic_site, 128);

/* Outcome flags the shim raises in the session status. */
#define WEFT_STATUS_DEADLOCK 0x1u
#define WEFT_STATUS_DIVERGED 0x2u
#define WEFT_STATUS_SHIM_ERROR 0x4u
#define WEFT_STATUS_MAX_STEPS 0x8u
#define WEFT_STATUS_STOPPED 0x10u /* stopped before event stop_before (BLOCKED records follow) */
#define WEFT_STATUS_NO_PROGRESS 0x20u /* progress_window events without progress: livelock */
/* A process forked from the controlled one blocked on a lock held by a thread that does not
 * exist in it (fork copies a held lock, not its holder): a deadlock; `error` says which. */
#define WEFT_STATUS_FORK_DEADLOCK 0x40u
/* With stop_enabled 2: the thread about to perform event stop_before holds the turn and
 * waits until the supervisor sets hold_released (BLOCKED records came before, as with
 * WEFT_STATUS_STOPPED, which is raised with it); the other threads wait in the shim. */
#define WEFT_STATUS_HELD 0x80u
/* A replay that feeds recorded inputs (feed_inputs): a thread asked for an input its
 * recorded ones do not have next (input_divergence says which); it got the real call's. */
#define WEFT_STATUS_INPUT_DIVERGED 0x100u

/* What the shim saw of memory accesses (weft_session.memory). */
#define WEFT_MEMORY_INSTRUMENTED 0x1u /* an instrumented access reached the shim (weft cc) */
#define WEFT_MEMORY_TABLE_FULL 0x2u   /* the granule table filled: new granules untracked */
#define WEFT_MEMORY_ATOMIC_SITES 0x4u /* a patched atomic instruction reached the shim */
/* The program links weft's runtime but its malloc and free are glibc's (the runtime comes after
 * libc.so.6 among its libraries): the runtime never reports a block freed and allocated again. */
#define WEFT_MEMORY_FOREIGN_HEAP 0x8u
#define WEFT_MAX_MEMORY_SITES 65536u /* candidate sites one run takes */

/* The session region. The supervisor fills the configuration before it starts the program;
 * the shim fills the status. Offsets are from the start of the region. */
struct weft_session {
  /* identity */
  uint64_t magic;         /* WEFT_SESSION_MAGIC */
  uint32_t protocol;      /* WEFT_SHIM_PROTOCOL_VERSION */
  int32_t fork_server_fd; /* WEFT_MODE_FORK_SERVER: the server's end of its socket */
  uint64_t size;          /* bytes of the whole region (the shim keeps state of its own in the memfd
                             past it, which the supervisor never reads) */

  /* configuration (supervisor → shim) */
  uint32_t mode;              /* weft_mode */
  uint32_t capture_stacks;    /* 0 = none, else max depth */
  uint64_t realtime_base_ns;  /* CLOCK_REALTIME at virtual time 0 */
  uint64_t monotonic_base_ns; /* CLOCK_MONOTONIC at virtual time 0 */
  uint64_t max_steps;         /* 0 = unlimited */
  int32_t cpu;                /* CPU to pin the controlled process to, -1 = do not pin */
  uint32_t stop_enabled;      /* 1: stop before event stop_before, reporting every thread;
                                 2: hold the program there for a debugger (WEFT_STATUS_HELD) */
  uint64_t stop_before;
  uint32_t record_decisions; /* 1: a DECISION record follows every event */
  /* Livelock: a run ends with WEFT_STATUS_NO_PROGRESS after this many events in a row
   * none of which made progress (yields, sleeps, timeouts, failed tries and probes); 0 = off */
  uint32_t progress_window;
  uint32_t stop_on_divergence; /* 1: at the first divergence, report every thread and exit */
  uint32_t hold_released;      /* supervisor → shim while running: a held program goes on */
  struct weft_schedule_spec schedule;
  /* Memory access sites (uint64_t pcs, ascending, at most WEFT_MAX_MEMORY_SITES) whose
   * accesses are schedule points: sites that touched shared granules in earlier runs. */
  struct weft_span memory_sites;
  /* Atomic instructions to make schedule points (weft_atomic_module, weft_atomic_site);
   * empty when the run does not want them. */
  struct weft_span atomic_modules;
  struct weft_span atomic_sites;
  /* A replay of a trace that recorded inputs: the recorded inputs to feed (weft_input_entry)
   * and their data (bytes), used when feed_inputs is 1 (feed_kinds: which of them). */
  struct weft_span inputs;
  struct weft_span input_data;
  uint32_t feed_inputs;
  uint32_t fork_late;   /* WEFT_MODE_FORK_SERVER: 1 = fork after main, at the first operation its
                           runs cannot share (see WEFT_MODE_FORK_SERVER above) */
  uint32_t event_clock; /* WEFT_MODE_FREE: weft_event_clock of the event records' vtime */
  uint32_t feed_kinds;  /* with feed_inputs 1: the kinds fed (bit 1 << weft_input_kind); a call
                           of another kind is made, not fed */
  /* Where CPython's interpreter points fall (INTERP_POINT) when no trace's script says: the
   * gaps between a thread's points are a hash of this, the thread and its count. */
  uint64_t interp_phase;

  /* status (shim → supervisor) */
  uint32_t claimed_pid;                       /* the process under control */
  uint32_t status;                            /* WEFT_STATUS_* */
  uint64_t events;                            /* events emitted */
  uint64_t vtime;                             /* virtual time now */
  uint64_t divergence_index;                  /* index of the first divergent event */
  struct weft_script_entry divergence_actual; /* what the program did instead */
  uint32_t threads;                           /* threads created so far, main included */
  uint32_t memory;                            /* WEFT_MEMORY_* */
  uint32_t atomic_patched;                    /* atomic sites the shim patched */
  uint32_t atomic_unpatched; /* listed sites it left alone (module not mapped, bytes differ) */
  uint32_t forked_live;      /* forked processes of the session still under control: the run
                                lasts until they end, after the first process has */
  uint32_t turns_taken; /* times the turn was taken from a thread blocked in a call weft does not
                           model (it went on in parallel until it came back to the shim): the
                           run is not deterministic at those points */
  uint64_t inputs_fed;  /* recorded inputs a replay fed */
  /* WEFT_STATUS_INPUT_DIVERGED: the first input that did not match: the thread, what it
   * asked for and what its next recorded input is (kind 0: it had none left). */
  struct {
    uint16_t tid;
    uint8_t wanted_kind;
    uint8_t recorded_kind;
    int32_t wanted_source;
    int32_t recorded_source;
    uint32_t reserved0;
    uint64_t events; /* events emitted before it */
  } input_divergence;
  char error[256]; /* shim error message, NUL-terminated */

  /* ring (shim produces, supervisor consumes); indexes count slots, never wrap */
  uint64_t ring_offset;
  uint64_t ring_slots; /* power of two */
  uint8_t pad0[24];
  volatile uint64_t ring_head; /* next slot the shim writes (own cache line) */
  uint8_t pad1[56];
  volatile uint64_t ring_tail; /* next slot the supervisor reads (own cache line) */
  uint8_t pad2[56];
};

#ifdef __cplusplus
}
#endif

#endif /* WEFT_SHIM_ABI_H */
