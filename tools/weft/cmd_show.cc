// weft show — print a trace as a readable timeline (or JSON).
#include <cstdio>

#include "cli.h"
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
  Result<format::Trace> trace = format::ReadTrace(args.positional()[0]);
  if (!trace.ok()) return Fail("show", trace.error().message);
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
