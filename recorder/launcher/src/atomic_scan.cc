// atomic_scan.cc — see weft/atomic_scan.h.
//
// A linear sweep of every executable section (Capstone without detail: ids and sizes) finds
// the atomic candidates and every direct branch target; each candidate is then decoded in
// detail mode. A site is patchable with a 5-byte `jmp rel32` when the bytes it covers (the
// atomic instruction and the ones after it, up to 5 bytes) can run elsewhere: no instruction
// but the first is a direct branch target, none is a call or an instruction whose meaning
// depends on where it is beyond a RIP-relative operand or a relative jump (both relocated
// with a rel32), and control does not leave before the last of them. Indirect branch targets
// (jump tables) cannot be known from the code; compilers place case labels right after an
// atomic instruction rarely enough that weft accepts the risk (the docs say so).
#include "weft/atomic_scan.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <tuple>

#include "capstone_api.h"

namespace weft::launcher {
namespace {

using internal::CapstoneApi;
using internal::LoadCapstone;

constexpr uint8_t kRegRip = 16;
constexpr uint8_t kRegNone = 255;
constexpr size_t kMaxCode = 40;  // WEFT_ATOMIC_CODE_BYTES
constexpr size_t kMaxFixups = 3;
constexpr size_t kPatchBytes = 5;

struct Section {
  uint64_t addr;
  uint64_t offset;
  uint64_t size;
};

Result<std::vector<uint8_t>> ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return MakeError("cannot open '" + path + "': " + std::strerror(errno));
  std::vector<uint8_t> data;
  uint8_t buf[1 << 16];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      close(fd);
      return MakeError("cannot read '" + path + "': " + std::strerror(e));
    }
    if (n == 0) break;
    data.insert(data.end(), buf, buf + n);
  }
  close(fd);
  return data;
}

// The ELF64 x86-64 header of `data`, nullptr if it is none.
const Elf64_Ehdr* ElfHeader(const std::vector<uint8_t>& data) {
  if (data.size() < sizeof(Elf64_Ehdr)) return nullptr;
  const auto* eh = reinterpret_cast<const Elf64_Ehdr*>(data.data());
  if (std::memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
      eh->e_machine != EM_X86_64) {
    return nullptr;
  }
  return eh;
}

std::vector<Section> ExecutableSections(const std::vector<uint8_t>& data) {
  std::vector<Section> out;
  const Elf64_Ehdr* eh = ElfHeader(data);
  if (eh == nullptr || eh->e_shentsize != sizeof(Elf64_Shdr)) return out;
  if (eh->e_shoff > data.size() || eh->e_shnum > (data.size() - eh->e_shoff) / sizeof(Elf64_Shdr))
    return out;
  const auto* sh = reinterpret_cast<const Elf64_Shdr*>(data.data() + eh->e_shoff);
  for (unsigned i = 0; i < eh->e_shnum; ++i) {
    if (sh[i].sh_type != SHT_PROGBITS || (sh[i].sh_flags & SHF_EXECINSTR) == 0) continue;
    if (sh[i].sh_offset > data.size() || sh[i].sh_size > data.size() - sh[i].sh_offset) continue;
    out.push_back({sh[i].sh_addr, sh[i].sh_offset, sh[i].sh_size});
  }
  return out;
}

// Capstone's register → the x86 encoding number (0 rax .. 15 r15), kRegRip, or -1 for any
// other register (32-bit addressing, segment registers): such a site is not listed.
int RegNumber(unsigned reg) {
  switch (reg) {
    case X86_REG_INVALID:
      return kRegNone;
    case X86_REG_RAX:
      return 0;
    case X86_REG_RCX:
      return 1;
    case X86_REG_RDX:
      return 2;
    case X86_REG_RBX:
      return 3;
    case X86_REG_RSP:
      return 4;
    case X86_REG_RBP:
      return 5;
    case X86_REG_RSI:
      return 6;
    case X86_REG_RDI:
      return 7;
    case X86_REG_R8:
      return 8;
    case X86_REG_R9:
      return 9;
    case X86_REG_R10:
      return 10;
    case X86_REG_R11:
      return 11;
    case X86_REG_R12:
      return 12;
    case X86_REG_R13:
      return 13;
    case X86_REG_R14:
      return 14;
    case X86_REG_R15:
      return 15;
    case X86_REG_RIP:
      return kRegRip;
    default:
      return -1;
  }
}

