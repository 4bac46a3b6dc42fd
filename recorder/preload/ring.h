// ring.h — the shim's side of the event ring and the stack table (ring.cc).
#pragma once

#include <stdint.h>

namespace weft::shim {

// Maps the ring described by the session. Called once at start-up.
void RingInit();
// Appends `slots` 32-byte slots. Single producer: only the thread holding the turn calls
// this (in a free recording any thread may: each takes its slots atomically). Waits
// (without the turn moving) while the supervisor catches up.
void RingWrite(const void* records, uint32_t slots);
// A record of more than one slot written in place (a free recording's inputs, whose data is
// too long to build on the stack): RingReserve takes `slots` slots (waiting for room),
// RingSlot gives the address of slot `index`, RingCommit stores the first slot's type byte,
// last (many writers: the record counts as written from then on).
uint64_t RingReserve(uint32_t slots);
uint8_t* RingSlot(uint64_t index);
void RingCommit(uint64_t first, uint8_t type);
// Captures the calling thread's stack (user frames only) and returns its interned id,
// writing a STACK record the first time. 0 when stacks are off.
uint32_t CaptureStack();
// Interns the stack `ips[0..depth)` (innermost first; at most WEFT_MAX_STACK_DEPTH are
// kept) and returns its id, writing a STACK record the first time. 0 when stacks are off.
// Only the thread holding the turn calls this.
uint32_t InternStack(const uint64_t* ips, uint32_t depth);
// Sets the address range of the shim itself, whose frames are left out of stacks.
void SetShimRange(uint64_t lo, uint64_t hi);

}  // namespace weft::shim
