/* event_table.h — the one table of weft's event kinds and object kinds. Everything that
 * says what an event means comes from here: the C enums below (the shim writes them into
 * ring records), format::EventKind and the names (formats/), the conflict access model and
 * the event digest (analysis/), the GUI's colour groups. A unit test (tests/unit/abi)
 * checks the table against the .proto enums in both directions.
 *
 * Freestanding C: macros and enums only. Numbers are part of the trace format
 * (formats/FORMAT.md): never renumber or reuse one; a kind that is no longer written moves
 * to WEFT_RETIRED_EVENT_KINDS and its proto value becomes `reserved`.
 */
#ifndef WEFT_EVENT_TABLE_H
#define WEFT_EVENT_TABLE_H

/* Object kinds: X(NAME, CamelName, number, "name").
 * NAME gives WEFT_OBJ_NAME, CamelName gives format::ObjectKind::kCamelName. */
#define WEFT_OBJECT_KINDS(X)                                                                     \
  X(NONE, None, 0, "none")                                                                       \
  X(THREAD, Thread, 1, "thread")                                                                 \
  X(MUTEX, Mutex, 2, "mutex")                                                                    \
  X(RWLOCK, Rwlock, 3, "rwlock")                                                                 \
  X(COND, Cond, 4, "cond")                                                                       \
  X(SEM, Sem, 5, "sem")                                                                          \
  X(BARRIER, Barrier, 6, "barrier")                                                              \
  X(ONCE, Once, 7, "once")                                                                       \
  X(SPIN, Spin, 8, "spin")                                                                       \
  X(FUTEX, Futex, 9, "futex")                                                                    \
  X(MEMORY, Memory, 10, "memory")                                                                \
  X(FILE, File, 11, "file") /* a file, by device and inode (address: the inode, aux: the device) \
                             */                                                                  \
  X(CHANNEL, Channel, 12, "channel") /* a pipe (address: its inode) or a socket's service (the   \
                                        address clients connect to; its name is the address) */

/* How an event touches its object `obj`, for conflicts (analysis/access.h): two accesses of
 * different threads to one object conflict when at least one writes. */
enum weft_access_class {
  WEFT_ACCESS_NONE = 0,    /* touches no object */
  WEFT_ACCESS_READ = 1,    /* reads obj (commutes with other reads) */
  WEFT_ACCESS_WRITE = 2,   /* writes obj, also when it failed or timed out */
  WEFT_ACCESS_UPDATE = 3,  /* writes obj; reads it when it failed (WEFT_F_FAILED: it did nothing) */
  WEFT_ACCESS_BY_STATE = 4 /* depends on the argument or the thread's state: see access.cc */
};

/* Whether an event opens or closes a section in which its thread holds obj (a lock held).
 * A conflict with a section's end is reversed at the section's start (Conflict::reversal).
 * Only operations that succeeded open or close a section. */
enum weft_section_role {
  WEFT_SECTION_NONE = 0,
  WEFT_SECTION_ACQUIRE = 1, /* takes obj */
  WEFT_SECTION_RELEASE = 2  /* gives obj back */
};

/* Colour groups of the GUI's timeline: X(NAME, CamelName, number, "name"). The numbers
 * are the drawing priority where groups meet in one pixel column (a higher one wins). */
/* clang-format off */
#define WEFT_EVENT_CATEGORIES(X)                           \
  X(OTHER, Other, 0, "other")    /* yield, fork, detach */ \
  X(TIME, Time, 1, "time")       /* sleep */               \
  X(UNLOCK, Unlock, 2, "unlock")                           \
  X(LOCK, Lock, 3, "lock")                                 \
  X(SYNC, Sync, 4, "sync")       /* semaphores, barriers, once */ \
  X(FUTEX, Futex, 5, "futex")                              \
  X(COND, Cond, 6, "cond")                                 \
  X(THREAD, Thread, 7, "thread")                           \
  X(MEMORY, Memory, 8, "memory") /* plain and atomic memory accesses */
/* clang-format on */

