// weft show — print a trace as a readable timeline (or JSON).
#include <cstdio>

#include "cli.h"
#include "weft/render.h"
#include "weft/show.h"
#include "weft/trace_io.h"

namespace weft::cli {
namespace {

constexpr const char* kUsage = R"(usage: weft show [options] TRACE

Prints the recorded run as a timeline: the program and how it was scheduled, its
threads, one line per event (virtual time, thread, operation, object, result,
how many threads could have run instead, source location) and the outcome with
the crash site or the deadlock's wait-for cycle.

options:
  --json      print the whole trace as one JSON object instead (weft.show/1, see
              docs/JSON.md)
  -h, --help  show this help
)";

}  // namespace

int RunShow(const std::vector<std::string>& argv) {
  Args args(argv, false);
  if (args.Flag("--help") || args.Flag("-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  bool json = args.Flag("--json");
  Status st = args.Finish();
  if (!st.ok()) return Fail("show", st.error().message + " (see weft show --help)");
  if (args.positional().size() != 1) return Fail("show", "give exactly one trace file");
  // A trace whose writer was killed mid-packet shows up to its last complete packet.
  format::ReadOptions lenient;
  lenient.accept_truncated = true;
  const std::string& path = args.positional()[0];
  Result<format::Trace> trace = format::ReadTrace(path, lenient);
  if (!trace.ok()) return Fail("show", trace.error().message);
  if (trace->truncated_at_byte != 0) {
    Say("note: " + path + " is cut inside a packet at byte " +
        std::to_string(trace->truncated_at_byte) +
        " (its writer was probably killed); showing it up to its last complete packet: " +
        std::to_string(trace->events.size()) + " events, no outcome");
  } else if (!trace->has_outcome && !trace->header.ring) {
    Say("note: " + path + " ends before its outcome (the recording was interrupted); " +
        "showing its " + std::to_string(trace->events.size()) + " events");
  }
  if (trace->header.ring) Say("note: " + path + " is " + format::DescribeRingWindow(trace->header));
  std::string text;
  if (json) {
    // The renderer writes the trace; the schema says which document this is.
    std::string body = render::RenderTraceJson(trace.value());
    WEFT_CHECK(!body.empty() && body[0] == '{');
    text = std::string("{\"schema\":\"") + kSchemaShow + "\"" + (body[1] == '}' ? "" : ",") +
           body.substr(1);
  } else {
    text = render::RenderTimeline(trace.value());
  }
  std::fwrite(text.data(), 1, text.size(), stdout);
  return kExitOk;
}

}  // namespace weft::cli