bool IsPrefix(uint8_t b) {
  return b == 0x66 || b == 0x67 || b == 0xf2 || b == 0xf3 || b == 0x2e || b == 0x3e || b == 0x26 ||
         b == 0x36 || b == 0x64 || b == 0x65 || b == 0xf0;
}

// The first opcode byte's index (after legacy prefixes and REX).
size_t OpcodeIndex(const uint8_t* b, size_t n) {
  size_t i = 0;
  while (i < n && IsPrefix(b[i])) ++i;
  if (i < n && (b[i] & 0xf0) == 0x40) ++i;
  return i;
}

bool HasLock(const uint8_t* b, size_t n) {
  for (size_t i = 0; i < n && IsPrefix(b[i]); ++i) {
    if (b[i] == 0xf0) return true;
  }
  return false;
}

enum class Rel { kNone, kJcc8, kJcc32, kJmp8, kJmp32, kCall32, kOther8 };

// The kind of relative branch an instruction is, from its bytes.
Rel RelKind(const uint8_t* b, size_t n) {
  size_t i = OpcodeIndex(b, n);
  if (i >= n) return Rel::kNone;
  uint8_t op = b[i];
  if (op >= 0x70 && op <= 0x7f) return Rel::kJcc8;
  if (op == 0xeb) return Rel::kJmp8;
  if (op == 0xe9) return Rel::kJmp32;
  if (op == 0xe8) return Rel::kCall32;
  if (op >= 0xe0 && op <= 0xe3) return Rel::kOther8;  // loop*, jrcxz
  if (op == 0x0f && i + 1 < n && b[i + 1] >= 0x80 && b[i + 1] <= 0x8f) return Rel::kJcc32;
  if (op == 0xc7 && i + 1 < n && b[i + 1] == 0xf8) return Rel::kOther8;  // xbegin (rel32)
  return Rel::kNone;
}

int64_t RelTarget(const uint8_t* b, size_t n, uint64_t address, Rel kind) {
  int64_t rel = 0;
  if (kind == Rel::kJcc8 || kind == Rel::kJmp8 || kind == Rel::kOther8) {
    rel = static_cast<int8_t>(b[n - 1]);
  } else {
    int32_t v;
    std::memcpy(&v, b + n - 4, 4);
    rel = v;
  }
  return static_cast<int64_t>(address + n) + rel;
}

// Whether control never falls through an instruction (ret, jmp, ud2, hlt, int3).
bool EndsFlow(unsigned id) {
  return id == X86_INS_RET || id == X86_INS_JMP || id == X86_INS_UD2 || id == X86_INS_HLT ||
         id == X86_INS_INT3 || id == X86_INS_LJMP || id == X86_INS_RETF;
}

struct Capstone {
  const CapstoneApi* cs;
  csh handle = 0;
  bool ok = false;
  Capstone(const CapstoneApi* api, bool detail) : cs(api) {
    ok = cs->open(CS_ARCH_X86, CS_MODE_64, &handle) == CS_ERR_OK;
    if (ok && detail) cs->option(handle, CS_OPT_DETAIL, CS_OPT_ON);
    if (ok) cs->option(handle, CS_OPT_SKIPDATA, CS_OPT_ON);
  }
  ~Capstone() {
    if (ok) cs->close(&handle);
  }
};

struct Candidate {
  uint64_t address;
  const uint8_t* bytes;
  size_t avail;  // bytes of the section from address on
};

