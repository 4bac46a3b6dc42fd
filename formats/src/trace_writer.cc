// trace_writer.cc — TraceWriter and WriteTrace: the model of trace.h → weft_trace.proto
// packets, framed as FORMAT.md describes.
#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "format_internal.h"
#include "weft/trace_io.h"
#include "weft_trace.pb.h"

namespace weft::format {
namespace {

namespace pb = ::weft::trace;
using internal::kEventsPerBatch;
using internal::kMaxPacketBytes;

// Bytes buffered before they are handed to write(2) between explicit flushes.
constexpr size_t kWriteBufferBytes = 256 * 1024;

void FillHeader(const Header& header, pb::Header* out) {
  out->set_weft_version(header.weft_version);
  out->set_shim_protocol(header.shim_protocol);
  for (const std::string& arg : header.argv) out->add_argv(arg);
  out->set_executable(header.executable);
  out->set_cwd(header.cwd);
  for (size_t i = 0; i < header.env.size(); ++i) {
    pb::EnvVar* var = out->add_env();
    var->set_name(header.env[i].first);
    bool redacted = false;
    for (const RedactedEnv& r : header.env_redacted) {
      if (r.index != i) continue;
      var->set_digest(r.digest);
      redacted = true;  // NB: the value never reaches the file, whatever the caller left in env
    }
    if (!redacted) var->set_value(header.env[i].second);
  }
  out->set_env_salt(header.env_salt);
  out->set_env_digest_scheme(header.env_digest_scheme);
  for (const std::string& name : header.env_kept) out->add_env_kept(name);
  out->set_executable_build_id(header.executable_build_id);
  out->set_executable_sha256(header.executable_sha256);
  for (uint64_t pc : header.memory_sites) out->add_memory_sites(pc);
  if (header.atomic_sites) {
    pb::AtomicSites* atomic = out->mutable_atomic_sites();
    for (const Header::AtomicSitesModule& m : header.atomic_site_modules) {
      pb::AtomicSites::Module* mod = atomic->add_modules();
      mod->set_path(m.path);
      mod->set_sites(m.sites);
    }
  }
  out->set_mode(static_cast<pb::Mode>(header.mode));
  out->set_strategy(header.strategy);
  out->set_seed(header.seed);
  out->set_realtime_base_ns(header.realtime_base_ns);
  out->set_monotonic_base_ns(header.monotonic_base_ns);
  out->set_created_unix_ns(header.created_unix_ns);
  out->set_replayed_from(header.replayed_from);
  out->set_timeout_seconds(header.timeout_seconds);
  out->set_max_steps(header.max_steps);
  out->set_stack_depth(header.stack_depth);
  out->set_isolated(header.isolated);
  out->set_inputs_recorded(header.inputs_recorded);
  out->set_input_kinds(header.input_kinds);
  out->set_stdout_sink(static_cast<pb::StreamSink>(header.stdout_sink));
  out->set_stderr_sink(static_cast<pb::StreamSink>(header.stderr_sink));
  out->set_stderr_is_stdout(header.stderr_is_stdout);
  out->set_interp_phase(header.interp_phase);
  if (header.ring) {
    pb::RingWindow* ring = out->mutable_ring();
    ring->set_window_bytes(header.ring_window.window_bytes);
    ring->set_dropped_events(header.ring_window.dropped_events);
    ring->set_dropped_inputs(header.ring_window.dropped_inputs);
    ring->set_running(header.ring_window.running);
    ring->set_dump(header.ring_window.dump);
  }
  const ScheduleSpec& spec = header.schedule;
  pb::Schedule* schedule = out->mutable_schedule();
  schedule->set_kind(static_cast<pb::Schedule::Kind>(spec.kind));
  schedule->set_seed(spec.seed);
  schedule->set_pct_depth(spec.pct_depth);
  schedule->set_pct_steps(spec.pct_steps);
  schedule->set_tail(spec.tail);
  schedule->set_forced_tid(spec.forced_tid);
  schedule->set_prefix(spec.prefix);
  for (const auto& [name, value] : spec.parameters) {
    pb::Schedule::Parameter* p = schedule->add_parameters();
    p->set_name(name);
    p->set_value(value);
  }
}

void FillOutcome(const Outcome& outcome, pb::Outcome* out) {
  out->set_kind(static_cast<pb::Outcome::Kind>(outcome.kind));
  out->set_exit_code(outcome.exit_code);
  out->set_signal(outcome.signal);
  for (const BlockedThread& blocked : outcome.blocked) {
    pb::BlockedThread* b = out->add_blocked();
    b->set_tid(blocked.tid);
    b->set_kind(static_cast<pb::EventKind>(blocked.kind));
    b->set_obj(blocked.obj);
    b->set_holder(blocked.holder);
    b->set_stack(blocked.stack);
  }
  if (outcome.crash) {
    const Crash& crash = *outcome.crash;
    pb::Crash* c = out->mutable_crash();
    c->set_signal(crash.signal);
    c->set_os_tid(crash.os_tid);
    c->set_tid(crash.tid);
    c->set_fault_address(crash.fault_address);
    c->set_ip(crash.ip);
    c->set_instruction(crash.instruction);
    for (uint32_t id : crash.frames) c->add_frame_ids(id);
  }
  out->set_diverged(outcome.diverged);
  out->set_divergence_index(outcome.divergence_index);
  out->set_divergence(outcome.divergence);
  out->set_message(outcome.message);
  out->set_events(outcome.events);
  out->set_wall_seconds(outcome.wall_seconds);
  out->set_turns_taken(outcome.turns_taken);
}

// Appends `values` to a packed column unless they are all 0 (FORMAT.md: an empty column
// means all zeros).
template <typename T, typename Column>
void PutColumn(const std::vector<T>& values, Column* column) {
  bool all_zero = true;
  for (T v : values) {
    if (v != 0) {
      all_zero = false;
      break;
    }
  }
  if (all_zero) return;
  column->Reserve(static_cast<int>(values.size()));
  for (T v : values) column->AddAlreadyReserved(v);
}

// The difference of two unsigned values as the signed delta the format stores; adding it
// back with unsigned wrap-around restores the value exactly.
int64_t Delta(uint64_t value, uint64_t previous) { return static_cast<int64_t>(value - previous); }

// ---- an event batch's packet, encoded by hand ----
// The bytes protobuf would write for a Packet holding an EventBatch without enabled-set
// columns (fields in number order, each column packed, a column of zeros left out as
// PutColumn leaves it out; a unit test compares the two): protobuf's way there (a
// RepeatedField per column, ByteSizeLong's pass over every value, then the serializer's)
// was half of the supervisor's CPU per event of a free recording.

uint8_t* PutVarint(uint8_t* at, uint64_t v) {
  while (v >= 0x80) {
    *at++ = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  *at++ = static_cast<uint8_t>(v);
  return at;
}

size_t VarintBytes(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}

// One packed column being encoded: its values' varints, then framed by Finish.
class PackedColumn {
 public:
  void Reset(size_t values) {
    bytes_.resize(values * 10);
    end_ = bytes_.data();
    any_ = false;
  }
  void Add(uint64_t v) {
    any_ = any_ || v != 0;
    end_ = PutVarint(end_, v);
  }
  size_t payload() const { return static_cast<size_t>(end_ - bytes_.data()); }
  // Bytes of the framed field (0: all zeros, left out).
  size_t FieldBytes() const { return any_ ? 1 + VarintBytes(payload()) + payload() : 0; }
  // Written even when all its values are 0 (as protobuf writes a column the writer filled).
  void Keep() { any_ = any_ || end_ != bytes_.data(); }
  uint8_t* Put(uint8_t* at, uint32_t field) const {
    if (!any_) return at;
    *at++ = static_cast<uint8_t>(field << 3 | 2);  // length-delimited; fields < 16
    at = PutVarint(at, payload());
    std::memcpy(at, bytes_.data(), payload());
    return at + payload();
  }

 private:
  std::vector<uint8_t> bytes_;
  uint8_t* end_ = nullptr;
  bool any_ = false;
};

// The columns of EventBatch (weft_trace.proto) by field number, and Packet's event_batch.
constexpr uint32_t kBatchFirstIndex = 1, kBatchVtime = 2, kBatchTid = 3, kBatchKind = 4,
                   kBatchFlags = 5, kBatchObj = 6, kBatchStack = 7, kBatchEnabled = 8,
                   kBatchArg = 9, kPacketEventBatch = 7;
// The columns of InputBatch, its data, and Packet's input_batch.
constexpr uint32_t kInputTid = 1, kInputKind = 2, kInputSource = 3, kInputResult = 4,
                   kInputValue = 5, kInputEventIndex = 6, kInputData = 7, kPacketInputBatch = 16;

}  // namespace

struct TraceWriter::Impl {
  Impl(std::string path_in, int fd_in, uint64_t* bytes_written_in)
      : path(std::move(path_in)), fd(fd_in), bytes_written(bytes_written_in) {}

