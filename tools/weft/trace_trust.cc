// trace_trust.cc — the CLI's side of what a trace may hold and run: --keep-env/--redact-env
// (record, explore), --force/--trust (replay, permute, minimize), the command printed before
// a trace's program runs, and `weft replay --dry-run`.
#include "trace_trust.h"

#include <cstdint>
#include <cstdio>

namespace weft::cli {
namespace {

std::string Shorten(const std::string& value, size_t max = 60) {
  if (value.size() <= max) return value;
  return value.substr(0, max) + "…";
}

const char* KindWord(api::EnvDifference::Kind kind) {
  switch (kind) {
    case api::EnvDifference::Kind::kAdded:
      return "added";
    case api::EnvDifference::Kind::kChanged:
      return "changed";
    case api::EnvDifference::Kind::kRemoved:
      return "removed";
  }
  return "?";
}

}  // namespace

void EnvOptions(Args& args, std::vector<std::string>* keep, std::vector<std::string>* redact) {
  *keep = args.Values("--keep-env");
  *redact = args.Values("--redact-env");
}

api::TraceTrust TrustOptions(Args& args) {
  api::TraceTrust trust;
  trust.force = args.Flag("--force");
  trust.trust = args.Flag("--trust");
  return trust;
}

std::string CommandLine(const api::TraceCommand& command) {
  std::string line;
  for (size_t i = 0; i < command.argv.size(); ++i) {
    line += (i == 0 ? "" : " ") + ShellQuote(command.argv[i]);
  }
  if (!command.argv.empty() && command.argv[0] != command.executable) {
    line += "   (" + command.executable + ")";
  }
  return line;
}

std::vector<std::string> DescribeTraceCommand(const api::TraceCommand& command, size_t max_env) {
  std::vector<std::string> lines;
  lines.push_back("running " + CommandLine(command));
  if (!command.cwd.empty()) {
    lines.push_back("  in " + (command.cwd_gone ? std::string("the current directory (") +
                                                      command.cwd + " is gone)"
                                                : command.cwd));
  }
  if (command.env_differences.empty()) {
    lines.push_back("  environment: the same as yours");
  } else {
    std::string added, changed, removed;
    size_t shown = 0;
    for (const api::EnvDifference& d : command.env_differences) {
      if (shown++ >= max_env) break;
      std::string* list = d.kind == api::EnvDifference::Kind::kAdded     ? &added
                          : d.kind == api::EnvDifference::Kind::kChanged ? &changed
                                                                         : &removed;
      *list +=
          (list->empty() ? "" : ", ") +
          (d.kind == api::EnvDifference::Kind::kRemoved ? d.name : d.name + "=" + Shorten(d.value));
    }
    std::string text = "  environment: yours, except";
    if (!added.empty()) text += " set by the trace: " + added + ";";
    if (!changed.empty()) text += " changed: " + changed + ";";
    if (!removed.empty()) text += " unset: " + removed + ";";
    text.pop_back();
    if (command.env_differences.size() > max_env) {
      text += " … and " + std::to_string(command.env_differences.size() - max_env) +
              " more (weft replay --dry-run lists all)";
    }
    lines.push_back(text);
  }
  if (!command.redacted.empty()) {
    std::string names;
    for (const std::string& n : command.redacted) names += (names.empty() ? "" : ", ") + n;
    lines.push_back("  secret variables (from your environment): " + names);
  }
  return lines;
}

void PrintTraceCommand(const api::TraceCommand& command) {
  for (const std::string& line : DescribeTraceCommand(command, 8)) Say(line);
}

void WriteTraceCommandJson(json::Writer& w, const api::TraceCommand& command,
                           const Status& allowed) {
  w.Field("executable", command.executable);
  w.Key("argv").BeginArray();
  for (const std::string& a : command.argv) w.String(a);
  w.EndArray();
  w.Field("command_line", CommandLine(command));
  w.Field("cwd", command.cwd);
  w.Field("cwd_gone", command.cwd_gone);
  w.Key("env_differences").BeginArray();
  for (const api::EnvDifference& d : command.env_differences) {
    w.BeginObject().Field("name", d.name).Field("change", KindWord(d.kind));
    if (d.kind == api::EnvDifference::Kind::kRemoved) {
      w.NullField("value");
    } else {
      w.Field("value", d.value);
    }
    w.EndObject();
  }
  w.EndArray();
  auto names = [&](const char* key, const std::vector<std::string>& list) {
    w.Key(key).BeginArray();
    for (const std::string& n : list) w.String(n);
    w.EndArray();
  };
  names("redacted", command.redacted);
  names("redacted_missing", command.redacted_missing);
  names("redacted_differs", command.redacted_differs);
  names("loader_variables", command.loader_variables);
  if (command.program_changed.empty()) {
    w.NullField("program_changed");
  } else {
    w.Field("program_changed", command.program_changed);
  }
  w.Field("program_checked", !command.program_unchecked);
  w.Field("allowed", allowed.ok());
  if (allowed.ok()) {
    w.NullField("refusal");
  } else {
    w.Field("refusal", allowed.error().message);
  }
}

int ReplayDryRun(const format::Trace& trace, const std::string& path, const api::TraceTrust& trust,
                 bool json) {
  Result<api::TraceCommand> command =
      api::CheckTraceCommand(trace, path, api::CurrentEnvironment());
  if (!command.ok()) return Fail("replay", command.error().message);
  Status allowed = api::AllowTraceCommand(*command, path, trust);
  if (json) {
    json::Writer w;
    w.BeginObject();
    w.Field("schema", kSchemaReplayCheck);
    w.Field("trace", path);
    WriteTraceCommandJson(w, *command, allowed);
    w.EndObject();
    std::printf("%s\n", w.TakeString().c_str());
    return allowed.ok() ? kExitOk : kExitFound;
  }
  std::string out;
  for (std::string line : DescribeTraceCommand(*command, SIZE_MAX)) {
    if (line.rfind("running ", 0) == 0) line = "would run " + line.substr(8);
    out += line + "\n";
  }
  for (const std::string& n : command->redacted_missing) out += "  " + n + ": not set here\n";
  for (const std::string& n : command->redacted_differs) {
    out += "  " + n + ": differs from the recorded value\n";
  }
  if (!command->program_changed.empty()) out += "  " + command->program_changed + "\n";
  if (command->program_unchecked) out += "  the trace does not record the program's build-id\n";
  out += allowed.ok() ? "allowed\n" : "refused: " + allowed.error().message + "\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return allowed.ok() ? kExitOk : kExitFound;
}

}  // namespace weft::cli
