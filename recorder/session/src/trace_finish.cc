// trace_finish.cc — the end of a trace: what can only be known once the program is gone.
#include <string>
#include <utility>
#include <vector>

#include "run_steps.h"
#include "weft/render.h"

namespace weft::session::internal {
namespace {

using Location = launcher::Symbolizer::Location;

bool IsWeftModule(const std::string& module) {
  size_t slash = module.rfind('/');
  return module.compare(slash == std::string::npos ? 0 : slash + 1, 15, "libweft_preload") == 0;
}

// Whether a source location is the program's own code: not a system library, not weft's
// shim, not the toolchain's headers or a language runtime (libstdc++'s std::thread, Rust's
// std), and named.
bool IsUserCode(const Location& loc) {
  return !loc.function.empty() && !format::IsSystemModule(loc.module) &&
         !IsWeftModule(loc.module) && !format::IsLibraryFunction(loc.function) &&
         (loc.file.empty() || !format::IsToolchainSource(loc.file));
}

// The function a thread was started to run, when its start routine is the runtime's
// (std::thread's execute_native_thread_routine, Rust's thread_start): the outermost of the
// program's own functions in the thread's first stack — for a lambda or a closure, itself,
// whose name says which function encloses it.
std::string CallableName(const std::vector<uint32_t>& frame_ids,
                         const std::vector<std::vector<Location>>& chains) {
  for (auto frame = frame_ids.rbegin(); frame != frame_ids.rend(); ++frame) {
    if (*frame >= chains.size()) continue;
    const std::vector<Location>& chain = chains[*frame];
    for (auto loc = chain.rbegin(); loc != chain.rend(); ++loc) {
      if (IsUserCode(*loc)) return loc->function;
    }
  }
  return "";
}

// The global holding byte `at` of a granule: its name and where it begins.
std::pair<std::string, uint64_t> GlobalOf(const std::string& symbol, uint64_t at) {
  format::SymbolOffset split = format::SplitSymbolOffset(symbol);
  return {std::string(split.name), at - split.offset};
}

// The globals that begin inside a memory granule after its first byte (`int ready;
// int hits;` side by side), each with the offset it begins at; empty when the global
// holding the first byte (or no global) holds them all.
std::vector<format::ObjectPart> GranuleParts(launcher::Symbolizer& symbolizer,
                                             const format::Object& granule) {
  std::vector<format::ObjectPart> parts;
  auto previous = GlobalOf(granule.symbol, granule.address);
  for (uint32_t k = 1; k < format::kMemoryGranuleBytes; ++k) {
    std::string symbol = symbolizer.SymbolizeData(granule.address + k);
    auto global = GlobalOf(symbol, granule.address + k);
    bool same = global.first.empty() ? previous.first.empty() : global == previous;
    if (!same) parts.push_back({k, symbol});
    previous = std::move(global);
  }
  return parts;
}

}  // namespace

Status FinishTrace(const RunConfig& config, const launcher::RunResult& run,
                   const format::Outcome& outcome, const std::set<uint32_t>& exact_frames,
                   RingReader& reader, format::TraceWriter* writer) {
  (void)config;
  if (writer != nullptr) {
    reader.WriteRemainingModules();
    reader.WriteExecs(run.execs);
    ImageSymbolizers symbolizers(reader, run);
    const std::vector<uint64_t>& ips = reader.frame_ips();
    const std::vector<uint32_t>& images = reader.frame_images();
    // Each frame's source-level chain, innermost first: the functions inlined at it, then
    // the out-of-line function.
    std::vector<std::vector<Location>> chains(ips.size());
    for (uint32_t id = 1; id < ips.size(); ++id) {
      launcher::Symbolizer& symbolizer = symbolizers.Of(images[id]);
      bool exact = exact_frames.count(id) != 0;
      chains[id] = symbolizer.SymbolizeInlined(exact ? ips[id] : ips[id] - 1);
      if (!exact && !chains[id].empty() && chains[id].front().line == 0 &&
          !chains[id].front().file.empty()) {
        // A call the compiler gave no line (line 0: clang's mark for code it hoisted or
        // merged, as the __tsan_read call before an inlined `if (!p)` at -O1): the line of
        // the instruction it returns to, which for an instrumented access is the access.
        std::vector<Location> at_return = symbolizer.SymbolizeInlined(ips[id]);
        if (!at_return.empty() && at_return.front().line != 0) chains[id] = std::move(at_return);
      }
    }
    std::vector<format::Thread>& threads = reader.threads();
    // Each thread's start function without the " (pid N)" of a forked process's thread.
    std::vector<std::string> started(threads.size());
    for (format::Thread& t : threads) {
      if (t.tid == 0) {
        t.start_function = "main";
      } else if (t.start_routine == 0 && t.parent >= 0 && static_cast<size_t>(t.parent) < t.tid &&
                 threads[t.parent].pid != t.pid) {
        // The thread of a forked process: it goes on from where its parent's thread forked
        // (a grandchild's from where its parent did: one pid, its own).
        const std::string& from = static_cast<size_t>(t.parent) < started.size()
                                      ? started[t.parent]
                                      : threads[t.parent].start_function;
        if (t.tid < started.size()) started[t.tid] = from;
        t.start_function = from + " (pid " + std::to_string(t.pid) + ")";
      } else {
        Location start = symbolizers.Of(reader.ImageOfThread(t.tid)).SymbolizeCode(t.start_routine);
        t.start_function = start.function;
        if (!IsUserCode(start)) {
          // std::thread and Rust's spawn start every thread in their own routine: name the
          // thread by the callable it runs.
          auto first = reader.first_stacks().find(t.tid);
          if (first != reader.first_stacks().end()) {
            std::string callable = CallableName(reader.Stack(first->second), chains);
            if (!callable.empty()) t.start_function = std::move(callable);
          }
        }
      }
      if (t.tid < started.size() && started[t.tid].empty()) started[t.tid] = t.start_function;
      (void)writer->WriteThread(t);
    }
    for (uint32_t id = 1; id < ips.size(); ++id) {
      const std::vector<Location>& chain = chains[id];
      if (chain.empty()) continue;
      const Location& loc = chain.front();
      std::vector<format::InlinedCaller> callers;
      for (size_t i = 1; i < chain.size(); ++i) {
        callers.push_back({chain[i].function, chain[i].file, chain[i].line});
      }
      if (loc.function.empty() && loc.file.empty() && loc.line == 0 && callers.empty()) continue;
      (void)writer->WriteFrameSymbols(id, loc.function, loc.file, loc.line, callers);
    }
    for (format::Object& o : reader.objects()) {
      // (A file's address is its inode; its name came with it from the shim.)
      if (o.id == 0 || o.kind == format::ObjectKind::kThread ||
          o.kind == format::ObjectKind::kFile) {
        continue;
      }
      launcher::Symbolizer& symbolizer = symbolizers.Of(reader.ImageOfObject(o.id));
      o.symbol = symbolizer.SymbolizeData(o.address);
      if (o.kind == format::ObjectKind::kMemory) o.parts = GranuleParts(symbolizer, o);
      if (!o.symbol.empty() || !o.parts.empty()) (void)writer->WriteObject(o);
    }
    if (!reader.memory_sites_found().empty()) {
      (void)writer->WriteMemorySitesFound(SortedSites(reader.memory_sites_found()));
    }
    Status s = writer->WriteOutcome(outcome);
    if (s.ok()) s = writer->Close();
    if (!s.ok()) return s;
    if (!reader.writer_status().ok()) return reader.writer_status().error();
  }
  return Status::Ok();
}

}  // namespace weft::session::internal
