// trace_reader.cc — ReadTrace/ParseTrace: weft_trace.proto packets → the model of trace.h.
// The input is untrusted: every length, count and id is bounded before it sizes anything,
// and every failure is an Error that names the byte where the file went wrong.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "format_internal.h"
#include "weft/trace_io.h"
#include "weft_trace.pb.h"

namespace weft::format {
namespace {

namespace pb = ::weft::trace;
using internal::kMaxPacketBytes;
using internal::kPreambleBytes;

// Deltas larger than this cannot lead to a valid id; rejecting them first keeps the
// arithmetic far from overflow.
constexpr int64_t kMaxIdDelta = int64_t{1} << 40;
// Ids up to this are accepted whatever the file's size (tables this big cost a few MiB).
constexpr uint64_t kMinIdLimit = uint64_t{1} << 16;

class Reader {
 public:
  Reader(const std::string& bytes, const std::string& name, const ReadOptions& options)
      : bytes_(bytes), name_(name), options_(options) {
    // Ids are dense (FORMAT.md), so none can exceed the number of bytes that define them.
    // Bounding them by the input size bounds every table the ids index.
    id_limit_ = std::max<uint64_t>(bytes.size(), kMinIdLimit);
  }

  Result<Trace> Read() {
    if (Status s = ReadPreamble(); !s.ok()) return s.error();
    uint64_t offset = kPreambleBytes;
    while (offset < bytes_.size()) {
      uint64_t length = 0;
      size_t prefix = 0;
      bool complete = ReadVarint(offset, &length, &prefix);
      if (prefix > 10 || (complete && length > kMaxPacketBytes)) {
        return Fail("corrupt packet at byte " + std::to_string(offset) +
                    ": its length prefix is not a valid size (limit " +
                    std::to_string(kMaxPacketBytes) + " bytes)");
      }
      if (!complete || length > bytes_.size() - offset - prefix) {
        if (options_.accept_truncated && saw_header_) {
          trace_.truncated_at_byte = offset;
          break;
        }
        if (!saw_header_) {
          return Fail("truncated: the file ends inside its header packet (at byte " +
                      std::to_string(bytes_.size()) +
                      "); nothing of the run is left (its writer was probably killed)");
        }
        return Fail("truncated packet at byte " + std::to_string(offset) + " (the file has " +
                    std::to_string(bytes_.size()) +
                    " bytes; its writer was probably killed while writing)");
      }
      const char* data = bytes_.data() + offset + prefix;
      packet_.Clear();
      if (!packet_.ParseFromArray(data, static_cast<int>(length))) {
        return Fail("corrupt packet at byte " + std::to_string(offset) +
                    " (it does not parse as a weft.trace.Packet)");
      }
      offset_ = offset;
      if (Status s = Handle(packet_); !s.ok()) return s.error();
      offset += prefix + length;
    }
    if (!saw_header_) {
      return Fail("truncated: the file ends before the header packet (" +
                  std::to_string(bytes_.size()) + " bytes); it is not a complete trace");
    }
    Finish();
    return std::move(trace_);
  }

 private:
  Error Fail(const std::string& why) const {
    return MakeError("cannot read trace '" + name_ + "': " + why);
  }
  // An error about the packet being handled.
  Error Corrupt(const std::string& why) const {
    return Fail("corrupt packet at byte " + std::to_string(offset_) + ": " + why);
  }

  Status ReadPreamble() {
    if (bytes_.empty()) return Fail("the file is empty; not a weft trace");
    size_t magic_bytes = std::min(bytes_.size(), sizeof(kMagic));
    if (std::memcmp(bytes_.data(), kMagic, magic_bytes) != 0) {
      std::string why = "not a weft trace (bad magic)";
      if (bytes_.compare(0, 4,
                         "\x7f"
                         "ELF") == 0) {
        why += "; this is an ELF file: pass the trace, not the program";
      }
      return Fail(why);
    }
    if (bytes_.size() < kPreambleBytes) {
      return Fail("truncated: the file ends inside its preamble (" + std::to_string(bytes_.size()) +
                  " of " + std::to_string(kPreambleBytes) + " bytes)");
    }
    uint32_t major = 0;
    for (int i = 0; i < 4; ++i) {
      major |= static_cast<uint32_t>(static_cast<uint8_t>(bytes_[sizeof(kMagic) + i])) << (8 * i);
    }
    if (major > kFormatMajor) {
      return Fail("format version " + std::to_string(major) + " is newer than this weft (" +
                  std::to_string(kFormatMajor) + "); read it with a newer weft");
    }
    if (major < kOldestFormatMajor) {
      return Fail("format version " + std::to_string(major) +
                  " is not supported by this weft (it reads versions " +
                  std::to_string(kOldestFormatMajor) + " to " + std::to_string(kFormatMajor) + ")");
    }
    major_ = major;
    trace_.header.format_major = major;
    return Status::Ok();
  }

