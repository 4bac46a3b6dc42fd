// weft cc / weft c++ / weft flags — build a program with weft's memory-access
// instrumentation (weft/instrument.h).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli.h"
#include "weft/instrument.h"

namespace weft::cli {
namespace {

constexpr const char* kCcUsage = R"(usage: weft cc   [compiler arguments...]
       weft c++  [compiler arguments...]

Compiles and links like the compiler it wraps (the arguments are the compiler's), with the
compiler's thread-sanitizer instrumentation (-fsanitize=thread) and weft's own runtime,
libweft_rt.so, linked in place of ThreadSanitizer's. Every load, store and atomic operation
of the program's own code then calls weft's runtime:

  weft cc -g -O1 -o counter counter.c -pthread
  weft explore -- ./counter

The program runs as usual outside weft (its accesses cost a call each and atomics are
performed). Inside weft the runtime reports each access to weft's shim; this version of the
shim does not make them schedule points yet, so searches still interleave the program at its
synchronization calls only. Use -g, so that reports can name files and lines.

The compiler: $WEFT_CC for `weft cc` (default gcc), $WEFT_CXX for `weft c++` (default g++);
gcc and clang are supported. For build systems: `weft flags --cflags` and `--ldflags`, or
CMake's find_package(weft) with weft_instrument(TARGET). -static is refused (weft runs
dynamically linked programs).

weft exits with the compiler's exit status, or 2 when the compiler cannot be run.
)";

constexpr const char* kFlagsUsage =
    R"USAGE(usage: weft flags (--cflags | --ldflags | --rustflags) [--compiler CC]

Prints the compiler flags of an instrumented build (see weft cc --help), for build systems
that take CFLAGS and LDFLAGS:

  make CC=gcc CFLAGS="-g -O1 $(weft flags --cflags)" LDFLAGS="$(weft flags --ldflags)"

or rustc's (its ThreadSanitizer instrumentation is unstable: RUSTC_BOOTSTRAP=1):

  RUSTC_BOOTSTRAP=1 rustc -g -O $(weft flags --rustflags) prog.rs

options:
  --cflags        the flags for compiling: -fsanitize=thread
  --ldflags       the flags for linking: weft's runtime instead of ThreadSanitizer's, and
                  the RUNPATH where it is found (they differ between gcc and clang)
  --rustflags     rustc's flags: the instrumentation without rustc's runtime, weft's runtime
                  linked before libc (else the program's malloc is glibc's, which weft's
                  runtime does not see), its RUNPATH
  --compiler CC   the compiler the flags are for (default: $WEFT_CC, else gcc)
  -h, --help      show this help
)USAGE";

}  // namespace

int RunCompiler(const std::vector<std::string>& args, bool cxx) {
  const char* name = cxx ? "c++" : "cc";
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::fputs(kCcUsage, stdout);
    return kExitOk;
  }
  Result<api::Toolchain> toolchain = api::FindToolchain(cxx);
  if (!toolchain.ok()) return Fail(name, toolchain.error().message);
  Result<std::vector<std::string>> command = api::CompilerCommand(toolchain.value(), args);
  if (!command.ok()) return Fail(name, command.error().message);
  std::vector<char*> argv;
  for (std::string& a : command.value()) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  execvp(argv[0], argv.data());
  return Fail(name, "cannot run " + command.value()[0] + ": " + std::strerror(errno));
}

int RunFlags(const std::vector<std::string>& raw) {
  Args args(raw, /*takes_program=*/false, {"--compiler"});
  if (args.Flag("--help") || args.Flag("-h")) {
    std::fputs(kFlagsUsage, stdout);
    return kExitOk;
  }
  bool cflags = args.Flag("--cflags");
  bool ldflags = args.Flag("--ldflags");
  bool rustflags = args.Flag("--rustflags");
  std::string compiler;
  args.Value("--compiler", &compiler);
  Status st = args.Finish();
  if (!st.ok()) return Fail("flags", st.error().message + " (see weft flags --help)");
  if (int(cflags) + int(ldflags) + int(rustflags) != 1)
    return Fail("flags", "give one of --cflags, --ldflags and --rustflags");
  if (!args.positional().empty())
    return Fail("flags", "unexpected argument '" + args.positional()[0] + "'");
  auto print = [](const std::vector<std::string>& flags) {
    std::string line;
    for (const std::string& f : flags) line += (line.empty() ? "" : " ") + ShellQuote(f);
    std::printf("%s\n", line.c_str());
    return kExitOk;
  };
  if (rustflags) {
    if (!compiler.empty()) return Fail("flags", "--compiler is for --cflags and --ldflags");
    Result<std::string> dir = api::FindRuntimeDir();
    if (!dir.ok()) return Fail("flags", dir.error().message);
    return print(api::InstrumentRustFlags(dir.value()));
  }
  Result<api::Toolchain> toolchain =
      compiler.empty() ? api::FindToolchain(false) : api::ToolchainFor(compiler);
  if (!toolchain.ok()) return Fail("flags", toolchain.error().message);
  return print(cflags ? api::InstrumentCompileFlags(toolchain.value())
                      : api::InstrumentLinkFlags(toolchain.value()));
}

}  // namespace weft::cli
