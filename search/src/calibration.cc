#include "weft/calibration.h"

#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "weft/sched/interesting.h"
#include "weft/strategy_registry.h"
#include "weft/trace_io.h"

namespace weft::search {

CalibrationRun CalibrationOf(const format::Trace& trace) {
  CalibrationRun run;
  run.controlled = true;
  run.events = trace.events.size();
  run.memory_sites_found = trace.memory_sites_found;
  for (const format::Event& e : trace.events) {
    if (e.enabled > 1) ++run.choices;
    if (e.obj == 0 || !sched::IsInteresting(static_cast<uint8_t>(e.kind))) continue;
    if (e.tid >= run.interesting.size()) run.interesting.resize(e.tid + 1, 0);
    ++run.interesting[e.tid];
  }
  return run;
}

Result<CalibrationRun> Calibrate(session::RunConfig config, uint64_t seed) {
  const char* tmp = getenv("TMPDIR");
  std::string path =
      std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/weft-calibration-XXXXXX";
  int fd = mkstemp(path.data());
  if (fd < 0) {
    return MakeError("cannot create a temporary trace '" + path + "': " + std::strerror(errno) +
                     " (set TMPDIR to a writable directory)");
  }
  close(fd);
  config.schedule = session::Schedule::Search(RandomWalk(seed));
  config.stack_depth = 0;
  config.trace_path = path;
  config.keep_trace = session::RunConfig::KeepTrace::kAlways;
  config.record_decisions = false;
  Result<session::RunReport> report = session::RunProgram(config);
  if (!report.ok()) {
    unlink(path.c_str());
    return report.error();
  }
  CalibrationRun run;
  if (report->controlled) {
    Result<format::Trace> trace = format::ReadTrace(path, format::ReadOptions{true});
    if (!trace.ok()) {
      unlink(path.c_str());
      return MakeError("cannot read the calibration run's trace: " + trace.error().message);
    }
    run = CalibrationOf(trace.value());
  }
  unlink(path.c_str());
  run.controlled = report->controlled;
  run.memory_sites_found = report->memory_sites_found;
  return run;
}

}  // namespace weft::search