  // Decodes the varint at `offset`; false if the input ends inside it. `*size` is the number
  // of bytes it takes (11 means "more than 10": corrupt).
  bool ReadVarint(uint64_t offset, uint64_t* value, size_t* size) const {
    uint64_t result = 0;
    for (size_t i = 0; i < 11; ++i) {
      if (offset + i >= bytes_.size()) {
        *size = i;
        return false;
      }
      auto byte = static_cast<uint8_t>(bytes_[offset + i]);
      if (i < 10) result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
      if ((byte & 0x80) == 0) {
        *value = result;
        *size = i + 1;
        return true;
      }
    }
    *size = 11;
    return true;
  }

  // Checks an id against the density bound; `what` names it in the error.
  Status CheckId(uint64_t id, const char* what) const {
    if (id > id_limit_ || id > UINT32_MAX) {
      return Corrupt(std::string(what) + " id " + std::to_string(id) +
                     " is larger than the file could define");
    }
    return Status::Ok();
  }
  // Same, for an id that must not be 0.
  Status CheckDefinedId(uint64_t id, const char* what) const {
    if (id == 0) return Corrupt(std::string(what) + " id 0 is reserved (ids start at 1)");
    return CheckId(id, what);
  }

  Status Handle(const pb::Packet& packet) {
    if (packet.packet_case() == pb::Packet::PACKET_NOT_SET) {
      return Status::Ok();  // a packet kind added by a newer minor revision: skip it
    }
    if (!saw_header_ && packet.packet_case() != pb::Packet::kHeader) {
      return Corrupt("the first packet is not the header");
    }
    if (saw_outcome_) {
      return Corrupt("a packet follows the outcome, which must be the last packet");
    }
    switch (packet.packet_case()) {
      case pb::Packet::kHeader:
        return HandleHeader(packet.header());
      case pb::Packet::kModule:
        return HandleModule(packet.module());
      case pb::Packet::kProcess:
        return HandleProcess(packet.process());
      case pb::Packet::kProcessExec:
        return HandleProcessExec(packet.process_exec());
      case pb::Packet::kFrameSymbols:
        return HandleSymbols(packet.frame_symbols());
      case pb::Packet::kOutput:
        return HandleOutput(packet.output());
      case pb::Packet::kThread:
        return HandleThread(packet.thread());
      case pb::Packet::kObject:
        return HandleObject(packet.object());
      case pb::Packet::kInternedString:
        return HandleString(packet.interned_string());
      case pb::Packet::kFrame:
        return HandleFrame(packet.frame());
      case pb::Packet::kStack:
        return HandleStack(packet.stack());
      case pb::Packet::kEventBatch:
        return HandleEvents(packet.event_batch());
      case pb::Packet::kWakeBatch:
        return HandleWakes(packet.wake_batch());
      case pb::Packet::kPriorAccessBatch:
        return HandlePriorAccesses(packet.prior_access_batch());
      case pb::Packet::kInputBatch:
        return HandleInputs(packet.input_batch());
      case pb::Packet::kMemorySitesFound:
        trace_.memory_sites_found.insert(trace_.memory_sites_found.end(),
                                         packet.memory_sites_found().pcs().begin(),
                                         packet.memory_sites_found().pcs().end());
        return Status::Ok();
      case pb::Packet::kOutcome:
        return HandleOutcome(packet.outcome());
      case pb::Packet::PACKET_NOT_SET:
        break;
    }
    return Status::Ok();
  }

