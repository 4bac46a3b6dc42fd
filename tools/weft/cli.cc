#include "cli.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "weft/shim_abi.h"

namespace weft::cli {
namespace {

bool IsOption(const std::string& a) { return a.size() > 1 && a[0] == '-'; }

}  // namespace

Args::Args(std::vector<std::string> args, bool takes_program,
           const std::vector<std::string>& value_options) {
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (takes_program && a == "--") {
      ++i;
      break;
    }
    if (takes_program && !IsOption(a)) break;  // the program starts here
    options_.push_back(a);
    bool takes_value = false;
    for (const std::string& v : value_options) takes_value |= (a == v);
    if (takes_value && i + 1 < args.size()) options_.push_back(args[++i]);
  }
  for (; i < args.size(); ++i) program_.push_back(args[i]);
  used_.assign(options_.size(), false);
}

bool Args::Flag(const std::string& name) {
  bool found = false;
  for (size_t i = 0; i < options_.size(); ++i) {
    if (!used_[i] && options_[i] == name) {
      used_[i] = true;
      found = true;
    }
  }
  return found;
}

bool Args::Value(const std::string& name, std::string* out, const std::string& short_name) {
  bool found = false;
  for (size_t i = 0; i < options_.size(); ++i) {
    if (used_[i]) continue;
    const std::string& a = options_[i];
    if (a == name || (!short_name.empty() && a == short_name)) {
      used_[i] = true;
      if (i + 1 >= options_.size()) {
        error_ = "option " + a + " needs a value";
        return false;
      }
      used_[i + 1] = true;
      spelled_ = a;
      *out = options_[++i];
      found = true;
    } else if (a.rfind(name + "=", 0) == 0) {
      used_[i] = true;
      spelled_ = name;
      *out = a.substr(name.size() + 1);
      found = true;
    }
  }
  return found;
}

std::vector<std::string> Args::Values(const std::string& name) {
  std::vector<std::string> out;
  for (size_t i = 0; i < options_.size(); ++i) {
    if (used_[i]) continue;
    const std::string& a = options_[i];
    if (a == name) {
      used_[i] = true;
      if (i + 1 >= options_.size()) {
        error_ = "option " + a + " needs a value";
        break;
      }
      used_[i + 1] = true;
      out.push_back(options_[++i]);
    } else if (a.rfind(name + "=", 0) == 0) {
      used_[i] = true;
      out.push_back(a.substr(name.size() + 1));
    }
  }
  return out;
}

bool Args::Uint(const std::string& name, uint64_t* out, const std::string& short_name) {
  std::string v;
  if (!Value(name, &v, short_name)) return false;
  char* end = nullptr;
  errno = 0;
  unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || v[0] == '-') {
    error_ = "option " + spelled_ + " needs a non-negative integer, not '" + v + "'";
    return false;
  }
  *out = n;
  return true;
}

bool Args::Positive(const std::string& name, uint64_t* out, const std::string& short_name,
                    const std::string& hint) {
  uint64_t n = 0;
  if (!Uint(name, &n, short_name)) return false;
  if (n == 0) {
    if (error_.empty()) error_ = "option " + spelled_ + " must be at least 1, not 0 (" + hint + ")";
    return false;
  }
  *out = n;
  return true;
}

bool Args::Double(const std::string& name, double* out) {
  std::string v;
  if (!Value(name, &v)) return false;
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || d < 0) {
    error_ = "option " + name + " needs a non-negative number, not '" + v + "'";
    return false;
  }
  *out = d;
  return true;
}

Status Args::Finish() {
  if (!error_.empty()) return MakeError(error_);
  for (size_t i = 0; i < options_.size(); ++i) {
    if (used_[i]) continue;
    if (IsOption(options_[i])) return MakeError("unknown option '" + options_[i] + "'");
    positional_.push_back(options_[i]);
  }
  return Status::Ok();
}

std::string Plural(uint64_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

Status CreateParentDirectories(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return Status::Ok();
  std::string dir = path.substr(0, slash);
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string prefix = dir.substr(0, pos);
    if (mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST) {
      return MakeError("cannot create the directory '" + prefix + "': " + std::strerror(errno));
    }
  }
  struct stat st;
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return MakeError("cannot write into '" + dir + "': it is not a directory");
  }
  return Status::Ok();
}

