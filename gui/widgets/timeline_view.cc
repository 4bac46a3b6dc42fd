// timeline_view.cc — the timeline's state and its input: data, selection, zoom and pan,
// hit testing, mouse, keys, tooltips. Painting is in timeline_paint.cc.
#include "timeline_view.h"

#include <QContextMenuEvent>
#include <QElapsedTimer>
#include <QHelpEvent>
#include <QImage>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>
#include <QWheelEvent>
#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "item_models.h"
#include "weft/render.h"

namespace weft::gui {

TimelineView::TimelineView(QWidget* parent) : QWidget(parent) {
  setFocusPolicy(Qt::StrongFocus);
  setMouseTracking(false);
  setAttribute(Qt::WA_OpaquePaintEvent);
}

QSize TimelineView::sizeHint() const {
  int lanes = data_ ? Rows() : 2;
  double legend = data_ ? LegendHeight(width()) : 24;
  return QSize(900, static_cast<int>(std::ceil(layout_.TotalHeight(lanes, legend))));
}

QSize TimelineView::minimumSizeHint() const {
  // Every lane shown and the legend's rows below them: a scroll area around scrolls, not
  // squeezes.
  int lanes = data_ ? Rows() : 2;
  double legend = data_ ? LegendHeight(width()) : 24;
  return QSize(300, std::max(120, static_cast<int>(std::ceil(layout_.TotalHeight(lanes, legend)))));
}

void TimelineView::CheckLegendHeight() {
  double height = data_ ? LegendHeight(width()) : 24;
  if (height == legend_height_) return;
  legend_height_ = height;
  updateGeometry();
}

void TimelineView::SetTraceData(std::shared_ptr<const TraceData> data) {
  data_ = std::move(data);
  selected_event_ = -1;
  selected_conflict_ = -1;
  stop_marker_ = -1;
  focus_first_ = focus_second_ = -1;
  dim_ = false;
  filter_ = data_ ? EventFilter(*data_, {}) : EventFilter();
  listed_.clear();
  listed_all_ = true;
  listed_max_span_ = 0;
  differ_from_ = compared_first_ = compared_second_ = -1;
  time_layout_ = {};
  time_layout_made_ = false;
  RebuildRows();
  ApplyLayout();
  UpdateGeometryWidth();
  legend_height_ = data_ ? LegendHeight(width()) : 24;
  updateGeometry();
  update();
  emit ViewChanged();
}

void TimelineView::SetSelectedEvent(int64_t index) {
  if (!data_ || index < 0 || static_cast<uint64_t>(index) >= data_->trace.events.size()) {
    index = -1;
  }
  selected_event_ = index;
  if (index >= 0) EnsureVisible(static_cast<uint64_t>(index));
  update();
}

void TimelineView::SetSelectedConflict(int64_t conflict) {
  if (!data_ || conflict < 0 || static_cast<uint64_t>(conflict) >= data_->conflicts.size()) {
    selected_conflict_ = -1;
    update();
    return;
  }
  selected_conflict_ = conflict;
  const Conflict& c = data_->conflicts[conflict];
  double a = static_cast<double>(c.first), b = static_cast<double>(c.second) + 1.0;
  double pa = geometry_.PosOf(a), pb = geometry_.PosOf(b);
  if (pa < geometry_.start() || pb > geometry_.start() + geometry_.span()) {
    if ((pb - pa) * 1.5 < geometry_.span()) {
      geometry_.CenterOn(geometry_.IndexAtPos((pa + pb) / 2));
    } else {
      double margin = std::max(2.0, (b - a) * 0.25);
      geometry_.ShowRange(a - margin, b + margin);
    }
    emit ViewChanged();
  }
  update();
}

void TimelineView::RebuildRows() {
  shown_.clear();
  row_of_.clear();
  if (!data_) return;
  row_of_.assign(data_->lanes.size(), -1);
  for (uint32_t tid : data_->lane_order) {
    if (tid >= data_->lanes.size() || !filter_.ShowsThread(tid)) continue;
    row_of_[tid] = static_cast<int>(shown_.size());
    shown_.push_back(tid);
  }
}

void TimelineView::SetFocusPair(int64_t first, int64_t second) {
  int64_t n = data_ ? static_cast<int64_t>(data_->trace.events.size()) : 0;
  if (first < 0 || first >= n) first = -1;
  if (second >= n) second = -1;
  focus_first_ = first;
  focus_second_ = first >= 0 ? second : -1;
  dim_ = first >= 0;
  if (first >= 0) {
    // Both events and some of what comes between and around them.
    double a = static_cast<double>(first);
    double b = second >= 0 ? static_cast<double>(second) + 1 : static_cast<double>(n) + 2;
    if (b < a) std::swap(a, b);
    double margin = std::max(6.0, (b - a) * 0.6);
    geometry_.ShowRange(a - margin, b + margin);
    emit ViewChanged();
  }
  CheckLegendHeight();
  update();
}

void TimelineView::SetDimOutsideFocus(bool dim) {
  dim_ = dim;
  update();
}

void TimelineView::SetFilter(const FilterSpec& spec) {
  if (!data_) return;
  filter_ = EventFilter(*data_, spec);
  RebuildRows();
  legend_height_ = LegendHeight(width());
  if (spec.near_failure) {
    geometry_.ShowRange(static_cast<double>(filter_.from()),
                        static_cast<double>(data_->trace.events.size()) + 2);
  }
  updateGeometry();
  update();
  emit ViewChanged();
}

void TimelineView::SetListedConflicts(std::vector<size_t> conflicts) {
  std::sort(conflicts.begin(), conflicts.end());
  listed_ = std::move(conflicts);
  listed_all_ = false;
  listed_max_span_ = 0;
  if (data_) {
    for (size_t k : listed_) {
      if (k >= data_->conflicts.size()) continue;
      const Conflict& c = data_->conflicts[k];
      listed_max_span_ = std::max(listed_max_span_, c.second - c.first);
    }
  }
  update();
}

void TimelineView::SetAxis(TimelineAxis axis) {
  if (axis == axis_) return;
  axis_ = axis;
  if (!data_) return;
  // The same events in view on the new axis.
  double first = geometry_.IndexAt(0), last = geometry_.IndexAt(geometry_.width());
  bool whole = geometry_.span() >= geometry_.length();
  ApplyLayout();
  if (!whole) geometry_.ShowRange(first, last);
  update();
  emit ViewChanged();
}

void TimelineView::ApplyLayout() {
  // Two slots after the last event hold the outcome (deadlock cycle, crash, stop).
  double slot_count = data_ ? static_cast<double>(data_->trace.events.size()) + 2 : 1;
  if (data_ && axis_ == TimelineAxis::kVirtualTime) {
    if (!time_layout_made_) {
      time_layout_ = MakeTimeLayout(*data_);
      time_layout_made_ = true;
    }
    if (time_layout_.starts) {
      geometry_.SetPositions(time_layout_.starts, time_layout_.box);
      return;
    }
  }
  geometry_.SetCount(slot_count);
}

void TimelineView::SetComparison(int64_t differ_from, int64_t pair_first, int64_t pair_second) {
  int64_t n = data_ ? static_cast<int64_t>(data_->trace.events.size()) : 0;
  auto valid = [n](int64_t i) { return i >= 0 && i <= n ? i : -1; };
  differ_from_ = valid(differ_from);
  compared_first_ = pair_first < n ? valid(pair_first) : -1;
  compared_second_ = pair_second < n ? valid(pair_second) : -1;
  CheckLegendHeight();
  update();
}

void TimelineView::SetView(double start, double span) {
  TimelineGeometry before = geometry_;
  geometry_.SetView(start, span);
  if (geometry_ == before) return;
  update();
  emit ViewChanged();
}

void TimelineView::ExtendDomainTo(double length) {
  geometry_.ExtendTo(length);
  update();
}

bool TimelineView::IsProminent(uint64_t index) const {
  if (!filter_.Matches(index)) return false;
  if (dim_outside_focus() && static_cast<int64_t>(index) != focus_first_ &&
      static_cast<int64_t>(index) != focus_second_) {
    return false;
  }
  return true;
}

void TimelineView::SetStopMarker(int64_t index) {
  stop_marker_ = index;
  update();
}

void TimelineView::ZoomAt(double x, double factor) {
  geometry_.ZoomAt(x - layout_.gutter, factor);
  update();
  emit ViewChanged();
}

void TimelineView::ZoomIn() {
  double x =
      selected_event_ >= 0 ? X(selected_event_ + 0.5) : layout_.gutter + geometry_.width() / 2;
  ZoomAt(x, 2.0);
}

void TimelineView::ZoomOut() { ZoomAt(layout_.gutter + geometry_.width() / 2, 0.5); }

void TimelineView::Fit() {
  geometry_.Fit();
  update();
  emit ViewChanged();
}

void TimelineView::ShowRange(double first, double last) {
  geometry_.ShowRange(first, last);
  update();
  emit ViewChanged();
}

void TimelineView::UpdateGeometryWidth() {
  geometry_.SetWidth(std::max(1.0, width() - layout_.gutter - 8));
}

void TimelineView::EnsureVisible(uint64_t index) {
  double i = static_cast<double>(index);
  double from = geometry_.PosOf(i), to = from + geometry_.BoxWidth(index);
  if (from < geometry_.start() || to > geometry_.start() + geometry_.span()) {
    geometry_.CenterOn(i + 0.5);
    emit ViewChanged();
  }
}

void TimelineView::SelectAndNotify(int64_t index) {
  SetSelectedEvent(index);
  emit EventSelected(selected_event_);
}

int64_t TimelineView::EventAt(const QPointF& pos) const {
  if (!data_ || pos.x() < layout_.gutter) return -1;
  int row = layout_.LaneAt(pos.y(), Rows());
  if (row < 0) return -1;
  const std::vector<uint32_t>& events = data_->lanes[shown_[row]].events;
  if (events.empty()) return -1;
  // The lane's event whose box is nearest in pixels: on it, or within 4 pixels of it.
  constexpr double kReach = 4;
  double x = pos.x() - layout_.gutter;
  double lo = std::floor(geometry_.IndexAt(x - kReach)) - 1;
  double hi = geometry_.IndexAt(x + kReach) + 1;
  auto it = std::lower_bound(events.begin(), events.end(), lo,
                             [](uint32_t e, double v) { return e + 0.0 < v; });
  int64_t best = -1;
  double best_distance = 0;
  for (; it != events.end() && *it <= hi; ++it) {
    double left = geometry_.XOf(*it), right = left + BoxPixels(*it);
    double distance = x < left ? left - x : (x > right ? x - right : 0);
    if (distance > kReach) continue;
    // On a box: the nearest middle wins (zoomed out, many boxes share the pixel).
    double middle = std::abs(x - (left + right) / 2) * 1e-3;
    if (best < 0 || distance + middle < best_distance) {
      best = *it;
      best_distance = distance + middle;
    }
  }
  return best;
}

QPointF TimelineView::EventPosition(uint64_t index) const {
  if (!data_ || index >= data_->trace.events.size()) return {};
  return {X(index + 0.5), RowCenter(data_->trace.events[index].tid)};
}

void TimelineView::resizeEvent(QResizeEvent*) {
  UpdateGeometryWidth();
  CheckLegendHeight();
  emit ViewChanged();
}

void TimelineView::wheelEvent(QWheelEvent* event) {
  if (!data_) return;
  QPoint delta = event->angleDelta();
  bool pan = (event->modifiers() & Qt::ShiftModifier) || std::abs(delta.x()) > std::abs(delta.y());
  if (pan) {
    int d = std::abs(delta.x()) > std::abs(delta.y()) ? delta.x() : delta.y();
    geometry_.PanBy(-d * 0.5);
    update();
    emit ViewChanged();
  } else {
    ZoomAt(event->position().x(), std::pow(1.0018, delta.y()));
  }
  event->accept();
}

void TimelineView::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
  dragging_ = true;
  dragged_ = false;
  press_pos_ = last_drag_pos_ = event->position();
}