  Status HandleHeader(const pb::Header& h) {
    if (saw_header_) return Corrupt("a second header packet");
    saw_header_ = true;
    Header& header = trace_.header;
    header.weft_version = h.weft_version();
    header.shim_protocol = h.shim_protocol();
    header.argv.assign(h.argv().begin(), h.argv().end());
    header.executable = h.executable();
    header.cwd = h.cwd();
    for (const pb::EnvVar& var : h.env()) {
      if (!var.digest().empty()) {
        header.env_redacted.push_back({header.env.size(), var.digest()});
        header.env.emplace_back(var.name(), std::string());
      } else {
        header.env.emplace_back(var.name(), var.value());
      }
    }
    header.env_salt = h.env_salt();
    header.env_digest_scheme = h.env_digest_scheme();
    header.env_kept.assign(h.env_kept().begin(), h.env_kept().end());
    header.executable_build_id = h.executable_build_id();
    header.executable_sha256 = h.executable_sha256();
    header.memory_sites.assign(h.memory_sites().begin(), h.memory_sites().end());
    header.atomic_sites = h.has_atomic_sites();
    for (const pb::AtomicSites::Module& m : h.atomic_sites().modules()) {
      header.atomic_site_modules.push_back({m.path(), m.sites()});
    }
    header.mode = static_cast<Mode>(h.mode());
    header.strategy = h.strategy();
    header.seed = h.seed();
    header.realtime_base_ns = h.realtime_base_ns();
    header.monotonic_base_ns = h.monotonic_base_ns();
    header.created_unix_ns = h.created_unix_ns();
    header.replayed_from = h.replayed_from();
    header.timeout_seconds = h.timeout_seconds();
    header.max_steps = h.max_steps();
    header.stack_depth = h.stack_depth();
    header.isolated = h.isolated();
    header.inputs_recorded = h.inputs_recorded();
    header.input_kinds = h.input_kinds();
    // (a value a newer writer added reads as unknown)
    auto sink = [](int v) {
      return v >= 0 && v <= static_cast<int>(StreamSink::kClosed) ? static_cast<StreamSink>(v)
                                                                  : StreamSink::kUnknown;
    };
    header.stdout_sink = sink(h.stdout_sink());
    header.stderr_sink = sink(h.stderr_sink());
    header.stderr_is_stdout = h.stderr_is_stdout();
    header.interp_phase = h.interp_phase();
    header.ring = h.has_ring();
    if (header.ring) {
      const pb::RingWindow& ring = h.ring();
      header.ring_window = {ring.window_bytes(), ring.dropped_events(), ring.dropped_inputs(),
                            ring.running(), ring.dump()};
    }
    if (h.has_schedule()) {
      // Absent in traces of older writers: the default spec (kUnspecified) stands for them.
      const pb::Schedule& s = h.schedule();
      ScheduleSpec& spec = header.schedule;
      if (s.kind() < 0 || s.kind() > UINT8_MAX) {
        return Corrupt("schedule kind " + std::to_string(s.kind()) + " is out of range");
      }
      spec.kind = static_cast<ScheduleSpec::Kind>(s.kind());
      spec.seed = s.seed();
      spec.pct_depth = s.pct_depth();
      spec.pct_steps = s.pct_steps();
      spec.tail = s.tail();
      spec.forced_tid = s.forced_tid();
      spec.prefix = s.prefix();
      for (const pb::Schedule::Parameter& p : s.parameters()) {
        spec.parameters.emplace_back(p.name(), p.value());
      }
    }
    return Status::Ok();
  }

  Status HandleProcessExec(const pb::ProcessExec& e) {
    for (Process& known : trace_.processes) {
      if (known.pid != e.pid()) continue;
      ProcessExec exec;
      exec.executable = e.executable();
      exec.argv.assign(e.argv().begin(), e.argv().end());
      known.execs.push_back(std::move(exec));
      return Status::Ok();
    }
    return Corrupt("an exec of process " + std::to_string(e.pid()) + ", which is not defined");
  }

  Status HandleProcess(const pb::Process& p) {
    for (const Process& known : trace_.processes) {
      if (known.pid == p.pid()) {
        return Corrupt("process " + std::to_string(p.pid()) + " is defined twice");
      }
    }
    if (p.parent() < -1) return Corrupt("process parent " + std::to_string(p.parent()));
    Process process;
    process.pid = p.pid();
    process.parent = p.parent();
    process.executable = p.executable();
    process.argv.assign(p.argv().begin(), p.argv().end());
    trace_.processes.push_back(std::move(process));
    return Status::Ok();
  }

  Status HandleModule(const pb::Module& m) {
    Module module;
    module.path = m.path();
    module.build_id = m.build_id();
    module.base = m.base();
    module.size = m.size();
    if (major_ == 1) {
      // Format 1 has no module ids: number them in file order.
      module.id = static_cast<uint32_t>(trace_.modules.size() + 1);
    } else {
      if (Status s = CheckDefinedId(m.id(), "module"); !s.ok()) return s;
      if (module_defined_.size() <= m.id()) module_defined_.resize(m.id() + 1);
      if (module_defined_[m.id()])
        return Corrupt("module " + std::to_string(m.id()) + " is defined twice");
      module_defined_[m.id()] = true;
      module.id = m.id();
      module.pid = m.pid();
    }
    trace_.modules.push_back(std::move(module));
    return Status::Ok();
  }

  Status HandleSymbols(const pb::FrameSymbols& f) {
    if (Status s = CheckDefinedId(f.frame_id(), "frame"); !s.ok()) return s;
    uint32_t id = f.frame_id();
    if (id >= frame_defined_.size() || !frame_defined_[id]) {
      return Corrupt("symbols for frame " + std::to_string(id) +
                     ", which is not defined before them");
    }
    Frame symbols;
    if (Status s = LookUpString(f.function_sid(), id, &symbols.function); !s.ok()) return s;
    if (Status s = LookUpString(f.file_sid(), id, &symbols.file); !s.ok()) return s;
    symbols.line = f.line();
    for (const pb::InlinedCaller& c : f.inlined_callers()) {
      InlinedCaller& caller = symbols.inlined_callers.emplace_back();
      if (Status s = LookUpString(c.function_sid(), id, &caller.function); !s.ok()) return s;
      if (Status s = LookUpString(c.file_sid(), id, &caller.file); !s.ok()) return s;
      caller.line = c.line();
    }
    if (symbols_defined_.size() <= id) symbols_defined_.resize(id + 1);
    Frame& frame = trace_.frames[id];
    if (symbols_defined_[id]) {
      if (frame.function != symbols.function || frame.file != symbols.file ||
          frame.line != symbols.line || frame.inlined_callers != symbols.inlined_callers) {
        return Corrupt("the symbols of frame " + std::to_string(id) +
                       " are redefined with other values");
      }
      return Status::Ok();
    }
    symbols_defined_[id] = true;
    frame.function = std::move(symbols.function);
    frame.file = std::move(symbols.file);
    frame.line = symbols.line;
    frame.inlined_callers = std::move(symbols.inlined_callers);
    return Status::Ok();
  }

