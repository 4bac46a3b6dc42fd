#include "ring_reader.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>

namespace weft::session {
namespace {

// Bounds on what the reader keeps, so that a ring full of garbage cannot make weft allocate
// without limit: far above what a real run reaches (the shim's own tables are smaller).
constexpr size_t kMaxStacks = 1u << 22;
constexpr size_t kMaxFrames = 1u << 22;
constexpr size_t kMaxObjects = 1u << 26;
constexpr uint32_t kMaxImages = 1u << 20;
constexpr size_t kMaxBlocked = 4 * WEFT_MAX_THREADS;
constexpr size_t kMaxSitesFound = 1u << 17;  // the shim reports fewer
// Extra slots of a decision record: the words of threads WEFT_DECISION_INLINE_THREADS up.
constexpr uint32_t kMaxDecisionExtraSlots =
    (WEFT_MAX_THREADS - WEFT_DECISION_INLINE_THREADS + WEFT_DECISION_SLOT_THREADS - 1) /
    WEFT_DECISION_SLOT_THREADS;

bool KnownEventKind(uint8_t kind) {
  switch (kind) {
#define WEFT_RING_KIND_CASE_(NAME, Camel, num, ...) case num:
    WEFT_EVENT_KINDS(WEFT_RING_KIND_CASE_)
#undef WEFT_RING_KIND_CASE_
    return true;
    default:
      return false;
  }
}

bool KnownObjectKind(uint8_t kind) {
  switch (kind) {
#define WEFT_RING_OBJECT_CASE_(NAME, Camel, num, name) case num:
    WEFT_OBJECT_KINDS(WEFT_RING_OBJECT_CASE_)
#undef WEFT_RING_OBJECT_CASE_
    return true;
    default:
      return false;
  }
}

bool ValidTid(uint32_t tid) { return tid < WEFT_MAX_THREADS; }

}  // namespace

RingReader::RingReader(weft_session* session, uint8_t* ring, uint64_t ring_slots,
                       format::TraceWriter* writer)
    : session_(session),
      ring_(ring),
      many_writers_(session->mode == WEFT_MODE_FREE),
      ring_slots_(ring_slots),
      writer_(writer) {}

void RingReader::SetCorrupt(const std::string& where) {
  if (error_.empty()) error_ = "the program overwrote weft's session memory at " + where;
}

void RingReader::BadRecord(uint64_t index, const std::string& why) {
  SetCorrupt("slot " + std::to_string(index) + " of the event ring: " + why);
}

uint64_t RingReader::OrderEventsBefore(uint64_t index) const {
  index = std::min(index, events_);
  uint64_t n = 0;
  for (uint64_t w = 0; w < index / 64; ++w)
    n += static_cast<uint64_t>(__builtin_popcountll(ordered_[w]));
  if (index % 64 != 0) {
    n += static_cast<uint64_t>(
        __builtin_popcountll(ordered_[index / 64] & ((uint64_t{1} << (index % 64)) - 1)));
  }
  return n;
}

void RingReader::CheckStatus() {
  uint32_t pid = __atomic_load_n(&session_->claimed_pid, __ATOMIC_ACQUIRE);
  if (pid != 0) {
    if (claimed_pid_ == 0) {
      claimed_pid_ = pid;
    } else if (pid != claimed_pid_) {
      SetCorrupt("offset " + std::to_string(offsetof(weft_session, claimed_pid)) +
                 " (the claimed pid changed from " + std::to_string(claimed_pid_) + " to " +
                 std::to_string(pid) + ")");
    }
  }
  uint32_t threads = __atomic_load_n(&session_->threads, __ATOMIC_RELAXED);
  if (threads > WEFT_MAX_THREADS) {
    SetCorrupt("offset " + std::to_string(offsetof(weft_session, threads)) + " (" +
               std::to_string(threads) + " threads; at most " + std::to_string(WEFT_MAX_THREADS) +
               ")");
  }
}

void RingReader::Write(Status s) {
  if (!s.ok() && status_.ok()) status_ = s;
}

void RingReader::WriteProcess() {
  if (process_written_) return;
  root_.pid = claimed_pid_;
  if (root_.pid == 0) return;  // not claimed yet
  process_written_ = true;
  if (writer_ != nullptr) Write(writer_->WriteProcess(root_));
}

void RingReader::AddModules(const std::vector<launcher::Mapping>& maps, uint32_t image) {
  launcher::Symbolizer symbolizer(maps);
  for (const launcher::Symbolizer::ModuleInfo& info : symbolizer.Modules()) {
    bool known = false;
    for (size_t k = 0; k < modules_.size() && !known; ++k) {
      known = module_images_[k] == image && modules_[k].path == info.path &&
              modules_[k].base == info.base;
    }
    if (known) continue;
    format::Module m;
    m.id = static_cast<uint32_t>(modules_.size() + 1);
    auto other = images_.find(image);
    m.pid = other != images_.end() ? other->second.pid : root_.pid;
    m.path = info.path;
    m.build_id = info.build_id;
    m.base = info.base;
    m.size = info.size;
    if (writer_ != nullptr) Write(writer_->WriteModule(m));
    modules_.push_back(std::move(m));
    module_images_.push_back(image);
  }
}

uint32_t RingReader::ImageOfPid(uint32_t pid) const {
  auto it = image_of_pid_.find(pid);
  return it == image_of_pid_.end() ? 0 : it->second;
}

bool RingReader::NoteImage(uint32_t image, uint32_t pid, uint64_t index) {
  if (image > kMaxImages) {
    BadRecord(index, "a record of program image " + std::to_string(image) + " (at most " +
                         std::to_string(kMaxImages) + ")");
    return false;
  }
  if (pid == 0) return true;  // (a process not claimed yet says nothing)
  image_of_pid_[pid] = image;
  if (image != 0) {
    Image& known = images_[image];
    if (known.pid == 0) known.pid = pid;
  }
  return true;
}

std::vector<launcher::Mapping> RingReader::ImageMaps(uint32_t image) const {
  if (image == ImageOfPid(root_.pid) && !final_maps_.empty()) return final_maps_;
  if (image == 0) return {};  // the root went on to another image: its first one's are gone
  auto it = images_.find(image);
  return it == images_.end() ? std::vector<launcher::Mapping>{} : it->second.maps;
}

uint32_t RingReader::ModuleFor(uint64_t ip, uint32_t image) {
  auto find = [&]() -> uint32_t {
    for (size_t k = 0; k < modules_.size(); ++k) {
      const format::Module& m = modules_[k];
      if (module_images_[k] == image && ip >= m.base && ip - m.base < m.size) return m.id;
    }
    return 0;
  };
  if (uint32_t id = find(); id != 0) return id;
  constexpr int kMaxMapsReads = 16;  // per image
  if (maps_reads_[image] >= kMaxMapsReads) return 0;
  ++maps_reads_[image];
  WriteProcess();
  bool roots = image == ImageOfPid(root_.pid);
  if (roots && !final_maps_.empty()) {
    AddModules(final_maps_, image);
  } else if (image == 0 && roots && root_.pid != 0) {
    Result<std::vector<launcher::Mapping>> maps = launcher::ReadMaps(static_cast<pid_t>(root_.pid));
    if (maps.ok()) AddModules(*maps, image);
  } else if (auto other = images_.find(image); other != images_.end() && other->second.pid != 0) {
    // NB: read while a process runs the image (it may end, or exec again, before the run
    // does): an exec'd program's modules, which the root's maps do not hold.
    Image& i = other->second;
    Result<std::vector<launcher::Mapping>> maps = launcher::ReadMaps(static_cast<pid_t>(i.pid));
    if (maps.ok() && !maps->empty() && ImageOfPid(i.pid) == image) i.maps = std::move(*maps);
    AddModules(i.maps, image);
  }
  return find();
}

void RingReader::WriteRemainingModules() {
  WriteProcess();
  if (!process_written_ && writer_ != nullptr) {
    process_written_ = true;  // the shim never claimed the process: pid unknown
    Write(writer_->WriteProcess(root_));
  }
  if (!final_maps_.empty()) AddModules(final_maps_, ImageOfPid(root_.pid));
}

void RingReader::WriteExecs(const std::vector<launcher::RunResult::Exec>& seen) {
  if (writer_ == nullptr) return;
  std::unordered_map<uint32_t, size_t> matched;  // per pid: its exec stops used so far
  for (uint32_t pid : exec_pids_) {
    bool defined = pid == root_.pid ||
                   std::find(child_pids_.begin(), child_pids_.end(), pid) != child_pids_.end();
    size_t want = matched[pid]++;
    size_t found = 0;
    for (const launcher::RunResult::Exec& e : seen) {
      if (e.pid != pid || found++ != want) continue;
      if (defined) Write(writer_->WriteProcessExec(pid, {e.executable, e.argv}));
      break;
    }
  }
}

uint32_t RingReader::FrameFor(uint64_t ip, uint32_t image) {
  const std::pair<uint64_t, uint32_t> key{ip, image};
  if (frame_ips_.size() >= kMaxFrames) {
    auto known = frame_ids_.find(key);
    if (known != frame_ids_.end()) return known->second;
    SetCorrupt("the event ring: more than " + std::to_string(kMaxFrames) + " distinct frames");
    return 0;
  }
  auto [it, inserted] = frame_ids_.emplace(key, static_cast<uint32_t>(frame_ips_.size()));
  if (inserted) {
    frame_ips_.push_back(ip);
    frame_images_.push_back(image);
    if (writer_ != nullptr) {
      uint32_t module = ModuleFor(ip, image);
      uint64_t base = 0;
      if (module != 0) base = modules_[module - 1].base;
      Write(writer_->WriteFrame(it->second, module, ip - base));
    }
  }
  return it->second;
}

uint32_t RingReader::AddStack(std::vector<uint32_t> frames) {
  uint32_t id = 1;
  for (const auto& [known, unused] : stacks_) id = std::max(id, known + 1);
  if (writer_ != nullptr) Write(writer_->WriteStack(id, frames));
  stacks_[id] = std::move(frames);
  return id;
}

const std::vector<uint32_t>& RingReader::Stack(uint32_t id) const {
  static const std::vector<uint32_t> kEmpty;
  auto it = stacks_.find(id);
  return it == stacks_.end() ? kEmpty : it->second;
}

int32_t RingReader::TidOfOsTid(uint32_t os_tid) const {
  auto it = os_tids_.find(os_tid);
  return it == os_tids_.end() ? -1 : static_cast<int32_t>(it->second);
}

bool RingReader::Drain(bool program_ended) {
  CheckStatus();
  if (!error_.empty()) return false;
  WriteProcess();  // NB: before the threads and modules that name its pid
  const uint64_t slots = ring_slots_;
  const uint64_t mask = slots - 1;
  // NB: acquire pairs with the shim's release store of ring_head: every slot below head
  // is fully written (when the program left the session alone).
  uint64_t head = __atomic_load_n(&session_->ring_head, __ATOMIC_ACQUIRE);
  uint64_t tail = tail_;
  if (__atomic_load_n(&session_->ring_tail, __ATOMIC_RELAXED) != tail) {
    SetCorrupt("offset " + std::to_string(offsetof(weft_session, ring_tail)) +
               " (the ring's read position, which only weft writes)");
    return false;
  }
  // NB: in a free recording head counts the slots writers have taken, some of which wait
  // for room: it may run ahead of the ring.
  if (many_writers_ && head >= tail && head - tail > slots) head = tail + slots;
  if (head < tail || head - tail > slots) {
    SetCorrupt("offset " + std::to_string(offsetof(weft_session, ring_head)) +
               " (the ring's write position " + std::to_string(head) + " with " +
               std::to_string(tail) + " slots read and " + std::to_string(slots) + " in the ring)");
    return false;
  }
  if (dropping_) {
    tail_ = head;
    __atomic_store_n(&session_->ring_tail, head, __ATOMIC_RELEASE);
    return true;
  }
  auto slot_at = [&](uint64_t s) { return ring_ + (s & mask) * WEFT_SLOT_BYTES; };
  // NB: the line from TSC to ns through a pair read now: every event below holds a TSC read
  // before this drain, or just after (the line goes on).
  if (tsc_ && tail < head) tsc_->Sample();
  // NB: every way out of this drain hands its events to the writer.
  struct FlushAtEnd {
    RingReader* reader;
    ~FlushAtEnd() { reader->FlushEvents(); }
  } flush_at_end{this};
  while (tail < head) {
    const uint8_t* slot = slot_at(tail);
    // NB: acquire pairs with the writer's release store of the type byte (its commit): a
    // record taken but not yet written ends this drain.
    if (many_writers_ && __atomic_load_n(slot, __ATOMIC_ACQUIRE) == 0) {
      if (!program_ended) break;
      ++tail;  // NB: a record's later slots each carry a type byte of their own
      continue;
    }
    uint64_t used = 1;
    // NB: the events before any other record are written first: a decision's enabled set,
    // a wake or an input refers to the events written before it.
    if (slot[0] != WEFT_REC_EVENT) FlushEvents();
    if (slot[0] == WEFT_REC_INPUT) {
      weft_input_record rec;
      std::memcpy(&rec, slot, sizeof(rec));
      const uint32_t want_slots =
          (rec.bytes + WEFT_INPUT_DATA_PER_SLOT - 1) / WEFT_INPUT_DATA_PER_SLOT;
      if (!ValidTid(rec.tid) || rec.kind < WEFT_INPUT_CLOCK || rec.kind > WEFT_INPUT_KIND_LAST ||
          rec.data_slots != want_slots || rec.data_slots > WEFT_INPUT_MAX_DATA_SLOTS ||
          (rec.flags & ~WEFT_INPUT_MORE) != 0 ||
          (rec.kind == WEFT_INPUT_CLOCK && (rec.bytes != 0 || rec.flags != 0))) {
        BadRecord(tail, "an input record of thread " + std::to_string(rec.tid) + ", kind " +
                            std::to_string(rec.kind) + ", " + std::to_string(rec.bytes) +
                            " bytes in " + std::to_string(rec.data_slots) + " slots");
        return false;
      }
      used = 1 + rec.data_slots;
      if (used > head - tail) {
        BadRecord(tail, "an input record longer than what the shim published");
        return false;
      }
      OnInput(rec, [&](uint32_t i) { return slot_at(tail + 1 + i); });
      if (!error_.empty()) return false;
    } else if (many_writers_ && slot[0] == WEFT_REC_INPUT_DATA) {
      // NB: a data slot of an input whose record was never committed (its thread was killed
      // while it wrote it; Drain skipped the record at the program's end): nothing to keep.
    } else if (slot[0] == WEFT_REC_STACK) {
      weft_stack_record rec;
      std::memcpy(&rec, slot, sizeof(rec));
      if (rec.depth == 0 || rec.depth > WEFT_MAX_STACK_DEPTH || rec.id == 0) {
        BadRecord(tail, "a stack record of depth " + std::to_string(rec.depth) + " and id " +
                            std::to_string(rec.id) + " (depth 1.." +
                            std::to_string(WEFT_MAX_STACK_DEPTH) + ", id > 0)");
        return false;
      }
      used = 1 + (rec.depth + 3u) / 4u;
      if (used > head - tail) {
        BadRecord(tail, "a stack record longer than what the shim published");
        return false;
      }
      if (stacks_.size() >= kMaxStacks && stacks_.count(rec.id) == 0) {
        BadRecord(tail, "more than " + std::to_string(kMaxStacks) + " distinct stacks");
        return false;
      }
      if (!NoteImage(rec.image, rec.pid, tail)) return false;
      std::vector<uint32_t> frames;
      frames.reserve(rec.depth);
      for (uint32_t i = 0; i < rec.depth; ++i) {
        uint64_t ip;
        std::memcpy(&ip, slot_at(tail + 1 + i / 4) + (i % 4) * 8, 8);
        frames.push_back(FrameFor(ip, rec.image));
      }
      if (!error_.empty()) return false;
      if (writer_ != nullptr) Write(writer_->WriteStack(rec.id, frames));
      stacks_[rec.id] = std::move(frames);
    } else if (slot[0] == WEFT_REC_DECISION) {
      weft_decision_record rec;
      std::memcpy(&rec, slot, sizeof(rec));
      if (rec.extra_slots > kMaxDecisionExtraSlots || !ValidTid(rec.current)) {
        BadRecord(tail, "a decision record with " + std::to_string(rec.extra_slots) +
                            " extra slots for thread " + std::to_string(rec.current));
        return false;
      }
      used = 1 + rec.extra_slots;
      if (used > head - tail) {
        BadRecord(tail, "a decision record longer than what the shim published");
        return false;
      }
      Decision d;
      d.tid = last_tid_;
      d.signal_woken = last_signal_woken_;
      d.current = rec.current;
      const uint32_t inline_words = WEFT_DECISION_INLINE_THREADS / 64;
      const uint32_t slot_words = WEFT_DECISION_SLOT_THREADS / 64;
      d.enabled.assign(rec.enabled, rec.enabled + inline_words);
      for (uint32_t i = 0; i < rec.extra_slots * slot_words; ++i) {
        uint64_t word;
        std::memcpy(&word, slot_at(tail + 1 + i / slot_words) + (i % slot_words) * 8, 8);
        d.enabled.push_back(word);
      }
      // Threads past the limit cannot be enabled.
      if (d.enabled.size() > WEFT_MAX_THREADS / 64) d.enabled.resize(WEFT_MAX_THREADS / 64);
      while (!d.enabled.empty() && d.enabled.back() == 0) d.enabled.pop_back();
      if (writer_ != nullptr) {
        format::EnabledSet set;
        set.current = d.current;
        set.words = d.enabled;
        Write(writer_->WriteEnabledSet(set));
      }
      decisions_.push_back(std::move(d));
    } else {
      OnRecord(slot, tail);
      if (!error_.empty()) return false;
    }
    // The next lap's writer commits by this byte: it must read 0 until then.
    if (many_writers_) {
      for (uint64_t k = 0; k < used; ++k) slot_at(tail + k)[0] = 0;
    }
    tail += used;
  }
  tail_ = tail;
  // NB: release: the shim may overwrite these slots as soon as it sees the new tail.
  __atomic_store_n(&session_->ring_tail, tail, __ATOMIC_RELEASE);
  return true;
}

template <typename DataSlot>
void RingReader::OnInput(const weft_input_record& rec, DataSlot&& data_slot) {
  auto [it, fresh] = pending_inputs_.try_emplace(rec.tid);
  format::Input& in = it->second;
  if (fresh) {
    in.tid = rec.tid;
    in.kind = static_cast<format::Input::Kind>(rec.kind);
    in.source = rec.source;
    in.result = rec.result;
    in.value = rec.value;
    // NB: room for the whole read at once (its pieces come 31 bytes a slot); bounded, as the
    // result is the program's to scribble on.
    if (rec.result > 0) in.data.reserve(std::min<uint64_t>(rec.result, uint64_t{1} << 24));
  } else if (static_cast<uint8_t>(in.kind) != rec.kind || in.result != rec.result) {
    SetCorrupt("the event ring: a piece of thread " + std::to_string(rec.tid) +
               "'s input that does not continue its last");
    return;
  }
  for (uint32_t i = 0; i < rec.data_slots; ++i) {
    const uint8_t* d = data_slot(i);
    const uint32_t n =
        std::min<uint32_t>(rec.bytes - i * WEFT_INPUT_DATA_PER_SLOT, WEFT_INPUT_DATA_PER_SLOT);
    in.data.append(reinterpret_cast<const char*>(d + 1), n);
  }
  if (rec.flags & WEFT_INPUT_MORE) {
    if (in.data.size() > static_cast<uint64_t>(std::max<int64_t>(in.result, 0))) {
      SetCorrupt("the event ring: thread " + std::to_string(rec.tid) + "'s input holds more " +
                 "bytes than its call returned");
    }
    return;  // the rest comes in the thread's next input record
  }
  if (in.kind != format::Input::Kind::kClock &&
      in.data.size() != static_cast<uint64_t>(std::max<int64_t>(in.result, 0))) {
    SetCorrupt("the event ring: thread " + std::to_string(rec.tid) + "'s input of " +
               std::to_string(in.data.size()) + " bytes for a call that returned " +
               std::to_string(in.result));
    return;
  }
  in.event_index = events_;
  ++inputs_;
  input_bytes_ += in.data.size();
  if (writer_ != nullptr) Write(writer_->WriteInput(std::move(in)));
  pending_inputs_.erase(it);
}

void RingReader::OnEvent(const uint8_t* slot, uint64_t index) {
  weft_event_record r;
  std::memcpy(&r, slot, sizeof(r));
  if (!ValidTid(r.tid) || !KnownEventKind(r.kind) || (r.flags & ~WEFT_F_ALL) != 0 ||
      r.enabled > WEFT_MAX_THREADS) {
    BadRecord(index, "an event record of thread " + std::to_string(r.tid) + ", kind " +
                         std::to_string(r.kind) + ", flags " + std::to_string(r.flags) + ", " +
                         std::to_string(r.enabled) + " enabled");
    return;
  }
  if (tsc_) {
    const uint64_t ns = tsc_->Ns(r.vtime);
    r.vtime = ns > monotonic_base_ns_ ? ns - monotonic_base_ns_ : 0;
  }
  format::Event e;
  e.tid = r.tid;
  e.kind = static_cast<format::EventKind>(r.kind);
  e.flags = r.flags;
  e.obj = r.obj;
  e.stack = r.stack;
  e.enabled = r.enabled;
  e.vtime = r.vtime;
  e.arg = r.arg;
  digest_.AddEvent(r.tid, r.kind, r.flags, r.enabled, r.obj, r.arg, r.vtime);
  if (events_ % 64 == 0) ordered_.push_back(0);
  if (weft_free_recorded_kind(r.kind)) ordered_.back() |= uint64_t{1} << (events_ % 64);
  ++events_;
  last_tid_ = r.tid;
  last_signal_woken_ = r.kind == WEFT_EV_COND_SIGNAL ? static_cast<int32_t>(r.arg) : -1;
  // NB: not a memory access's stack (an atomic site's is its pc alone): the thread's
  // name comes from the callable its first synchronization call runs in.
  if (r.stack != 0 && r.kind != WEFT_EV_MEM_READ && r.kind != WEFT_EV_MEM_WRITE) {
    first_stacks_.emplace(r.tid, r.stack);
  }
  last_event_kind_ = r.kind;
  if (r.kind == WEFT_EV_EXEC && (r.flags & WEFT_F_FAILED) == 0 && r.arg >= 0 &&
      r.tid < threads_.size()) {
    exec_pids_.push_back(threads_[r.tid].pid);
  }
  if (r.kind == WEFT_EV_MEM_READ || r.kind == WEFT_EV_MEM_WRITE) ++memory_events_;
  if (r.kind == WEFT_EV_INTERP_POINT) ++interp_points_;
  if (writer_ != nullptr) {
    events_out_.push_back(e);
    if (events_out_.size() >= 4096) FlushEvents();
  }
}

void RingReader::FlushEvents() {
  if (events_out_.empty()) return;
  if (writer_ != nullptr) Write(writer_->WriteEvents(events_out_.data(), events_out_.size()));
  events_out_.clear();
}

void RingReader::OnRecord(const uint8_t* slot, uint64_t index) {
  switch (slot[0]) {
    case WEFT_REC_EVENT:
      OnEvent(slot, index);
      break;
    case WEFT_REC_OBJECT: {
      weft_object_record r;
      std::memcpy(&r, slot, sizeof(r));
      // Objects get ids 1, 2, … in first-use order: a record names a known id or the next.
      const size_t next = std::max<size_t>(objects_.size(), 1);
      if (r.id == 0 || r.id > next || r.id >= kMaxObjects || !KnownObjectKind(r.kind)) {
        BadRecord(index, "an object record with id " + std::to_string(r.id) + " (next: " +
                             std::to_string(next) + ") and kind " + std::to_string(r.kind));
        return;
      }
      if (!NoteImage(r.image, r.pid, index)) return;
      if (object_images_.size() <= r.id) object_images_.resize(r.id + 1);
      object_images_[r.id] = r.image;
      format::Object o;
      o.id = r.id;
      o.kind = static_cast<format::ObjectKind>(r.kind);
      o.address = r.address;
      o.aux = r.aux;
      if (objects_.size() <= r.id) objects_.resize(r.id + 1);
      objects_[r.id] = o;
      if (writer_ != nullptr) Write(writer_->WriteObject(o));
      break;
    }
    case WEFT_REC_THREAD: {
      weft_thread_record r;
      std::memcpy(&r, slot, sizeof(r));
      if (!ValidTid(r.tid) || (r.parent != 0xffff && !ValidTid(r.parent))) {
        BadRecord(index, "a thread record of thread " + std::to_string(r.tid) + ", parent " +
                             std::to_string(r.parent));
        return;
      }
      if (!NoteImage(r.image, r.pid, index)) return;
      if (thread_images_.size() <= r.tid) thread_images_.resize(r.tid + 1);
      thread_images_[r.tid] = r.image;
      if (threads_.size() <= r.tid) threads_.resize(r.tid + 1);
      format::Thread& t = threads_[r.tid];
      t.tid = r.tid;
      t.parent = r.parent == 0xffff ? -1 : r.parent;
      if (r.start_routine != 0) t.start_routine = r.start_routine;
      t.handle_obj = r.handle_obj;
      t.pid = root_.pid;
      if (r.pid != 0 && r.pid != root_.pid) {
        // The main thread of a process the program forked: a process of the session.
        t.pid = r.pid;
        if (std::find(child_pids_.begin(), child_pids_.end(), r.pid) == child_pids_.end()) {
          child_pids_.push_back(r.pid);
          format::Process child = root_;  // a fork runs what its parent runs
          child.pid = r.pid;
          child.parent = static_cast<int32_t>(
              t.parent >= 0 && static_cast<size_t>(t.parent) < threads_.size() &&
                      threads_[t.parent].pid != 0
                  ? threads_[t.parent].pid
                  : root_.pid);
          if (writer_ != nullptr) Write(writer_->WriteProcess(child));
        }
      } else if (t.parent >= 0 && static_cast<size_t>(t.parent) < threads_.size() &&
                 threads_[t.parent].pid != 0) {
        t.pid = threads_[t.parent].pid;  // a thread lives in its creator's process
      }
      if (r.os_tid != 0) os_tids_[r.os_tid] = r.tid;
      if (writer_ != nullptr) Write(writer_->WriteThread(t));
      break;
    }
    case WEFT_REC_NAME: {
      weft_name_record r;
      std::memcpy(&r, slot, sizeof(r));
      if (!ValidTid(r.tid)) {
        BadRecord(index, "a thread name record of thread " + std::to_string(r.tid));
        return;
      }
      if (threads_.size() <= r.tid) threads_.resize(r.tid + 1);
      format::Thread& t = threads_[r.tid];
      t.tid = r.tid;
      if (t.pid == 0) t.pid = root_.pid;
      t.name.assign(r.name, strnlen(r.name, sizeof(r.name)));
      if (writer_ != nullptr) Write(writer_->WriteThread(t));
      break;
    }
    case WEFT_REC_OBJECT_NAME: {
      weft_object_name_record r;
      std::memcpy(&r, slot, sizeof(r));
      if (r.obj == 0 || r.obj >= objects_.size() || objects_[r.obj].id != r.obj) {
        BadRecord(index, "an object name record of object " + std::to_string(r.obj));
        return;
      }
      format::Object& o = objects_[r.obj];
      o.symbol.assign(r.name, strnlen(r.name, sizeof(r.name)));
      if (writer_ != nullptr) Write(writer_->WriteObject(o));
      break;
    }
    case WEFT_REC_WAKE: {
      weft_wake_record r;
      std::memcpy(&r, slot, sizeof(r));
      if (!ValidTid(r.woken) || !ValidTid(r.waker)) {
        BadRecord(index, "a wake record of thread " + std::to_string(r.woken));
        return;
      }
      format::Wake w;
      w.event_index = events_ == 0 ? 0 : events_ - 1;
      w.woken = r.woken;
      digest_.AddWake(r.woken);
      if (writer_ != nullptr) Write(writer_->WriteWake(w));
      break;
    }
    case WEFT_REC_PRIOR: {
      weft_prior_record r;
      std::memcpy(&r, slot, sizeof(r));
      const bool after_access = events_ != 0 && (last_event_kind_ == WEFT_EV_MEM_READ ||
                                                 last_event_kind_ == WEFT_EV_MEM_WRITE);
      if (!after_access || !ValidTid(r.tid) || r.write > 1 ||
          (r.flags & ~(WEFT_F_READ | WEFT_F_ATOMIC)) != 0 || r.before_event > events_ - 1) {
        BadRecord(index, "a prior-access record of thread " + std::to_string(r.tid) +
                             " before event " + std::to_string(r.before_event) + " (" +
                             std::to_string(events_) + " events, the last " +
                             (after_access ? "a memory access" : "no memory access") + ")");
        return;
      }
      format::PriorAccess a;
      a.event_index = events_ - 1;
      a.tid = r.tid;
      a.write = r.write != 0;
      a.flags = r.flags;
      a.arg = r.arg;
      a.stack = r.stack;
      a.before_event = r.before_event;
      if (writer_ != nullptr) Write(writer_->WritePriorAccess(a));
      break;
    }
    case WEFT_REC_SITE: {
      weft_site_record r;
      std::memcpy(&r, slot, sizeof(r));
      if (r.pc == 0 || memory_sites_found_.size() >= kMaxSitesFound) {
        BadRecord(index, "a memory site record of pc " + std::to_string(r.pc) + " after " +
                             std::to_string(memory_sites_found_.size()) + " sites");
        return;
      }
      memory_sites_found_.push_back(r.pc);
      break;
    }
    case WEFT_REC_BLOCKED: {
      weft_blocked_record r;
      std::memcpy(&r, slot, sizeof(r));
      if (!ValidTid(r.tid) || !KnownEventKind(r.kind) || blocked_.size() >= kMaxBlocked ||
          (r.holder != -1 && (r.holder < 0 || !ValidTid(static_cast<uint32_t>(r.holder))))) {
        BadRecord(index, "a blocked-thread record of thread " + std::to_string(r.tid) + ", kind " +
                             std::to_string(r.kind) + ", holder " + std::to_string(r.holder));
        return;
      }
      format::BlockedThread b;
      b.tid = r.tid;
      b.kind = static_cast<format::EventKind>(r.kind);
      b.obj = r.obj;
      b.holder = r.holder;
      b.stack = r.stack;
      blocked_.push_back(b);
      break;
    }
    default:
      BadRecord(index, "a record of unknown type " + std::to_string(slot[0]));
  }
}

launcher::Symbolizer& ImageSymbolizers::Of(uint32_t image) {
  std::unique_ptr<launcher::Symbolizer>& s = made_[image];
  if (s == nullptr) {
    std::vector<launcher::Mapping> maps = reader_.ImageMaps(image);
    if (maps.empty() && image == reader_.ImageOfPid(run_.root_pid)) maps = run_.maps;
    s = std::make_unique<launcher::Symbolizer>(std::move(maps));
  }
  return *s;
}

uint32_t ImageSymbolizers::ImageOfThread(int tid) {
  if (tid < 0 || static_cast<size_t>(tid) >= reader_.threads().size()) {
    return reader_.ImageOfPid(run_.root_pid);
  }
  return reader_.ImageOfPid(reader_.threads()[tid].pid);
}

}  // namespace weft::session
