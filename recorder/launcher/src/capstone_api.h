// capstone_api.h — Capstone, loaded by its soname the first time weft disassembles (the
// atomic sites of a program, a crash's instruction). Linked in, its 77,000 relocations and
// the pages they touch were a millisecond of CPU at every start of weft (`perf stat`: 1.25 ms
// for a program that only links it), and most runs never disassemble: a free recording, a
// replay of an instrumented build, `weft show`.
#pragma once

#include <capstone/capstone.h>

#include <string>

namespace weft::launcher::internal {

struct CapstoneApi {
  decltype(&cs_open) open;
  decltype(&cs_option) option;
  decltype(&cs_close) close;
  decltype(&cs_malloc) malloc;
  decltype(&cs_free) free;
  decltype(&cs_disasm) disasm;
  decltype(&cs_disasm_iter) disasm_iter;
};

// Capstone's functions, loaded on the first call (any thread; once); nullptr when the
// library or one of its functions cannot be loaded, and then `why` (if given) says what
// failed and what to install.
const CapstoneApi* LoadCapstone(std::string* why = nullptr);

}  // namespace weft::launcher::internal