  Status HandleOutput(const pb::ProgramOutput& o) {
    ProgramOutput* out = nullptr;
    if (o.stream() == pb::ProgramOutput::STDOUT) out = &trace_.program_stdout;
    if (o.stream() == pb::ProgramOutput::STDERR) out = &trace_.program_stderr;
    if (o.stream() == pb::ProgramOutput::STDIN) out = &trace_.program_stdin;
    if (out == nullptr) return Status::Ok();  // a stream added by a newer writer
    out->captured = true;
    out->data += o.data();
    out->truncated = out->truncated || o.truncated();
    out->total_bytes = std::max<uint64_t>({out->total_bytes, o.total_bytes(), out->data.size()});
    return Status::Ok();
  }

  Status HandleThread(const pb::ThreadInfo& t) {
    if (Status s = CheckId(t.tid(), "thread"); !s.ok()) return s;
    if (t.parent() < -1) return Corrupt("thread parent " + std::to_string(t.parent()));
    if (Status s = CheckId(t.parent() < 0 ? 0 : t.parent(), "parent thread"); !s.ok()) {
      return s;
    }
    if (Status s = CheckId(t.handle_obj(), "object"); !s.ok()) return s;
    GrowThreads(t.tid());
    Thread& thread = trace_.threads[t.tid()];
    thread.tid = t.tid();
    thread.parent = t.parent();
    thread.start_routine = t.start_routine();
    thread.start_function = t.start_function();
    thread.name = t.name();
    thread.handle_obj = t.handle_obj();
    thread.pid = t.pid();
    return Status::Ok();
  }

  Status HandleObject(const pb::Object& o) {
    if (Status s = CheckDefinedId(o.id(), "object"); !s.ok()) return s;
    if (trace_.objects.size() <= o.id()) trace_.objects.resize(o.id() + 1);
    Object& object = trace_.objects[o.id()];
    object.id = o.id();
    object.kind = static_cast<ObjectKind>(o.kind());
    object.address = o.address();
    object.symbol = o.symbol();
    object.aux = o.aux();
    object.parts.clear();
    for (const pb::ObjectPart& p : o.parts()) object.parts.push_back({p.offset(), p.symbol()});
    return Status::Ok();
  }

  Status HandleString(const pb::InternedString& s) {
    if (Status st = CheckDefinedId(s.id(), "string"); !st.ok()) return st;
    if (strings_.size() <= s.id()) {
      strings_.resize(s.id() + 1);
      string_defined_.resize(s.id() + 1);
    }
    if (string_defined_[s.id()] && strings_[s.id()] != s.value()) {
      return Corrupt("interned string " + std::to_string(s.id()) +
                     " is redefined with a different value");
    }
    string_defined_[s.id()] = true;
    strings_[s.id()] = s.value();
    return Status::Ok();
  }

  // The value of an interned string a frame refers to; it must be defined already.
  Status LookUpString(uint32_t sid, uint32_t frame_id, std::string* out) const {
    if (sid == 0) {
      out->clear();
      return Status::Ok();
    }
    if (sid >= string_defined_.size() || !string_defined_[sid]) {
      return Corrupt("frame " + std::to_string(frame_id) + " refers to string " +
                     std::to_string(sid) + ", which is not defined before it");
    }
    *out = strings_[sid];
    return Status::Ok();
  }

  Status HandleFrame(const pb::Frame& f) {
    if (Status s = CheckDefinedId(f.id(), "frame"); !s.ok()) return s;
    if (major_ >= 2) return HandleImmutableFrame(f);
    Frame frame;
    frame.ip = f.ip();
    frame.line = f.line();
    if (Status s = LookUpString(f.function_sid(), f.id(), &frame.function); !s.ok()) return s;
    if (Status s = LookUpString(f.file_sid(), f.id(), &frame.file); !s.ok()) return s;
    if (Status s = LookUpString(f.module_sid(), f.id(), &frame.module); !s.ok()) return s;
    if (trace_.frames.size() <= f.id()) trace_.frames.resize(f.id() + 1);
    trace_.frames[f.id()] = std::move(frame);  // format 1: the last definition wins
    return Status::Ok();
  }

