// text.h — text helpers of the `weft show` renderer (not installed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "weft/text_format.h"
#include "weft/trace.h"

namespace weft::render::internal {

// Frames looked at or listed per stack: real stacks have at most WEFT_MAX_STACK_DEPTH (64);
// the bound keeps a corrupt trace with a huge stack from making the renderer quadratic.
inline constexpr size_t kMaxShownFrames = 256;

using text::General;  // weft/text_format.h, shared with formats' descriptions
using text::Hex;
using text::Printf;
// "T3".
std::string ThreadName(int64_t tid);
// "EBUSY" for an errno value; "errno 1234" when glibc has no name for it.
std::string ErrnoName(int64_t value);
// "1.5 ms", "2 s", "300 ns": a duration in virtual nanoseconds.
std::string Duration(int64_t ns);
// "12.000001250": virtual nanoseconds as seconds.
std::string VirtualTime(uint64_t ns);
// argv for display, quoted the way a shell would need it.
std::string ShellQuote(const std::string& arg);
// "2024-11-22 19:52:00 UTC".
std::string CreatedTime(uint64_t unix_ns);
// The frame with id `id`, nullptr if the trace has none.
const format::Frame* FrameById(const format::Trace& trace, uint32_t id);
// Pads the cells of each column to a common width (capped, so that one long symbol does not
// push every line right) and joins them with two spaces. Columns empty in every row vanish.
std::string Table(const std::vector<std::vector<std::string>>& rows,
                  const std::vector<bool>& right_aligned, size_t cap, const std::string& indent);
// One line per frame of a stack: "#0  0x401136  main (racy.c:12)".
std::string StackLines(const format::Trace& trace, const std::vector<uint32_t>& frame_ids,
                       const std::string& indent);
// The kind-specific part of an event line: results, woken threads, created threads...
std::string EventDetails(const format::Trace& trace, const format::Event& e,
                         const std::vector<uint32_t>& woken);
// A deadlock's wait-for cycle as one sentence (timeline.cc), "" if there is none.
std::string CycleText(const format::Trace& trace, const format::Outcome& outcome);

}  // namespace weft::render::internal
