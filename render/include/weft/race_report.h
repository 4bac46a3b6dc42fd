// race_report.h — data races (analysis/race.h) as ThreadSanitizer prints them, so that CI
// log parsers and editors that read TSan reports read weft's, plus weft's trace and event
// numbers; and as the `races` list of the --json outputs (docs/JSON.md). Deterministic:
// same trace, same bytes.
#pragma once

#include <string>
#include <vector>

#include "weft/json.h"
#include "weft/race.h"
#include "weft/trace.h"

namespace weft::render {

// One report in ThreadSanitizer's shape, between its "==================" lines:
//   WARNING: ThreadSanitizer: data race (weft: trace T.weft, events #812 and #17)
//     Write of size 4 at 0x404040 by thread T2:
//       #0 worker /src/counter.c:12 (counter+0x1196)
//     Previous read of size 4 at 0x404040 by thread T1:
//       ...
//     Thread T2 (running) created by main thread at:
//       #0 main /src/counter.c:20 (counter+0x1250)
//     ...
//   SUMMARY: ThreadSanitizer: data race /src/counter.c:12 in worker
// `trace_name` is the trace file as the user names it ("" leaves it out).
std::string RaceReportText(const format::Trace& trace, const analysis::Race& race,
                           const std::string& trace_name);

// Every report of `races`, one after the other, ending with TSan's closing line
// ("ThreadSanitizer: reported 2 warnings"); "" when there is none.
std::string RaceReportsText(const format::Trace& trace, const std::vector<analysis::Race>& races,
                            const std::string& trace_name);

// The `races` key of a --json output: an array with one object per race (docs/JSON.md,
// "races").
void WriteRacesJson(json::Writer& w, const format::Trace& trace,
                    const std::vector<analysis::Race>& races);
// The fields of one race object of that array, inside an object the caller opened.
void WriteRaceFields(json::Writer& w, const format::Trace& trace, const analysis::Race& race);

}  // namespace weft::render
