// geometry_test.cc — TimelineGeometry and LaneLayout, with data-driven QTest tables.
#include <QTest>
#include <memory>
#include <vector>

#include "timeline_geometry.h"

namespace weft::gui {

class GeometryTest : public QObject {
  Q_OBJECT

 private:
  static TimelineGeometry Make(double count, double width) {
    TimelineGeometry g;
    g.SetCount(count);
    g.SetWidth(width);
    return g;
  }

 private slots:
  void Mapping_data() {
    QTest::addColumn<double>("count");
    QTest::addColumn<double>("width");
    QTest::addColumn<double>("index");
    QTest::addColumn<double>("x");
    QTest::newRow("start") << 100.0 << 1000.0 << 0.0 << 0.0;
    QTest::newRow("middle") << 100.0 << 1000.0 << 50.0 << 500.0;
    QTest::newRow("end") << 100.0 << 1000.0 << 100.0 << 1000.0;
    QTest::newRow("many per pixel") << 1e6 << 1000.0 << 250000.0 << 250.0;
    QTest::newRow("empty trace") << 0.0 << 500.0 << 0.5 << 250.0;  // count 0 → 1
  }
  void Mapping() {
    QFETCH(double, count);
    QFETCH(double, width);
    QFETCH(double, index);
    QFETCH(double, x);
    TimelineGeometry g = Make(count, width);
    QCOMPARE(g.XOf(index), x);
    QCOMPARE(g.IndexAt(x), index);
  }

  void ZoomKeepsTheAnchor_data() {
    QTest::addColumn<double>("count");
    QTest::addColumn<double>("x");
    QTest::addColumn<double>("factor");
    QTest::addColumn<double>("span");
    QTest::newRow("in at middle") << 1000.0 << 500.0 << 2.0 << 500.0;
    QTest::newRow("in at left") << 1000.0 << 0.0 << 4.0 << 250.0;
    QTest::newRow("in at right") << 1000.0 << 1000.0 << 10.0 << 100.0;
    QTest::newRow("in 1M") << 1e6 << 123.0 << 1000.0 << 1000.0;
    QTest::newRow("deepest") << 1000.0 << 300.0 << 1e9 << TimelineGeometry::kMinSpan;
  }
  void ZoomKeepsTheAnchor() {
    QFETCH(double, count);
    QFETCH(double, x);
    QFETCH(double, factor);
    QFETCH(double, span);
    TimelineGeometry g = Make(count, 1000);
    double anchor = g.IndexAt(x);
    g.ZoomAt(x, factor);
    QCOMPARE(g.span(), span);
    // The anchor stays under the cursor unless the view had to be clamped to the domain.
    if (g.start() > 0 && g.start() + g.span() < count) QCOMPARE(g.IndexAt(x), anchor);
    QVERIFY(g.start() >= 0);
    QVERIFY(g.start() + g.span() <= count + 1e-9);
  }

  void ZoomOutNeverPassesTheDomain() {
    TimelineGeometry g = Make(5000, 800);
    g.ZoomAt(100, 50);
    g.ZoomAt(700, 0.001);
    QCOMPARE(g.start(), 0.0);
    QCOMPARE(g.span(), 5000.0);
  }

  void PanClamps_data() {
    QTest::addColumn<double>("dx");
    QTest::addColumn<double>("start");
    QTest::newRow("right") << 100.0 << 110.0;  // one index per pixel
    QTest::newRow("left, clamped at 0") << -50.0 << 0.0;
    QTest::newRow("far right, clamped at the end") << 1e9 << 500.0;
    QTest::newRow("far left") << -1e9 << 0.0;
  }
  void PanClamps() {
    QFETCH(double, dx);
    QFETCH(double, start);
    TimelineGeometry g = Make(1000, 500);
    g.ShowRange(10, 510);  // 500 indexes across 500 pixels
    g.PanBy(dx);
    QCOMPARE(g.start(), start);
    QCOMPARE(g.span(), 500.0);
  }

  void ColumnsPartitionTheEvents_data() {
    QTest::addColumn<double>("count");
    QTest::addColumn<double>("width");
    QTest::addColumn<double>("first");
    QTest::addColumn<double>("last");
    QTest::newRow("fit 1M") << 1e6 << 1357.0 << 0.0 << 1e6;
    QTest::newRow("fit few") << 16.0 << 900.0 << 0.0 << 16.0;
    QTest::newRow("zoomed") << 1e6 << 800.0 << 123456.5 << 130000.25;
    QTest::newRow("one per pixel") << 5000.0 << 1000.0 << 2000.0 << 3000.0;
  }
  void ColumnsPartitionTheEvents() {
    QFETCH(double, count);
    QFETCH(double, width);
    QFETCH(double, first);
    QFETCH(double, last);
    TimelineGeometry g = Make(count, width);
    g.ShowRange(first, last);
    uint64_t expected = g.ColumnRange(0).first;
    uint64_t covered = 0;
    for (int c = 0; c < static_cast<int>(width); ++c) {
      auto [lo, hi] = g.ColumnRange(c);
      QCOMPARE(lo, expected);  // consecutive and disjoint
      QVERIFY(hi >= lo);
      for (uint64_t i : {lo, hi > lo ? hi - 1 : lo}) {
        if (hi > lo) {
          // Every event of the column begins within it.
          QVERIFY(g.XOf(static_cast<double>(i)) >= c - 1e-6);
          QVERIFY(g.XOf(static_cast<double>(i)) < c + 1 + 1e-6);
        }
      }
      covered += hi - lo;
      expected = hi;
    }
    auto [vis_first, vis_last] = g.VisibleRange();
    QVERIFY(covered + 1 >= vis_last - vis_first - 1);
    QVERIFY(covered <= vis_last - vis_first);
  }

