// trace_data.h — a loaded trace as the GUI sees it: the protobuf-free format::Trace plus what
// the views derive from it once (lanes, context switches, conflicts, level-of-detail
// summaries). Built on a worker thread (TraceLoader), then shared read-only between the
// models and widgets through std::shared_ptr<const TraceData>.
#pragma once

#include <QString>
#include <QStringList>
#include <cstdint>
#include <memory>
#include <vector>

#include "timeline_geometry.h"
#include "weft/conflicts.h"
#include "weft/result.h"
#include "weft/trace.h"

namespace weft::gui {

// A conflicting pair (analysis/conflicts.h): its events, object, and the decision that
// reverses it.
using Conflict = analysis::Conflict;

// Groups of event kinds that share a colour on the timeline. The order is the priority when
// several groups meet in one pixel column: a later group wins.
enum class EventCategory : uint8_t {
  kOther = 0,   // yield, fork, detach, memory accesses
  kSleep = 1,   // sleep, sleep_done
  kUnlock = 2,  // mutex/rwlock/spin unlock
  kLock = 3,    // mutex/rwlock/spin lock
  kSem = 4,     // semaphores, barriers, once
  kFutex = 5,   // futex wait/woken/wake
  kCond = 6,    // condition wait/wake/signal/broadcast
  kThread = 7,  // thread start/exit/create/join
};
// Number of EventCategory values.
inline constexpr int kEventCategoryCount = 8;

// The colour group of an event kind.
EventCategory CategoryOf(format::EventKind kind);

// One thread's row on the timeline.
struct Lane {
  uint32_t tid = 0;
  // "T1 teller": tid and ThreadName; in a trace of several processes also its process,
  // "T3 withdraw · withdraw_ok 1234" (the program it ran last, its pid).
  QString label;
  std::vector<uint32_t> events;  // global indexes of the thread's events, ascending
  // Level of detail: masks[0][b] has bit c set when the thread has an event of category c
  // with index in [b * kLodBlock, (b + 1) * kLodBlock); masks[k + 1][i] = masks[k][2i] |
  // masks[k][2i + 1].
  std::vector<std::vector<uint8_t>> masks;
};

// Indexes per level-0 block of Lane::masks.
inline constexpr uint32_t kLodBlock = 64;

// A trace loaded for display. Immutable once built.
struct TraceData {
  QString path;  // the file it was read from
  format::Trace trace;
  std::vector<Lane> lanes;  // one per thread, lanes[i].tid == i
  // The tids in the order the timeline shows them: each process's threads together (the
  // processes in the trace's order, the root first), by tid within one; 0, 1, ... when the
  // trace has one process.
  std::vector<uint32_t> lane_order;
  std::vector<uint32_t> switches;     // indexes i > 0 whose thread differs from event i - 1's
  std::vector<Conflict> conflicts;    // analysis::FindConflicts(trace), sorted by first
  uint64_t max_conflict_span = 0;     // largest second - first of the conflicts
  QString outcome;                    // format::DescribeOutcome, one line
  bool failed = false;                // the outcome is a failure (non-zero exit, signal, ...)
  double load_seconds = 0;            // time spent reading and deriving
  std::vector<QString> thread_names;  // ThreadName of each thread, by tid
  // Per stack id: the user's function at the stack's site (SiteFunction), "" if none.
  std::vector<QString> site_functions;
  bool vtime_ascending = true;  // events' virtual times never decrease (a time ruler can search)
  // A free recording (weft record --free): event times are real time (ns since the run
  // started, as the threads ran in parallel), not virtual; the time axis is a real-time one.
  bool real_time = false;
  QString program_output;  // RecordedOutput(trace): the banner's words

