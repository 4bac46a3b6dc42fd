// program.cc — finding the shim and preparing a program (new, or from a trace) to run.
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "weft/api.h"
#include "weft/launcher.h"

extern char** environ;

namespace weft::api {
namespace {

bool FileExists(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

std::string SelfDir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<size_t>(n));
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

Result<std::string> ShimOf(const Host& host) {
  if (!host.shim_path.empty()) return host.shim_path;
  return FindShim();
}

void Note(const Host& host, const std::string& text) {
  if (host.note) host.note(text);
}

}  // namespace

void Started(const Host& host) {
  if (host.started) host.started();
}

namespace {}  // namespace

Result<std::string> FindShim() {
  const char* env = std::getenv("WEFT_PRELOAD");
  if (env != nullptr && *env != '\0') {
    if (FileExists(env)) return std::string(env);
    return MakeError(std::string("WEFT_PRELOAD points to '") + env + "', which does not exist");
  }
  std::string dir = SelfDir();
  const std::vector<std::string> candidates = {
      dir + "/../lib/weft/libweft_preload.so",
      dir + "/../" WEFT_INSTALL_LIBDIR "/weft/libweft_preload.so",
  };
  for (const std::string& c : candidates) {
    char real[PATH_MAX];
    if (FileExists(c) && realpath(c.c_str(), real) != nullptr) return std::string(real);
  }
  return MakeError("cannot find libweft_preload.so (looked in " + candidates[0] + " and " +
                   candidates[1] + "); rebuild weft or set WEFT_PRELOAD");
}

std::vector<std::string> CurrentEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  return env;
}

Result<session::RunConfig> ProgramConfig(const std::vector<std::string>& argv,
                                         std::vector<std::string> env, const Host& host) {
  if (argv.empty()) return MakeError("no program given (put it after --)");
  Result<launcher::ResolvedProgram> program = launcher::ResolveProgram(argv[0]);
  if (!program.ok()) return program.error();
  Result<std::string> shim = ShimOf(host);
  if (!shim.ok()) return shim.error();
  session::RunConfig config;
  config.argv = argv;
  config.executable = program->path;
  config.env = std::move(env);
  config.shim_path = shim.value();
  config.cpu = host.cpu;
  config.handle_signals = host.handle_signals;
  return config;
}

Result<session::RunConfig> TraceConfig(const format::Trace& trace, const std::string& path,
                                       const Host& host) {
  const format::Header& h = trace.header;
  if (h.argv.empty()) return MakeError("the trace '" + path + "' names no program");
  Result<launcher::ResolvedProgram> program = launcher::ResolveProgram(h.executable);
  if (!program.ok())
    return MakeError("cannot run the program of '" + path + "': " + program.error().message);
  Result<std::string> shim = ShimOf(host);
  if (!shim.ok()) return shim.error();
  session::RunConfig config;
  if (!h.cwd.empty()) {
    struct stat st;
    if (stat(h.cwd.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
      config.cwd = h.cwd;
    } else {
      Note(host, "note: the recorded working directory " + h.cwd +
                     " is gone; running in the current one");
    }
  }
  config.argv = h.argv;
  config.executable = program->path;
  for (const auto& [k, v] : h.env) config.env.push_back(k + "=" + v);
  config.shim_path = shim.value();
  config.schedule = session::Schedule::Replay(&trace);
  config.replay_path = path;
  config.realtime_base_ns = h.realtime_base_ns;
  config.monotonic_base_ns = h.monotonic_base_ns;
  config.timeout_seconds = h.timeout_seconds;
  config.max_steps = h.max_steps;
  config.cpu = host.cpu;
  config.handle_signals = host.handle_signals;
  config.stack_depth = 0;
  return config;
}

}  // namespace weft::api