// Builds the site at `c`, or says why it cannot be patched (false).
bool BuildSite(const CapstoneApi* cs, csh detail, const Candidate& c,
               const std::vector<uint64_t>& targets, AtomicSite* site, bool* thread_local_site) {
  cs_insn* insn = cs->malloc(detail);
  struct Free {
    cs_insn* p;
    const CapstoneApi* cs;
    ~Free() { cs->free(p, 1); }
  } free_insn{insn, cs};
  const uint8_t* code = c.bytes;
  size_t size = c.avail;
  uint64_t address = c.address;
  if (!cs->disasm_iter(detail, &code, &size, &address, insn) || insn->id == 0) return false;
  const cs_x86& x = insn->detail->x86;
  const cs_x86_op* mem = nullptr;
  for (uint8_t i = 0; i < x.op_count; ++i) {
    if (x.operands[i].type == X86_OP_MEM) mem = &x.operands[i];
  }
  if (mem == nullptr) return false;
  if (mem->mem.segment != X86_REG_INVALID) {
    *thread_local_site = true;
    return false;
  }
  int base = RegNumber(mem->mem.base);
  int index = RegNumber(mem->mem.index);
  if (base < 0 || index < 0 || index == kRegRip) return false;
  if (base == kRegRip && index != kRegNone) return false;
  if (mem->size == 0 || mem->size > 16) return false;
  site->offset = c.address;
  site->length = static_cast<uint8_t>(insn->size);
  site->size = mem->size;
  site->base = static_cast<uint8_t>(base);
  site->index = static_cast<uint8_t>(index);
  site->scale = static_cast<uint8_t>(index == kRegNone ? 1 : mem->mem.scale);
  site->disp = mem->mem.disp;
  if (base == kRegRip) site->disp = static_cast<int64_t>(c.address + insn->size) + mem->mem.disp;

  // The atomic instruction and the ones after it up to 5 bytes, relocated.
  code = c.bytes;
  size = c.avail;
  address = c.address;
  size_t covered = 0;
  bool first = true;
  while (covered < kPatchBytes) {
    if (!cs->disasm_iter(detail, &code, &size, &address, insn) || insn->id == 0) return false;
    const uint64_t at = insn->address;
    const uint8_t* b = insn->bytes;
    const size_t n = insn->size;
    if (!first) {
      // A jump lands here: it must stay.
      if (std::binary_search(targets.begin(), targets.end(), at)) return false;
    }
    const cs_x86& d = insn->detail->x86;
    Rel rel = RelKind(b, n);
    if (rel == Rel::kCall32 || rel == Rel::kOther8) return false;
    if (insn->id == X86_INS_CALL || insn->id == X86_INS_LCALL || insn->id == X86_INS_SYSCALL)
      return false;
    if (rel == Rel::kJcc8 || rel == Rel::kJcc32 || rel == Rel::kJmp8 || rel == Rel::kJmp32) {
      int64_t target = RelTarget(b, n, at, rel);
      if (site->fixups.size() == kMaxFixups) return false;
      if (rel == Rel::kJcc8 || rel == Rel::kJcc32) {
        uint8_t cc =
            rel == Rel::kJcc8 ? b[OpcodeIndex(b, n)] & 0x0f : b[OpcodeIndex(b, n) + 1] & 0x0f;
        site->code.push_back(0x0f);
        site->code.push_back(static_cast<uint8_t>(0x80 | cc));
      } else {
        site->code.push_back(0xe9);
      }
      uint32_t field = static_cast<uint32_t>(site->code.size());
      site->code.insert(site->code.end(), 4, 0);
      site->fixups.push_back({field, field + 4, static_cast<uint64_t>(target)});
    } else {
      size_t start = site->code.size();
      site->code.insert(site->code.end(), b, b + n);
      bool rip = false;
      for (uint8_t i = 0; i < d.op_count; ++i) {
        if (d.operands[i].type == X86_OP_MEM && d.operands[i].mem.base == X86_REG_RIP) rip = true;
      }
      if (rip) {
        if (d.encoding.disp_offset == 0 || d.encoding.disp_size != 4) return false;
        if (site->fixups.size() == kMaxFixups) return false;
        int32_t disp;
        std::memcpy(&disp, b + d.encoding.disp_offset, 4);
        uint64_t target = at + n + static_cast<int64_t>(disp);
        site->fixups.push_back({static_cast<uint32_t>(start + d.encoding.disp_offset),
                                static_cast<uint32_t>(start + n), target});
      }
    }
    if (site->code.size() > kMaxCode) return false;
    covered += n;
    // Control leaving before the last displaced instruction: the bytes after it may be
    // another function's start.
    if (covered < kPatchBytes && EndsFlow(insn->id)) return false;
    first = false;
  }
  if (covered > 16) return false;
  site->patch_len = static_cast<uint8_t>(covered);
  site->original.assign(c.bytes, c.bytes + covered);
  return true;
}

