// timeline_paint.cc — painting the timeline: lanes, ruler, events (one box each, or
// aggregated per pixel column when zoomed out), conflict arcs, outcome, selection.
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
#include "timeline_view.h"
#include "weft/render.h"

namespace weft::gui {
namespace {

constexpr double kEventPad = 5;             // vertical padding of event boxes inside a lane
constexpr double kDetailedMaxIpp = 0.5;     // at most this many events per pixel: one box each
constexpr size_t kMaxArcs = 3000;           // curved arcs drawn per paint at most (zoomed in)
constexpr size_t kMaxArcsAggregated = 600;  // ... when events share pixel columns
constexpr double kLegendMarkWidth = 20;     // a legend entry's mark and the space after it
constexpr double kLegendGap = 12;           // between legend entries
constexpr double kLegendRowHeight = 16;

QColor Background() { return QColor(0xfb, 0xfb, 0xfc); }
QColor CriticalColor() { return QColor(0xc0, 0x00, 0x70); }
QColor DifferColor() { return QColor(0x7b, 0x2c, 0xbf); }
// How much of an event's colour a dimmed event keeps.
constexpr double kDimmed = 0.22;
QColor LaneBackground(int lane) {
  return lane % 2 == 0 ? QColor(0xf1, 0xf3, 0xf6) : QColor(0xea, 0xed, 0xf1);
}

// Virtual time for the ruler: "12 µs", "1.5 ms", "2.25 s".
QString CompactTime(uint64_t ns) {
  if (ns < 1000) return QStringLiteral("%1 ns").arg(ns);
  if (ns < 1000000) return QStringLiteral("%1 µs").arg(ns / 1e3, 0, 'g', 4);
  if (ns < 1000000000) return QStringLiteral("%1 ms").arg(ns / 1e6, 0, 'g', 4);
  return QStringLiteral("%1 s").arg(ns / 1e9, 0, 'g', 5);
}

// The highest category bit set in `mask` (the category that wins a shared pixel column).
EventCategory TopCategory(uint8_t mask) {
  for (int c = kEventCategoryCount - 1; c >= 0; --c) {
    if (mask & (1u << c)) return static_cast<EventCategory>(c);
  }
  return EventCategory::kOther;
}

QRgb Blend(QColor color, QColor background, double amount) {
  amount = std::clamp(amount, 0.0, 1.0);
  auto mix = [&](int a, int b) {
    return static_cast<int>(std::lround(a * amount + b * (1 - amount)));
  };
  return qRgb(mix(color.red(), background.red()), mix(color.green(), background.green()),
              mix(color.blue(), background.blue()));
}

}  // namespace

QColor CategoryColor(EventCategory category) {
  switch (category) {
    case EventCategory::kThread:
      return QColor(0x6c, 0x5c, 0xe7);
    case EventCategory::kLock:
      return QColor(0xd6, 0x45, 0x33);
    case EventCategory::kUnlock:
      return QColor(0x4c, 0xa0, 0x5a);
    case EventCategory::kCond:
      return QColor(0x2e, 0x86, 0xab);
    case EventCategory::kSem:
      return QColor(0xa2, 0x3b, 0x72);
    case EventCategory::kFutex:
      return QColor(0xe0, 0x9a, 0x10);
    case EventCategory::kSleep:
      return QColor(0x8d, 0x99, 0xae);
    case EventCategory::kOther:
      break;
  }
  return QColor(0xa0, 0xa0, 0xa0);
}

void TimelineView::paintEvent(QPaintEvent*) {
  QElapsedTimer timer;
  timer.start();
  QPainter p(this);
  p.fillRect(rect(), Background());
  if (!data_) {
    p.setPen(palette().color(QPalette::PlaceholderText));
    p.drawText(rect(), Qt::AlignCenter,
               tr("Open a trace (File ▸ Open, or drop a .weft file here)"));
    return;
  }
  PaintLanes(p);
  p.save();
  p.setClipRect(QRectF(layout_.gutter, 0, width() - layout_.gutter, height()));
  auto [first, last] = geometry_.VisibleRange();
  last = std::min<uint64_t>(last, data_->trace.events.size());
  if (geometry_.IndexesPerPixel() <= kDetailedMaxIpp) {
    PaintEventsDetailed(p, first, last);
  } else {
    PaintEventsAggregated(p);
  }
  PaintOutcome(p);
  PaintConflicts(p);
  PaintSelection(p);
  p.restore();
  PaintRuler(p, QRectF(0, 0, width(), layout_.ruler_height));
  last_paint_ms_ = static_cast<double>(timer.nsecsElapsed()) / 1e6;
}

std::vector<LegendEntry> TimelineView::LegendFor(int width) const {
  static const std::pair<EventCategory, const char*> kCategories[] = {
      {EventCategory::kLock, "lock"},      {EventCategory::kUnlock, "unlock"},
      {EventCategory::kCond, "condition"}, {EventCategory::kSem, "sem/barrier/once"},
      {EventCategory::kFutex, "futex"},    {EventCategory::kThread, "thread"},
      {EventCategory::kSleep, "sleep"},    {EventCategory::kOther, "other"}};
  using Mark = LegendEntry::Mark;
  std::vector<LegendEntry> entries;
  for (const auto& [category, name] : kCategories) {
    entries.push_back({Mark::kSwatch, CategoryColor(category), tr(name), {}});
  }
  entries.push_back({Mark::kArc, QColor(0xff, 0x8c, 0x00), tr("conflicting pair"), {}});
  if (focus_first_ >= 0 || compared_first_ >= 0 || compared_second_ >= 0) {
    entries.push_back({Mark::kBox, CriticalColor(), tr("critical pair"), {}});
  }
  if (differ_from_ >= 0) {
    entries.push_back({Mark::kDashed, DifferColor(), tr("the compared runs differ from here"), {}});
  }
  // Left to right from the gutter; an entry that would cross the right edge starts a row.
  QFontMetricsF metrics(font());
  const double left = layout_.gutter + 4, right = width - 4;
  double x = left, y = layout_.LaneTop(Rows()) + 4;
  for (LegendEntry& entry : entries) {
    double w = kLegendMarkWidth + metrics.horizontalAdvance(entry.text);
    if (x > left && x + w > right) {
      x = left;
      y += kLegendRowHeight;
    }
    entry.rect = QRectF(x, y, w, kLegendRowHeight);
    x += w + kLegendGap;
  }
  return entries;
}

double TimelineView::LegendHeight(int width) const {
  std::vector<LegendEntry> entries = LegendFor(width);
  double bottom = entries.empty() ? 0 : entries.back().rect.bottom();
  return std::max(24.0, bottom - layout_.LaneTop(Rows()) + 6);
}

void TimelineView::PaintLanes(QPainter& p) {
  int lanes = Rows();
  QFont bold = font();
  bold.setBold(true);
  for (int l = 0; l < lanes; ++l) {
    QRectF band(0, layout_.LaneTop(l), width(), layout_.lane_height);
    p.fillRect(band, LaneBackground(l));
    QRectF label(6, band.top(), layout_.gutter - 12, band.height());
    p.setPen(QColor(0x30, 0x33, 0x3a));
    p.setFont(bold);
    p.drawText(label, Qt::AlignVCenter | Qt::AlignLeft,
               p.fontMetrics().elidedText(data_->lanes[shown_[l]].label, Qt::ElideRight,
                                          static_cast<int>(label.width())));
  }
  p.setFont(font());
  // Legend: the colours of the event groups, and what arcs and boxes mean.
  for (const LegendEntry& entry : Legend()) {
    const QRectF& r = entry.rect;
    double mid = r.center().y();
    switch (entry.mark) {
      case LegendEntry::Mark::kSwatch:
        p.fillRect(QRectF(r.left(), mid - 5, 10, 10), entry.color);
        break;
      case LegendEntry::Mark::kArc:
        p.setPen(QPen(entry.color, 2));
        p.drawLine(QPointF(r.left(), mid), QPointF(r.left() + 16, mid));
        break;
      case LegendEntry::Mark::kBox:
        p.setPen(QPen(entry.color, 2.5));
        p.drawRect(QRectF(r.left() + 1, mid - 6, 14, 12));
        break;
      case LegendEntry::Mark::kDashed:
        p.setPen(QPen(entry.color, 2, Qt::DashLine));
        p.drawLine(QPointF(r.left() + 2, mid - 6), QPointF(r.left() + 2, mid + 6));
        break;
    }
    p.setPen(QColor(0x50, 0x55, 0x60));
    p.drawText(
        QRectF(r.left() + kLegendMarkWidth, r.top(), r.width() - kLegendMarkWidth, r.height()),
        Qt::AlignVCenter | Qt::AlignLeft, entry.text);
  }
  p.setPen(QColor(0xc8, 0xcc, 0xd2));
  p.drawLine(QPointF(layout_.gutter - 0.5, layout_.ruler_height),
             QPointF(layout_.gutter - 0.5, height()));
}

void TimelineView::PaintRuler(QPainter& p, const QRectF& area) {
  p.fillRect(area, QColor(0xe4, 0xe7, 0xeb));
  p.setPen(QColor(0x90, 0x96, 0xa0));
  p.drawLine(area.bottomLeft(), area.bottomRight());
  p.setPen(QColor(0x40, 0x44, 0x4c));
  bool time = axis_ == TimelineAxis::kVirtualTime;
  p.drawText(QRectF(6, 0, layout_.gutter - 12, area.height()), Qt::AlignVCenter | Qt::AlignLeft,
             !time                       ? tr("event #")
             : data_ && data_->real_time ? tr("real time")  // a free recording's times
                                         : tr("virtual time"));
  double ipp = geometry_.IndexesPerPixel();
  p.save();
  p.setClipRect(QRectF(layout_.gutter, 0, width() - layout_.gutter, area.height()));
  auto tick_at = [&](double pos, const QString& label) {
    double x = layout_.gutter + geometry_.XOfPos(pos);
    p.setPen(QColor(0x70, 0x76, 0x80));
    p.drawLine(QPointF(x, area.bottom() - 7), QPointF(x, area.bottom()));
    p.setPen(QColor(0x30, 0x33, 0x3a));
    p.drawText(QPointF(x + 3, area.bottom() - 10), label);
  };
  if (time) {
    for (const TimeTick& tick : TimeTicks(*data_, time_layout_, geometry_, 120)) {
      tick_at(tick.pos, CompactTime(tick.ns));
    }
  } else {
    double step = TimelineGeometry::TickStep(ipp, 100);
    double first = std::ceil(geometry_.start() / step) * step;
    for (double tick = first; tick <= geometry_.start() + geometry_.span(); tick += step) {
      tick_at(tick, QString::number(static_cast<qulonglong>(tick)));
    }
  }
  // Context-switch density when switches are too dense to draw one by one.
  if (ipp > kDetailedMaxIpp) {
    int width_px = static_cast<int>(geometry_.width());
    for (int c = 0; c < width_px; ++c) {
      auto [lo, hi] = geometry_.ColumnRange(c);
      if (lo >= hi) continue;
      uint32_t n = data_->SwitchesInRange(lo, hi);
      if (n == 0) continue;
      double density = std::min(1.0, static_cast<double>(n) / static_cast<double>(hi - lo));
      p.setPen(QColor::fromRgb(
          Blend(QColor(0x30, 0x30, 0x40), QColor(0xe4, 0xe7, 0xeb), 0.25 + 0.75 * density)));
      p.drawLine(QPointF(layout_.gutter + c + 0.5, area.bottom() - 4),
                 QPointF(layout_.gutter + c + 0.5, area.bottom() - 1));
    }
  }
  p.restore();
}

void TimelineView::PaintEventsDetailed(QPainter& p, uint64_t first, uint64_t last) {
  const std::vector<format::Event>& events = data_->trace.events;
  // Context switches: a connector from the lane that held the turn to the one that takes it.
  QPen switch_pen(QColor(0x70, 0x78, 0x88, dim_outside_focus() ? 70 : 150), 1);
  p.setPen(switch_pen);
  for (uint64_t i = std::max<uint64_t>(first, 1); i < last; ++i) {
    if (events[i].tid == events[i - 1].tid) continue;
    if (RowOf(events[i - 1].tid) < 0 || RowOf(events[i].tid) < 0) continue;
    double x = X(static_cast<double>(i));
    p.drawLine(QPointF(x, RowCenter(events[i - 1].tid)), QPointF(x, RowCenter(events[i].tid)));
  }
  // The thread holding the turn between its events: a bar along its lane.
  p.setPen(Qt::NoPen);
  for (uint64_t i = first; i < last; ++i) {
    if (RowOf(events[i].tid) < 0) continue;
    if (i + 1 < events.size() && events[i + 1].tid == events[i].tid) {
      double y = RowCenter(events[i].tid);
      p.fillRect(QRectF(X(i + 0.5), y - 1.5, X(i + 1.5) - X(i + 0.5), 3),
                 QColor(0x50, 0x58, 0x68, 120));
    }
  }
  QFont small = font();
  small.setPointSizeF(std::max(6.0, font().pointSizeF() - 1));
  p.setFont(small);
  for (uint64_t i = first; i < last; ++i) {
    const format::Event& e = events[i];
    int row = RowOf(e.tid);
    if (row < 0) continue;
    double w = BoxPixels(i);
    QRectF box(X(static_cast<double>(i)) + std::min(2.0, w * 0.15),
               layout_.LaneTop(row) + kEventPad, std::max(1.5, w - std::min(4.0, w * 0.3)),
               layout_.lane_height - 2 * kEventPad);
    QColor color = CategoryColor(CategoryOf(e.kind));
    if (e.flags & format::kFlagFailed) color = color.darker(140);
    bool prominent = IsProminent(i);
    if (!prominent) color = QColor::fromRgb(Blend(color, LaneBackground(row), kDimmed));
    p.fillRect(box, color);
    if (box.width() > 30) {
      // The user's function at the event's site ("has_funds"), else its kind ("lock").
      p.setPen(prominent ? QColor(Qt::white) : QColor(0x60, 0x64, 0x6c));
      p.drawText(box.adjusted(2, 0, -2, 0), Qt::AlignCenter,
                 p.fontMetrics().elidedText(data_->BlockLabel(i), Qt::ElideRight,
                                            static_cast<int>(box.width() - 4)));
    }
  }
  p.setFont(font());
}

void TimelineView::PaintEventsAggregated(QPainter& p) {
  int width_px = static_cast<int>(std::ceil(geometry_.width()));
  int lanes = Rows();
  int top = static_cast<int>(layout_.LaneTop(0));
  int bottom = static_cast<int>(std::ceil(layout_.LaneTop(lanes)));
  bool filtering = filter_.active() || dim_outside_focus();
  if (width_px <= 0 || bottom <= top) return;
  // One image column per pixel column; each lane's span in it gets the winning category's
  // colour, paler where the thread ran few of the column's events.
  QImage image(width_px, bottom - top, QImage::Format_ARGB32_Premultiplied);
  image.fill(Qt::transparent);
  std::vector<QColor> colors;
  for (int c = 0; c < kEventCategoryCount; ++c) {
    colors.push_back(CategoryColor(static_cast<EventCategory>(c)));
  }
  for (int c = 0; c < width_px; ++c) {
    auto [lo, hi] = geometry_.ColumnRange(c);
    if (lo >= hi) continue;
    for (int l = 0; l < lanes; ++l) {
      size_t lane = shown_[l];
      uint8_t mask = data_->CategoryMask(lane, lo, hi);
      if (mask == 0) continue;
      uint32_t n = data_->CountInRange(lane, lo, hi);
      double density = static_cast<double>(n) / static_cast<double>(hi - lo);
      double amount = 0.45 + 0.55 * std::sqrt(density);
      // Dimmed where none of the column's events of this lane match the filter.
      if (filtering && (dim_outside_focus() || filter_.CountMatching(lane, lo, hi) == 0)) {
        amount = kDimmed;
      }
      QRgb rgb = Blend(colors[static_cast<int>(TopCategory(mask))], LaneBackground(l), amount);
      int y0 = static_cast<int>(layout_.LaneTop(l) + kEventPad) - top;
      int y1 = static_cast<int>(layout_.LaneTop(l) + layout_.lane_height - kEventPad) - top;
      for (int y = y0; y < y1; ++y) reinterpret_cast<QRgb*>(image.scanLine(y))[c] = rgb;
    }
  }
  p.drawImage(QPointF(layout_.gutter, top), image);
}

void TimelineView::PaintConflicts(QPainter& p) {
  const std::vector<Conflict>& conflicts = data_->conflicts;
  auto arc_path = [&](QPainterPath& path, QPointF a, QPointF b) {
    double mid = (a.x() + b.x()) / 2;
    double lift = std::min(40.0, std::abs(b.x() - a.x()) * 0.3);
    path.moveTo(a);
    path.cubicTo(QPointF(mid, a.y() - lift), QPointF(mid, b.y() - lift), b);
  };
  // Two events boxed and joined: the selected conflict, the critical pair.
  auto paint_pair = [&](int64_t first, int64_t second, QColor color) {
    double h = layout_.lane_height - 2 * kEventPad + 6;
    std::vector<QPointF> ends;
    std::vector<double> widths;
    for (int64_t index : {first, second}) {
      if (index < 0 || RowOf(data_->trace.events[index].tid) < 0) continue;
      ends.push_back(EventPosition(static_cast<uint64_t>(index)));
      widths.push_back(std::max(8.0, BoxPixels(static_cast<uint64_t>(index))));
    }
    p.setBrush(Qt::NoBrush);
    if (ends.size() == 2) {
      QPainterPath path;
      arc_path(path, ends[0], ends[1]);
      p.setPen(QPen(color, 3));
      p.drawPath(path);
    }
    p.setPen(QPen(color, 2.5));
    for (size_t k = 0; k < ends.size(); ++k) {
      const QPointF& c = ends[k];
      double w = widths[k];
      p.drawRect(QRectF(c.x() - w / 2 - 1, c.y() - h / 2, w + 2, h));
    }
  };
  size_t count = listed_all_ ? conflicts.size() : listed_.size();
  auto at = [&](size_t k) -> const Conflict& {
    return listed_all_ ? conflicts[k] : conflicts[listed_[k]];
  };
  auto [visible_first, visible_last] = geometry_.VisibleRange();
  double start = static_cast<double>(visible_first), end = static_cast<double>(visible_last);
  // Sorted by first: arcs reaching into the view start at most the longest span before it.
  double from =
      start - static_cast<double>(listed_all_ ? data_->max_conflict_span : listed_max_span_) - 1;
  size_t lo = 0, hi = count;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (at(mid).first + 0.0 < from) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  size_t lanes = data_->lanes.size();
  int width_px = static_cast<int>(std::ceil(geometry_.width())) + 1;
  // Level of detail: an arc shorter than a few pixels is drawn as one straight line per
  // pixel column and pair of lanes, and when events share pixels, as a tick above the
  // second event's lane instead (lines would bury the lanes); longer arcs falling on the
  // same pixels are drawn once.
  bool ticks = geometry_.IndexesPerPixel() > 1;
  std::vector<bool> short_seen(static_cast<size_t>(width_px) * lanes * lanes, false);
  std::unordered_set<uint64_t> long_seen;
  bool fine = geometry_.IndexesPerPixel() <= 0.25;  // events at least 4 pixels wide
  size_t max_arcs = fine ? kMaxArcs : kMaxArcsAggregated;
  std::vector<QLineF> short_lines;
  QPainterPath long_arcs;
  size_t drawn = 0;
  for (size_t k = lo; k < count && at(k).first < end; ++k) {
    const Conflict& c = at(k);
    if (c.second + 1.0 < start) continue;
    size_t la = c.first_tid, lb = c.second_tid;
    if (la >= lanes || lb >= lanes || RowOf(c.first_tid) < 0 || RowOf(c.second_tid) < 0) continue;
    double xa = X(c.first + 0.5), xb = X(c.second + 0.5);
    QPointF a(xa, RowCenter(c.first_tid));
    QPointF b(xb, RowCenter(c.second_tid));
    if (xb - xa < 3) {
      int column = static_cast<int>(std::clamp(xb - layout_.gutter, 0.0, width_px - 1.0));
      size_t slot = (static_cast<size_t>(column) * lanes + la) * lanes + lb;
      if (short_seen[slot]) continue;
      short_seen[slot] = true;
      if (ticks) {
        double top = RowTop(c.second_tid);
        short_lines.emplace_back(QPointF(xb, top - 1), QPointF(xb, top + kEventPad - 1));
      } else {
        short_lines.emplace_back(a, b);
      }
    } else {
      if (drawn >= max_arcs) continue;
      // Arcs within two pixels of each other at both ends look the same: draw one.
      uint64_t key = ((static_cast<uint64_t>(std::max(0.0, xa)) / 2) << 40) ^
                     ((static_cast<uint64_t>(std::max(0.0, xb)) / 2) << 16) ^ (la * lanes + lb);
      if (!long_seen.insert(key).second) continue;
      arc_path(long_arcs, a, b);
      ++drawn;
    }
  }
  // Around the critical pair the other arcs are faint.
  int alpha = dim_outside_focus() ? 45 : 150;
  p.setBrush(Qt::NoBrush);
  if (!short_lines.empty()) {
    p.setPen(QPen(
        QColor(0xff, 0x8c, 0x00, ticks ? (dim_outside_focus() ? 70 : 220) : alpha * 3 / 4), 1));
    p.drawLines(short_lines.data(), static_cast<int>(short_lines.size()));
  }
  // Antialiasing only while few events are on screen: it is what makes many arcs slow.
  p.setRenderHint(QPainter::Antialiasing, fine);
  p.setPen(QPen(QColor(0xff, 0x8c, 0x00, alpha), fine ? 1.6 : 1));
  p.drawPath(long_arcs);
  p.setRenderHint(QPainter::Antialiasing, true);
  if (focus_first_ >= 0) paint_pair(focus_first_, focus_second_, CriticalColor());
  // The other run's critical pair, as this run ordered it.
  if (compared_first_ >= 0 || compared_second_ >= 0) {
    paint_pair(compared_first_, compared_second_, CriticalColor());
  }
  if (selected_conflict_ >= 0) {
    const Conflict& c = conflicts[selected_conflict_];
    // The critical pair's conflict (it may start at the unlock after the pair's lock).
    bool is_focus = focus_first_ >= 0 && static_cast<int64_t>(c.second) == focus_second_ &&
                    c.first_tid == data_->trace.events[focus_first_].tid;
    if (!is_focus) {
      int64_t second = c.second < data_->trace.events.size() ? static_cast<int64_t>(c.second) : -1;
      paint_pair(static_cast<int64_t>(c.first), second, QColor(0x10, 0x40, 0xa0));
    }
  }
  p.setRenderHint(QPainter::Antialiasing, false);
}

void TimelineView::PaintOutcome(QPainter& p) {
  using K = format::Outcome::Kind;
  const format::Trace& t = data_->trace;
  double n = static_cast<double>(t.events.size());
  double x = X(n + 0.5);
  p.setRenderHint(QPainter::Antialiasing, true);
  if (t.outcome.diverged && t.outcome.divergence_index <= t.events.size()) {
    double dx = X(static_cast<double>(t.outcome.divergence_index));
    p.setPen(QPen(QColor(0xd0, 0x10, 0x10), 2, Qt::DashLine));
    p.drawLine(QPointF(dx, layout_.ruler_height), QPointF(dx, height()));
  }
  if (stop_marker_ >= 0) {
    double sx = X(static_cast<double>(stop_marker_));
    p.setPen(QPen(QColor(0xe0, 0x8a, 0x00), 2, Qt::DashLine));
    p.drawLine(QPointF(sx, layout_.ruler_height), QPointF(sx, height()));
  }
  if (differ_from_ >= 0) {
    // Where this run's schedule leaves the compared run's: a line across the lanes.
    double dx = X(static_cast<double>(differ_from_));
    p.setPen(QPen(DifferColor(), 2, Qt::DashLine));
    p.drawLine(QPointF(dx, layout_.ruler_height), QPointF(dx, layout_.LaneTop(Rows())));
  }
  if (!t.has_outcome) {
    p.setRenderHint(QPainter::Antialiasing, false);
    return;
  }
  const format::Outcome& o = t.outcome;
  if (o.kind == K::kDeadlock || o.kind == K::kStopped) {
    QColor color = o.kind == K::kDeadlock ? QColor(0xd0, 0x10, 0x10) : QColor(0xe0, 0x8a, 0x00);
    // Each thread's pending operation in a box in the end zone (two slots after the last
    // event), and the wait-for edges waiter → holder as arrows on the right of the boxes.
    double left = X(n) + 4;
    double right = std::max(left + 14, X(n + 2) - 30);
    for (const format::BlockedThread& b : o.blocked) {
      if (b.tid >= data_->lanes.size() || RowOf(b.tid) < 0) continue;
      double y = RowCenter(b.tid);
      QRectF box(left, y - 10, right - left, 20);
      p.setPen(QPen(color, 2));
      p.setBrush(color.lighter(170));
      p.drawRoundedRect(box, 4, 4);
      QString label = QString::fromLatin1(format::EventKindName(b.kind));
      if (b.obj != 0) label += QLatin1Char(' ') + data_->ObjectLabel(b.obj);
      if (box.width() > 30) {
        p.setPen(color.darker(170));
        p.drawText(
            box.adjusted(4, 0, -4, 0), Qt::AlignVCenter | Qt::AlignLeft,
            p.fontMetrics().elidedText(label, Qt::ElideRight, static_cast<int>(box.width() - 8)));
      }
      if (o.kind == K::kDeadlock && b.holder >= 0 &&
          static_cast<size_t>(b.holder) < data_->lanes.size() &&
          RowOf(static_cast<uint32_t>(b.holder)) >= 0 && b.holder != static_cast<int32_t>(b.tid)) {
        double hy = RowCenter(static_cast<uint32_t>(b.holder));
        double bend = right + 10 + 6 * (b.tid % 3);
        QPainterPath path(QPointF(right, y));
        path.cubicTo(QPointF(bend, y), QPointF(bend, hy), QPointF(right + 2, hy));
        p.setBrush(Qt::NoBrush);
        p.setPen(QPen(color, 2));
        p.drawPath(path);
        QPointF tip(right + 2, hy);
        QPolygonF head({tip, tip + QPointF(7, -4), tip + QPointF(7, 4)});
        p.setBrush(color);
        p.drawPolygon(head);
      }
    }
  } else if (o.crash && o.crash->tid >= 0 &&
             static_cast<size_t>(o.crash->tid) < data_->lanes.size() &&
             RowOf(static_cast<uint32_t>(o.crash->tid)) >= 0) {
    double y = RowCenter(static_cast<uint32_t>(o.crash->tid));
    p.setPen(QPen(QColor(0xd0, 0x10, 0x10), 3));
    p.drawLine(QPointF(x - 7, y - 7), QPointF(x + 7, y + 7));
    p.drawLine(QPointF(x - 7, y + 7), QPointF(x + 7, y - 7));
    p.drawText(QPointF(x + 12, y + 4), QString::fromStdString(format::DescribeSignal(o.signal)));
  } else if (o.kind == K::kExited && !shown_.empty()) {
    double y = layout_.LaneCenter(0);
    QColor color = o.exit_code == 0 ? QColor(0x2e, 0x8b, 0x57) : QColor(0xd0, 0x10, 0x10);
    p.setPen(QPen(color, 2));
    p.setBrush(color.lighter(180));
    p.drawEllipse(QPointF(x, y), 7, 7);
    p.setPen(color.darker(130));
    p.drawText(QPointF(x + 12, y + 4), tr("exit %1").arg(o.exit_code));
  }
  p.setBrush(Qt::NoBrush);
  p.setRenderHint(QPainter::Antialiasing, false);
}

void TimelineView::PaintSelection(QPainter& p) {
  if (selected_event_ < 0 || RowOf(data_->trace.events[selected_event_].tid) < 0) return;
  QPointF c = EventPosition(static_cast<uint64_t>(selected_event_));
  p.setPen(QPen(QColor(0x10, 0x40, 0xa0, 90), 1));
  p.drawLine(QPointF(c.x(), layout_.ruler_height), QPointF(c.x(), height()));
  double w = std::max(8.0, BoxPixels(static_cast<uint64_t>(selected_event_)));
  double h = layout_.lane_height - 2 * kEventPad + 6;
  p.setPen(QPen(QColor(0x10, 0x40, 0xa0), 2.5));
  p.setBrush(Qt::NoBrush);
  p.drawRect(QRectF(c.x() - w / 2 - 1, c.y() - h / 2, w + 2, h));
}

}  // namespace weft::gui
