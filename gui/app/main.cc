// main.cc — weft-gui [FILE] [--screenshot OUT.png ...]: parses the command line and either
// shows the window or runs batch steps (batch.h) and exits.
#include <QApplication>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTimer>
#include <cstdio>
#include <cstring>
#include <memory>

#include "batch.h"
#include "main_window.h"

namespace {

// -h, --help or --help-all before any `--`: the help needs no window, so no display.
bool AsksForHelp(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) return false;
    if (std::strcmp(argv[i], "-h") == 0 || std::strcmp(argv[i], "--help") == 0 ||
        std::strcmp(argv[i], "--help-all") == 0 || std::strcmp(argv[i], "-?") == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  // NB: QApplication needs a Qt platform (a display, or QT_QPA_PLATFORM=offscreen) and
  // aborts without one; the help is printed by a QCoreApplication, which needs neither.
  std::unique_ptr<QCoreApplication> app;
  if (AsksForHelp(argc, argv)) {
    app = std::make_unique<QCoreApplication>(argc, argv);
  } else {
    app = std::make_unique<QApplication>(argc, argv);
  }
  QCoreApplication::setApplicationName(QStringLiteral("weft-gui"));
  QCoreApplication::setOrganizationName(QStringLiteral("weft"));
  QCommandLineParser parser;
  parser.setApplicationDescription(
      QStringLiteral("weft-gui: see a recorded run, step through it, and permute it."));
  parser.addHelpOption();
  parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("a weft trace to open"));
  QCommandLineOption screenshot(
      QStringLiteral("screenshot"),
      QStringLiteral("render the window with FILE open to OUT.png and exit"),
      QStringLiteral("OUT.png"));
  QCommandLineOption size(QStringLiteral("size"), QStringLiteral("window size (default 1600x1000)"),
                          QStringLiteral("WxH"));
  QCommandLineOption select(QStringLiteral("select"), QStringLiteral("select event N"),
                            QStringLiteral("N"));
  QCommandLineOption conflict(
      QStringLiteral("conflict"),
      QStringLiteral("select row N of the conflicts list (ranked: the critical pair first)"),
      QStringLiteral("N"));
  QCommandLineOption frame(QStringLiteral("frame"),
                           QStringLiteral("click stack frame N of the selection"),
                           QStringLiteral("N"));
  QCommandLineOption tab(QStringLiteral("tab"),
                         QStringLiteral("show the source or disassembly tab"),
                         QStringLiteral("source|disassembly"));
  QCommandLineOption dock(QStringLiteral("dock"),
                          QStringLiteral("raise a panel: conflicts, search, stop, details"),
                          QStringLiteral("NAME"));
  QCommandLineOption zoom(QStringLiteral("zoom"), QStringLiteral("show events FIRST to LAST"),
                          QStringLiteral("FIRST:LAST"));
  QCommandLineOption replay(QStringLiteral("replay"), QStringLiteral("replay the trace first"));
  QCommandLineOption stop(QStringLiteral("stop-at-selected"),
                          QStringLiteral("replay up to the selected event and show the threads"));
  QCommandLineOption permute(
      QStringLiteral("permute"),
      QStringLiteral("let the other thread of the selected conflict go first"));
  QCommandLineOption explore(QStringLiteral("explore"),
                             QStringLiteral("search RUNS schedules of the trace's program"),
                             QStringLiteral("RUNS"));
  QCommandLineOption permute_until_pass(
      QStringLiteral("permute-until-pass"),
      QStringLiteral("reverse conflicts one by one until the program passes; keep that run"));
  QCommandLineOption explain(
      QStringLiteral("explain"),
      QStringLiteral("run weft explain on FILE first and show its critical pair and passing run "
                     "(a failing trace opened in the window is explained without asking for it)"));
  QCommandLineOption threads(QStringLiteral("threads"),
                             QStringLiteral("show only these threads' lanes, e.g. 1,2"),
                             QStringLiteral("TIDS"));
  QCommandLineOption object(QStringLiteral("object"),
                            QStringLiteral("dim the events on other objects than object N and "
                                           "list only its conflicts"),
                            QStringLiteral("N"));
  QCommandLineOption near_failure(
      QStringLiteral("near-failure"),
      QStringLiteral("show only the events near the failure (the last quarter, at least 64)"));
  QCommandLineOption axis(QStringLiteral("axis"),
                          QStringLiteral("the ruler's unit: event index or virtual time"),
                          QStringLiteral("index|time"));
  QCommandLineOption side_by_side(
      QStringLiteral("side-by-side"),
      QStringLiteral("show the runs side by side instead of one above the other"));
  QCommandLineOption save_as(QStringLiteral("save-as"),
                             QStringLiteral("copy the current run's trace to PATH at the end"),
                             QStringLiteral("PATH"));
  parser.addOptions({screenshot,   size,    select,  conflict, frame,        tab,
                     dock,         zoom,    replay,  stop,     permute,      permute_until_pass,
                     explore,      explain, threads, object,   near_failure, axis,
                     side_by_side, save_as});
  parser.process(*app);  // prints the help (or an error) and exits when asked

  const QStringList files = parser.positionalArguments();
  bool batch = parser.isSet(screenshot);
  weft::gui::MainWindow window(batch);
  if (!batch) {
    window.show();
    if (!files.isEmpty()) window.OpenFile(files.first());
    return app->exec();
  }
  weft::gui::BatchSteps steps;
  steps.trace = files.isEmpty() ? QString() : files.first();
  steps.screenshot = parser.value(screenshot);
  if (parser.isSet(size)) {
    QStringList wh = parser.value(size).split(QLatin1Char('x'));
    if (wh.size() == 2) steps.size = QSize(wh[0].toInt(), wh[1].toInt());
  }
  auto number = [&](const QCommandLineOption& option, int64_t fallback) -> int64_t {
    return parser.isSet(option) ? parser.value(option).toLongLong() : fallback;
  };
  steps.select_event = number(select, -1);
  steps.select_conflict = number(conflict, -1);
  steps.frame = static_cast<int>(number(frame, -1));
  steps.tab = parser.value(tab);
  steps.dock = parser.value(dock);
  if (parser.isSet(zoom)) {
    QStringList range = parser.value(zoom).split(QLatin1Char(':'));
    if (range.size() == 2) {
      steps.zoom_first = range[0].toDouble();
      steps.zoom_last = range[1].toDouble();
    }
  }
  steps.replay = parser.isSet(replay);
  steps.stop_at_selected = parser.isSet(stop);
  steps.permute = parser.isSet(permute);
  steps.permute_until_pass = parser.isSet(permute_until_pass);
  steps.explore_runs = static_cast<int>(number(explore, 0));
  steps.explain = parser.isSet(explain);
  steps.threads = parser.value(threads);
  steps.object = number(object, -1);
  steps.near_failure = parser.isSet(near_failure);
  steps.axis = parser.value(axis);
  steps.side_by_side = parser.isSet(side_by_side);
  steps.save_as = parser.value(save_as);
  window.show();
  return weft::gui::RunBatch(window, steps);
}
