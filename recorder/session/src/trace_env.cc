// trace_env.cc — secret-looking environment variables as digests, the executable's identity.
#include "weft/trace_env.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>

namespace weft::session {
namespace {

// OpenSSL's libcrypto, loaded by its soname the first time a digest is needed (a secret-looking
// variable, an executable without a build-id): linked, its 17,000 relocations were a
// millisecond of CPU at every start of weft, and most runs need no digest.
struct Crypto {
  decltype(&EVP_PBE_scrypt) pbe_scrypt = nullptr;
  decltype(&EVP_MD_CTX_new) md_ctx_new = nullptr;
  decltype(&EVP_MD_CTX_free) md_ctx_free = nullptr;
  decltype(&EVP_sha256) sha256 = nullptr;
  decltype(&EVP_DigestInit_ex) digest_init = nullptr;
  decltype(&EVP_DigestUpdate) digest_update = nullptr;
  decltype(&EVP_DigestFinal_ex) digest_final = nullptr;
  std::string error;  // why it could not be loaded ("" when it was)
};

template <typename Fn>
bool Resolve(void* lib, const char* name, Fn* fn, std::string* error) {
  void* p = dlsym(lib, name);
  if (p == nullptr) {
    *error = std::string("libcrypto (" WEFT_CRYPTO_SONAME ") has no ") + name;
    return false;
  }
  *fn = reinterpret_cast<Fn>(p);
  return true;
}

const Crypto& LoadCrypto() {
  static const Crypto crypto = [] {  // NB: thread-safe, once; never closed
    Crypto c;
    void* lib = dlopen(WEFT_CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* e = dlerror();
      c.error = std::string("cannot load OpenSSL's libcrypto (") +
                (e != nullptr ? e : WEFT_CRYPTO_SONAME) + "); install it";
      return c;
    }
    // NB: the first function missing stops it, and c.error says which.
    (void)(Resolve(lib, "EVP_PBE_scrypt", &c.pbe_scrypt, &c.error) &&
           Resolve(lib, "EVP_MD_CTX_new", &c.md_ctx_new, &c.error) &&
           Resolve(lib, "EVP_MD_CTX_free", &c.md_ctx_free, &c.error) &&
           Resolve(lib, "EVP_sha256", &c.sha256, &c.error) &&
           Resolve(lib, "EVP_DigestInit_ex", &c.digest_init, &c.error) &&
           Resolve(lib, "EVP_DigestUpdate", &c.digest_update, &c.error) &&
           Resolve(lib, "EVP_DigestFinal_ex", &c.digest_final, &c.error));
    return c;
  }();
  return crypto;
}

std::string Hex(const unsigned char* data, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 15]);
  }
  return out;
}

std::string Upper(const std::string& s) {
  std::string out = s;
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool EndsWith(const std::string& s, const char* suffix) {
  size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  for (const std::string& n : names)
    if (n == name) return true;
  return false;
}

// "scheme://user:password@host": a password in the userinfo of a URL.
bool HasUrlPassword(const std::string& value) {
  for (size_t at = value.find("://"); at != std::string::npos; at = value.find("://", at + 3)) {
    size_t start = at + 3;
    size_t end = value.find_first_of("/@ \t", start);
    if (end == std::string::npos || value[end] != '@') continue;
    size_t colon = value.find(':', start);
    if (colon != std::string::npos && colon < end && colon + 1 < end) return true;
  }
  return false;
}

// The process's salt: 16 random bytes, drawn once (the traces of one weft process share it,
// so that one explore computes each digest once).
const std::string& ProcessSalt() {
  static const std::string salt = [] {
    unsigned char bytes[16];
    size_t got = 0;
    while (got < sizeof(bytes)) {
      ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);
      if (n > 0)
        got += static_cast<size_t>(n);
      else if (errno != EINTR)
        break;
    }
    if (got < sizeof(bytes)) {
      // No getrandom: the salt is then predictable, the digest still slow.
      for (size_t i = got; i < sizeof(bytes); ++i) bytes[i] = static_cast<unsigned char>(i);
    }
    return Hex(bytes, sizeof(bytes));
  }();
  return salt;
}

std::mutex g_cache_mutex;
std::map<std::tuple<std::string, std::string, std::string>, std::string>& DigestCache() {
  static auto* cache = new std::map<std::tuple<std::string, std::string, std::string>, std::string>;
  return *cache;
}

}  // namespace

