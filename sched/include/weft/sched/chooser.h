// chooser.h — the one interface the shim asks at each schedule point: built once from the
// session's schedule spec, it composes the choosers of this layer by the spec's kind:
//   search:  the strategy, with yield fairness
//   replay:  the strict script; past it (or after a divergence) the lowest enabled thread
//   guided:  the script, then the forced thread once, then the strategy with fairness
//   plan:    the plan's deviations, else the strategy with fairness
// After a divergence a guided run goes on under its strategy, so the run still ends and its
// outcome can be reported.
#pragma once

#include "weft/sched/fairness.h"
#include "weft/sched/point.h"
#include "weft/sched/script.h"
#include "weft/sched/strategies.h"

namespace weft::sched {

class Chooser {
 public:
  constexpr Chooser() = default;

  // Sets up the schedule `spec` describes; its scripts lie in the session region
  // `base[0..size)`. Returns nullptr, or what is wrong with the spec.
  const char* Init(const weft_schedule_spec& spec, const uint8_t* base, uint64_t size) {
    kind_ = spec.kind;
    divergence_ = Divergence();
    switch (spec.kind) {
      case WEFT_SCHEDULE_SEARCH:
      case WEFT_SCHEDULE_PLAN:
      case WEFT_SCHEDULE_GUIDED:
        if (!strategy_.Init(spec.strategy)) {
          return "the schedule names an unknown strategy (weft and libweft_preload.so are from "
                 "different builds?)";
        }
        break;
      case WEFT_SCHEDULE_REPLAY:
        break;
      default:
        return "unknown schedule kind in the session (weft and libweft_preload.so are from "
               "different builds?)";
    }
    if (spec.kind == WEFT_SCHEDULE_REPLAY || spec.kind == WEFT_SCHEDULE_GUIDED) {
      bool replay = spec.kind == WEFT_SCHEDULE_REPLAY;
      const weft_span& s = replay ? spec.u.replay.script : spec.u.guided.script;
      const weft_span& w = replay ? spec.u.replay.wakes : spec.u.guided.wakes;
      if (!Fits(s, sizeof(weft_script_entry), size) || !Fits(w, sizeof(uint16_t), size)) {
        return "the schedule's script lies outside the session memory";
      }
      script_.Init(reinterpret_cast<const weft_script_entry*>(base + s.offset), s.count,
                   reinterpret_cast<const uint16_t*>(base + w.offset), w.count,
                   replay || spec.u.guided.strict != 0, replay && spec.u.replay.partial != 0);
      forced_.Init(replay ? -1 : spec.u.guided.forced_tid, s.count);
    }
    if (spec.kind == WEFT_SCHEDULE_PLAN) {
      const weft_span& p = spec.u.plan.plan;
      if (!Fits(p, sizeof(weft_plan_entry), size)) {
        return "the schedule's plan lies outside the session memory";
      }
      plan_.Init(reinterpret_cast<const weft_plan_entry*>(base + p.offset), p.count);
    }
    return nullptr;
  }

  // Index into point.enabled of the thread that runs decision point.step.
  uint32_t PickThread(const Point& point) {
    uint32_t i = kDefer;
    switch (kind_) {
      case WEFT_SCHEDULE_PLAN:
        i = plan_.PickThread(point);
        break;
      case WEFT_SCHEDULE_REPLAY:
      case WEFT_SCHEDULE_GUIDED:
        if (divergence_.happened) break;
        i = script_.PickThread(point, &divergence_);
        // NB: at the decision that diverges, the strategy chooses without fairness (as the
        // script would have: it named a thread, not a policy).
        if (i == kDefer && divergence_.happened) return Tail(point);
        if (i == kDefer) i = forced_.PickThread(point, &divergence_);
        break;
      default:
        break;
    }
    if (i != kDefer) return i;
    return fairness_.PickThread(point, [this](const Point& p) { return Tail(p); });
  }

  // Index into wait.waiters of the waiter a signal or futex wake releases.
  uint32_t PickWaiter(const WaitPoint& wait) {
    if (kind_ == WEFT_SCHEDULE_REPLAY || kind_ == WEFT_SCHEDULE_GUIDED) {
      uint32_t i = script_.PickWaiter(wait, &divergence_);
      if (i != kDefer) return i;
    }
    return kind_ == WEFT_SCHEDULE_REPLAY ? 0 : strategy_.PickWaiter(wait);
  }

  // The thread the script names for decision `step`, -1 when no script decides it (no
  // script, past its end, or after a divergence).
  int32_t ScriptedThread(uint64_t step) const {
    if (kind_ != WEFT_SCHEDULE_REPLAY && kind_ != WEFT_SCHEDULE_GUIDED) return -1;
    if (divergence_.happened) return -1;
    return script_.ThreadAt(step);
  }

  // Whether a trace's script (its events' kinds in it) decides decision `step`: a replay,
  // a guided run's trace prefix.
  bool TraceScripted(uint64_t step) const {
    return (kind_ == WEFT_SCHEDULE_REPLAY || kind_ == WEFT_SCHEDULE_GUIDED) &&
           !divergence_.happened && step < script_.count() && script_.strict();
  }
  // Thread `tid`'s next entry in that script at decision `step` or later (within `limit`
  // entries), nullptr when there is none (or no such script decides, or a free recording's).
  const weft_script_entry* NextScriptedOf(uint16_t tid, uint64_t step, uint64_t limit) const {
    return TraceScripted(step) ? script_.NextOf(tid, step, limit) : nullptr;
  }
  // Whether (and where) the run left its script.
  const Divergence& divergence() const { return divergence_; }

 private:
  static bool Fits(const weft_span& span, uint64_t record, uint64_t size) {
    return span.count == 0 || (span.offset <= size && span.count <= (size - span.offset) / record);
  }

  // The decision past the script: the strategy's, or for a replay the divergence itself.
  uint32_t Tail(const Point& point) {
    if (kind_ != WEFT_SCHEDULE_REPLAY) return strategy_.PickThread(point);
    divergence_.Mark(point.step, point.enabled[0]);
    return 0;
  }

  uint32_t kind_ = 0;
  Strategy strategy_;
  ScriptChooser script_;
  ForcedChooser forced_;
  PlanChooser plan_;
  Fairness fairness_;
  Divergence divergence_;
};

}  // namespace weft::sched
