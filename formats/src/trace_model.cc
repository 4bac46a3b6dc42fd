// trace_model.cc — helpers of the model of trace.h (kept apart from names.cc, whose event
// and object names come from the ABI's event table).
#include "weft/trace.h"

namespace weft::format {

const char* ScheduleKindName(ScheduleSpec::Kind kind) {
  switch (kind) {
    case ScheduleSpec::Kind::kUnspecified:
      return "unspecified";
    case ScheduleSpec::Kind::kRandom:
      return "random";
    case ScheduleSpec::Kind::kPct:
      return "pct";
    case ScheduleSpec::Kind::kReplay:
      return "replay";
    case ScheduleSpec::Kind::kGuided:
      return "guided";
    case ScheduleSpec::Kind::kPlan:
      return "plan";
    case ScheduleSpec::Kind::kSearch:
      return "search";
  }
  return "unknown";
}

const Module* FindModule(const Trace& trace, uint32_t id) {
  if (id == 0) return nullptr;
  // Writers number modules 1, 2, ... in file order: try that position first.
  if (id <= trace.modules.size() && trace.modules[id - 1].id == id) return &trace.modules[id - 1];
  for (const Module& m : trace.modules) {
    if (m.id == id) return &m;
  }
  return nullptr;
}

}  // namespace weft::format