bool LooksSecret(const std::string& name, const std::string& value) {
  if (HasUrlPassword(value)) return true;
  const std::string n = Upper(name);
  if (EndsWith(n, "_SOCK") || EndsWith(n, "_FILE") || EndsWith(n, "_PATH") || EndsWith(n, "_DIR")) {
    return false;
  }
  static const char* const kWords[] = {"KEY",        "TOKEN",      "SECRET", "PASSWORD", "PASSWD",
                                       "PASSPHRASE", "CREDENTIAL", "COOKIE", "PRIVATE"};
  for (const char* w : kWords) {
    if (n.find(w) != std::string::npos) return true;
  }
  for (size_t at = n.find("AUTH"); at != std::string::npos; at = n.find("AUTH", at + 1)) {
    if (n.compare(at, 6, "AUTHOR") != 0) return true;  // GIT_AUTHOR_NAME, XAUTHORITY: no
  }
  return false;
}

Result<std::string> EnvDigest(const std::string& scheme, const std::string& salt_hex,
                              const std::string& name, const std::string& value) {
  if (scheme != kEnvDigestScheme) {
    return MakeError("unknown digest scheme '" + scheme + "' (this weft knows " +
                     std::string(kEnvDigestScheme) + ")");
  }
  auto key = std::make_tuple(salt_hex, name, value);
  {
    std::lock_guard<std::mutex> lock(g_cache_mutex);
    auto it = DigestCache().find(key);
    if (it != DigestCache().end()) return it->second;
  }
  std::string salt = salt_hex;
  salt.push_back('\0');
  salt += name;
  unsigned char out[32];
  const Crypto& crypto = LoadCrypto();
  if (!crypto.error.empty()) {
    return MakeError("cannot compute the digest of the environment variable " + name + ": " +
                     crypto.error);
  }
  // NB: maxmem must cover 128 * r * N = 16 MiB plus OpenSSL's own overhead.
  if (crypto.pbe_scrypt(value.data(), value.size(),
                        reinterpret_cast<const unsigned char*>(salt.data()), salt.size(), 16384, 8,
                        1, 64ull << 20, out, sizeof(out)) != 1) {
    return MakeError("cannot compute the digest of the environment variable " + name +
                     " (scrypt failed: out of memory?)");
  }
  std::string digest = Hex(out, sizeof(out));
  std::lock_guard<std::mutex> lock(g_cache_mutex);
  DigestCache()[key] = digest;
  return digest;
}

Status RedactEnvironment(const std::vector<std::string>& env, const EnvPolicy& policy,
                         format::Header* header) {
  header->env.clear();
  header->env_redacted.clear();
  header->env_kept.clear();
  header->env_salt.clear();
  header->env_digest_scheme.clear();
  for (const std::string& kv : env) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    std::string name = kv.substr(0, eq), value = kv.substr(eq + 1);
    bool secret = LooksSecret(name, value);
    bool redact = Contains(policy.redact, name) || (secret && !Contains(policy.keep, name));
    if (secret && !redact && !Contains(header->env_kept, name)) header->env_kept.push_back(name);
    if (!redact) {
      header->env.emplace_back(std::move(name), std::move(value));
      continue;
    }
    if (header->env_salt.empty()) {
      header->env_salt = ProcessSalt();
      header->env_digest_scheme = kEnvDigestScheme;
    }
    Result<std::string> digest = EnvDigest(kEnvDigestScheme, header->env_salt, name, value);
    if (!digest.ok()) return digest.error();
    header->env_redacted.push_back({header->env.size(), digest.value()});
    header->env.emplace_back(std::move(name), std::string());
  }
  return Status::Ok();
}

RestoredEnvironment RestoreEnvironment(const format::Header& header,
                                       const std::vector<std::string>& current) {
  RestoredEnvironment out;
  auto current_value = [&](const std::string& name, std::string* value) {
    for (const std::string& kv : current) {
      if (kv.size() > name.size() && kv.compare(0, name.size(), name) == 0 &&
          kv[name.size()] == '=') {
        *value = kv.substr(name.size() + 1);
        return true;
      }
    }
    return false;
  };
  out.policy.keep = header.env_kept;
  for (size_t i = 0; i < header.env.size(); ++i) {
    const auto& [name, value] = header.env[i];
    const format::RedactedEnv* redacted = nullptr;
    for (const format::RedactedEnv& r : header.env_redacted)
      if (r.index == i) redacted = &r;
    if (redacted == nullptr) {
      out.env.push_back(name + "=" + value);
      // A name kept in clear stays in clear in a trace of this run (and one the rule would
      // not redact today stays as it was).
      if (LooksSecret(name, value) && !Contains(out.policy.keep, name)) {
        out.policy.keep.push_back(name);
      }
      continue;
    }
    if (!Contains(out.redacted, name)) out.redacted.push_back(name);
    if (!Contains(out.policy.redact, name)) out.policy.redact.push_back(name);
    std::string mine;
    if (!current_value(name, &mine)) {
      if (!Contains(out.missing, name)) out.missing.push_back(name);
      continue;
    }
    out.env.push_back(name + "=" + mine);
    Result<std::string> digest = EnvDigest(header.env_digest_scheme, header.env_salt, name, mine);
    if (!digest.ok()) {
      out.unknown_scheme = true;
    } else if (digest.value() != redacted->digest && !Contains(out.differs, name)) {
      out.differs.push_back(name);
    }
  }
  return out;
}

