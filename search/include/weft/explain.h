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
  // How the pair was found: "reversal" (one conflicting pair of the trace reversed),
  // "bisection" (Bisect), or as the caller sets it ("minimized": a reversal of the
  // minimized run).
  std::string method = "reversal";
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
// max_runs. The conflicting pairs are reversed nearest the end first; the first whose
// reversal passes (and whose control run fails the same way) is named, unless in its passing
// run every thread did the same operations as in the control run, only in another order (a
// second race hiding the failure: `if (!p) p = new Obj` run twice, the two constructions'
// `++count` losing one): then up to 24 more candidates are tried for one whose passing run
// has a thread go another way (the check that saw p still null), and the first pair is
// named when none does. When none passes, or only such a pair, up to 24 pairs of memory
// accesses that the reported conflicts leave out (a thread's check paired with the other's
// store, with its own store between) are reversed too, nearest the end first.
Result<ExplainResult> Explain(const format::Trace& trace, const ExplainOptions& options,
                              const ExplainProgress& progress);

// Bisection between the failing schedule of `trace` and a passing one (method "bisection"),
// for a failure no single conflicting pair's reversal flips. Run k replays the first k
// decisions of the trace and then goes on without preemptions: run 0 is the non-preemptive
// run, run events.size() the trace itself. When run 0 passes, a binary search over k finds
// k with run k passing and run k + 1 failing the way the trace did (O(log events) runs):
// the two differ in the one decision k, where the trace ran thread B and the passing run
// thread A. That is the critical reordering: `critical.first` = event k (B's operation),
// `second` = A's next operation in the trace (its next event; or its pending operation at a
// deadlock, `blocked`; or events.size() with blocked -1 when A never ran again),
// `reversal` = k, `second_tid` = A; control (run k + 1) and passing (run k) runs saved.
// Found false when run 0 does not pass or the ends do not hold within max_runs.
Result<ExplainResult> Bisect(const format::Trace& trace, const ExplainOptions& options,
                             const ExplainProgress& progress);

}  // namespace weft::search
