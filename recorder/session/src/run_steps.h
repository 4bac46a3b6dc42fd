// run_steps.h — the steps of RunProgram (run_program.cc), one file each:
//   schedule_layout.cc  the run's schedule → the session's configuration and script
//   run_outcome.cc      the session status and the launcher's result → the run's Outcome
//   trace_finish.cc     modules, symbols, threads, frames, objects, outcome → the trace's end
#pragma once

#include <cstdint>
#include <set>

#include "ring_reader.h"
#include "session_memory.h"
#include "weft/atomic_scan.h"
#include "weft/launcher.h"
#include "weft/result.h"
#include "weft/run.h"
#include "weft/trace.h"
#include "weft/trace_io.h"

namespace weft::session::internal {

// Fills the schedule spec, script and plan of `layout` from `schedule`.
Status FillSchedule(const Schedule& schedule, SessionLayout* layout);

// The schedule as the trace header records it: kind and every parameter needed to run it
// again (a PCT seed reruns from its trace).
format::ScheduleSpec HeaderSchedule(const Schedule& schedule);

// Header.strategy: the strategy's name for a search, else "replay" or "guided".
const char* HeaderStrategy(const Schedule& schedule);

// The atomic sites of `scan` → the session's tables (atomic_layout.cc): at most
// WEFT_MAX_ATOMIC_MODULES modules and WEFT_MAX_ATOMIC_SITES sites, the executable's first.
// Fills `summary` (modules, listed, dropped); returns the sites that did not fit.
uint64_t FillAtomicSites(const launcher::AtomicScan& scan, SessionLayout* layout,
                         AtomicSitesSummary* summary);

// How the run ended. `exact_frames` receives the frames whose IP is not a return address
// (the crash site), which the symbolizer must not step back from.
format::Outcome MakeOutcome(const RunConfig& config, const weft_session* status,
                            const launcher::RunResult& run, RingReader& reader,
                            std::set<uint32_t>* exact_frames);

// Writes what is known only at the end of the run — modules, symbolized frames, threads
// with their start functions, object symbols — and the outcome, then closes the trace.
Status FinishTrace(const RunConfig& config, const launcher::RunResult& run,
                   const format::Outcome& outcome, const std::set<uint32_t>& exact_frames,
                   RingReader& reader, format::TraceWriter* writer);

}  // namespace weft::session::internal
