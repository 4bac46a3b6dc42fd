// script.h — following a script of decisions (replay, and the prefix of a guided run):
// entry i names the thread that runs decision i; a strict script also names its operation
// (kind and object), and the first decision where the program does something else is the
// divergence. Wake-ups follow the script too: a condition signal wakes the waiter its entry
// names, a futex wake the next of the recorded woken threads.
#pragma once

#include "weft/sched/point.h"

namespace weft::sched {

class ScriptChooser {
 public:
  constexpr ScriptChooser() = default;

  // Follows `entries` (and the futex waiters `wakes`, in order); `strict`: check each
  // entry's kind and object.
  void Init(const weft_script_entry* entries, uint64_t count, const uint16_t* wakes,
            uint64_t wakes_count, bool strict) {
    entries_ = entries;
    count_ = count;
    wakes_ = wakes;
    wakes_count_ = wakes_count;
    wake_cursor_ = 0;
    strict_ = strict;
  }

  // Decisions the script holds.
  uint64_t count() const { return count_; }
  // The thread entry `step` names, -1 past the end.
  int32_t ThreadAt(uint64_t step) const { return step < count_ ? entries_[step].tid : -1; }

  // The script's thread for point.step (index into point.enabled), or kDefer once the
  // script is used up or was left. When the script's thread cannot run but a thread whose
  // readiness wait is over can, that one goes: its wait is no event and takes no entry (a
  // writer and a reader of a pipe hand the turn back and forth that way, as often as the
  // pipe fills, with no event in the trace). Otherwise a decision where the script's
  // thread cannot run, or (strict) waits for another operation, marks the divergence and
  // defers.
  uint32_t PickThread(const Point& point, Divergence* divergence) {
    if (divergence->happened || point.step >= count_) return kDefer;
    const weft_script_entry& want = entries_[point.step];
    uint32_t i = IndexOf(point.enabled, point.count, want.tid);
    if (i == kDefer) i = ReadyWaiter(point);
    if (i == kDefer) {
      divergence->Mark(point.step, point.enabled[0]);
      return kDefer;
    }
    if (point.enabled[i] != want.tid) return i;
    if (strict_) {
      Pending op = point.pending(point.context, want.tid);
      if (!op.unknown && (op.kind != want.kind || (op.obj != want.obj && !op.object_unknown))) {
        divergence->Mark(point.step, want.tid);
        return kDefer;
      }
    }
    return i;
  }

  // The scripted waiter (index into wait.waiters), or kDefer when the script does not
  // name one. A named waiter that is not waiting marks the divergence.
  uint32_t PickWaiter(const WaitPoint& wait, Divergence* divergence) {
    int64_t scripted = -1;
    if (wait.kind == WakeKind::kCondSignal) {
      if (wait.step < count_) scripted = entries_[wait.step].arg;
    } else {
      // NB: the cursor moves on every futex wake-up, so the n-th wake-up of the run reads
      // the n-th recorded waiter whatever happened before.
      if (wake_cursor_ < wakes_count_) scripted = wakes_[wake_cursor_];
      ++wake_cursor_;
    }
    // A loose script may not know the waiter (-1): that is no divergence.
    bool known = strict_ || scripted >= 0;
    if (divergence->happened || wait.step >= count_ || !known) return kDefer;
    uint32_t i = scripted < 0 ? kDefer : IndexOf(wait.waiters, wait.count, scripted);
    if (i == kDefer) divergence->Mark(wait.step, wait.waiters[0]);
    return i;
  }

 private:
  // The first thread that can run now and is in a readiness wait (its next operation is
  // not known), or kDefer.
  static uint32_t ReadyWaiter(const Point& point) {
    if (point.pending == nullptr) return kDefer;
    for (uint32_t i = 0; i < point.count - point.timed; ++i) {
      if (point.pending(point.context, point.enabled[i]).unknown) return i;
    }
    return kDefer;
  }

  const weft_script_entry* entries_ = nullptr;
  uint64_t count_ = 0;
  const uint16_t* wakes_ = nullptr;
  uint64_t wakes_count_ = 0;
  uint64_t wake_cursor_ = 0;
  bool strict_ = false;
};

// Runs one thread once, at the decision right after a script: "what if T had gone here?"
class ForcedChooser {
 public:
  constexpr ForcedChooser() = default;

  // Forces `tid` (< 0: nothing) at decision `at`.
  void Init(int32_t tid, uint64_t at) {
    tid_ = tid;
    at_ = at;
  }

  // The forced thread at its decision (index into point.enabled), else kDefer. A forced
  // thread that cannot run there marks the divergence.
  uint32_t PickThread(const Point& point, Divergence* divergence) {
    if (tid_ < 0 || divergence->happened || point.step != at_) return kDefer;
    uint32_t i = IndexOf(point.enabled, point.count, static_cast<uint32_t>(tid_));
    if (i == kDefer) divergence->Mark(point.step, point.enabled[0]);
    return i;
  }

 private:
  int32_t tid_ = -1;
  uint64_t at_ = 0;
};

// A plan of deviations: decisions named by the thread that reaches them and how far that
// thread has got (its own event count), so that taking one deviation out leaves the others
// meaningful (minimize shrinks plans that way).
class PlanChooser {
 public:
  constexpr PlanChooser() = default;

  // Follows `entries` (any order).
  void Init(const weft_plan_entry* entries, uint64_t count) {
    entries_ = entries;
    count_ = count;
  }

  // The planned thread (index into point.enabled) when the plan has an entry for this
  // (current, current_done) whose thread can run, else kDefer.
  uint32_t PickThread(const Point& point) const {
    for (uint64_t p = 0; p < count_; ++p) {
      const weft_plan_entry& e = entries_[p];
      if (e.current != point.current || e.done != point.current_done) continue;
      uint32_t i = IndexOf(point.enabled, point.count, e.tid);
      if (i != kDefer) return i;
    }
    return kDefer;
  }

 private:
  const weft_plan_entry* entries_ = nullptr;
  uint64_t count_ = 0;
};

}  // namespace weft::sched
