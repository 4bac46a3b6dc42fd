// race.cc — FindRaces: one walk over the trace with conflicts.h's happens-before
// (happens_before.h); memory accesses are checked against, then recorded in, a shadow of the
// granules they touch (race.h).
#include "weft/race.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <utility>

#include "happens_before.h"

namespace weft::analysis {
namespace {

using format::Event;
using format::EventKind;

bool IsMemoryEvent(EventKind kind) {
  return kind == EventKind::kMemRead || kind == EventKind::kMemWrite;
}

bool ReleaseOrder(uint32_t order) { return order >= 3 && order <= 5; }

// A site: the pc; without a stack, the address (with the top bit set, so it never equals a pc).
uint64_t SiteOf(const RaceAccess& a) { return a.pc != 0 ? a.pc : a.address | (uint64_t{1} << 63); }

// One access as the shadow holds it, in one granule.
struct Cell {
  uint32_t thread = 0;  // dense
  uint8_t mask = 0;     // the granule's bytes it touched (bit i: byte i)
  bool write = false;
  bool atomic = false;
  // It happened before an access of a thread whose clock C has C[thread] > pos.
  uint64_t pos = 0;
  uint64_t id = 0;  // which access (AccessId)
  // A read of its thread before that thread's last synchronization since: kept beside the
  // thread's later reads (Walker::Check).
  bool earlier_epoch = false;
};

// An access being checked.
struct Access {
  uint32_t thread = 0;  // dense
  bool write = false;
  bool atomic = false;
  uint64_t address = 0;
  uint32_t size = 0;
  uint64_t pos = 0;
  uint64_t id = 0;
};

// Accesses are named by one number: an event index, or events.size() + the prior access's
// index.
class Walker {
 public:
  explicit Walker(const format::Trace& trace)
      : trace_(trace), threads_(ThreadNumbers::Of(trace)), hb_(trace, threads_, ObjectCount()) {}

  std::vector<Race> Run();

 private:
  size_t ObjectCount() const {
    size_t objects = trace_.objects.size();
    for (const Event& e : trace_.events) objects = std::max<size_t>(objects, size_t{e.obj} + 1);
    return objects;
  }
  // The first byte an access to granule object `obj` at `offset` touches; false when obj is
  // no memory granule of the trace.
  bool Address(uint32_t obj, uint32_t offset, uint64_t* address) const {
    if (obj == 0 || obj >= trace_.objects.size()) return false;
    const format::Object& o = trace_.objects[obj];
    if (o.kind != format::ObjectKind::kMemory) return false;
    *address = o.address + offset;
    return true;
  }
  void Check(const Access& a);
  // Whether thread t synchronized (an event that is no plain memory access) at or after
  // position `pos`.
  bool SyncedSince(uint32_t t, uint64_t pos) const {
    return last_sync_[t] != kNever && last_sync_[t] >= pos;
  }
  void Forget(uint64_t address, uint64_t size);
  RaceAccess Describe(uint64_t id) const;
  void Prior(size_t index, int64_t point);

