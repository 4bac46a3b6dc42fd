// symbolizer.cc — Symbolizer: addresses of a finished run → functions, lines, globals, with
// libdw's libdwfl over the run's maps snapshot.
#include <cxxabi.h>
#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "weft/launcher.h"

namespace weft::launcher {
namespace {

constexpr uint64_t kPageSize = 4096;

bool EndsWith(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

std::string Demangle(const char* name) {
  if (name == nullptr) return "";
  if (name[0] == '_' && name[1] == 'Z') {
    int status = 0;
    char* demangled = abi::__cxa_demangle(name, nullptr, nullptr, &status);
    if (demangled != nullptr && status == 0) {
      std::string out = demangled;
      std::free(demangled);
      return out;
    }
    std::free(demangled);
  }
  return name;
}

// The load bias of the ELF file mapped by `m` (a mapping of its code): address in the
// process = bias + p_vaddr. Computed from the PT_LOAD that holds the mapping's file
// offset, so it holds whichever segment the first mapping is and whatever p_align is.
bool LoadBias(const Mapping& m, uint64_t* bias) {
  int fd = open(m.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = false;
  Elf64_Ehdr ehdr;
  if (pread(fd, &ehdr, sizeof(ehdr), 0) == static_cast<ssize_t>(sizeof(ehdr)) &&
      std::memcmp(ehdr.e_ident, ELFMAG, SELFMAG) == 0 && ehdr.e_ident[EI_CLASS] == ELFCLASS64 &&
      ehdr.e_phentsize == sizeof(Elf64_Phdr) && ehdr.e_phnum > 0 && ehdr.e_phnum < 4096) {
    if (ehdr.e_type == ET_EXEC) {
      *bias = 0;
      ok = true;
    } else {
      std::vector<Elf64_Phdr> phdrs(ehdr.e_phnum);
      ssize_t want = static_cast<ssize_t>(phdrs.size() * sizeof(Elf64_Phdr));
      if (pread(fd, phdrs.data(), static_cast<size_t>(want), static_cast<off_t>(ehdr.e_phoff)) ==
          want) {
        for (const Elf64_Phdr& ph : phdrs) {
          if (ph.p_type != PT_LOAD) continue;
          // NB: segments can share a page (Rust binaries: a read-only segment ends in the
          // page where the code starts), so an executable mapping is matched against the
          // executable segments only.
          bool mapping_x = m.perms.size() > 2 && m.perms[2] == 'x';
          if (mapping_x != ((ph.p_flags & PF_X) != 0)) continue;
          uint64_t first = ph.p_offset & ~(kPageSize - 1);
          if (m.offset >= first && m.offset < ph.p_offset + std::max<uint64_t>(ph.p_filesz, 1)) {
            *bias = m.start - m.offset - (ph.p_vaddr - ph.p_offset);
            ok = true;
            break;
          }
        }
      }
    }
  }
  close(fd);
  return ok;
}

// The name of a subprogram or inlined-subroutine DIE: the demangled linkage name (which
// is qualified: "ns::Class::Method(int)"), else the plain DW_AT_name.
std::string DieName(Dwarf_Die* die) {
  Dwarf_Attribute attr;
  for (int at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name}) {
    if (dwarf_attr_integrate(die, at, &attr) != nullptr) {
      const char* linkage = dwarf_formstring(&attr);
      if (linkage != nullptr) return Demangle(linkage);
    }
  }
  const char* name = dwarf_diename(die);
  return name != nullptr ? name : "";
}

// One symbol of a module's symbol table, at its address in the process.
struct Symbol {
  uint64_t start = 0;
  uint64_t size = 0;
  const char* name = nullptr;         // owned by libelf; lives as long as the Dwfl
  std::tuple<int, int, size_t> rank;  // among aliases at one address, lower is better
};

// How good a name is among the aliases of one address (lower is better): users know
// "getpid" and "pthread_mutex_lock", not "__getpid" or "__GI___pthread_mutex_lock".
std::tuple<int, int, size_t> AliasRank(const char* name, const GElf_Sym& sym) {
  int underscores = 0;
  while (name[underscores] == '_') ++underscores;
  bool local = GELF_ST_BIND(sym.st_info) == STB_LOCAL;
  return {underscores, local ? 1 : 0, std::strlen(name)};
}

// A module's functions and objects sorted by address. NB: libdwfl's own lookup
// (dwfl_module_addrinfo) scans the whole symbol table for every address in elfutils 0.188.
class SymbolIndex {
 public:
  explicit SymbolIndex(Dwfl_Module* mod) {
    int count = dwfl_module_getsymtab(mod);
    for (int i = 1; i < count; ++i) {
      GElf_Sym sym;
      GElf_Addr addr = 0;
      const char* name = dwfl_module_getsym_info(mod, i, &sym, &addr, nullptr, nullptr, nullptr);
      if (name == nullptr || name[0] == '\0' || sym.st_shndx == SHN_UNDEF) continue;
      int type = GELF_ST_TYPE(sym.st_info);
      if (type != STT_FUNC && type != STT_OBJECT && type != STT_GNU_IFUNC && type != STT_NOTYPE &&
          type != STT_COMMON) {
        continue;
      }
      symbols_.push_back({addr, sym.st_size, name, AliasRank(name, sym)});
    }
    std::sort(symbols_.begin(), symbols_.end(), [](const Symbol& a, const Symbol& b) {
      return a.start != b.start ? a.start < b.start : a.rank < b.rank;
    });
  }

  // The symbol holding `address`: among the closest symbols at or below it, the best-named
  // one whose size covers it; else a size-less symbol (a label) if it is the closest.
  const Symbol* Find(uint64_t address) const {
    auto group_end = std::upper_bound(symbols_.begin(), symbols_.end(), address,
                                      [](uint64_t a, const Symbol& s) { return a < s.start; });
    const Symbol* sizeless = nullptr;
    // Walk down a few addresses: an earlier, larger symbol may enclose this one.
    for (int groups = 0; group_end != symbols_.begin() && groups < kMaxWalk; ++groups) {
      auto group = std::prev(group_end);
      while (group != symbols_.begin() && std::prev(group)->start == group->start) --group;
      for (auto s = group; s != group_end; ++s) {  // aliases, best name first
        if (s->size > 0 && address < s->start + s->size) return &*s;
        if (s->size == 0 && groups == 0 && sizeless == nullptr) sizeless = &*s;
      }
      group_end = group;
    }
    return sizeless;
  }

 private:
  static constexpr int kMaxWalk = 8;
  std::vector<Symbol> symbols_;
};

}  // namespace

struct Symbolizer::Impl {
  std::vector<Mapping> maps;
  Dwfl_Callbacks callbacks = {};
  char* debuginfo_path = nullptr;  // default search path (/usr/lib/debug, .build-id)
  Dwfl* dwfl = nullptr;
  std::unordered_map<uint64_t, Location> code_cache;
  std::unordered_map<uint64_t, std::string> data_cache;
  std::unordered_map<uint64_t, std::vector<Location>> inlined_cache;

