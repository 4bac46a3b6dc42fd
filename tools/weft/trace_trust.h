// trace_trust.h — options and messages about what a trace may hold and run (trace_trust.cc).
#pragma once

#include <string>
#include <vector>

#include "cli.h"

namespace weft::cli {

inline constexpr const char* kSchemaReplayCheck = "weft.replay-check/1";

// --keep-env NAME and --redact-env NAME (each repeatable).
void EnvOptions(Args& args, std::vector<std::string>* keep, std::vector<std::string>* redact);
// --force and --trust.
api::TraceTrust TrustOptions(Args& args);
// The shell-quoted command line ("./prog a 'b c'"), with the resolved executable after it
// when argv[0] is not that path.
std::string CommandLine(const api::TraceCommand& command);
// The lines that say what will run: the command, the directory, how the environment
// differs from ours (at most `max_env` variables), the secret variables taken from ours.
std::vector<std::string> DescribeTraceCommand(const api::TraceCommand& command, size_t max_env);
// Says DescribeTraceCommand on stderr ("weft: running …").
void PrintTraceCommand(const api::TraceCommand& command);
// The fields of weft.replay-check/1 (docs/JSON.md) after its "schema".
void WriteTraceCommandJson(json::Writer& w, const api::TraceCommand& command,
                           const Status& allowed);

// `weft replay --dry-run [--json] TRACE`: says what would run and whether it is allowed;
// runs nothing. Exit status 0 when allowed, 1 when refused, 2 on errors.
int ReplayDryRun(const format::Trace& trace, const std::string& path, const api::TraceTrust& trust,
                 bool json);

}  // namespace weft::cli
