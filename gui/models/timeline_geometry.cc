// timeline_geometry.cc
#include "timeline_geometry.h"

#include <algorithm>
#include <cmath>

namespace weft::gui {

void TimelineGeometry::SetCount(double count) {
  starts_.reset();
  count_ = std::max(1.0, count);
  length_ = count_;
  slot_ = 1;
  Fit();
}

void TimelineGeometry::SetPositions(std::shared_ptr<const std::vector<double>> starts, double box) {
  if (!starts || starts->size() < 2 || !(box > 0) || !std::isfinite(box)) {
    SetCount(1);
    return;
  }
  starts_ = std::move(starts);
  count_ = static_cast<double>(starts_->size() - 1);
  length_ = std::max(starts_->back(), box);
  slot_ = box;
  Fit();
}

void TimelineGeometry::ExtendTo(double length) {
  if (std::isfinite(length) && length > length_) length_ = length;
  Clamp();
}

void TimelineGeometry::SetView(double start, double span) {
  start_ = start;
  span_ = span;
  Clamp();
}

void TimelineGeometry::SetWidth(double width) {
  width_ = std::max(1.0, width);
  Clamp();
}

void TimelineGeometry::ShowRange(double first, double last) {
  if (last < first) std::swap(first, last);
  start_ = PosOf(first);
  span_ = PosOf(last) - start_;
  Clamp();
}

void TimelineGeometry::Fit() {
  start_ = 0;
  span_ = length_;
}

void TimelineGeometry::ZoomAt(double x, double factor) {
  if (!(factor > 0) || !std::isfinite(factor)) return;
  double anchor = PosAt(x);
  double min_span = std::min(length_, kMinSpan * slot_);
  double span = std::clamp(span_ / factor, min_span, length_);
  // Keep `anchor` at x: anchor = start + x * span / width.
  start_ = anchor - x * span / width_;
  span_ = span;
  Clamp();
}

void TimelineGeometry::PanBy(double dx) {
  start_ += dx * span_ / width_;
  Clamp();
}

void TimelineGeometry::CenterOn(double index) {
  start_ = PosOf(index) - span_ / 2;
  Clamp();
}

void TimelineGeometry::Clamp() {
  if (!std::isfinite(start_)) start_ = 0;
  if (!std::isfinite(span_)) span_ = length_;
  span_ = std::clamp(span_, std::min(length_, kMinSpan * slot_), length_);
  start_ = std::clamp(start_, 0.0, length_ - span_);
}

double TimelineGeometry::IndexesPerPixel() const {
  if (!starts_) return span_ / width_;
  return (IndexAtPos(start_ + span_) - IndexAtPos(start_)) / width_;
}

double TimelineGeometry::BoxWidth(uint64_t index) const {
  if (!starts_) return 1;
  const std::vector<double>& s = *starts_;
  if (index + 1 >= s.size()) return slot_;
  return std::min(s[index + 1] - s[index], slot_);
}

double TimelineGeometry::PosOf(double index) const {
  if (!starts_) return index;
  const std::vector<double>& s = *starts_;
  if (!(index > 0)) return s.front() + std::min(0.0, index) * slot_;
  double whole = std::floor(index);
  if (whole >= count_) return s.back() + (index - count_) * slot_;
  auto i = static_cast<uint64_t>(whole);
  return s[i] + (index - whole) * BoxWidth(i);
}

double TimelineGeometry::IndexAtPos(double pos) const {
  if (!starts_) return pos;
  const std::vector<double>& s = *starts_;
  if (pos <= s.front()) return (pos - s.front()) / slot_;
  if (pos >= s.back()) return count_ + (pos - s.back()) / slot_;
  // The slot holding pos: the last whose start is at or before it.
  auto i = static_cast<uint64_t>(std::upper_bound(s.begin(), s.end(), pos) - s.begin()) - 1;
  double w = BoxWidth(i);
  if (w > 0 && pos < s[i] + w) return static_cast<double>(i) + (pos - s[i]) / w;
  return static_cast<double>(i + 1);
}

uint64_t TimelineGeometry::FirstStartingAt(double pos) const {
  if (!starts_) {
    double index = std::ceil(pos - 1e-9);
    return static_cast<uint64_t>(std::clamp(index, 0.0, count_));
  }
  const std::vector<double>& s = *starts_;
  auto end = s.begin() + static_cast<ptrdiff_t>(count_);
  return static_cast<uint64_t>(std::lower_bound(s.begin(), end, pos - 1e-9 * slot_) - s.begin());
}

std::pair<uint64_t, uint64_t> TimelineGeometry::ColumnRange(int column) const {
  uint64_t first = FirstStartingAt(PosAt(column));
  uint64_t last = FirstStartingAt(PosAt(column + 1.0));
  return {first, std::max(first, last)};
}

std::pair<uint64_t, uint64_t> TimelineGeometry::VisibleRange() const {
  if (!starts_) {
    double first = std::floor(start_);
    double last = std::ceil(start_ + span_ - 1e-9);
    return {static_cast<uint64_t>(std::max(0.0, first)),
            static_cast<uint64_t>(std::clamp(last, 0.0, count_))};
  }
  // The slot the view starts in, to the first slot starting at or after its end.
  double first = std::floor(IndexAtPos(start_));
  uint64_t last = FirstStartingAt(start_ + span_);
  return {static_cast<uint64_t>(std::clamp(first, 0.0, count_)), last};
}

double TimelineGeometry::TickStep(double indexes_per_pixel, double min_pixels) {
  double want = std::max(1.0, indexes_per_pixel * min_pixels);
  double decade = std::pow(10.0, std::floor(std::log10(want)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * decade >= want - 1e-9) return m * decade;
  }
  return 10 * decade;
}

int LaneLayout::LaneAt(double y, int lanes) const {
  if (y < ruler_height) return -1;
  double pitch = lane_height + lane_gap;
  int lane = static_cast<int>(std::floor((y - ruler_height) / pitch));
  if (lane < 0 || lane >= lanes) return -1;
  if (y - LaneTop(lane) >= lane_height) return -1;
  return lane;
}

}  // namespace weft::gui
