#include "ring_reader.h"

#include <cstring>
#include <string>

namespace weft::session {
RingReader::RingReader(weft_session* session, const uint8_t* ring, format::TraceWriter* writer)
    : session_(session), ring_(ring), writer_(writer) {}

void RingReader::Write(Status s) {
  if (!s.ok() && status_.ok()) status_ = s;
}

void RingReader::WriteProcess() {
  if (process_written_) return;
  root_.pid = session_->claimed_pid;
  if (root_.pid == 0) return;  // not claimed yet
  process_written_ = true;
  if (writer_ != nullptr) Write(writer_->WriteProcess(root_));
}

void RingReader::AddModules(const std::vector<launcher::Mapping>& maps) {
  launcher::Symbolizer symbolizer(maps);
  for (const launcher::Symbolizer::ModuleInfo& info : symbolizer.Modules()) {
    bool known = false;
    for (const format::Module& m : modules_)
      known = known || (m.path == info.path && m.base == info.base);
    if (known) continue;
    format::Module m;
    m.id = static_cast<uint32_t>(modules_.size() + 1);
    m.pid = root_.pid;
    m.path = info.path;
    m.build_id = info.build_id;
    m.base = info.base;
    m.size = info.size;
    if (writer_ != nullptr) Write(writer_->WriteModule(m));
    modules_.push_back(std::move(m));
  }
}

uint32_t RingReader::ModuleFor(uint64_t ip) {
  auto find = [&]() -> uint32_t {
    for (const format::Module& m : modules_) {
      if (ip >= m.base && ip - m.base < m.size) return m.id;
    }
    return 0;
  };
  if (uint32_t id = find(); id != 0) return id;
  constexpr int kMaxMapsReads = 16;
  if (maps_reads_ >= kMaxMapsReads) return 0;
  ++maps_reads_;
  WriteProcess();
  if (!final_maps_.empty()) {
    AddModules(final_maps_);
  } else if (root_.pid != 0) {
    Result<std::vector<launcher::Mapping>> maps = launcher::ReadMaps(static_cast<pid_t>(root_.pid));
    if (maps.ok()) AddModules(*maps);
  }
  return find();
}

void RingReader::WriteRemainingModules() {
  WriteProcess();
  if (!process_written_ && writer_ != nullptr) {
    process_written_ = true;  // the shim never claimed the process: pid unknown
    Write(writer_->WriteProcess(root_));
  }
  if (!final_maps_.empty()) AddModules(final_maps_);
}

uint32_t RingReader::FrameFor(uint64_t ip) {
  auto [it, inserted] = frame_ids_.emplace(ip, static_cast<uint32_t>(frame_ips_.size()));
  if (inserted) {
    frame_ips_.push_back(ip);
    if (writer_ != nullptr) {
      uint32_t module = ModuleFor(ip);
      uint64_t base = 0;
      if (module != 0) base = modules_[module - 1].base;
      Write(writer_->WriteFrame(it->second, module, ip - base));
    }
  }
  return it->second;
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

bool RingReader::Drain() {
  if (!error_.empty()) return false;
  WriteProcess();  // NB: before the threads and modules that name its pid
  const uint64_t slots = session_->ring_slots;
  const uint64_t mask = slots - 1;
  // NB: acquire pairs with the shim's release store of ring_head: every slot below head
  // is fully written.
  uint64_t head = __atomic_load_n(&session_->ring_head, __ATOMIC_ACQUIRE);
  uint64_t tail = session_->ring_tail;
  while (tail < head) {
    const uint8_t* slot = ring_ + (tail & mask) * WEFT_SLOT_BYTES;
    uint64_t used = 1;
    if (slot[0] == WEFT_REC_STACK) {
      weft_stack_record rec;
      std::memcpy(&rec, slot, sizeof(rec));
      if (rec.depth == 0 || rec.depth > WEFT_MAX_STACK_DEPTH || rec.id == 0) {
        error_ = "corrupt stack record in the event ring";
        return false;
      }
      used = 1 + (rec.depth + 3u) / 4u;
      if (tail + used > head) break;  // cannot happen: the shim publishes whole records
      std::vector<uint32_t> frames;
      frames.reserve(rec.depth);
      for (uint32_t i = 0; i < rec.depth; ++i) {
        uint64_t s = tail + 1 + i / 4;
        uint64_t ip;
        std::memcpy(&ip, ring_ + (s & mask) * WEFT_SLOT_BYTES + (i % 4) * 8, 8);
        frames.push_back(FrameFor(ip));
      }
      if (writer_ != nullptr) Write(writer_->WriteStack(rec.id, frames));
      stacks_[rec.id] = std::move(frames);
    } else if (slot[0] == WEFT_REC_DECISION) {
      weft_decision_record rec;
      std::memcpy(&rec, slot, sizeof(rec));
      used = 1 + rec.extra_slots;
      if (tail + used > head) break;  // cannot happen: the shim publishes whole records
      Decision d;
      d.tid = last_tid_;
      d.signal_woken = last_signal_woken_;
      d.current = rec.current;
      const uint32_t inline_words = WEFT_DECISION_INLINE_THREADS / 64;
      const uint32_t slot_words = WEFT_DECISION_SLOT_THREADS / 64;
      d.enabled.assign(rec.enabled, rec.enabled + inline_words);
      for (uint32_t i = 0; i < rec.extra_slots * slot_words; ++i) {
        uint64_t s = tail + 1 + i / slot_words;
        uint64_t word;
        std::memcpy(&word, ring_ + (s & mask) * WEFT_SLOT_BYTES + (i % slot_words) * 8, 8);
        d.enabled.push_back(word);
      }
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
    tail += used;
  }
  // NB: release: the shim may overwrite these slots as soon as it sees the new tail.
  __atomic_store_n(&session_->ring_tail, tail, __ATOMIC_RELEASE);
  return true;
}

void RingReader::OnRecord(const uint8_t* slot, uint64_t index) {
  switch (slot[0]) {
    case WEFT_REC_EVENT: {
      weft_event_record r;
      std::memcpy(&r, slot, sizeof(r));
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
      ++events_;
      last_tid_ = r.tid;
      last_signal_woken_ = r.kind == WEFT_EV_COND_SIGNAL ? static_cast<int32_t>(r.arg) : -1;
      if (r.stack != 0) first_stacks_.emplace(r.tid, r.stack);
      if (writer_ != nullptr) Write(writer_->WriteEvent(e));
      break;
    }
    case WEFT_REC_OBJECT: {
      weft_object_record r;
      std::memcpy(&r, slot, sizeof(r));
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
      if (threads_.size() <= r.tid) threads_.resize(r.tid + 1);
      format::Thread& t = threads_[r.tid];
      t.tid = r.tid;
      t.parent = r.parent == 0xffff ? -1 : r.parent;
      if (r.start_routine != 0) t.start_routine = r.start_routine;
      t.handle_obj = r.handle_obj;
      t.pid = root_.pid;
      if (r.os_tid != 0) os_tids_[r.os_tid] = r.tid;
      if (writer_ != nullptr) Write(writer_->WriteThread(t));
      break;
    }
    case WEFT_REC_NAME: {
      weft_name_record r;
      std::memcpy(&r, slot, sizeof(r));
      if (threads_.size() <= r.tid) threads_.resize(r.tid + 1);
      format::Thread& t = threads_[r.tid];
      t.tid = r.tid;
      t.pid = root_.pid;
      t.name.assign(r.name, strnlen(r.name, sizeof(r.name)));
      if (writer_ != nullptr) Write(writer_->WriteThread(t));
      break;
    }
    case WEFT_REC_WAKE: {
      weft_wake_record r;
      std::memcpy(&r, slot, sizeof(r));
      format::Wake w;
      w.event_index = events_ == 0 ? 0 : events_ - 1;
      w.woken = r.woken;
      digest_.AddWake(r.woken);
      if (writer_ != nullptr) Write(writer_->WriteWake(w));
      break;
    }
    case WEFT_REC_BLOCKED: {
      weft_blocked_record r;
      std::memcpy(&r, slot, sizeof(r));
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
      error_ = "corrupt record (type " + std::to_string(slot[0]) + ") at slot " +
               std::to_string(index) + " of the event ring";
  }
}

}  // namespace weft::session
