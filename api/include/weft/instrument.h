// instrument.h — instrumented builds: what `weft cc`, `weft c++` and `weft flags` give the
// compiler so that it instruments every memory access (its -fsanitize=thread pass) and links
// weft's runtime, libweft_rt.so, instead of ThreadSanitizer's. gcc and clang differ only in
// how the sanitizer runtime is kept out of the link:
//   clang: -fno-sanitize-link-runtime, then libweft_rt.so by path;
//   gcc:   its driver always adds -ltsan, so lib/weft/gcc/ (where libtsan.so is a link to
//          libweft_rt.so) goes first on the library path.
// Either way the program's DT_NEEDED names libweft_rt.so and its RUNPATH holds lib/weft.
#pragma once

#include <string>
#include <vector>

#include "weft/result.h"

namespace weft::api {

enum class CompilerFamily { kGcc, kClang };

struct Toolchain {
  std::string compiler;  // as given: a name on PATH or a path
  CompilerFamily family = CompilerFamily::kGcc;
  std::string runtime_dir;  // the directory of libweft_rt.so
};

// The directory of libweft_rt.so: beside libweft_preload.so (FindShim's rules), or
// $WEFT_RUNTIME_DIR. The error says where it looked.
Result<std::string> FindRuntimeDir();

// The compiler `weft cc` (cxx = false) or `weft c++` runs: $WEFT_CC / $WEFT_CXX if set, else
// gcc / g++; its family comes from its `--version`. An error names the compiler that
// cannot be run.
Result<Toolchain> FindToolchain(bool cxx);
// The toolchain of a compiler named explicitly (`weft flags --compiler clang`).
Result<Toolchain> ToolchainFor(const std::string& compiler);

// Flags for compiling (-fsanitize=thread) and for linking (keeps the sanitizer runtime out,
// links libweft_rt.so, sets the RUNPATH), for build systems: `weft flags`.
std::vector<std::string> InstrumentCompileFlags(const Toolchain& toolchain);
std::vector<std::string> InstrumentLinkFlags(const Toolchain& toolchain);
// rustc's flags for an instrumented Rust build with weft's runtime in `runtime_dir`
// (`weft flags --rustflags`; rustc needs RUSTC_BOOTSTRAP=1 for the -Z ones): ThreadSanitizer's
// instrumentation without rustc's runtime, and libweft_rt.so linked before libc.
std::vector<std::string> InstrumentRustFlags(const std::string& runtime_dir);

// The whole command `weft cc ARGS` runs: the compiler, ARGS, the compile flags and, when the
// command links (no -c, -S, -E, -M or -MM), the link flags. An error for what the runtime
// cannot support (-static: libweft_rt.so is a shared library).
Result<std::vector<std::string>> CompilerCommand(const Toolchain& toolchain,
                                                 const std::vector<std::string>& args);

// Whether the ELF file `path` links weft's runtime (its DT_NEEDED names libweft_rt.so): a
// program built with `weft cc`, whose runs hold memory accesses to check for data races.
// False for anything that cannot be read as a 64-bit ELF.
bool LinksWeftRuntime(const std::string& path);

}  // namespace weft::api
