// interp_points.cc — schedule points inside CPython's bytecode (interp_points.h).
#include "interp_points.h"

#include <dlfcn.h>

#include "control.h"
#include "weft/sched/rng.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {
namespace {

// CPython's C API, by the types its headers give (the objects stay opaque).
using TraceFunc = int (*)(void* obj, void* frame, int what, void* arg);
using SetProfileFn = void (*)(TraceFunc func, void* arg);
using IsInitializedFn = int (*)();
using ThreadStateFn = void* (*)();

constinit SetProfileFn g_set_profile = nullptr;
constinit IsInitializedFn g_is_initialized = nullptr;
constinit ThreadStateFn g_current_state = nullptr;  // the GIL holder's (or this thread's) state
constinit ThreadStateFn g_own_state = nullptr;      // this thread's state

// The mean gap between two points of one thread, in calls the profile hook counts (calls
// and returns of Python and C functions): about 5 µs of the interpreter's work under weft.
constexpr uint64_t kMeanGap = 48;
// How far ahead in a replay's script a thread's next event is looked for.
constexpr uint64_t kScriptLookahead = 1u << 20;

// The count of `self`'s next point after count `calls` when no script says where it is: a
// gap of 1 .. 2 * kMeanGap - 1, from the run's phase (weft_session.interp_phase), the thread
// and the count.
uint64_t NextByRule(const Thread* self, uint64_t calls) {
  sched::Rng rng(g_session->interp_phase ^ (static_cast<uint64_t>(self->tid) << 48) ^ calls);
  return calls + 1 + rng.Below(2 * kMeanGap - 1);
}

// Where `self`'s next point is, from its next event in the script: the count an
// INTERP_POINT was made at, or none before the thread's next other event.
uint64_t NextByScript(const Thread* self) {
  const weft_script_entry* e =
      g_sched->chooser.NextScriptedOf(self->tid, g_sched->events, kScriptLookahead);
  if (e == nullptr || e->kind != WEFT_EV_INTERP_POINT) return UINT64_MAX;
  return e->arg > 0 ? static_cast<uint64_t>(e->arg) : 0;
}

// The count of `self`'s next point, as of now (after its last event).
uint64_t NextPoint(Thread* self) {
  self->interp_by_script = g_sched->chooser.TraceScripted(g_sched->events);
  if (self->interp_by_script) return NextByScript(self);
  return NextByRule(self, self->interp_calls);
}

// Its point came: a schedule point where another thread may run (a thread waiting for the
// GIL may time out and ask for it), then the event.
void Point(Thread* self) {
  Guard guard;
  if (!Controlled(guard)) return;
  uint64_t calls = self->interp_calls;
  // NB: one thread alone has nothing to interleave with: no event (nor in its replay).
  if (g_sched->live_count < 2 && !g_sched->chooser.TraceScripted(g_sched->events)) {
    self->interp_next = NextByRule(self, calls);
    return;
  }
  Op op;
  op.kind = WEFT_EV_INTERP_POINT;
  Schedule(self, op);
  Emit(self, WEFT_EV_INTERP_POINT, 0, 0, static_cast<int64_t>(calls));
  self->interp_next = NextPoint(self);
}

// CPython's profile hook: counts, and makes a point every so often.
int Profile(void*, void*, int, void*) {
  Thread* self = t_self;
  if (self == nullptr) return 0;
  uint64_t calls = ++self->interp_calls;
  if (calls < self->interp_next) return 0;
  if (self->interp_next == kInterpRecompute) {
    self->interp_next = NextPoint(self);
    if (calls < self->interp_next) return 0;
  }
  Point(self);
  return 0;
}

}  // namespace

constinit bool g_interp_points_on = false;

void InterpPointsInit() {
  g_interp_points_on = false;
  if (g_session == nullptr || g_session->mode == WEFT_MODE_FREE) return;
  // NB: a replay of a free recording follows a script without these points.
  const weft_schedule_spec& spec = g_session->schedule;
  if (spec.kind == WEFT_SCHEDULE_REPLAY && spec.u.replay.partial != 0) return;
  void* set_profile = dlsym(RTLD_DEFAULT, "PyEval_SetProfile");
  void* is_initialized = dlsym(RTLD_DEFAULT, "Py_IsInitialized");
  void* own = dlsym(RTLD_DEFAULT, "PyGILState_GetThisThreadState");
  void* current = dlsym(RTLD_DEFAULT, "PyThreadState_GetUnchecked");  // 3.13
  if (current == nullptr) current = dlsym(RTLD_DEFAULT, "_PyThreadState_UncheckedGet");
  if (set_profile == nullptr || is_initialized == nullptr || own == nullptr || current == nullptr) {
    return;
  }
  __builtin_memcpy(&g_set_profile, &set_profile, sizeof(g_set_profile));
  __builtin_memcpy(&g_is_initialized, &is_initialized, sizeof(g_is_initialized));
  __builtin_memcpy(&g_own_state, &own, sizeof(g_own_state));
  __builtin_memcpy(&g_current_state, &current, sizeof(g_current_state));
  g_interp_points_on = true;
}

void InterpPointsInstall(Thread* self) {
  if (g_sched->live_count < 2) return;
  // Only a thread that holds the GIL may set its profile function: its own thread state is
  // the current one (which is null, or another thread's, while it waits for the GIL).
  if (g_is_initialized() == 0) return;
  void* own = g_own_state();
  if (own == nullptr || g_current_state() != own) return;
  self->interp_installed = true;
  self->interp_calls = 0;
  self->interp_next = kInterpRecompute;
  g_set_profile(Profile, nullptr);
}

}  // namespace weft::shim
