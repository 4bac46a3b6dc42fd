// watchdog.h — a free recording's deadlock watchdog (RunConfig::watchdog_seconds).
#pragma once

namespace weft::session::internal {

// How many threads of process `pid` sit in a futex wait that only another thread can end
// (a wait or lock without timeout: a mutex, condition, semaphore or join wait), from
// /proc/PID/task/*/syscall; `threads` gets how many threads it has. -1 if it is gone.
int ThreadsInUntimedFutexWait(int pid, int* threads);

}  // namespace weft::session::internal
