// Symbolizer: functions, lines, globals and modules from a maps snapshot, with and without
// debug info, and on mappings that are not ELF files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "test_util.h"
#include "weft/launcher.h"

namespace weft_test {
int g_known_global[4] = {1, 2, 3, 4};

__attribute__((noinline)) int KnownFunction(int x) {
  return x * 3 + g_known_global[x & 3];  // KNOWN_LINE
}

// Returns an address inside its own (inlined) body.
static inline __attribute__((always_inline)) uint64_t InlinedHelper() {
  uint64_t pc;
  __asm__ volatile("1: lea 1b(%%rip), %0" : "=r"(pc));  // INLINED_LINE
  return pc;
}

__attribute__((noinline)) uint64_t CallsInlined() {
  return InlinedHelper() + 0;  // CALL_LINE
}
}  // namespace weft_test

namespace weft::launcher {
namespace {

using ::testing::HasSubstr;
using testing::LineOf;
using testing::OptionsFor;
using testing::Program;

// This file, by absolute path: __FILE__ is relative to the compiler's directory under ccache's
// CCACHE_BASEDIR, so the test would depend on the directory it is started from.
const std::string kThisSource = testing::ProgramSource("../symbolizer_test.cc");

std::string SelfExe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, n) : "";
}

std::vector<Mapping> SelfMaps() {
  auto maps = ReadMaps(getpid());
  EXPECT_TRUE(maps.ok()) << maps.error().message;
  return maps.ok() ? *maps : std::vector<Mapping>{};
}

// Runs the build `name` of crash_null.c and names the top frame of its crash; nullopt (with
// a failure recorded) if it did not run or did not crash.
std::optional<Symbolizer::Location> CrashSiteOf(const std::string& name) {
  auto r = launcher::Run(OptionsFor(Program(name)));
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message;
    return std::nullopt;
  }
  if (!r->crash.has_value()) {
    ADD_FAILURE() << name << " did not crash";
    return std::nullopt;
  }
  return Symbolizer(r->maps).SymbolizeCode(r->crash->stack[0]);
}

// The crash of build `name` is named at crash_here, on crash_null.c's CRASH_LINE.
void ExpectCrashHereLine(const std::string& name) {
  std::optional<Symbolizer::Location> loc = CrashSiteOf(name);
  ASSERT_TRUE(loc.has_value());
  EXPECT_EQ(loc->function, "crash_here");
  EXPECT_TRUE(loc->file.ends_with("crash_null.c")) << loc->file;
  EXPECT_EQ(static_cast<int>(loc->line),
            LineOf(testing::ProgramSource("crash_null.c"), "CRASH_LINE"));
}

TEST(ParseMaps, ReadsEveryField) {
  auto maps = ParseMaps(
      "555555554000-555555555000 r--p 00000000 08:01 1234    /usr/bin/my prog\n"
      "7ffff7fc1000-7ffff7fc3000 r-xp 00000000 00:00 0       [vdso]\n"
      "7ffff7fc5000-7ffff7fc6000 rw-p 00000000 00:00 0 \n"
      "garbage\n");
  ASSERT_EQ(maps.size(), 3u);
  EXPECT_EQ(maps[0].start, 0x555555554000u);
  EXPECT_EQ(maps[0].end, 0x555555555000u);
  EXPECT_EQ(maps[0].perms, "r--p");
  EXPECT_EQ(maps[0].path, "/usr/bin/my prog");
  EXPECT_EQ(maps[1].path, "[vdso]");
  EXPECT_EQ(maps[2].path, "");
}

TEST(ParseMaps, KeepsThePathWholeAndSkipsShortLines) {
  auto maps = ParseMaps(
      "100000000000-100000801000 rw-s 00000000 00:01 4711 /memfd:weft-session (deleted)\n"
      "7f0000000000-7f0000001000 r--p 0000a000 fe:00 247498\n"
      "7f0000001000-7f0000002000 r--p 00000000 fe:00\n"
      "7f0000002000 r--p 00000000 fe:00 1 /lib/x\n"
      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]");
  ASSERT_EQ(maps.size(), 3u);
  EXPECT_EQ(maps[0].path, "/memfd:weft-session (deleted)");
  EXPECT_EQ(maps[0].perms, "rw-s");
  EXPECT_EQ(maps[1].offset, 0xa000u);
  EXPECT_EQ(maps[1].path, "");
  EXPECT_EQ(maps[2].start, 0xffffffffff600000u);
  EXPECT_EQ(maps[2].end, 0xffffffffff601000u);
  EXPECT_EQ(maps[2].path, "[vsyscall]");
}

