// weft merge — the shards of one search (weft explore --shard I/N --json) as one result.
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli.h"
#include "junit.h"
#include "weft/json.h"

namespace weft::cli {
namespace {

constexpr const char* kUsage = R"(usage: weft merge [options] SHARD.json...

Combines the --json results of the shards of one search (weft explore --shard I/N
--json, one file per shard, every shard of the N given once) into the result the
unsharded search gives: the same runs, the same failing runs and seeds, the same
first failure. Without --keep-going the unsharded search ends at its first failing
run: the runs of the shards past it are not counted, and their failures are listed
as later_failures, as explore lists those -j made while stopping.

options:
  --json        print one JSON object on stdout (weft.explore/1, see docs/JSON.md,
                with "merged": the files and shards; races are each shard's)
  --junit FILE  also write the merged search as a JUnit XML report (docs/ci.md)
  -h, --help    show this help

Exit status: 0 when no run failed, 1 when a failure was found, 2 on errors (a file
that is not a shard's result, shards of different searches, a shard missing).
)";

// A JSON value, as parsed.
struct JValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;  // a string's value, or a number as written
  std::vector<JValue> items;
  std::vector<std::pair<std::string, JValue>> fields;

  const JValue* Get(const std::string& key) const {
    for (const auto& [k, v] : fields) {
      if (k == key) return &v;
    }
    return nullptr;
  }
  bool IsNull() const { return kind == Kind::kNull; }
};

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  Result<JValue> Parse() {
    JValue v;
    if (!Value(&v, 0)) return MakeError(error_ + " at byte " + std::to_string(pos_));
    Blanks();
    if (pos_ != s_.size())
      return MakeError("text after the JSON value at byte " + std::to_string(pos_));
    return v;
  }

 private:
  void Blanks() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Fail(const std::string& why) {
    if (error_.empty()) error_ = why;
    return false;
  }
  bool Literal(const char* word) {
    size_t n = std::char_traits<char>::length(word);
    if (s_.compare(pos_, n, word) != 0) return Fail("not JSON");
    pos_ += n;
    return true;
  }
  bool String(std::string* out) {
    if (pos_ >= s_.size() || s_[pos_] != '"') return Fail("a string expected");
    ++pos_;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ >= s_.size()) return Fail("a string cut short");
      char e = s_[pos_++];
      switch (e) {
        case 'n':
          out->push_back('\n');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'u': {
          if (pos_ + 4 > s_.size()) return Fail("a \\u escape cut short");
          unsigned cp =
              static_cast<unsigned>(std::strtoul(s_.substr(pos_, 4).c_str(), nullptr, 16));
          pos_ += 4;
          if (cp >= 0xD800 && cp < 0xDC00 && s_.compare(pos_, 2, "\\u") == 0 &&
              pos_ + 6 <= s_.size()) {
            unsigned lo =
                static_cast<unsigned>(std::strtoul(s_.substr(pos_ + 2, 4).c_str(), nullptr, 16));
            pos_ += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          // UTF-8
          if (cp < 0x80) {
            out->push_back(static_cast<char>(cp));
          } else if (cp < 0x800) {
            out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          } else if (cp < 0x10000) {
            out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
            out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          } else {
            out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
            out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
          }
          break;
        }
        default:
          out->push_back(e);  // \" \\ \/
      }
    }
    if (pos_ >= s_.size()) return Fail("a string cut short");
    ++pos_;
    return true;
  }
  bool Value(JValue* v, int depth) {
    if (depth > 64) return Fail("nested too deep");
    Blanks();
    if (pos_ >= s_.size()) return Fail("a value expected");
    char c = s_[pos_];
    if (c == '{') {
      v->kind = JValue::Kind::kObject;
      ++pos_;
      Blanks();
      if (pos_ < s_.size() && s_[pos_] == '}') {
        ++pos_;
        return true;
      }
      for (;;) {
        Blanks();
        std::string key;
        if (!String(&key)) return false;
        Blanks();
        if (pos_ >= s_.size() || s_[pos_] != ':') return Fail("':' expected");
        ++pos_;
        JValue item;
        if (!Value(&item, depth + 1)) return false;
        v->fields.emplace_back(std::move(key), std::move(item));
        Blanks();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == '}') {
          ++pos_;
          return true;
        }
        return Fail("',' or '}' expected");
      }
    }
    if (c == '[') {
      v->kind = JValue::Kind::kArray;
      ++pos_;
      Blanks();
      if (pos_ < s_.size() && s_[pos_] == ']') {
        ++pos_;
        return true;
      }
      for (;;) {
        JValue item;
        if (!Value(&item, depth + 1)) return false;
        v->items.push_back(std::move(item));
        Blanks();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == ']') {
          ++pos_;
          return true;
        }
        return Fail("',' or ']' expected");
      }
    }
    if (c == '"') {
      v->kind = JValue::Kind::kString;
      return String(&v->text);
    }
    if (c == 't') {
      v->kind = JValue::Kind::kBool;
      v->boolean = true;
      return Literal("true");
    }
    if (c == 'f') {
      v->kind = JValue::Kind::kBool;
      return Literal("false");
    }
    if (c == 'n') return Literal("null");
    size_t start = pos_;
    while (pos_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[pos_])) ||
                                std::string("+-.eE").find(s_[pos_]) != std::string::npos)) {
      ++pos_;
    }
    if (pos_ == start) return Fail("not JSON");
    v->kind = JValue::Kind::kNumber;
    v->text = s_.substr(start, pos_ - start);
    return true;
  }

  const std::string& s_;
  size_t pos_ = 0;
  std::string error_;
};

