// script.h — following a script of decisions (replay, and the prefix of a guided run):
// entry i names the thread that runs decision i; a strict script also names its operation
// (kind and object), and the first decision where the program does something else is the
// divergence. Wake-ups follow the script too: a condition signal wakes the waiter its entry
// names, a futex wake the next of the recorded woken threads.
// A partial script (the replay of a free recording) holds only the kinds such a recording
// orders (free_kinds.h): its entries are consumed by the events of those kinds, and every
// other schedule point runs as soon as its thread can, outside the script.
#pragma once

#include "weft/free_kinds.h"
#include "weft/sched/point.h"

namespace weft::sched {

class ScriptChooser {
 public:
  constexpr ScriptChooser() = default;

  // Follows `entries` (and the futex waiters `wakes`, in order); `strict`: check each
  // entry's kind and object.
  // `partial`: a free recording's script (checked by kind, consumed by its kinds only).
  void Init(const weft_script_entry* entries, uint64_t count, const uint16_t* wakes,
            uint64_t wakes_count, bool strict, bool partial = false) {
    entries_ = entries;
    count_ = count;
    wakes_ = wakes;
    wakes_count_ = wakes_count;
    wake_cursor_ = 0;
    strict_ = strict;
    partial_ = partial;
    cursor_ = 0;
    last_ = ~0ull;
  }

  // Decisions the script holds.
  uint64_t count() const { return count_; }
  // The thread entry `step` names (a partial script: its next entry), -1 past the end.
  int32_t ThreadAt(uint64_t step) const {
    if (partial_) step = cursor_;
    return step < count_ ? entries_[step].tid : -1;
  }

  // Whether entries hold their events' kinds (a trace's), not only threads.
  bool strict() const { return strict_; }
  // The first entry of thread `tid` at `from` or after, nullptr when none is within `limit`
  // entries (or the script is a free recording's: it holds no such positions).
  const weft_script_entry* NextOf(uint16_t tid, uint64_t from, uint64_t limit) const {
    if (partial_) return nullptr;
    uint64_t end = count_ - from < limit ? count_ : from + limit;
    for (uint64_t i = from; i < end; ++i) {
      if (entries_[i].tid == tid) return &entries_[i];
    }
    return nullptr;
  }

  // The script's thread for point.step (index into point.enabled), or kDefer once the
  // script is used up or was left. When the script's thread cannot run but a thread whose
  // readiness wait is over can, that one goes: its wait is no event and takes no entry (a
  // writer and a reader of a pipe hand the turn back and forth that way, as often as the
  // pipe fills, with no event in the trace). Otherwise a decision where the script's
  // thread cannot run, or (strict) waits for another operation, marks the divergence and
  // defers.
  uint32_t PickThread(const Point& point, Divergence* divergence) {
    if (partial_) return PickPartial(point, divergence);
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
    if (partial_) {
      // The entry of the signal being performed; a free recording orders no futex, and a
      // waiter it could not tell (-1) is no divergence.
      if (wait.kind != WakeKind::kCondSignal || divergence->happened || last_ >= count_) {
        return kDefer;
      }
      scripted = entries_[last_].arg;
      if (scripted < 0) return kDefer;
      uint32_t i = IndexOf(wait.waiters, wait.count, static_cast<uint32_t>(scripted));
      if (i == kDefer) divergence->Mark(wait.step, wait.waiters[0]);
      return i;
    }
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
  // Whether `tid`'s pending operation is one the partial script does not order: it runs as
  // soon as it can. A process exit waits until the script's events have happened (the
  // recording's other threads ran before it).
  bool Unordered(const Point& point, uint16_t tid) const {
    Pending op = point.pending(point.context, tid);
    if (op.unknown) return true;
    if (weft_free_recorded_kind(op.kind)) return false;
    return op.kind != WEFT_EV_PROCESS_EXIT || cursor_ >= count_;
  }

  // A partial script's decision: the current thread's unordered operation, else another
  // thread's that can run now, else the script's next entry (its thread must be at an
  // operation of that kind), else a timed thread's unordered operation (a sleep: time
  // passes). Anything else is the divergence.
  uint32_t PickPartial(const Point& point, Divergence* divergence) {
    if (divergence->happened || point.pending == nullptr) return kDefer;
    const uint32_t ready = point.count - point.timed;
    uint32_t i = IndexOf(point.enabled, ready, point.current);
    if (i != kDefer && Unordered(point, point.current)) return i;
    for (i = 0; i < ready; ++i) {
      if (Unordered(point, point.enabled[i])) return i;
    }
    if (cursor_ < count_) {
      const weft_script_entry& want = entries_[cursor_];
      i = IndexOf(point.enabled, point.count, want.tid);
      if (i != kDefer) {
        Pending op = point.pending(point.context, want.tid);
        if (op.kind == want.kind) {
          last_ = cursor_++;
          return i;
        }
        if (weft_free_recorded_kind(op.kind)) {
          divergence->Mark(point.step, want.tid);
          return kDefer;
        }
      }
    }
    for (i = ready; i < point.count; ++i) {
      if (Unordered(point, point.enabled[i])) return i;
    }
    divergence->Mark(point.step, point.enabled[0]);
    return kDefer;
  }

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
  bool partial_ = false;
  uint64_t cursor_ = 0;    // partial: the next entry
  uint64_t last_ = ~0ull;  // partial: the entry of the last event it ordered
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
