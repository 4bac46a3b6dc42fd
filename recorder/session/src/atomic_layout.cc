// atomic_layout.cc — the atomic instructions the launcher's scanner found → the session's
// tables (shim_abi.h: weft_atomic_module, weft_atomic_site).
#include <algorithm>
#include <cstring>

#include "run_steps.h"

namespace weft::session::internal {

uint64_t FillAtomicSites(const launcher::AtomicScan& scan, SessionLayout* layout,
                         AtomicSitesSummary* summary) {
  uint64_t dropped = 0;
  for (const launcher::AtomicModule& mod : scan.modules) {
    AtomicModuleSummary line;
    line.path = mod.path;
    line.atomics = mod.atomics;
    line.thread_local_ = mod.thread_local_;
    line.unpatchable = mod.unpatchable;
    if (layout->atomic_modules.size() == WEFT_MAX_ATOMIC_MODULES) {
      dropped += mod.sites.size();
      summary->modules.push_back(line);
      continue;
    }
    weft_atomic_module out{};
    out.dev = mod.dev;
    out.ino = mod.ino;
    out.file_size = mod.file_size;
    out.main = mod.main ? 1 : 0;
    out.first_site = layout->atomic_sites.size();
    std::strncpy(out.path, mod.path.c_str(), sizeof(out.path) - 1);
    for (const launcher::AtomicSite& site : mod.sites) {
      if (layout->atomic_sites.size() == WEFT_MAX_ATOMIC_SITES ||
          site.code.size() > WEFT_ATOMIC_CODE_BYTES ||
          site.fixups.size() > WEFT_ATOMIC_MAX_FIXUPS || site.original.size() > 16) {
        ++dropped;
        continue;
      }
      weft_atomic_site s{};
      s.offset = site.offset;
      s.patch_len = site.patch_len;
      s.size = site.size;
      s.base = site.base;
      s.index = site.index;
      s.scale = site.scale;
      s.disp = site.disp;
      s.code_len = static_cast<uint8_t>(site.code.size());
      std::memcpy(s.code, site.code.data(), site.code.size());
      std::memcpy(s.original, site.original.data(), site.original.size());
      s.fixups = static_cast<uint8_t>(site.fixups.size());
      for (size_t f = 0; f < site.fixups.size(); ++f) {
        s.fixup[f].at = site.fixups[f].at;
        s.fixup[f].end = site.fixups[f].end;
        s.fixup[f].target = site.fixups[f].target;
      }
      layout->atomic_sites.push_back(s);
      ++out.sites;
    }
    line.listed = out.sites;
    summary->listed += out.sites;
    summary->modules.push_back(line);
    layout->atomic_modules.push_back(out);
  }
  summary->dropped = dropped;
  return dropped;
}

}  // namespace weft::session::internal
