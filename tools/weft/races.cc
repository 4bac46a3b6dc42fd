// races.cc — printing a run's data races.
#include "races.h"

#include <cstdio>

#include "weft/race_report.h"
#include "weft/trace_io.h"

namespace weft::cli {

void PrintRaces(const format::Trace& trace, const std::vector<analysis::Race>& races,
                const std::string& trace_name) {
  if (races.empty()) return;
  std::string text = render::RaceReportsText(trace, races, trace_name);
  std::fwrite(text.data(), 1, text.size(), stderr);
  Say(Plural(races.size(), "data race") + " (distinct pairs of sites) in " + trace_name);
}

std::vector<analysis::Race> RacesOfTraceFile(const std::string& path, format::Trace* trace,
                                             std::string* error) {
  Result<format::Trace> read = format::ReadTrace(path, format::ReadOptions{true});
  if (!read.ok()) {
    *error = read.error().message;
    return {};
  }
  *trace = std::move(read.value());
  return analysis::FindRaces(*trace);
}

void WriteRacesField(json::Writer& w, const format::Trace& trace,
                     const std::vector<analysis::Race>& races) {
  w.Key("races");
  render::WriteRacesJson(w, trace, races);
}

}  // namespace weft::cli