Result<AtomicModule> ScanUncached(const std::string& path, bool main, const struct stat& st) {
  Result<std::vector<uint8_t>> data = ReadFile(path);
  if (!data.ok()) return data.error();
  AtomicModule mod;
  mod.path = path;
  mod.dev = st.st_dev;
  mod.ino = st.st_ino;
  mod.file_size = static_cast<uint64_t>(st.st_size);
  mod.main = main;
  std::vector<Section> sections = ExecutableSections(*data);
  std::string why;
  const CapstoneApi* cs = LoadCapstone(&why);
  if (cs == nullptr) return MakeError(why);
  Capstone sweep(cs, false), detail(cs, true);
  if (!sweep.ok || !detail.ok) return MakeError("cannot open Capstone for x86-64");
  std::vector<uint64_t> targets;  // sorted below
  std::vector<Candidate> candidates;
  cs_insn* insn = cs->malloc(sweep.handle);
  for (const Section& s : sections) {
    const uint8_t* code = data->data() + s.offset;
    const uint8_t* begin = code;
    size_t size = s.size;
    uint64_t address = s.addr;
    while (size > 0) {
      const uint8_t* here = code;
      if (!cs->disasm_iter(sweep.handle, &code, &size, &address, insn)) break;
      if (insn->id == 0) continue;  // data
      const uint8_t* b = insn->bytes;
      const size_t n = insn->size;
      Rel rel = RelKind(b, n);
      if (rel != Rel::kNone) {
        targets.push_back(static_cast<uint64_t>(RelTarget(b, n, insn->address, rel)));
      }
      if (HasLock(b, n) || insn->id == X86_INS_XCHG) {
        size_t off = static_cast<size_t>(here - begin);
        candidates.push_back({insn->address, here, static_cast<size_t>(s.size - off)});
      }
    }
  }
  cs->free(insn, 1);
  std::sort(targets.begin(), targets.end());
  uint64_t last_end = 0;
  for (const Candidate& c : candidates) {
    AtomicSite site;
    bool thread_local_site = false;
    if (!BuildSite(cs, detail.handle, c, targets, &site, &thread_local_site)) {
      // A candidate without a memory operand (xchg of two registers, a lock prefix on
      // nothing) is no atomic access at all.
      if (thread_local_site) {
        ++mod.atomics;
        ++mod.thread_local_;
      } else if (site.length != 0) {
        ++mod.atomics;
        ++mod.unpatchable;
      }
      continue;
    }
    ++mod.atomics;
    if (site.offset < last_end) {  // inside the previous site's patch
      ++mod.unpatchable;
      continue;
    }
    last_end = site.offset + site.patch_len;
    mod.sites.push_back(std::move(site));
  }
  return mod;
}

struct CacheKey {
  std::string path;
  uint64_t dev, ino, size;
  int64_t mtime_sec, mtime_nsec;
  bool main;
  bool operator<(const CacheKey& o) const {
    return std::tie(path, dev, ino, size, mtime_sec, mtime_nsec, main) <
           std::tie(o.path, o.dev, o.ino, o.size, o.mtime_sec, o.mtime_nsec, o.main);
  }
};

// The key of `path`'s version as `st` describes it.
CacheKey KeyOf(const std::string& path, const struct stat& st, bool main) {
  return CacheKey{path,
                  static_cast<uint64_t>(st.st_dev),
                  static_cast<uint64_t>(st.st_ino),
                  static_cast<uint64_t>(st.st_size),
                  static_cast<int64_t>(st.st_mtim.tv_sec),
                  static_cast<int64_t>(st.st_mtim.tv_nsec),
                  main};
}

std::mutex g_cache_mutex;
std::map<CacheKey, AtomicModule>* g_cache = new std::map<CacheKey, AtomicModule>();

// ---- the libraries a program needs ----

struct Dynamic {
  std::vector<std::string> needed;
  std::vector<std::string> rpath, runpath;
};

