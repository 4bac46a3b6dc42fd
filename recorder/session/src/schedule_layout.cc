// schedule_layout.cc — the schedule a run follows, as the shim reads it from the session.
#include <string.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

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
    // COND_SIGNAL: the woken thread; INTERP_POINT: the interpreter's count it came at (the
    // shim makes the point there).
    s.arg = e.kind == format::EventKind::kCondSignal || e.kind == format::EventKind::kInterpPoint
                ? e.arg
                : 0;
    layout->script.push_back(s);
  }
  for (const format::Wake& w : trace.wakes) {
    if (w.event_index < count) layout->wakes.push_back(static_cast<uint16_t>(w.woken));
  }
}

// The partial script of a free recording (weft_replay_spec.partial): its events, in their
// recorded order, checked by kind. A free recording cannot see which waiter a condition
// signal woke (the kernel chose): it is the waiter of that condition whose wait returned
// first after the signal, among those waiting at it.
void BuildFreeScript(const format::Trace& trace, SessionLayout* layout) {
  using K = format::EventKind;
  const std::vector<format::Event>& events = trace.events;
  // For each COND_WAIT, the index of its thread's next event (its COND_WAKE).
  std::vector<uint64_t> wake_of(events.size(), UINT64_MAX);
  std::map<uint32_t, uint64_t> waiting_since;  // tid -> index of its COND_WAIT
  for (uint64_t i = 0; i < events.size(); ++i) {
    const format::Event& e = events[i];
    auto w = waiting_since.find(e.tid);
    if (w != waiting_since.end()) {
      if (e.kind == K::kCondWake && (e.flags & WEFT_F_TIMEDOUT) == 0) wake_of[w->second] = i;
      waiting_since.erase(w);
    }
    if (e.kind == K::kCondWait) waiting_since[e.tid] = i;
  }
  std::map<uint32_t, std::vector<uint64_t>> waiters;  // cond -> its waits not yet woken
  layout->script.reserve(events.size());
  for (uint64_t i = 0; i < events.size(); ++i) {
    const format::Event& e = events[i];
    weft_script_entry s{};
    s.tid = static_cast<uint16_t>(e.tid);
    s.kind = static_cast<uint8_t>(e.kind);
    s.obj = e.obj;  // NB: informational: the replay numbers its objects itself
    if (e.kind == K::kCondWait) waiters[e.obj].push_back(i);
    if (e.kind == K::kCondWake) {
      std::vector<uint64_t>& list = waiters[e.obj];
      for (size_t k = 0; k < list.size(); ++k) {
        if (events[list[k]].tid == e.tid) {
          list.erase(list.begin() + static_cast<ptrdiff_t>(k));
          break;
        }
      }
    }
    if (e.kind == K::kCondSignal || e.kind == K::kCondBroadcast) {
      std::vector<uint64_t>& list = waiters[e.obj];
      s.arg = -1;
      if (e.kind == K::kCondSignal) {
        size_t best = list.size();
        for (size_t k = 0; k < list.size(); ++k) {
          if (wake_of[list[k]] != UINT64_MAX &&
              (best == list.size() || wake_of[list[k]] < wake_of[list[best]])) {
            best = k;
          }
        }
        if (best < list.size()) {
          s.arg = events[list[best]].tid;
          list.erase(list.begin() + static_cast<ptrdiff_t>(best));
        }
      } else {
        list.clear();
        s.arg = 0;
      }
    }
    layout->script.push_back(s);
  }
  layout->schedule.u.replay.partial = 1;
}

// The inputs a trace recorded (Header::inputs_recorded: a free recording's, a controlled
// run's directory entries, or a controlled trace that carries the inputs it was fed): the
// run feeds them back, of the kinds recorded (the others' calls it makes: a controlled
// trace's clocks are virtual). Older free traces recorded none: their replays read virtual
// clocks and real files. A controlled run that read no directory has nothing to feed: its
// replay runs as one that is fed nothing (and records the entries it reads, if any).
void FillInputs(const format::Trace& trace, SessionLayout* layout) {
  if (!trace.header.inputs_recorded) return;
  const uint32_t kinds = format::RecordedInputKinds(trace.header);
  if (kinds == format::InputKindBit(format::Input::Kind::kDirent) && trace.inputs.empty()) return;
  layout->feed_inputs = true;
  layout->feed_kinds = kinds;
  layout->inputs.reserve(trace.inputs.size());
  for (const format::Input& in : trace.inputs) {
    weft_input_entry e{};
    e.tid = static_cast<uint16_t>(in.tid);
    e.kind = static_cast<uint8_t>(in.kind);
    e.source = in.source;
    e.result = in.result;
    e.value = in.value;
    e.data_offset = layout->input_data.size();
    layout->input_data += in.data;
    layout->inputs.push_back(e);
  }
}

}  // namespace

