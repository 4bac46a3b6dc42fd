// timeline_geometry.h — the timeline's coordinates without a widget: schedule index ↔ pixel
// (events one slot each, or at positions of their own: virtual time), zoom, pan, the index
// range of a pixel column (level of detail), ruler steps, and where the lanes are. A plain
// value type, unit-tested with data-driven QTest tables.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace weft::gui {

// Horizontal mapping. Events are laid out in a domain of positions: on the event-index axis
// the domain is [0, count) and event i occupies [i, i + 1); with positions (SetPositions:
// the virtual-time axis) event i's box begins at starts[i] and is min(starts[i + 1] -
// starts[i], box) wide, so a gap in time is empty space, not a wide box. The view shows
// positions [start, start + span) across [0, width) pixels. Every setter keeps the view
// inside the domain and the span within [min(length, kMinSpan · slot), length], slot being
// 1 or the box width. Functions taking or returning an "index" speak of index positions
// (fractional: the middle of event i is i + 0.5, whatever the layout); start(), span() and
// length() are domain positions (equal to indexes on the event-index axis).
class TimelineGeometry {
 public:
  // Fewest slots the view may show across its width (the deepest zoom).
  static constexpr double kMinSpan = 4;

  // Event i at [i, i + 1) for count slots, all of them in view. count < 1 is taken as 1.
  void SetCount(double count);
  // Event i at starts[i] (ascending, not strictly: events at one time share a start; one
  // entry more than the slots, the last where the domain ends), boxes at most `box` wide
  // (> 0), all of it in view. Fewer than two starts: SetCount(1).
  void SetPositions(std::shared_ptr<const std::vector<double>> starts, double box);
  // Makes the domain at least `length` long (linked views of runs of different lengths
  // share one domain); keeps the view.
  void ExtendTo(double length);
  // Shows domain positions [start, start + span) (clamped): what another view shows.
  void SetView(double start, double span);
  // The drawable width in pixels; < 1 is taken as 1. Keeps start and span.
  void SetWidth(double width);
  // Shows index positions [first, last) (clamped), e.g. to zoom on a selection.
  void ShowRange(double first, double last);
  // Shows the whole domain.
  void Fit();
  // Zooms by `factor` (> 1 in, < 1 out) around pixel x, which keeps its index.
  void ZoomAt(double x, double factor);
  // Moves the view by dx pixels (positive: towards later indexes).
  void PanBy(double dx);
  // Moves the view so that index position `index` is in the middle, keeping the span.
  void CenterOn(double index);

  // Slots (events and the outcome's room after them).
  double count() const { return count_; }
  // The domain's length: count() on the event-index axis.
  double length() const { return length_; }
  double width() const { return width_; }
  double start() const { return start_; }
  double span() const { return span_; }
  // Whether events are at positions of their own (SetPositions).
  bool positioned() const { return starts_ != nullptr; }
  // Indexes per pixel: > 1 means several events share a pixel column (on average over the
  // view when events are at positions).
  double IndexesPerPixel() const;

  // Domain position of index position `index`: i + f is f of the way through event i's box.
  double PosOf(double index) const;
  // Index position at domain position `pos` (in a gap between boxes: the next event's start).
  double IndexAtPos(double pos) const;
  // Width of event i's box in domain units (1 on the event-index axis).
  double BoxWidth(uint64_t index) const;
  // Pixel x of domain position `pos`.
  double XOfPos(double pos) const { return (pos - start_) * width_ / span_; }
  // Domain position at pixel x.
  double PosAt(double x) const { return start_ + x * span_ / width_; }
  // Pixel x of index position `index`.
  double XOf(double index) const { return XOfPos(PosOf(index)); }
  // Index position at pixel x.
  double IndexAt(double x) const { return IndexAtPos(PosAt(x)); }
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
  // Index of the first slot whose start is at or after `pos` (count() past the last).
  uint64_t FirstStartingAt(double pos) const;

  double count_ = 1;
  double length_ = 1;
  double width_ = 1;
  double start_ = 0;
  double span_ = 1;
  double slot_ = 1;                                    // the box width (1 on the event-index axis)
  std::shared_ptr<const std::vector<double>> starts_;  // count + 1 positions, or none
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
