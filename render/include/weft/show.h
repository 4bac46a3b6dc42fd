// show.h — `weft show`: a trace as the timeline people read and as the JSON scripts read.
// Deterministic: same trace, same bytes. The one-line descriptions both use are in
// formats (weft/render.h).
#pragma once

#include <string>

#include "weft/trace.h"

namespace weft::render {

// The human-readable timeline: header (program, strategy, seed, events), threads, one line
// per event (index, virtual time, thread, kind, object, details, decision, source location),
// the program's captured output and the outcome with its crash site or deadlock cycle and
// stacks.
std::string RenderTimeline(const format::Trace& trace);

// The whole trace as one JSON object (weft.show/1 in docs/JSON.md), followed by a newline.
// indent 0 writes it on one line; n > 0 indents it by n spaces per level.
std::string RenderTraceJson(const format::Trace& trace, int indent = 0);

}  // namespace weft::render