/* Event kinds, one row each:
 *   X(NAME, CamelName, number, "name", OBJECT, ACCESS, SECTION, CATEGORY, waits,
 *     arg_nondeterministic, "obj", "arg")
 * NAME gives WEFT_EV_NAME and the proto's EVENT_KIND_NAME; CamelName gives
 * format::EventKind::kCamelName; "name" is the printable name. OBJECT is the weft_object_kind
 * of obj (NONE: obj is 0), ACCESS the weft_access_class on obj, SECTION the
 * weft_section_role, CATEGORY the GUI's group. `waits` is 1 when a thread can be blocked in
 * this operation (it is then the pending operation of a deadlock or a stop). When
 * `arg_nondeterministic` is 1, arg differs between runs of the same schedule and the event
 * digest leaves it out. The last two columns say what obj and arg hold.
 * Flags (WEFT_F_*, below) may be set on any kind. */
/* clang-format off */
#define WEFT_EVENT_KINDS(X) \
  X(NONE, None, 0, "none", NONE, NONE, NONE, OTHER, 0, 0, \
    "-", "- (never in a trace)") \
  X(THREAD_START, ThreadStart, 1, "thread_start", THREAD, NONE, NONE, THREAD, 0, 0, \
    "the thread's own handle", "tid of the creating thread") \
  X(THREAD_EXIT, ThreadExit, 2, "thread_exit", THREAD, UPDATE, NONE, THREAD, 0, 0, \
    "the thread's own handle", "0") \
  X(THREAD_CREATE, ThreadCreate, 3, "thread_create", THREAD, UPDATE, NONE, THREAD, 0, 0, \
    "the created thread's handle (0 if it failed)", "tid of the created thread, or -errno") \
  X(THREAD_JOIN, ThreadJoin, 4, "thread_join", THREAD, UPDATE, NONE, THREAD, 1, 0, \
    "the joined thread's handle", "tid of the joined thread") \
  X(THREAD_DETACH, ThreadDetach, 5, "thread_detach", THREAD, UPDATE, NONE, OTHER, 0, 0, \
    "the detached thread's handle", "tid of the detached thread") \
  X(MUTEX_LOCK, MutexLock, 6, "mutex_lock", MUTEX, UPDATE, ACQUIRE, LOCK, 1, 0, \
    "the mutex", "0, or the errno (EBUSY, ETIMEDOUT, ...) with F_FAILED") \
  X(MUTEX_UNLOCK, MutexUnlock, 7, "mutex_unlock", MUTEX, UPDATE, RELEASE, UNLOCK, 0, 0, \
    "the mutex", "0 or errno") \
  X(RWLOCK_RDLOCK, RwlockRdlock, 8, "rwlock_rdlock", RWLOCK, READ, ACQUIRE, LOCK, 1, 0, \
    "the rwlock", "0 or errno") \
  X(RWLOCK_WRLOCK, RwlockWrlock, 9, "rwlock_wrlock", RWLOCK, UPDATE, ACQUIRE, LOCK, 1, 0, \
    "the rwlock", "0 or errno") \
  X(RWLOCK_UNLOCK, RwlockUnlock, 10, "rwlock_unlock", RWLOCK, BY_STATE, RELEASE, UNLOCK, 0, 0, \
    "the rwlock", "0 or errno") \
  X(COND_WAIT, CondWait, 11, "cond_wait", COND, UPDATE, NONE, COND, 0, 0, \
    "the condition", "object id of the mutex it releases") \
  X(COND_WAKE, CondWake, 12, "cond_wake", COND, WRITE, NONE, COND, 1, 0, \
    "the condition", "0, or ETIMEDOUT (F_TIMEDOUT); the mutex is reacquired") \
  X(COND_SIGNAL, CondSignal, 13, "cond_signal", COND, WRITE, NONE, COND, 0, 0, \
    "the condition", "tid of the waiter it woke, -1 if there was none") \
  X(COND_BROADCAST, CondBroadcast, 14, "cond_broadcast", COND, WRITE, NONE, COND, 0, 0, \
    "the condition", "number of waiters woken") \
  X(SEM_WAIT, SemWait, 15, "sem_wait", SEM, UPDATE, NONE, SYNC, 1, 0, \
    "the semaphore", "0 or errno") \
  X(SEM_POST, SemPost, 16, "sem_post", SEM, UPDATE, NONE, SYNC, 0, 0, \
    "the semaphore", "0 or errno") \
  X(BARRIER_WAIT, BarrierWait, 17, "barrier_wait", BARRIER, WRITE, NONE, SYNC, 0, 0, \
    "the barrier", "arrivals so far, this one included") \
  X(BARRIER_LEAVE, BarrierLeave, 18, "barrier_leave", BARRIER, NONE, NONE, SYNC, 1, 0, \
    "the barrier", "1 for the serial thread, else 0") \
  X(ONCE, Once, 19, "once", ONCE, BY_STATE, NONE, SYNC, 1, 0, \
    "the once control", "1 if this call runs the init routine, 0 if it found it done") \
  X(SPIN_LOCK, SpinLock, 20, "spin_lock", SPIN, UPDATE, ACQUIRE, LOCK, 1, 0, \
    "the spinlock", "0 or errno") \
  X(SPIN_UNLOCK, SpinUnlock, 21, "spin_unlock", SPIN, UPDATE, RELEASE, UNLOCK, 0, 0, \
    "the spinlock", "0 or errno") \
  X(FUTEX_WAIT, FutexWait, 22, "futex_wait", FUTEX, BY_STATE, NONE, FUTEX, 0, 0, \
    "the futex word", "0: waiting; -EAGAIN (F_FAILED): the word differed") \
  X(FUTEX_WOKEN, FutexWoken, 23, "futex_woken", FUTEX, WRITE, NONE, FUTEX, 1, 0, \
    "the futex word", "0, or -ETIMEDOUT (F_TIMEDOUT) when the deadline fired") \
  X(FUTEX_WAKE, FutexWake, 24, "futex_wake", FUTEX, WRITE, NONE, FUTEX, 0, 0, \
    "the futex word", "number woken (the woken tids are the trace's wakes)") \
  X(SLEEP, Sleep, 25, "sleep", NONE, NONE, NONE, TIME, 1, 0, \
    "0", "requested ns; written when the deadline fired (vtime: the end of the sleep)") \
  X(YIELD, Yield, 27, "yield", NONE, NONE, NONE, OTHER, 0, 0, \
    "0", "0") \
  X(FORK, Fork, 28, "fork", NONE, NONE, NONE, OTHER, 0, 1, \
    "0", "pid of the child (a process of the session: its thread is the next new tid), or " \
    "-errno") \
  X(ONCE_DONE, OnceDone, 29, "once_done", ONCE, WRITE, RELEASE, SYNC, 0, 0, \
    "the once control", "0 (the init routine returned)") \
  X(SIGNAL_WAIT, SignalWait, 30, "signal_wait", NONE, NONE, NONE, TIME, 1, 0, \
    "0", "the signal taken (sigwait family), -EINTR (sigsuspend, pause: a handler ran), " \
    "-EAGAIN (F_TIMEDOUT)") \
  X(POLL, Poll, 31, "poll", NONE, NONE, NONE, TIME, 1, 0, \
    "0", "never an event: the operation of a thread blocked in a readiness wait (poll, " \
    "select, epoll_wait families, a blocking read) in a deadlock or stop report") \
  X(PROCESS_EXIT, ProcessExit, 32, "process_exit", NONE, NONE, NONE, THREAD, 0, 0, \
    "0", "the exit status (exit, _exit, return from main)") \
  X(MEM_READ, MemRead, 33, "mem_read", MEMORY, READ, NONE, MEMORY, 0, 0, \
    "the 8-byte granule holding the first byte read", \
    "WEFT_MEM_ARG: size, offset in the granule, memory order (F_ATOMIC)") \
  X(MEM_WRITE, MemWrite, 34, "mem_write", MEMORY, WRITE, NONE, MEMORY, 0, 0, \
    "the 8-byte granule holding the first byte written", \
    "WEFT_MEM_ARG: size, offset in the granule, memory order (F_ATOMIC); F_READ: it also " \
    "read (a compound access, an atomic read-modify-write)") \
  X(EXEC, Exec, 35, "exec", NONE, NONE, NONE, THREAD, 0, 0, \
    "0", "1: the new image runs under control in the session (its first event); 0: it runs " \
    "uncontrolled and the process leaves control (a static or non-ELF program, an environment " \
    "without the shim); -errno (F_FAILED): exec failed and the process goes on") \
  X(FILE_READ, FileRead, 36, "file_read", FILE, READ, NONE, OTHER, 0, 1, \
    "the file (a regular file: device and inode)", \
    "bytes read, or -errno; 0 for an open that reads no bytes yet (open, fopen: buffered " \
    "reads follow it with no schedule point between) and for a test of a record lock " \
    "(fcntl F_GETLK, F_OFD_GETLK, lockf F_TEST)") \
  X(FILE_WRITE, FileWrite, 37, "file_write", FILE, WRITE, NONE, OTHER, 0, 1, \
    "the file", "bytes written, or -errno (write, pwrite, a stream's flush at fflush or " \
    "fclose, ftruncate, an open that truncates, rename or unlink of it)") \
  X(FILE_LOCK, FileLock, 38, "file_lock", FILE, UPDATE, ACQUIRE, LOCK, 1, 0, \
    "the file", "the flock operation (LOCK_SH 1, LOCK_EX 2, | LOCK_NB 4); a record lock " \
    "(fcntl F_SETLK/F_SETLKW, lockf): LOCK_SH (F_RDLCK) or LOCK_EX (F_WRLCK), | LOCK_NB for " \
    "a try, | 0x100 (a POSIX lock: the process's) or 0x200 (an OFD lock: F_OFD_SETLK/W); or " \
    "-errno with F_FAILED") \
  X(FILE_UNLOCK, FileUnlock, 39, "file_unlock", FILE, UPDATE, RELEASE, UNLOCK, 0, 0, \
    "the file", "0, or -errno (flock LOCK_UN; an fcntl or lockf unlock; a close of a file " \
    "the process holds record locks on, which drops them all)") \
  X(CHANNEL_SEND, ChannelSend, 40, "channel_send", CHANNEL, WRITE, NONE, OTHER, 0, 1, \
    "the channel (a pipe, or a socket's service)", \
    "bytes written or sent (write, writev, send, sendto, sendmsg; a write that may not fit " \
    "a pipe or a stream socket is one event per piece, each waiting for room), or -errno") \
  X(CHANNEL_RECV, ChannelRecv, 41, "channel_recv", CHANNEL, WRITE, NONE, OTHER, 0, 1, \
    "the channel", "bytes read or received (read, recv, recvfrom, recvmsg: it takes them out " \
    "of the channel), or -errno; a stdio read of a pipe: the bytes the pipe held once it " \
    "waited for them") \
  X(CHANNEL_CONNECT, ChannelConnect, 42, "channel_connect", CHANNEL, WRITE, NONE, OTHER, 0, 1, \
    "the service connected to", "0, or -errno (ECONNREFUSED: nothing listened yet)") \
  X(CHANNEL_ACCEPT, ChannelAccept, 43, "channel_accept", CHANNEL, WRITE, NONE, OTHER, 0, 1, \
    "the service (the listening socket's address)", "the new descriptor, or -errno") \
  X(CHANNEL_SHUTDOWN, ChannelShutdown, 44, "channel_shutdown", CHANNEL, WRITE, NONE, OTHER, 0, \
    0, "the channel", "0, or -errno") \
  X(PROCESS_WAIT, ProcessWait, 45, "process_wait", NONE, NONE, NONE, THREAD, 1, 1, \
    "0", "the pid of the child it reaped (a join: that process's end happened before), 0 when " \
    "WNOHANG found none ended (F_TRY) or the child left control meanwhile (the wait goes on " \
    "outside the schedule), or -errno (F_FAILED; ECHILD: no such child)") \
  X(INTERP_POINT, InterpPoint, 46, "interp_point", NONE, NONE, NONE, OTHER, 0, 0, \
    "0", "the calls and returns the thread's interpreter (CPython) had made when the point " \
    "came: where another thread may take the GIL")