void TimelineView::mouseMoveEvent(QMouseEvent* event) {
  if (!dragging_) return;
  QPointF pos = event->position();
  if (!dragged_ && (pos - press_pos_).manhattanLength() < 4) return;
  dragged_ = true;
  setCursor(Qt::ClosedHandCursor);
  geometry_.PanBy(last_drag_pos_.x() - pos.x());
  last_drag_pos_ = pos;
  update();
  emit ViewChanged();
}

void TimelineView::mouseReleaseEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton || !dragging_) return;
  dragging_ = false;
  unsetCursor();
  if (!dragged_) {
    int64_t index = EventAt(event->position());
    if (index >= 0 || event->position().y() > layout_.ruler_height) SelectAndNotify(index);
  }
}

void TimelineView::keyPressEvent(QKeyEvent* event) {
  if (!data_) return QWidget::keyPressEvent(event);
  int64_t n = static_cast<int64_t>(data_->trace.events.size());
  int64_t sel = selected_event_;
  auto same_thread = [&](int direction) -> int64_t {
    if (sel < 0) return -1;
    const std::vector<uint32_t>& lane = data_->lanes[data_->trace.events[sel].tid].events;
    auto it = std::lower_bound(lane.begin(), lane.end(), static_cast<uint32_t>(sel));
    if (direction < 0) return it == lane.begin() ? sel : *(it - 1);
    return it + 1 >= lane.end() ? sel : *(it + 1);
  };
  switch (event->key()) {
    case Qt::Key_Plus:
    case Qt::Key_Equal:
      ZoomIn();
      return;
    case Qt::Key_Minus:
      ZoomOut();
      return;
    case Qt::Key_0:
    case Qt::Key_F:
      Fit();
      return;
    case Qt::Key_Left:
      if (n == 0) return;
      SelectAndNotify((event->modifiers() & Qt::ControlModifier) ? same_thread(-1)
                                                                 : std::max<int64_t>(0, sel - 1));
      return;
    case Qt::Key_Right:
      if (n == 0) return;
      SelectAndNotify((event->modifiers() & Qt::ControlModifier) ? same_thread(+1)
                                                                 : std::min(n - 1, sel + 1));
      return;
    case Qt::Key_Home:
      if (n > 0) SelectAndNotify(0);
      return;
    case Qt::Key_End:
      if (n > 0) SelectAndNotify(n - 1);
      return;
    default:
      QWidget::keyPressEvent(event);
  }
}

