// instrument.cc — the compiler commands of instrumented builds (weft/instrument.h).
#include "weft/instrument.h"

#include <elf.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "weft/api.h"

extern char** environ;

namespace weft::api {
namespace {

bool IsFile(const std::string& path) { return access(path.c_str(), R_OK) == 0; }

// The first few KiB of `compiler --version`'s stdout; false when it cannot be run or fails.
bool VersionText(const std::string& compiler, std::string* text) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return false;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::string arg0 = compiler, arg1 = "--version";
  char* argv[] = {arg0.data(), arg1.data(), nullptr};
  pid_t pid;
  int rc = posix_spawnp(&pid, compiler.c_str(), &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (rc == 0) {
    char buf[512];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0)
      if (text->size() < 4096) text->append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  if (rc != 0) return false;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 && !text->empty();
}

// Options after which the compiler does not link.
bool StopsBeforeLinking(const std::string& arg) {
  return arg == "-c" || arg == "-S" || arg == "-E" || arg == "-M" || arg == "-MM" ||
         arg == "-fsyntax-only";
}

}  // namespace

Result<std::string> FindRuntimeDir() {
  const char* env = std::getenv("WEFT_RUNTIME_DIR");
  if (env != nullptr && *env != '\0') {
    if (IsFile(std::string(env) + "/libweft_rt.so")) return std::string(env);
    return MakeError(std::string("WEFT_RUNTIME_DIR is '") + env +
                     "', which holds no libweft_rt.so");
  }
  Result<std::string> shim = FindShim();
  if (!shim.ok()) return MakeError(shim.error().message);
  std::string dir = shim.value().substr(0, shim.value().rfind('/'));
  if (!IsFile(dir + "/libweft_rt.so"))
    return MakeError("cannot find libweft_rt.so beside " + shim.value() +
                     " (rebuild weft, or set WEFT_RUNTIME_DIR)");
  return dir;
}

Result<Toolchain> ToolchainFor(const std::string& compiler) {
  std::string version;
  if (!VersionText(compiler, &version))
    return MakeError("cannot run the compiler '" + compiler + "' (" + compiler +
                     " --version failed; is it installed and on PATH?)");
  Result<std::string> dir = FindRuntimeDir();
  if (!dir.ok()) return MakeError(dir.error().message);
  Toolchain t;
  t.compiler = compiler;
  t.runtime_dir = dir.value();
  if (version.find("clang") != std::string::npos) {
    t.family = CompilerFamily::kClang;
  } else if (version.find("GCC") != std::string::npos ||
             version.find("Free Software Foundation") != std::string::npos) {
    t.family = CompilerFamily::kGcc;
  } else {
    return MakeError("'" + compiler + "' is neither gcc nor clang (its --version says: " +
                     version.substr(0, version.find('\n')) + "); weft cc supports these two");
  }
  return t;
}

Result<Toolchain> FindToolchain(bool cxx) {
  const char* var = cxx ? "WEFT_CXX" : "WEFT_CC";
  const char* env = std::getenv(var);
  std::string compiler = env != nullptr && *env != '\0' ? env : (cxx ? "g++" : "gcc");
  Result<Toolchain> t = ToolchainFor(compiler);
  if (!t.ok() && env != nullptr && *env != '\0')
    return MakeError(t.error().message + " (from $" + var + ")");
  return t;
}

std::vector<std::string> InstrumentCompileFlags(const Toolchain&) { return {"-fsanitize=thread"}; }

std::vector<std::string> InstrumentLinkFlags(const Toolchain& t) {
  std::vector<std::string> flags = {"-fsanitize=thread"};
  if (t.family == CompilerFamily::kClang) {
    // Keep clang's own runtime out; name ours by path so no library search can miss it.
    flags.push_back("-fno-sanitize-link-runtime");
    flags.push_back("-Wl,--push-state,--no-as-needed");
    flags.push_back(t.runtime_dir + "/libweft_rt.so");
    flags.push_back("-Wl,--pop-state");
  } else {
    // gcc adds `-ltsan` itself: this directory's libtsan.so is libweft_rt.so.
    flags.push_back("-L" + t.runtime_dir + "/gcc");
  }
  flags.push_back("-Wl,-rpath," + t.runtime_dir);
  return flags;
}

std::vector<std::string> InstrumentRustFlags(const std::string& runtime_dir) {
  // NB: the runtime goes before the arguments rustc adds (-Zpre-link-arg), so that it comes
  // before libc.so.6 among the program's libraries: else the program's malloc and free are
  // glibc's and the shim never hears of a block freed and allocated again (a std::thread's
  // boxed closure, freed by the new thread and handed to the next one, raced with itself).
  return {"-Zsanitizer=thread",
          "-Zexternal-clangrt",
          "-Cunsafe-allow-abi-mismatch=sanitizer",
          "-Zpre-link-arg=-Wl,--push-state,--no-as-needed",
          "-Zpre-link-arg=" + runtime_dir + "/libweft_rt.so",
          "-Zpre-link-arg=-Wl,--pop-state",
          "-Clink-arg=-Wl,-rpath," + runtime_dir};
}

Result<std::vector<std::string>> CompilerCommand(const Toolchain& t,
                                                 const std::vector<std::string>& args) {
  bool links = true;
  for (const std::string& a : args) {
    if (a == "-static" || a == "-static-pie")
      return MakeError(a +
                       " is not supported: weft's runtime (libweft_rt.so) and its shim "
                       "are shared libraries, and weft runs dynamically linked programs");
    if (StopsBeforeLinking(a)) links = false;
  }
  std::vector<std::string> command = {t.compiler};
  command.insert(command.end(), args.begin(), args.end());
  for (const std::string& f : InstrumentCompileFlags(t)) command.push_back(f);
  if (links) {
    for (const std::string& f : InstrumentLinkFlags(t))
      if (f != "-fsanitize=thread") command.push_back(f);
  }
  return command;
}

bool LinksWeftRuntime(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  auto read_at = [fd](void* into, size_t size, uint64_t at) {
    return pread(fd, into, size, static_cast<off_t>(at)) == static_cast<ssize_t>(size);
  };
  bool found = false;
  Elf64_Ehdr eh;
  if (read_at(&eh, sizeof(eh), 0) && std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0 &&
      eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_shentsize == sizeof(Elf64_Shdr) &&
      eh.e_shnum < 4096) {
    for (uint32_t i = 0; i < eh.e_shnum && !found; ++i) {
      Elf64_Shdr dyn, str;
      if (!read_at(&dyn, sizeof(dyn), eh.e_shoff + i * sizeof(Elf64_Shdr))) break;
      if (dyn.sh_type != SHT_DYNAMIC || dyn.sh_link >= eh.e_shnum || dyn.sh_size > (1u << 20)) {
        continue;
      }
      if (!read_at(&str, sizeof(str), eh.e_shoff + dyn.sh_link * sizeof(Elf64_Shdr))) break;
      if (str.sh_size > (1u << 24)) continue;
      std::vector<Elf64_Dyn> entries(dyn.sh_size / sizeof(Elf64_Dyn));
      std::string names(str.sh_size, '\0');
      if (!read_at(entries.data(), entries.size() * sizeof(Elf64_Dyn), dyn.sh_offset) ||
          !read_at(names.data(), names.size(), str.sh_offset)) {
        continue;
      }
      for (const Elf64_Dyn& d : entries) {
        if (d.d_tag == DT_NULL) break;
        if (d.d_tag != DT_NEEDED || d.d_un.d_val >= names.size()) continue;
        if (std::strncmp(names.c_str() + d.d_un.d_val, "libweft_rt.so", 13) == 0) found = true;
      }
    }
  }
  close(fd);
  return found;
}

}  // namespace weft::api
