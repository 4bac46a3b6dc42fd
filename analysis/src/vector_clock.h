// vector_clock.h — vector clocks with per-object "shadow" clocks: happens-before of every
// thread and, for every object o at once, the happens-before that leaves out o's edges
// (what deciding whether a pair on o is a conflict needs; conflicts.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace weft::analysis {

// A vector clock: [u] = 1 + index of the latest event of thread u that happened before,
// 0 for none. An empty Clock (a channel nothing was released into) is all zeros.
using Clock = std::vector<uint64_t>;

// The clock that leaves out the edges of object `obj`, kept only where it differs from the
// full clock it belongs to (it is never greater).
struct Shadow {
  uint32_t obj = 0;
  Clock clock;
};

// Edges go through channels: a release puts the releasing thread's clock into a channel
// tagged with the edge's object, an acquire joins a channel into the acquiring thread. In
// the o-free view an acquire from an o-tagged channel does nothing. Shadows (o-free clocks
// that differ from the full one) are created by such skipped acquires and travel with the
// clocks; they vanish when other edges make up the difference. Threads are numbered densely.
class Clocks {
 public:
  explicit Clocks(size_t threads);

  // A new empty channel (or a freed one, emptied).
  uint32_t NewChannel();
  // Gives a channel back for reuse.
  void FreeChannel(uint32_t id);
  // Empties a channel: later acquires get nothing from what was released before.
  void Reset(uint32_t id);

  // Thread t is at event `index` (program order).
  void Tick(uint32_t t, uint64_t index);
  // Joins channel `id` into thread t's clocks (except into the view of the channel's tag).
  void Acquire(uint32_t t, uint32_t id);
  // Releases thread t's clock into channel `id` as an edge of object `tag` (0: an edge
  // that is never left out). `accumulate` joins with what the channel holds; otherwise the
  // channel is overwritten.
  void Release(uint32_t t, uint32_t id, uint32_t tag, bool accumulate);

  // Thread t's current clock with object obj's edges left out.
  const Clock& Without(uint32_t t, uint32_t obj) const;

 private:
  struct Channel {
    uint32_t tag = 0;
    Clock clock;
    std::vector<Shadow> shadows;
  };
  struct ThreadClock {
    Clock clock;
    std::vector<Shadow> shadows;
  };

  std::vector<ThreadClock> threads_;
  std::vector<Channel> channels_;
  std::vector<uint32_t> free_;
  Clock old_;                    // scratch
  std::vector<Shadow> scratch_;  // scratch
};

}  // namespace weft::analysis
