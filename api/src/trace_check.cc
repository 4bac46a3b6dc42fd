// trace_check.cc — before a trace's program runs (replay, permute, minimize): is the file at
// the recorded path the recorded program, what command will run, and does the trace ask for
// code of its own to be loaded (loader variables)? Nothing here starts a process.
#include <sys/stat.h>

#include <map>

#include "weft/api.h"
#include "weft/launcher.h"
#include "weft/render.h"
#include "weft/trace_env.h"

namespace weft::api {
namespace {

// Variables that make the dynamic loader, glibc or a common interpreter load code or
// configuration of the value's choosing.
bool IsLoaderVariable(const std::string& name) {
  if (name.rfind("LD_", 0) == 0) return true;         // LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, …
  if (name.rfind("GIT_CONFIG", 0) == 0) return true;  // core.sshCommand, core.pager, …
  static const char* const kNames[] = {
      "GCONV_PATH",       "BASH_ENV",     "ENV",       "PYTHONPATH",        "PYTHONHOME",
      "PYTHONSTARTUP",    "PERL5LIB",     "PERL5OPT",  "PERLLIB",           "RUBYOPT",
      "RUBYLIB",          "NODE_OPTIONS", "NODE_PATH", "JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS",
      "JDK_JAVA_OPTIONS", "LUA_INIT",     "LUA_PATH",  "LUA_CPATH",         "PROMPT_COMMAND"};
  for (const char* n : kNames) {
    if (name == n) return true;
  }
  return false;
}

// Name -> value of the first occurrence of each name (what getenv sees).
std::map<std::string, std::string> EnvMap(const std::vector<std::string>& env) {
  std::map<std::string, std::string> out;
  for (const std::string& kv : env) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    out.emplace(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return out;
}

bool IsWeftInternal(const std::string& name) {
  return name == WEFT_ENV_SESSION_FD || name == WEFT_ENV_MARKER;
}

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

}  // namespace

Result<TraceCommand> CheckTraceCommand(const format::Trace& trace, const std::string& path,
                                       const std::vector<std::string>& current_env) {
  const format::Header& h = trace.header;
  if (h.argv.empty()) return MakeError("the trace '" + path + "' names no program");
  if (std::string window = format::RingWindowNotReplayable(h, path); !window.empty()) {
    return MakeError(window);
  }
  Result<launcher::ResolvedProgram> program = launcher::ResolveProgram(h.executable);
  if (!program.ok())
    return MakeError("cannot run the program of '" + path + "': " + program.error().message);
  TraceCommand command;
  command.executable = program->path;
  command.argv = h.argv;
  command.cwd = h.cwd;
  if (!h.cwd.empty()) {
    struct stat st;
    command.cwd_gone = !(stat(h.cwd.c_str(), &st) == 0 && S_ISDIR(st.st_mode));
  }

  // The program: the recorded build-id (or file digest) against the file there now.
  std::string recorded_build_id = h.executable_build_id;
  if (recorded_build_id.empty() && h.executable_sha256.empty()) {
    for (const format::Module& m : trace.modules) {  // older writers: the module table
      if (m.path == h.executable && !m.build_id.empty()) recorded_build_id = m.build_id;
    }
  }
  if (recorded_build_id.empty() && h.executable_sha256.empty()) {
    command.program_unchecked = true;
  } else {
    Result<session::ExecutableIdentity> now = session::IdentifyExecutable(command.executable);
    if (!now.ok())
      return MakeError("cannot check the program of '" + path + "': " + now.error().message);
    if (!recorded_build_id.empty() && now->build_id != recorded_build_id) {
      command.program_changed =
          "the program changed since the recording: " + command.executable +
          (now->build_id.empty() ? " has no build-id" : " has build-id " + now->build_id) +
          ", the trace recorded build-id " + recorded_build_id;
    } else if (recorded_build_id.empty() && now->sha256 != h.executable_sha256) {
      command.program_changed = "the program changed since the recording: the SHA-256 of " +
                                command.executable + " is not the recorded one";
    }
  }

  // The environment: the recorded one, redacted values from ours.
  session::RestoredEnvironment restored = session::RestoreEnvironment(h, current_env);
  command.env = std::move(restored.env);
  command.redacted = restored.redacted;
  command.redacted_missing = restored.missing;
  command.redacted_differs = restored.differs;
  command.redacted_unchecked = restored.unknown_scheme;
  command.keep_env = restored.policy.keep;
  command.redact_env = restored.policy.redact;

  std::map<std::string, std::string> mine = EnvMap(current_env);
  std::map<std::string, std::string> theirs = EnvMap(command.env);
  for (const auto& [name, value] : theirs) {
    if (IsWeftInternal(name)) continue;
    auto it = mine.find(name);
    if (it == mine.end()) {
      command.env_differences.push_back({EnvDifference::Kind::kAdded, name, value});
    } else if (it->second != value) {
      command.env_differences.push_back({EnvDifference::Kind::kChanged, name, value});
    } else {
      continue;
    }
    if (IsLoaderVariable(name)) command.loader_variables.push_back(name);
  }
  for (const auto& [name, value] : mine) {
    if (IsWeftInternal(name) || theirs.count(name) != 0) continue;
    command.env_differences.push_back({EnvDifference::Kind::kRemoved, name, ""});
  }
  return command;
}

Status AllowTraceCommand(const TraceCommand& command, const std::string& path,
                         const TraceTrust& trust) {
  if (!command.loader_variables.empty() && !trust.trust) {
    return MakeError("refusing to run the program of '" + path + "': its environment sets " +
                     Join(command.loader_variables) +
                     (command.loader_variables.size() == 1 ? ", which makes" : ", which make") +
                     " the program load code of the trace's choosing (weft replay "
                     "--dry-run shows the whole command); use --trust only for a trace whose "
                     "origin you trust");
  }
  if (!command.program_changed.empty() && !trust.force && !trust.trust) {
    return MakeError("refusing to run the program of '" + path + "': " + command.program_changed +
                     "; rebuild the recorded program, or try anyway with --force");
  }
  return Status::Ok();
}

Status RequireControlled(const format::Trace& trace, const std::string& path,
                         const std::string& command) {
  if (trace.header.mode != format::Mode::kFree) return Status::Ok();
  return MakeError("'" + path + "' is a free recording (weft record --free): weft " + command +
                   " changes a controlled run's decisions, which it does not have; weft explore "
                   "--from " +
                   path + " saves a controlled trace that fails as this one did: " + command +
                   " that one");
}

}  // namespace weft::api