void Say(const std::string& message) { std::fprintf(stderr, "weft: %s\n", message.c_str()); }

int Fail(const std::string& command, const std::string& message) {
  std::fprintf(stderr, "weft %s: error: %s\n", command.c_str(), message.c_str());
  return kExitUsage;
}

api::Host CliHost() {
  api::Host host;
  host.cpu = PickCpu();
  host.handle_signals = true;  // Ctrl-C ends a search after its current run
  host.note = [](const std::string& text) { Say(text); };
  return host;
}

int PickCpu() {
  int cpu = sched_getcpu();
  return cpu < 0 ? -1 : cpu;
}

std::string MemoryNote(bool instrumented, uint64_t memory_events) {
  if (memory_events != 0 && !instrumented) {
    return "atomic instructions were interleaved (atomic sites), plain memory accesses were "
           "not: build with weft cc to search them";
  }
  if (memory_events != 0) return "";
  if (!instrumented) return search::kMemoryNotInterleaved;
  return "plain memory accesses were not interleaved: no memory location was shared by two "
         "threads at a site known to weft";
}

std::string AtomicNote(const session::AtomicSitesSummary& a) {
  if (!a.error.empty()) return "note: atomic sites: " + a.error + "; none were schedule points";
  if (!a.scanned) return "";
  if (a.instrumented && a.listed == 0) return "";  // weft cc's own atomics reach the runtime
  std::string where;
  for (const session::AtomicModuleSummary& m : a.modules) {
    if (m.listed == 0 && &m != &a.modules.front()) continue;
    size_t slash = m.path.rfind('/');
    std::string name = slash == std::string::npos ? m.path : m.path.substr(slash + 1);
    where += (where.empty() ? "" : ", ") + std::to_string(m.listed) + " in " + name;
  }
  if (where.empty()) where = "none in the program";
  uint64_t unpatchable = 0;
  for (const session::AtomicModuleSummary& m : a.modules) unpatchable += m.unpatchable;
  std::string text = "atomic sites: " + search::Plural(a.patched, "atomic instruction") + " (" +
                     where + (a.patched == 1 ? ") was a schedule point" : ") were schedule points");
  if (a.patched < a.listed) {
    text += "; " + std::to_string(a.listed - a.patched) +
            " listed were not patched (their module was not mapped at start-up, its bytes "
            "differ from the file, or no room for trampolines near it)";
  }
  if (unpatchable != 0) {
    text += "; " + std::to_string(unpatchable) +
            " more could not be (a jump target or a call within 5 bytes)";
  }
  if (a.dropped != 0) {
    text += "; " + std::to_string(a.dropped) + " did not fit weft's table of " +
            std::to_string(WEFT_MAX_ATOMIC_SITES) + " and were not schedule points";
  }
  return text;
}

void WriteAtomicField(json::Writer& w, const session::AtomicSitesSummary& a) {
  w.Key("atomic_sites").BeginObject();
  w.Field("scanned", a.scanned);
  w.Field("instrumented", a.instrumented);
  w.Field("listed", a.listed);
  w.Field("patched", a.patched);
  w.Field("dropped", a.dropped);
  w.Field("reached", a.reached);
  w.Key("modules").BeginArray();
  for (const session::AtomicModuleSummary& m : a.modules) {
    w.BeginObject();
    w.Field("path", m.path);
    w.Field("atomics", m.atomics);
    w.Field("thread_local", m.thread_local_);
    w.Field("unpatchable", m.unpatchable);
    w.Field("listed", m.listed);
    w.EndObject();
  }
  w.EndArray();
  if (a.error.empty()) {
    w.NullField("error");
  } else {
    w.Field("error", a.error);
  }
  w.EndObject();
}

void WriteMemoryField(json::Writer& w, const session::RunReport& r) {
  w.Key("memory").BeginObject();
  w.Field("instrumented", r.memory_instrumented);
  w.Field("interleaved", r.memory_events != 0);
  w.Field("events", r.memory_events);
  w.Field("sites_used", r.memory_sites_used);
  w.Field("sites_found", static_cast<uint64_t>(r.memory_sites_found.size()));
  w.Field("table_full", r.memory_table_full);
  w.EndObject();
  WriteAtomicField(w, r.atomic);
}