  // Number of events of lane `lane` with index in [lo, hi).
  uint32_t CountInRange(size_t lane, uint64_t lo, uint64_t hi) const;
  // Bit c set when lane `lane` has an event of category c with index in [lo, hi).
  uint8_t CategoryMask(size_t lane, uint64_t lo, uint64_t hi) const;
  // Number of context switches with index in [lo, hi).
  uint32_t SwitchesInRange(uint64_t lo, uint64_t hi) const;
  // The thread's label ("T1 teller"); "T<tid>" for unknown tids.
  QString ThreadLabel(uint32_t tid) const;
  // An object as the timeline names it ("mutex#3 account_lock"), "" for 0.
  QString ObjectLabel(uint32_t obj) const;
  // The object of event `index` as the events table names it: a memory access's global is the
  // one at its own bytes (a granule may hold two).
  QString EventObjectLabel(uint64_t index) const;
  // Innermost meaningful location of an event's stack ("teller (bank.c:19)"), "" if none.
  QString EventLocation(uint64_t index) const;
  // What an event's box on the timeline says: the user's function at its site
  // ("has_funds"), else (and for thread events: create, start, join, exit) its kind
  // without the object prefix ("lock").
  QString BlockLabel(uint64_t index) const;
};

// The name of thread `tid` for a lane, without the tid: its pthread name if set; else its
// start function unless that is the runtime's (std::thread's invoker, Rust's spawn
// closure); else the outermost function of the program's own code in the stacks of its
// first events (the thread's body, e.g. "teller"); else the start function shortened.
// Names are shortened (format::ShortName, without the parameter list). "" when nothing is
// known.
QString ThreadName(const format::Trace& trace, uint32_t tid);

// The user's function at a stack's site (format::MeaningfulSourceFrame), shortened
// ("has_funds"); "" when the site is not in the program's own code (a system library, the
// toolchain's headers, a runtime function) or the stack is empty. Without parameters.
QString SiteFunction(const format::Trace& trace, uint32_t stack);

// The last non-empty line the program wrote, as recorded in the trace: its stdout, else its
// stderr; "" when neither was captured or both are empty.
QString RecordedOutput(const format::Trace& trace);

// Whether an outcome counts as a failure for the banner: non-zero exit, signal, deadlock,
// timeout, shim error, step limit or a divergence. "stopped" and exit 0 are not failures.
bool IsFailure(const format::Outcome& outcome);

// The outcome for the banner, more than one line where it helps: the deadlock's wait-for
// edges ("T1 waits in mutex_lock for mutex#2 m_b held by T2"), a crash's site and
// instruction, a divergence's first differing event, a stop's pending operations.
QStringList OutcomeDetails(const TraceData& data);

// The virtual-time axis: where each event sits (TimelineGeometry::SetPositions). Event i
// begins at its virtual time less the first event's (ns), its box at most `box` wide: the
// median gap between consecutive events at different times (1 µs when there is none), so
// a sleep or a timeout shows as empty space; the outcome's two slots follow the last event,
// `box` each. No starts when virtual time goes backwards somewhere (a multi-process trace
// whose clocks disagree): the timeline then stays on event indexes.
struct TimeLayout {
  std::shared_ptr<const std::vector<double>> starts;  // events.size() + 3 positions, or none
  double box = 1000;
  uint64_t origin_ns = 0;  // the virtual time at position 0
};
TimeLayout MakeTimeLayout(const TraceData& data);

// A tick of a virtual-time ruler: the domain position (TimelineGeometry) of time `ns`.
struct TimeTick {
  double pos = 0;
  uint64_t ns = 0;
  bool operator==(const TimeTick&) const = default;
};

// The ticks of a virtual-time ruler over what `geometry` shows, at least `min_pixels`
// apart. With the time layout (`layout` has starts and `geometry` is positioned): round times
// (1, 2 or 5 × 10^k ns) where they are. Otherwise (virtual time not ascending: the index
// layout): index ticks (TimelineGeometry::TickStep) labelled with the time of the event there.
std::vector<TimeTick> TimeTicks(const TraceData& data, const TimeLayout& layout,
                                const TimelineGeometry& geometry, double min_pixels);

// Derives lanes, switches, conflicts and summaries for `trace`, read from `path`.
std::shared_ptr<TraceData> BuildTraceData(format::Trace trace, const QString& path);
// Sets `data.lane_order` and, in a trace of several processes, adds each lane's process to
// its label (BuildTraceData does it).
void GroupLanesByProcess(TraceData& data);

// Reads `path` and builds its TraceData. Errors say what was wrong with which file
// ("cannot read trace 'x.weft': not a weft trace (bad magic)").
Result<std::shared_ptr<const TraceData>> LoadTraceData(const QString& path);

}  // namespace weft::gui