void WriteValue(json::Writer& w, const JValue& v) {
  switch (v.kind) {
    case JValue::Kind::kNull:
      w.Null();
      break;
    case JValue::Kind::kBool:
      w.Bool(v.boolean);
      break;
    case JValue::Kind::kNumber:
      if (v.text.find_first_of(".eE") != std::string::npos) {
        w.Double(std::strtod(v.text.c_str(), nullptr));
      } else if (v.text[0] == '-') {
        w.Int(std::strtoll(v.text.c_str(), nullptr, 10));
      } else {
        w.Uint(std::strtoull(v.text.c_str(), nullptr, 10));
      }
      break;
    case JValue::Kind::kString:
      w.String(v.text);
      break;
    case JValue::Kind::kArray:
      w.BeginArray();
      for (const JValue& item : v.items) WriteValue(w, item);
      w.EndArray();
      break;
    case JValue::Kind::kObject:
      w.BeginObject();
      for (const auto& [k, item] : v.fields) {
        w.Key(k);
        WriteValue(w, item);
      }
      w.EndObject();
      break;
  }
}

uint64_t U(const JValue* v) {
  return v != nullptr && v->kind == JValue::Kind::kNumber
             ? std::strtoull(v->text.c_str(), nullptr, 10)
             : 0;
}
double D(const JValue* v) {
  return v != nullptr && v->kind == JValue::Kind::kNumber ? std::strtod(v->text.c_str(), nullptr)
                                                          : 0;
}
std::string S(const JValue* v) {
  return v != nullptr && v->kind == JValue::Kind::kString ? v->text : "";
}
bool B(const JValue* v) { return v != nullptr && v->kind == JValue::Kind::kBool && v->boolean; }

struct Shard {
  std::string path;
  JValue doc;
  uint64_t index = 0;
};

