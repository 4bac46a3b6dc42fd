// hooks_atomic_sites.cc — atomic instructions of uninstrumented code as schedule points.
//
// The supervisor disassembled the program's own modules before the run (launcher's
// atomic_scan) and listed their atomic read-modify-write instructions in the session
// (weft_atomic_module, weft_atomic_site). At start-up, with only the main thread alive, the
// shim patches each listed site that it finds exactly as listed (module matched by device
// and inode, or by file name and size, bytes compared) with a 5-byte `jmp rel32` to a trampoline of
// its own:
//
//   site's trampoline (one slot per site)       common stub (one per module)
//     lea  rsp, [rsp - 128]   ; the red zone      pushfq; push r15 .. rax
//     push site index                             rdi = site index, rsi = saved registers
//     call stub  ─────────────────────────────►   align, save xmm0 .. xmm15
//     lea  rsp, [rsp + 136]                       call AtomicSiteHit
//     <the displaced instructions, relocated>     restore xmm; pop rax .. r15; popfq; ret
//     jmp  site + patch_len
//
// AtomicSiteHit computes the instruction's effective address from the saved registers and
// hands it to the memory access path of instrumented builds (hooks_memory.cc) as an atomic
// read-modify-write, seq_cst: a schedule point and a MEM_WRITE event (READ | ATOMIC) when the
// granule is shared or the site is a candidate. The displaced instruction then runs while
// the thread still holds the turn. No trap, no signal: under ptrace a SIGTRAP would stop the
// thread for the supervisor (~15 µs); the jump costs the handler's call only.
//
// Trampolines live in one mapping per module, placed (MAP_FIXED_NOREPLACE) at the first free
// 64 KiB-aligned address below the module: within rel32 reach of its code, and the same
// address in every run (ASLR is off), so replays keep the recording's memory layout.
// Everything here is start-up only but the handler, which takes no lock and allocates nothing.
#include <link.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "control.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

extern "C" WEFT_HIDDEN void WeftAtomicSiteHit(uint64_t index, uint64_t* regs);

namespace weft::shim {
namespace {

constexpr uint64_t kSlotBytes = 80;         // one site's trampoline (68 bytes used)
constexpr uint64_t kStubBytes = 512;        // the common stub (368 bytes used)
constexpr uint64_t kMaxSegments = 8;        // executable PT_LOAD segments looked at per module
constexpr long kFixedNoReplace = 0x100000;  // MAP_FIXED_NOREPLACE (Linux 4.17)

// What the handler needs of a site, in shim memory (the session's copy is untrusted).
struct SiteInfo {  // 24 bytes
  uint64_t pc;     // absolute address of the instruction
  int64_t disp;    // displacement; for RIP-relative, the absolute address accessed
  uint8_t base, index, scale, size;
  uint32_t reserved;
};

struct Segment {
  uint64_t lo, hi;  // absolute
  uint32_t prot;    // PROT_* of the segment
};

struct ModuleMatch {
  bool found;
  uint64_t base;  // dlpi_addr
  uint64_t lo;    // lowest mapped address
  uint32_t segments;
  Segment segment[kMaxSegments];
};

struct MatchContext {
  const weft_atomic_module* modules;
  uint32_t count;
  ModuleMatch* match;
  bool first;
};

constinit SiteInfo* g_site_info = nullptr;
constinit uint32_t g_site_count = 0;
// NB: scratch for start-up only (before any other thread exists): not on the target's stack.
constinit ModuleMatch g_match[WEFT_MAX_ATOMIC_MODULES] = {};

bool SameBaseName(const char* a, const char* b) {
  const char* base_a = a;
  for (const char* p = a; *p != '\0'; ++p) {
    if (*p == '/') base_a = p + 1;
  }
  const char* base_b = b;
  for (const char* p = b; *p != '\0'; ++p) {
    if (*p == '/') base_b = p + 1;
  }
  for (; *base_a != '\0' && *base_a == *base_b; ++base_a, ++base_b) {
  }
  return *base_a == '\0' && *base_b == '\0';
}

int MatchModule(struct dl_phdr_info* info, size_t, void* data) {
  auto* ctx = static_cast<MatchContext*>(data);
  const char* name = info->dlpi_name;
  const bool first = ctx->first;
  ctx->first = false;
  if (name == nullptr || name[0] == '\0') {
    if (!first) return 0;  // the vdso or an unnamed object: never a scanned module
    name = "/proc/self/exe";
  }
  struct stat st;
  const bool have_stat =
      RawSyscall(SYS_stat, reinterpret_cast<long>(name), reinterpret_cast<long>(&st)) == 0;
  for (uint32_t m = 0; m < ctx->count; ++m) {
    const weft_atomic_module& mod = ctx->modules[m];
    ModuleMatch& out = ctx->match[m];
    if (out.found || (mod.main != 0) != first || !have_stat) continue;
    // The same file (device and inode), or, in a run with a private view of its files (an
    // overlay: other device numbers), the same file name and size. Either way every site's
    // bytes are compared before it is patched.
    // (The executable is named by /proc/self/exe: its size must do.)
    const bool same_file = mod.dev == st.st_dev && mod.ino == st.st_ino;
    const bool same_size = mod.file_size == static_cast<uint64_t>(st.st_size);
    if (!same_file && !(same_size && (first || SameBaseName(mod.path, name)))) continue;
    // Never the shim itself (the list is untrusted input).
    const uint64_t self = reinterpret_cast<uint64_t>(&WeftAtomicSiteHit);
    bool is_shim = false;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
      const ElfW(Phdr)& ph = info->dlpi_phdr[i];
      uint64_t lo = info->dlpi_addr + ph.p_vaddr;
      if (ph.p_type == PT_LOAD && self >= lo && self - lo < ph.p_memsz) is_shim = true;
    }
    if (is_shim) return 0;
    out.found = true;
    out.base = info->dlpi_addr;
    out.lo = ~0ull;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
      const ElfW(Phdr)& ph = info->dlpi_phdr[i];
      if (ph.p_type != PT_LOAD) continue;
      uint64_t lo = info->dlpi_addr + ph.p_vaddr;
      if (lo < out.lo) out.lo = lo;
      if ((ph.p_flags & PF_X) == 0 || out.segments == kMaxSegments) continue;
      uint32_t prot = PROT_EXEC | ((ph.p_flags & PF_R) != 0 ? PROT_READ : 0) |
                      ((ph.p_flags & PF_W) != 0 ? PROT_WRITE : 0);
      out.segment[out.segments++] = Segment{lo, lo + ph.p_memsz, prot};
    }
    break;
  }
  return 0;
}

