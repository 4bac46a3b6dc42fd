// schedule_layout.cc — the schedule a run follows, as the shim reads it from the session.
#include <string.h>

#include <algorithm>
#include <string>

#include "run_steps.h"

namespace weft::session::internal {
namespace {

// The replay script: the recorded decisions, in order.
void BuildScript(const format::Trace& trace, uint64_t prefix, SessionLayout* layout) {
  uint64_t count = std::min<uint64_t>(prefix, trace.events.size());
  layout->script.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    const format::Event& e = trace.events[i];
    weft_script_entry s{};
    s.tid = static_cast<uint16_t>(e.tid);
    s.kind = static_cast<uint8_t>(e.kind);
    // NB: a THREAD_CREATE's object (the new thread's handle) does not exist yet when the
    // decision is taken, so the shim compares it as 0.
    s.obj = e.kind == format::EventKind::kThreadCreate ? 0 : e.obj;
    s.arg = e.kind == format::EventKind::kCondSignal ? e.arg : 0;
    layout->script.push_back(s);
  }
  for (const format::Wake& w : trace.wakes) {
    if (w.event_index < count) layout->wakes.push_back(static_cast<uint16_t>(w.woken));
  }
}

}  // namespace

Status FillSchedule(const RunConfig& config, SessionLayout* layout) {
  bool replay = config.strategy == "replay";
  if (replay) {
    if (config.replay_of == nullptr) return MakeError("replay needs a trace to follow");
    layout->strategy = WEFT_STRATEGY_REPLAY;
    layout->script_strict = true;
    BuildScript(*config.replay_of, UINT64_MAX, layout);
  } else if (config.strategy == "guided") {
    layout->strategy = WEFT_STRATEGY_GUIDED;
    if (!config.plan.empty()) {
      layout->script_plan = true;
      for (const PlanStep& p : config.plan) {
        weft_script_entry e{};
        e.tid = p.tid;
        e.arg = p.current;
        e.obj = static_cast<uint32_t>(p.done);
        layout->script.push_back(e);
      }
    } else if (config.replay_of != nullptr) {
      layout->script_strict = true;
      BuildScript(*config.replay_of, config.prefix, layout);
    } else {
      for (const Decision& d : config.schedule) {
        weft_script_entry e{};
        e.tid = d.tid;
        e.arg = d.signal_woken;
        layout->script.push_back(e);
      }
    }
    layout->forced_tid = config.forced_tid;
    if (config.tail == "random") {
      layout->tail_policy = WEFT_TAIL_RANDOM;
    } else if (config.tail == "nonpreemptive") {
      layout->tail_policy = WEFT_TAIL_NONPREEMPTIVE;
    } else {
      return MakeError("unknown tail policy '" + config.tail + "' (known: nonpreemptive, random)");
    }
  } else if (config.strategy == "random") {
    layout->strategy = WEFT_STRATEGY_RANDOM;
  } else if (config.strategy == "pct") {
    layout->strategy = WEFT_STRATEGY_PCT;
    layout->strategy_param[0] = config.pct_depth;
    layout->strategy_param[1] = config.pct_steps;
  } else {
    return MakeError("unknown strategy '" + config.strategy + "' (known: random, pct, replay)");
  }
  return Status::Ok();
}

}  // namespace weft::session::internal