void WriteOutcomeFields(json::Writer& w, const format::Outcome& o) {
  using K = format::Outcome::Kind;
  if (o.kind == K::kExited) {
    w.Field("exit_code", o.exit_code);
  } else {
    w.NullField("exit_code");
  }
  if (o.kind == K::kSignaled) {
    w.Field("signal", o.signal);
  } else {
    w.NullField("signal");
  }
  w.Field("deadlock", o.kind == K::kDeadlock);
  w.Field("timeout", o.kind == K::kTimeout);
  w.Field("livelock", o.kind == K::kMaxSteps);
}

Result<std::shared_ptr<const std::string>> ProgramStdin(const std::string* file_arg,
                                                        bool for_search) {
  if (file_arg != nullptr) {
    const std::string& file = *file_arg;
    int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return MakeError("cannot read --stdin '" + file + "': " + std::strerror(errno));
    }
    std::string data;
    char buf[65536];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) != 0) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        int err = errno;
        close(fd);
        return MakeError("cannot read --stdin '" + file + "': " + std::strerror(err));
      }
      data.append(buf, static_cast<size_t>(n));
    }
    close(fd);
    return std::make_shared<const std::string>(std::move(data));
  }
  if (isatty(STDIN_FILENO)) {
    return for_search ? std::make_shared<const std::string>() : nullptr;
  }
  struct stat st;
  if (fstat(STDIN_FILENO, &st) != 0) return std::shared_ptr<const std::string>();  // closed
  std::string data;
  char buf[65536];
  bool told = false;
  for (;;) {
    if (!told) {
      struct pollfd p = {STDIN_FILENO, POLLIN, 0};
      int ready = poll(&p, 1, 2000);
      if (ready == 0) {
        Say("note: reading stdin to its end, to give it to the program (give --stdin FILE, "
            "or </dev/null, when it has none)");
        told = true;
      }
      if (ready < 0 && errno == EINTR) continue;
    }
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return MakeError(std::string("cannot read stdin: ") + std::strerror(errno));
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  return std::make_shared<const std::string>(std::move(data));
}

Result<ProgressFormat> ProgressOption(Args& args) {
  std::string value = "text";
  args.Value("--progress", &value);
  if (value == "text") return ProgressFormat::kText;
  if (value == "jsonl") return ProgressFormat::kJsonl;
  return MakeError("--progress takes text or jsonl, not '" + value + "'");
}

void PrintProgressJsonl(const ProgressLine& line) {
  json::Writer w;
  w.BeginObject();
  w.Field("schema", kSchemaProgress);
  w.Field("command", line.command);
  w.Field("run", line.run);
  w.Field("runs", line.runs);
  if (line.seed >= 0) {
    w.Field("seed", line.seed);
  } else {
    w.NullField("seed");
  }
  w.Field("elapsed_seconds", line.elapsed_seconds);
  w.Field("runs_per_second",
          line.elapsed_seconds > 0 ? static_cast<double>(line.run) / line.elapsed_seconds : 0.0);
  if (line.failed >= 0) {
    w.Field("failed", line.failed != 0);
  } else {
    w.NullField("failed");
  }
  w.Field("failures", line.failures);
  if (line.preemptions >= 0) {
    w.Field("preemptions", line.preemptions);
  } else {
    w.NullField("preemptions");
  }
  w.EndObject();
  std::string text = w.TakeString() + "\n";
  // One write per line, so that lines of concurrent writers never interleave.
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

double MonotonicSeconds() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string TraceStem(const std::string& path) {
  const std::string suffix = ".weft";
  bool has = path.size() > suffix.size() &&
             path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  return has ? path.substr(0, path.size() - suffix.size()) : path;
}

std::string HumanBytes(uint64_t bytes) {
  char buf[32];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(bytes));
  } else if (bytes < 1024 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.1f KiB", static_cast<double>(bytes) / 1024);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f MiB", static_cast<double>(bytes) / (1024 * 1024));
  }
  return buf;
}

std::string ShellQuote(const std::string& arg) {
  bool plain = !arg.empty();
  for (char c : arg) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '-' || c == '_' ||
          c == '=' || c == ':' || c == '+' || c == ',')) {
      plain = false;
    }
  }
  if (plain) return arg;
  std::string q = "'";
  for (char c : arg) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

}  // namespace weft::cli