  Error WriteError(const std::string& why) const {
    return MakeError("cannot write trace '" + path + "': " + why);
  }

  // Refuses every call after a failure, after the outcome, or after Close().
  Status Usable() const {
    if (error) return *error;
    if (closed) return WriteError("the writer is already closed");
    if (outcome_written) return WriteError("nothing may be written after the outcome");
    return Status::Ok();
  }

  // Remembers the first failure: a writer that lost bytes must not produce a file that
  // looks intact.
  Status Fail(Error e) {
    if (!error) error = e;
    return e;
  }

  // Frames `packet` into the output buffer.
  Status Append(const pb::Packet& message) {
    size_t size = message.ByteSizeLong();
    if (size > kMaxPacketBytes) {
      return Fail(WriteError("a packet of " + std::to_string(size) +
                             " bytes exceeds the format's limit of " +
                             std::to_string(kMaxPacketBytes) + " bytes"));
    }
    uint8_t prefix[16];
    uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint64ToArray(size, prefix);
    // A window (CreateWindow) keeps its batches apart from the tables: they are what it drops.
    std::string& to = !window                 ? out
                      : IsBatch(message)      ? pending_chunk
                      : message.has_outcome() ? trailer
                                              : tables;
    to.append(reinterpret_cast<const char*>(prefix), end - prefix);
    size_t at = to.size();
    to.resize(at + size);
    message.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(&to[at]));
    if (!window && out.size() >= kWriteBufferBytes) return Drain();
    return Status::Ok();
  }

  static bool IsBatch(const pb::Packet& message) {
    return message.has_event_batch() || message.has_wake_batch() || message.has_input_batch() ||
           message.has_prior_access_batch();
  }

  // A window: the batches just flushed become its newest chunk; the oldest go while the
  // chunks hold more than window_bytes (the newest always stays).
  void CloseChunk(uint64_t first_event, uint64_t events_in_chunk, uint64_t inputs_in_chunk) {
    if (pending_chunk.empty()) return;
    // NB: the string grew by doubling: without this a window holds up to twice SIZE.
    pending_chunk.shrink_to_fit();
    chunk_bytes += pending_chunk.size();
    chunks.push_back({std::move(pending_chunk), first_event, events_in_chunk, inputs_in_chunk});
    pending_chunk.clear();
    while (chunk_bytes > window_bytes && chunks.size() > 1) {
      chunk_bytes -= chunks.front().bytes.size();
      dropped_events += chunks.front().events;
      dropped_inputs += chunks.front().inputs;
      chunks.pop_front();
    }
  }

  Status AppendPacket() {
    Status status = Append(packet);
    packet.Clear();
    return status;
  }

  // Hands the buffered bytes to the kernel.
  Status Drain() {
    if (window) return Status::Ok();  // (nothing goes to a file but at WriteWindow)
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n = ::write(fd, out.data() + done, out.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        int saved = errno;
        out.erase(0, done);
        return Fail(
            WriteError(std::string(std::strerror(saved)) +
                       (saved == ENOSPC ? " (free some disk space and record again)" : "")));
      }
      done += static_cast<size_t>(n);
      *bytes_written += static_cast<uint64_t>(n);
    }
    out.clear();
    return Status::Ok();
  }

  // Returns the InternedString id of `value`, emitting its packet on first use; "" is 0.
  Result<uint32_t> Intern(const std::string& value) {
    if (value.empty()) return 0u;
    auto it = strings.find(value);
    if (it != strings.end()) return it->second;
    auto id = static_cast<uint32_t>(strings.size() + 1);
    strings.emplace(value, id);
    pb::Packet string_packet;
    pb::InternedString* s = string_packet.mutable_interned_string();
    s->set_id(id);
    s->set_value(value);
    Status status = Append(string_packet);
    if (!status.ok()) return status.error();
    return id;
  }

