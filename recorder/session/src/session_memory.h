// session_memory.h — the shared-memory session region (shim_abi.h) on the supervisor's
// side: a memfd the program inherits, holding configuration, status, script and ring.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weft/result.h"
#include "weft/shim_abi.h"

namespace weft::session {

struct SessionLayout {
  // The schedule: kind, strategy and the union member of that kind. Create fills in the
  // spans (where script, wakes and plan lie in the region).
  weft_schedule_spec schedule{};
  uint32_t mode = WEFT_MODE_CONTROLLED;  // weft_mode
  uint32_t stack_depth = 0;
  int cpu = -1;
  uint64_t max_steps = 0;
  uint64_t interp_phase = 0;  // weft_session.interp_phase
  uint32_t progress_window = 0;
  uint64_t realtime_base_ns = 0;
  uint64_t monotonic_base_ns = 0;
  uint32_t event_clock = WEFT_EVENT_CLOCK_MONOTONIC;  // a free recording's (shim_abi.h)
  bool stop_enabled = false;
  bool hold = false;  // with stop_enabled: hold for a debugger (stop_enabled 2)
  uint64_t stop_before = 0;
  bool stop_on_divergence = false;
  bool record_decisions = false;
  uint64_t ring_slots = 1u << 18;                  // 8 MiB of 32-byte slots
  std::vector<weft_script_entry> script;           // replay, guided
  std::vector<uint16_t> wakes;                     // replay, guided: futex waiters woken, in order
  std::vector<weft_plan_entry> plan;               // plan
  std::vector<uint64_t> memory_sites;              // candidate memory access sites (pcs), ascending
  std::vector<weft_atomic_module> atomic_modules;  // atomic instructions to patch
  std::vector<weft_atomic_site> atomic_sites;
  // A replay of a trace that recorded inputs: its inputs to feed (feed_inputs; feed_kinds:
  // bit 1 << weft_input_kind, the kinds fed), their data one after the other. NB: apart from
  // the script's copy (CheckUnchanged does not compare them: they can be long, and what the
  // program does to them only changes what it reads).
  bool feed_inputs = false;
  uint32_t feed_kinds = 0;
  std::vector<weft_input_entry> inputs;
  std::string input_data;
};

class SessionMemory {
 public:
  // Creates the memfd (close-on-exec: the launcher keeps it open in the program only) and
  // fills in the configuration.
  static Result<SessionMemory> Create(const SessionLayout& layout);
  SessionMemory(SessionMemory&& other) noexcept;
  SessionMemory& operator=(SessionMemory&&) = delete;
  SessionMemory(const SessionMemory&) = delete;
  ~SessionMemory();

  int fd() const { return fd_; }
  // NB: the program can write anywhere in the region (it is mapped writable in it): every
  // value read from it is untrusted. The geometry below is weft's own copy.
  weft_session* header() const { return header_; }
  uint8_t* ring() const;
  uint64_t ring_slots() const { return ring_slots_; }
  uint64_t size() const { return size_; }

  // "" while the configuration weft wrote (identity, configuration, ring geometry) and the
  // script, wakes and plan are as written; else which bytes changed, for a message
  // ("offset 24 (the run's configuration)"). `with_script` also compares the script region
  // (costly for long replays: callers do it now and then, and at the end).
  std::string CheckUnchanged(bool with_script) const;

 private:
  SessionMemory() = default;
  int fd_ = -1;
  weft_session* header_ = nullptr;
  uint64_t size_ = 0;
  uint64_t ring_offset_ = 0;
  uint64_t ring_slots_ = 0;
  weft_session written_{};            // the header as weft wrote it
  std::vector<uint8_t> script_copy_;  // script, wakes and plan as written
  uint64_t script_offset_ = 0;
};

}  // namespace weft::session
