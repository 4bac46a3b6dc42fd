// timeline_view.h — the timeline: one lane per thread, events in schedule order coloured by
// kind, context switches, a ruler, conflict arcs, the outcome (deadlock cycle, crash, stop)
// at the end, a selection. Zoom (wheel, +/-) and pan (drag, shift+wheel, arrows) stay
// smooth on millions of events: when several events share a pixel column it draws one
// aggregate per column and lane (TraceData's level-of-detail masks), never one per event.
#pragma once

#include <QColor>
#include <QRectF>
#include <QString>
#include <QWidget>
#include <cstdint>
#include <memory>
#include <vector>

#include "event_filter.h"
#include "timeline_geometry.h"
#include "trace_data.h"

namespace weft::gui {

// The colour of an event category on the timeline and in legends.
QColor CategoryColor(EventCategory category);

// The unit of the ruler: one at a time.
enum class TimelineAxis { kEventIndex, kVirtualTime };

// One entry of the legend below the lanes, laid out for the widget's width: its mark (a
// colour swatch, the conflict arc's line, the critical pair's box, the dashed line where
// compared runs part), its text, and the rectangle both take in the widget.
struct LegendEntry {
  enum class Mark { kSwatch, kArc, kBox, kDashed };
  Mark mark = Mark::kSwatch;
  QColor color;
  QString text;
  QRectF rect;
};

// The timeline widget.
class TimelineView : public QWidget {
  Q_OBJECT

 public:
  // An empty timeline.
  explicit TimelineView(QWidget* parent = nullptr);

  // Shows `data` (nullptr: nothing), all of it, without a selection.
  void SetTraceData(std::shared_ptr<const TraceData> data);
  // The trace shown, or nullptr.
  const std::shared_ptr<const TraceData>& trace_data() const { return data_; }
  // Selects event `index` (-1: none) and scrolls it into view; emits nothing.
  void SetSelectedEvent(int64_t index);
  // Highlights conflict `conflict` (position in TraceData::conflicts, -1: none) and both of
  // its events, and scrolls them into view; emits nothing.
  void SetSelectedConflict(int64_t conflict);
  // Marks event `index` as where a replay stopped (-1: no mark).
  void SetStopMarker(int64_t index);
  int64_t selected_event() const { return selected_event_; }
  int64_t selected_conflict() const { return selected_conflict_; }
  // The critical pair (weft explain): both events boxed and joined, every other event and
  // arc dimmed, both scrolled into view (-1: none; `second` -1 for a pending operation).
  void SetFocusPair(int64_t first, int64_t second);
  int64_t focus_first() const { return focus_first_; }
  int64_t focus_second() const { return focus_second_; }
  // Whether the rest is dimmed around the focus pair (on with SetFocusPair).
  void SetDimOutsideFocus(bool dim);
  bool dim_outside_focus() const { return dim_ && focus_first_ >= 0; }
  // Hides the lanes of threads the filter leaves out and dims events it does not match;
  // with near_failure, shows the window near the failure.
  void SetFilter(const FilterSpec& spec);
  const EventFilter& filter() const { return filter_; }
  // The conflicts drawn as arcs: positions in TraceData::conflicts (the list's pairs).
  void SetListedConflicts(std::vector<size_t> conflicts);
  // The ruler's unit and the layout: events one slot each in schedule order, or at their
  // virtual times (MakeTimeLayout; a trace whose virtual time goes backwards stays on
  // indexes, its ruler labelled with the events' times). Keeps the same events in view.
  void SetAxis(TimelineAxis axis);
  TimelineAxis axis() const { return axis_; }
  // Whether events are laid out by virtual time (the time axis on a trace that allows it).
  bool laid_out_by_time() const { return geometry_.positioned(); }
  // Marks this run as one of two compared runs (weft explain's failing and passing runs):
  // `differ_from` is the first event whose thread or kind differs from the other run's (a
  // line across the lanes; -1: none), `pair_first`/`pair_second` this run's events of the
  // critical pair when it is not the explained run (boxed and joined like the focus pair,
  // nothing dimmed; -1: not in this run).
  void SetComparison(int64_t differ_from, int64_t pair_first, int64_t pair_second);
  int64_t differ_from() const { return differ_from_; }
  int64_t compared_first() const { return compared_first_; }
  int64_t compared_second() const { return compared_second_; }
  // Shows domain positions [start, start + span) (TimelineGeometry::SetView), as a linked
  // view does; emits ViewChanged only when the view changed.
  void SetView(double start, double span);
  // Makes the domain at least `length` long (TimelineGeometry::ExtendTo): linked views of
  // runs of different lengths scroll over one domain.
  void ExtendDomainTo(double length);
  // Whether event `index` is drawn at full colour (not dimmed by the filter or the focus).
  bool IsProminent(uint64_t index) const;
  // Lanes shown, in order (tids).
  const std::vector<uint32_t>& shown_lanes() const { return shown_; }