TEST(ReadMaps, NamesTheFileOnError) {
  auto maps = ReadMaps(999999999);
  ASSERT_FALSE(maps.ok());
  EXPECT_THAT(maps.error().message, HasSubstr("/proc/999999999/maps"));
}

TEST(Symbolizer, FunctionFileAndLineInThisProgram) {
  Symbolizer symbolizer(SelfMaps());
  auto address = reinterpret_cast<uint64_t>(&weft_test::KnownFunction);
  Symbolizer::Location loc = symbolizer.SymbolizeCode(address);
  EXPECT_EQ(loc.function, "weft_test::KnownFunction(int)");
  EXPECT_EQ(loc.function_offset, 0u);
  EXPECT_TRUE(loc.file.ends_with("symbolizer_test.cc")) << loc.file;
  int known_line = LineOf(kThisSource, "KNOWN_LINE");
  EXPECT_GE(static_cast<int>(loc.line), known_line - 2);
  EXPECT_LE(static_cast<int>(loc.line), known_line);
  EXPECT_EQ(loc.module, SelfExe());

  Symbolizer::Location inside = symbolizer.SymbolizeCode(address + 4);
  EXPECT_EQ(inside.function, "weft_test::KnownFunction(int)");
  EXPECT_EQ(inside.function_offset, 4u);
}

TEST(Symbolizer, InlinedFrames) {
  Symbolizer symbolizer(SelfMaps());
  uint64_t pc = weft_test::CallsInlined();
  std::vector<Symbolizer::Location> frames = symbolizer.SymbolizeInlined(pc);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_THAT(frames[0].function, HasSubstr("InlinedHelper"));
  EXPECT_EQ(frames[0].line, static_cast<uint32_t>(LineOf(kThisSource, "INLINED_LINE")));
  EXPECT_EQ(frames[1].function, "weft_test::CallsInlined()");
  EXPECT_EQ(frames[1].line, static_cast<uint32_t>(LineOf(kThisSource, "CALL_LINE")));
  EXPECT_TRUE(frames[1].file.ends_with("symbolizer_test.cc")) << frames[1].file;
  // SymbolizeCode names the out-of-line function, with the inlined code's line.
  Symbolizer::Location flat = symbolizer.SymbolizeCode(pc);
  EXPECT_EQ(flat.function, "weft_test::CallsInlined()");
  EXPECT_EQ(flat.line, frames[0].line);

  auto plain = symbolizer.SymbolizeInlined(reinterpret_cast<uint64_t>(&weft_test::KnownFunction));
  ASSERT_EQ(plain.size(), 1u);
  EXPECT_EQ(plain[0].function, "weft_test::KnownFunction(int)");
}

TEST(Symbolizer, GlobalData) {
  Symbolizer symbolizer(SelfMaps());
  auto address = reinterpret_cast<uint64_t>(&weft_test::g_known_global[0]);
  EXPECT_EQ(symbolizer.SymbolizeData(address), "weft_test::g_known_global");
  EXPECT_EQ(symbolizer.SymbolizeData(address + 8), "weft_test::g_known_global+8");
  int on_stack = 0;
  EXPECT_EQ(symbolizer.SymbolizeData(reinterpret_cast<uint64_t>(&on_stack)), "");
}

TEST(Symbolizer, SharedLibraryFunction) {
  Symbolizer symbolizer(SelfMaps());
  Symbolizer::Location loc = symbolizer.SymbolizeCode(reinterpret_cast<uint64_t>(&getpid));
  EXPECT_EQ(loc.function, "getpid");
  EXPECT_THAT(loc.module, HasSubstr("libc.so"));
}