  // Writes the pending events, then the pending wakes and prior accesses (NB: in this
  // order: both refer to an event, and a reader rejects a reference to an event it has not
  // seen yet).
  Status FlushBatches() {
    const uint64_t chunk_first_event = batch_first_index;
    const uint64_t chunk_events = events.size(), chunk_inputs = inputs.size();
    Status status = FlushBatchPackets();
    if (window && status.ok()) CloseChunk(chunk_first_event, chunk_events, chunk_inputs);
    return status;
  }

  // Frames the event batch of `events` (no enabled sets) into the output, as Append would
  // frame protobuf's encoding of it.
  Status AppendEventBatch() {
    const size_t n = events.size();
    for (PackedColumn& c : columns) c.Reset(n);
    uint64_t prev_vtime = 0, prev_obj = 0, prev_stack = 0;
    for (const Event& e : events) {
      columns[0].Add(ZigZag(Delta(e.vtime, prev_vtime)));
      columns[1].Add(e.tid);
      // NB: an enum is an int32: a negative one is its 64-bit sign extension.
      columns[2].Add(static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(e.kind))));
      columns[3].Add(e.flags);
      columns[4].Add(ZigZag(Delta(e.obj, prev_obj)));
      columns[5].Add(ZigZag(Delta(e.stack, prev_stack)));
      columns[6].Add(e.enabled);
      columns[7].Add(ZigZag(e.arg));
      prev_vtime = e.vtime;
      prev_obj = e.obj;
      prev_stack = e.stack;
    }
    static constexpr uint32_t kFields[8] = {kBatchVtime, kBatchTid,   kBatchKind,    kBatchFlags,
                                            kBatchObj,   kBatchStack, kBatchEnabled, kBatchArg};
    size_t batch_bytes = batch_first_index != 0 ? 1 + VarintBytes(batch_first_index) : 0;
    for (const PackedColumn& c : columns) batch_bytes += c.FieldBytes();
    const size_t size = 1 + VarintBytes(batch_bytes) + batch_bytes;
    if (size > kMaxPacketBytes) {
      return Fail(WriteError("a packet of " + std::to_string(size) +
                             " bytes exceeds the format's limit of " +
                             std::to_string(kMaxPacketBytes) + " bytes"));
    }
    std::string& to = !window ? out : pending_chunk;
    const size_t at = to.size();
    to.resize(at + VarintBytes(size) + size);
    uint8_t* p = reinterpret_cast<uint8_t*>(&to[at]);
    p = PutVarint(p, size);
    *p++ = static_cast<uint8_t>(kPacketEventBatch << 3 | 2);
    p = PutVarint(p, batch_bytes);
    if (batch_first_index != 0) {
      *p++ = static_cast<uint8_t>(kBatchFirstIndex << 3 | 0);
      p = PutVarint(p, batch_first_index);
    }
    for (size_t i = 0; i < 8; ++i) p = columns[i].Put(p, kFields[i]);
    batch_first_index += n;
    events.clear();
    if (!window && out.size() >= kWriteBufferBytes) return Drain();
    return Status::Ok();
  }

  // Frames the input batch of `inputs` into the output, as Append would frame protobuf's
  // encoding of it, each input's bytes appended once, straight from the input. NB: through
  // protobuf every byte a free recording read was copied into the batch, its room in the
  // output zeroed (resize), then serialized into it: a fifth of weft's own CPU on a run that
  // reads 6 MB (git grep).
  Status AppendInputBatch() {
    const size_t n = inputs.size();
    for (size_t i = 0; i < 6; ++i) input_columns[i].Reset(n);
    uint64_t prev_value = 0, prev_index = 0, data_bytes = 0;
    for (const Input& in : inputs) {
      input_columns[0].Add(in.tid);
      // NB: an enum is an int32: a negative one is its 64-bit sign extension.
      input_columns[1].Add(
          static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(in.kind))));
      input_columns[2].Add(ZigZag(in.source));
      input_columns[3].Add(ZigZag(in.result));
      input_columns[4].Add(ZigZag(Delta(in.value, prev_value)));
      input_columns[5].Add(in.event_index - prev_index);
      prev_value = in.value;
      prev_index = in.event_index;
      data_bytes += in.data.size();
    }
    input_columns[1].Keep();  // every input's kind is added, zero or not
    static constexpr uint32_t kFields[6] = {kInputTid,    kInputKind,  kInputSource,
                                            kInputResult, kInputValue, kInputEventIndex};
    size_t batch_bytes = data_bytes != 0 ? 1 + VarintBytes(data_bytes) + data_bytes : 0;
    for (size_t i = 0; i < 6; ++i) batch_bytes += input_columns[i].FieldBytes();
    constexpr uint64_t kTag = kPacketInputBatch << 3 | 2;
    const size_t size = VarintBytes(kTag) + VarintBytes(batch_bytes) + batch_bytes;
    if (size > kMaxPacketBytes) {
      return Fail(WriteError("a packet of " + std::to_string(size) +
                             " bytes exceeds the format's limit of " +
                             std::to_string(kMaxPacketBytes) + " bytes"));
    }
    std::string& to = !window ? out : pending_chunk;
    const size_t columns_bytes = batch_bytes - (data_bytes != 0 ? data_bytes : 0);
    to.reserve(to.size() + VarintBytes(size) + size);
    const size_t at = to.size();
    // The framing and the columns (small), then the data's tag and length, then its bytes.
    to.resize(at + VarintBytes(size) + VarintBytes(kTag) + VarintBytes(batch_bytes) +
              columns_bytes);
    uint8_t* p = reinterpret_cast<uint8_t*>(&to[at]);
    p = PutVarint(p, size);
    p = PutVarint(p, kTag);
    p = PutVarint(p, batch_bytes);
    for (size_t i = 0; i < 6; ++i) p = input_columns[i].Put(p, kFields[i]);
    if (data_bytes != 0) {
      *p++ = static_cast<uint8_t>(kInputData << 3 | 2);
      p = PutVarint(p, data_bytes);
      to.resize(static_cast<size_t>(p - reinterpret_cast<uint8_t*>(to.data())));
      for (const Input& in : inputs) to.append(in.data);
    }
    inputs.clear();
    input_bytes = 0;
    if (!window && out.size() >= kWriteBufferBytes) return Drain();
    return Status::Ok();
  }

  Status FlushBatchPackets() {
    if (!events.empty() && sets.empty()) {
      if (Status status = AppendEventBatch(); !status.ok()) return status;
    }
    if (!events.empty()) {
      pb::EventBatch* batch = packet.mutable_event_batch();
      batch->set_first_index(batch_first_index);
      size_t n = events.size();
      std::vector<int64_t> vtime(n), obj(n), stack(n), arg(n);
      std::vector<uint32_t> tid(n), flags(n), enabled(n);
      uint64_t prev_vtime = 0, prev_obj = 0, prev_stack = 0;
      batch->mutable_kind()->Reserve(static_cast<int>(n));
      for (size_t i = 0; i < n; ++i) {
        const Event& e = events[i];
        vtime[i] = Delta(e.vtime, prev_vtime);
        obj[i] = Delta(e.obj, prev_obj);
        stack[i] = Delta(e.stack, prev_stack);
        prev_vtime = e.vtime;
        prev_obj = e.obj;
        prev_stack = e.stack;
        tid[i] = e.tid;
        flags[i] = e.flags;
        enabled[i] = e.enabled;
        arg[i] = e.arg;
        batch->mutable_kind()->AddAlreadyReserved(static_cast<int>(e.kind));
      }
      PutColumn(vtime, batch->mutable_vtime_delta());
      PutColumn(tid, batch->mutable_tid());
      PutColumn(flags, batch->mutable_flags());
      PutColumn(obj, batch->mutable_obj_delta());
      PutColumn(stack, batch->mutable_stack_delta());
      PutColumn(enabled, batch->mutable_enabled());
      PutColumn(arg, batch->mutable_arg());
      if (!sets.empty()) {
        sets.resize(n);
        size_t words = 0;
        for (const EnabledSet& set : sets) words = std::max(words, set.words.size());
        batch->set_enabled_set_words(static_cast<uint32_t>(words));
        batch->mutable_enabled_set()->Reserve(static_cast<int>(n * words));
        for (const EnabledSet& set : sets) {
          batch->add_decision_current(set.current);
          for (size_t w = 0; w < words; ++w) {
            batch->add_enabled_set(w < set.words.size() ? set.words[w] : 0);
          }
        }
        sets.clear();
      }
      batch_first_index += n;
      events.clear();
      Status status = AppendPacket();
      if (!status.ok()) return status;
    }
    if (!wakes.empty()) {
      pb::WakeBatch* batch = packet.mutable_wake_batch();
      std::vector<uint32_t> woken;
      uint64_t prev = 0;
      for (const Wake& wake : wakes) {
        batch->add_event_index_delta(Delta(wake.event_index, prev));
        prev = wake.event_index;
        woken.push_back(wake.woken);
      }
      PutColumn(woken, batch->mutable_woken());
      wakes.clear();
      Status status = AppendPacket();
      if (!status.ok()) return status;
    }
    if (!inputs.empty()) {
      if (Status status = AppendInputBatch(); !status.ok()) return status;
    }
    if (!priors.empty()) {
      pb::PriorAccessBatch* batch = packet.mutable_prior_access_batch();
      for (const PriorAccess& p : priors) {
        pb::PriorAccess* a = batch->add_accesses();
        a->set_event_index(p.event_index);
        a->set_tid(p.tid);
        a->set_write(p.write);
        a->set_flags(p.flags);
        a->set_arg(p.arg);
        a->set_stack(p.stack);
        a->set_before_event(p.before_event);
      }
      priors.clear();
      Status status = AppendPacket();
      if (!status.ok()) return status;
    }
    return Status::Ok();
  }

  std::string path;
  int fd = -1;
  bool unnamed = false;    // CreateUnnamed's or CreateInMemory's file, until Publish
  bool in_memory = false;  // CreateInMemory's: fd is a memfd
  uint64_t* bytes_written;
  std::string out;                  // framed packets not yet written to fd
  pb::Packet packet;                // reused for every packet
  std::vector<Event> events;        // pending, not yet in a batch
  PackedColumn columns[8];          // AppendEventBatch's, kept for their memory
  PackedColumn input_columns[6];    // AppendInputBatch's
  std::vector<EnabledSet> sets;     // enabled sets of `events` (shorter: the rest have none)
  std::vector<Wake> wakes;          // pending, not yet in a batch
  std::vector<PriorAccess> priors;  // pending, not yet in a batch
  std::vector<Input> inputs;        // pending, not yet in a batch
  uint64_t input_bytes = 0;         // data bytes of `inputs`
  uint64_t last_input_event = 0;    // event_index of the last input accepted
  uint64_t last_prior_event = 0;    // event_index of the last prior access accepted
  uint64_t batch_first_index = 0;
  std::unordered_map<std::string, uint32_t> strings;
  std::vector<bool> frame_defined;    // by frame id
  std::vector<bool> symbols_defined;  // by frame id
  std::optional<Error> error;         // first failure; sticky
  bool outcome_written = false;
  bool closed = false;

  // A window (CreateWindow): nothing is written but by WriteWindow.
  struct Chunk {
    std::string bytes;     // framed batch packets, their event indices the run's
    uint64_t first_event;  // the run's index of its first event
    uint64_t events;
    uint64_t inputs;
  };
  bool window = false;
  uint64_t window_bytes = 0;
  Header header;              // the run's, written at each WriteWindow with `ring` filled in
  std::string tables;         // every packet but the batches and the outcome, kept whole
  std::string pending_chunk;  // batches of the FlushBatches under way
  std::string trailer;        // the outcome packet, once written
  std::deque<Chunk> chunks;   // oldest first
  uint64_t chunk_bytes = 0;
  uint64_t dropped_events = 0, dropped_inputs = 0;
};