// The segment of `match` that holds [address, address + n), or nullptr.
const Segment* SegmentOf(const ModuleMatch& match, uint64_t address, uint64_t n) {
  for (uint32_t i = 0; i < match.segments; ++i) {
    const Segment& s = match.segment[i];
    if (address >= s.lo && address < s.hi && n <= s.hi - address) return &s;
  }
  return nullptr;
}

bool Fits32(int64_t v) { return v >= -(1ll << 31) && v < (1ll << 31); }

// A mapping of `bytes` at the first free 64 KiB-aligned address below `below`, within rel32
// reach of [lo, hi); 0 if none.
uint64_t MapNear(uint64_t below, uint64_t lo, uint64_t hi, uint64_t bytes) {
  constexpr uint64_t kStep = 1ull << 16;
  if (below < bytes + kStep) return 0;
  uint64_t at = (below - bytes) & ~(kStep - 1);
  for (int tries = 0; tries < 4096 && at >= kStep; ++tries, at -= kStep) {
    if (hi - at > (1ull << 31) - 1) return 0;  // out of reach from here on
    long p =
        RawSyscall(SYS_mmap, static_cast<long>(at), static_cast<long>(bytes),
                   PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | kFixedNoReplace, -1, 0);
    if (p == static_cast<long>(at)) return at;
    if (p >= 0 || p <= -4096) RawSyscall(SYS_munmap, p, static_cast<long>(bytes));  // a hint
  }
  return 0;
}

// Emits bytes into a trampoline under construction.
struct Code {
  uint8_t* p;
  void Bytes(const uint8_t* b, uint64_t n) {
    for (uint64_t i = 0; i < n; ++i) *p++ = b[i];
  }
  void U8(uint8_t b) { *p++ = b; }
  void U32(uint32_t v) {
    for (int i = 0; i < 4; ++i) *p++ = static_cast<uint8_t>(v >> (8 * i));
  }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) *p++ = static_cast<uint8_t>(v >> (8 * i));
  }
  // A rel32 at p pointing at `target`, relative to the end of the field.
  void Rel32(uint64_t target) {
    U32(static_cast<uint32_t>(target - (reinterpret_cast<uint64_t>(p) + 4)));
  }
};

