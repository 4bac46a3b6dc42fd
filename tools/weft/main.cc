// weft — record, replay and search the thread schedules of native Linux programs.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli.h"
#include "weft/version.h"

namespace {

constexpr const char* kUsage = R"(usage: weft COMMAND [options] ...

weft makes race conditions reproducible: it runs a program with its threads under
control, records the schedule, replays it exactly, and searches for failing ones.

commands:
  record     run a program once under control and write its trace
  replay     run a recorded trace again and check that it reproduces
  dump       ask a flight recording (record --free --ring) to write its window now
  explore    search schedules until the program fails; save the failing trace
  show       print a trace as a timeline (or JSON)
  conflicts  list the conflicting event pairs of a trace, with stacks
  permute    replay a trace up to an event, let another thread go first there
  minimize   shrink a failing trace to its fewest preemptions
  explain    name the pair of operations whose order makes a trace fail
  export     write a trace for another viewer (--perfetto: ui.perfetto.dev)
  merge      combine the --json results of a search's shards (explore --shard)
  cc, c++    compile and link with weft's memory-access instrumentation
  flags      the compiler flags of an instrumented build, for build systems

Run `weft COMMAND --help` for a command's options. Example:
  weft explore -- build/examples/bank
  weft replay weft-explore/bank-seed1.weft
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? weft::cli::kExitUsage : weft::cli::kExitOk;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("weft %s\n", weft::kWeftVersion);
    return 0;
  }
  std::string command = argv[1];
  std::vector<std::string> args(argv + 2, argv + argc);
  if (command == "record") return weft::cli::RunRecord(args);
  if (command == "replay") return weft::cli::RunReplay(args);
  if (command == "dump") return weft::cli::RunDump(args);
  if (command == "explore") return weft::cli::RunExplore(args);
  if (command == "show") return weft::cli::RunShow(args);
  if (command == "conflicts") return weft::cli::RunConflicts(args);
  if (command == "permute") return weft::cli::RunPermute(args);
  if (command == "minimize") return weft::cli::RunMinimize(args);
  if (command == "explain") return weft::cli::RunExplain(args);
  if (command == "merge") return weft::cli::RunMerge(args);
  if (command == "export") return weft::cli::RunExport(args);
  if (command == "cc") return weft::cli::RunCompiler(args, /*cxx=*/false);
  if (command == "c++") return weft::cli::RunCompiler(args, /*cxx=*/true);
  if (command == "flags") return weft::cli::RunFlags(args);
  std::fprintf(stderr,
               "weft: unknown command '%s' (commands: record, replay, dump, explore, show, "
               "conflicts, permute, minimize, explain, export, merge, cc, c++, flags; see weft "
               "--help)\n",
               command.c_str());
  return weft::cli::kExitUsage;
}
