/* free_kinds.h — the event kinds a free recording (weft record --free, WEFT_MODE_FREE)
 * records: the thread life cycle, mutexes, condition variables and semaphores. Their
 * recorded order is what a replay of a free trace enforces (a partial script,
 * weft/sched/script.h) and what it is compared by (analysis/digest.h's order digest); every
 * other schedule point of the replay runs as soon as its thread can (the recording did not
 * order it).
 *
 * Freestanding C: used by the shim, the scheduling layer and the supervisor alike. */
#ifndef WEFT_FREE_KINDS_H
#define WEFT_FREE_KINDS_H

#include <stdint.h>

#include "weft/event_table.h"

static inline int weft_free_recorded_kind(uint8_t kind) {
  switch (kind) {
    case WEFT_EV_THREAD_START:
    case WEFT_EV_THREAD_EXIT:
    case WEFT_EV_THREAD_CREATE:
    case WEFT_EV_THREAD_JOIN:
    case WEFT_EV_MUTEX_LOCK:
    case WEFT_EV_MUTEX_UNLOCK:
    case WEFT_EV_COND_WAIT:
    case WEFT_EV_COND_WAKE:
    case WEFT_EV_COND_SIGNAL:
    case WEFT_EV_COND_BROADCAST:
    case WEFT_EV_SEM_WAIT:
    case WEFT_EV_SEM_POST:
      return 1;
    default:
      return 0;
  }
}

#endif /* WEFT_FREE_KINDS_H */
