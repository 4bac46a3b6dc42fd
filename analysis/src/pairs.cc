// pairs.cc — the closest conflicting pairs per object and thread pair.
#include "pairs.h"

#include <algorithm>
#include <utility>

namespace weft::analysis {

PairFinder::PairFinder(size_t objects, const std::vector<uint32_t>& real_tids)
    : objects_(objects), real_(real_tids) {}

PairFinder::ThreadAccess& PairFinder::AccessOf(uint32_t obj, uint32_t t) {
  std::vector<ThreadAccess>& list = objects_[obj];
  for (ThreadAccess& a : list) {
    if (a.tid == t) return a;
  }
  list.emplace_back();
  list.back().tid = t;
  return list.back();
}

void PairFinder::Pair(uint64_t index, uint32_t t, format::EventKind kind, const Touch& touch,
                      int32_t blocked, const Clock& known) {
  ThreadAccess* mine = &AccessOf(touch.obj, t);  // NB: before the loop: it may grow the list
  for (const ThreadAccess& other : objects_[touch.obj]) {
    if (other.tid == t) continue;
    bool write = touch.access == Access::kWrite;
    uint64_t cand = write ? other.last : other.last_write;
    if (cand == kNoEvent) continue;
    if (known[other.tid] > cand) continue;  // ordered without this object's edges
    auto p = std::find_if(mine->paired.begin(), mine->paired.end(),
                          [&](const Paired& x) { return x.tid == other.tid; });
    if (p == mine->paired.end()) {
      mine->paired.push_back(Paired{other.tid, 0, 0});
      p = mine->paired.end() - 1;
    }
    if ((write ? p->max_any : p->max_write) == cand + 1) continue;  // paired earlier
    Access cand_access = write ? other.last_access : Access::kWrite;
    p->max_any = std::max(p->max_any, cand + 1);
    if (cand_access == Access::kWrite) p->max_write = std::max(p->max_write, cand + 1);
    Conflict c;
    c.first = cand;
    c.second = index;
    c.obj = touch.obj;
    c.first_tid = real_[other.tid];
    c.second_tid = real_[t];
    c.first_kind = write ? other.last_kind : other.last_write_kind;
    c.second_kind = kind;
    c.first_access = cand_access;
    c.second_access = touch.access;
    c.blocked = blocked;
    c.reversal = write ? other.last_reversal : other.last_write_reversal;
    out_.push_back(c);
  }
}

void PairFinder::Record(uint64_t index, uint32_t t, format::EventKind kind, const Touch& touch) {
  ThreadAccess& mine = AccessOf(touch.obj, t);
  uint64_t reversal = mine.section.Note(index, touch);
  mine.last = index;
  mine.last_access = touch.access;
  mine.last_kind = kind;
  mine.last_reversal = reversal;
  if (touch.access == Access::kWrite) {
    mine.last_write = index;
    mine.last_write_kind = kind;
    mine.last_write_reversal = reversal;
  }
}

std::vector<Conflict> PairFinder::Take() {
  std::sort(out_.begin(), out_.end(), [](const Conflict& a, const Conflict& b) {
    if (a.first != b.first) return a.first < b.first;
    if (a.second != b.second) return a.second < b.second;
    return a.obj < b.obj;
  });
  return std::move(out_);
}

}  // namespace weft::analysis
