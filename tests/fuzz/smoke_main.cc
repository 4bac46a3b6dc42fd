// smoke_main.cc — a libFuzzer-free driver for trace_reader_fuzz.cc, so that every build
// (gcc included) checks the trace reader on hostile bytes: it feeds each file of the given
// corpus directories, then a fixed number of deterministic mutations of them (bit flips,
// interesting bytes, huge varints, truncations, insertions, deletions, repeats, splices),
// through LLVMFuzzerTestOneInput.
//
//   trace_reader_fuzz_smoke [--mutations N] [--seed S] [--save DIR] CORPUS_DIR...
//
// A reader crash or abort fails it (the process dies with the signal); an input that takes
// longer than --hang-seconds (default 5) is a hang: the driver names the input and exits 1.
// Every input is written to DIR/current before it runs (default: a temporary directory), so
// the one that crashed or hung is left there to reproduce with the libFuzzer build.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

// Deterministic pseudo-random numbers (xorshift64*): the same mutations on every machine.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ull + 1) {}
  uint64_t Next() {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545f4914f6cdd1dull;
  }
  // Uniform in [0, n); n > 0.
  size_t Below(size_t n) { return static_cast<size_t>(Next() % n); }

 private:
  uint64_t state_;
};

// Bytes that sit on the reader's edges: zero, one, the varint continuation bit, all ones.
constexpr uint8_t kInteresting[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0x81, 0xfe, 0xff};