namespace {

// The GNU build-id in the PT_NOTE segments of an ELF file ("" if none); false if the file
// is not a 64-bit ELF that can be read.
bool ReadBuildId(int fd, uint64_t file_size, std::string* build_id) {
  Elf64_Ehdr eh;
  if (pread(fd, &eh, sizeof(eh), 0) != static_cast<ssize_t>(sizeof(eh))) return false;
  if (std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64) {
    return false;
  }
  if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum > 4096) return false;
  for (uint32_t i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    if (pread(fd, &ph, sizeof(ph), static_cast<off_t>(eh.e_phoff + i * sizeof(ph))) !=
        static_cast<ssize_t>(sizeof(ph))) {
      return false;
    }
    if (ph.p_type != PT_NOTE || ph.p_filesz > (1u << 20) || ph.p_offset > file_size ||
        ph.p_filesz > file_size - ph.p_offset) {
      continue;
    }
    std::string notes(ph.p_filesz, '\0');
    if (pread(fd, notes.data(), notes.size(), static_cast<off_t>(ph.p_offset)) !=
        static_cast<ssize_t>(notes.size())) {
      continue;
    }
    size_t at = 0;
    while (at + sizeof(Elf64_Nhdr) <= notes.size()) {
      Elf64_Nhdr nh;
      std::memcpy(&nh, notes.data() + at, sizeof(nh));
      size_t name_at = at + sizeof(nh);
      size_t desc_at = name_at + ((nh.n_namesz + 3u) & ~3u);
      size_t next = desc_at + ((nh.n_descsz + 3ull) & ~3ull);
      if (nh.n_namesz > notes.size() || nh.n_descsz > notes.size() || next > notes.size()) break;
      if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
          std::memcmp(notes.data() + name_at, "GNU", 4) == 0) {
        *build_id =
            Hex(reinterpret_cast<const unsigned char*>(notes.data() + desc_at), nh.n_descsz);
        return true;
      }
      at = next;
    }
  }
  return true;
}

bool Sha256File(int fd, std::string* out) {
  const Crypto& crypto = LoadCrypto();
  if (!crypto.error.empty()) return false;
  EVP_MD_CTX* ctx = crypto.md_ctx_new();
  if (ctx == nullptr) return false;
  bool ok = crypto.digest_init(ctx, crypto.sha256(), nullptr) == 1;
  char buf[1 << 16];
  off_t at = 0;
  while (ok) {
    ssize_t n = pread(fd, buf, sizeof(buf), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    ok = crypto.digest_update(ctx, buf, static_cast<size_t>(n)) == 1;
    at += n;
  }
  unsigned char md[32];
  unsigned int len = 0;
  ok = ok && crypto.digest_final(ctx, md, &len) == 1;
  crypto.md_ctx_free(ctx);
  if (ok) *out = Hex(md, len);
  return ok;
}

}  // namespace

Result<ExecutableIdentity> IdentifyExecutable(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return MakeError("cannot read '" + path + "': " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0) {
    std::string why = std::strerror(errno);
    close(fd);
    return MakeError("cannot read '" + path + "': " + why);
  }
  using Key = std::tuple<std::string, dev_t, ino_t, off_t, int64_t, int64_t>;
  static std::mutex mutex;
  static auto* cache = new std::map<Key, ExecutableIdentity>;
  Key key{path, st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec, st.st_mtim.tv_nsec};
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache->find(key);
    if (it != cache->end()) {
      close(fd);
      return it->second;
    }
  }
  ExecutableIdentity id;
  bool elf = ReadBuildId(fd, static_cast<uint64_t>(st.st_size), &id.build_id);
  if (!elf || id.build_id.empty()) {
    if (!Sha256File(fd, &id.sha256)) {
      close(fd);
      return MakeError("cannot read '" + path + "' to compute its digest");
    }
  }
  close(fd);
  std::lock_guard<std::mutex> lock(mutex);
  (*cache)[key] = id;
  return id;
}

}  // namespace weft::session
