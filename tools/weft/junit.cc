// junit.cc — the JUnit XML report of `weft explore --junit FILE` (junit.h).
#include "junit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "cli.h"
#include "weft/render.h"
#include "weft/version.h"

namespace weft::cli {
namespace {

// `text` as valid UTF-8 without the characters XML 1.0 forbids: a byte that starts no valid
// sequence, and a control character other than tab, newline and carriage return, become
// U+FFFD. Program output and paths are bytes; a reporter refuses a file that is not XML.
std::string XmlSafe(const std::string& text) {
  static constexpr const char* kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        out += kReplacement;
      } else {
        out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    bool valid = n != 0 && i + n <= text.size();
    for (size_t k = 1; valid && k < n; ++k) {
      valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    }
    if (valid && n == 3) {
      auto c1 = static_cast<unsigned char>(text[i + 1]);
      // No overlong forms, no surrogates, no U+FFFE / U+FFFF.
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) valid = false;
      if (c == 0xEF && c1 == 0xBF && static_cast<unsigned char>(text[i + 2]) >= 0xBE) {
        valid = false;
      }
    }
    if (valid && n == 4) {
      auto c1 = static_cast<unsigned char>(text[i + 1]);
      if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) valid = false;
    }
    if (!valid) {
      out += kReplacement;
      ++i;
      continue;
    }
    out.append(text, i, n);
    i += n;
  }
  return out;
}

// Text content: & < > escaped.
std::string XmlText(const std::string& text) {
  std::string out;
  for (char c : XmlSafe(text)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// An attribute value in double quotes: also " and the whitespace an XML parser would
// normalize away (newlines, tabs) as character references.
std::string XmlAttr(const std::string& text) {
  std::string out;
  for (char c : XmlText(text)) {
    switch (c) {
      case '"':
        out += "&quot;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      case '\t':
        out += "&#9;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string Seconds(double s) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.3f", s < 0 ? 0.0 : s);
  return buf;
}

std::string Timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0) return "";
  return buf;
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The last `n` lines of `text`.
std::string LastLines(const std::string& text, int n) {
  size_t end = text.size();
  while (end > 0 && text[end - 1] == '\n') --end;
  size_t pos = end;
  while (n > 0 && pos > 0) {
    size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) {
      pos = 0;
      break;
    }
    pos = nl;
    --n;
  }
  return text.substr(pos == 0 ? 0 : pos + 1, end - (pos == 0 ? 0 : pos + 1));
}

std::string Property(const std::string& indent, const std::string& name, const std::string& value) {
  return indent + "<property name=\"" + XmlAttr(name) + "\" value=\"" + XmlAttr(value) + "\"/>\n";
}

// The outcome of failure i, as text.
std::string OutcomeText(const JUnitReport& report, size_t i) {
  if (i < report.outcome_texts.size()) return report.outcome_texts[i];
  return format::DescribeOutcome(report.result->failures[i].outcome);
}

// The failure text: every failing run with its outcome, trace and replay line (the first
// kMaxListed of them), the first one's last output.
std::string FailureText(const JUnitReport& report) {
  constexpr size_t kMaxListed = 20;
  const search::ExploreResult& r = *report.result;
  std::string text;
  for (size_t i = 0; i < r.failures.size() && i < kMaxListed; ++i) {
    const search::Failure& f = r.failures[i];
    text += "run " + std::to_string(f.run) + " (seed " + std::to_string(f.seed) +
            ") FAILED: " + (f.race ? "a data race (--fail-on-race); the program " : "") +
            OutcomeText(report, i) + "\n";
    text += "signature: " + f.signature + "\n";
    text += "saved: " + f.trace + "\n";
    text += "replay it with: weft replay " + ShellQuote(f.trace) + "\n";
    if (i == 0) {
      std::string tail = LastLines(f.output, 5);
      if (!tail.empty()) {
        text += "its last output:\n";
        size_t pos = 0;
        while (pos < tail.size()) {
          size_t nl = tail.find('\n', pos);
          if (nl == std::string::npos) nl = tail.size();
          text += "  | " + tail.substr(pos, nl - pos) + "\n";
          pos = nl + 1;
        }
      }
    }
  }
  if (r.failures.size() > kMaxListed) {
    text += "... and " + std::to_string(r.failures.size() - kMaxListed) +
            " more failing runs (weft explore --json lists them all)\n";
  }
  if (r.groups.size() > 1) {
    text += std::to_string(r.groups.size()) + " distinct failures:\n";
    for (const search::FailureGroup& g : r.groups) {
      text += "  " + std::to_string(g.count) + " x " + g.signature + " (first saved as " + g.trace +
              ")\n";
    }
  }
  if (report.fail_on_race && !report.races.empty()) text += "\n" + report.races;
  return text;
}

}  // namespace