  // A format-2 frame: (module, offset), defined once.
  Status HandleImmutableFrame(const pb::Frame& f) {
    uint32_t id = f.id();
    if (f.module_id() != 0 &&
        (f.module_id() >= module_defined_.size() || !module_defined_[f.module_id()])) {
      return Corrupt("frame " + std::to_string(id) + " refers to module " +
                     std::to_string(f.module_id()) + ", which is not defined before it");
    }
    if (frame_defined_.size() <= id) frame_defined_.resize(id + 1);
    if (trace_.frames.size() <= id) trace_.frames.resize(id + 1);
    Frame& frame = trace_.frames[id];
    if (frame_defined_[id]) {
      if (frame.module_id != f.module_id() || frame.offset != f.rel_pc()) {
        return Corrupt("frame " + std::to_string(id) + " is redefined with another location");
      }
      return Status::Ok();
    }
    frame_defined_[id] = true;
    frame.module_id = f.module_id();
    frame.offset = f.rel_pc();
    return Status::Ok();
  }

  Status HandleStack(const pb::Stack& st) {
    if (Status s = CheckDefinedId(st.id(), "stack"); !s.ok()) return s;
    for (uint32_t frame : st.frame_ids()) {
      if (Status s = CheckDefinedId(frame, "frame"); !s.ok()) return s;
    }
    if (trace_.stacks.size() <= st.id()) {
      trace_.stacks.resize(st.id() + 1);
      stack_defined_.resize(st.id() + 1);
    }
    std::vector<uint32_t> frames(st.frame_ids().begin(), st.frame_ids().end());
    if (stack_defined_[st.id()] && trace_.stacks[st.id()] != frames) {
      return Corrupt("interned stack " + std::to_string(st.id()) +
                     " is redefined with different frames");
    }
    stack_defined_[st.id()] = true;
    trace_.stacks[st.id()] = std::move(frames);
    return Status::Ok();
  }

  // Checks that an optional column has 0 or `n` entries.
  template <typename Column>
  Status CheckColumn(const Column& column, int n, const char* name) const {
    if (column.size() != 0 && column.size() != n) {
      return Corrupt(std::string("event batch column '") + name + "' has " +
                     std::to_string(column.size()) + " entries for " + std::to_string(n) + " rows");
    }
    return Status::Ok();
  }

  // Adds a delta to an id, checking the result is a possible id.
  Status AddIdDelta(uint64_t* id, int64_t delta, const char* what) const {
    if (delta > kMaxIdDelta || delta < -kMaxIdDelta) {
      return Corrupt(std::string(what) + " delta " + std::to_string(delta) + " is out of range");
    }
    int64_t next = static_cast<int64_t>(*id) + delta;
    if (next < 0) return Corrupt(std::string("negative ") + what + " id");
    if (Status s = CheckId(static_cast<uint64_t>(next), what); !s.ok()) return s;
    *id = static_cast<uint64_t>(next);
    return Status::Ok();
  }

  Status HandleEvents(const pb::EventBatch& batch) {
    if (batch.first_index() != trace_.events.size()) {
      return Corrupt("an event batch starts at event " + std::to_string(batch.first_index()) +
                     " but " + std::to_string(trace_.events.size()) +
                     " events precede it (a batch is missing or repeated)");
    }
    const int n = batch.kind_size();
    if (Status s = CheckColumn(batch.vtime_delta(), n, "vtime_delta"); !s.ok()) return s;
    if (Status s = CheckColumn(batch.tid(), n, "tid"); !s.ok()) return s;
    if (Status s = CheckColumn(batch.flags(), n, "flags"); !s.ok()) return s;
    if (Status s = CheckColumn(batch.obj_delta(), n, "obj_delta"); !s.ok()) return s;
    if (Status s = CheckColumn(batch.stack_delta(), n, "stack_delta"); !s.ok()) return s;
    if (Status s = CheckColumn(batch.enabled(), n, "enabled"); !s.ok()) return s;
    if (Status s = CheckColumn(batch.arg(), n, "arg"); !s.ok()) return s;
    const uint64_t words = batch.enabled_set_words();
    const bool has_sets = words != 0 || batch.decision_current_size() != 0;
    if (has_sets) {
      if (words > 64) return Corrupt("an enabled set of " + std::to_string(words) + " words");
      if (batch.decision_current_size() != n ||
          static_cast<uint64_t>(batch.enabled_set_size()) != words * static_cast<uint64_t>(n)) {
        return Corrupt("event batch enabled-set columns have " +
                       std::to_string(batch.decision_current_size()) + " and " +
                       std::to_string(batch.enabled_set_size()) + " entries for " +
                       std::to_string(n) + " rows of " + std::to_string(words) + " words");
      }
      trace_.enabled_sets.resize(trace_.events.size());
    }
    // An empty column stands for all zeros.
    auto at = [](const auto& column, int i) {
      using T = std::decay_t<decltype(column.Get(0))>;
      return column.empty() ? T{0} : column.Get(i);
    };
    uint64_t vtime = 0, obj = 0, stack = 0;
    for (int i = 0; i < n; ++i) {
      Event e;
      e.kind = static_cast<EventKind>(batch.kind(i));
      if (e.kind == EventKind::kNone) {
        return Corrupt("event " + std::to_string(trace_.events.size()) + " has kind 0");
      }
      vtime += static_cast<uint64_t>(at(batch.vtime_delta(), i));
      if (Status s = AddIdDelta(&obj, at(batch.obj_delta(), i), "object"); !s.ok()) return s;
      if (Status s = AddIdDelta(&stack, at(batch.stack_delta(), i), "stack"); !s.ok()) {
        return s;
      }
      e.tid = at(batch.tid(), i);
      if (Status s = CheckId(e.tid, "thread"); !s.ok()) return s;
      e.vtime = vtime;
      e.obj = static_cast<uint32_t>(obj);
      e.stack = static_cast<uint32_t>(stack);
      e.flags = at(batch.flags(), i);
      e.enabled = at(batch.enabled(), i);
      e.arg = at(batch.arg(), i);
      trace_.events.push_back(e);
      if (has_sets) {
        EnabledSet set;
        set.current = batch.decision_current(i);
        if (Status s = CheckId(set.current, "thread"); !s.ok()) return s;
        for (uint64_t w = 0; w < words; ++w) {
          set.words.push_back(batch.enabled_set(static_cast<int>(i * words + w)));
        }
        // Canonical form: a batch pads every set to its widest; the model does not.
        while (!set.words.empty() && set.words.back() == 0) set.words.pop_back();
        trace_.enabled_sets.push_back(std::move(set));
      }
    }
    return Status::Ok();
  }