Result<std::unique_ptr<TraceWriter>> TraceWriter::CreateUnnamed(const std::string& path,
                                                                const Header& header) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return Create(path, header);  // no O_TMPFILE here: named from the start
  return CreateOnFd(path, fd, header, /*unnamed=*/true);
}

Result<std::unique_ptr<TraceWriter>> TraceWriter::CreateInMemory(const std::string& path,
                                                                 const Header& header) {
  int fd = static_cast<int>(::memfd_create("weft-trace", MFD_CLOEXEC));
  if (fd < 0) return Create(path, header);
  Result<std::unique_ptr<TraceWriter>> w = CreateOnFd(path, fd, header, /*unnamed=*/true);
  if (w.ok()) w.value()->impl_->in_memory = true;
  return w;
}

Status TraceWriter::Publish() {
  if (!impl_ || !impl_->unnamed) return Status();
  if (impl_->in_memory) {
    // What reached the memfd so far goes to the file; the rest is written there.
    int to = ::open(impl_->path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (to < 0)
      return MakeError("cannot write trace '" + impl_->path + "': " + std::strerror(errno));
    std::string why;
    char buf[65536];
    for (off_t at = 0;;) {
      ssize_t n = ::pread(impl_->fd, buf, sizeof(buf), at);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) why = std::strerror(errno);
      if (n <= 0) break;
      at += n;
      for (ssize_t done = 0; done < n && why.empty();) {
        ssize_t m = ::write(to, buf + done, static_cast<size_t>(n - done));
        if (m < 0 && errno == EINTR) continue;
        if (m <= 0) why = m < 0 ? std::strerror(errno) : "short write";
        if (m > 0) done += m;
      }
      if (!why.empty()) break;
    }
    if (why.empty() && ::fchmod(to, 0600) != 0) why = std::strerror(errno);
    if (!why.empty()) {
      ::close(to);
      return MakeError("cannot write trace '" + impl_->path + "': " + why);
    }
    ::close(impl_->fd);
    impl_->fd = to;
    impl_->in_memory = false;
    impl_->unnamed = false;
    return Status();
  }
  const std::string proc = "/proc/self/fd/" + std::to_string(impl_->fd);
  (void)::unlink(impl_->path.c_str());
  if (::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, impl_->path.c_str(), AT_SYMLINK_FOLLOW) != 0) {
    return MakeError("cannot write trace '" + impl_->path + "': " + std::strerror(errno));
  }
  impl_->unnamed = false;
  return Status();
}

