// debugger.h — `weft replay --gdb N`: gdb (or gdbserver) on a replay held before event N.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weft/run.h"

namespace weft::cli {

// Which debugger, and how.
struct DebuggerRequest {
  int gdbserver_port = 0;             // > 0: serve gdbserver on this port instead of gdb
  std::vector<std::string> commands;  // gdb -batch with these commands; empty = interactive
  int32_t held_tid = -1;              // weft tid of the thread about to perform the event
  uint64_t event = 0;                 // the event it is held before (for messages)
  bool stdout_to_stderr = false;      // the debugger's stdout goes to weft's stderr (--json)
};

// What happened to the debugger.
struct DebuggerOutcome {
  bool started = false;   // the debugger's process ran
  bool attached = false;  // it attached to every thread of the program
  int exit_status = -1;   // its exit status (-1: killed by a signal or never started)
  std::string error;      // why not started or not attached ("" when it was)
};

// Runs the debugger on the held program (session::RunConfig::hold): starts it, waits for it
// to attach to every thread, lets the held thread go on (the debugger has it stopped then),
// and waits for the debugger to exit. The held thread's frame in the user's code is
// selected first (gdb's Python: the first frame outside weft's libraries and the
// toolchain's headers). Blocks; calls held.poll meanwhile.
DebuggerOutcome RunDebugger(const DebuggerRequest& request, const session::HeldProgram& held);

// gdb's commands for --gdb-batch CMDS: CMDS split at ';' (blanks around each trimmed).
std::vector<std::string> SplitGdbCommands(const std::string& commands);

}  // namespace weft::cli
