#include "session_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

namespace weft::session {
// NB: the shim's many writers add to ring_head, weft stores ring_tail: each on a cache line
// of its own (a field added to the session moves them: its padding takes it back).
static_assert(offsetof(weft_session, ring_head) % 64 == 0 &&
                  offsetof(weft_session, ring_tail) % 64 == 0,
              "ring_head and ring_tail start cache lines");

namespace {

uint64_t AlignUp(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

}  // namespace

Result<SessionMemory> SessionMemory::Create(const SessionLayout& layout) {
  const uint64_t page = 4096;
  uint64_t script_offset = AlignUp(sizeof(weft_session), page);
  uint64_t script_bytes = layout.script.size() * sizeof(weft_script_entry);
  uint64_t wakes_offset = AlignUp(script_offset + script_bytes, 64);
  uint64_t wakes_bytes = layout.wakes.size() * sizeof(uint16_t);
  uint64_t plan_offset = AlignUp(wakes_offset + wakes_bytes, 64);
  uint64_t plan_bytes = layout.plan.size() * sizeof(weft_plan_entry);
  uint64_t sites_offset = AlignUp(plan_offset + plan_bytes, 64);
  uint64_t sites_bytes = layout.memory_sites.size() * sizeof(uint64_t);
  uint64_t modules_offset = AlignUp(sites_offset + sites_bytes, 64);
  uint64_t modules_bytes = layout.atomic_modules.size() * sizeof(weft_atomic_module);
  uint64_t atomic_offset = AlignUp(modules_offset + modules_bytes, 64);
  uint64_t atomic_bytes = layout.atomic_sites.size() * sizeof(weft_atomic_site);
  uint64_t copy_end = AlignUp(atomic_offset + atomic_bytes, 64);
  uint64_t inputs_offset = copy_end;
  uint64_t inputs_bytes = layout.inputs.size() * sizeof(weft_input_entry);
  uint64_t data_offset = AlignUp(inputs_offset + inputs_bytes, 64);
  uint64_t ring_offset = AlignUp(data_offset + layout.input_data.size(), page);
  uint64_t size = ring_offset + layout.ring_slots * WEFT_SLOT_BYTES;

  SessionMemory s;
  s.fd_ = memfd_create("weft-session", MFD_CLOEXEC);
  if (s.fd_ < 0) {
    return MakeError(std::string("cannot create the session memory (memfd_create): ") +
                     std::strerror(errno));
  }
  if (ftruncate(s.fd_, static_cast<off_t>(size)) != 0) {
    return MakeError(std::string("cannot size the session memory: ") + std::strerror(errno));
  }
  void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, s.fd_, 0);
  if (p == MAP_FAILED) {
    return MakeError(std::string("cannot map the session memory: ") + std::strerror(errno));
  }
  s.header_ = static_cast<weft_session*>(p);
  s.size_ = size;

