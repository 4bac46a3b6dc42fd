// explain.h — why a run failed: the conflicting pair of operations whose order decides it.
//
// From a failing trace, each conflicting pair (analysis/conflicts.h) is a candidate, the
// pairs nearest the end of the run first (thread create/exit/join pairs only on request).
// A candidate is tested with two runs that share everything but one decision: both replay
// the trace exactly up to the pair's reversal point and then go on without preemptions;
// at that decision the *reversal* runs the pair's second thread, the *control* the thread
// the trace ran. The pair explains the failure when the reversal passes and the control
// fails the way the trace did: then that one choice — which of the two operations comes
// first — is what turns the failure into a pass, under the same prefix and the same tail.
// Both runs are saved with stacks.
//
// Threads that were neither finished nor blocked at the end (they had not run yet, or not
// far enough) are candidates too, after the pairs: such a thread is run at one of the last
// decisions after its own last event (an order violation: the failing thread used what the
// late one had not set up yet). Their `critical.second` is events.size() with blocked -1:
// the late thread's next operation, which the trace never saw.
//
// What this does not claim: that no other pair matters too (the first pair found, in the
// order above, is reported), nor that a run where the reversal is impossible (the second
// thread cannot run there) says anything.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "weft/conflicts.h"
#include "weft/result.h"
#include "weft/run.h"
#include "weft/trace.h"

namespace weft::search {

struct ExplainOptions {
  // The recorded program (from the trace's header), with replay_of set to the trace.
  session::RunConfig base;
  std::string control_output;  // the control run's trace
  std::string passing_output;  // the reversal's trace, when it passes
  uint64_t max_runs = 80;      // runs at most (two per candidate that passes, plus two saves)
  bool thread_pairs = false;   // also pairs on thread handles (create, exit, join)
};

struct ExplainResult {
  bool found = false;
  analysis::Conflict critical;  // event indexes into the explained trace (see above for
                                // second == events.size(), blocked == -1)
  format::Outcome control_outcome;
  format::Outcome passing_outcome;
  uint64_t candidates = 0;  // conflicting pairs that could be tried (after filtering)
  uint64_t tried = 0;       // of them, reversed
  uint64_t runs = 0;        // program runs made
};

// Called after each run: runs so far, candidates tried, candidates in all.
using ExplainProgress = std::function<void(uint64_t runs, uint64_t tried, uint64_t candidates)>;

// Explains `trace`, which must hold a failing run. An error when it does not fail or its
// program cannot be run; a result with found == false when no candidate decides it within
// max_runs.
Result<ExplainResult> Explain(const format::Trace& trace, const ExplainOptions& options,
                              const ExplainProgress& progress);

}  // namespace weft::search
