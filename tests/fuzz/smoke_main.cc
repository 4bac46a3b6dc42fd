// smoke_main.cc — a libFuzzer-free driver for trace_reader_fuzz.cc, so that every build
// (gcc included) checks the trace reader on hostile bytes: it feeds each file of the given
// corpus directories, then a fixed number of deterministic mutations of them (bit flips,
// interesting bytes, huge varints, truncations, insertions, deletions, repeats, splices, and
// edits of the protobuf structure that keep it well-formed: values, packed columns, fields
// and packets changed, repeated, dropped), through LLVMFuzzerTestOneInput.
//
//   trace_reader_fuzz_smoke [--mutations N] [--seed S] [--save DIR] CORPUS_DIR...
//
// A reader crash or abort fails it (the driver names the input and dies of the signal); an
// input that takes longer than --hang-seconds (default 5) is a hang: named, exit status 1.
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
        b = b.substr(0, b.empty() ? 0 : rng.Below(b.size())) +
            other.substr(rng.Below(other.size()));
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

// One field of a protobuf message in wire format, parsed without the schema, so that a
// mutation can change a value and keep every enclosing length right (the reader then gets
// past the parser to its own checks: ids, columns, references).
struct WireField {
  uint64_t tag = 0;               // field number << 3 | wire type
  uint64_t varint = 0;            // wire type 0
  std::string raw;                // wire types 1 and 5, and 2 when it is not a message
  std::vector<WireField> fields;  // wire type 2 that parses as a message
  bool message = false;
};

bool ReadVarint(const std::string& b, size_t end, size_t* pos, uint64_t* value) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && *pos < end; shift += 7) {
    auto byte = static_cast<uint8_t>(b[(*pos)++]);
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *value = v;
      return true;
    }
  }
  return false;
}

void WriteVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Parses b[begin, end) as a message; false if it is not one.
bool ParseMessage(const std::string& b, size_t begin, size_t end, int depth,
                  std::vector<WireField>* out) {
  size_t pos = begin;
  while (pos < end) {
    WireField f;
    if (!ReadVarint(b, end, &pos, &f.tag) || (f.tag >> 3) == 0) return false;
    uint64_t len = 0;
    switch (f.tag & 7) {
      case 0:
        if (!ReadVarint(b, end, &pos, &f.varint)) return false;
        break;
      case 1:
      case 5:
        len = (f.tag & 7) == 1 ? 8 : 4;
        if (end - pos < len) return false;
        f.raw = b.substr(pos, len);
        pos += len;
        break;
      case 2:
        if (!ReadVarint(b, end, &pos, &len) || end - pos < len) return false;
        f.raw = b.substr(pos, len);
        f.message = len > 0 && depth < 8 && ParseMessage(b, pos, pos + len, depth + 1, &f.fields);
        if (!f.message) f.fields.clear();
        pos += len;
        break;
      default:
        return false;
    }
    out->push_back(std::move(f));
  }
  return true;
}

void SerializeMessage(const std::vector<WireField>& fields, std::string* out) {
  for (const WireField& f : fields) {
    WriteVarint(out, f.tag);
    switch (f.tag & 7) {
      case 0:
        WriteVarint(out, f.varint);
        break;
      case 2: {
        std::string body;
        if (f.message) {
          SerializeMessage(f.fields, &body);
        } else {
          body = f.raw;
        }
        WriteVarint(out, body.size());
        *out += body;
        break;
      }
      default:
        *out += f.raw;
        break;
    }
  }
}

// A trace as its preamble (opaque bytes) and its length-delimited packets.
struct Framed {
  std::string preamble;
  std::vector<std::vector<WireField>> packets;
};

// Finds the preamble's length (the first offset from which the rest is whole packets) and
// parses the packets; false if `b` is not framed so.
bool Unframe(const std::string& b, Framed* out) {
  for (size_t start = 1; start <= std::min<size_t>(32, b.size()); ++start) {
    Framed framed;
    framed.preamble = b.substr(0, start);
    size_t pos = start;
    bool ok = true;
    while (ok && pos < b.size()) {
      uint64_t len = 0;
      std::vector<WireField> packet;
      ok = ReadVarint(b, b.size(), &pos, &len) && b.size() - pos >= len &&
           ParseMessage(b, pos, pos + len, 0, &packet);
      pos += len;
      framed.packets.push_back(std::move(packet));
    }
    if (ok && !framed.packets.empty()) {
      *out = std::move(framed);
      return true;
    }
  }
  return false;
}

std::string Reframe(const Framed& framed) {
  std::string out = framed.preamble;
  for (const auto& packet : framed.packets) {
    std::string body;
    SerializeMessage(packet, &body);
    WriteVarint(&out, body.size());
    out += body;
  }
  return out;
}

void CollectFields(std::vector<WireField>& fields, std::vector<std::vector<WireField>*>* lists,
                   std::vector<WireField*>* all) {
  lists->push_back(&fields);
  for (WireField& f : fields) {
    all->push_back(&f);
    if (f.message) CollectFields(f.fields, lists, all);
  }
}

// Values on the reader's edges: ids and counts far beyond the input, signed overflows.
uint64_t InterestingValue(uint64_t old, Rng& rng) {
  static constexpr uint64_t kValues[] = {
      0, 1, 2, 0x7f, 0x80, 0xffff, 0x7fffffff, 0xffffffff, 0x100000000, 1ull << 63, ~0ull};
  switch (rng.Below(4)) {
    case 0:
      return old + 1;
    case 1:
      return old - 1;
    case 2:
      return old * (2 + rng.Below(1000));
    default:
      return kValues[rng.Below(sizeof(kValues) / sizeof(kValues[0]))];
  }
}

