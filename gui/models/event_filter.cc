// event_filter.cc
#include "event_filter.h"

#include <QStringList>
#include <algorithm>

#include "weft/conflict_rank.h"

namespace weft::gui {

EventFilter::EventFilter(const TraceData& data, FilterSpec spec)
    : data_(&data), spec_(std::move(spec)) {
  std::sort(spec_.threads.begin(), spec_.threads.end());
  spec_.threads.erase(std::unique(spec_.threads.begin(), spec_.threads.end()), spec_.threads.end());
  if (spec_.near_failure) from_ = analysis::NearFailureStart(data.trace);
  if (spec_.object != 0) {
    on_object_.resize(data.lanes.size());
    const std::vector<format::Event>& events = data.trace.events;
    for (size_t i = 0; i < events.size(); ++i) {
      if (events[i].obj == spec_.object && events[i].tid < on_object_.size()) {
        on_object_[events[i].tid].push_back(static_cast<uint32_t>(i));
      }
    }
  }
}

bool EventFilter::ShowsThread(uint32_t tid) const {
  return spec_.threads.empty() ||
         std::binary_search(spec_.threads.begin(), spec_.threads.end(), tid);
}

bool EventFilter::Matches(uint64_t index) const {
  if (!data_) return true;
  if (index >= data_->trace.events.size()) return false;
  const format::Event& e = data_->trace.events[index];
  return index >= from_ && ShowsThread(e.tid) && (spec_.object == 0 || e.obj == spec_.object);
}

bool EventFilter::Matches(const Conflict& c) const {
  if (!data_) return true;
  return c.second >= from_ && ShowsThread(c.first_tid) && ShowsThread(c.second_tid) &&
         (spec_.object == 0 || c.obj == spec_.object);
}

uint32_t EventFilter::CountMatching(size_t lane, uint64_t lo, uint64_t hi) const {
  if (!data_) return 0;
  if (lane >= data_->lanes.size() || !ShowsThread(data_->lanes[lane].tid)) return 0;
  lo = std::max(lo, from_);
  if (lo >= hi) return 0;
  if (spec_.object == 0) return data_->CountInRange(lane, lo, hi);
  const std::vector<uint32_t>& ev = on_object_[lane];
  auto a = std::lower_bound(ev.begin(), ev.end(), lo);
  auto b = std::lower_bound(a, ev.end(), hi);
  return static_cast<uint32_t>(b - a);
}

QString EventFilter::Describe() const {
  if (!data_ || !active()) return QString();
  QStringList parts;
  if (!spec_.threads.empty()) {
    QStringList tids;
    for (uint32_t tid : spec_.threads) tids << QStringLiteral("T%1").arg(tid);
    parts << tids.join(QStringLiteral(", "));
  }
  if (spec_.object != 0) parts << data_->ObjectLabel(spec_.object);
  if (spec_.near_failure) parts << QStringLiteral("near the failure (from #%1)").arg(from_);
  return parts.join(QStringLiteral(" · "));
}

}  // namespace weft::gui
