// crash.cc — see crash.h.
#include "crash.h"

#include <libunwind-ptrace.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "capstone_api.h"

namespace weft::launcher::internal {
namespace {

constexpr size_t kMaxFrames = 64;
constexpr size_t kMaxInstructionBytes = 16;

// Reads target memory: process_vm_readv first (one syscall), PTRACE_PEEKDATA word by
// word where that fails (e.g. a page the kernel refuses to remote-read). Returns the
// number of leading bytes read.
size_t ReadMemory(pid_t tid, uint64_t address, void* out, size_t size) {
  struct iovec local = {out, size};
  struct iovec remote = {reinterpret_cast<void*>(address), size};
  ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
  if (n > 0) return static_cast<size_t>(n);
  size_t done = 0;
  while (done < size) {
    errno = 0;
    long word = ptrace(PTRACE_PEEKDATA, tid, reinterpret_cast<void*>(address + done), nullptr);
    if (errno != 0) break;
    size_t chunk = std::min(sizeof(word), size - done);
    std::memcpy(static_cast<char*>(out) + done, &word, chunk);
    done += chunk;
  }
  return done;
}

bool IsExecutable(const std::vector<Mapping>& maps, uint64_t address) {
  if (maps.empty()) return true;  // unknown: assume it is code
  for (const Mapping& m : maps) {
    if (address >= m.start && address < m.end) return m.perms.size() > 2 && m.perms[2] == 'x';
  }
  return false;
}

// Register values the unwinder sees for the innermost frame instead of the real ones.
// Used to start unwinding at the caller when ip is not code (a call through a bad
// pointer): then the return address is at [rsp]. The tracer is one thread per Run.
struct FrameOverride {
  bool active = false;
  unw_word_t rip = 0;
  unw_word_t rsp = 0;
};
thread_local FrameOverride t_override;

int AccessRegWithOverride(unw_addr_space_t as, unw_regnum_t reg, unw_word_t* value, int write,
                          void* arg) {
  if (t_override.active && !write) {
    if (reg == UNW_X86_64_RIP) {
      *value = t_override.rip;
      return 0;
    }
    if (reg == UNW_X86_64_RSP) {
      *value = t_override.rsp;
      return 0;
    }
  }
  return _UPT_access_reg(as, reg, value, write, arg);
}

// Appends up to kMaxFrames - out->size() frames of `tid`'s stack.
void Unwind(pid_t tid, std::vector<uint64_t>* out) {
  unw_accessors_t accessors = _UPT_accessors;
  accessors.access_reg = &AccessRegWithOverride;
  unw_addr_space_t space = unw_create_addr_space(&accessors, 0);
  if (space == nullptr) return;
  void* upt = _UPT_create(tid);
  if (upt != nullptr) {
    unw_cursor_t cursor;
    if (unw_init_remote(&cursor, space, upt) == 0) {
      do {
        unw_word_t ip = 0;
        if (unw_get_reg(&cursor, UNW_REG_IP, &ip) != 0 || ip == 0) break;
        out->push_back(ip);
      } while (out->size() < kMaxFrames && unw_step(&cursor) > 0);
    }
    _UPT_destroy(upt);
  }
  unw_destroy_addr_space(space);
}

bool SignalHasFaultAddress(int sig) {
  return sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGTRAP;
}

}  // namespace

bool IsCrashSignal(int sig) {
  switch (sig) {
    case SIGSEGV:
    case SIGBUS:
    case SIGFPE:
    case SIGILL:
    case SIGABRT:
    case SIGTRAP:
    case SIGSYS:
      return true;
    default:
      return false;
  }
}

std::string DisassembleOne(const uint8_t* bytes, size_t size, uint64_t address) {
  if (size == 0) return "";
  const CapstoneApi* cs = LoadCapstone();
  if (cs == nullptr) return "";
  csh handle;
  if (cs->open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) return "";
  std::string text;
  cs_insn* insn = nullptr;
  if (cs->disasm(handle, bytes, size, address, 1, &insn) == 1) {
    text = insn[0].mnemonic;
    if (insn[0].op_str[0] != '\0') text = text + " " + insn[0].op_str;
    cs->free(insn, 1);
  }
  cs->close(&handle);
  return text;
}

CrashCapture CaptureCrash(pid_t tid, int sig, const std::vector<Mapping>& maps) {
  CrashCapture crash;
  crash.signal = sig;
  crash.os_tid = static_cast<uint32_t>(tid);

  siginfo_t info;
  std::memset(&info, 0, sizeof(info));
  if (ptrace(PTRACE_GETSIGINFO, tid, nullptr, &info) == 0) {
    crash.si_code = info.si_code;
    // si_addr is meaningful only for kernel-raised faults; for kill/tgkill (si_code <= 0)
    // the same bytes hold the sender's pid.
    if (info.si_code > 0 && SignalHasFaultAddress(sig)) {
      crash.fault_address = reinterpret_cast<uint64_t>(info.si_addr);
    }
  }

  struct user_regs_struct regs;
  std::memset(&regs, 0, sizeof(regs));
  if (ptrace(PTRACE_GETREGS, tid, nullptr, &regs) != 0) return crash;
  crash.ip = regs.rip;
  crash.registers = {
      {"rax", regs.rax},
      {"rbx", regs.rbx},
      {"rcx", regs.rcx},
      {"rdx", regs.rdx},
      {"rsi", regs.rsi},
      {"rdi", regs.rdi},
      {"rbp", regs.rbp},
      {"rsp", regs.rsp},
      {"r8", regs.r8},
      {"r9", regs.r9},
      {"r10", regs.r10},
      {"r11", regs.r11},
      {"r12", regs.r12},
      {"r13", regs.r13},
      {"r14", regs.r14},
      {"r15", regs.r15},
      {"rip", regs.rip},
      {"eflags", regs.eflags},
      {"orig_rax", regs.orig_rax},
      {"fs_base", regs.fs_base},
      {"gs_base", regs.gs_base},
      {"cs", regs.cs},
      {"ss", regs.ss},
      {"ds", regs.ds},
      {"es", regs.es},
      {"fs", regs.fs},
      {"gs", regs.gs},
  };

  uint8_t bytes[kMaxInstructionBytes];
  size_t got = ReadMemory(tid, regs.rip, bytes, sizeof(bytes));
  crash.instruction = DisassembleOne(bytes, got, regs.rip);

  if (IsExecutable(maps, regs.rip)) {
    Unwind(tid, &crash.stack);
  } else {
    // A jump or call to a non-code address: the caller's return address is at [rsp]
    // (right after a call). Record ip, then unwind as if the call had returned.
    crash.stack.push_back(regs.rip);
    uint64_t return_address = 0;
    if (ReadMemory(tid, regs.rsp, &return_address, sizeof(return_address)) ==
            sizeof(return_address) &&
        IsExecutable(maps, return_address)) {
      t_override = {true, return_address, regs.rsp + sizeof(uint64_t)};
      Unwind(tid, &crash.stack);
      t_override = {};
    }
  }
  if (crash.stack.empty()) crash.stack.push_back(regs.rip);
  return crash;
}

void UnwindStopped(pid_t tid, std::vector<uint64_t>* out) {
  t_override.active = false;
  Unwind(tid, out);
}

}  // namespace weft::launcher::internal
