// access.h — the conflict access model: how each event touches objects (reads, writes,
// opens or closes a section), from the access and section columns of the ABI's event table
// (abi/include/weft/event_table.h) plus the cases that depend on an event's argument or on
// its thread's state. conflicts.h lists the whole model in prose.
#pragma once

#include <cstdint>

#include "weft/event_table.h"
#include "weft/trace.h"

namespace weft::analysis {

// How an operation touches an object. Two accesses conflict when at least one writes.
enum class Access : uint8_t { kNone = 0, kRead = 1, kWrite = 2 };

// "none", "read", "write".
const char* AccessName(Access access);

// One access an event makes to one object.
struct Touch {
  uint32_t obj = 0;
  Access access = Access::kNone;
  bool section_start = false;  // it takes the object (a lock acquired)
  bool section_end = false;    // it gives the object back (an unlock)

  bool operator==(const Touch&) const = default;
};

// The accesses of one event: at most two (a condition wait or wake also touches its mutex).
struct Touches {
  Touch touch[2];
  int count = 0;

  const Touch* begin() const { return touch; }
  const Touch* end() const { return touch + count; }
};

// What the model needs to know besides the event itself; the caller tracks it.
struct AccessState {
  bool holds_write = false;   // rwlock unlock: the thread's lock on obj is the write lock
  uint32_t cond_mutex = 0;    // cond wake: the mutex its wait released (0: none known)
  uint64_t object_count = 0;  // object ids below it are valid (a cond wait's mutex in arg)
};

// The table's access class of a kind (WEFT_ACCESS_NONE for unknown and retired kinds).
weft_access_class AccessClassOf(format::EventKind kind);
// The table's section role of a kind (WEFT_SECTION_NONE for unknown and retired kinds).
weft_section_role SectionRoleOf(format::EventKind kind);

// The accesses event `e` makes, in order (touches of object 0 are left out).
Touches AccessesOf(const format::Event& e, const AccessState& state);

// The accesses the pending operation `kind` on `obj` of a blocked thread would make (a
// blocked lock writes its mutex); none for operations no thread waits in. No sections.
Touches PendingAccessesOf(format::EventKind kind, uint32_t obj, uint32_t cond_mutex);

}  // namespace weft::analysis
