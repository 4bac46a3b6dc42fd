// schedule_spec.cc — printable names of ScheduleSpec::Kind (kept apart from names.cc, whose
// event and object names come from the ABI's event table).
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
  }
  return "unknown";
}

}  // namespace weft::format
