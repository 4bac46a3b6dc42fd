// why.cc — FindWhy, the sentence and the JSON of a critical pair.
#include "why.h"

#include <algorithm>
#include <utility>

#include "cli.h"
#include "weft/render.h"
#include "weft/trace_io.h"

namespace weft::cli {
namespace {

// The latest operation of `tid` on `obj` before event `before` at a place other than
// `not_at`: where the thread was when the other thread came in between.
std::optional<Side> Between(const format::Trace& trace, uint32_t tid, uint32_t obj, uint64_t before,
                            const std::string& not_at) {
  for (uint64_t i = before; i-- > 0;) {
    const format::Event& e = trace.events[i];
    if (e.tid != tid || e.obj != obj) continue;
    Side s{false, i, e.tid, e.kind, e.obj, e.flags, e.stack};
    if (format::DescribeLocation(trace, e.stack) == not_at) continue;
    return s;
  }
  return std::nullopt;
}

void LocationJson(json::Writer& w, const format::Trace& trace, const Side& s) {
  std::optional<format::SourceFrame> site =
      format::MeaningfulSourceFrame(trace, format::StackFrames(trace, s.stack));
  if (!site) {
    w.NullField("location");
    return;
  }
  w.Key("location").BeginObject();
  w.Field("function", site->function).Field("file", site->file).Field("line", site->line);
  w.EndObject();
}

void ExplainSideJson(json::Writer& w, const format::Trace& trace, const Side& s) {
  w.BeginObject();
  if (s.pending)
    w.NullField("event");
  else
    w.Field("event", s.index);
  w.Field("pending", s.pending);
  w.Field("tid", s.tid);
  w.Field("kind", format::EventKindName(s.kind));
  w.Field("obj", s.obj);
  w.Field("object", format::DescribeObject(trace, s.obj));
  LocationJson(w, trace, s);
  w.Field("where", Where(trace, s));
  w.Key("stack").BeginArray();
  for (const format::SourceFrame& f : ProgramFrames(trace, s.stack)) {
    w.BeginObject()
        .Field("function", f.function)
        .Field("file", f.file)
        .Field("line", f.line)
        .Field("inlined", f.inlined)
        .EndObject();
  }
  w.EndArray();
  w.EndObject();
}

// The sides of a found pair, for a human (see cmd_explain.cc's usage).
void FillSides(Why& why) {
  const format::Trace& trace = why.trace();
  const analysis::Conflict& c = why.result.critical;
  // A late thread's next operation (search/include/weft/explain.h) was never recorded.
  why.late = c.second >= trace.events.size() && c.blocked < 0;
  why.first = FirstSide(trace, c);
  // A pair whose first side ends a critical section (an unlock) is reversed at the
  // section's start: that is the operation the other thread goes before.
  if (c.reversal < c.first && trace.events[c.reversal].tid == c.first_tid) {
    const format::Event& e = trace.events[c.reversal];
    why.first = Side{false, c.reversal, e.tid, e.kind, e.obj, e.flags, e.stack};
  }
  why.second = why.late ? Side{true, c.second, c.second_tid} : SecondSide(trace, c);
  if (!why.late) {
    why.between = Between(trace, why.second.tid, c.obj, why.first.index, Where(trace, why.second));
  }
}

// "debit (bank.c:26)" -> "debit": a place named the second time.
std::string Function(const std::string& where) {
  size_t paren = where.find(" (");
  return paren == std::string::npos || paren == 0 ? where : where.substr(0, paren);
}

}  // namespace

std::string Where(const format::Trace& trace, const Side& s) {
  std::string where = format::DescribeLocation(trace, s.stack);
  if (!where.empty()) return where;
  if (s.pending && s.kind == format::EventKind::kNone) {
    // A late thread's next operation: the trace never saw it.
    bool started = false;
    for (const format::Event& e : trace.events) started = started || e.tid == s.tid;
    std::string function =
        s.tid < trace.threads.size() ? format::ShortName(trace.threads[s.tid].start_function) : "";
    if (started) return "next operation";
    return function.empty() ? "start" : "start (" + function + ")";
  }
  return s.pending ? "blocked operation" : "event #" + std::to_string(s.index);
}

Result<Why> FindWhy(const format::Trace& recorded, const std::string& path,
                    const WhyOptions& options, const api::Host& host,
                    const search::ExplainProgress& progress) {
  Why why;
  why.path = path;
  why.recorded = &recorded;
  why.failing_trace = options.prefix + "-fail.weft";
  why.passing_trace = options.prefix + "-pass.weft";
  if (Status s = CreateParentDirectories(options.prefix); !s.ok()) return s.error();

  api::ExplainOptions explain;
  explain.control_output = why.failing_trace;
  explain.passing_output = why.passing_trace;
  explain.thread_pairs = options.thread_pairs;
  explain.trust = options.trust;
  explain.timeout_seconds = options.timeout_seconds;
  // A quarter of the runs for the recorded schedule; if none of its pairs flips it, the rest
  // for minimizing it and explaining the minimized run.
  uint64_t max_runs = options.max_runs;
  explain.max_runs = options.minimize
                         ? std::min<uint64_t>(max_runs, std::max<uint64_t>(20, max_runs / 4))
                         : max_runs;
  if (options.bisect_only) {
    explain.bisect = true;
    explain.max_runs = max_runs;
  }
  Result<search::ExplainResult> r = api::Explain(recorded, path, explain, host, progress);
  if (!r.ok()) return r.error();
  uint64_t runs = r->runs;
  // No single reordering of the recorded schedule flips it (e.g. a counter that lost many
  // updates): its minimized schedule (fewest preemptions, same failure) may have one.
  if (!r->found && options.minimize && !options.bisect_only && runs < max_runs) {
    api::MinimizeOptions m;
    m.output = options.prefix + "-min.weft";
    m.max_runs = (max_runs - runs) / 2 + 1;
    m.trust = options.trust;
    m.timeout_seconds = options.timeout_seconds;
    api::Host quiet = CliHost();
    if (!options.say) quiet.note = [](const std::string&) {};
    if (options.say)
      Say("no single reordering of it passes; minimizing it first (" + m.output + ")");
    Result<search::MinimizeResult> min = api::Minimize(recorded, path, m, quiet);
    if (min.ok()) runs += min->runs;
    // NB: a minimize that ran but did not verify has no error to pass on (asking for one
    // would throw): it is its own "not minimized".
    Result<format::Trace> again =
        !min.ok() ? Result<format::Trace>(min.error())
        : min->verified
            ? format::ReadTrace(m.output)
            : Result<format::Trace>(MakeError("its minimized run did not fail the same way"));
    if (again.ok() && runs < max_runs) {
      auto minimized = std::make_shared<format::Trace>(std::move(again.value()));
      api::ExplainOptions second = explain;
      second.max_runs = max_runs - runs;
      Result<search::ExplainResult> r2 =
          api::Explain(*minimized, m.output, second, quiet, progress);
      if (r2.ok()) {
        runs += r2->runs;
        uint64_t tried = r->tried;
        r = std::move(r2);
        r->tried += tried;
        r->method = "minimized";
        why.minimized_path = m.output;
        why.minimized = std::move(minimized);
      }
    }
  }
  // Still none: bisect between the (minimized) failing schedule and the run without
  // preemptions, to the one decision that flips the outcome.
  if (!r->found && !options.bisect_only && runs + 3 <= max_runs) {
    api::ExplainOptions bisect = explain;
    bisect.bisect = true;
    bisect.max_runs = max_runs - runs;
    api::Host quiet = CliHost();
    if (!options.say) quiet.note = [](const std::string&) {};
    const format::Trace& base = why.minimized ? *why.minimized : recorded;
    if (options.say)
      Say("no single reordering of it passes; bisecting it against a run without preemptions");
    Result<search::ExplainResult> r3 =
        api::Explain(base, why.explained_path(), bisect, quiet, progress);
    if (r3.ok()) {
      runs += r3->runs;
      if (r3->found) {
        uint64_t tried = r->tried;
        r = std::move(r3);
        r->tried += tried;
      }
    }
  }
  why.result = std::move(r.value());
  why.result.runs = runs;
  if (why.result.found) FillSides(why);
  return why;
}

std::string WhySentence(const Why& why) {
  const format::Trace& trace = why.trace();
  std::string t1 = "T" + std::to_string(why.first.tid), t2 = "T" + std::to_string(why.second.tid);
  std::string first = Where(trace, why.first), second = Where(trace, why.second);
  if (why.late) {
    return "fails when " + t1 + " runs " + first + " before " + t2 + " gets to run its " + second +
           "; with " + t2 + "'s " + second + " first it passes";
  }
  std::string out = "fails when " + t1 + " runs " + first;
  if (why.between) {
    out += " between " + t2 + "'s " + Where(trace, *why.between) + " and " + second;
  } else {
    out += " before " + t2 + "'s " + second;
  }
  // The second side named by its function alone, unless that is ambiguous.
  std::string again = Function(second) == Function(first) ? second : Function(second);
  return out + "; with " + t2 + "'s " + again + " first it passes";
}

void CriticalJson(json::Writer& w, const Why& why) {
  const format::Trace& trace = why.trace();
  const analysis::Conflict& c = why.result.critical;
  w.BeginObject();
  w.Field("obj", c.obj);
  w.Field("object", format::DescribeObject(trace, c.obj));
  w.Key("first");
  ExplainSideJson(w, trace, why.first);
  w.Key("second");
  ExplainSideJson(w, trace, why.second);
  if (why.between) {
    w.Key("between");
    ExplainSideJson(w, trace, *why.between);
  } else {
    w.NullField("between");
  }
  w.Key("reversal").BeginObject().Field("at", c.reversal).Field("thread", c.second_tid);
  w.EndObject();
  w.EndObject();
}

}  // namespace weft::cli
