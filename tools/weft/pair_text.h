// pair_text.h — one side of a pair of operations (a conflict, explain's critical pair) as
// weft conflicts and weft explain print it: a line, a few stack frames, a JSON object.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weft/access.h"
#include "weft/conflicts.h"
#include "weft/json.h"
#include "weft/render.h"
#include "weft/trace.h"

namespace weft::cli {

// The event (or pending operation) on one side of a pair.
struct Side {
  bool pending = false;
  uint64_t index = 0;
  uint32_t tid = 0;
  format::EventKind kind = format::EventKind::kNone;
  uint32_t obj = 0;  // the operation's own object
  uint32_t flags = 0;
  uint32_t stack = 0;
  analysis::Access access = analysis::Access::kNone;
  int32_t blocked = -1;  // pending: its index in Outcome::blocked
};

Side FirstSide(const format::Trace& trace, const analysis::Conflict& c);
Side SecondSide(const format::Trace& trace, const analysis::Conflict& c);

// The source frames of a stack (inlined calls expanded) without weft's own.
std::vector<format::SourceFrame> ProgramFrames(const format::Trace& trace, uint32_t stack);

// "#5 T1 mutex_unlock mutex#3 account_lock  withdraw (withdraw_racy.c:32)"
std::string SideLine(const format::Trace& trace, const Side& s, uint32_t conflict_obj);

// "    T1 at #5:\n      withdraw (withdraw_racy.c:32)\n..." (the first `max_frames` frames;
// 0: all of them).
std::string StackText(const format::Trace& trace, const Side& s, size_t max_frames = 4);

// The side as weft.conflicts/1 writes it (docs/JSON.md).
void SideJson(json::Writer& w, const format::Trace& trace, const Side& s);

}  // namespace weft::cli
