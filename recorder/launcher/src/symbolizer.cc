// symbolizer.cc — Symbolizer: addresses of a finished run → functions, lines, globals, with
// libdw's libdwfl over the run's maps snapshot.
#include <dwarf.h>
#include <elf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
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

// A symbol table name, demangled and without its version ("__libc_start_main@@GLIBC_2.34").
std::string Demangle(const char* name) {
  if (name == nullptr) return "";
  std::string_view symbol(name);
  size_t at = symbol.find('@');
  if (at != std::string_view::npos && at > 0) symbol = symbol.substr(0, at);
  return launcher::Demangle(symbol);
}

// Whether a module is the system's (libc, libstdc++...), whose debug info is not read.
bool IsSystemPath(const std::string& module) {
  return module.rfind("/lib/", 0) == 0 || module.rfind("/usr/lib/", 0) == 0 ||
         module.rfind("/lib64/", 0) == 0;
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

// DIEs that can hold code, or hold DIEs that do: where a walk for a pc goes down.
bool HasCode(int tag) {
  switch (tag) {
    case DW_TAG_subprogram:
    case DW_TAG_inlined_subroutine:
    case DW_TAG_lexical_block:
    case DW_TAG_try_block:
    case DW_TAG_catch_block:
    case DW_TAG_with_stmt:
    case DW_TAG_entry_point:
      return true;
    default:
      return false;
  }
}
bool HoldsCode(int tag) {
  switch (tag) {
    case DW_TAG_namespace:
    case DW_TAG_module:
    case DW_TAG_structure_type:
    case DW_TAG_class_type:
    case DW_TAG_union_type:
    case DW_TAG_interface_type:
      return true;
    default:
      return false;
  }
}

// Appends the DIEs under `parent` that contain `pc`, outermost first.
void CodePath(Dwarf_Die* parent, Dwarf_Addr pc, std::vector<Dwarf_Die>* path, int depth) {
  Dwarf_Die child;
  if (depth > 256 || dwarf_child(parent, &child) != 0) return;
  do {
    int tag = dwarf_tag(&child);
    if (HasCode(tag) && dwarf_haspc(&child, pc) == 1) {
      path->push_back(child);
      CodePath(&child, pc, path, depth + 1);
      return;
    }
    if (HoldsCode(tag)) {
      size_t before = path->size();
      CodePath(&child, pc, path, depth + 1);
      if (path->size() != before) return;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
}

// The scopes of `cu` containing `pc`, innermost first, as the DIE tree nests them (the
// inlined calls, the subprogram, the CU). NB: not dwarf_getscopes: elfutils 0.188's finds
// nothing in Rust's CUs, whose functions sit inside namespaces, and continues from an
// inlined subroutine into its abstract definition rather than its caller.
void ScopesAt(Dwarf_Die* cu, Dwarf_Addr pc, std::vector<Dwarf_Die>* scopes) {
  std::vector<Dwarf_Die> path;
  CodePath(cu, pc, &path, 0);
  path.insert(path.begin(), *cu);
  scopes->assign(path.rbegin(), path.rend());
}

// The scopes around `die`, innermost first, `die` itself included: DIE offsets are in
// tree order, so the walk goes down into the last child at or before the target.
void ScopesAround(Dwarf_Die* die, std::vector<Dwarf_Die>* scopes) {
  Dwarf_Die cu;
  if (dwarf_diecu(die, &cu, nullptr, nullptr) == nullptr) return;
  Dwarf_Off target = dwarf_dieoffset(die);
  std::vector<Dwarf_Die> path{cu};
  for (int depth = 0; depth < 256 && dwarf_dieoffset(&path.back()) != target; ++depth) {
    Dwarf_Die child;
    if (dwarf_child(&path.back(), &child) != 0) return;
    Dwarf_Die best = child;
    bool found = false;
    do {
      if (dwarf_dieoffset(&child) > target) break;
      best = child;
      found = true;
    } while (dwarf_siblingof(&child, &child) == 0);
    if (!found) return;
    path.push_back(best);
  }
  if (dwarf_dieoffset(&path.back()) != target) return;
  scopes->assign(path.rbegin(), path.rend());
}

// The DIE that declares `die` where it sits in the source's scopes: an inlined
// subroutine's abstract origin, a definition's declaration (DW_AT_specification).
Dwarf_Die DeclaringDie(Dwarf_Die* die) {
  Dwarf_Die current = *die;
  for (int hops = 0; hops < 8; ++hops) {
    Dwarf_Attribute attr;
    Dwarf_Die next;
    if ((dwarf_attr(&current, DW_AT_abstract_origin, &attr) == nullptr &&
         dwarf_attr(&current, DW_AT_specification, &attr) == nullptr) ||
        dwarf_formref_die(&attr, &next) == nullptr) {
      break;
    }
    current = next;
  }
  return current;
}

// A line table's file name as a path: a relative one (from a build that gave the compiler
// relative paths, as ccache's base_dir makes them) joined to its unit's compilation
// directory, so that it names the file wherever the program runs from; without "dir/.."
// (clang's tables join the compilation directory and "../../src/x.c" themselves). The
// compilation directory is a getcwd(), free of symbolic links, so ".." can go lexically.
std::string SourcePath(Dwarf_Die* cu, const char* file) {
  std::filesystem::path path(file);
  if (path.empty()) return file;
  if (path.is_absolute()) return path.lexically_normal().string();
  if (cu == nullptr) return file;
  Dwarf_Attribute attr;
  const char* dir = dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &attr));
  if (dir == nullptr || dir[0] != '/') return file;
  return (std::filesystem::path(dir) / path).lexically_normal().string();
}

std::string DieName(Dwarf_Die* die, int depth = 0);

// A scope's part of a qualified name: "ns", "(anonymous namespace)", "Class",
// "{lambda()}" (GCC names a lambda's class "<lambda()>"), a function's name; "" to leave out
// (lexical blocks).
std::string ScopeName(Dwarf_Die* scope, int depth) {
  const char* name = dwarf_diename(scope);
  switch (dwarf_tag(scope)) {
    case DW_TAG_namespace:
      return name != nullptr ? name : "(anonymous namespace)";
    case DW_TAG_class_type:
    case DW_TAG_structure_type:
    case DW_TAG_union_type:
    case DW_TAG_enumeration_type:
      if (name == nullptr) return "{unnamed type}";
      if (std::strncmp(name, "<lambda", 7) == 0) {
        std::string lambda = name;
        return "{" + lambda.substr(1, lambda.size() - 2) + "}";
      }
      return name;
    case DW_TAG_subprogram:
      return DieName(scope, depth + 1);
    default:
      return "";
  }
}

// The name of a subprogram or inlined-subroutine DIE: the demangled linkage name (which
// is qualified: "ns::Class::Method(int)"), else DW_AT_name qualified by the scopes around
// its declaration ("(anonymous namespace)::Start::{lambda()}::operator()": GCC gives
// functions of anonymous namespaces and lambdas no linkage name; Rust's closures are
// "crate::function::{closure#0}").
std::string DieName(Dwarf_Die* die, int depth) {
  Dwarf_Attribute attr;
  for (int at : {DW_AT_linkage_name, DW_AT_MIPS_linkage_name}) {
    if (dwarf_attr_integrate(die, at, &attr) != nullptr) {
      const char* linkage = dwarf_formstring(&attr);
      if (linkage != nullptr) return Demangle(linkage);
    }
  }
  const char* name = dwarf_diename(die);
  if (name == nullptr) return "";
  std::string qualified = name;
  if (depth >= 4) return qualified;
  Dwarf_Die declaring = DeclaringDie(die);
  std::vector<Dwarf_Die> scopes;
  ScopesAround(&declaring, &scopes);
  int n = static_cast<int>(scopes.size());
  // scopes[0] is the DIE itself; the CU is last.
  for (int i = 1; i < n; ++i) {
    int tag = dwarf_tag(&scopes[i]);
    if (tag == DW_TAG_compile_unit || tag == DW_TAG_partial_unit) break;
    std::string part = ScopeName(&scopes[i], depth);
    if (part.empty()) continue;
    // GCC 12 leaves a lambda's class unnamed: the class of an operator() that is.
    if (part == "{unnamed type}" && i == 1 && qualified == "operator()") part = "{lambda}";
    qualified = part + "::" + qualified;
    if (tag == DW_TAG_subprogram) break;  // its name is qualified already
  }
  return qualified;
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

// libdw's search for a module's separate debug file without its last resort, debuginfod:
// dwfl_standard_find_debuginfo, finding no local file, loads debuginfod's client library
// (and the twenty behind it: curl, gnutls, ldap, kerberos, …; 6 ms of every recording of a
// stripped program here) even when DEBUGINFOD_URLS is unset, where that client finds
// nothing. So the standard search runs only when DEBUGINFOD_URLS names a server or when a
// file it looks for exists: the build-id one, or the debuglink (else the file's own name) in
// the file's directory, its .debug, or under /usr/lib/debug.
int FindDebuginfo(Dwfl_Module* mod, void** userdata, const char* modname, Dwarf_Addr base,
                  const char* file_name, const char* debuglink_file, GElf_Word debuglink_crc,
                  char** debuginfo_file_name) {
  auto standard = [&] {
    return dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
                                        debuglink_crc, debuginfo_file_name);
  };
  const char* urls = std::getenv("DEBUGINFOD_URLS");
  if (urls != nullptr && urls[0] != '\0') return standard();
  int fd = dwfl_build_id_find_debuginfo(mod, userdata, modname, base, file_name, debuglink_file,
                                        debuglink_crc, debuginfo_file_name);
  if (fd >= 0 || file_name == nullptr) return fd;
  std::string path = file_name;
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  std::string link = debuglink_file != nullptr ? debuglink_file : path.substr(slash + 1);
  for (const std::string& candidate :
       {dir + "/" + link, dir + "/.debug/" + link, "/usr/lib/debug" + dir + "/" + link}) {
    // NB: the file itself is no separate debug file (a module without a debuglink).
    if (candidate != path && access(candidate.c_str(), R_OK) == 0) return standard();
  }
  errno = ENOENT;
  return -1;
}

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

  // The compile unit holding `address`. NB: elfutils 0.188 finds a unit only through
  // .debug_aranges, which clang does not emit: then the units' own ranges are searched.
  static Dwarf_Die* UnitAt(Dwfl_Module* mod, Dwarf_Addr address, Dwarf_Addr* bias) {
    if (Dwarf_Die* cu = dwfl_module_addrdie(mod, address, bias)) return cu;
    Dwarf_Die* cu = nullptr;
    while ((cu = dwfl_module_nextcu(mod, cu, bias)) != nullptr) {
      if (dwarf_haspc(cu, address - *bias) == 1) return cu;
    }
    return nullptr;
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
  impl_->callbacks.find_debuginfo = FindDebuginfo;
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
    Dwarf_Addr bias = 0;
    Dwarf_Die* cu = IsSystemPath(loc.module) ? nullptr : Impl::UnitAt(mod, address, &bias);
    Dwarf_Line* line = cu != nullptr ? dwarf_getsrc_die(cu, address - bias) : nullptr;
    if (line != nullptr) {
      int lineno = 0;
      const char* file = dwarf_linesrc(line, nullptr, nullptr);
      if (file != nullptr && dwarf_lineno(line, &lineno) == 0) {
        loc.file = SourcePath(cu, file);
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
  // NB: as for line tables (SymbolizeCode), system libraries' DWARF is not read.
  Dwfl_Module* mod = impl_->dwfl != nullptr && !IsSystemPath(physical.module)
                         ? dwfl_addrmodule(impl_->dwfl, address)
                         : nullptr;
  Dwarf_Addr bias = 0;
  Dwarf_Die* cu = mod != nullptr ? Impl::UnitAt(mod, address, &bias) : nullptr;
  std::vector<Dwarf_Die> scopes;
  if (cu != nullptr) ScopesAt(cu, address - bias, &scopes);
  int num_scopes = static_cast<int>(scopes.size());
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
      if (f != nullptr) file = SourcePath(cu, f);
    }
    if (dwarf_formudata(dwarf_attr(&scopes[i], DW_AT_call_line, &attr), &value) == 0) {
      line = static_cast<uint32_t>(value);
    }
  }
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
