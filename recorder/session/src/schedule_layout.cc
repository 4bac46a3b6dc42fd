// schedule_layout.cc — the schedule a run follows, as the shim reads it from the session.
#include <string.h>

#include <algorithm>
#include <string>

#include "run_steps.h"
#include "weft/sched/strategies.h"

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
  weft_schedule_spec& spec = layout->schedule;
  spec = weft_schedule_spec{};
  auto tail = [&]() -> Status {
    if (config.tail == "random") {
      spec.strategy = sched::MakeStrategySpec<sched::RandomChooser>({config.seed});
    } else if (config.tail == "nonpreemptive") {
      spec.strategy = sched::MakeStrategySpec<sched::NonpreemptiveChooser>({});
    } else {
      return MakeError("unknown tail policy '" + config.tail + "' (known: nonpreemptive, random)");
    }
    return Status::Ok();
  };
  if (config.strategy == "replay") {
    if (config.replay_of == nullptr) return MakeError("replay needs a trace to follow");
    spec.kind = WEFT_SCHEDULE_REPLAY;
    BuildScript(*config.replay_of, UINT64_MAX, layout);
  } else if (config.strategy == "guided" && !config.plan.empty()) {
    spec.kind = WEFT_SCHEDULE_PLAN;
    for (const PlanStep& p : config.plan) {
      weft_plan_entry e{};
      e.current = p.current;
      e.tid = p.tid;
      e.done = p.done;
      layout->plan.push_back(e);
    }
    if (Status s = tail(); !s.ok()) return s;
  } else if (config.strategy == "guided") {
    spec.kind = WEFT_SCHEDULE_GUIDED;
    if (config.replay_of != nullptr) {
      spec.u.guided.strict = 1;
      BuildScript(*config.replay_of, config.prefix, layout);
    } else {
      for (const Decision& d : config.schedule) {
        weft_script_entry e{};
        e.tid = d.tid;
        e.arg = d.signal_woken;
        layout->script.push_back(e);
      }
    }
    spec.u.guided.forced_tid = config.forced_tid;
    if (Status s = tail(); !s.ok()) return s;
  } else if (config.strategy == "random") {
    spec.kind = WEFT_SCHEDULE_SEARCH;
    spec.strategy = sched::MakeStrategySpec<sched::RandomChooser>({config.seed});
  } else if (config.strategy == "pct") {
    spec.kind = WEFT_SCHEDULE_SEARCH;
    sched::PctChooser::Params pct;
    pct.seed = config.seed;
    pct.depth = config.pct_depth;
    pct.steps = config.pct_steps;
    spec.strategy = sched::MakeStrategySpec<sched::PctChooser>(pct);
  } else {
    return MakeError("unknown strategy '" + config.strategy + "' (known: random, pct, replay)");
  }
  return Status::Ok();
}

format::ScheduleSpec HeaderSchedule(const RunConfig& config) {
  using K = format::ScheduleSpec::Kind;
  // NB: fields a kind does not use stay 0 (formats/FORMAT.md).
  format::ScheduleSpec spec;
  if (config.strategy == "random") {
    spec.kind = K::kRandom;
    spec.seed = config.seed;
  } else if (config.strategy == "pct") {
    spec.kind = K::kPct;
    spec.seed = config.seed;
    spec.pct_depth = config.pct_depth;
    spec.pct_steps = config.pct_steps;
  } else if (config.strategy == "replay") {
    spec.kind = K::kReplay;
  } else if (config.strategy == "guided") {
    spec.kind = config.plan.empty() ? K::kGuided : K::kPlan;
    spec.tail = config.tail;
    if (config.tail == "random") spec.seed = config.seed;
    if (config.plan.empty()) {
      spec.forced_tid = config.forced_tid;
      spec.prefix = config.replay_of != nullptr
                        ? std::min<uint64_t>(config.prefix, config.replay_of->events.size())
                        : config.schedule.size();
    }
  }
  return spec;
}

}  // namespace weft::session::internal