bool TraceWriter::named() const { return !impl_ || !impl_->unnamed; }

Result<std::unique_ptr<TraceWriter>> TraceWriter::Create(const std::string& path,
                                                         const Header& header) {
  // A trace holds the program's arguments, environment, output and file names: readable by
  // its owner only. NB: fchmod too, since O_CREAT's mode does not apply to a file that exists.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  return CreateOnFd(path, fd, header, /*unnamed=*/false);
}

Result<std::unique_ptr<TraceWriter>> TraceWriter::CreateOnFd(const std::string& path, int fd,
                                                             const Header& header, bool unnamed) {
  if (fd < 0) {
    int saved = errno;
    std::string why = std::strerror(saved);
    if (saved == ENOENT) why += " (does the directory exist?)";
    if (saved == EACCES) why += " (choose a writable location)";
    return MakeError("cannot create trace '" + path + "': " + why);
  }
  struct stat st;
  // (only a regular file: never chmod a device such as /dev/null or /dev/stdout)
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ::fchmod(fd, 0600) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return MakeError("cannot make trace '" + path + "' readable by its owner only: " + why +
                     " (remove the file or choose another name)");
  }
  std::unique_ptr<TraceWriter> writer(new TraceWriter());
  writer->impl_ = std::make_unique<Impl>(path, fd, &writer->bytes_written_);
  Impl& impl = *writer->impl_;
  impl.unnamed = unnamed;

  impl.out.append(kMagic, sizeof(kMagic));
  for (int i = 0; i < 4; ++i) impl.out.push_back(static_cast<char>(kFormatMajor >> (8 * i)));
  FillHeader(header, impl.packet.mutable_header());
  Status status = impl.AppendPacket();
  // The header reaches the file at once: from now on the file is a valid (empty) trace.
  if (status.ok()) status = impl.Drain();
  if (!status.ok()) return status.error();
  return writer;
}

Result<std::unique_ptr<TraceWriter>> TraceWriter::CreateWindow(const Header& header,
                                                               uint64_t window_bytes) {
  std::unique_ptr<TraceWriter> writer(new TraceWriter());
  writer->impl_ = std::make_unique<Impl>("(window)", -1, &writer->bytes_written_);
  Impl& impl = *writer->impl_;
  impl.window = true;
  impl.window_bytes = window_bytes;
  impl.header = header;
  return writer;
}

namespace {

// Re-bases one framed batch packet of a window on its first event `base`: an index i of
// the run becomes i - base; wakes and prior accesses of events before it are left out.
Status RebasePacket(pb::Packet* packet, uint64_t base) {
  if (packet->has_event_batch()) {
    pb::EventBatch* batch = packet->mutable_event_batch();
    batch->set_first_index(batch->first_index() - base);
  } else if (packet->has_wake_batch()) {
    pb::WakeBatch* batch = packet->mutable_wake_batch();
    std::vector<uint64_t> index;
    std::vector<uint32_t> woken;
    uint64_t at = 0;
    for (int i = 0; i < batch->event_index_delta_size(); ++i) {
      at += static_cast<uint64_t>(batch->event_index_delta(i));
      if (at < base) continue;
      index.push_back(at - base);
      woken.push_back(batch->woken_size() > i ? batch->woken(i) : 0);
    }
    batch->clear_event_index_delta();
    batch->clear_woken();
    uint64_t prev = 0;
    for (uint64_t i : index) {
      batch->add_event_index_delta(Delta(i, prev));
      prev = i;
    }
    PutColumn(woken, batch->mutable_woken());
  } else if (packet->has_input_batch()) {
    // NB: an input's event index is never before its chunk's first event (FlushBatches
    // writes the events before the inputs that follow them), so none precedes the window.
    pb::InputBatch* batch = packet->mutable_input_batch();
    if (batch->event_index_delta_size() > 0) {
      uint64_t first = batch->event_index_delta(0);
      batch->set_event_index_delta(0, first >= base ? first - base : 0);
    }
  } else if (packet->has_prior_access_batch()) {
    pb::PriorAccessBatch* batch = packet->mutable_prior_access_batch();
    pb::PriorAccessBatch kept;
    for (const pb::PriorAccess& a : batch->accesses()) {
      if (a.event_index() < base || a.before_event() < base) continue;
      pb::PriorAccess* k = kept.add_accesses();
      *k = a;
      k->set_event_index(a.event_index() - base);
      k->set_before_event(a.before_event() - base);
    }
    batch->Swap(&kept);
  }
  return Status::Ok();
}

}  // namespace

