// free_record.h — free mode (weft record --free, WEFT_MODE_FREE): the program's threads run
// in parallel, as they would without weft; the hooks of the kinds a free recording orders
// (weft/free_kinds.h) perform the real operation and record its event, its place in
// the ring (one atomic add) being its place in the one global order. Every other hook runs
// the real function and records nothing.
//
// Where an event is recorded, relative to its real operation, is what makes the order a
// valid one for a controlled replay: an operation that takes an object (a lock, a wait's
// return) is recorded after it, one that gives it (an unlock, a post, a signal, a wait's
// release of its mutex) before it. A failed try-lock can still be recorded before the lock
// it found taken; its replay then diverges there, and says so.
#pragma once

#include "shim.h"

namespace weft::shim {

// Start-up of a free recording (control_start.cc), with the main thread alone: the main
// thread's record, the real-time origin of event times.
void FreeStart();
// Whether the calling thread records (a free recording, the thread registered, not nested
// in the shim).
bool Free(const Guard& guard);

// An object's address is initialized or destroyed: its next use is a new object.
void FreeForget(const void* addr);

int FreeMutexLock(pthread_mutex_t* m, uint16_t flags, int (*lock)(pthread_mutex_t*));
int FreeMutexTimedLock(pthread_mutex_t* m, clockid_t clock, const struct timespec* abs,
                       bool clock_given);
int FreeMutexUnlock(pthread_mutex_t* m);
int FreeCondWait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clock, const struct timespec* abs,
                 int kind);  // kind: 0 wait, 1 timed, 2 clock
int FreeCondSignal(pthread_cond_t* c, bool all);
int FreeSemWait(sem_t* sem, int kind, clockid_t clock, const struct timespec* abs);
int FreeSemPost(sem_t* sem);
int FreeThreadCreate(pthread_t* thread, const pthread_attr_t* attr, void* (*routine)(void*),
                     void* arg);
// kind: 0 pthread_join, 1 tryjoin_np, 2 timedjoin_np, 3 clockjoin_np.
int FreeThreadJoin(pthread_t thread, void** retval, int kind, clockid_t clock,
                   const struct timespec* abs);
// pthread_exit of a recording thread: its THREAD_EXIT.
void FreeThreadExit();
// fork in a free recording: the child records nothing (free recordings are of one process).
pid_t FreeFork();

}  // namespace weft::shim