std::vector<std::string> SplitPath(const std::string& s, const std::string& origin) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(':', start);
    if (end == std::string::npos) end = s.size();
    std::string dir = s.substr(start, end - start);
    for (const char* token : {"$ORIGIN", "${ORIGIN}"}) {
      for (size_t p = dir.find(token); p != std::string::npos; p = dir.find(token)) {
        dir.replace(p, std::strlen(token), origin);
      }
    }
    if (!dir.empty()) out.push_back(dir);
    start = end + 1;
  }
  return out;
}

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// DT_NEEDED, DT_RPATH and DT_RUNPATH of the ELF file `data`.
Dynamic ReadDynamic(const std::vector<uint8_t>& data, const std::string& path) {
  Dynamic out;
  const Elf64_Ehdr* eh = ElfHeader(data);
  if (eh == nullptr || eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phoff > data.size() ||
      eh->e_phnum > (data.size() - eh->e_phoff) / sizeof(Elf64_Phdr)) {
    return out;
  }
  const auto* ph = reinterpret_cast<const Elf64_Phdr*>(data.data() + eh->e_phoff);
  auto file_offset = [&](uint64_t vaddr) -> uint64_t {
    for (unsigned i = 0; i < eh->e_phnum; ++i) {
      if (ph[i].p_type == PT_LOAD && vaddr >= ph[i].p_vaddr &&
          vaddr - ph[i].p_vaddr < ph[i].p_filesz) {
        return ph[i].p_offset + (vaddr - ph[i].p_vaddr);
      }
    }
    return ~0ull;
  };
  for (unsigned i = 0; i < eh->e_phnum; ++i) {
    if (ph[i].p_type != PT_DYNAMIC) continue;
    if (ph[i].p_offset > data.size() || ph[i].p_filesz > data.size() - ph[i].p_offset) break;
    const auto* dyn = reinterpret_cast<const Elf64_Dyn*>(data.data() + ph[i].p_offset);
    size_t count = ph[i].p_filesz / sizeof(Elf64_Dyn);
    uint64_t strtab = ~0ull;
    for (size_t k = 0; k < count && dyn[k].d_tag != DT_NULL; ++k) {
      if (dyn[k].d_tag == DT_STRTAB) strtab = file_offset(dyn[k].d_un.d_ptr);
    }
    if (strtab >= data.size()) break;
    auto str = [&](uint64_t off) -> std::string {
      if (off >= data.size() - strtab) return "";
      const char* p = reinterpret_cast<const char*>(data.data() + strtab + off);
      return std::string(p, strnlen(p, data.size() - strtab - off));
    };
    const std::string origin = DirName(path);
    for (size_t k = 0; k < count && dyn[k].d_tag != DT_NULL; ++k) {
      if (dyn[k].d_tag == DT_NEEDED) out.needed.push_back(str(dyn[k].d_un.d_val));
      if (dyn[k].d_tag == DT_RPATH) out.rpath = SplitPath(str(dyn[k].d_un.d_val), origin);
      if (dyn[k].d_tag == DT_RUNPATH) out.runpath = SplitPath(str(dyn[k].d_un.d_val), origin);
    }
    break;
  }
  return out;
}

bool IsSystemDirectory(const std::string& path) {
  for (const char* dir : {"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/", "/lib32/", "/usr/lib32/",
                          "/libx32/", "/usr/libx32/"}) {
    if (path.rfind(dir, 0) == 0) return true;
  }
  return false;
}