Status FillSchedule(const Schedule& schedule, SessionLayout* layout) {
  weft_schedule_spec& spec = layout->schedule;
  spec = weft_schedule_spec{};
  spec.kind = schedule.kind;
  if (schedule.kind != WEFT_SCHEDULE_REPLAY) {
    if (schedule.strategy.spec.kind == 0) return MakeError("the schedule names no strategy");
    spec.strategy = schedule.strategy.spec;
  }
  switch (schedule.kind) {
    case WEFT_SCHEDULE_SEARCH:
      break;
    case WEFT_SCHEDULE_REPLAY:
      if (schedule.trace == nullptr) return MakeError("replay needs a trace to follow");
      if (schedule.trace->header.mode == format::Mode::kFree) {
        BuildFreeScript(*schedule.trace, layout);
      } else {
        BuildScript(*schedule.trace, UINT64_MAX, layout);
      }
      break;
    case WEFT_SCHEDULE_GUIDED:
      if (schedule.trace != nullptr) {
        spec.u.guided.strict = 1;
        BuildScript(*schedule.trace, schedule.prefix, layout);
      } else {
        for (const Decision& d : schedule.script) {
          weft_script_entry e{};
          e.tid = d.tid;
          e.arg = d.signal_woken;
          layout->script.push_back(e);
        }
      }
      spec.u.guided.forced_tid = schedule.forced_tid;
      break;
    case WEFT_SCHEDULE_PLAN:
      for (const PlanStep& p : schedule.plan) {
        weft_plan_entry e{};
        e.current = p.current;
        e.tid = p.tid;
        e.done = p.done;
        layout->plan.push_back(e);
      }
      break;
    default:
      return MakeError("unknown schedule kind " + std::to_string(schedule.kind));
  }
  if (const format::Trace* fed = schedule.FedInputs()) FillInputs(*fed, layout);
  return Status::Ok();
}

format::ScheduleSpec HeaderSchedule(const Schedule& schedule) {
  using K = format::ScheduleSpec::Kind;
  // NB: fields a kind does not use stay 0 (formats/FORMAT.md).
  format::ScheduleSpec spec;
  switch (schedule.kind) {
    case WEFT_SCHEDULE_SEARCH:
      spec = schedule.strategy.header;
      break;
    case WEFT_SCHEDULE_REPLAY:
      spec.kind = K::kReplay;
      break;
    case WEFT_SCHEDULE_GUIDED:
    case WEFT_SCHEDULE_PLAN:
      // The tail's parameters, under the guided or plan kind.
      spec = schedule.strategy.header;
      spec.kind = schedule.kind == WEFT_SCHEDULE_GUIDED ? K::kGuided : K::kPlan;
      spec.tail = schedule.strategy.name;
      if (schedule.kind == WEFT_SCHEDULE_GUIDED) {
        spec.forced_tid = schedule.forced_tid;
        spec.prefix = schedule.trace != nullptr
                          ? std::min<uint64_t>(schedule.prefix, schedule.trace->events.size())
                          : schedule.script.size();
      }
      break;
    default:
      break;
  }
  return spec;
}

const char* HeaderStrategy(const Schedule& schedule) {
  switch (schedule.kind) {
    case WEFT_SCHEDULE_SEARCH:
      return schedule.strategy.name.c_str();
    case WEFT_SCHEDULE_REPLAY:
      return "replay";
    default:
      return "guided";
  }
}

}  // namespace weft::session::internal

namespace weft::session {

const format::Trace* Schedule::FedInputs() const {
  const format::Trace* from = inputs != nullptr              ? inputs
                              : kind == WEFT_SCHEDULE_REPLAY ? trace
                                                             : nullptr;
  return from != nullptr && from->header.inputs_recorded ? from : nullptr;
}

Schedule Schedule::Search(Strategy strategy) {
  Schedule s;
  s.kind = WEFT_SCHEDULE_SEARCH;
  s.strategy = std::move(strategy);
  return s;
}

Schedule Schedule::Replay(const format::Trace* trace) {
  Schedule s;
  s.kind = WEFT_SCHEDULE_REPLAY;
  s.trace = trace;
  return s;
}

Schedule Schedule::GuidedByTrace(const format::Trace* trace, uint64_t prefix, int forced_tid,
                                 Strategy tail) {
  Schedule s;
  s.kind = WEFT_SCHEDULE_GUIDED;
  s.trace = trace;
  s.prefix = prefix;
  s.forced_tid = forced_tid;
  s.strategy = std::move(tail);
  return s;
}

Schedule Schedule::Guided(std::vector<Decision> script, Strategy tail) {
  Schedule s;
  s.kind = WEFT_SCHEDULE_GUIDED;
  s.script = std::move(script);
  s.strategy = std::move(tail);
  return s;
}

Schedule Schedule::Plan(std::vector<PlanStep> plan, Strategy tail) {
  Schedule s;
  s.kind = WEFT_SCHEDULE_PLAN;
  s.plan = std::move(plan);
  s.strategy = std::move(tail);
  return s;
}

}  // namespace weft::session
