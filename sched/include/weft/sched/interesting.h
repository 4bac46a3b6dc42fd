// interesting.h — which operations are interesting to the strategies that look at what a
// thread is about to do (surw, pos): an operation on an object other threads may touch
// too — a lock, a condition, a semaphore, a barrier, a futex, a memory access at a
// schedule point, a file — whose order against the other threads' operations on it can
// change what the program does. Not interesting: operations on no object (yield, sleep),
// the threads' own life cycle (start, create, join, exit: they only order), and a release
// (an unlock: the next acquire of the object is the decision that matters). From the
// event table's columns, so a new event kind is classified where it is defined.
#pragma once

#include <stdint.h>

#include "weft/event_table.h"

namespace weft::sched {

// Whether an operation of kind `kind` (weft_event_kind) is interesting.
inline bool IsInteresting(uint8_t kind) {
  switch (kind) {
#define WEFT_SCHED_INTERESTING(NAME, Camel, number, name, object, access, section, category, \
                               waits, nondet, obj_doc, arg_doc)                              \
  case number:                                                                               \
    return WEFT_OBJ_##object != WEFT_OBJ_NONE && WEFT_OBJ_##object != WEFT_OBJ_THREAD &&     \
           WEFT_ACCESS_##access != WEFT_ACCESS_NONE &&                                       \
           WEFT_SECTION_##section != WEFT_SECTION_RELEASE;
    WEFT_EVENT_KINDS(WEFT_SCHED_INTERESTING)
#undef WEFT_SCHED_INTERESTING
    default:
      return false;
  }
}

// Whether an operation of kind `kind` only reads its object (commutes with other reads).
inline bool IsRead(uint8_t kind) {
  switch (kind) {
#define WEFT_SCHED_IS_READ(NAME, Camel, number, name, object, access, section, category, waits, \
                           nondet, obj_doc, arg_doc)                                            \
  case number:                                                                                  \
    return WEFT_ACCESS_##access == WEFT_ACCESS_READ;
    WEFT_EVENT_KINDS(WEFT_SCHED_IS_READ)
#undef WEFT_SCHED_IS_READ
    default:
      return false;
  }
}

}  // namespace weft::sched