  std::unordered_map<Dwfl_Module*, SymbolIndex> symbol_indexes;

  // The symbol holding `address` in `mod`, nullptr if none.
  const Symbol* FindSymbol(Dwfl_Module* mod, uint64_t address) {
    auto it = symbol_indexes.find(mod);
    if (it == symbol_indexes.end()) it = symbol_indexes.emplace(mod, SymbolIndex(mod)).first;
    return it->second.Find(address);
  }

  // The path of the mapping holding `address`, for addresses outside every ELF module.
  std::string MappingName(uint64_t address) const {
    for (const Mapping& m : maps) {
      if (address >= m.start && address < m.end) return m.path;
    }
    return "";
  }
};

Symbolizer::Symbolizer(std::vector<Mapping> maps) : impl_(new Impl) {
  impl_->maps = std::move(maps);
  impl_->callbacks.find_elf = dwfl_build_id_find_elf;
  impl_->callbacks.find_debuginfo = dwfl_standard_find_debuginfo;
  impl_->callbacks.section_address = dwfl_offline_section_address;
  impl_->callbacks.debuginfo_path = &impl_->debuginfo_path;
  impl_->dwfl = dwfl_begin(&impl_->callbacks);
  if (impl_->dwfl == nullptr) return;

  dwfl_report_begin(impl_->dwfl);
  std::set<std::pair<std::string, uint64_t>> reported;
  for (const Mapping& m : impl_->maps) {
    // Only real files with code: skips anonymous memory, [vdso]/[stack]/..., files that
    // were deleted or replaced since (their contents may differ), memfd and SysV shm.
    if (m.perms.size() < 3 || m.perms[2] != 'x') continue;
    if (m.path.empty() || m.path[0] != '/') continue;
    if (EndsWith(m.path, " (deleted)") || m.path.rfind("/memfd:", 0) == 0) continue;
    uint64_t bias = 0;
    if (!LoadBias(m, &bias)) continue;
    if (!reported.insert({m.path, bias}).second) continue;
    // add_p_vaddr=true: `bias` is added to the ELF's p_vaddr (libdwfl forces 0 for ET_EXEC).
    dwfl_report_elf(impl_->dwfl, m.path.c_str(), m.path.c_str(), -1, bias, true);
  }
  dwfl_report_end(impl_->dwfl, nullptr, nullptr);
}

Symbolizer::~Symbolizer() {
  if (impl_->dwfl != nullptr) dwfl_end(impl_->dwfl);
  delete impl_;
}

Symbolizer::Location Symbolizer::SymbolizeCode(uint64_t address) {
  auto cached = impl_->code_cache.find(address);
  if (cached != impl_->code_cache.end()) return cached->second;

  Location loc;
  Dwfl_Module* mod = impl_->dwfl != nullptr ? dwfl_addrmodule(impl_->dwfl, address) : nullptr;
  if (mod != nullptr) {
    const char* name =
        dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr);
    if (name != nullptr) loc.module = name;
    if (const Symbol* symbol = impl_->FindSymbol(mod, address)) {
      loc.function = Demangle(symbol->name);
      loc.function_offset = address - symbol->start;
    }
    // NB: line tables of system libraries (libc's come from /usr/lib/debug) cost more to
    // load than the whole rest of a short run; their function names are enough.
    bool system = loc.module.rfind("/lib/", 0) == 0 || loc.module.rfind("/usr/lib/", 0) == 0 ||
                  loc.module.rfind("/lib64/", 0) == 0;
    Dwfl_Line* line = system ? nullptr : dwfl_module_getsrc(mod, address);
    if (line != nullptr) {
      int lineno = 0;
      const char* file = dwfl_lineinfo(line, nullptr, &lineno, nullptr, nullptr, nullptr);
      if (file != nullptr) {
        loc.file = file;
        loc.line = lineno > 0 ? static_cast<uint32_t>(lineno) : 0;
      }
    }
  } else {
    loc.module = impl_->MappingName(address);
  }
  impl_->code_cache.emplace(address, loc);
  return loc;
}

std::vector<Symbolizer::Location> Symbolizer::SymbolizeInlined(uint64_t address) {
  auto cached = impl_->inlined_cache.find(address);
  if (cached != impl_->inlined_cache.end()) return cached->second;

  Location physical = SymbolizeCode(address);
  std::vector<Location> frames;
  Dwfl_Module* mod = impl_->dwfl != nullptr ? dwfl_addrmodule(impl_->dwfl, address) : nullptr;
  Dwarf_Addr bias = 0;
  Dwarf_Die* cu = mod != nullptr ? dwfl_module_addrdie(mod, address, &bias) : nullptr;
  Dwarf_Die* scopes = nullptr;
  int num_scopes = cu != nullptr ? dwarf_getscopes(cu, address - bias, &scopes) : 0;
  if (num_scopes > 0) {
    // NB: dwarf_getscopes continues from an inlined subroutine into the scopes of its
    // abstract definition; the call chain is the DIE tree around the innermost scope.
    Dwarf_Die innermost = scopes[0];
    std::free(scopes);
    scopes = nullptr;
    num_scopes = dwarf_getscopes_die(&innermost, &scopes);
  }
  Dwarf_Files* files = nullptr;
  size_t num_files = 0;
  if (num_scopes > 0 && dwarf_getsrcfiles(cu, &files, &num_files) != 0) files = nullptr;
  // Walk from the innermost scope out; each inlined call moves the position to its call
  // site (DW_AT_call_file/line) for the frame around it.
  std::string file = physical.file;
  uint32_t line = physical.line;
  for (int i = 0; i < num_scopes; ++i) {
    int tag = dwarf_tag(&scopes[i]);
    if (tag != DW_TAG_inlined_subroutine && tag != DW_TAG_subprogram) continue;
    Location loc;
    loc.module = physical.module;
    loc.file = file;
    loc.line = line;
    if (tag == DW_TAG_subprogram) {
      loc.function = physical.function.empty() ? DieName(&scopes[i]) : physical.function;
      loc.function_offset = physical.function_offset;
      frames.push_back(std::move(loc));
      break;
    }
    loc.function = DieName(&scopes[i]);
    frames.push_back(std::move(loc));
    file.clear();
    line = 0;
    Dwarf_Attribute attr;
    Dwarf_Word value = 0;
    if (files != nullptr &&
        dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_file, &attr), &value) == 0) {
      const char* f = dwarf_filesrc(files, value, nullptr, nullptr);
      if (f != nullptr) file = f;
    }
    if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &attr), &value) == 0) {
      line = static_cast<uint32_t>(value);
    }
  }
  std::free(scopes);
  if (frames.empty()) frames.push_back(physical);
  impl_->inlined_cache.emplace(address, frames);
  return frames;
}