// Applies one random edit to `b`; `other` is another corpus input (for splices).
void MutateOnce(std::string& b, const std::string& other, Rng& rng) {
  switch (rng.Below(9)) {
    case 0:  // flip one bit
      if (!b.empty()) b[rng.Below(b.size())] ^= static_cast<char>(1u << rng.Below(8));
      break;
    case 1:  // an interesting byte
      if (!b.empty()) {
        b[rng.Below(b.size())] = static_cast<char>(kInteresting[rng.Below(sizeof(kInteresting))]);
      }
      break;
    case 2: {  // a huge varint (a length or an id far beyond the input)
      static const char kHuge[] = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";
      size_t len = 2 + rng.Below(sizeof(kHuge) - 2);
      size_t at = b.empty() ? 0 : rng.Below(b.size());
      b.replace(at, std::min(len, b.size() - at), kHuge + (sizeof(kHuge) - 1 - len), len);
      break;
    }
    case 3:  // truncate
      b.resize(b.empty() ? 0 : rng.Below(b.size()));
      break;
    case 4: {  // insert random bytes
      size_t n = 1 + rng.Below(16);
      std::string bytes;
      for (size_t i = 0; i < n; ++i) bytes.push_back(static_cast<char>(rng.Next()));
      b.insert(b.empty() ? 0 : rng.Below(b.size() + 1), bytes);
      break;
    }
    case 5:  // delete a range
      if (!b.empty()) {
        size_t at = rng.Below(b.size());
        b.erase(at, 1 + rng.Below(std::min<size_t>(64, b.size() - at)));
      }
      break;
    case 6:  // repeat a range (duplicated packets, redefined ids)
      if (!b.empty()) {
        size_t at = rng.Below(b.size());
        std::string range = b.substr(at, 1 + rng.Below(std::min<size_t>(256, b.size() - at)));
        b.insert(at, range);
      }
      break;
    case 7:  // splice: this input's head, another's tail
      if (!other.empty()) {
        b = b.substr(0, b.empty() ? 0 : rng.Below(b.size())) + other.substr(rng.Below(other.size()));
      }
      break;
    default:  // add or subtract a little from one byte (lengths off by a few)
      if (!b.empty()) {
        size_t at = rng.Below(b.size());
        b[at] = static_cast<char>(static_cast<uint8_t>(b[at]) + rng.Below(9) - 4);
      }
      break;
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The regular files of `dir`, sorted by name (a fixed order: the same mutations everywhere).
std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    std::string path = dir + "/" + e->d_name;
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) out.push_back(path);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

// What the watchdog reports when an input hangs (set before each input; constant text).
char g_current_name[256] = "";

void OnHang(int) {
  static const char kPrefix[] = "trace_reader_fuzz_smoke: hang: input ";
  static const char kSuffix[] = " did not finish in time (left in the --save directory)\n";
  (void)!write(STDERR_FILENO, kPrefix, sizeof(kPrefix) - 1);
  (void)!write(STDERR_FILENO, g_current_name, strnlen(g_current_name, sizeof(g_current_name)));
  (void)!write(STDERR_FILENO, kSuffix, sizeof(kSuffix) - 1);
  _exit(1);
}

// Replaces the content of the open file `fd` with `bytes`. NB: the file stays open: closing
// a file truncated to zero makes ext4 flush it to disk (auto_da_alloc), 3 ms per input.
bool Save(int fd, const std::string& bytes) {
  return ftruncate(fd, 0) == 0 &&
         pwrite(fd, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  long mutations = 3000;
  uint64_t seed = 1;
  unsigned hang_seconds = 5;
  std::string save_dir;
  std::vector<std::string> dirs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--mutations" && i + 1 < argc) {
      mutations = std::strtol(argv[++i], nullptr, 10);
    } else if (a == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (a == "--hang-seconds" && i + 1 < argc) {
      hang_seconds = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
    } else if (a == "--save" && i + 1 < argc) {
      save_dir = argv[++i];
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr,
                   "usage: %s [--mutations N] [--seed S] [--hang-seconds S] [--save DIR] "
                   "CORPUS_DIR...\n",
                   argv[0]);
      return 2;
    } else {
      dirs.push_back(a);
    }
  }
  std::vector<std::string> names, inputs;
  for (const std::string& dir : dirs) {
    for (const std::string& path : FilesIn(dir)) {
      names.push_back(path);
      inputs.push_back(ReadFile(path));
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr,
                 "trace_reader_fuzz_smoke: no corpus files in the directories given; pass "
                 "tests/fuzz/corpus\n");
    return 1;
  }
  const bool temporary = save_dir.empty();
  if (temporary) {
    char tmpl[] = "/tmp/weft-fuzz-smoke-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      std::perror("trace_reader_fuzz_smoke: cannot create a directory in /tmp");
      return 1;
    }
    save_dir = tmpl;
  }
  const std::string current = save_dir + "/current";
  int current_fd = open(current.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (current_fd < 0) {
    std::fprintf(stderr, "trace_reader_fuzz_smoke: cannot create %s: %s\n", current.c_str(),
                 std::strerror(errno));
    return 1;
  }
  signal(SIGALRM, OnHang);

  auto run_one = [&](const std::string& name, const std::string& bytes) {
    std::snprintf(g_current_name, sizeof(g_current_name), "%s (%s)", name.c_str(),
                  current.c_str());
    if (!Save(current_fd, bytes)) {
      std::fprintf(stderr, "trace_reader_fuzz_smoke: cannot write %s: %s\n", current.c_str(),
                   std::strerror(errno));
      std::exit(1);
    }
    alarm(hang_seconds);
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    alarm(0);
  };

  for (size_t i = 0; i < inputs.size(); ++i) run_one(names[i], inputs[i]);
  Rng rng(seed);
  for (long m = 0; m < mutations; ++m) {
    size_t from = rng.Below(inputs.size());
    std::string bytes = inputs[from];
    size_t edits = 1 + rng.Below(4);
    for (size_t e = 0; e < edits; ++e) MutateOnce(bytes, inputs[rng.Below(inputs.size())], rng);
    run_one("mutation " + std::to_string(m) + " of " + names[from], bytes);
  }
  close(current_fd);
  unlink(current.c_str());
  if (temporary) rmdir(save_dir.c_str());
  std::printf("trace_reader_fuzz_smoke: %zu corpus inputs and %ld mutations, no crash or hang\n",
              inputs.size(), mutations);
  return 0;
}
