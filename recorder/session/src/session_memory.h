// session_memory.h — the shared-memory session region (shim_abi.h) on the supervisor's
// side: a memfd the program inherits, holding configuration, status, script and ring.
#pragma once

#include <cstdint>
#include <vector>

#include "weft/result.h"
#include "weft/shim_abi.h"

namespace weft::session {

struct SessionLayout {
  // The schedule: kind, strategy and the union member of that kind. Create fills in the
  // spans (where script, wakes and plan lie in the region).
  weft_schedule_spec schedule{};
  uint32_t stack_depth = 0;
  int cpu = -1;
  uint64_t max_steps = 0;
  uint64_t realtime_base_ns = 0;
  uint64_t monotonic_base_ns = 0;
  bool stop_enabled = false;
  uint64_t stop_before = 0;
  bool record_decisions = false;
  uint64_t ring_slots = 1u << 18;         // 8 MiB of 32-byte slots
  std::vector<weft_script_entry> script;  // replay, guided
  std::vector<uint16_t> wakes;            // replay, guided: futex waiters woken, in order
  std::vector<weft_plan_entry> plan;      // plan
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
  weft_session* header() const { return header_; }
  const uint8_t* ring() const;

 private:
  SessionMemory() = default;
  int fd_ = -1;
  weft_session* header_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace weft::session