Result<WindowWritten> TraceWriter::WriteWindow(const std::string& path, uint32_t dump) {
  Impl& impl = *impl_;
  if (!impl.window) return impl.WriteError("WriteWindow is for a writer made by CreateWindow");
  if (impl.error) return *impl.error;
  // The events still pending become the window's newest chunk.
  if (!impl.outcome_written) {
    if (Status s = impl.FlushBatches(); !s.ok()) return s.error();
  }
  WindowWritten written;
  written.first_event =
      impl.chunks.empty() ? impl.batch_first_index : impl.chunks.front().first_event;
  written.dropped_inputs = impl.dropped_inputs;
  for (const Impl::Chunk& c : impl.chunks) {
    written.events += c.events;
    written.inputs += c.inputs;
  }
  Header header = impl.header;
  header.ring = true;
  header.ring_window = {impl.window_bytes, written.first_event, impl.dropped_inputs,
                        !impl.outcome_written, dump};

  // NB: to a temporary name first: a reader never sees half a window under `path`.
  const std::string temporary = path + ".part";
  Result<std::unique_ptr<TraceWriter>> created = Create(temporary, header);
  if (!created.ok()) return created.error();
  TraceWriter& file = **created;
  Impl& out = *file.impl_;
  out.out.append(impl.tables);
  pb::Packet packet;
  for (const Impl::Chunk& c : impl.chunks) {
    google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(c.bytes.data()),
                                              static_cast<int>(c.bytes.size()));
    in.SetTotalBytesLimit(static_cast<int>(std::min<size_t>(c.bytes.size() + 1, INT32_MAX)));
    uint64_t size = 0;
    while (in.ReadVarint64(&size)) {
      auto limit = in.PushLimit(static_cast<int>(size));
      if (!packet.ParseFromCodedStream(&in) || !in.ConsumedEntireMessage()) {
        (void)std::remove(temporary.c_str());
        return impl.WriteError("a window's packet does not parse again (a bug in weft)");
      }
      in.PopLimit(limit);
      if (Status s = RebasePacket(&packet, written.first_event); !s.ok()) return s.error();
      if (Status s = out.Append(packet); !s.ok()) return s.error();
    }
  }
  if (!impl.trailer.empty()) out.out.append(impl.trailer);
  out.outcome_written = !impl.trailer.empty();
  Status closed = file.Close();
  if (!closed.ok()) {
    (void)std::remove(temporary.c_str());
    return closed.error();
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    (void)std::remove(temporary.c_str());
    return MakeError("cannot write trace '" + path + "': " + why);
  }
  written.bytes = file.bytes_written();
  bytes_written_ = written.bytes;
  return written;
}

uint64_t TraceWriter::window_chunk_bytes() const { return impl_->chunk_bytes; }

TraceWriter::~TraceWriter() {
  if (impl_ && !impl_->closed) (void)Close();
}

Status TraceWriter::WriteProcess(const Process& process) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  pb::Process* p = impl_->packet.mutable_process();
  p->set_pid(process.pid);
  p->set_parent(process.parent);
  p->set_executable(process.executable);
  for (const std::string& arg : process.argv) p->add_argv(arg);
  return impl_->AppendPacket();
}

Status TraceWriter::WriteProcessExec(uint32_t pid, const ProcessExec& exec) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  pb::ProcessExec* p = impl_->packet.mutable_process_exec();
  p->set_pid(pid);
  p->set_executable(exec.executable);
  for (const std::string& arg : exec.argv) p->add_argv(arg);
  return impl_->AppendPacket();
}

Status TraceWriter::WriteModule(const Module& module) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  if (module.id == 0) return impl_->WriteError("module id 0 is reserved (ids start at 1)");
  pb::Module* m = impl_->packet.mutable_module();
  m->set_path(module.path);
  m->set_build_id(module.build_id);
  m->set_base(module.base);
  m->set_size(module.size);
  m->set_id(module.id);
  m->set_pid(module.pid);
  return impl_->AppendPacket();
}

Status TraceWriter::WriteThread(const Thread& thread) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  pb::ThreadInfo* t = impl_->packet.mutable_thread();
  t->set_tid(thread.tid);
  t->set_parent(thread.parent);
  t->set_start_routine(thread.start_routine);
  t->set_start_function(thread.start_function);
  t->set_name(thread.name);
  t->set_handle_obj(thread.handle_obj);
  t->set_pid(thread.pid);
  return impl_->AppendPacket();
}

Status TraceWriter::WriteObject(const Object& object) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  if (object.id == 0) return impl_->WriteError("object id 0 is reserved (ids start at 1)");
  pb::Object* o = impl_->packet.mutable_object();
  o->set_id(object.id);
  o->set_kind(static_cast<pb::ObjectKind>(object.kind));
  o->set_address(object.address);
  o->set_symbol(object.symbol);
  o->set_aux(object.aux);
  for (const ObjectPart& part : object.parts) {
    pb::ObjectPart* p = o->add_parts();
    p->set_offset(part.offset);
    p->set_symbol(part.symbol);
  }
  return impl_->AppendPacket();
}

// Marks `id` in `defined`; false if it was already.
static bool Define(std::vector<bool>* defined, uint32_t id) {
  if (defined->size() <= id) defined->resize(id + 1);
  if ((*defined)[id]) return false;
  (*defined)[id] = true;
  return true;
}

Status TraceWriter::WriteFrame(uint32_t id, uint32_t module_id, uint64_t offset) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  if (id == 0) return impl_->WriteError("frame id 0 is reserved (ids start at 1)");
  if (!Define(&impl_->frame_defined, id)) {
    return impl_->WriteError("frame " + std::to_string(id) +
                             " is written twice (frames are immutable)");
  }
  pb::Frame* f = impl_->packet.mutable_frame();
  f->set_id(id);
  f->set_module_id(module_id);
  f->set_rel_pc(offset);
  return impl_->AppendPacket();
}