// Changes a value, a packed column, a field or a packet of `b` and keeps the framing valid;
// false (and `b` unchanged) if `b` is not a framed trace.
bool MutateStructure(std::string& b, Rng& rng) {
  Framed framed;
  if (!Unframe(b, &framed)) return false;
  std::vector<std::vector<WireField>*> lists;
  std::vector<WireField*> all;
  for (auto& packet : framed.packets) CollectFields(packet, &lists, &all);
  auto& packets = framed.packets;
  switch (rng.Below(6)) {
    case 0: {  // a varint value
      std::vector<WireField*> varints;
      for (WireField* f : all) {
        if ((f->tag & 7) == 0) varints.push_back(f);
      }
      if (varints.empty()) return false;
      WireField* f = varints[rng.Below(varints.size())];
      f->varint = InterestingValue(f->varint, rng);
      break;
    }
    case 1: {  // one entry of a packed column (or a string): changed, dropped or added
      std::vector<WireField*> packed;
      for (WireField* f : all) {
        if ((f->tag & 7) == 2 && !f->message) packed.push_back(f);
      }
      if (packed.empty()) return false;
      WireField* f = packed[rng.Below(packed.size())];
      std::vector<uint64_t> values;
      size_t pos = 0;
      uint64_t v;
      while (pos < f->raw.size() && ReadVarint(f->raw, f->raw.size(), &pos, &v))
        values.push_back(v);
      size_t at = values.empty() ? 0 : rng.Below(values.size());
      size_t op = rng.Below(3);
      if (op == 0 && !values.empty()) {
        values[at] = InterestingValue(values[at], rng);
      } else if (op == 1 && !values.empty()) {
        values.erase(values.begin() + at);
      } else {
        values.insert(values.begin() + at, InterestingValue(0, rng));
      }
      f->raw.clear();
      for (uint64_t x : values) WriteVarint(&f->raw, x);
      break;
    }
    case 2: {  // a field repeated (a redefinition) or dropped (a missing definition)
      std::vector<WireField>* list = lists[rng.Below(lists.size())];
      if (list->empty()) return false;
      size_t at = rng.Below(list->size());
      if (rng.Below(2) == 0) {
        list->insert(list->begin() + at, (*list)[at]);
      } else {
        list->erase(list->begin() + at);
      }
      break;
    }
    case 3:  // a packet repeated
      packets.insert(packets.begin() + rng.Below(packets.size() + 1),
                     packets[rng.Below(packets.size())]);
      break;
    case 4:  // a packet dropped
      packets.erase(packets.begin() + rng.Below(packets.size()));
      break;
    default:  // two packets swapped
      std::swap(packets[rng.Below(packets.size())], packets[rng.Below(packets.size())]);
      break;
  }
  b = Reframe(framed);
  return true;
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
  static const char kPrefix[] = "trace_reader_fuzz_smoke: hang (beyond --hang-seconds) in ";
  static const char kSuffix[] = "\n";
  (void)!write(STDERR_FILENO, kPrefix, sizeof(kPrefix) - 1);
  (void)!write(STDERR_FILENO, g_current_name, strnlen(g_current_name, sizeof(g_current_name)));
  (void)!write(STDERR_FILENO, kSuffix, sizeof(kSuffix) - 1);
  _exit(1);
}

// Replaces the content of the open file `fd` with `bytes`. NB: the file stays open: closing
// a file truncated to zero makes ext4 flush it to disk (auto_da_alloc), 3 ms per input.
// A crash of the reader: names the input, then dies of the same signal.
void OnCrash(int sig) {
  static const char kPrefix[] = "trace_reader_fuzz_smoke: crash in ";
  static const char kSuffix[] = "\n";
  (void)!write(STDERR_FILENO, kPrefix, sizeof(kPrefix) - 1);
  (void)!write(STDERR_FILENO, g_current_name, strnlen(g_current_name, sizeof(g_current_name)));
  (void)!write(STDERR_FILENO, kSuffix, sizeof(kSuffix) - 1);
  raise(sig);  // SA_RESETHAND: the default action now
}

// Installs OnCrash for the fatal signals nobody handles yet (a sanitizer's own handler,
// which prints a better report, stays in place).
void HandleCrashes() {
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) {
    struct sigaction old = {};
    if (sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;
    struct sigaction sa = {};
    sa.sa_handler = OnCrash;
    sa.sa_flags = SA_RESETHAND | SA_NODEFER;
    sigaction(sig, &sa, nullptr);
  }
}

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
    std::string given;
    for (const std::string& dir : dirs) given += " '" + dir + "'";
    std::fprintf(stderr,
                 "trace_reader_fuzz_smoke: no corpus files in%s; pass a directory of traces "
                 "(tests/fuzz/corpus)\n",
                 given.empty() ? " (no directory given)" : given.c_str());
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
  HandleCrashes();

  auto run_one = [&](const std::string& name, const std::string& bytes) {
    std::snprintf(g_current_name, sizeof(g_current_name), "%s (the input is saved in %s)",
                  name.c_str(), current.c_str());
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
    for (size_t e = 0; e < edits; ++e) {
      // Half of the edits keep the framing and the protobuf encoding valid.
      if (rng.Below(2) == 0 && MutateStructure(bytes, rng)) continue;
      MutateOnce(bytes, inputs[rng.Below(inputs.size())], rng);
    }
    run_one("mutation " + std::to_string(m) + " of " + names[from], bytes);
  }
  close(current_fd);
  unlink(current.c_str());
  if (temporary) rmdir(save_dir.c_str());
  std::printf("trace_reader_fuzz_smoke: %zu corpus inputs and %ld mutations, no crash or hang\n",
              inputs.size(), mutations);
  return 0;
}
