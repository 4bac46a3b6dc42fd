// vector_clock.cc — joins, and the shadow bookkeeping of acquires and releases.
#include "vector_clock.h"

#include <utility>

namespace weft::analysis {
namespace {

// Joins `from` into `into` (same size, or `from` empty); true if `into` grew.
bool JoinInto(Clock& into, const Clock& from) {
  bool grew = false;
  for (size_t i = 0; i < from.size(); ++i) {
    if (from[i] > into[i]) {
      into[i] = from[i];
      grew = true;
    }
  }
  return grew;
}

const Clock* FindShadow(const std::vector<Shadow>& shadows, uint32_t obj) {
  for (const Shadow& s : shadows) {
    if (s.obj == obj) return &s.clock;
  }
  return nullptr;
}

}  // namespace

Clocks::Clocks(size_t threads) : threads_(threads) {
  for (ThreadClock& t : threads_) t.clock.assign(threads, 0);
}

uint32_t Clocks::NewChannel() {
  if (!free_.empty()) {
    uint32_t id = free_.back();
    free_.pop_back();
    return id;
  }
  channels_.emplace_back();
  return static_cast<uint32_t>(channels_.size() - 1);
}

void Clocks::FreeChannel(uint32_t id) {
  Reset(id);
  free_.push_back(id);
}

void Clocks::Reset(uint32_t id) {
  channels_[id].clock.clear();
  channels_[id].shadows.clear();
}

void Clocks::Tick(uint32_t t, uint64_t index) {
  ThreadClock& th = threads_[t];
  th.clock[t] = index + 1;
  for (Shadow& s : th.shadows) s.clock[t] = index + 1;
}

void Clocks::Acquire(uint32_t t, uint32_t id) {
  const Channel& c = channels_[id];
  if (c.clock.empty()) return;
  ThreadClock& th = threads_[t];
  old_ = th.clock;
  bool grew = JoinInto(th.clock, c.clock);
  // Objects with a shadow in the channel but none in the thread: the thread's o-free
  // clock was its full clock.
  scratch_.clear();
  for (const Shadow& cs : c.shadows) {
    if (cs.obj == c.tag || FindShadow(th.shadows, cs.obj) != nullptr) continue;
    Shadow n{cs.obj, old_};
    JoinInto(n.clock, cs.clock);
    if (n.clock != th.clock) scratch_.push_back(std::move(n));
  }
  bool had_tag_shadow = c.tag == 0;  // untagged edges (spawn) are never left out
  size_t keep = 0;
  for (size_t i = 0; i < th.shadows.size(); ++i) {
    Shadow& s = th.shadows[i];
    if (s.obj == c.tag) {
      had_tag_shadow = true;  // this edge is left out of the tag's own view
    } else {
      const Clock* from = FindShadow(c.shadows, s.obj);
      JoinInto(s.clock, from != nullptr ? *from : c.clock);
    }
    if (s.clock == th.clock) continue;  // caught up: no longer differs
    if (keep != i) th.shadows[keep] = std::move(s);
    ++keep;
  }
  th.shadows.resize(keep);
  if (!had_tag_shadow && grew) th.shadows.push_back(Shadow{c.tag, old_});
  for (Shadow& n : scratch_) th.shadows.push_back(std::move(n));
}

void Clocks::Release(uint32_t t, uint32_t id, uint32_t tag, bool accumulate) {
  Channel& c = channels_[id];
  const ThreadClock& th = threads_[t];
  if (!accumulate || c.clock.empty() || c.tag != tag) {
    c.tag = tag;
    c.clock = th.clock;
    size_t n = 0;
    for (const Shadow& s : th.shadows) {
      if (s.obj == tag) continue;  // never read: acquires of this channel skip the view
      if (n < c.shadows.size()) {
        c.shadows[n].obj = s.obj;
        c.shadows[n].clock = s.clock;
      } else {
        c.shadows.push_back(s);
      }
      ++n;
    }
    c.shadows.resize(n);
    return;
  }
  old_ = c.clock;
  JoinInto(c.clock, th.clock);
  scratch_.clear();
  for (const Shadow& cs : c.shadows) {
    if (cs.obj == tag) continue;
    Shadow n{cs.obj, cs.clock};
    const Clock* ts = FindShadow(th.shadows, cs.obj);
    JoinInto(n.clock, ts != nullptr ? *ts : th.clock);
    if (n.clock != c.clock) scratch_.push_back(std::move(n));
  }
  for (const Shadow& s : th.shadows) {
    if (s.obj == tag || FindShadow(c.shadows, s.obj) != nullptr) continue;
    Shadow n{s.obj, old_};
    JoinInto(n.clock, s.clock);
    if (n.clock != c.clock) scratch_.push_back(std::move(n));
  }
  c.shadows.swap(scratch_);
}

const Clock& Clocks::Without(uint32_t t, uint32_t obj) const {
  const ThreadClock& th = threads_[t];
  const Clock* s = FindShadow(th.shadows, obj);
  return s != nullptr ? *s : th.clock;
}

}  // namespace weft::analysis
