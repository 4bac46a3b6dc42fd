// program.cc — finding the shim and preparing a program (new, or from a trace) to run.
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "weft/api.h"
#include "weft/atomic_scan.h"
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
                                       const Host& host, const TraceTrust& trust) {
  const format::Header& h = trace.header;
  // NB: every check comes before anything runs: a refused trace starts no process.
  Result<TraceCommand> command = CheckTraceCommand(trace, path, CurrentEnvironment());
  if (!command.ok()) return command.error();
  if (Status allowed = AllowTraceCommand(*command, path, trust); !allowed.ok()) {
    return allowed.error();
  }
  Result<std::string> shim = ShimOf(host);
  if (!shim.ok()) return shim.error();
  session::RunConfig config;
  if (!h.cwd.empty()) {
    if (!command->cwd_gone) {
      config.cwd = h.cwd;
    } else {
      Note(host, "note: the recorded working directory " + h.cwd +
                     " is gone; running in the current one");
    }
  }
  if (!command->program_changed.empty()) {
    Note(host, "note: " + command->program_changed + "; running it anyway (" +
                   (trust.force ? "--force" : "--trust") + ")");
  } else if (command->program_unchecked) {
    Note(host, "note: " + path + " does not record which build of " + command->executable +
                   " it ran (an older weft wrote it); not checked");
  }
  if (!command->redacted_missing.empty()) {
    std::string names;
    for (const std::string& n : command->redacted_missing) names += (names.empty() ? "" : ", ") + n;
    Note(host, "note: " + names + (command->redacted_missing.size() == 1 ? " is" : " are") +
                   " not in the trace (secret) and not set here: the program runs without " +
                   (command->redacted_missing.size() == 1 ? "it; set it" : "them; set them") +
                   " to the recorded value to replay as recorded");
  }
  if (!command->redacted_differs.empty()) {
    std::string names;
    for (const std::string& n : command->redacted_differs) names += (names.empty() ? "" : ", ") + n;
    Note(host, "note: " + names + (command->redacted_differs.size() == 1 ? " differs" : " differ") +
                   " from the recorded value (the digest in the trace does not match)");
  }
  if (command->redacted_unchecked) {
    Note(host,
         "note: the trace's digests of its secret variables use a scheme this weft does "
         "not know: their values were not checked");
  }
  if (host.command) host.command(*command);
  config.argv = h.argv;
  config.executable = command->executable;
  config.env = command->env;
  config.keep_env = command->keep_env;
  config.redact_env = command->redact_env;
  config.shim_path = shim.value();
  config.schedule = session::Schedule::Replay(&trace);
  config.replay_path = path;
  config.realtime_base_ns = h.realtime_base_ns;
  config.monotonic_base_ns = h.monotonic_base_ns;
  config.timeout_seconds = h.timeout_seconds;
  config.max_steps = h.max_steps;
  // The same memory access sites are schedule points, so the same decisions are made.
  config.memory_sites = h.memory_sites;
  // The same places for CPython's interpreter points where no script says (a plan, a search
  // from the trace).
  config.interp_phase = h.interp_phase;
  // The same atomic instructions are schedule points (or none, as recorded).
  config.atomic_sites = h.atomic_sites;
  if (h.atomic_sites) {
    // The same program lists the same sites: say so when it does not (the replay may diverge).
    Result<launcher::AtomicScan> scan = launcher::ScanAtomicSites(config.executable, config.env);
    std::string recorded, now;
    for (const format::Header::AtomicSitesModule& m : h.atomic_site_modules) {
      recorded += (recorded.empty() ? "" : ", ") + std::to_string(m.sites) + " in " + m.path;
    }
    if (scan.ok()) {
      for (const launcher::AtomicModule& m : scan->modules) {
        now += (now.empty() ? "" : ", ") + std::to_string(m.sites.size()) + " in " + m.path;
      }
    }
    if (scan.ok() && now != recorded) {
      Note(host, "note: the program's atomic sites differ from the recording's (" + recorded +
                     "; now " + (now.empty() ? "none" : now) + "): the replay may diverge");
    }
  }
  config.cpu = host.cpu;
  if (trace.program_stdin.captured) {
    config.stdin_data = std::make_shared<const std::string>(trace.program_stdin.data);
  }
  if (h.isolated) {
    Status can = launcher::CheckIsolation(config.cwd);
    if (can.ok()) {
      config.isolate = true;
    } else {
      Note(host,
           "note: the recording had a private view of its files, which this replay "
           "cannot have (" +
               can.error().message + "); it sees the real ones");
    }
  }
  // NB: stacks as recorded, even when the replay keeps no trace: the unwinder the shim loads
  // for them moves the program's later mappings (a large malloc lands elsewhere without it).
  config.handle_signals = host.handle_signals;
  config.stack_depth = h.stack_depth;
  if (config.stack_depth == 0) {
    // Older writers did not record the depth: their stacks were 32 frames deep.
    for (const format::Event& e : trace.events) {
      if (e.stack != 0) {
        config.stack_depth = 32;
        break;
      }
    }
  }
  return config;
}

}  // namespace weft::api
