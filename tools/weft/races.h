// races.h — the data races of a run, as record, replay and explore print them (races.cc).
#pragma once

#include <string>
#include <vector>

#include "cli.h"
#include "weft/race.h"
#include "weft/trace.h"

namespace weft::cli {

// The help line of --fail-on-race, shared by record, replay and explore.
inline constexpr const char* kFailOnRaceHelp =
    "  --fail-on-race    a data race (instrumented builds, `weft cc`) counts as a failure:\n"
    "                    exit status 1, the trace kept\n";

// Prints the reports of `races` on stderr in ThreadSanitizer's shape (render/weft/
// race_report.h), then one line that counts them; nothing when there is none.
void PrintRaces(const format::Trace& trace, const std::vector<analysis::Race>& races,
                const std::string& trace_name);

// The races of the trace at `path` (read again once written); an unreadable trace has none
// and the reason goes to *error.
std::vector<analysis::Race> RacesOfTraceFile(const std::string& path, format::Trace* trace,
                                             std::string* error);

// The `races` array of a --json output (docs/JSON.md, "races").
void WriteRacesField(json::Writer& w, const format::Trace& trace,
                     const std::vector<analysis::Race>& races);

}  // namespace weft::cli
