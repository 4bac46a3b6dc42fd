// trace_reader_fuzz.cc — libFuzzer target for the trace reader: any bytes must give either a
// trace or an Error that names the input, never a crash, a hang or an absurd allocation.
// Whatever parses must also render (the renderer trusts the reader's guarantees) and
// survive a write/read round trip unchanged.
//
//   cmake -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DWEFT_FUZZ=ON ...
//   ./trace_reader_fuzz -max_len=65536 tests/fuzz/corpus
// Every build also links it into trace_reader_fuzz_smoke (smoke_main.cc), without libFuzzer.
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "weft/show.h"
#include "weft/trace_io.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace weft::format;
  std::string bytes(reinterpret_cast<const char*>(data), size);
  for (bool accept_truncated : {false, true}) {
    weft::Result<Trace> trace = ParseTrace(bytes, "fuzz", ReadOptions{accept_truncated});
    if (!trace.ok()) {
      if (trace.error().message.rfind("cannot read trace 'fuzz': ", 0) != 0) std::abort();
      continue;
    }
    (void)weft::render::RenderTimeline(*trace);
    (void)weft::render::RenderTraceJson(*trace);

    // Round trip: what was read must be written and read back identically.
    static const std::string path = "/tmp/weft_fuzz_" + std::to_string(getpid()) + ".weft";
    if (!WriteTrace(path, *trace).ok()) continue;  // e.g. a thread table WriteTrace rejects
    weft::Result<Trace> again = ReadTrace(path);
    unlink(path.c_str());
    if (!again.ok()) {
      std::fprintf(stderr, "re-read failed: %s\n", again.error().message.c_str());
      std::abort();
    }
    trace->truncated_at_byte = 0;
    if (trace->header.format_major != kFormatMajor) {
      // An older major is converted when read and written as the current one; a format-1
      // frame's module path is kept only when the trace lists that module.
      trace->header.format_major = kFormatMajor;
      for (Frame& frame : trace->frames) {
        if (frame.module_id == 0) frame.module.clear();
      }
    }
    if (std::isnan(trace->outcome.wall_seconds)) {  // NaN != NaN
      trace->outcome.wall_seconds = 0;
      again->outcome.wall_seconds = 0;
    }
    if (!(again.value() == trace.value())) {
      std::fprintf(stderr, "round trip changed the trace\n");
      std::abort();
    }
  }
  return 0;
}
