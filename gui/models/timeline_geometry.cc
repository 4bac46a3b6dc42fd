// timeline_geometry.cc
#include "timeline_geometry.h"

#include <algorithm>
#include <cmath>

namespace weft::gui {

void TimelineGeometry::SetCount(double count) {
  count_ = std::max(1.0, count);
  Fit();
}

void TimelineGeometry::SetWidth(double width) {
  width_ = std::max(1.0, width);
  Clamp();
}

void TimelineGeometry::ShowRange(double first, double last) {
  if (last < first) std::swap(first, last);
  start_ = first;
  span_ = last - first;
  Clamp();
}

void TimelineGeometry::Fit() {
  start_ = 0;
  span_ = count_;
}

void TimelineGeometry::ZoomAt(double x, double factor) {
  if (!(factor > 0) || !std::isfinite(factor)) return;
  double anchor = IndexAt(x);
  double min_span = std::min(count_, kMinSpan);
  double span = std::clamp(span_ / factor, min_span, count_);
  // Keep `anchor` at x: anchor = start + x * span / width.
  start_ = anchor - x * span / width_;
  span_ = span;
  Clamp();
}

void TimelineGeometry::PanBy(double dx) {
  start_ += dx * IndexesPerPixel();
  Clamp();
}

void TimelineGeometry::CenterOn(double index) {
  start_ = index - span_ / 2;
  Clamp();
}

void TimelineGeometry::Clamp() {
  if (!std::isfinite(start_)) start_ = 0;
  if (!std::isfinite(span_)) span_ = count_;
  span_ = std::clamp(span_, std::min(count_, kMinSpan), count_);
  start_ = std::clamp(start_, 0.0, count_ - span_);
}

std::pair<uint64_t, uint64_t> TimelineGeometry::ColumnRange(int column) const {
  auto first_at = [&](double x) {
    double index = std::ceil(IndexAt(x) - 1e-9);
    return static_cast<uint64_t>(std::clamp(index, 0.0, count_));
  };
  uint64_t first = first_at(column);
  uint64_t last = first_at(column + 1.0);
  return {first, std::max(first, last)};
}

std::pair<uint64_t, uint64_t> TimelineGeometry::VisibleRange() const {
  double first = std::floor(start_);
  double last = std::ceil(start_ + span_ - 1e-9);
  return {static_cast<uint64_t>(std::max(0.0, first)),
          static_cast<uint64_t>(std::clamp(last, 0.0, count_))};
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