std::string Symbolizer::SymbolizeData(uint64_t address) {
  auto cached = impl_->data_cache.find(address);
  if (cached != impl_->data_cache.end()) return cached->second;

  std::string out;
  Dwfl_Module* mod = impl_->dwfl != nullptr ? dwfl_addrmodule(impl_->dwfl, address) : nullptr;
  if (mod != nullptr) {
    const Symbol* symbol = impl_->FindSymbol(mod, address);
    // A size-less symbol below the address (a label) does not make it a named object.
    if (symbol != nullptr && (symbol->size > 0 || symbol->start == address)) {
      uint64_t offset = address - symbol->start;
      out = Demangle(symbol->name);
      if (offset != 0) out += "+" + std::to_string(offset);
    }
  }
  impl_->data_cache.emplace(address, out);
  return out;
}

std::vector<Symbolizer::ModuleInfo> Symbolizer::Modules() {
  std::vector<ModuleInfo> modules;
  if (impl_->dwfl == nullptr) return modules;
  auto collect = [](Dwfl_Module* mod, void**, const char* name, Dwarf_Addr start,
                    void* arg) -> int {
    auto* out = static_cast<std::vector<ModuleInfo>*>(arg);
    ModuleInfo info;
    info.path = name != nullptr ? name : "";
    Dwarf_Addr low = start, high = start;
    dwfl_module_info(mod, nullptr, &low, &high, nullptr, nullptr, nullptr, nullptr);
    info.base = low;
    info.size = high - low;
    const unsigned char* bits = nullptr;
    GElf_Addr vaddr = 0;
    int len = dwfl_module_build_id(mod, &bits, &vaddr);
    static const char kHex[] = "0123456789abcdef";
    for (int i = 0; i < len; ++i) {
      info.build_id += kHex[bits[i] >> 4];
      info.build_id += kHex[bits[i] & 0xf];
    }
    out->push_back(std::move(info));
    return DWARF_CB_OK;
  };
  dwfl_getmodules(impl_->dwfl, collect, &modules, 0);
  std::sort(modules.begin(), modules.end(),
            [](const ModuleInfo& a, const ModuleInfo& b) { return a.base < b.base; });
  return modules;
}

}  // namespace weft::launcher