// movaps between xmm0 .. xmm15 and [rsp + 16 * n]: `op` 0x29 stores, 0x28 loads.
// NB: the SSE registers only, not the x87 state, MXCSR or the upper halves of the AVX
// registers: the shim's code (built for baseline x86-64, no x87, no AVX: its legacy SSE
// instructions leave the upper halves alone) touches nothing else, and an fxsave64 /
// fxrstor64 pair cost ~100 ns here (bench/atomic_sites.py).
void SaveXmm(Code* c, uint8_t op) {
  for (int n = 0; n < 16; ++n) {
    if (n >= 8) c->U8(0x44);  // REX.R
    c->U8(0x0f);
    c->U8(op);
    c->U8(static_cast<uint8_t>(0x84 | (n & 7) << 3));  // mod 10, reg n, rm 100 (SIB)
    c->U8(0x24);                                       // SIB: base rsp
    c->U32(static_cast<uint32_t>(16 * n));
  }
}

void WriteStub(uint8_t* at) {
  Code c{at};
  c.U8(0x9c);  // pushfq
  // push r15 .. r8 (41 57 .. 41 50), rdi rsi rbp rsp rbx rdx rcx rax (57 .. 50): the saved
  // registers lie in the x86 encoding order from rsp up (slot 4, rsp's, holds no value).
  for (int r = 15; r >= 8; --r) {
    c.U8(0x41);
    c.U8(static_cast<uint8_t>(0x50 + r - 8));
  }
  for (int r = 7; r >= 0; --r) c.U8(static_cast<uint8_t>(0x50 + r));
  static const uint8_t kEnter[] = {0x48, 0x89, 0xe6,  // mov rsi, rsp
                                   0x48, 0x8b, 0xbc, 0x24, 0x90, 0x00, 0x00,
                                   0x00,                    // mov rdi, [rsp + 144]: the index
                                   0x48, 0x89, 0xe3,        // mov rbx, rsp
                                   0x48, 0x83, 0xe4, 0xf0,  // and rsp, -16
                                   0x48, 0x81, 0xec, 0x00, 0x01, 0x00, 0x00};  // sub rsp, 256
  c.Bytes(kEnter, sizeof(kEnter));
  SaveXmm(&c, 0x29);  // movaps [rsp + 16 * n], xmm0 .. xmm15
  c.U8(0x48);         // movabs rax, imm64
  c.U8(0xb8);
  c.U64(reinterpret_cast<uint64_t>(&WeftAtomicSiteHit));
  c.U8(0xff);  // call rax
  c.U8(0xd0);
  SaveXmm(&c, 0x28);                                        // movaps xmm0 .. xmm15, [rsp + 16 * n]
  static const uint8_t kLeave[] = {0x48, 0x89, 0xdc,        // mov rsp, rbx
                                   0x58, 0x59, 0x5a, 0x5b,  // pop rax rcx rdx rbx
                                   0x48, 0x8d, 0x64, 0x24, 0x08,  // lea rsp, [rsp + 8]: rsp's slot
                                   0x5d, 0x5e, 0x5f};             // pop rbp rsi rdi
  c.Bytes(kLeave, sizeof(kLeave));
  for (int r = 8; r <= 15; ++r) {
    c.U8(0x41);
    c.U8(static_cast<uint8_t>(0x58 + r - 8));
  }
  c.U8(0x9d);  // popfq
  c.U8(0xc3);  // ret
}

// Writes site `index`'s trampoline at `at`; false if a relocation does not reach.
bool WriteSlot(uint8_t* at, uint64_t stub, uint32_t index, const weft_atomic_site& site,
               uint64_t base, uint64_t pc) {
  Code c{at};
  static const uint8_t kSkipRedZone[] = {0x48, 0x8d, 0x64, 0x24, 0x80};  // lea rsp, [rsp - 128]
  c.Bytes(kSkipRedZone, sizeof(kSkipRedZone));
  c.U8(0x68);  // push imm32
  c.U32(index);
  c.U8(0xe8);  // call stub
  c.Rel32(stub);
  static const uint8_t kBack[] = {0x48, 0x8d, 0xa4, 0x24, 0x88, 0x00, 0x00, 0x00};  // +136
  c.Bytes(kBack, sizeof(kBack));
  uint8_t* code = c.p;
  c.Bytes(site.code, site.code_len);
  for (uint32_t f = 0; f < site.fixups; ++f) {
    const weft_atomic_fixup& fix = site.fixup[f];
    uint64_t insn_end = reinterpret_cast<uint64_t>(code) + fix.end;
    int64_t rel = static_cast<int64_t>(base + fix.target - insn_end);
    if (!Fits32(rel)) return false;
    Code{code + fix.at}.U32(static_cast<uint32_t>(rel));
  }
  c.U8(0xe9);  // jmp back
  int64_t back = static_cast<int64_t>(pc + site.patch_len - (reinterpret_cast<uint64_t>(c.p) + 4));
  if (!Fits32(back)) return false;
  c.U32(static_cast<uint32_t>(back));
  while (c.p < at + kSlotBytes) c.U8(0xcc);
  return true;
}

