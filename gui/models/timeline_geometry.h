// timeline_geometry.h — the timeline's coordinates without a widget: schedule index ↔ pixel,
// zoom, pan, the index range of a pixel column (level of detail), ruler steps, and where the
// lanes are. A plain value type, unit-tested with data-driven QTest tables.
#pragma once

#include <cstdint>
#include <utility>

namespace weft::gui {

// Horizontal mapping. The domain is [0, count): event i occupies [i, i + 1). The view shows
// [start, start + span) across [0, width) pixels. Every setter keeps the view inside the
// domain and the span within [min(count, kMinSpan), count].
class TimelineGeometry {
 public:
  // Fewest indexes the view may show across its width (the deepest zoom).
  static constexpr double kMinSpan = 4;

  // The domain [0, count), all of it in view. count < 1 is taken as 1.
  void SetCount(double count);
  // The drawable width in pixels; < 1 is taken as 1. Keeps start and span.
  void SetWidth(double width);
  // Shows [first, last) (clamped), e.g. to zoom on a selection.
  void ShowRange(double first, double last);
  // Shows the whole domain.
  void Fit();
  // Zooms by `factor` (> 1 in, < 1 out) around pixel x, which keeps its index.
  void ZoomAt(double x, double factor);
  // Moves the view by dx pixels (positive: towards later indexes).
  void PanBy(double dx);
  // Moves the view so that `index` is in the middle, keeping the span.
  void CenterOn(double index);

  double count() const { return count_; }
  double width() const { return width_; }
  double start() const { return start_; }
  double span() const { return span_; }
  // Indexes per pixel: > 1 means several events share a pixel column.
  double IndexesPerPixel() const { return span_ / width_; }

  // Pixel x of index position `index` (fractional: the middle of event i is i + 0.5).
  double XOf(double index) const { return (index - start_) * width_ / span_; }
  // Index position at pixel x.
  double IndexAt(double x) const { return start_ + x * span_ / width_; }
  // Whole events [first, last) whose slot begins within pixel column [x, x + 1) (x an
  // integer column); empty (first == last) when the column holds none. Consecutive columns
  // give consecutive, disjoint ranges.
  std::pair<uint64_t, uint64_t> ColumnRange(int column) const;
  // Whole events [first, last) at least partly visible.
  std::pair<uint64_t, uint64_t> VisibleRange() const;

  // A ruler step of 1, 2 or 5 × 10^k indexes (at least 1) so that ticks are at least
  // min_pixels apart at `indexes_per_pixel`.
  static double TickStep(double indexes_per_pixel, double min_pixels);

  bool operator==(const TimelineGeometry&) const = default;

 private:
  void Clamp();

  double count_ = 1;
  double width_ = 1;
  double start_ = 0;
  double span_ = 1;
};

// Vertical layout: a ruler on top, then one lane per thread; a label gutter on the left.
struct LaneLayout {
  double ruler_height = 28;
  double lane_height = 34;
  double lane_gap = 6;
  double gutter = 150;  // label column, left of the drawable area

  // Top y of lane `lane`.
  double LaneTop(int lane) const { return ruler_height + lane * (lane_height + lane_gap); }
  // Middle y of lane `lane`.
  double LaneCenter(int lane) const { return LaneTop(lane) + lane_height / 2; }
  // Lane under y, or -1 (ruler, gaps, below the last of `lanes` lanes).
  int LaneAt(double y, int lanes) const;
  // Height that shows `lanes` lanes and `extra` more pixels below them.
  double TotalHeight(int lanes, double extra) const { return LaneTop(lanes) + extra; }

  bool operator==(const LaneLayout&) const = default;
};

}  // namespace weft::gui