TEST(Symbolizer, ModulesWithBuildIds) {
  Symbolizer symbolizer(SelfMaps());
  auto modules = symbolizer.Modules();
  ASSERT_FALSE(modules.empty());
  EXPECT_TRUE(std::is_sorted(modules.begin(), modules.end(),
                             [](const auto& a, const auto& b) { return a.base < b.base; }));
  auto self = std::find_if(modules.begin(), modules.end(),
                           [](const auto& m) { return m.path == SelfExe(); });
  ASSERT_NE(self, modules.end());
  EXPECT_EQ(self->build_id.size(), 40u) << self->build_id;  // a SHA-1 build-id
  EXPECT_EQ(self->build_id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_GT(self->size, 0u);
  auto main_address = reinterpret_cast<uint64_t>(&weft_test::KnownFunction);
  EXPECT_GE(main_address, self->base);
  EXPECT_LT(main_address, self->base + self->size);
  EXPECT_TRUE(std::any_of(modules.begin(), modules.end(), [](const auto& m) {
    return m.path.find("libc.so") != std::string::npos;
  }));
}

TEST(Symbolizer, NoDebugInfoStillNamesFunctions) {
  std::optional<Symbolizer::Location> loc = CrashSiteOf("crash_null_nodebug");
  ASSERT_TRUE(loc.has_value());
  EXPECT_EQ(loc->function, "crash_here");
  EXPECT_EQ(loc->file, "");
  EXPECT_EQ(loc->line, 0u);
  EXPECT_EQ(loc->module, Program("crash_null_nodebug"));
}

// clang emits no .debug_aranges, through which libdw 0.188 finds a compile unit.
TEST(Symbolizer, LinesWithoutAnAddressRangeTable) { ExpectCrashHereLine("crash_null_noaranges"); }

// The debug info in a separate file, found by the program's .gnu_debuglink (the search
// skips debuginfod, but not the local files).
TEST(Symbolizer, LinesFromTheFileTheDebuglinkNames) { ExpectCrashHereLine("crash_null_debuglink"); }

TEST(Symbolizer, StrippedProgramDoesNotBreakIt) {
  auto r = launcher::Run(OptionsFor(Program("crash_null_stripped")));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->crash.has_value());
  Symbolizer symbolizer(r->maps);
  Symbolizer::Location loc = symbolizer.SymbolizeCode(r->crash->stack[0]);
  EXPECT_EQ(loc.module, Program("crash_null_stripped"));
  EXPECT_EQ(loc.file, "");
  // Frames in libc still have names (from .dynsym).
  bool named_libc_frame = false;
  for (uint64_t ip : r->crash->stack) {
    auto frame = symbolizer.SymbolizeCode(ip - 1);
    if (frame.module.find("libc.so") != std::string::npos && !frame.function.empty()) {
      named_libc_frame = true;
    }
  }
  EXPECT_TRUE(named_libc_frame);
}

TEST(Symbolizer, OddMappingsAreSkipped) {
  std::vector<Mapping> maps = {
      {0x10000, 0x11000, 0, "r-xp", "[vdso]"},
      {0x20000, 0x21000, 0, "r-xp", "/memfd:jit (deleted)"},
      {0x30000, 0x31000, 0, "r-xp", "/no/such/lib.so"},
      {0x40000, 0x41000, 0, "r-xp", "/etc/hostname"},
      {0x50000, 0x51000, 0, "r-xp", "/usr/lib/old.so (deleted)"},
      {0x60000, 0x61000, 0, "rw-p", ""},
      {0x70000, 0x71000, 0x1000, "r-xp", "/proc/self/exe"},
  };
  Symbolizer symbolizer(maps);
  Symbolizer::Location vdso = symbolizer.SymbolizeCode(0x10010);
  EXPECT_EQ(vdso.function, "");
  EXPECT_EQ(vdso.module, "[vdso]");
  EXPECT_EQ(symbolizer.SymbolizeCode(0x20010).module, "/memfd:jit (deleted)");
  EXPECT_EQ(symbolizer.SymbolizeCode(0x30010).function, "");
  EXPECT_EQ(symbolizer.SymbolizeCode(0x40010).function, "");
  EXPECT_EQ(symbolizer.SymbolizeCode(0x99999999).module, "");
  EXPECT_EQ(symbolizer.SymbolizeData(0x60010), "");
  symbolizer.Modules();  // must not crash either
  Symbolizer empty({});
  EXPECT_EQ(empty.SymbolizeCode(0x1234).function, "");
  EXPECT_TRUE(empty.Modules().empty());
}

// Many addresses in libc and in this binary (perf_test.cc times the same lookups).
TEST(Symbolizer, ThousandsOfAddressesAreNamedAndCached) {
  Symbolizer symbolizer(SelfMaps());
  auto libc_base = reinterpret_cast<uint64_t>(&getpid) & ~uint64_t{0xfffff};
  auto self_base = reinterpret_cast<uint64_t>(&weft_test::KnownFunction) & ~uint64_t{0xffff};
  std::vector<uint64_t> addresses;
  for (uint64_t i = 0; i < 3000; ++i) addresses.push_back(libc_base + 0x28000 + i * 97);
  for (uint64_t i = 0; i < 2000; ++i) addresses.push_back(self_base + i * 13);
  std::vector<Symbolizer::Location> first;
  for (uint64_t a : addresses) first.push_back(symbolizer.SymbolizeCode(a));
  int named = 0;
  for (size_t i = 0; i < addresses.size(); ++i) {
    named += !first[i].function.empty();
    Symbolizer::Location again = symbolizer.SymbolizeCode(addresses[i]);
    ASSERT_EQ(again.function, first[i].function) << std::hex << addresses[i];
    ASSERT_EQ(again.line, first[i].line) << std::hex << addresses[i];
  }
  EXPECT_GT(named, 2500);
}

}  // namespace
}  // namespace weft::launcher
