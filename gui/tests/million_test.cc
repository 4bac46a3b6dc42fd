// million_test.cc — weft-gui on a recorded 1,000,000-event trace (million_locks.c: four
// threads × 125,000 locked increments), ctest `gui_million_screenshot`, label gui (it
// records the program first, in about 3 s): the trace opens with its five lanes and every event,
// drawn as per-pixel aggregates in every lane, on both axes; `weft-gui --screenshot` of it
// writes the window. It prints how long the recording, the opening and the screenshot took;
// bench/gui.py measures that, nothing asserts it here: a wall-clock bound in a test fails
// when the machine is loaded, not when the code is slow.
// Needs WEFT_CLI, WEFT_GUI_BIN and WEFT_MILLION_PROGRAM.
#include <QApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QImage>
#include <QProcess>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

#include "main_window.h"
#include "panels.h"
#include "timeline_view.h"

namespace weft::gui {

class MillionTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString trace_;

  // Whether lane `row` of `view`, rendered, has colour (not the lane's grey) in at least
  // `share` of the drawable columns.
  static bool LaneHasColour(TimelineView& view, int row, double share) {
    QImage image(view.size(), QImage::Format_ARGB32_Premultiplied);
    view.render(&image);
    int y = static_cast<int>(view.layout().LaneCenter(row));
    int from = static_cast<int>(view.layout().gutter) + 1;
    int to = from + static_cast<int>(view.geometry().width()) - 2;
    int coloured = 0;
    for (int x = from; x < to; ++x) coloured += image.pixelColor(x, y).saturation() > 40;
    return coloured >= share * (to - from);
  }

 private slots:
  void initTestCase() {
    QString weft = qEnvironmentVariable("WEFT_CLI");
    QString program = qEnvironmentVariable("WEFT_MILLION_PROGRAM");
    QVERIFY2(QFileInfo(weft).isExecutable(), "WEFT_CLI is not set (ctest sets it)");
    QVERIFY2(QFileInfo(program).isExecutable(), "WEFT_MILLION_PROGRAM is not set (ctest sets it)");
    trace_ = dir_.filePath("million.weft");
    QProcess record;
    record.setProcessChannelMode(QProcess::MergedChannels);
    // NB: no stdin. weft record reads an open stdin to its end to give it to the program,
    // and QProcess's stays open: the recording waited for it until the test's timeout.
    record.setStandardInputFile(QProcess::nullDevice());
    QElapsedTimer timer;
    timer.start();
    record.start(weft, {"record", "--no-stacks", "-o", trace_, "--", program});
    QVERIFY(record.waitForFinished(600000));
    QVERIFY2(record.exitCode() == 0, record.readAll().constData());
    // For the log (how fast is bench/gui.py's to measure, not this test's to assert).
    qInfo("recorded the 1,000,000-event trace in %.2f s", timer.nsecsElapsed() / 1e9);
  }

  void OpensEveryEventInFiveLanes() {
    MainWindow window(true);
    window.resize(1600, 1000);
    window.show();
    QElapsedTimer timer;
    timer.start();
    window.OpenFile(trace_);
    QTest::qWait(0);
    while (window.busy()) QTest::qWait(50);
    qInfo("weft-gui read and showed it in %.2f s", timer.nsecsElapsed() / 1e9);
    QVERIFY2(window.current_run() != nullptr, qPrintable(window.last_error()));
    const auto& data = window.current_run()->trace_data();
    QVERIFY2(data->trace.events.size() >= 1000000, qPrintable(data->outcome));
    QCOMPARE(data->lanes.size(), size_t{5});
    QVERIFY2(!data->failed, qPrintable(data->outcome));
    QVERIFY2(window.current_run()->banner()->text().contains("counter = 500000"),
             qPrintable(window.current_run()->banner()->text()));
    TimelineView* timeline = window.current_run()->timeline();
    // All of it in view, many events per pixel column: the aggregated drawing, every
    // worker's lane coloured across the width.
    QVERIFY(timeline->geometry().IndexesPerPixel() > 100);
    for (int row = 1; row <= 4; ++row) QVERIFY2(LaneHasColour(*timeline, row, 0.9), "a blank lane");
    // Zoomed down to single events in the middle, then on the time axis: still drawn.
    timeline->ShowRange(500000, 500040);
    QVERIFY(timeline->geometry().IndexesPerPixel() < 0.5);
    QVERIFY(LaneHasColour(*timeline, 1, 0.02) || LaneHasColour(*timeline, 2, 0.02));
    timeline->Fit();
    window.SetAxis(TimelineAxis::kVirtualTime);
    QVERIFY(timeline->laid_out_by_time());
    for (int row = 1; row <= 4; ++row) QVERIFY2(LaneHasColour(*timeline, row, 0.9), "a blank lane");
  }

  void ScreenshotWritesTheWindow() {
    QString png = dir_.filePath("million.png");
    QProcess shot;
    shot.setProcessChannelMode(QProcess::MergedChannels);
    shot.setStandardInputFile(QProcess::nullDevice());
    QElapsedTimer timer;
    timer.start();
    shot.start(qEnvironmentVariable("WEFT_GUI_BIN"),
               {"--screenshot", png, "--size", "1400x900", trace_});
    QVERIFY(shot.waitForFinished(600000));
    QVERIFY2(shot.exitCode() == 0, shot.readAll().constData());
    qInfo("weft-gui --screenshot of it took %.2f s", timer.nsecsElapsed() / 1e9);
    QImage image(png);
    QCOMPARE(image.size(), QSize(1400, 900));
    // A picture of the window, not of nothing: the lanes' colours are in it.
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3) {
      for (int x = 0; x < image.width(); x += 3) colours.insert(image.pixel(x, y));
    }
    QVERIFY2(colours.size() > 50, qPrintable(QString::number(colours.size())));
  }
};

}  // namespace weft::gui

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  app.setAttribute(Qt::AA_Use96Dpi, true);
  weft::gui::MillionTest test;
  QTEST_SET_MAIN_SOURCE_PATH
  return QTest::qExec(&test, argc, argv);
}
#include "million_test.moc"