void TimelineView::contextMenuEvent(QContextMenuEvent* event) {
  int64_t index = EventAt(event->pos());
  if (index < 0) return;
  SelectAndNotify(index);
  emit EventContextMenu(index, event->globalPos());
}

bool TimelineView::event(QEvent* event) {
  if (event->type() == QEvent::ToolTip && data_) {
    auto* help = static_cast<QHelpEvent*>(event);
    int64_t index = EventAt(help->pos());
    if (index < 0) {
      QToolTip::hideText();
      event->ignore();
      return true;
    }
    const format::Event& e = data_->trace.events[index];
    QString text =
        QStringLiteral("#%1  %2  %3")
            .arg(index)
            .arg(data_->ThreadLabel(e.tid), QString::fromLatin1(format::EventKindName(e.kind)));
    if (e.obj != 0) text += QStringLiteral("  ") + data_->ObjectLabel(e.obj);
    text += QStringLiteral("\nvirtual time %1 s").arg(FormatVirtualTime(e.vtime));
    QString where = data_->EventLocation(static_cast<uint64_t>(index));
    if (!where.isEmpty()) text += QLatin1Char('\n') + where;
    if (index == focus_first_ || index == focus_second_) {
      text += tr("\none of the critical pair (weft explain)");
    }
    QToolTip::showText(help->globalPos(), text, this);
    return true;
  }
  return QWidget::event(event);
}

}  // namespace weft::gui
