// cli.h — what the weft subcommands share: argument parsing, the host they give weft::api,
// the protocol's schemas and progress lines, messages. The work itself is weft::api's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "weft/api.h"
#include "weft/json.h"
#include "weft/result.h"
#include "weft/run.h"
#include "weft/trace.h"

namespace weft::cli {

// Exit codes of weft itself.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFound = 1;  // explore found a failure / replay did not reproduce
inline constexpr int kExitUsage = 2;  // bad command line or input

// The "schema" of each --json document and progress line (docs/JSON.md). A change that
// removes, renames or retypes a field bumps the number; adding a field does not.
inline constexpr const char* kSchemaRecord = "weft.record/1";
inline constexpr const char* kSchemaReplay = "weft.replay/1";
inline constexpr const char* kSchemaExplore = "weft.explore/1";
inline constexpr const char* kSchemaShow = "weft.show/1";
inline constexpr const char* kSchemaConflicts = "weft.conflicts/1";
inline constexpr const char* kSchemaPermute = "weft.permute/1";
inline constexpr const char* kSchemaMinimize = "weft.minimize/1";
inline constexpr const char* kSchemaExplain = "weft.explain/1";
inline constexpr const char* kSchemaProgress = "weft.progress/1";

// Command-line arguments of one subcommand: options first, then `--` (optional when the
// program does not start with '-') and the program with its arguments.
class Args {
 public:
  // `value_options` lists the options that take a value, so that without `--` the program
  // is known to start at the first argument that is neither an option nor its value.
  Args(std::vector<std::string> args, bool takes_program,
       const std::vector<std::string>& value_options = {});

  // True if the flag is present (consumes it).
  bool Flag(const std::string& name);
  // The value of `--name VALUE` or `--name=VALUE` (or the short form), if present.
  bool Value(const std::string& name, std::string* out, const std::string& short_name = "");
  // Every value of a repeatable `--name VALUE` / `--name=VALUE`, in order.
  std::vector<std::string> Values(const std::string& name);
  bool Uint(const std::string& name, uint64_t* out, const std::string& short_name = "");
  bool Double(const std::string& name, double* out);
  // Uint for a count that must be at least 1: 0 is an error that names the option as typed
  // and ends with `hint` ("the number of runs to make, e.g. --runs 100").
  bool Positive(const std::string& name, uint64_t* out, const std::string& short_name,
                const std::string& hint);
  // After all options were taken: errors for unknown options; the positional arguments.
  Status Finish();
  const std::vector<std::string>& positional() const { return positional_; }
  const std::vector<std::string>& program() const { return program_; }
  const std::string& error() const { return error_; }

 private:
  std::vector<std::string> options_;  // arguments before the program, not yet consumed
  std::vector<bool> used_;
  std::vector<std::string> positional_;
  std::vector<std::string> program_;
  std::string error_;
  std::string spelled_;  // the option as typed, of the last Value found
};

// "1 run", "2 runs".
std::string Plural(uint64_t n, const std::string& word);

// Creates the directories above file `path` that do not exist yet (as `mkdir -p`); an
// error says which one could not be made and why.
Status CreateParentDirectories(const std::string& path);

// Prints "weft: <message>" to stderr.
void Say(const std::string& message);
// Prints "weft <command>: error: <message>" to stderr and returns kExitUsage.
int Fail(const std::string& command, const std::string& message);

// The host of a command: the shim found next to weft (api::FindShim), the program pinned to
// the CPU weft runs on, notes said on stderr ("weft: note: ...").
api::Host CliHost();

// The CPU to pin a controlled run to: the one weft runs on now.
int PickCpu();

// The outcome fields every --json output shares: exit_code (int or null), signal (int or
// null), deadlock, timeout, livelock (bools).
void WriteOutcomeFields(json::Writer& w, const format::Outcome& outcome);
// What a run did with memory accesses, said once after it: "" when some were schedule
// points, else why plain memory accesses were not interleaved.
std::string MemoryNote(bool instrumented, uint64_t memory_events);
// What the run did with the atomic instructions of the program's own code (weft's atomic
// sites): "atomic sites: 12 atomic instructions in prog were schedule points", what could
// not be patched or did not fit; "" when they were not scanned (--no-atomic-sites, weft cc).
std::string AtomicNote(const session::AtomicSitesSummary& atomic);
// The JSON "atomic_sites" object of a run or a search (docs/JSON.md).
void WriteAtomicField(json::Writer& w, const session::AtomicSitesSummary& atomic);
// The JSON "memory" object of a run (record, replay): instrumented, events (schedule
// points), sites_used, sites_found, table_full, interleaved.
void WriteMemoryField(json::Writer& w, const session::RunReport& report);

// A trace path without its ".weft" suffix, to name files derived from it.
std::string TraceStem(const std::string& path);

// How a long command (explore, replay --times, minimize) reports its progress on stderr.
enum class ProgressFormat {
  kText,   // the human progress line (the default)
  kJsonl,  // one weft.progress/1 object per line
};

// Reads `--progress=text|jsonl` (or `--progress FORMAT`); an error names the bad value.
Result<ProgressFormat> ProgressOption(Args& args);

// The program's stdin for a command that runs it (record, explore): the file `file` names
// (`--stdin FILE`; nullptr = none), else weft's own stdin read whole (once) when it is not a
// terminal. From a terminal: nullptr (the program reads the terminal itself; nothing is
// recorded), or, when `for_search`, an empty input (many runs cannot share one terminal).
// Says on stderr when stdin gives nothing for a while (it is read to its end before the
// program starts). Call it once the command line is known to be good.
Result<std::shared_ptr<const std::string>> ProgramStdin(const std::string* file, bool for_search);

// One weft.progress/1 line (docs/JSON.md): where a long command is.
struct ProgressLine {
  const char* command = "";  // "explore", "replay", "minimize" or "explain"
  uint64_t run = 0;          // runs finished so far
  uint64_t runs = 0;         // runs planned at most
  int64_t seed = -1;         // the seed of the run just finished; -1 = none (null)
  double elapsed_seconds = 0;
  int failed = -1;           // the run just finished failed (1) or not (0); -1 = n/a (null)
  uint64_t failures = 0;     // failing runs so far
  int64_t preemptions = -1;  // minimize: preemptions of the best schedule; -1 = null
};

// Prints `line` as one JSON object and a newline on stderr.
void PrintProgressJsonl(const ProgressLine& line);

// Seconds on the monotonic clock (for rates and elapsed times).
double MonotonicSeconds();

// "1.2 KiB"
std::string HumanBytes(uint64_t bytes);

// Quotes an argument for a shell command line when needed.
std::string ShellQuote(const std::string& arg);

int RunRecord(const std::vector<std::string>& args);
int RunReplay(const std::vector<std::string>& args);
int RunDump(const std::vector<std::string>& args);
int RunExplore(const std::vector<std::string>& args);
int RunShow(const std::vector<std::string>& args);
int RunConflicts(const std::vector<std::string>& args);
int RunPermute(const std::vector<std::string>& args);
int RunMinimize(const std::vector<std::string>& args);
int RunExplain(const std::vector<std::string>& args);
int RunExport(const std::vector<std::string>& args);
int RunMerge(const std::vector<std::string>& args);
// weft cc (cxx = false), weft c++ and weft flags: instrumented builds (cmd_cc.cc).
int RunCompiler(const std::vector<std::string>& args, bool cxx);
int RunFlags(const std::vector<std::string>& args);

}  // namespace weft::cli