bool IsRuntime(const std::string& soname) {
  for (const char* prefix : {"libc.so", "libm.so", "libstdc++.so", "libgcc_s.so", "ld-linux",
                             "libpthread.so", "libdl.so", "librt.so", "libweft_"}) {
    if (soname.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// What ScanAtomicSites reads of a file: whether it is ELF, and its dynamic section.
struct FileDynamic {
  bool elf = false;
  Dynamic dyn;
};

std::map<CacheKey, FileDynamic>* g_dynamic_cache = new std::map<CacheKey, FileDynamic>();

// The dynamic section of `path`, read once per version of the file (its path, device, inode,
// size and modification time): every run of a search asks again, and a big library (CPython's
// libpython is tens of MiB) would otherwise be read whole each time.
Result<FileDynamic> DynamicOf(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return MakeError("cannot open '" + path + "': " + std::strerror(errno));
  }
  CacheKey key = KeyOf(path, st, false);
  {
    std::lock_guard<std::mutex> lock(g_cache_mutex);
    auto it = g_dynamic_cache->find(key);
    if (it != g_dynamic_cache->end()) return it->second;
  }
  Result<std::vector<uint8_t>> data = ReadFile(path);
  if (!data.ok()) return data.error();
  FileDynamic out;
  out.elf = ElfHeader(*data) != nullptr;
  if (out.elf) out.dyn = ReadDynamic(*data, path);
  std::lock_guard<std::mutex> lock(g_cache_mutex);
  (*g_dynamic_cache)[key] = out;
  return out;
}

}  // namespace

Result<AtomicModule> ScanAtomicModule(const std::string& path, bool main) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    return MakeError("cannot look at '" + path + "': " + std::strerror(errno));
  }
  CacheKey key = KeyOf(path, st, main);
  {
    std::lock_guard<std::mutex> lock(g_cache_mutex);
    auto it = g_cache->find(key);
    if (it != g_cache->end()) return it->second;
  }
  Result<AtomicModule> mod = ScanUncached(path, main, st);
  if (!mod.ok()) return mod;
  std::lock_guard<std::mutex> lock(g_cache_mutex);
  (*g_cache)[key] = mod.value();
  return mod;
}

Result<AtomicScan> ScanAtomicSites(const std::string& executable,
                                   const std::vector<std::string>& env) {
  AtomicScan scan;
  std::vector<std::string> ld_library_path;
  for (const std::string& kv : env) {
    if (kv.rfind("LD_LIBRARY_PATH=", 0) == 0) ld_library_path = SplitPath(kv.substr(16), ".");
  }
  Result<FileDynamic> exe = DynamicOf(executable);
  if (!exe.ok()) return exe.error();
  if (!exe->elf) return scan;  // a script: its interpreter is a system program
  // The libraries to scan, breadth first as the loader loads them.
  std::vector<std::pair<std::string, bool>> files{{executable, true}};
  std::set<std::string> seen;
  for (size_t i = 0; i < files.size() && files.size() < 32; ++i) {
    Result<FileDynamic> file = i == 0 ? exe : DynamicOf(files[i].first);
    if (!file.ok() || !file->elf) continue;
    const Dynamic& dyn = file->dyn;
    for (const std::string& soname : dyn.needed) {
      if (soname.rfind("libweft_rt.so", 0) == 0) scan.instrumented = true;
      if (!seen.insert(soname).second) continue;
      if (IsRuntime(soname)) {
        scan.system_libraries.push_back(soname);
        continue;
      }
      std::string found;
      if (soname.find('/') != std::string::npos) {
        found = soname;
      } else {
        std::vector<std::string> dirs;
        if (dyn.runpath.empty()) dirs = dyn.rpath;
        dirs.insert(dirs.end(), ld_library_path.begin(), ld_library_path.end());
        dirs.insert(dirs.end(), dyn.runpath.begin(), dyn.runpath.end());
        for (const std::string& dir : dirs) {
          std::string candidate = dir + "/" + soname;
          if (access(candidate.c_str(), R_OK) == 0) {
            found = candidate;
            break;
          }
        }
      }
      char real[4096];
      if (found.empty() || realpath(found.c_str(), real) == nullptr || IsSystemDirectory(real)) {
        scan.system_libraries.push_back(soname);  // the loader's cache and default directories
        continue;
      }
      files.push_back({real, false});
    }
  }
  // NB: a program built with weft cc is scanned too: the compiler made each of its
  // instrumented atomics a call of the runtime (which reaches weft), so an atomic instruction
  // left in its code is uninstrumented — a statically linked library built without the
  // instrumentation (Rust's prebuilt std), inline assembly — and weft's own runtime
  // (libweft_*) is never scanned.
  for (const auto& [path, main] : files) {
    Result<AtomicModule> mod = ScanAtomicModule(path, main);
    if (!mod.ok()) {
      if (main) return mod.error();
      continue;
    }
    scan.modules.push_back(std::move(mod.value()));
  }
  return scan;
}

}  // namespace weft::launcher