/* Kinds no longer written, still read from old traces: R(NAME, CamelName, number, "name",
 * OBJECT, CATEGORY, "why"). They have no WEFT_EV_ value (the shim cannot write them), touch
 * no object, and their proto values are `reserved`.
 * SLEEP_DONE: the end of a sleep. SLEEP itself is written when the deadline fires, so its
 * vtime already is the end; a second event would have been a second decision per sleep. */
#define WEFT_RETIRED_EVENT_KINDS(R) \
  R(SLEEP_DONE, SleepDone, 26, "sleep_done", NONE, TIME, "end of a sleep (never written)")
/* clang-format on */

/* clang-format off */
#define WEFT_TABLE_ENUM_EV_(NAME, Camel, num, ...) WEFT_EV_##NAME = num,
#define WEFT_TABLE_ENUM_OBJ_(NAME, Camel, num, name) WEFT_OBJ_##NAME = num,
#define WEFT_TABLE_ENUM_CAT_(NAME, Camel, num, name) WEFT_CAT_##NAME = num,
#define WEFT_TABLE_PLUS_ONE_(...) +1

/* Event kinds (WEFT_EVENT_KINDS). */
enum weft_event_kind {
  WEFT_EVENT_KINDS(WEFT_TABLE_ENUM_EV_)
  /* Numbers in use or retired: every kind is below it (numbers are dense). */
  WEFT_EV_KIND_COUNT = 0 WEFT_EVENT_KINDS(WEFT_TABLE_PLUS_ONE_)
                         WEFT_RETIRED_EVENT_KINDS(WEFT_TABLE_PLUS_ONE_)
};

