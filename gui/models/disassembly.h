// disassembly.h — the instructions around an address of a recorded run, read from the
// module file on disk (ASLR is off, so Trace::modules' load addresses hold for every run):
// address → module (path, base) → file offset through the ELF program headers → Capstone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weft/result.h"
#include "weft/trace.h"

namespace weft::gui {

// Where an address lies in a module file.
struct ModuleLocation {
  std::string path;             // the module file
  uint64_t vaddr = 0;           // address in the module's own (link-time) address space
  uint64_t file_offset = 0;     // offset of the address's byte in the file
  uint64_t segment_offset = 0;  // file offset of the PT_LOAD segment holding it
  uint64_t segment_size = 0;    // its size in the file
  uint64_t segment_vaddr = 0;   // its link-time address
};

// One disassembled instruction.
struct Instruction {
  uint64_t address = 0;  // runtime address
  std::string bytes;     // "48 89 c7"
  std::string text;      // "mov rdi, rax"
  bool highlighted = false;
};

// Instructions around an address, one of them highlighted.
struct Disassembly {
  std::string module;  // module path
  std::vector<Instruction> instructions;
};

// Finds the module of `modules` whose [base, base + size) holds `address` and maps it to its
// file through the ELF program headers. Errors name the address or the file and the problem.
Result<ModuleLocation> LocateAddress(const std::vector<format::Module>& modules, uint64_t address);

// Disassembles about `before` instructions before and `after` after `address`. When
// `return_address` is true, `address` is where a call returns to (a stack frame's ip) and
// the call before it is highlighted; otherwise the instruction at `address` is.
Result<Disassembly> DisassembleAround(const std::vector<format::Module>& modules, uint64_t address,
                                      bool return_address, int before = 12, int after = 12);

}  // namespace weft::gui
