// race.h — data races of a trace: a happens-before detector over the memory accesses of an
// instrumented build (MEM_READ / MEM_WRITE events and Trace::prior_accesses), in the spirit
// of FastTrack (Flanagan & Freund 2009) and ThreadSanitizer.
//
// Happens-before is conflicts.h's (program order, thread create/start and exit/join,
// locks, rwlocks, conditions, semaphores, barriers, once, futex wake → woken) plus atomics
// as ThreadSanitizer models them: an atomic access (WEFT_F_ATOMIC) with an acquire order
// (consume, acquire, acq_rel, seq_cst) acquires what the granule's atomics released; a store
// with a release order (release, acq_rel, seq_cst) replaces what the granule holds with its
// thread's clock, a read-modify-write with a release order adds its clock to it (a release
// sequence); relaxed accesses synchronize nothing.
//
// A race is two accesses of different threads to overlapping bytes ([address, address +
// size)), at least one a write (a read-modify-write is a write), not both atomic, neither
// ordered before the other by happens-before.
//
// Accesses: a MEM_* event is an access of its thread at that event. A prior access (the
// recorder did not log it as an event: only one thread had touched the granule) counts as
// performed by its thread right after that thread's last event with an index below
// `before_event`; an atomic release among them releases the thread's clock of that point.
// NB: a prior release also covers the thread's next event when that event's index is
// exactly one more than the point (a race between that event and an access that acquired
// the release is not reported); nothing else is approximated.
//
// Heap memory: a MEM_WRITE with WEFT_F_FREE (the recorder's free, delete, realloc) is a write
// of the whole block — it races with the accesses it is not ordered after — after which the
// block's earlier accesses are forgotten: the allocator hands the memory out again, and no
// happens-before weft sees orders the old owner's accesses before the new owner's. An access
// after the free and before the block is handed out again (a use after free) is told by the
// recorder: the free comes as the granule's prior write.
//
// Reports: every race is found when its later access runs; the earlier side is the most
// recent conflicting access the detector still holds for those bytes (an access stands for
// the earlier ones of its thread that it covers, as in ThreadSanitizer's shadow cells), but a
// thread's read made before that thread synchronized (any event that is no plain memory
// access) stays beside its later reads, the latest such per thread and granule: a write that
// races with both is reported with it first — a check-then-act's check under a lock names the
// check, not the reads of the act after the unlock.
// Deduplicated by the pair of sites — the two accesses' pcs, unordered (without a stack: the
// accessed address) — and, as ThreadSanitizer suppresses a second report on an address, by
// the pair of source lines on the same bytes: a race whose accesses are on the same two lines
// (the innermost frames' file:line, unordered) as an earlier one's, with the same first byte
// both touch, repeats it. So gcc's `x += n` (a read and a write call, two pcs on one line)
// against another thread's is one report, not three, while two variables on one line, or one
// variable raced from two pairs of lines, are reported each. The first occurrence is kept,
// the others counted. Deterministic:
// the order of the later accesses in the trace. A range access (memcpy, memset) looks at
// most kMaxRangeGranules granules. Tolerates malformed traces (unknown objects, threads or
// stacks only lose accesses or edges).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "weft/trace.h"

namespace weft::analysis {

// Granules (8 bytes) one range access is looked at over (its first 32 KiB).
inline constexpr uint64_t kMaxRangeGranules = 4096;

// One side of a race.
struct RaceAccess {
  uint32_t tid = 0;
  bool write = false;   // a write or a read-modify-write (else a read)
  bool atomic = false;  // WEFT_F_ATOMIC
  uint64_t address = 0;
  uint32_t size = 0;
  uint32_t stack = 0;  // stack id (innermost frame: the access's pc), 0 = none
  uint64_t pc = 0;     // the innermost frame's address, 0 = no stack
  std::string file;    // the innermost frame's source file, "" = unknown
  uint32_t line = 0;   // and line, 0 = unknown
  // A MEM_* event: its index; a prior access: the index of its thread's last event before
  // it (the access came right after), or events.size() when the thread had none.
  uint64_t event = 0;
  // >= 0: the access is Trace::prior_accesses[prior], not an event.
  int64_t prior = -1;

  bool operator==(const RaceAccess&) const = default;
};

// A data race: `current` is the later access (found when it ran), `previous` the earlier.
struct Race {
  RaceAccess current;
  RaceAccess previous;
  uint64_t occurrences = 1;  // races it stands for (RaceDedup), this one the first

  bool operator==(const Race&) const = default;
};

// Every data race of `trace`, deduplicated by the pair of sites, in the order their first
// occurrences ran.
std::vector<Race> FindRaces(const format::Trace& trace);

// The pair of sites a race is deduplicated by: the two accesses' pcs (an access without a
// stack: its address with the top bit set), the smaller first. The same in every run of one
// program (ASLR is off in the runs weft starts).
std::pair<uint64_t, uint64_t> SitePair(const Race& race);

// Which races are one report (see above): the same pair of sites, or the same pair of source
// lines and first byte both accesses touch. FindRaces uses it within a trace, explore across
// its runs.
class RaceDedup {
 public:
  static constexpr size_t kNone = SIZE_MAX;
  // The index given to Add with the race `race` repeats, or kNone.
  size_t Find(const Race& race) const;
  void Add(const Race& race, size_t index);

 private:
  using Lines = std::tuple<std::string, uint32_t, std::string, uint32_t, uint64_t>;
  static bool LinesOf(const Race& race, Lines* lines);
  std::map<std::pair<uint64_t, uint64_t>, size_t> sites_;
  std::map<Lines, size_t> lines_;
};

// Whether the trace holds memory accesses at all (MEM_* events or prior accesses): a run of
// a program that was not built with `weft cc` has none, and no race can be found in it.
bool HasMemoryAccesses(const format::Trace& trace);

}  // namespace weft::analysis