/* Object kinds (WEFT_OBJECT_KINDS; for WEFT_REC_OBJECT). */
enum weft_object_kind {
  WEFT_OBJECT_KINDS(WEFT_TABLE_ENUM_OBJ_)
  WEFT_OBJ_COUNT = 0 WEFT_OBJECT_KINDS(WEFT_TABLE_PLUS_ONE_) /* every kind is below it */
};

/* GUI colour groups (WEFT_EVENT_CATEGORIES). */
enum weft_event_category {
  WEFT_EVENT_CATEGORIES(WEFT_TABLE_ENUM_CAT_)
  WEFT_CAT_COUNT = 0 WEFT_EVENT_CATEGORIES(WEFT_TABLE_PLUS_ONE_)
};

#undef WEFT_TABLE_ENUM_EV_
#undef WEFT_TABLE_ENUM_OBJ_
#undef WEFT_TABLE_ENUM_CAT_
#undef WEFT_TABLE_PLUS_ONE_
/* clang-format on */

/* Event flags (weft_event_record.flags), on any kind. */
#define WEFT_F_TRY 0x1u      /* try-variant: never blocks */
#define WEFT_F_TIMED 0x2u    /* has a deadline */
#define WEFT_F_TIMEDOUT 0x4u /* the deadline fired (result ETIMEDOUT) */
#define WEFT_F_FAILED 0x8u   /* the operation returned an error (errno in arg) */
#define WEFT_F_READ 0x10u    /* rwlock read side; MEM_WRITE: the access also read */
/* The thread waited for something outside the controlled threads before this event (a
 * signal, or a descriptor made ready by another process, after weft waited in real time):
 * a replay may wait there too. */
#define WEFT_F_EXTERNAL 0x20u
#define WEFT_F_ATOMIC 0x40u /* MEM_READ, MEM_WRITE: an atomic access */
/* MEM_WRITE: the range was freed (free, delete, realloc's old block): a write of every byte,
 * after which the race detector forgets the accesses to it (the memory is new when the
 * allocator hands it out again). */
#define WEFT_F_FREE 0x80u
#define WEFT_F_ALL 0xffu /* every flag this table defines */

/* The arg of MEM_READ and MEM_WRITE: bits 0..31 the size in bytes (a range: its whole size),
 * bits 32..34 the offset of the first byte in the granule (obj's address is the granule's,
 * a multiple of 8), bits 40..42 the C11 memory order of an atomic access (0 relaxed ..
 * 5 seq_cst; 0 for plain accesses). */
#define WEFT_MEM_GRANULE_BYTES 8u
#define WEFT_MEM_ARG(size, offset, order)                            \
  ((long long)((unsigned long long)(unsigned)(size) |                \
               ((unsigned long long)((unsigned)(offset)&7u) << 32) | \
               ((unsigned long long)((unsigned)(order)&7u) << 40)))

#endif /* WEFT_EVENT_TABLE_H */