bool ValidSite(const weft_atomic_site& s) {
  if (s.patch_len < 5 || s.patch_len > sizeof(s.original)) return false;
  if (s.code_len > WEFT_ATOMIC_CODE_BYTES || s.fixups > WEFT_ATOMIC_MAX_FIXUPS) return false;
  for (uint32_t f = 0; f < s.fixups; ++f) {
    const weft_atomic_fixup& fix = s.fixup[f];
    if (fix.at > s.code_len || s.code_len - fix.at < 4 || fix.end < fix.at + 4 ||
        fix.end > s.code_len) {
      return false;
    }
  }
  if (s.base != WEFT_REG_NONE && s.base > WEFT_REG_RIP) return false;
  if (s.index != WEFT_REG_NONE && s.index > 15) return false;
  if (s.scale != 1 && s.scale != 2 && s.scale != 4 && s.scale != 8) return false;
  return s.size >= 1 && s.size <= 16;
}

bool SameBytes(const uint8_t* a, const uint8_t* b, uint64_t n) {
  for (uint64_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Protects the pages of [lo, hi) with `prot`.
bool Protect(uint64_t lo, uint64_t hi, uint32_t prot) {
  uint64_t page_lo = lo & ~4095ull;
  uint64_t page_hi = (hi + 4095) & ~4095ull;
  return RawSyscall(SYS_mprotect, static_cast<long>(page_lo), static_cast<long>(page_hi - page_lo),
                    prot) == 0;
}

// Patches the sites of module `m`; returns how many.
uint32_t PatchModule(const weft_atomic_module& mod, const ModuleMatch& match,
                     const weft_atomic_site* sites, uint64_t first_index) {
  if (mod.sites == 0) return 0;
  const uint64_t region_bytes = (kStubBytes + mod.sites * kSlotBytes + 4095) & ~4095ull;
  uint64_t code_lo = ~0ull, code_hi = 0;
  for (uint32_t i = 0; i < match.segments; ++i) {
    if (match.segment[i].lo < code_lo) code_lo = match.segment[i].lo;
    if (match.segment[i].hi > code_hi) code_hi = match.segment[i].hi;
  }
  if (code_hi == 0) return 0;
  uint64_t region = MapNear(match.lo, code_lo, code_hi, region_bytes);
  if (region == 0) {
    WriteStderr("weft shim: no room for the atomic sites' trampolines near ");
    WriteStderr(mod.path);
    WriteStderr("; its atomic instructions are not schedule points\n");
    return 0;
  }
  auto* bytes = reinterpret_cast<uint8_t*>(region);
  WriteStub(bytes);
  const uint64_t stub = region;
  // Trampolines first, then the jumps into them; a site whose bytes differ from the list (a
  // different file, or a page the program changed) is left alone.
  bool ok[64];
  uint32_t patched = 0;
  uint64_t last_end = 0;
  for (uint64_t k0 = 0; k0 < mod.sites; k0 += 64) {
    uint64_t n = mod.sites - k0 < 64 ? mod.sites - k0 : 64;
    for (uint64_t j = 0; j < n; ++j) {
      const uint64_t k = k0 + j;
      const weft_atomic_site& site = sites[k];
      const uint64_t pc = match.base + site.offset;
      ok[j] = false;
      if (!ValidSite(site) || pc < last_end) continue;
      if (SegmentOf(match, pc, site.patch_len) == nullptr) continue;
      if (!SameBytes(reinterpret_cast<const uint8_t*>(pc), site.original, site.patch_len)) {
        continue;
      }
      uint8_t* slot = bytes + kStubBytes + k * kSlotBytes;
      const uint32_t index = static_cast<uint32_t>(first_index + k);
      if (!WriteSlot(slot, stub, index, site, match.base, pc)) continue;
      int64_t rel = static_cast<int64_t>(reinterpret_cast<uint64_t>(slot) - (pc + 5));
      if (!Fits32(rel)) continue;
      SiteInfo& info = g_site_info[index];
      info.pc = pc;
      info.base = site.base;
      info.index = site.index;
      info.scale = site.scale;
      info.size = site.size;
      info.disp =
          site.base == WEFT_REG_RIP ? static_cast<int64_t>(match.base + site.disp) : site.disp;
      ok[j] = true;
      last_end = pc + site.patch_len;
    }
    for (uint64_t j = 0; j < n; ++j) {
      if (!ok[j]) continue;
      const weft_atomic_site& site = sites[k0 + j];
      const uint64_t pc = match.base + site.offset;
      const Segment* seg = SegmentOf(match, pc, site.patch_len);
      if (!Protect(pc, pc + site.patch_len, PROT_READ | PROT_WRITE | PROT_EXEC) &&
          !Protect(pc, pc + site.patch_len, PROT_READ | PROT_WRITE)) {
        continue;
      }
      uint8_t* at = reinterpret_cast<uint8_t*>(pc);
      uint64_t slot = region + kStubBytes + (k0 + j) * kSlotBytes;
      at[0] = 0xe9;
      Code{at + 1}.Rel32(slot);
      for (uint32_t i = 5; i < site.patch_len; ++i) at[i] = 0xcc;  // never reached
      Protect(pc, pc + site.patch_len, seg->prot);
      ++patched;
    }
  }
  RawSyscall(SYS_mprotect, static_cast<long>(region), static_cast<long>(region_bytes),
             PROT_READ | PROT_EXEC);
  return patched;
}

}  // namespace

void AtomicSitesInit() {
  weft_session* s = g_session;
  const weft_span& mods = s->atomic_modules;
  const weft_span& sites = s->atomic_sites;
  if (mods.count == 0 || sites.count == 0) return;
  if (mods.count > WEFT_MAX_ATOMIC_MODULES || sites.count > WEFT_MAX_ATOMIC_SITES ||
      mods.offset > s->size || mods.count > (s->size - mods.offset) / sizeof(weft_atomic_module) ||
      sites.offset > s->size || sites.count > (s->size - sites.offset) / sizeof(weft_atomic_site) ||
      mods.offset % 8 != 0 || sites.offset % 8 != 0) {
    Die("the session's atomic sites lie outside the session memory");
  }
  const auto* base = reinterpret_cast<const uint8_t*>(s);
  const auto* modules = reinterpret_cast<const weft_atomic_module*>(base + mods.offset);
  const auto* site_table = reinterpret_cast<const weft_atomic_site*>(base + sites.offset);
  for (uint64_t m = 0; m < mods.count; ++m) {
    const weft_atomic_module& mod = modules[m];
    if (mod.first_site > sites.count || mod.sites > sites.count - mod.first_site ||
        mod.path[sizeof(mod.path) - 1] != '\0') {
      Die("the session's atomic sites name sites that do not exist");
    }
  }
  long p = RawSyscall(SYS_mmap, 0, static_cast<long>(sites.count * sizeof(SiteInfo)),
                      PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p < 0 && p > -4096) {
    WriteStderr("weft shim: cannot map the table of atomic sites; they are not schedule points\n");
    return;
  }
  g_site_info = reinterpret_cast<SiteInfo*>(p);
  g_site_count = static_cast<uint32_t>(sites.count);
  MatchContext ctx{modules, static_cast<uint32_t>(mods.count), g_match, true};
  dl_iterate_phdr(MatchModule, &ctx);
  uint32_t patched = 0;
  for (uint64_t m = 0; m < mods.count; ++m) {
    if (!g_match[m].found) continue;
    patched += PatchModule(modules[m], g_match[m], site_table + modules[m].first_site,
                           modules[m].first_site);
  }
  s->atomic_patched = patched;
  s->atomic_unpatched = static_cast<uint32_t>(sites.count) - patched;
}

}  // namespace weft::shim

// Called by the trampolines' stub with the site's index and the registers it saved (rax ..
// r15 in the x86 encoding order; the slot of rsp holds no value: the program's rsp is 19
// slots and the red zone above them).
extern "C" WEFT_HIDDEN void WeftAtomicSiteHit(uint64_t index, uint64_t* regs) {
  using namespace weft::shim;
  if (index >= g_site_count) return;
  const SiteInfo& site = g_site_info[index];
  uint64_t address = static_cast<uint64_t>(site.disp);
  auto reg = [regs](uint8_t r) -> uint64_t {
    if (r == 4) return reinterpret_cast<uint64_t>(regs) + 19 * 8 + 128;
    return regs[r];
  };
  if (site.base <= 15) address += reg(site.base);
  if (site.index <= 15) address += reg(site.index) * site.scale;
  AtomicSiteAccess(reinterpret_cast<const void*>(address), site.size,
                   reinterpret_cast<const void*>(site.pc));
}
