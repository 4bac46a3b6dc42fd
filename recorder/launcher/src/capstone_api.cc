// capstone_api.cc — see capstone_api.h.
#include "capstone_api.h"

#include <dlfcn.h>

namespace weft::launcher::internal {
namespace {

struct Loaded {
  CapstoneApi api = {};
  bool ok = false;
  std::string error;
};

template <typename Fn>
bool Resolve(void* lib, const char* name, Fn* fn, std::string* error) {
  void* p = dlsym(lib, name);
  if (p == nullptr) {
    *error = std::string("Capstone (" WEFT_CAPSTONE_SONAME ") has no ") + name;
    return false;
  }
  *fn = reinterpret_cast<Fn>(p);
  return true;
}

Loaded Load() {
  Loaded l;
  // NB: never closed: the functions are used until weft exits.
  void* lib = dlopen(WEFT_CAPSTONE_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* e = dlerror();
    l.error = std::string("cannot load Capstone (") + (e != nullptr ? e : WEFT_CAPSTONE_SONAME) +
              "); install libcapstone";
    return l;
  }
  CapstoneApi& a = l.api;
  l.ok = Resolve(lib, "cs_open", &a.open, &l.error) &&
         Resolve(lib, "cs_option", &a.option, &l.error) &&
         Resolve(lib, "cs_close", &a.close, &l.error) &&
         Resolve(lib, "cs_malloc", &a.malloc, &l.error) &&
         Resolve(lib, "cs_free", &a.free, &l.error) &&
         Resolve(lib, "cs_disasm", &a.disasm, &l.error) &&
         Resolve(lib, "cs_disasm_iter", &a.disasm_iter, &l.error);
  return l;
}

}  // namespace

const CapstoneApi* LoadCapstone(std::string* why) {
  static const Loaded loaded = Load();  // NB: thread-safe, once
  if (!loaded.ok) {
    if (why != nullptr) *why = loaded.error;
    return nullptr;
  }
  return &loaded.api;
}

}  // namespace weft::launcher::internal