  // The horizontal mapping (drawable area starts at layout().gutter).
  const TimelineGeometry& geometry() const { return geometry_; }
  // The vertical layout.
  const LaneLayout& layout() const { return layout_; }
  // Zooms by `factor` around widget x (> 1: in).
  void ZoomAt(double x, double factor);
  // Zooms in or out around the selection, else the middle.
  void ZoomIn();
  void ZoomOut();
  // Shows everything.
  void Fit();
  // Shows events [first, last).
  void ShowRange(double first, double last);

  // The event drawn at widget position `pos` (within a few pixels), or -1.
  int64_t EventAt(const QPointF& pos) const;
  // Widget position of the middle of event `index`.
  QPointF EventPosition(uint64_t index) const;
  // Milliseconds the last paint took.
  double last_paint_ms() const { return last_paint_ms_; }
  // The legend as drawn at the current width: entries wrap onto more rows rather than run
  // past the right edge, and the widget's size hints leave room for every row.
  std::vector<LegendEntry> Legend() const { return LegendFor(width()); }

  QSize sizeHint() const override;
  QSize minimumSizeHint() const override;

 signals:
  // The user selected an event (click, keys).
  void EventSelected(qint64 index);
  // The user asked for the context menu of event `index` at global position `global`.
  void EventContextMenu(qint64 index, const QPoint& global);
  // The view changed (zoom, pan, resize): for rulers and status bars.
  void ViewChanged();

 protected:
  void paintEvent(QPaintEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void contextMenuEvent(QContextMenuEvent* event) override;
  bool event(QEvent* event) override;

 private:
  void UpdateGeometryWidth();
  std::vector<LegendEntry> LegendFor(int width) const;
  // Pixels below the last lane that the legend's rows need at `width`.
  double LegendHeight(int width) const;
  // Asks the layout again for a size when the legend needs more or fewer rows.
  void CheckLegendHeight();
  void EnsureVisible(uint64_t index);
  void SelectAndNotify(int64_t index);
  void PaintRuler(QPainter& p, const QRectF& area);
  void PaintLanes(QPainter& p);
  void PaintEventsDetailed(QPainter& p, uint64_t first, uint64_t last);
  void PaintEventsAggregated(QPainter& p);
  void PaintConflicts(QPainter& p);
  void PaintOutcome(QPainter& p);
  void PaintSelection(QPainter& p);
  double X(double index) const { return layout_.gutter + geometry_.XOf(index); }
  // Width in pixels of event `index`'s slot (its box before padding).
  double BoxPixels(uint64_t index) const {
    return geometry_.BoxWidth(index) * geometry_.width() / geometry_.span();
  }
  // Lays the geometry out for axis_ (SetCount or the time layout's positions).
  void ApplyLayout();
  // Row of thread `tid` (-1: hidden) and its middle and top y.
  int RowOf(uint32_t tid) const { return tid < row_of_.size() ? row_of_[tid] : -1; }
  double RowCenter(uint32_t tid) const { return layout_.LaneCenter(std::max(0, RowOf(tid))); }
  double RowTop(uint32_t tid) const { return layout_.LaneTop(std::max(0, RowOf(tid))); }
  int Rows() const { return static_cast<int>(shown_.size()); }
  void RebuildRows();

  std::shared_ptr<const TraceData> data_;
  EventFilter filter_;
  std::vector<uint32_t> shown_;  // tids of the lanes shown, in order
  std::vector<int> row_of_;      // by tid: row, -1 when hidden
  std::vector<size_t> listed_;   // conflicts drawn (ascending positions)
  bool listed_all_ = true;       // no SetListedConflicts yet: draw every conflict
  uint64_t listed_max_span_ = 0;
  TimelineAxis axis_ = TimelineAxis::kEventIndex;
  TimeLayout time_layout_;  // made when the time axis is first chosen for data_
  bool time_layout_made_ = false;
  int64_t differ_from_ = -1;
  int64_t compared_first_ = -1;
  int64_t compared_second_ = -1;
  int64_t focus_first_ = -1;
  int64_t focus_second_ = -1;
  bool dim_ = false;
  TimelineGeometry geometry_;
  LaneLayout layout_;
  int64_t selected_event_ = -1;
  int64_t selected_conflict_ = -1;
  int64_t stop_marker_ = -1;
  bool dragging_ = false;
  bool dragged_ = false;
  QPointF press_pos_;
  QPointF last_drag_pos_;
  double last_paint_ms_ = 0;
  double legend_height_ = 24;  // LegendHeight when last checked (a change re-hints the size)
};

}  // namespace weft::gui
