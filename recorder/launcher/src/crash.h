// crash.h — what weft captures from a thread stopped at a fatal signal: registers, the
// faulting instruction (Capstone) and the stack (libunwind-ptrace).
#pragma once

#include <sys/types.h>

#include <vector>

#include "weft/launcher.h"

namespace weft::launcher::internal {

// True for the signals whose delivery is captured as a crash (SIGSEGV, SIGBUS, SIGFPE,
// SIGILL, SIGABRT, SIGTRAP, SIGSYS).
bool IsCrashSignal(int sig);

// Captures thread `tid`, which must be in a signal-delivery-stop for `sig` of this tracer.
// `maps` is its process's current address space (used to detect a jump to a non-code
// address, e.g. a call through a null function pointer, and unwind from the caller).
CrashCapture CaptureCrash(pid_t tid, int sig, const std::vector<Mapping>& maps);

// The return addresses of thread `tid` (innermost first, its ip first), which must be in a
// ptrace-stop of this tracer.
void UnwindStopped(pid_t tid, std::vector<uint64_t>* out);

// Disassembles one x86-64 instruction (Intel syntax), "" if the bytes do not decode.
std::string DisassembleOne(const uint8_t* bytes, size_t size, uint64_t address);

}  // namespace weft::launcher::internal
