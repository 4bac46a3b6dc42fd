// why.h — why a run failed, as weft explain, weft explore's short form and weft conflicts
// --critical find and say it: the critical pair of the trace (or of its minimized run), its
// sides for a human, the sentence, and the `critical` object of weft.explain/1.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "pair_text.h"
#include "weft/api.h"
#include "weft/explain.h"
#include "weft/json.h"
#include "weft/trace.h"

namespace weft::cli {

struct WhyOptions {
  std::string prefix;         // the saved runs: PREFIX-fail.weft, PREFIX-pass.weft, PREFIX-min.weft
  uint64_t max_runs = 80;     // program runs at most, minimizing included
  bool thread_pairs = false;  // also pairs on thread handles
  bool minimize = true;       // when no single reordering of the trace flips it, minimize first
  std::optional<double> timeout_seconds;
  api::TraceTrust trust;
  bool say = true;  // progress notes on stderr ("minimizing it first ...")
  // Only bisect the trace itself (search::Bisect), without trying reversals first.
  bool bisect_only = false;
};

// What was found. Event indexes (sides, critical) are into trace().
struct Why {
  search::ExplainResult result;  // runs: all of them, minimizing included
  std::string path;              // the trace explained (the argument)
  std::string minimized_path;    // "" unless the minimized run was explained
  std::string failing_trace, passing_trace;
  Side first, second;
  std::optional<Side> between;
  bool late = false;  // second is a thread that had not run yet (its next operation)

  // The trace the critical pair's event indexes refer to.
  const format::Trace& trace() const { return minimized ? *minimized : *recorded; }
  const std::string& explained_path() const {
    return minimized_path.empty() ? path : minimized_path;
  }

  const format::Trace* recorded = nullptr;  // the caller's trace, outliving this
  std::shared_ptr<format::Trace> minimized;
};

// Explains `trace` (read from `path`, a failing run): its critical pair, else (minimize)
// its minimized run's. An error when it did not fail or cannot be run.
// `host` runs the first search (its notes and callbacks); minimizing and explaining the
// minimized run use CliHost().
Result<Why> FindWhy(const format::Trace& trace, const std::string& path, const WhyOptions& options,
                    const api::Host& host, const search::ExplainProgress& progress = {});

// "has_funds (bank.c:19)", "start (init_config)", "event #12".
std::string Where(const format::Trace& trace, const Side& s);

// The short form: "fails when T2 runs has_funds (bank.c:19) between T1's has_funds
// (bank.c:19) and debit (bank.c:26); with T1's debit first it passes". Needs result.found.
std::string WhySentence(const Why& why);

// weft.explain/1's `critical` object (docs/JSON.md). Needs result.found.
void CriticalJson(json::Writer& w, const Why& why);

}  // namespace weft::cli