  const format::Trace& trace_;
  ThreadNumbers threads_;
  HappensBefore hb_;
  std::unordered_map<uint64_t, std::vector<Cell>> shadow_;  // granule address → cells
  static constexpr uint64_t kNever = UINT64_MAX;
  std::vector<uint64_t> last_sync_;  // per thread: its last synchronization event, kNever
  RaceDedup seen_;                   // → index in out_
  std::vector<Race> out_;
};

RaceAccess Walker::Describe(uint64_t id) const {
  RaceAccess a;
  const size_t n = trace_.events.size();
  uint32_t flags = 0, obj = 0;
  int64_t arg = 0;
  if (id < n) {
    const Event& e = trace_.events[id];
    a.tid = e.tid;
    a.write = e.kind == EventKind::kMemWrite;
    flags = e.flags;
    arg = e.arg;
    obj = e.obj;
    a.stack = e.stack;
    a.event = id;
  } else {
    const format::PriorAccess& p = trace_.prior_accesses[id - n];
    a.tid = p.tid;
    a.write = p.write;
    flags = p.flags;
    arg = p.arg;
    obj = p.event_index < n ? trace_.events[p.event_index].obj : 0;
    a.stack = p.stack;
    a.prior = static_cast<int64_t>(id - n);
    a.event = n;
    // The thread's last event below before_event: the point the access came after.
    uint64_t limit = std::min(p.before_event, p.event_index);
    for (uint64_t i = limit; i-- > 0;) {
      if (trace_.events[i].tid == p.tid) {
        a.event = i;
        break;
      }
    }
  }
  a.atomic = (flags & format::kFlagAtomic) != 0;
  format::MemoryArg m = format::DecodeMemoryArg(arg);
  a.size = m.size;
  Address(obj, m.offset, &a.address);
  const std::vector<uint32_t>* frames =
      a.stack < trace_.stacks.size() ? &trace_.stacks[a.stack] : nullptr;
  if (frames != nullptr && !frames->empty() && (*frames)[0] < trace_.frames.size()) {
    const format::Frame& f = trace_.frames[(*frames)[0]];
    a.pc = f.ip != 0 ? f.ip : f.offset;
    a.file = f.file;
    a.line = f.line;
  }
  return a;
}

void Walker::Check(const Access& a) {
  if (a.size == 0) return;
  const Clock& now = hb_.Now(a.thread);
  uint64_t first = a.address & ~(format::kMemoryGranuleBytes - 1);
  uint64_t end = a.address + a.size;
  if (end < a.address) end = UINT64_MAX;  // wrapped: a corrupt size
  uint64_t granules = (end - 1 - first) / format::kMemoryGranuleBytes + 1;
  granules = std::min(granules, kMaxRangeGranules);
  std::vector<uint64_t> reported;  // accesses this one was reported with already
  for (uint64_t g = 0; g < granules; ++g) {
    uint64_t base = first + g * format::kMemoryGranuleBytes;
    uint64_t lo = std::max(base, a.address);
    uint64_t hi = std::min(base + format::kMemoryGranuleBytes, end);
    uint8_t mask = static_cast<uint8_t>(((1u << (hi - lo)) - 1) << (lo - base));
    std::vector<Cell>& cells = shadow_[base];
    for (const Cell& c : cells) {
      if (c.thread == a.thread || (c.mask & mask) == 0) continue;
      if (!c.write && !a.write) continue;
      if (c.atomic && a.atomic) continue;
      if (now[c.thread] > c.pos) continue;  // ordered
      if (std::find(reported.begin(), reported.end(), c.id) != reported.end()) continue;
      reported.push_back(c.id);
      Race r;
      r.current = Describe(a.id);
      r.previous = Describe(c.id);
      size_t earlier = seen_.Find(r);
      if (earlier == RaceDedup::kNone) {
        seen_.Add(r, out_.size());
        out_.push_back(r);
      } else {
        ++out_[earlier].occurrences;
      }
    }
    // Cells this access stands for from now on: covered bytes, ordered before it, and any
    // access that races with the cell races with it too (it writes if the cell wrote, and an
    // atomic one only stands for atomic cells).
    auto covered = [&](const Cell& c) {
      bool ordered = c.thread == a.thread || now[c.thread] > c.pos;
      return ordered && (c.mask & ~mask) == 0 && (a.write || !c.write) && (!a.atomic || c.atomic);
    };
    // But a read of this thread's made before it synchronized since stays, one per thread:
    // the latest such (a check made under a lock, before the unlock), so that a write that
    // races with both names it first, before the reads that came after — the check of a
    // check-then-act rather than the act. (It stands for nothing that the later cells do not:
    // only the report's earlier side changes.)
    const Cell* kept = nullptr;
    if (!a.write) {
      for (const Cell& c : cells) {
        if (c.thread == a.thread && !c.write && !c.earlier_epoch && covered(c) &&
            SyncedSince(a.thread, c.pos) && (kept == nullptr || c.pos > kept->pos)) {
          kept = &c;
        }
      }
    }
    const uint64_t kept_id = kept != nullptr ? kept->id : UINT64_MAX;
    std::erase_if(cells, [&](const Cell& c) {
      if (c.id == kept_id) return false;
      if (c.earlier_epoch && c.thread == a.thread) return kept != nullptr;
      return covered(c);
    });
    for (Cell& c : cells) {
      if (c.id == kept_id) c.earlier_epoch = true;
    }
    cells.push_back(Cell{a.thread, mask, a.write, a.atomic, a.pos, a.id});
  }
}

// The block [address, address + size) was freed: its bytes are new memory from now on (the
// cells of earlier accesses go; the free's own too: only a prior access reports it again,
// the free as the last write of a granule another thread touches before it is reused).
void Walker::Forget(uint64_t address, uint64_t size) {
  uint64_t end = address + size;
  if (end < address) end = UINT64_MAX;
  auto clear = [&](uint64_t base, std::vector<Cell>& cells) {
    uint64_t lo = std::max(base, address);
    uint64_t hi = std::min(base + format::kMemoryGranuleBytes, end);
    if (hi <= lo) return;
    uint8_t mask = static_cast<uint8_t>(((1u << (hi - lo)) - 1) << (lo - base));
    for (Cell& c : cells) c.mask = static_cast<uint8_t>(c.mask & ~mask);
    std::erase_if(cells, [](const Cell& c) { return c.mask == 0; });
  };
  const uint64_t first = address & ~(format::kMemoryGranuleBytes - 1);
  const uint64_t granules = (end - 1 - first) / format::kMemoryGranuleBytes + 1;
  if (granules <= shadow_.size()) {
    for (uint64_t g = 0; g < granules; ++g) {
      auto it = shadow_.find(first + g * format::kMemoryGranuleBytes);
      if (it != shadow_.end()) clear(it->first, it->second);
    }
  } else {
    for (auto& [base, cells] : shadow_) {
      if (base + format::kMemoryGranuleBytes > address && base < end) clear(base, cells);
    }
  }
}

// Prior access `index`, performed by its thread right after its event `point` (-1: before
// its first event).
void Walker::Prior(size_t index, int64_t point) {
  const format::PriorAccess& p = trace_.prior_accesses[index];
  if (p.event_index >= trace_.events.size()) return;
  int64_t dense = threads_.Dense(p.tid);
  if (dense < 0) return;
  Access a;
  a.thread = static_cast<uint32_t>(dense);
  a.write = p.write;
  a.atomic = (p.flags & format::kFlagAtomic) != 0;
  format::MemoryArg m = format::DecodeMemoryArg(p.arg);
  uint32_t obj = trace_.events[p.event_index].obj;
  if (!Address(obj, m.offset, &a.address)) return;
  a.size = m.size;
  // After event `point`: ordered before another thread's access only through a later event
  // of its thread (or a release among the prior accesses, which Run ticks past `point`).
  a.pos = point < 0 ? 0 : static_cast<uint64_t>(point) + 1;
  a.id = trace_.events.size() + index;
  Check(a);
  if (a.atomic && a.write && point >= 0 && ReleaseOrder(m.order)) {
    hb_.ReleaseAtomic(a.thread, obj, (p.flags & format::kFlagRead) != 0);
  }
}

std::vector<Race> Walker::Run() {
  const std::vector<Event>& events = trace_.events;
  last_sync_.assign(threads_.count(), kNever);
  // Each prior access's point: its thread's last event below min(before_event, event_index).
  std::vector<std::vector<uint64_t>> by_thread(threads_.count());
  for (uint64_t i = 0; i < events.size(); ++i)
    by_thread[threads_.dense[events[i].tid]].push_back(i);
  std::vector<std::pair<int64_t, size_t>> priors;  // (point, prior index), sorted
  for (size_t k = 0; k < trace_.prior_accesses.size(); ++k) {
    const format::PriorAccess& p = trace_.prior_accesses[k];
    int64_t dense = threads_.Dense(p.tid);
    if (dense < 0 || p.event_index >= events.size()) continue;
    const std::vector<uint64_t>& mine = by_thread[static_cast<size_t>(dense)];
    uint64_t limit = std::min(p.before_event, p.event_index);
    auto it = std::lower_bound(mine.begin(), mine.end(), limit);
    int64_t point = it == mine.begin() ? -1 : static_cast<int64_t>(*(it - 1));
    priors.emplace_back(point, k);
  }
  std::sort(priors.begin(), priors.end());
  size_t next = 0;
  auto run_priors = [&](int64_t point) {
    size_t from = next;
    while (next < priors.size() && priors[next].first == point) ++next;
    if (from == next || point < 0) {
      for (size_t k = from; k < next; ++k) Prior(priors[k].second, point);
      return;
    }
    // NB: a release among them must cover all of them (they are only known to come after
    // `point`, in no known order), so the thread's clock moves just past `point` first.
    const format::PriorAccess& first = trace_.prior_accesses[priors[from].second];
    hb_.Tick(threads_.dense[first.tid], static_cast<uint64_t>(point) + 1);
    for (size_t k = from; k < next; ++k) Prior(priors[k].second, point);
  };
  run_priors(-1);
  for (uint64_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    uint32_t t = threads_.dense[e.tid];
    hb_.Tick(t, i);
    hb_.Acquire(t, e);
    if (!IsMemoryEvent(e.kind) || (e.flags & format::kFlagAtomic) != 0) last_sync_[t] = i;
    if (IsMemoryEvent(e.kind)) {
      Access a;
      a.thread = t;
      a.write = e.kind == EventKind::kMemWrite;
      a.atomic = (e.flags & format::kFlagAtomic) != 0;
      format::MemoryArg m = format::DecodeMemoryArg(e.arg);
      a.size = m.size;
      a.pos = i;
      a.id = i;
      if (Address(e.obj, m.offset, &a.address)) {
        Check(a);
        if ((e.flags & format::kFlagFree) != 0) Forget(a.address, a.size);
      }
    }
    hb_.Release(i, t, e);
    run_priors(static_cast<int64_t>(i));
  }
  return std::move(out_);
}

}  // namespace

std::vector<Race> FindRaces(const format::Trace& trace) { return Walker(trace).Run(); }

std::pair<uint64_t, uint64_t> SitePair(const Race& race) {
  uint64_t x = SiteOf(race.current), y = SiteOf(race.previous);
  return {std::min(x, y), std::max(x, y)};
}

bool RaceDedup::LinesOf(const Race& race, Lines* lines) {
  const RaceAccess& a = race.current;
  const RaceAccess& b = race.previous;
  if (a.line == 0 || a.file.empty() || b.line == 0 || b.file.empty()) return false;
  const uint64_t first = std::max(a.address, b.address);  // the first byte both touch
  if (std::tie(a.file, a.line) < std::tie(b.file, b.line)) {
    *lines = Lines{a.file, a.line, b.file, b.line, first};
  } else {
    *lines = Lines{b.file, b.line, a.file, a.line, first};
  }
  return true;
}

size_t RaceDedup::Find(const Race& race) const {
  auto site = sites_.find(SitePair(race));
  if (site != sites_.end()) return site->second;
  Lines lines;
  if (!LinesOf(race, &lines)) return kNone;
  auto line = lines_.find(lines);
  return line != lines_.end() ? line->second : kNone;
}

void RaceDedup::Add(const Race& race, size_t index) {
  sites_.emplace(SitePair(race), index);
  Lines lines;
  if (LinesOf(race, &lines)) lines_.emplace(std::move(lines), index);
}

bool HasMemoryAccesses(const format::Trace& trace) {
  if (!trace.prior_accesses.empty()) return true;
  return std::any_of(trace.events.begin(), trace.events.end(),
                     [](const Event& e) { return IsMemoryEvent(e.kind); });
}

}  // namespace weft::analysis
