// atomic_scan.h — finds the atomic read-modify-write instructions of a program's own code
// (Capstone, x86-64), so that the shim can make them schedule points in an uninstrumented
// program (shim_abi.h: weft_atomic_site). One job: read ELF files and disassemble them; no
// process is started.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weft/result.h"

namespace weft::launcher {

// A rel32 in AtomicSite::code that must point at the module's base + target, relative to
// code + end (the end of its instruction).
struct AtomicFixup {
  uint32_t at = 0;
  uint32_t end = 0;
  uint64_t target = 0;  // module-relative (ELF virtual address)
};

// One atomic instruction (lock-prefixed with a memory operand, or xchg with memory) that can
// be patched with a 5-byte jump: it and the instructions after it up to 5 bytes, relocated.
struct AtomicSite {
  uint64_t offset = 0;  // ELF virtual address of the instruction
  uint8_t length = 0;   // of the atomic instruction
  uint8_t patch_len = 0;
  uint8_t size = 0;   // bytes accessed
  uint8_t base = 0;   // 0..15 (x86 encoding order), 16 = RIP, 255 = none
  uint8_t index = 0;  // 0..15, 255 = none
  uint8_t scale = 1;
  int64_t disp = 0;               // RIP: the module-relative address accessed
  std::vector<uint8_t> original;  // patch_len bytes
  std::vector<uint8_t> code;      // the relocated instructions
  std::vector<AtomicFixup> fixups;
};

// A module scanned: its atomic instructions, those that can be patched.
struct AtomicModule {
  std::string path;
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t file_size = 0;
  bool main = false;           // the program's executable
  uint64_t atomics = 0;        // atomic instructions with a memory operand found
  uint64_t thread_local_ = 0;  // of those, fs/gs-relative (thread-local: never shared)
  uint64_t unpatchable = 0;    // of those, not patchable (see AtomicSite)
  std::vector<AtomicSite> sites;
};

struct AtomicScan {
  std::vector<AtomicModule> modules;
  // The program links weft's runtime of instrumented builds (libweft_rt.so): its
  // instrumented atomics reach weft through the runtime; those listed are the atomic
  // instructions of code built without the instrumentation (a prebuilt library linked in
  // statically, inline assembly).
  bool instrumented = false;
  // Libraries the program needs that were not scanned (system directories, C/C++ runtime).
  std::vector<std::string> system_libraries;
};

// Scans one ELF file (its executable sections). Results are cached per process by path,
// device, inode, size and modification time.
Result<AtomicModule> ScanAtomicModule(const std::string& path, bool main);

// The program's executable and the libraries it needs (transitively) that the loader finds
// through DT_RPATH, LD_LIBRARY_PATH (from `env`) or DT_RUNPATH outside the system library
// directories (/lib, /lib64, /usr/lib, /usr/lib64 and below) — never the C or C++ runtime
// (libc, libm, libstdc++, libgcc_s, the loader) nor weft's own libraries. A file that is no
// ELF x86-64 object (a script) gives no module.
Result<AtomicScan> ScanAtomicSites(const std::string& executable,
                                   const std::vector<std::string>& env);

}  // namespace weft::launcher