std::string ReadWhole(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int RunMerge(const std::vector<std::string>& argv) {
  Args args(argv, false);
  if (args.Flag("--help") || args.Flag("-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  bool json = args.Flag("--json");
  std::string junit_path;
  bool junit = args.Value("--junit", &junit_path);
  Status st = args.Finish();
  if (!st.ok()) return Fail("merge", st.error().message + " (see weft merge --help)");
  if (args.positional().empty()) {
    return Fail("merge", "give the shards' results, e.g. weft merge shard-*.json");
  }
  if (junit) {
    if (Status s = CheckJUnitPath(junit_path); !s.ok()) return Fail("merge", s.error().message);
  }

  std::vector<Shard> shards;
  for (const std::string& path : args.positional()) {
    bool ok = false;
    std::string text = ReadWhole(path, &ok);
    if (!ok) return Fail("merge", "cannot read '" + path + "'");
    Result<JValue> doc = Parser(text).Parse();
    if (!doc.ok()) return Fail("merge", "'" + path + "' is not JSON: " + doc.error().message);
    if (S(doc->Get("schema")) != kSchemaExplore) {
      return Fail("merge", "'" + path + "' is not a weft explore --json result (its schema is '" +
                               S(doc->Get("schema")) + "', not " + kSchemaExplore + ")");
    }
    const JValue* shard = doc->Get("shard");
    if (shard == nullptr || shard->kind != JValue::Kind::kObject) {
      return Fail("merge", "'" + path +
                               "' is the result of an unsharded search (weft explore --shard I/N "
                               "--json makes a shard's)");
    }
    Shard s;
    s.path = path;
    s.index = U(shard->Get("index"));
    s.doc = std::move(doc.value());
    shards.push_back(std::move(s));
  }
  // The same search, every shard once.
  const JValue& first = shards[0].doc;
  const uint64_t count = U(first.Get("shard")->Get("count"));
  auto same = [&](const char* key) {
    for (const Shard& s : shards) {
      const JValue* a = s.doc.Get(key);
      const JValue* b = first.Get(key);
      if ((a == nullptr) != (b == nullptr)) return s.path;
      if (a != nullptr && (a->kind != b->kind || a->text != b->text || a->boolean != b->boolean)) {
        return s.path;
      }
    }
    return std::string();
  };
  for (const char* key : {"strategy", "first_seed", "runs_asked", "keep_going"}) {
    std::string other = same(key);
    if (!other.empty()) {
      return Fail("merge", "'" + other + "' and '" + shards[0].path +
                               "' are shards of different searches (their " + key + " differ)");
    }
  }
  std::map<uint64_t, std::string> by_index;
  for (const Shard& s : shards) {
    if (U(s.doc.Get("shard")->Get("count")) != count) {
      return Fail("merge", "'" + s.path + "' and '" + shards[0].path +
                               "' are shards of different searches (their shard counts differ)");
    }
    auto [it, fresh] = by_index.emplace(s.index, s.path);
    if (!fresh) {
      return Fail("merge", "'" + s.path + "' and '" + it->second + "' are both shard " +
                               std::to_string(s.index) + "/" + std::to_string(count));
    }
  }
  std::string missing;
  for (uint64_t i = 0; i < count; ++i) {
    if (by_index.count(i) == 0) {
      missing += (missing.empty() ? "" : ", ") + std::to_string(i) + "/" + std::to_string(count);
    }
  }
  if (!missing.empty()) {
    return Fail("merge", "shard" +
                             std::string(missing.find(',') != std::string::npos ? "s " : " ") +
                             missing + " missing: give every shard's result");
  }

  const bool keep_going = B(first.Get("keep_going"));
  std::vector<const JValue*> failures, later;
  std::vector<const JValue*> races;
  uint64_t runs = 0, distinct = 0, memory_events = 0, learning = 0;
  double wall = 0;
  bool interrupted = false, instrumented = false, races_checked = false;
  for (const Shard& s : shards) {
    runs += U(s.doc.Get("runs"));
    distinct += U(s.doc.Get("distinct_schedules"));
    wall = std::max(wall, D(s.doc.Get("wall_seconds")));
    interrupted = interrupted || B(s.doc.Get("interrupted"));
    races_checked = races_checked || B(s.doc.Get("races_checked"));
    learning += U(s.doc.Get("shard")->Get("learning_runs"));
    if (const JValue* m = s.doc.Get("memory")) {
      instrumented = instrumented || B(m->Get("instrumented"));
      memory_events += U(m->Get("events"));
    }
    for (const char* key : {"failures", "later_failures", "races"}) {
      const JValue* list = s.doc.Get(key);
      if (list == nullptr) continue;
      for (const JValue& f : list->items) {
        (std::string(key) == "failures"         ? failures
         : std::string(key) == "later_failures" ? later
                                                : races)
            .push_back(&f);
      }
    }
  }
  auto by_run = [](const JValue* a, const JValue* b) {
    return U(a->Get("run")) < U(b->Get("run"));
  };
  std::sort(failures.begin(), failures.end(), by_run);
  std::sort(races.begin(), races.end(), by_run);
  uint64_t first_failure = failures.empty() ? 0 : U(failures.front()->Get("run"));
  if (!keep_going && first_failure != 0) {
    // The unsharded search made runs 1..first_failure and stopped.
    runs = first_failure;
    later.insert(later.end(), failures.begin() + 1, failures.end());
    failures.resize(1);
    races.erase(std::remove_if(races.begin(), races.end(),
                               [&](const JValue* r) { return U(r->Get("run")) > first_failure; }),
                races.end());
  }
  std::sort(later.begin(), later.end(), by_run);
  // Failure groups by signature, first seen first.
  struct Group {
    std::string signature;
    std::vector<uint64_t> runs;
    std::string trace;
  };
  std::vector<Group> groups;
  for (const JValue* f : failures) {
    std::string sig = S(f->Get("signature"));
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const Group& g) { return g.signature == sig; });
    if (it == groups.end()) {
      groups.push_back({sig, {}, S(f->Get("trace"))});
      it = groups.end() - 1;
    }
    it->runs.push_back(U(f->Get("run")));
  }

  if (junit) {
    search::ExploreResult r;
    r.runs = runs;
    r.first_failure_run = first_failure;
    r.wall_seconds = wall;
    r.distinct_schedules = distinct;
    r.coverage = S(first.Get("coverage"));
    r.interrupted_by = interrupted ? SIGINT : 0;
    JUnitReport report;
    std::vector<std::string> outcomes;
    for (const JValue* f : failures) {
      search::Failure x;
      x.run = U(f->Get("run"));
      x.seed = U(f->Get("seed"));
      x.trace = S(f->Get("trace"));
      x.signature = S(f->Get("signature"));
      x.stacks = S(f->Get("stacks"));
      x.race = B(f->Get("race"));
      bool ok = false;
      x.output = ReadWhole(x.trace + ".out", &ok);  // explore saves it next to the trace
      r.failures.push_back(std::move(x));
      outcomes.push_back(S(f->Get("outcome")));
    }
    for (const Group& g : groups) {
      search::FailureGroup x;
      x.signature = g.signature;
      x.count = g.runs.size();
      x.runs = g.runs;
      x.trace = g.trace;
      r.groups.push_back(std::move(x));
    }
    report.strategy = S(first.Get("strategy"));
    report.first_seed = U(first.Get("first_seed"));
    report.command_line = "weft merge";
    for (const std::string& a : argv) report.command_line += " " + ShellQuote(a);
    if (const JValue* program = first.Get("program")) {
      for (const JValue& a : program->items) report.program.push_back(a.text);
    }
    report.outcome_texts = outcomes;
    report.result = &r;
    if (Status s = WriteJUnit(junit_path, report); !s.ok()) return Fail("merge", s.error().message);
  }

  const int status = interrupted && failures.empty() ? 128 + SIGINT
                     : failures.empty()              ? kExitOk
                                                     : kExitFound;
  if (json) {
    json::Writer w;
    w.BeginObject();
    w.Field("schema", kSchemaExplore);
    w.Field("runs", runs);
    w.Field("runs_asked", U(first.Get("runs_asked")));
    w.Field("keep_going", keep_going);
    w.NullField("shard");
    w.Key("merged").BeginObject();
    w.Field("shards", count);
    w.Key("files").BeginArray();
    for (const auto& [index, path] : by_index) w.String(path);
    w.EndArray();
    w.Field("learning_runs", learning);
    w.EndObject();
    if (first_failure != 0)
      w.Field("first_failure_run", first_failure);
    else
      w.NullField("first_failure_run");
    w.Key("failures").BeginArray();
    for (const JValue* f : failures) WriteValue(w, *f);
    w.EndArray();
    // The why of the first failure: the shard that ran it explained it.
    const JValue* why = nullptr;
    for (const Shard& s : shards) {
      const JValue* w_of = s.doc.Get("why");
      if (w_of != nullptr && !w_of->IsNull() && !failures.empty() &&
          U(w_of->Get("run")) == U(failures[0]->Get("run"))) {
        why = w_of;
      }
    }
    if (why != nullptr) {
      w.Key("why");
      WriteValue(w, *why);
    } else {
      w.NullField("why");
    }
    w.NullField("from");  // shards never start from a trace (--from refuses --shard)
    w.Field("races_checked", races_checked);
    w.Key("races").BeginArray();
    for (const JValue* r : races) WriteValue(w, *r);
    w.EndArray();
    w.Key("failure_groups").BeginArray();
    for (const Group& g : groups) {
      w.BeginObject();
      w.Field("signature", g.signature);
      w.Field("count", static_cast<uint64_t>(g.runs.size()));
      w.Key("runs").BeginArray();
      for (uint64_t run : g.runs) w.Uint(run);
      w.EndArray();
      w.Field("trace", g.trace);
      w.EndObject();
    }
    w.EndArray();
    w.Key("later_failures").BeginArray();
    for (const JValue* f : later) WriteValue(w, *f);
    w.EndArray();
    w.Field("distinct_schedules", distinct);
    w.Field("wall_seconds", wall);
    for (const char* key : {"strategy", "first_seed", "coverage"}) {
      w.Key(key);
      if (const JValue* v = first.Get(key))
        WriteValue(w, *v);
      else
        w.Null();
    }
    w.Field("complete", false);
    w.Key("memory").BeginObject();
    w.Field("instrumented", instrumented);
    w.Field("interleaved", memory_events != 0);
    w.Field("events", memory_events);
    w.EndObject();
    w.Field("interrupted", interrupted);
    w.EndObject();
    std::printf("%s\n", w.TakeString().c_str());
    return status;
  }
  Say("merged " + search::Plural(count, "shard") + " of " + S(first.Get("strategy")) + ", seeds " +
      std::to_string(U(first.Get("first_seed"))) + "...: " + search::Plural(runs, "run") +
      (interrupted ? " (a shard was interrupted: partial)" : ""));
  if (failures.empty()) {
    Say("no failure found in " + search::Plural(runs, "run"));
    return status;
  }
  for (const JValue* f : failures) {
    Say("run " + std::to_string(U(f->Get("run"))) + " (seed " + std::to_string(U(f->Get("seed"))) +
        ") FAILED: " + S(f->Get("outcome")));
    Say("saved: " + S(f->Get("trace")));
    Say("replay it with: " + S(f->Get("replay_command")));
  }
  if (!later.empty()) {
    Say(search::Plural(later.size(), "failing run") +
        " past the first (shards go on to their own first failure; not counted)");
  }
  return status;
}

}  // namespace weft::cli