Status TraceWriter::WriteFrameSymbols(uint32_t id, const std::string& function,
                                      const std::string& file, uint32_t line,
                                      const std::vector<InlinedCaller>& inlined_callers) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  if (id == 0) return impl_->WriteError("frame id 0 is reserved (ids start at 1)");
  if (!Define(&impl_->symbols_defined, id)) {
    return impl_->WriteError("the symbols of frame " + std::to_string(id) + " are written twice");
  }
  Result<uint32_t> function_sid = impl_->Intern(function);
  if (!function_sid.ok()) return function_sid.error();
  Result<uint32_t> file_sid = impl_->Intern(file);
  if (!file_sid.ok()) return file_sid.error();
  std::vector<std::pair<uint32_t, uint32_t>> caller_sids;  // NB: interned before the packet
  for (const InlinedCaller& caller : inlined_callers) {
    Result<uint32_t> caller_function = impl_->Intern(caller.function);
    if (!caller_function.ok()) return caller_function.error();
    Result<uint32_t> caller_file = impl_->Intern(caller.file);
    if (!caller_file.ok()) return caller_file.error();
    caller_sids.emplace_back(*caller_function, *caller_file);
  }
  pb::FrameSymbols* f = impl_->packet.mutable_frame_symbols();
  f->set_frame_id(id);
  f->set_function_sid(*function_sid);
  f->set_file_sid(*file_sid);
  f->set_line(line);
  for (size_t i = 0; i < inlined_callers.size(); ++i) {
    pb::InlinedCaller* c = f->add_inlined_callers();
    c->set_function_sid(caller_sids[i].first);
    c->set_file_sid(caller_sids[i].second);
    c->set_line(inlined_callers[i].line);
  }
  return impl_->AppendPacket();
}

Status TraceWriter::WriteOutput(OutputStream stream, const ProgramOutput& output) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  pb::ProgramOutput* o = impl_->packet.mutable_output();
  o->set_stream(stream == OutputStream::kStdout   ? pb::ProgramOutput::STDOUT
                : stream == OutputStream::kStderr ? pb::ProgramOutput::STDERR
                                                  : pb::ProgramOutput::STDIN);
  o->set_data(output.data);
  o->set_truncated(output.truncated);
  o->set_total_bytes(std::max<uint64_t>(output.total_bytes, output.data.size()));
  return impl_->AppendPacket();
}

Status TraceWriter::WriteStack(uint32_t id, const std::vector<uint32_t>& frame_ids) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  if (id == 0) return impl_->WriteError("stack id 0 is reserved (ids start at 1)");
  pb::Stack* stack = impl_->packet.mutable_stack();
  stack->set_id(id);
  stack->mutable_frame_ids()->Add(frame_ids.begin(), frame_ids.end());
  return impl_->AppendPacket();
}

Status TraceWriter::WriteEvent(const Event& event) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  if (event.kind == EventKind::kNone) {
    return impl_->WriteError("event " + std::to_string(events_written_) +
                             " has no kind (kind 0 is not an event)");
  }
  // NB: a full batch goes out only when the next event comes, so that WriteEnabledSet and
  // WriteWake can still refer to the last event of a batch.
  if (impl_->events.size() >= kEventsPerBatch) {
    if (Status s = impl_->FlushBatches(); !s.ok()) return s;
  }
  impl_->events.push_back(event);
  ++events_written_;
  return Status::Ok();
}

Status TraceWriter::WriteEvents(const Event* events, size_t n) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  for (size_t i = 0; i < n;) {
    // NB: as WriteEvent, a full batch goes out only when the next event comes.
    if (impl_->events.size() >= kEventsPerBatch) {
      if (Status s = impl_->FlushBatches(); !s.ok()) return s;
    }
    const size_t take = std::min(n - i, kEventsPerBatch - impl_->events.size());
    for (size_t k = i; k < i + take; ++k) {
      if (events[k].kind == EventKind::kNone) {
        impl_->events.insert(impl_->events.end(), events + i, events + k);
        events_written_ += k - i;
        return impl_->WriteError("event " + std::to_string(events_written_) +
                                 " has no kind (kind 0 is not an event)");
      }
    }
    impl_->events.insert(impl_->events.end(), events + i, events + i + take);
    events_written_ += take;
    i += take;
  }
  return Status::Ok();
}

Status TraceWriter::WriteEnabledSet(const EnabledSet& set) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  if (impl_->events.empty()) {
    return impl_->WriteError("an enabled set must follow its event (write the event first)");
  }
  impl_->sets.resize(impl_->events.size());
  impl_->sets.back() = set;
  return Status::Ok();
}

Status TraceWriter::WriteWake(const Wake& wake) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  if (wake.event_index >= events_written_) {
    return impl_->WriteError("a wake refers to event " + std::to_string(wake.event_index) +
                             ", but only " + std::to_string(events_written_) +
                             " events were written (write the waking event first)");
  }
  impl_->wakes.push_back(wake);
  if (impl_->wakes.size() >= kEventsPerBatch) return impl_->FlushBatches();
  return Status::Ok();
}

Status TraceWriter::WritePriorAccess(const PriorAccess& access) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  if (access.event_index >= events_written_) {
    return impl_->WriteError(
        "a prior access refers to event " + std::to_string(access.event_index) + ", but only " +
        std::to_string(events_written_) + " events were written (write the access event first)");
  }
  if (access.event_index < impl_->last_prior_event || access.before_event > access.event_index) {
    return impl_->WriteError("prior accesses must come in event order, each before its event");
  }
  impl_->last_prior_event = access.event_index;
  impl_->priors.push_back(access);
  if (impl_->priors.size() >= kEventsPerBatch) return impl_->FlushBatches();
  return Status::Ok();
}

Status TraceWriter::WriteInput(const Input& input) { return WriteInput(Input(input)); }

Status TraceWriter::WriteInput(Input&& input) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  if (input.event_index > events_written_ || input.event_index < impl_->last_input_event) {
    return impl_->WriteError("an input after event " + std::to_string(input.event_index) + " (" +
                             std::to_string(events_written_) +
                             " events written; inputs come in event order)");
  }
  const uint64_t bytes = input.result > 0 ? static_cast<uint64_t>(input.result) : 0;
  if ((input.kind == Input::Kind::kClock ? 0 : bytes) != input.data.size()) {
    return impl_->WriteError("an input of " + std::to_string(input.data.size()) +
                             " bytes whose call returned " + std::to_string(input.result));
  }
  impl_->last_input_event = input.event_index;
  impl_->input_bytes += input.data.size();
  impl_->inputs.push_back(std::move(input));
  // NB: a batch of data stays well under the format's packet limit.
  if (impl_->inputs.size() >= kEventsPerBatch || impl_->input_bytes >= (1u << 20)) {
    return impl_->FlushBatches();
  }
  return Status::Ok();
}

