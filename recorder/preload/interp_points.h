// interp_points.h — schedule points inside an interpreter's own code (interp_points.cc).
//
// CPython runs a thread's bytecode without a call weft hooks: its threads change hands
// where the GIL does, and the GIL changes hands when a thread waiting for it (a timed
// condition wait) times out and asks the holder to drop it at its next check between
// bytecodes. Under weft that timeout is a decision taken at a schedule point, and pure
// Python code has none: a check-then-act on a dict with a computation between, which fails
// natively once the 5 ms switch interval ends inside it, was never interleaved.
//
// So in a program with CPython in it, once a second thread exists, each Python thread gets a
// profile hook (PyEval_SetProfile, CPython's documented C API, called while the thread holds
// the GIL) that counts the interpreter's calls and returns; every so many of them is a
// schedule point, an INTERP_POINT event whose arg is the count. There a waiting thread's
// timeout may fire, and the holder drops the GIL at its next check, as it would natively.
//
// Where the points are is deterministic: a replay (or a guided run's trace prefix) takes
// them from its script (the thread's next scripted event, when it is an INTERP_POINT at
// count n, is a point at call n); otherwise the gaps between a thread's points come from a
// hash of the run's phase (weft_session.interp_phase: a search's seed, or the followed trace's),
// the thread and the count.
#pragma once

#include "shim.h"

namespace weft::shim {

// At start-up (and in a new image after exec): finds CPython's API in the program, if any.
void InterpPointsInit();

// At a schedule point of controlled thread `self`: installs the profile hook in it when
// the program has CPython, a second thread exists and `self` holds the GIL. Cheap when not.
inline void InterpPointsMaybeInstall(Thread* self);

// Whether the program has CPython's API (InterpPointsInit found it) and the run wants points.
extern bool g_interp_points_on;
void InterpPointsInstall(Thread* self);

inline void InterpPointsMaybeInstall(Thread* self) {
  if (g_interp_points_on && !self->interp_installed) InterpPointsInstall(self);
}

}  // namespace weft::shim
