// atomic_scan_test.cc — the atomic-site scanner (weft/atomic_scan.h) on a program of known
// shapes (programs/atomic_shapes.c): which atomic instructions it lists, which it refuses and
// why, the memory operand it decodes, and the relocated code it produces.
#include "weft/atomic_scan.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace weft::launcher {
namespace {

const std::string kProgram = std::string(WEFT_LAUNCHER_PROGRAMS_DIR) + "/atomic_shapes";

// The program's symbols (name → ELF virtual address), from its .symtab.
std::map<std::string, uint64_t> Symbols(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::map<std::string, uint64_t> out;
  if (data.size() < sizeof(Elf64_Ehdr)) return out;
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(data.data());
  const auto* sh = reinterpret_cast<const Elf64_Shdr*>(data.data() + eh->e_shoff);
  for (unsigned i = 0; i < eh->e_shnum; ++i) {
    if (sh[i].sh_type != SHT_SYMTAB) continue;
    const auto* syms = reinterpret_cast<const Elf64_Sym*>(data.data() + sh[i].sh_offset);
    const char* names = data.data() + sh[sh[i].sh_link].sh_offset;
    for (size_t k = 0; k < sh[i].sh_size / sizeof(Elf64_Sym); ++k) {
      out[names + syms[k].st_name] = syms[k].st_value;
    }
  }
  return out;
}

const AtomicSite* SiteAt(const AtomicModule& mod, uint64_t address) {
  for (const AtomicSite& s : mod.sites) {
    if (s.offset == address) return &s;
  }
  return nullptr;
}

TEST(AtomicScanTest, ListsThePatchableShapesOnly) {
  Result<AtomicModule> mod = ScanAtomicModule(kProgram, true);
  ASSERT_TRUE(mod.ok()) << mod.error().message;
  std::map<std::string, uint64_t> sym = Symbols(kProgram);
  ASSERT_EQ(sym.count("shape_rdi"), 1u);
  // Five atomic accesses (the register xchg is none): two listed, one thread-local, two
  // that cannot be moved.
  EXPECT_EQ(mod->atomics, 5u);
  EXPECT_EQ(mod->thread_local_, 1u);
  EXPECT_EQ(mod->unpatchable, 2u);
  ASSERT_EQ(mod->sites.size(), 2u);

  const AtomicSite* rdi = SiteAt(*mod, sym["shape_rdi"]);
  ASSERT_NE(rdi, nullptr);
  EXPECT_EQ(rdi->base, 7);  // rdi
  EXPECT_EQ(rdi->index, 255);
  EXPECT_EQ(rdi->size, 4);
  EXPECT_EQ(rdi->disp, 0);
  EXPECT_EQ(rdi->length, 4);     // f0 0f c1 07
  EXPECT_EQ(rdi->patch_len, 5);  // and one nop
  EXPECT_EQ(rdi->original.size(), 5u);
  EXPECT_EQ(rdi->code, rdi->original);  // nothing position-dependent
  EXPECT_TRUE(rdi->fixups.empty());

  const AtomicSite* rip = SiteAt(*mod, sym["shape_rip"]);
  ASSERT_NE(rip, nullptr);
  EXPECT_EQ(rip->base, 16);  // RIP-relative
  EXPECT_EQ(rip->size, 8);
  EXPECT_EQ(static_cast<uint64_t>(rip->disp), sym["counter"]);
  ASSERT_EQ(rip->fixups.size(), 1u);  // its displacement, relocated
  EXPECT_EQ(rip->fixups[0].target, sym["counter"]);
  EXPECT_EQ(rip->fixups[0].end, rip->length);

  EXPECT_EQ(SiteAt(*mod, sym["shape_tls"]), nullptr);
  EXPECT_EQ(SiteAt(*mod, sym["shape_ret"]), nullptr);
  for (const AtomicSite& s : mod->sites) {
    EXPECT_FALSE(s.offset > sym["shape_target"] && s.offset < sym["shape_ret"])
        << "the cmpxchg a jump lands after was listed";
  }
}

TEST(AtomicScanTest, ScansTheExecutableAndNoSystemLibrary) {
  Result<AtomicScan> scan = ScanAtomicSites(kProgram, {});
  ASSERT_TRUE(scan.ok()) << scan.error().message;
  EXPECT_FALSE(scan->instrumented);
  ASSERT_EQ(scan->modules.size(), 1u);  // libc is a system library
  EXPECT_TRUE(scan->modules[0].main);
  EXPECT_EQ(scan->modules[0].sites.size(), 2u);
  bool libc = false;
  for (const std::string& s : scan->system_libraries) libc = libc || s.rfind("libc.so", 0) == 0;
  EXPECT_TRUE(libc);
}

TEST(AtomicScanTest, AScriptHasNoModules) {
  std::string script = ::testing::TempDir() + "/atomic_scan_script.sh";
  FILE* f = std::fopen(script.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("#!/bin/sh\necho hi\n", f);
  std::fclose(f);
  Result<AtomicScan> scan = ScanAtomicSites(script, {});
  ASSERT_TRUE(scan.ok()) << scan.error().message;
  EXPECT_TRUE(scan->modules.empty());
}

// A search scans the same program before every run; what it learned of a file is kept only
// while the file is the same: a program rebuilt in place is scanned anew.
TEST(AtomicScanTest, AProgramReplacedInPlaceIsScannedAnew) {
  std::string path = ::testing::TempDir() + "/atomic_scan_replaced";
  {
    std::ofstream script(path, std::ios::trunc);
    script << "#!/bin/sh\necho hi\n";
  }
  Result<AtomicScan> before = ScanAtomicSites(path, {});
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_TRUE(before->modules.empty());
  {
    std::ifstream in(kProgram, std::ios::binary);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << in.rdbuf();
  }
  Result<AtomicScan> after = ScanAtomicSites(path, {});
  ASSERT_TRUE(after.ok()) << after.error().message;
  ASSERT_EQ(after->modules.size(), 1u);
  EXPECT_EQ(after->modules[0].sites.size(), 2u);
  std::remove(path.c_str());
}

TEST(AtomicScanTest, AMissingFileIsAnError) {
  Result<AtomicScan> scan = ScanAtomicSites("/nonexistent/weft-atomic-scan", {});
  ASSERT_FALSE(scan.ok());
  EXPECT_NE(scan.error().message.find("/nonexistent/weft-atomic-scan"), std::string::npos);
}

}  // namespace
}  // namespace weft::launcher