  // Four events at 0, 10, 10 (the same time), 110, then two outcome slots; boxes at most
  // 10 wide: domain [0, 140).
  static TimelineGeometry Positioned(double width) {
    TimelineGeometry g;
    g.SetPositions(
        std::make_shared<std::vector<double>>(std::vector<double>{0, 10, 10, 110, 120, 130, 140}),
        10);
    g.SetWidth(width);
    return g;
  }

  void PositionsMapping_data() {
    QTest::addColumn<double>("index");
    QTest::addColumn<double>("pos");
    QTest::newRow("first event") << 0.0 << 0.0;
    QTest::newRow("middle of the first box") << 0.5 << 5.0;
    QTest::newRow("second event") << 1.0 << 10.0;
    QTest::newRow("same time as the second") << 2.0 << 10.0;
    QTest::newRow("end of a box before a gap") << 2.5 << 15.0;
    QTest::newRow("after the gap") << 3.0 << 110.0;
    QTest::newRow("the outcome's room") << 4.5 << 125.0;
    QTest::newRow("the end") << 6.0 << 140.0;
  }
  void PositionsMapping() {
    QFETCH(double, index);
    QFETCH(double, pos);
    TimelineGeometry g = Positioned(1400);
    QVERIFY(g.positioned());
    QCOMPARE(g.length(), 140.0);
    QCOMPARE(g.count(), 6.0);
    QCOMPARE(g.PosOf(index), pos);
    QCOMPARE(g.XOf(index), pos * 10);  // 1400 pixels for 140
    // Back from the position: the same index, unless two events share it (the later one's
    // start is the earlier one's too).
    if (index != 1.0) QCOMPARE(g.IndexAtPos(pos), index);
  }

  void PositionsGapsAndColumns() {
    TimelineGeometry g = Positioned(1400);
    QCOMPARE(g.BoxWidth(0), 10.0);
    QCOMPARE(g.BoxWidth(1), 0.0);     // the same time as event 2
    QCOMPARE(g.BoxWidth(2), 10.0);    // not the 100 to event 3: the gap stays empty
    QCOMPARE(g.IndexAtPos(50), 3.0);  // in the gap: the next event's start
    // Pixel columns partition the events by where they begin.
    uint64_t covered = 0, expected = 0;
    for (int c = 0; c < 1400; ++c) {
      auto [lo, hi] = g.ColumnRange(c);
      QCOMPARE(lo, expected);
      covered += hi - lo;
      expected = hi;
      if (c == 100) QCOMPARE(hi - lo, uint64_t{2});  // events 1 and 2 share x = 100
      if (c == 500) QCOMPARE(hi - lo, uint64_t{0});  // the gap
    }
    QCOMPARE(covered, uint64_t{6});
    // Zoomed into the gap: only the slot it is in shows (and none starts in view).
    g.SetView(40, 20);
    auto [first, last] = g.VisibleRange();
    QCOMPARE(first, uint64_t{3});
    QCOMPARE(last, uint64_t{3});
    // The deepest zoom is kMinSpan boxes, not kMinSpan nanoseconds.
    g.ZoomAt(700, 1e9);
    QCOMPARE(g.span(), TimelineGeometry::kMinSpan * 10);
    // Linked views: a longer domain keeps the view, and the end can be scrolled to.
    g.Fit();
    g.ExtendTo(200);
    QCOMPARE(g.span(), 140.0);
    g.SetView(150, 50);
    QCOMPARE(g.start(), 150.0);
    // Back to one slot per event.
    g.SetCount(10);
    QVERIFY(!g.positioned());
    QCOMPARE(g.PosOf(3.5), 3.5);
    QCOMPARE(g.BoxWidth(3), 1.0);
  }

  void TickSteps_data() {
    QTest::addColumn<double>("ipp");
    QTest::addColumn<double>("min_pixels");
    QTest::addColumn<double>("step");
    QTest::newRow("zoomed in") << 0.01 << 100.0 << 1.0;
    QTest::newRow("one per pixel") << 1.0 << 100.0 << 100.0;
    QTest::newRow("round up to 2") << 1.3 << 100.0 << 200.0;
    QTest::newRow("round up to 5") << 3.0 << 100.0 << 500.0;
    QTest::newRow("1M on 1000 px") << 1000.0 << 120.0 << 200000.0;
  }
  void TickSteps() {
    QFETCH(double, ipp);
    QFETCH(double, min_pixels);
    QTEST(TimelineGeometry::TickStep(ipp, min_pixels), "step");
  }

  void Lanes_data() {
    QTest::addColumn<double>("y");
    QTest::addColumn<int>("lane");
    LaneLayout l;
    QTest::newRow("ruler") << 5.0 << -1;
    QTest::newRow("first lane top") << l.ruler_height << 0;
    QTest::newRow("first lane middle") << l.LaneCenter(0) << 0;
    QTest::newRow("gap") << l.LaneTop(0) + l.lane_height + 1 << -1;
    QTest::newRow("third lane") << l.LaneCenter(2) << 2;
    QTest::newRow("below the last") << l.LaneCenter(3) << -1;
  }
  void Lanes() {
    QFETCH(double, y);
    LaneLayout layout;
    QTEST(layout.LaneAt(y, 3), "lane");
  }
};

}  // namespace weft::gui

QTEST_APPLESS_MAIN(weft::gui::GeometryTest)
#include "geometry_test.moc"