std::string JUnitXml(const JUnitReport& report) {
  const search::ExploreResult* r = report.result;
  std::string program = report.program.empty() ? "" : Basename(report.program[0]);
  for (size_t i = 1; i < report.program.size(); ++i) program += " " + ShellQuote(report.program[i]);
  const std::string classname = "weft.explore." + report.strategy;
  const double seconds = r != nullptr ? r->wall_seconds : report.wall_seconds;
  const bool failed = r != nullptr && !r->failures.empty();
  const bool interrupted = r != nullptr && r->interrupted_by != 0 && !failed;
  const bool error = r == nullptr || interrupted;
  std::string failures = failed ? "1" : "0", errors = error ? "1" : "0";

  std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x += "<testsuites name=\"weft explore\" tests=\"1\" failures=\"" + failures + "\" errors=\"" +
       errors + "\" time=\"" + Seconds(seconds) + "\">\n";
  x += "  <testsuite name=\"" + XmlAttr(classname + " " + program) + "\" tests=\"1\" failures=\"" +
       failures + "\" errors=\"" + errors + "\" skipped=\"0\" time=\"" + Seconds(seconds) +
       "\" timestamp=\"" + Timestamp() + "\" hostname=\"" + XmlAttr(Hostname()) + "\">\n";
  // The suite's properties (readers that follow Ant's schema read them only here).
  x += "    <properties>\n";
  const std::string p = "      ";
  x += Property(p, "weft_version", kWeftVersion);
  x += Property(p, "command", report.command_line);
  x += Property(p, "strategy", report.strategy);
  x += Property(p, "first_seed", std::to_string(report.first_seed));
  if (r != nullptr) {
    x += Property(p, "runs", std::to_string(r->runs));
    x += Property(p, "coverage", r->coverage);
    for (const search::Failure& f : r->failures) x += Property(p, "trace", f.trace);
  }
  x += "    </properties>\n";

  x += "    <testcase name=\"" + XmlAttr(program) + "\" classname=\"" + XmlAttr(classname) +
       "\" time=\"" + Seconds(seconds) + "\">\n";
  // The testcase's own properties (pytest's record_property shape; GitLab, Jenkins'
  // newer plugin and GitHub's reporters read them here).
  std::string props;
  const std::string q = "        ";
  if (failed) {
    const search::Failure& f = r->failures.front();
    props += Property(q, "trace", f.trace);
    props += Property(q, "replay_command", "weft replay " + ShellQuote(f.trace));
    props += Property(q, "seed", std::to_string(f.seed));
    props += Property(q, "run", std::to_string(f.run));
    props += Property(q, "signature", f.signature);
  }
  if (r != nullptr) props += Property(q, "runs", std::to_string(r->runs));
  if (!props.empty()) x += "      <properties>\n" + props + "      </properties>\n";

  if (failed) {
    const search::Failure& f = r->failures.front();
    std::string message = (f.race ? "a data race: " : "") + OutcomeText(report, 0) + " (run " +
                          std::to_string(f.run) + ", seed " + std::to_string(f.seed) +
                          "): weft replay " + ShellQuote(f.trace);
    x += "      <failure message=\"" + XmlAttr(message) + "\" type=\"" + XmlAttr(f.signature) +
         "\">" + XmlText(FailureText(report)) + "</failure>\n";
  } else if (r == nullptr) {
    x += "      <error message=\"" + XmlAttr(report.error) + "\" type=\"weft error\">" +
         XmlText(report.error + "\n") + "</error>\n";
  } else if (interrupted) {
    std::string message = "interrupted by " + format::DescribeSignal(r->interrupted_by) +
                          " after " + search::Plural(r->runs, "complete run") +
                          ", no failure found";
    x += "      <error message=\"" + XmlAttr(message) + "\" type=\"interrupted\">" +
         XmlText(message + "\n") + "</error>\n";
  }

  // system-out: what was searched, and the traces as attachments (GitLab and Jenkins'
  // attachments plugin link [[ATTACHMENT|path]] lines).
  std::string out = report.command_line + "\n";
  if (r != nullptr) {
    out += search::Plural(r->runs, "run") + " in " + Seconds(r->wall_seconds) + " s, " +
           search::Plural(r->distinct_schedules, "distinct schedule") + "; " +
           (failed ? search::Plural(r->failures.size(), "failing run")
                   : std::string("no failure found")) +
           "\ncovered: " + r->coverage + "\n";
    for (const search::Failure& f : r->failures) out += "[[ATTACHMENT|" + f.trace + "]]\n";
  }
  x += "      <system-out>" + XmlText(out) + "</system-out>\n";
  if (!report.fail_on_race && !report.races.empty()) {
    x += "      <system-err>" + XmlText(report.races) + "</system-err>\n";
  }
  x += "    </testcase>\n  </testsuite>\n</testsuites>\n";
  return x;
}

Status CheckJUnitPath(const std::string& path) {
  if (path.empty()) return MakeError("--junit needs a file name, e.g. --junit report.xml");
  if (Status s = CreateParentDirectories(path); !s.ok()) {
    return MakeError("cannot write the JUnit report '" + path + "': " + s.error().message);
  }
  struct stat st {};
  if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return MakeError("cannot write the JUnit report '" + path +
                     "': it is a directory (give a file name, e.g. " + path + "/weft.xml)");
  }
  std::string probe = path + ".tmp";
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) {
    return MakeError("cannot write the JUnit report '" + path + "': " + std::strerror(errno));
  }
  ::close(fd);
  ::unlink(probe.c_str());
  return Status::Ok();
}

Status WriteJUnit(const std::string& path, const JUnitReport& report) {
  if (Status s = CheckJUnitPath(path); !s.ok()) return s;
  const std::string xml = JUnitXml(report);
  const std::string tmp = path + ".tmp";
  auto fail = [&](int err) {
    ::unlink(tmp.c_str());
    return MakeError("cannot write the JUnit report '" + path + "': " + std::strerror(err));
  };
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  if (fd < 0) return fail(errno);
  size_t done = 0;
  while (done < xml.size()) {
    ssize_t n = ::write(fd, xml.data() + done, xml.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : EIO;
      ::close(fd);
      return fail(err);
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return fail(errno);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail(errno);
  return Status::Ok();
}

}  // namespace weft::cli