  Status HandleWakes(const pb::WakeBatch& batch) {
    const int n = batch.event_index_delta_size();
    if (batch.woken_size() != 0 && batch.woken_size() != n) {
      return Corrupt("wake batch column 'woken' has " + std::to_string(batch.woken_size()) +
                     " entries for " + std::to_string(n) + " rows");
    }
    uint64_t index = 0;
    for (int i = 0; i < n; ++i) {
      int64_t delta = batch.event_index_delta(i);
      index += static_cast<uint64_t>(delta);
      if (index >= trace_.events.size()) {
        return Corrupt("a wake refers to event " + std::to_string(index) + ", but only " +
                       std::to_string(trace_.events.size()) + " events precede it");
      }
      Wake wake;
      wake.event_index = index;
      wake.woken = batch.woken_size() == 0 ? 0 : batch.woken(i);
      if (Status s = CheckId(wake.woken, "thread"); !s.ok()) return s;
      trace_.wakes.push_back(wake);
    }
    return Status::Ok();
  }

  Status HandleInputs(const pb::InputBatch& batch) {
    const int n = batch.kind_size();
    auto column = [&](int size, const char* name) -> Status {
      if (size != 0 && size != n) {
        return Corrupt(std::string("input batch column '") + name + "' has " +
                       std::to_string(size) + " entries for " + std::to_string(n) + " inputs");
      }
      return Status::Ok();
    };
    for (auto [size, name] :
         {std::pair{batch.tid_size(), "tid"}, std::pair{batch.source_size(), "source"},
          std::pair{batch.result_size(), "result"},
          std::pair{batch.value_delta_size(), "value_delta"},
          std::pair{batch.event_index_delta_size(), "event_index_delta"}}) {
      if (Status s = column(size, name); !s.ok()) return s;
    }
    uint64_t value = 0, index = 0;
    size_t at = 0;
    const std::string& data = batch.data();
    for (int i = 0; i < n; ++i) {
      Input in;
      int kind = batch.kind(i);
      if (kind < 1 || kind > static_cast<int>(Input::Kind::kDirent)) {
        return Corrupt("an input of unknown kind " + std::to_string(kind));
      }
      in.kind = static_cast<Input::Kind>(kind);
      in.tid = batch.tid_size() == 0 ? 0 : batch.tid(i);
      if (Status s = CheckId(in.tid, "thread"); !s.ok()) return s;
      in.source = batch.source_size() == 0 ? 0 : batch.source(i);
      in.result = batch.result_size() == 0 ? 0 : batch.result(i);
      value += static_cast<uint64_t>(batch.value_delta_size() == 0 ? 0 : batch.value_delta(i));
      in.value = value;
      index += batch.event_index_delta_size() == 0 ? 0 : batch.event_index_delta(i);
      if (index > trace_.events.size()) {
        return Corrupt("an input after event " + std::to_string(index) + ", but only " +
                       std::to_string(trace_.events.size()) + " events precede it");
      }
      in.event_index = index;
      if (in.kind != Input::Kind::kClock && in.result > 0) {
        const uint64_t bytes = static_cast<uint64_t>(in.result);
        if (bytes > data.size() - at) {
          return Corrupt("an input of " + std::to_string(bytes) + " bytes, but its batch holds " +
                         std::to_string(data.size() - at) + " more");
        }
        in.data.assign(data, at, bytes);
        at += bytes;
      }
      trace_.inputs.push_back(std::move(in));
    }
    if (at != data.size()) {
      return Corrupt("an input batch holds " + std::to_string(data.size() - at) +
                     " bytes no input returned");
    }
    return Status::Ok();
  }

