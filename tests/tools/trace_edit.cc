// trace_edit.cc — weft_trace_edit: changes the header of a trace, as someone handing over a
// doctored trace would (for the tests of what replay refuses).
//
//   weft_trace_edit IN OUT [--set-env NAME=VALUE]... [--executable PATH] [--argv0 ARG]
#include <cstdio>
#include <string>

#include "weft/trace_io.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: weft_trace_edit IN OUT [--set-env NAME=VALUE]... [--executable PATH] "
                 "[--argv0 ARG]\n");
    return 2;
  }
  weft::Result<weft::format::Trace> trace = weft::format::ReadTrace(argv[1]);
  if (!trace.ok()) {
    std::fprintf(stderr, "weft_trace_edit: %s\n", trace.error().message.c_str());
    return 2;
  }
  weft::format::Header& h = trace->header;
  for (int i = 3; i + 1 < argc; i += 2) {
    std::string option = argv[i], value = argv[i + 1];
    if (option == "--set-env") {
      size_t eq = value.find('=');
      if (eq == std::string::npos) return 2;
      h.env.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    } else if (option == "--executable") {
      h.executable = value;
    } else if (option == "--argv0") {
      if (h.argv.empty()) h.argv.push_back(value);
      h.argv[0] = value;
    } else {
      std::fprintf(stderr, "weft_trace_edit: unknown option %s\n", option.c_str());
      return 2;
    }
  }
  weft::Status s = weft::format::WriteTrace(argv[2], trace.value());
  if (!s.ok()) {
    std::fprintf(stderr, "weft_trace_edit: %s\n", s.error().message.c_str());
    return 2;
  }
  return 0;
}
