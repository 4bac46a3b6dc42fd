// trace_json.cc — `weft show --json`: the whole trace as one JSON object.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text.h"
#include "weft/json.h"
#include "weft/preemptions.h"
#include "weft/race.h"
#include "weft/race_report.h"
#include "weft/render.h"
#include "weft/show.h"

namespace weft::render {

using namespace ::weft::format;
using internal::CycleText;

std::string RenderTraceJson(const Trace& trace, int indent) {
  json::Writer w(indent);
  const Header& header = trace.header;
  w.BeginObject();
  w.Field("format_major", header.format_major);
  w.Field("weft_version", header.weft_version);
  w.Field("shim_protocol", header.shim_protocol);
  w.Key("argv").BeginArray();
  for (const std::string& arg : header.argv) w.String(arg);
  w.EndArray();
  w.Field("executable", header.executable);
  w.Field("cwd", header.cwd);
  w.Key("env").BeginArray();
  for (size_t i = 0; i < header.env.size(); ++i) {
    const auto& [name, value] = header.env[i];
    w.BeginObject().Field("name", name).Field("value", value);
    w.Field("redacted", header.IsRedacted(i)).EndObject();
  }
  w.EndArray();
  w.Key("env_kept").BeginArray();
  for (const std::string& name : header.env_kept) w.String(name);
  w.EndArray();
  w.Field("executable_build_id", header.executable_build_id);
  w.Field("executable_sha256", header.executable_sha256);
  w.Field("mode", header.mode == Mode::kControlled ? "controlled"
                  : header.mode == Mode::kFree     ? "free"
                                                   : "unknown");
  w.Field("strategy", header.strategy);
  w.Field("seed", header.seed);
  w.Field("realtime_base_ns", header.realtime_base_ns);
  w.Field("monotonic_base_ns", header.monotonic_base_ns);
  w.Field("created_unix_ns", header.created_unix_ns);
  w.Field("replayed_from", header.replayed_from);
  const ScheduleSpec& spec = header.schedule;
  w.Key("schedule")
      .BeginObject()
      .Field("kind", ScheduleKindName(spec.kind))
      .Field("seed", spec.seed)
      .Field("pct_depth", spec.pct_depth)
      .Field("pct_steps", spec.pct_steps)
      .Field("tail", spec.tail);
  if (spec.forced_tid >= 0) {
    w.Field("forced_tid", spec.forced_tid);
  } else {
    w.NullField("forced_tid");
  }
  w.Field("prefix", spec.prefix);
  w.Key("parameters").BeginObject();
  for (const auto& [name, value] : spec.parameters) w.Field(name, value);
  w.EndObject().EndObject();

  w.Key("processes").BeginArray();
  for (const Process& p : trace.processes) {
    w.BeginObject().Field("pid", p.pid);
    if (p.parent >= 0) {
      w.Field("parent", p.parent);
    } else {
      w.NullField("parent");
    }
    w.Field("executable", p.executable).Key("argv").BeginArray();
    for (const std::string& arg : p.argv) w.String(arg);
    w.EndArray().Key("execs").BeginArray();
    for (const ProcessExec& exec : p.execs) {
      w.BeginObject().Field("executable", exec.executable).Key("argv").BeginArray();
      for (const std::string& arg : exec.argv) w.String(arg);
      w.EndArray().EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();

  w.Key("modules").BeginArray();
  for (const Module& m : trace.modules) {
    w.BeginObject()
        .Field("path", m.path)
        .Field("id", m.id)
        .Field("pid", m.pid)
        .Field("build_id", m.build_id)
        .Field("base", m.base)
        .Field("size", m.size)
        .EndObject();
  }
  w.EndArray();

  w.Key("threads").BeginArray();
  for (const Thread& t : trace.threads) {
    w.BeginObject().Field("tid", t.tid);
    if (t.parent >= 0) {
      w.Field("parent", t.parent);
    } else {
      w.NullField("parent");
    }
    w.Field("start_routine", t.start_routine)
        .Field("start_function", t.start_function)
        .Field("name", t.name)
        .Field("handle_obj", t.handle_obj)
        .Field("pid", t.pid)
        .EndObject();
  }
  w.EndArray();

  w.Key("objects").BeginArray();
  for (size_t id = 1; id < trace.objects.size(); ++id) {
    const Object& o = trace.objects[id];
    if (o.id == 0) continue;
    w.BeginObject()
        .Field("id", o.id)
        .Field("kind", ObjectKindName(o.kind))
        .Field("address", o.address)
        .Field("symbol", o.symbol)
        .Field("aux", o.aux);
    w.Key("parts").BeginArray();
    for (const ObjectPart& part : o.parts) {
      w.BeginObject().Field("offset", part.offset).Field("symbol", part.symbol).EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();

  w.Key("frames").BeginArray();
  for (size_t id = 1; id < trace.frames.size(); ++id) {
    const Frame& f = trace.frames[id];
    w.BeginObject()
        .Field("id", id)
        .Field("ip", f.ip)
        .Field("function", f.function)
        .Field("file", f.file)
        .Field("line", f.line)
        .Field("module", f.module)
        .Field("module_id", f.module_id)
        .Field("offset", f.offset)
        .Key("inlined_callers")
        .BeginArray();
    for (const InlinedCaller& c : f.inlined_callers) {
      w.BeginObject().Field("function", c.function).Field("file", c.file).Field("line", c.line);
      w.EndObject();
    }
    w.EndArray().EndObject();
  }
  w.EndArray();

  w.Key("stacks").BeginArray();
  for (size_t id = 1; id < trace.stacks.size(); ++id) {
    w.BeginObject().Field("id", id).Key("frames").BeginArray();
    for (uint32_t frame : trace.stacks[id]) w.Uint(frame);
    w.EndArray().EndObject();
  }
  w.EndArray();

  auto object_or_null = [&](const char* key, uint32_t obj) {
    if (obj == 0) {
      w.NullField(key);
    } else {
      w.Field(key, obj);
    }
  };
  auto location_of_frames = [&](const std::vector<uint32_t>& frame_ids) {
    std::optional<format::SourceFrame> f = format::MeaningfulSourceFrame(trace, frame_ids);
    if (!f) {
      w.NullField("location");
      return;
    }
    w.Key("location")
        .BeginObject()
        .Field("function", f->function)
        .Field("file", f->file)
        .Field("line", f->line)
        .Field("ip", f->frame->ip)
        .EndObject();
  };
  auto location = [&](uint32_t stack) { location_of_frames(format::StackFrames(trace, stack)); };

  analysis::Preemptions preemptions = analysis::FindPreemptions(trace);
  w.Key("events").BeginArray();
  for (size_t i = 0; i < trace.events.size(); ++i) {
    const Event& e = trace.events[i];
    w.BeginObject().Field("index", i).Field("tid", e.tid).Field("kind", EventKindName(e.kind));
    object_or_null("object", e.obj);
    w.Key("flags").BeginArray();
    std::string flags = DescribeFlags(e.flags);
    for (size_t start = 0; start < flags.size();) {
      size_t comma = flags.find(',', start);
      if (comma == std::string::npos) comma = flags.size();
      w.String(std::string_view(flags).substr(start, comma - start));
      start = comma + 1;
    }
    w.EndArray();
    w.Field("arg", e.arg).Field("vtime", e.vtime).Field("enabled", e.enabled);
    object_or_null("stack", e.stack);
    location(e.stack);
    if (preemptions.preempted[i] >= 0) {
      w.Field("preempts", static_cast<uint64_t>(preemptions.preempted[i]));
    } else {
      w.NullField("preempts");
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("preemptions")
      .BeginObject()
      .Field("count", preemptions.count)
      .Field("exact", preemptions.exact)
      .EndObject();

  w.Key("wakes").BeginArray();
  for (const Wake& wake : trace.wakes) {
    w.BeginObject().Field("event_index", wake.event_index).Field("woken", wake.woken).EndObject();
  }
  w.EndArray();

  w.Key("prior_accesses").BeginArray();
  for (const PriorAccess& p : trace.prior_accesses) {
    MemoryArg m = DecodeMemoryArg(p.arg);
    w.BeginObject()
        .Field("event_index", p.event_index)
        .Field("tid", p.tid)
        .Field("kind", p.write ? "write" : "read")
        .Field("atomic", (p.flags & kFlagAtomic) != 0)
        .Field("flags", p.flags)
        .Field("size", m.size)
        .Field("offset", m.offset)
        .Field("order", m.order);
    object_or_null("stack", p.stack);
    w.Field("before_event", p.before_event).EndObject();
  }
  w.EndArray();

  w.Key("enabled_sets").BeginArray();
  for (const EnabledSet& set : trace.enabled_sets) {
    w.BeginObject().Field("current", set.current).Key("enabled").BeginArray();
    for (uint32_t t = 0; t < 64 * set.words.size(); ++t) {
      if (set.Has(t)) w.Uint(t);
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  // A free recording's inputs (without their data: `bytes` says how much there is).
  w.Field("inputs_recorded", trace.header.inputs_recorded);
  // A flight recording's window (weft record --ring), null for a whole recording.
  if (trace.header.ring) {
    const Header::RingWindow& r = trace.header.ring_window;
    w.Key("ring")
        .BeginObject()
        .Field("window_bytes", r.window_bytes)
        .Field("dropped_events", r.dropped_events)
        .Field("dropped_inputs", r.dropped_inputs)
        .Field("running", r.running)
        .Field("dump", static_cast<uint64_t>(r.dump))
        .Field("description", DescribeRingWindow(trace.header))
        .EndObject();
  } else {
    w.NullField("ring");
  }
  w.Key("inputs").BeginArray();
  for (const Input& in : trace.inputs) {
    w.BeginObject()
        .Field("tid", in.tid)
        .Field("kind", InputKindName(in.kind))
        .Field("source", static_cast<int64_t>(in.source))
        .Field("result", in.result)
        .Field("value", in.value)
        .Field("bytes", static_cast<uint64_t>(in.data.size()))
        .Field("event_index", in.event_index)
        .EndObject();
  }
  w.EndArray();
  for (auto [key, output] :
       {std::pair{"stdout", &trace.program_stdout}, std::pair{"stderr", &trace.program_stderr},
        std::pair{"stdin", &trace.program_stdin}}) {
    w.Key(key)
        .BeginObject()
        .Field("captured", output->captured)
        .Field("data", output->data)
        .Field("truncated", output->truncated)
        .Field("total_bytes", output->total_bytes)
        .EndObject();
  }

  // Every key is always present (null, false or empty when it does not apply), so that
  // scripts can index without checking.
  const Outcome& outcome = trace.outcome;
  const bool recorded = trace.has_outcome;
  w.Key("outcome").BeginObject();
  w.Field("recorded", recorded);
  w.Field("kind", recorded ? OutcomeKindName(outcome.kind) : "interrupted");
  w.Field("description", DescribeOutcome(trace));
  if (recorded && outcome.kind == Outcome::Kind::kExited) {
    w.Field("exit_code", outcome.exit_code);
  } else {
    w.NullField("exit_code");
  }
  if (recorded && outcome.kind == Outcome::Kind::kSignaled) {
    w.Field("signal", outcome.signal);
    w.Field("signal_name", DescribeSignal(outcome.signal));
  } else {
    w.NullField("signal");
    w.NullField("signal_name");
  }
  const bool deadlock = recorded && outcome.kind == Outcome::Kind::kDeadlock;
  w.Field("deadlock", deadlock);
  w.Key("blocked").BeginArray();
  for (const BlockedThread& b : recorded ? outcome.blocked : std::vector<BlockedThread>()) {
    w.BeginObject().Field("tid", b.tid).Field("kind", EventKindName(b.kind));
    object_or_null("object", b.obj);
    if (b.holder >= 0) {
      w.Field("holder", b.holder);
    } else {
      w.NullField("holder");
    }
    object_or_null("stack", b.stack);
    location(b.stack);
    w.EndObject();
  }
  w.EndArray();
  std::string cycle = deadlock ? CycleText(trace, outcome) : "";
  if (cycle.empty()) {
    w.NullField("cycle");
  } else {
    w.Field("cycle", cycle);
  }
  if (recorded && outcome.crash) {
    const Crash& c = *outcome.crash;
    w.Key("crash").BeginObject().Field("signal", c.signal).Field("os_tid", c.os_tid);
    if (c.tid >= 0) {
      w.Field("tid", c.tid);
    } else {
      w.NullField("tid");
    }
    w.Field("fault_address", c.fault_address)
        .Field("ip", c.ip)
        .Field("instruction", c.instruction)
        .Key("frames")
        .BeginArray();
    for (uint32_t frame : c.frames) w.Uint(frame);
    w.EndArray();
    location_of_frames(c.frames);
    w.EndObject();
  } else {
    w.NullField("crash");
  }
  const bool diverged = recorded && outcome.diverged;
  w.Field("diverged", diverged);
  if (diverged) {
    w.Field("divergence_index", outcome.divergence_index);
  } else {
    w.NullField("divergence_index");
  }
  w.Field("divergence", recorded ? outcome.divergence : "");
  w.Field("message", recorded ? outcome.message : "");
  w.Field("events", recorded ? outcome.events : trace.events.size());
  w.Field("wall_seconds", recorded ? outcome.wall_seconds : 0.0);
  if (trace.truncated_at_byte != 0) {
    w.Field("truncated_at_byte", trace.truncated_at_byte);
  } else {
    w.NullField("truncated_at_byte");
  }
  w.EndObject();

  // The data races of the memory accesses (analysis/race.h); [] without any.
  w.Key("races");
  WriteRacesJson(w, trace, analysis::FindRaces(trace));

  w.EndObject();
  std::string text = w.TakeString();
  if (text.back() != '\n') text += '\n';
  return text;
}

}  // namespace weft::render