  Status HandlePriorAccesses(const pb::PriorAccessBatch& batch) {
    for (const pb::PriorAccess& a : batch.accesses()) {
      const uint64_t index = a.event_index();
      if (index >= trace_.events.size()) {
        return Corrupt("a prior access refers to event " + std::to_string(index) + ", but only " +
                       std::to_string(trace_.events.size()) + " events precede it");
      }
      EventKind kind = trace_.events[index].kind;
      if (kind != EventKind::kMemRead && kind != EventKind::kMemWrite) {
        return Corrupt("a prior access refers to event " + std::to_string(index) + ", a " +
                       EventKindName(kind) + ", not a memory access");
      }
      if (!trace_.prior_accesses.empty() && index < trace_.prior_accesses.back().event_index) {
        return Corrupt("prior accesses out of order (event " + std::to_string(index) +
                       " after event " + std::to_string(trace_.prior_accesses.back().event_index) +
                       ")");
      }
      if (a.before_event() > index) {
        return Corrupt("a prior access of event " + std::to_string(index) +
                       " happened before event " + std::to_string(a.before_event()) +
                       ", which is later");
      }
      if (Status s = CheckId(a.tid(), "thread"); !s.ok()) return s;
      if (Status s = CheckId(a.stack(), "stack"); !s.ok()) return s;
      PriorAccess access;
      access.event_index = index;
      access.tid = a.tid();
      access.write = a.write();
      access.flags = a.flags();
      access.arg = a.arg();
      access.stack = a.stack();
      access.before_event = a.before_event();
      trace_.prior_accesses.push_back(access);
    }
    return Status::Ok();
  }

  Status HandleOutcome(const pb::Outcome& o) {
    if (o.kind() == pb::Outcome::KIND_UNSPECIFIED) return Corrupt("the outcome has no kind");
    Outcome& outcome = trace_.outcome;
    outcome.kind = static_cast<Outcome::Kind>(o.kind());
    outcome.exit_code = o.exit_code();
    outcome.signal = o.signal();
    for (const pb::BlockedThread& b : o.blocked()) {
      BlockedThread blocked;
      blocked.tid = b.tid();
      blocked.kind = static_cast<EventKind>(b.kind());
      blocked.obj = b.obj();
      blocked.holder = b.holder();
      blocked.stack = b.stack();
      if (Status s = CheckId(blocked.tid, "thread"); !s.ok()) return s;
      if (Status s = CheckId(blocked.obj, "object"); !s.ok()) return s;
      if (Status s = CheckId(blocked.stack, "stack"); !s.ok()) return s;
      if (blocked.holder < -1) return Corrupt("holder " + std::to_string(blocked.holder));
      if (Status s = CheckId(blocked.holder < 0 ? 0 : blocked.holder, "thread"); !s.ok()) {
        return s;
      }
      outcome.blocked.push_back(blocked);
    }
    if (o.has_crash()) {
      const pb::Crash& c = o.crash();
      Crash crash;
      crash.signal = c.signal();
      crash.os_tid = c.os_tid();
      crash.tid = c.tid();
      if (crash.tid < -1) return Corrupt("crash thread " + std::to_string(crash.tid));
      if (Status s = CheckId(crash.tid < 0 ? 0 : crash.tid, "thread"); !s.ok()) return s;
      crash.fault_address = c.fault_address();
      crash.ip = c.ip();
      crash.instruction = c.instruction();
      for (uint32_t frame : c.frame_ids()) {
        if (Status s = CheckDefinedId(frame, "frame"); !s.ok()) return s;
        crash.frames.push_back(frame);
      }
      outcome.crash = std::move(crash);
    }
    outcome.diverged = o.diverged();
    outcome.divergence_index = o.divergence_index();
    outcome.divergence = o.divergence();
    outcome.message = o.message();
    outcome.events = o.events();
    outcome.wall_seconds = o.wall_seconds();
    outcome.turns_taken = o.turns_taken();
    trace_.has_outcome = true;
    saw_outcome_ = true;
    return Status::Ok();
  }

  void GrowThreads(uint64_t tid) {
    while (trace_.threads.size() <= tid) {
      Thread thread;
      thread.tid = static_cast<uint32_t>(trace_.threads.size());
      trace_.threads.push_back(thread);
    }
  }

  // Fills each frame's derived fields (ip, module path) from its module. Format 1 had
  // absolute ips and module paths: find the module that holds the ip.
  void PlaceFrames() {
    for (Frame& frame : trace_.frames) {
      if (major_ == 1) {
        frame.module_id = 0;
        frame.offset = frame.ip;
        if (frame.module.empty()) continue;
        for (const Module& m : trace_.modules) {
          if (m.path == frame.module && frame.ip >= m.base &&
              frame.ip - m.base < std::max<uint64_t>(m.size, 1)) {
            frame.module_id = m.id;
            frame.offset = frame.ip - m.base;
            break;
          }
        }
        continue;
      }
      const Module* m = FindModule(trace_, frame.module_id);
      frame.ip = m ? m->base + frame.offset : frame.offset;
      frame.module = m ? m->path : std::string();
    }
  }

