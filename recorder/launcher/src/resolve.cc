// resolve.cc — ResolveProgram: finds the program and checks it can run under the shim.
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "weft/launcher.h"

namespace weft::launcher {
namespace {

constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

Error CannotRun(const std::string& what, const std::string& why) {
  return MakeError("cannot run '" + what + "': " + why);
}

std::string MachineName(uint16_t machine) {
  switch (machine) {
    case EM_386:
      return "x86 (32-bit)";
    case EM_AARCH64:
      return "AArch64";
    case EM_ARM:
      return "ARM";
    case EM_RISCV:
      return "RISC-V";
    case EM_PPC64:
      return "PowerPC64";
    case EM_S390:
      return "s390";
    default:
      return "machine type " + std::to_string(machine);
  }
}

// Reads up to `size` bytes at `offset`; returns how many were read.
size_t ReadAt(int fd, void* buf, size_t size, off_t offset) {
  size_t done = 0;
  while (done < size) {
    ssize_t n =
        pread(fd, static_cast<char*>(buf) + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

// The interpreter named on a "#!" line, for the error message.
std::string ShebangInterpreter(const char* head, size_t size) {
  std::string line(head + 2, size - 2);
  line = line.substr(0, line.find('\n'));
  size_t b = line.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = line.find_first_of(" \t\r", b);
  return line.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

// Checks an existing regular file: readable, an x86-64 ELF64 program with PT_INTERP.
Status CheckElf(const std::string& shown, const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return CannotRun(shown, std::string("cannot open it for reading (") + std::strerror(err) +
                                "); weft reads the program to check and symbolize it");
  }
  unsigned char head[256] = {};
  size_t got = ReadAt(fd, head, sizeof(head), 0);
  Status status = [&]() -> Status {
    if (got >= 2 && head[0] == '#' && head[1] == '!') {
      std::string interp = ShebangInterpreter(reinterpret_cast<const char*>(head), got);
      std::string interp_shown = interp.empty() ? "/bin/sh" : interp;
      return CannotRun(
          shown, "is a script (#!" + interp +
                     "); weft controls the program it starts and "
                     "the script's own interpreter, so run the program the script launches "
                     "directly (weft record -- ./prog args), or, to trace the interpreter with "
                     "everything it starts, name it: weft record -- " +
                     interp_shown + " " + shown);
    }
    if (got < SELFMAG || std::memcmp(head, ELFMAG, SELFMAG) != 0) {
      return CannotRun(shown,
                       "not an ELF program (unknown file format); weft runs native "
                       "x86-64 Linux executables");
    }
    if (got < EI_NIDENT || head[EI_CLASS] != ELFCLASS64) {
      std::string which =
          head[EI_CLASS] == ELFCLASS32 ? "a 32-bit ELF program" : "an ELF file of unknown class";
      return CannotRun(shown, "is " + which + "; weft supports 64-bit x86-64 programs only");
    }
    if (head[EI_DATA] != ELFDATA2LSB || got < sizeof(Elf64_Ehdr)) {
      return CannotRun(shown,
                       "is not a little-endian ELF64 file; weft supports 64-bit "
                       "x86-64 programs only");
    }
    Elf64_Ehdr ehdr;
    std::memcpy(&ehdr, head, sizeof(ehdr));
    if (ehdr.e_machine != EM_X86_64) {
      return CannotRun(shown, "is built for " + MachineName(ehdr.e_machine) +
                                  ", not x86-64; weft supports x86-64 programs only");
    }
    if (ehdr.e_type == ET_REL) {
      return CannotRun(shown, "is an object file (.o), not a program; link it first");
    }
    if (ehdr.e_type == ET_CORE) {
      return CannotRun(shown, "is a core dump, not a program");
    }
    if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) {
      return CannotRun(
          shown, "is not an executable ELF file (e_type " + std::to_string(ehdr.e_type) + ")");
    }
    if (ehdr.e_phentsize != sizeof(Elf64_Phdr) || ehdr.e_phnum == 0 || ehdr.e_phnum > 4096) {
      return CannotRun(shown, "has no usable program headers; is it a damaged file?");
    }
    std::vector<Elf64_Phdr> phdrs(ehdr.e_phnum);
    size_t want = phdrs.size() * sizeof(Elf64_Phdr);
    if (ReadAt(fd, phdrs.data(), want, static_cast<off_t>(ehdr.e_phoff)) != want) {
      return CannotRun(shown, "its program headers are truncated; is it a damaged file?");
    }
    bool has_interp = false, has_dynamic = false;
    for (const Elf64_Phdr& ph : phdrs) {
      has_interp |= ph.p_type == PT_INTERP;
      has_dynamic |= ph.p_type == PT_DYNAMIC;
    }
    if (!has_interp) {
      if (ehdr.e_type == ET_DYN && has_dynamic && ehdr.e_entry == 0) {
        return CannotRun(shown, "is a shared library, not a program");
      }
      return CannotRun(shown,
                       "statically linked; weft's shim needs a dynamically linked "
                       "program (rebuild without -static)");
    }
    return Status::Ok();
  }();
  close(fd);
  return status;
}

// Checks one candidate path; `shown` is what the user typed.
Status CheckCandidate(const std::string& shown, const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT) return CannotRun(shown, "no such file");
    if (err == ENOTDIR)
      return CannotRun(shown,
                       "no such file (a part of the path is not a "
                       "directory)");
    return CannotRun(shown, std::string("cannot look at it: ") + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) return CannotRun(shown, "is a directory, not a program");
  if (!S_ISREG(st.st_mode)) return CannotRun(shown, "not a regular file");
  if (access(path.c_str(), X_OK) != 0) {
    return CannotRun(shown,
                     "not executable (permission denied); make it executable "
                     "(chmod +x) or check the mount's noexec option");
  }
  return CheckElf(shown, path);
}

std::string Absolute(const std::string& path) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(path, ec);
  if (ec) return path;
  return abs.lexically_normal().string();
}

}  // namespace

Result<ResolvedProgram> ResolveProgram(const std::string& argv0) {
  if (argv0.empty()) return MakeError("cannot run '': no program given");
  if (argv0.find('/') != std::string::npos) {
    Status st = CheckCandidate(argv0, argv0);
    if (!st.ok()) return st.error();
    return ResolvedProgram{Absolute(argv0)};
  }

  // Like execvp: the first PATH entry holding an executable regular file wins; an empty
  // entry means the current directory.
  const char* env_path = std::getenv("PATH");
  std::string path_list = env_path != nullptr ? env_path : kDefaultPath;
  std::string first_unusable;
  Status first_problem;
  size_t pos = 0;
  for (;;) {
    size_t colon = path_list.find(':', pos);
    std::string dir = path_list.substr(pos, colon == std::string::npos ? colon : colon - pos);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + argv0;
    struct stat st;
    if (stat(candidate.c_str(), &st) == 0) {
      if (S_ISREG(st.st_mode) && access(candidate.c_str(), X_OK) == 0) {
        Status check = CheckElf(candidate, candidate);
        if (!check.ok()) return check.error();
        return ResolvedProgram{Absolute(candidate)};
      }
      if (first_unusable.empty()) {
        first_unusable = candidate;
        first_problem = CheckCandidate(candidate, candidate);
      }
    }
    if (colon == std::string::npos) break;
    pos = colon + 1;
  }
  if (!first_unusable.empty() && !first_problem.ok()) {
    return MakeError("cannot run '" + argv0 +
                     "': not found as a program in PATH; the "
                     "closest match: " +
                     first_problem.error().message);
  }
  return MakeError("cannot run '" + argv0 + "': not found in PATH (" + path_list +
                   "); give a path, e.g. ./" + argv0);
}

}  // namespace weft::launcher
