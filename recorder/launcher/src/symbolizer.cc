// symbolizer.cc — Symbolizer: addresses of a finished run → functions, lines, globals, with
// libdw's libdwfl over the run's maps snapshot.
#include <cxxabi.h>
#include <elf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
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

}  // namespace

struct Symbolizer::Impl {
  std::vector<Mapping> maps;
  Dwfl_Callbacks callbacks = {};
  char* debuginfo_path = nullptr;  // default search path (/usr/lib/debug, .build-id)
  Dwfl* dwfl = nullptr;
  std::unordered_map<uint64_t, Location> code_cache;
  std::unordered_map<uint64_t, std::string> data_cache;

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
    const char* name = dwfl_module_info(mod, nullptr, nullptr, nullptr, nullptr, nullptr,
                                        nullptr, nullptr);
    if (name != nullptr) loc.module = name;
    GElf_Off offset = 0;
    GElf_Sym sym;
    const char* symbol =
        dwfl_module_addrinfo(mod, address, &offset, &sym, nullptr, nullptr, nullptr);
    if (symbol != nullptr) {
      loc.function = Demangle(symbol);
      loc.function_offset = offset;
    }
    Dwfl_Line* line = dwfl_module_getsrc(mod, address);
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

std::string Symbolizer::SymbolizeData(uint64_t address) {
  auto cached = impl_->data_cache.find(address);
  if (cached != impl_->data_cache.end()) return cached->second;

  std::string out;
  Dwfl_Module* mod = impl_->dwfl != nullptr ? dwfl_addrmodule(impl_->dwfl, address) : nullptr;
  if (mod != nullptr) {
    GElf_Off offset = 0;
    GElf_Sym sym;
    const char* symbol =
        dwfl_module_addrinfo(mod, address, &offset, &sym, nullptr, nullptr, nullptr);
    // The nearest symbol below may end before the address (padding, an unnamed object):
    // then the address belongs to no named object.
    if (symbol != nullptr && (offset < sym.st_size || (sym.st_size == 0 && offset == 0))) {
      out = Demangle(symbol);
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