  // Pads the tables so that every id referred to is a valid index (all ids were bounded by
  // CheckId when they were read), and converts a format-1 trace to the current model.
  void Finish() {
    bool has_root = false;
    for (const Process& p : trace_.processes) has_root = has_root || p.pid == 0;
    if (major_ == 1 && !has_root) {
      // Format 1 recorded one process, described by the header (unless the file, format 1
      // in name only, defines one itself: it would be defined twice).
      Process root;
      root.executable = trace_.header.executable;
      root.argv = trace_.header.argv;
      trace_.processes.push_back(std::move(root));
    }
    if (!trace_.enabled_sets.empty()) trace_.enabled_sets.resize(trace_.events.size());
    uint64_t max_obj = 0, max_stack = 0, max_frame = 0;
    int64_t max_tid = -1;
    auto thread = [&](int64_t tid) { max_tid = std::max(max_tid, tid); };
    for (const Thread& t : trace_.threads) {
      thread(t.parent);
      max_obj = std::max<uint64_t>(max_obj, t.handle_obj);
    }
    for (const Event& e : trace_.events) {
      thread(e.tid);
      max_obj = std::max<uint64_t>(max_obj, e.obj);
      max_stack = std::max<uint64_t>(max_stack, e.stack);
    }
    for (const Wake& w : trace_.wakes) thread(w.woken);
    for (const PriorAccess& a : trace_.prior_accesses) {
      thread(a.tid);
      max_stack = std::max<uint64_t>(max_stack, a.stack);
    }
    for (const std::vector<uint32_t>& stack : trace_.stacks) {
      for (uint32_t frame : stack) max_frame = std::max<uint64_t>(max_frame, frame);
    }
    for (const BlockedThread& b : trace_.outcome.blocked) {
      thread(b.tid);
      thread(b.holder);
      max_obj = std::max<uint64_t>(max_obj, b.obj);
      max_stack = std::max<uint64_t>(max_stack, b.stack);
    }
    if (trace_.outcome.crash) {
      thread(trace_.outcome.crash->tid);
      for (uint32_t frame : trace_.outcome.crash->frames) {
        max_frame = std::max<uint64_t>(max_frame, frame);
      }
    }
    if (max_tid >= 0) GrowThreads(static_cast<uint64_t>(max_tid));
    if (trace_.objects.size() <= max_obj) trace_.objects.resize(max_obj + 1);
    if (trace_.stacks.size() <= max_stack) trace_.stacks.resize(max_stack + 1);
    if (trace_.frames.size() <= max_frame) trace_.frames.resize(max_frame + 1);
    PlaceFrames();
  }

  const std::string& bytes_;
  const std::string& name_;
  const ReadOptions options_;
  uint64_t id_limit_ = 0;
  uint64_t offset_ = 0;  // start of the packet being handled
  pb::Packet packet_;
  Trace trace_;
  bool saw_header_ = false;
  bool saw_outcome_ = false;
  uint32_t major_ = kFormatMajor;
  std::vector<bool> module_defined_;  // format 2, by module id
  std::vector<bool> frame_defined_;   // format 2, by frame id
  std::vector<bool> symbols_defined_;
  std::vector<std::string> strings_;  // interned strings by id
  std::vector<bool> string_defined_;
  std::vector<bool> stack_defined_;
};

}  // namespace

Result<Trace> ParseTrace(const std::string& bytes, const std::string& name,
                         const ReadOptions& options) {
  return Reader(bytes, name, options).Read();
}

Result<Trace> ParseTrace(const std::string& bytes, const std::string& name) {
  return ParseTrace(bytes, name, ReadOptions());
}

Result<Trace> ReadTrace(const std::string& path, const ReadOptions& options) {
  auto fail = [&](const std::string& why) {
    return MakeError("cannot read trace '" + path + "': " + why);
  };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int saved = errno;
    std::string why = std::strerror(saved);
    if (saved == ENOENT) why += " (check the path; `weft record` writes the trace)";
    return fail(why);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int saved = errno;
    ::close(fd);
    return fail(std::strerror(saved));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return fail("it is a directory, not a trace file");
  }
  std::string bytes;
  if (S_ISREG(st.st_mode)) bytes.reserve(static_cast<size_t>(st.st_size));
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      return fail(std::string("read failed: ") + std::strerror(saved));
    }
    if (n == 0) break;
    bytes.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return ParseTrace(bytes, path, options);
}

Result<Trace> ReadTrace(const std::string& path) { return ReadTrace(path, ReadOptions()); }

}  // namespace weft::format
