// outcome.cc — failure predicates.
#include "weft/outcome.h"

namespace weft::analysis {

bool IsFailure(const format::Outcome& outcome) {
  using Kind = format::Outcome::Kind;
  switch (outcome.kind) {
    case Kind::kExited:
      return outcome.exit_code != 0;
    case Kind::kStopped:
      return false;
    case Kind::kSignaled:
    case Kind::kDeadlock:
    case Kind::kTimeout:
    case Kind::kShimError:
    case Kind::kMaxSteps:
      return true;
  }
  return true;  // an outcome kind this build does not know: not a clean exit
}

bool SameFailure(const format::Outcome& a, const format::Outcome& b) {
  return a.kind == b.kind && a.exit_code == b.exit_code && a.signal == b.signal;
}

}  // namespace weft::analysis
