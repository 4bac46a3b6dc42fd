// outcome.h — predicates on how a run ended, shared by the searches, the recorder's report,
// the CLI and the GUI.
#pragma once

#include "weft/trace.h"

namespace weft::analysis {

// Whether the program failed: a non-zero exit, a fatal signal, a deadlock, a timeout, the
// step limit or a shim error. A run stopped on request (replay --stop-at) did not fail, and
// a replay's divergence (Outcome::diverged) is not a failure of the program by itself.
bool IsFailure(const format::Outcome& outcome);

// Whether two runs ended the same way (for failures: failed the same way): the same outcome
// kind, exit code and signal. What a search keeps and a minimized schedule must preserve.
bool SameFailure(const format::Outcome& a, const format::Outcome& b);

}  // namespace weft::analysis
