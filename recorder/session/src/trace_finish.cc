// trace_finish.cc — the end of a trace: what can only be known once the program is gone.
#include <string>
#include <vector>

#include "run_steps.h"

namespace weft::session::internal {
namespace {

// Where an address is in the program's own source: when library code (a libstdc++ header
// such as std::mutex::lock) is inlined there, the line of the program that called it.
launcher::Symbolizer::Location SourceLevelLocation(launcher::Symbolizer& symbolizer,
                                                   uint64_t address) {
  std::vector<launcher::Symbolizer::Location> chain = symbolizer.SymbolizeInlined(address);
  if (chain.empty()) return symbolizer.SymbolizeCode(address);
  for (const launcher::Symbolizer::Location& loc : chain) {
    if (!loc.file.empty() && loc.file.rfind("/usr/", 0) != 0) {
      launcher::Symbolizer::Location out = loc;
      if (out.module.empty()) out.module = chain.back().module;
      return out;
    }
  }
  return chain.front();
}

}  // namespace

Status FinishTrace(const RunConfig& config, const launcher::RunResult& run,
                   const format::Outcome& outcome, const std::set<uint32_t>& exact_frames,
                   RingReader& reader, format::TraceWriter* writer) {
  if (writer != nullptr) {
    launcher::Symbolizer symbolizer(run.maps);
    reader.WriteRemainingModules();
    const std::vector<uint64_t>& ips = reader.frame_ips();
    std::vector<launcher::Symbolizer::Location> locations(ips.size());
    for (uint32_t id = 1; id < ips.size(); ++id) {
      bool exact = exact_frames.count(id) != 0;
      locations[id] = SourceLevelLocation(symbolizer, exact ? ips[id] : ips[id] - 1);
    }
    for (format::Thread& t : reader.threads()) {
      t.start_function = t.tid == 0 ? "main" : symbolizer.SymbolizeCode(t.start_routine).function;
      if (t.start_function.empty()) {
        // A start routine without a symbol (std::thread's lives in libstdc++): name the
        // thread by the outermost frame of the program's own code in its first stack.
        auto first = reader.first_stacks().find(t.tid);
        if (first != reader.first_stacks().end()) {
          const std::vector<uint32_t>& frames = reader.Stack(first->second);
          for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
            const launcher::Symbolizer::Location& loc = locations[*it];
            bool library_code =
                loc.function.rfind("std::", 0) == 0 || loc.function.rfind("__", 0) == 0;
            if (loc.module == config.executable && !loc.function.empty() && !library_code) {
              t.start_function = loc.function;
              break;
            }
          }
        }
      }
      (void)writer->WriteThread(t);
    }
    for (uint32_t id = 1; id < ips.size(); ++id) {
      const launcher::Symbolizer::Location& loc = locations[id];
      if (loc.function.empty() && loc.file.empty() && loc.line == 0) continue;
      (void)writer->WriteFrameSymbols(id, loc.function, loc.file, loc.line);
    }
    for (format::Object& o : reader.objects()) {
      if (o.id == 0 || o.kind == format::ObjectKind::kThread) continue;
      o.symbol = symbolizer.SymbolizeData(o.address);
      if (!o.symbol.empty()) (void)writer->WriteObject(o);
    }
    Status s = writer->WriteOutcome(outcome);
    if (s.ok()) s = writer->Close();
    if (!s.ok()) return s;
    if (!reader.writer_status().ok()) return reader.writer_status().error();
  }
  return Status::Ok();
}

}  // namespace weft::session::internal