  weft_session* h = s.header_;
  h->magic = WEFT_SESSION_MAGIC;
  h->protocol = WEFT_SHIM_PROTOCOL_VERSION;
  h->size = size;
  h->mode = layout.mode;
  h->capture_stacks = layout.stack_depth;
  h->cpu = layout.cpu;
  h->realtime_base_ns = layout.realtime_base_ns;
  h->monotonic_base_ns = layout.monotonic_base_ns;
  h->event_clock = layout.event_clock;
  h->max_steps = layout.max_steps;
  h->interp_phase = layout.interp_phase;
  h->progress_window = layout.progress_window;
  h->stop_enabled = layout.stop_enabled ? (layout.hold ? 2 : 1) : 0;
  h->stop_before = layout.stop_before;
  h->stop_on_divergence = layout.stop_on_divergence ? 1 : 0;
  h->record_decisions = layout.record_decisions ? 1 : 0;
  h->schedule = layout.schedule;
  const weft_span script{script_offset, layout.script.size()};
  const weft_span wakes{wakes_offset, layout.wakes.size()};
  switch (layout.schedule.kind) {
    case WEFT_SCHEDULE_REPLAY:
      h->schedule.u.replay.script = script;
      h->schedule.u.replay.wakes = wakes;
      break;
    case WEFT_SCHEDULE_GUIDED:
      h->schedule.u.guided.script = script;
      h->schedule.u.guided.wakes = wakes;
      break;
    case WEFT_SCHEDULE_PLAN:
      h->schedule.u.plan.plan = weft_span{plan_offset, layout.plan.size()};
      break;
    default:
      break;
  }
  h->memory_sites = weft_span{sites_offset, layout.memory_sites.size()};
  h->atomic_modules = weft_span{modules_offset, layout.atomic_modules.size()};
  h->atomic_sites = weft_span{atomic_offset, layout.atomic_sites.size()};
  h->inputs = weft_span{inputs_offset, layout.inputs.size()};
  h->input_data = weft_span{data_offset, layout.input_data.size()};
  h->feed_inputs = layout.feed_inputs ? 1 : 0;
  h->feed_kinds = layout.feed_kinds;
  h->ring_offset = ring_offset;
  h->ring_slots = layout.ring_slots;
  auto* base = reinterpret_cast<uint8_t*>(h);
  if (script_bytes != 0) std::memcpy(base + script_offset, layout.script.data(), script_bytes);
  if (wakes_bytes != 0) std::memcpy(base + wakes_offset, layout.wakes.data(), wakes_bytes);
  if (plan_bytes != 0) std::memcpy(base + plan_offset, layout.plan.data(), plan_bytes);
  if (sites_bytes != 0) {
    std::memcpy(base + sites_offset, layout.memory_sites.data(), sites_bytes);
  }
  if (modules_bytes != 0) {
    std::memcpy(base + modules_offset, layout.atomic_modules.data(), modules_bytes);
  }
  if (atomic_bytes != 0)
    std::memcpy(base + atomic_offset, layout.atomic_sites.data(), atomic_bytes);
  if (inputs_bytes != 0) std::memcpy(base + inputs_offset, layout.inputs.data(), inputs_bytes);
  if (!layout.input_data.empty()) {
    std::memcpy(base + data_offset, layout.input_data.data(), layout.input_data.size());
  }
  s.ring_offset_ = ring_offset;
  s.ring_slots_ = layout.ring_slots;
  s.written_ = *h;
  s.script_offset_ = script_offset;
  s.script_copy_.assign(base + script_offset, base + copy_end);
  return s;
}

namespace {

// The fields of weft_session that only weft writes, with a name for messages.
struct ConfigField {
  size_t offset;
  size_t size;
  const char* name;
};
#define WEFT_CONFIG_FIELD_(field, what) \
  ConfigField { offsetof(weft_session, field), sizeof(weft_session::field), what }
const ConfigField kConfigFields[] = {
    WEFT_CONFIG_FIELD_(magic, "the session's identity"),
    WEFT_CONFIG_FIELD_(protocol, "the session's identity"),
    WEFT_CONFIG_FIELD_(size, "the session's identity"),
    WEFT_CONFIG_FIELD_(mode, "the run's configuration"),
    WEFT_CONFIG_FIELD_(capture_stacks, "the run's configuration"),
    WEFT_CONFIG_FIELD_(realtime_base_ns, "the run's configuration"),
    WEFT_CONFIG_FIELD_(monotonic_base_ns, "the run's configuration"),
    WEFT_CONFIG_FIELD_(event_clock, "the run's configuration"),
    WEFT_CONFIG_FIELD_(max_steps, "the run's configuration"),
    WEFT_CONFIG_FIELD_(interp_phase, "the run's configuration"),
    WEFT_CONFIG_FIELD_(cpu, "the run's configuration"),
    WEFT_CONFIG_FIELD_(stop_enabled, "the run's configuration"),
    WEFT_CONFIG_FIELD_(stop_before, "the run's configuration"),
    WEFT_CONFIG_FIELD_(record_decisions, "the run's configuration"),
    WEFT_CONFIG_FIELD_(schedule, "the run's schedule"),
    WEFT_CONFIG_FIELD_(memory_sites, "the run's memory access sites"),
    WEFT_CONFIG_FIELD_(atomic_modules, "the run's atomic sites"),
    WEFT_CONFIG_FIELD_(atomic_sites, "the run's atomic sites"),
    WEFT_CONFIG_FIELD_(inputs, "the run's recorded inputs"),
    WEFT_CONFIG_FIELD_(input_data, "the run's recorded inputs"),
    WEFT_CONFIG_FIELD_(feed_inputs, "the run's recorded inputs"),
    WEFT_CONFIG_FIELD_(feed_kinds, "the run's recorded inputs"),
    WEFT_CONFIG_FIELD_(ring_offset, "the event ring's geometry"),
    WEFT_CONFIG_FIELD_(ring_slots, "the event ring's geometry"),
};
#undef WEFT_CONFIG_FIELD_

}  // namespace

std::string SessionMemory::CheckUnchanged(bool with_script) const {
  const auto* now = reinterpret_cast<const uint8_t*>(header_);
  const auto* then = reinterpret_cast<const uint8_t*>(&written_);
  for (const ConfigField& f : kConfigFields) {
    for (size_t i = 0; i < f.size; ++i) {
      // NB: volatile-free plain reads are enough: a torn read of a changing field is still a
      // difference.
      if (now[f.offset + i] != then[f.offset + i]) {
        return "offset " + std::to_string(f.offset + i) + " (" + f.name + ")";
      }
    }
  }
  if (with_script && !script_copy_.empty()) {
    const uint8_t* script = now + script_offset_;
    if (std::memcmp(script, script_copy_.data(), script_copy_.size()) != 0) {
      for (size_t i = 0; i < script_copy_.size(); ++i) {
        if (script[i] != script_copy_[i]) {
          return "offset " + std::to_string(script_offset_ + i) +
                 " (the replay script, plan, memory access sites or atomic sites)";
        }
      }
    }
  }
  return "";
}

SessionMemory::SessionMemory(SessionMemory&& other) noexcept
    : fd_(other.fd_),
      header_(other.header_),
      size_(other.size_),
      ring_offset_(other.ring_offset_),
      ring_slots_(other.ring_slots_),
      written_(other.written_),
      script_copy_(std::move(other.script_copy_)),
      script_offset_(other.script_offset_) {
  other.fd_ = -1;
  other.header_ = nullptr;
  other.size_ = 0;
}

SessionMemory::~SessionMemory() {
  if (header_ != nullptr) munmap(header_, size_);
  if (fd_ >= 0) close(fd_);
}

uint8_t* SessionMemory::ring() const { return reinterpret_cast<uint8_t*>(header_) + ring_offset_; }

}  // namespace weft::session