Status TraceWriter::WriteMemorySitesFound(const std::vector<uint64_t>& pcs) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  if (Status s = impl_->FlushBatches(); !s.ok()) return s;
  pb::MemorySites* sites = impl_->packet.mutable_memory_sites_found();
  for (uint64_t pc : pcs) sites->add_pcs(pc);
  return impl_->AppendPacket();
}

Status TraceWriter::Flush() {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  if (Status s = impl_->FlushBatches(); !s.ok()) return s;
  return impl_->Drain();
}

Status TraceWriter::WriteOutcome(const Outcome& outcome) {
  if (Status s = impl_->Usable(); !s.ok()) return s;
  if (Status s = impl_->FlushBatches(); !s.ok()) return s;
  FillOutcome(outcome, impl_->packet.mutable_outcome());
  if (Status s = impl_->AppendPacket(); !s.ok()) return s;
  impl_->outcome_written = true;
  return impl_->Drain();
}

Status TraceWriter::Close() {
  Impl& impl = *impl_;
  if (impl.closed) return impl.WriteError("the writer is already closed");
  Status status = Status::Ok();
  if (!impl.error && !impl.outcome_written) status = impl.FlushBatches();
  if (status.ok() && !impl.error) status = impl.Drain();
  impl.closed = true;
  if (impl.fd >= 0 && ::close(impl.fd) != 0 && status.ok() && !impl.error) {
    status = impl.Fail(impl.WriteError(std::strerror(errno)));
  }
  impl.fd = -1;
  if (impl.error) return *impl.error;
  return status;
}

Status WriteTrace(const std::string& path, const Trace& trace) {
  auto inconsistent = [&](const std::string& why) {
    return MakeError("cannot write trace '" + path + "': " + why + " (a bug in the caller)");
  };
  Result<std::unique_ptr<TraceWriter>> created = TraceWriter::Create(path, trace.header);
  if (!created.ok()) return created.error();
  TraceWriter& writer = **created;

  for (const Process& process : trace.processes) {
    if (Status s = writer.WriteProcess(process); !s.ok()) return s;
    for (const ProcessExec& exec : process.execs) {
      if (Status s = writer.WriteProcessExec(process.pid, exec); !s.ok()) return s;
    }
  }
  for (const Module& module : trace.modules) {
    if (Status s = writer.WriteModule(module); !s.ok()) return s;
  }
  for (size_t tid = 0; tid < trace.threads.size(); ++tid) {
    if (trace.threads[tid].tid != tid) {
      return inconsistent("threads[" + std::to_string(tid) + "] has tid " +
                          std::to_string(trace.threads[tid].tid));
    }
    if (Status s = writer.WriteThread(trace.threads[tid]); !s.ok()) return s;
  }
  for (size_t id = 1; id < trace.objects.size(); ++id) {
    const Object& object = trace.objects[id];
    if (object.id == 0) continue;  // never defined
    if (object.id != id) {
      return inconsistent("objects[" + std::to_string(id) + "] has id " +
                          std::to_string(object.id));
    }
    if (Status s = writer.WriteObject(object); !s.ok()) return s;
  }
  for (size_t id = 1; id < trace.frames.size(); ++id) {
    const Frame& f = trace.frames[id];
    auto frame_id = static_cast<uint32_t>(id);
    if (Status s = writer.WriteFrame(frame_id, f.module_id, f.offset); !s.ok()) return s;
    if (!f.function.empty() || !f.file.empty() || f.line != 0 || !f.inlined_callers.empty()) {
      if (Status s =
              writer.WriteFrameSymbols(frame_id, f.function, f.file, f.line, f.inlined_callers);
          !s.ok()) {
        return s;
      }
    }
  }
  for (size_t id = 1; id < trace.stacks.size(); ++id) {
    if (Status s = writer.WriteStack(static_cast<uint32_t>(id), trace.stacks[id]); !s.ok()) {
      return s;
    }
  }
  // Wakes and prior accesses go right after their event, as a recording writes them.
  size_t next_wake = 0, next_prior = 0;
  if (!trace.enabled_sets.empty() && trace.enabled_sets.size() != trace.events.size()) {
    return inconsistent(std::to_string(trace.enabled_sets.size()) + " enabled sets for " +
                        std::to_string(trace.events.size()) + " events");
  }
  for (size_t i = 0; i < trace.events.size(); ++i) {
    if (Status s = writer.WriteEvent(trace.events[i]); !s.ok()) return s;
    if (!trace.enabled_sets.empty()) {
      if (Status s = writer.WriteEnabledSet(trace.enabled_sets[i]); !s.ok()) return s;
    }
    while (next_wake < trace.wakes.size() && trace.wakes[next_wake].event_index <= i) {
      if (Status s = writer.WriteWake(trace.wakes[next_wake]); !s.ok()) return s;
      ++next_wake;
    }
    while (next_prior < trace.prior_accesses.size() &&
           trace.prior_accesses[next_prior].event_index <= i) {
      if (Status s = writer.WritePriorAccess(trace.prior_accesses[next_prior]); !s.ok()) {
        return s;
      }
      ++next_prior;
    }
  }
  for (; next_wake < trace.wakes.size(); ++next_wake) {
    if (Status s = writer.WriteWake(trace.wakes[next_wake]); !s.ok()) return s;
  }
  for (; next_prior < trace.prior_accesses.size(); ++next_prior) {
    if (Status s = writer.WritePriorAccess(trace.prior_accesses[next_prior]); !s.ok()) return s;
  }
  for (const Input& input : trace.inputs) {
    if (Status s = writer.WriteInput(input); !s.ok()) return s;
  }
  for (auto [stream, output] : {std::pair{OutputStream::kStdin, &trace.program_stdin},
                                std::pair{OutputStream::kStdout, &trace.program_stdout},
                                std::pair{OutputStream::kStderr, &trace.program_stderr}}) {
    if (!output->captured) continue;
    if (Status s = writer.WriteOutput(stream, *output); !s.ok()) return s;
  }
  if (!trace.memory_sites_found.empty()) {
    if (Status s = writer.WriteMemorySitesFound(trace.memory_sites_found); !s.ok()) return s;
  }
  if (trace.has_outcome) {
    if (Status s = writer.WriteOutcome(trace.outcome); !s.ok()) return s;
  }
  return writer.Close();
}

}  // namespace weft::format
