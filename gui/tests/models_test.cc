// models_test.cc — the window-free part of weft-gui: TraceData's derived tables and level of
// detail, the item models (under QAbstractItemModelTester), the CLI output parsers, the
// disassembler, the worker-thread loader.
#include <dlfcn.h>
#include <link.h>

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <random>

#include "cli_job.h"
#include "disassembly.h"
#include "event_filter.h"
#include "explain_report.h"
#include "item_models.h"
#include "run_compare.h"
#include "test_traces.h"
#include "trace_data.h"
#include "trace_loader.h"
#include "weft/conflict_rank.h"
#include "weft/trace_io.h"

namespace weft::gui {
namespace {

using testing::BankTrace;
using testing::CppBankTrace;
using testing::DeadlockTrace;
using testing::RandomTrace;

// A function with a known address to disassemble.
extern "C" __attribute__((noinline, used)) int WeftGuiTestTarget(int x) { return x * 7 + 3; }

}  // namespace

class ModelsTest : public QObject {
  Q_OBJECT

 private slots:
  void LanesFollowThreads() {
    auto data = BuildTraceData(BankTrace(), "bank.weft");
    QCOMPARE(data->lanes.size(), size_t{3});
    QCOMPARE(data->lanes[0].label, QStringLiteral("T0 main"));
    QCOMPARE(data->lanes[1].label, QStringLiteral("T1 teller"));
    QCOMPARE(data->lanes[2].label, QStringLiteral("T2 second"));  // name wins over function
    QCOMPARE(data->lanes[1].events, (std::vector<uint32_t>{1, 4, 5, 8, 9, 12}));
    // Switches: every index whose thread differs from the one before.
    QCOMPARE(data->switches, (std::vector<uint32_t>{1, 2, 3, 4, 6, 8, 10, 12, 13, 14}));
    QVERIFY(data->failed);
    QCOMPARE(data->outcome, QStringLiteral("exited with code 1"));
  }

  void LanesAreGroupedByProcess() {
    // T0 and T2 in the root, T1 and T3 in a child that exec'd worker: the child's lanes
    // come after the root's, each label naming its process.
    format::Trace t = BankTrace();
    t.threads.push_back(t.threads[1]);
    t.threads[3].tid = 3;
    t.processes = {{100, -1, "/nonexistent/withdraw", {"./withdraw"}, {}},
                   {200, 100, "/nonexistent/withdraw", {"./withdraw"}, {}}};
    t.processes[1].execs = {{"/bin/sh", {"sh"}}, {"/opt/worker", {"worker"}}};
    for (format::Thread& th : t.threads) th.pid = th.tid % 2 == 0 ? 100 : 200;
    auto data = BuildTraceData(t, "tree.weft");
    QCOMPARE(data->lane_order, (std::vector<uint32_t>{0, 2, 1, 3}));
    QCOMPARE(data->lanes[0].label, QStringLiteral("T0 main \u00b7 withdraw 100"));
    QCOMPARE(data->lanes[3].label, QStringLiteral("T3 teller \u00b7 worker 200"));
    // One process: tid order, labels as they were.
    auto one = BuildTraceData(BankTrace(), "bank.weft");
    QCOMPARE(one->lane_order, (std::vector<uint32_t>{0, 1, 2}));
    QCOMPARE(one->lanes[1].label, QStringLiteral("T1 teller"));
  }

  void ConflictsAreTheLockPairs() {
    auto data = BuildTraceData(BankTrace(), "bank.weft");
    // The mutex pairs of the two-withdrawals schedule, reversible at the lock of the first
    // critical section (analysis/conflicts.h).
    std::vector<std::pair<uint64_t, uint64_t>> on_mutex;
    for (const Conflict& c : data->conflicts) {
      if (c.obj == 3) on_mutex.emplace_back(c.first, c.second);
    }
    QVERIFY(!on_mutex.empty());
    bool key = false;
    for (const Conflict& c : data->conflicts) {
      QVERIFY(c.first < c.second);
      QVERIFY(c.first_tid != c.second_tid);
      // T2's check (6/7) against T1's debit (8): reversing lets T1 debit before T2 checks.
      if (c.obj == 3 && c.second == 8 && c.second_tid == 1) {
        key = true;
        QCOMPARE(c.reversal, uint64_t{6});
      }
    }
    QVERIFY(key);
    QVERIFY(data->max_conflict_span > 0);
  }

  void CategoryMaskMatchesBruteForce_data() {
    QTest::addColumn<int>("lo");
    QTest::addColumn<int>("hi");
    QTest::newRow("empty") << 100 << 100;
    QTest::newRow("inside one block") << 3 << 40;
    QTest::newRow("across two blocks") << 60 << 70;
    QTest::newRow("block aligned") << 64 << 192;
    QTest::newRow("many blocks") << 5 << 9000;
    QTest::newRow("everything") << 0 << 20000;
    QTest::newRow("past the end") << 19990 << 30000;
  }
  void CategoryMaskMatchesBruteForce() {
    QFETCH(int, lo);
    QFETCH(int, hi);
    static auto data = BuildTraceData(RandomTrace(20000, 4, 7), "random");
    for (size_t lane = 0; lane < data->lanes.size(); ++lane) {
      uint8_t mask = 0;
      uint32_t count = 0;
      for (int i = lo; i < std::min<int>(hi, 20000); ++i) {
        const format::Event& e = data->trace.events[i];
        if (e.tid != lane) continue;
        mask |= static_cast<uint8_t>(1u << static_cast<int>(CategoryOf(e.kind)));
        ++count;
      }
      QCOMPARE(data->CategoryMask(lane, lo, hi), mask);
      QCOMPARE(data->CountInRange(lane, lo, hi), count);
    }
  }

  void OutcomeDetailsNameTheCycle() {
    auto data = BuildTraceData(DeadlockTrace(), "deadlock.weft");
    QVERIFY(data->failed);
    QStringList lines = OutcomeDetails(*data);
    QCOMPARE(lines.size(), 2);
    QVERIFY2(lines[0].contains("T1 teller waits in mutex_lock on mutex#4 m_b held by T2"),
             qPrintable(lines[0]));
    QVERIFY2(lines[1].contains("account_lock held by T1"), qPrintable(lines[1]));
  }

  void TheEventsTableNamesTheGlobalAnAccessTouched() {
    // A granule holding `ready` (bytes 0-3) and `hits` (4-7): each access names its own.
    format::Trace t = BankTrace();
    format::Object granule;
    granule.id = 4;
    granule.kind = format::ObjectKind::kMemory;
    granule.address = 0x4070;
    granule.symbol = "ready";
    granule.parts = {{4, "hits"}};
    t.objects.push_back(granule);
    testing::Add(t, 1, format::EventKind::kMemWrite, 4, WEFT_MEM_ARG(4, 4, 0));
    testing::Add(t, 2, format::EventKind::kMemRead, 4, WEFT_MEM_ARG(4, 0, 0));
    auto data = BuildTraceData(t, "granule.weft");
    EventModel events;
    events.SetTraceData(data);
    int last = events.rowCount() - 1;
    QCOMPARE(events.data(events.index(last - 1, EventModel::kObject)).toString(),
             QStringLiteral("memory#4 hits"));
    QCOMPARE(events.data(events.index(last, EventModel::kObject)).toString(),
             QStringLiteral("memory#4 ready"));
    QCOMPARE(data->ObjectLabel(4), QStringLiteral("memory#4 ready"));
  }

  void ModelsPassTheTester() {
    auto data = BuildTraceData(BankTrace(), "bank.weft");
    auto deadlock = BuildTraceData(DeadlockTrace(), "deadlock.weft");
    ThreadModel threads;
    EventModel events;
    ConflictModel conflicts;
    StackModel stack;
    BlockedModel blocked;
    QAbstractItemModelTester t1(&threads, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t2(&events, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t3(&conflicts, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t4(&stack, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QAbstractItemModelTester t5(&blocked, QAbstractItemModelTester::FailureReportingMode::QtTest);
    threads.SetTraceData(data);
    events.SetTraceData(data);
    conflicts.SetTraceData(data);
    stack.SetStack(data, 1);
    blocked.SetTraceData(deadlock);
    QCOMPARE(threads.rowCount(), 3);
    QCOMPARE(threads.data(threads.index(2, ThreadModel::kName)).toString(),
             QStringLiteral("second"));
    QCOMPARE(threads.data(threads.index(1, ThreadModel::kEvents)).toULongLong(), 6ull);
    QCOMPARE(events.rowCount(), 16);
    QCOMPARE(events.data(events.index(4, EventModel::kKind)).toString(),
             QStringLiteral("mutex_lock"));
    QCOMPARE(events.data(events.index(4, EventModel::kObject)).toString(),
             QStringLiteral("mutex#3 account_lock"));
    QCOMPARE(events.data(events.index(4, EventModel::kTime)).toString(),
             QStringLiteral("0.000005000"));
    QCOMPARE(events.data(events.index(4, EventModel::kLocation)).toString(),
             QStringLiteral("teller (withdraw.c:19)"));
    QCOMPARE(events.data(events.index(9, 0), kKeyRole).toULongLong(), 9ull);
    // Pairs on thread handles are not listed (as `weft conflicts` without --all).
    QVERIFY(conflicts.hidden() > 0);
    QCOMPARE(conflicts.rowCount(), static_cast<int>(data->conflicts.size() - conflicts.hidden()));
    QVERIFY(conflicts.data(conflicts.index(0, ConflictModel::kThreads)).toString().contains("→"));
    QCOMPARE(stack.rowCount(), 2);
    QCOMPARE(stack.data(stack.index(0, StackModel::kLocation)).toString(),
             QStringLiteral("withdraw.c:19"));
    QCOMPARE(stack.data(stack.index(0, StackModel::kAddress)).toString(),
             QStringLiteral("0x401136"));
    QCOMPARE(stack.FrameAt(1)->function, std::string("start_thread"));
    QCOMPARE(blocked.rowCount(), 2);
    QCOMPARE(blocked.data(blocked.index(0, BlockedModel::kHolder)).toString(),
             QStringLiteral("T2"));
    QCOMPARE(blocked.StackAt(1), 1u);
    // Swapping the data under the testers resets cleanly; so does clearing it.
    events.SetTraceData(deadlock);
    stack.SetStack(data, 0);
    QCOMPARE(stack.rowCount(), 0);
    threads.SetTraceData(nullptr);
    events.SetTraceData(nullptr);
    conflicts.SetTraceData(nullptr);
    blocked.SetTraceData(nullptr);
    QCOMPARE(events.rowCount(), 0);
  }

  void LanesAndBlocksNameTheUsersFunctions() {
    // std::thread's invoker is no name for a lane: the thread's body (teller) is; a box says
    // the function it is in (has_funds, debit), not "lock".
    auto data = BuildTraceData(CppBankTrace(), "bank.weft");
    QCOMPARE(data->lanes[1].label, QStringLiteral("T1 teller"));
    QCOMPARE(data->lanes[2].label, QStringLiteral("T2 teller"));
    QCOMPARE(data->lanes[0].label, QStringLiteral("T0 main"));
    QCOMPARE(data->BlockLabel(4), QStringLiteral("has_funds"));
    QCOMPARE(data->BlockLabel(7), QStringLiteral("has_funds"));
    QCOMPARE(data->BlockLabel(8), QStringLiteral("debit"));
    // A thread event says what it does, even with a stack in the user's code.
    format::Trace created = CppBankTrace();
    created.events[0].stack = 2;
    QCOMPARE(BuildTraceData(created, "c")->BlockLabel(0), QStringLiteral("create"));
    // No stack: the kind without its object prefix.
    QCOMPARE(data->BlockLabel(0), QStringLiteral("create"));
    QCOMPARE(data->BlockLabel(12), QStringLiteral("exit"));
    QCOMPARE(data->BlockLabel(999), QString());
    ThreadModel threads;
    threads.SetTraceData(data);
    QCOMPARE(threads.data(threads.index(1, ThreadModel::kName)).toString(),
             QStringLiteral("teller"));
    // A stack only in system code has no user's function: the kind again.
    format::Trace system_only = CppBankTrace();
    system_only.stacks[2] = {3, 2};
    auto sys = BuildTraceData(system_only, "sys.weft");
    QCOMPARE(SiteFunction(sys->trace, 2), QString());
    QCOMPARE(sys->BlockLabel(4), QStringLiteral("lock"));
    QCOMPARE(sys->BlockLabel(8), QStringLiteral("debit"));
    // Without any stack of the program, the start function shortened.
    format::Trace bare = CppBankTrace();
    for (format::Event& e : bare.events) e.stack = 0;
    QCOMPARE(ThreadName(bare, 1), QStringLiteral("std::__invoke_impl<…>"));
    QCOMPARE(ThreadName(bare, 9), QString());
  }

  void TheBannerReadsTheOutputRecordedInTheTrace() {
    format::Trace t = BankTrace();
    QCOMPARE(RecordedOutput(t), QString());  // nothing captured
    t.program_stdout.captured = true;
    t.program_stdout.data = "start\nbalance = -70\n\n";
    QCOMPARE(RecordedOutput(t), QStringLiteral("balance = -70"));
    QCOMPARE(BuildTraceData(t, "bank.weft")->program_output, QStringLiteral("balance = -70"));
    t.program_stdout.data.clear();
    t.program_stderr.captured = true;
    t.program_stderr.data = "assertion failed: balance >= 0\n";
    QCOMPARE(RecordedOutput(t), QStringLiteral("assertion failed: balance >= 0"));
  }

  void FilterKeepsThreadsObjectAndTheEndOfTheRun() {
    static auto data = BuildTraceData(RandomTrace(5000, 9, 3), "random");
    const std::vector<format::Event>& events = data->trace.events;
    EventFilter all(*data, {});
    QVERIFY(!all.active());
    QVERIFY(all.Matches(uint64_t{0}) && all.Matches(uint64_t{4999}));
    QVERIFY(!all.Matches(uint64_t{5000}));
    FilterSpec spec;
    spec.threads = {4, 2};
    spec.object = 2;
    spec.near_failure = true;
    EventFilter f(*data, spec);
    QVERIFY(f.active());
    QCOMPARE(f.spec().threads, (std::vector<uint32_t>{2, 4}));
    QCOMPARE(f.from(), uint64_t{5000 - 1250});  // the last quarter
    QCOMPARE(f.from(), analysis::NearFailureStart(data->trace));
    QVERIFY(f.ShowsThread(2) && f.ShowsThread(4) && !f.ShowsThread(3));
    size_t kept = 0;
    for (size_t i = 0; i < events.size(); ++i) {
      bool want = i >= 3750 && (events[i].tid == 2 || events[i].tid == 4) && events[i].obj == 2;
      QCOMPARE(f.Matches(i), want);
      kept += want;
    }
    QVERIFY(kept > 50);
    // Per lane and range, as the level-of-detail painter asks.
    for (auto [lo, hi] : {std::pair<uint64_t, uint64_t>{0, 5000},
                          {3700, 3800},
                          {4000, 4001},
                          {100, 90},
                          {4990, 9000}}) {
      for (size_t lane = 0; lane < data->lanes.size(); ++lane) {
        uint32_t brute = 0;
        for (uint64_t i = lo; i < std::min<uint64_t>(hi, 5000); ++i) {
          brute += events[i].tid == lane && f.Matches(i);
        }
        QCOMPARE(f.CountMatching(lane, lo, hi), brute);
      }
    }
    for (const Conflict& c : data->conflicts) {
      bool want = c.second >= 3750 && (c.first_tid == 2 || c.first_tid == 4) &&
                  (c.second_tid == 2 || c.second_tid == 4) && c.obj == 2;
      QCOMPARE(f.Matches(c), want);
    }
    QCOMPARE(f.Describe(), QStringLiteral("T2, T4 · mutex#2 · near the failure (from #3750)"));
  }

  void ConflictsListTheCriticalPairFirst() {
    auto data = BuildTraceData(BankTrace(), "bank.weft");
    ConflictModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.SetTraceData(data);
    // T2's check before T1's debit (8): the pair weft explain names.
    int64_t key = -1;
    for (size_t k = 0; k < data->conflicts.size(); ++k) {
      const Conflict& c = data->conflicts[k];
      if (c.obj == 3 && c.second == 8 && c.second_tid == 1) key = static_cast<int64_t>(k);
    }
    QVERIFY(key >= 0);
    QCOMPARE(model.critical(), int64_t{-1});
    QVERIFY(model.ConflictAt(0) != key);  // without it, the pairs nearest the end go first
    // weft explain names the lock that starts T2's section; the pair may begin at its unlock.
    model.SetCritical(static_cast<int64_t>(data->conflicts[key].reversal), 8, 3);
    QCOMPARE(model.critical(), key);
    model.SetCritical(static_cast<int64_t>(data->conflicts[key].first), 8, 4);  // another object
    QCOMPARE(model.critical(), int64_t{-1});
    model.SetCritical(static_cast<int64_t>(data->conflicts[key].first), 8, 3);
    QCOMPARE(model.critical(), key);
    QCOMPARE(model.ConflictAt(0), key);
    QCOMPARE(model.RowOf(key), 0);
    QCOMPARE(model.data(model.index(0, 0), kKeyRole).toLongLong(), key);
    QCOMPARE(model.data(model.index(0, ConflictModel::kWhy)).toString(),
             QStringLiteral("critical pair"));
    QVERIFY(model.data(model.index(1, ConflictModel::kWhy)).toString() !=
            QStringLiteral("critical pair"));
    for (int row = 0; row < model.rowCount(); ++row) {
      QCOMPARE(model.RowOf(model.ConflictAt(row)), row);
      QVERIFY(!analysis::IsThreadPair(data->trace, data->conflicts[model.ConflictAt(row)]));
    }
    QCOMPARE(model.ConflictAt(model.rowCount()), int64_t{-1});
    // A filter on main alone lists no pair of the tellers but the critical one.
    FilterSpec main_only;
    main_only.threads = {0};
    model.SetFilter(EventFilter(*data, main_only));
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.ConflictAt(0), key);
    model.SetCritical(-1, -1, 0);
    QCOMPARE(model.rowCount(), 0);
    model.SetFilter(EventFilter());
    QCOMPARE(model.rowCount(), static_cast<int>(model.order().size()));
    QVERIFY(model.rowCount() >= 3);
  }

  void ExplainReportIsRead() {
    QByteArray doc =
        R"json({"schema":"weft.explain/1","trace":"/t/bank.weft","outcome":"exited with code 1",
      "explained_trace":"/t/bank.weft","minimized_trace":null,"found":true,"method":"reversal",
      "critical":{"obj":3,"object":"mutex#3 lock",
        "first":{"event":6,"pending":false,"tid":2,"kind":"mutex_lock","obj":3,"object":"mutex#3 lock",
                 "location":{"function":"has_funds","file":"bank.c","line":11},"where":"has_funds (bank.c:11)","stack":[]},
        "second":{"event":8,"pending":false,"tid":1,"kind":"mutex_lock","obj":3,"object":"mutex#3 lock",
                  "location":{"function":"debit","file":"bank.c","line":18},"where":"debit (bank.c:18)","stack":[]},
        "between":{"event":4,"pending":false,"tid":1,"kind":"mutex_lock","obj":3,"object":"mutex#3 lock",
                   "location":{"function":"has_funds","file":"bank.c","line":11},"where":"has_funds (bank.c:11)","stack":[]},
        "reversal":{"at":6,"thread":1}},
      "failing_trace":"/t/x-fail.weft","passing_trace":"/t/x-pass.weft",
      "failing_outcome":"exited with code 1","passing_outcome":"exited with code 0",
      "runs":3,"tried":2,"candidates":4})json";
    doc.replace('\n', ' ');
    QString error;
    QJsonObject j = ParseJsonReport(doc, QLatin1String(kExplainSchema), &error);
    QVERIFY2(!j.isEmpty(), qPrintable(error));
    ExplainReport r;
    QVERIFY2(ParseExplainReport(j, &r, &error), qPrintable(error));
    QVERIFY(r.found);
    QCOMPARE(r.method, QStringLiteral("reversal"));
    QCOMPARE(r.first.event, int64_t{6});
    QCOMPARE(r.first.tid, 2u);
    QCOMPARE(r.first.function, QStringLiteral("has_funds"));
    QCOMPARE(r.second.event, int64_t{8});
    QCOMPARE(r.second.line, 18u);
    QVERIFY(r.between.has_value());
    QCOMPARE(r.between->event, int64_t{4});
    QCOMPARE(r.obj, 3u);
    QCOMPARE(r.reversal_at, uint64_t{6});
    QCOMPARE(r.reversal_thread, 1u);
    QCOMPARE(r.passing_trace, QStringLiteral("/t/x-pass.weft"));
    QCOMPARE(r.passing_outcome, QStringLiteral("exited with code 0"));
    QCOMPARE(r.runs, uint64_t{3});
    QCOMPARE(ExplainSentence(r),
             QStringLiteral("fails when T2 runs has_funds (bank.c:11) between T1's has_funds "
                            "(bank.c:11) and debit (bank.c:18); with T1's debit (bank.c:18) "
                            "first it passes"));
    // Without `between`; a pending second side.
    QJsonObject critical = j.value("critical").toObject();
    critical.insert("between", QJsonValue::Null);
    QJsonObject second = critical.value("second").toObject();
    second.insert("event", QJsonValue::Null);
    second.insert("pending", true);
    critical.insert("second", second);
    QJsonObject k = j;
    k.insert("critical", critical);
    QVERIFY(ParseExplainReport(k, &r, &error));
    QVERIFY(!r.between);
    QCOMPARE(r.second.event, int64_t{-1});
    QVERIFY(r.second.pending);
    QVERIFY(ExplainSentence(r).startsWith("fails when T2 runs has_funds (bank.c:11) before T1's"));
    // Not found: no pair, no sentence.
    QJsonObject none = j;
    none.insert("found", false);
    none.insert("critical", QJsonValue::Null);
    QVERIFY(ParseExplainReport(none, &r, &error));
    QVERIFY(!r.found);
    QCOMPARE(ExplainSentence(r), QString());
    // Found without a pair, or another schema: an error that says so.
    QJsonObject broken = j;
    broken.insert("critical", QJsonValue::Null);
    QVERIFY(!ParseExplainReport(broken, &r, &error));
    QVERIFY2(error.contains("no critical pair"), qPrintable(error));
    QJsonObject other = j;
    other.insert("schema", "weft.explain/2");
    QVERIFY(!ParseExplainReport(other, &r, &error));
    QVERIFY2(error.contains("weft.explain/2") && error.contains("weft.explain/1"),
             qPrintable(error));
  }

  void TimeLayoutPlacesEventsAtTheirVirtualTimes() {
    // Virtual time 1 µs per event for 100 events, then a 1 ms gap, then 1 µs again.
    format::Trace t = RandomTrace(300, 2, 5);
    for (size_t i = 0; i < t.events.size(); ++i) {
      t.events[i].vtime = (i + 1) * 1000 + (i >= 100 ? 1000000 : 0);
    }
    auto data = BuildTraceData(t, "time");
    QVERIFY(data->vtime_ascending);
    TimeLayout layout = MakeTimeLayout(*data);
    QVERIFY(layout.starts);
    QCOMPARE(layout.starts->size(), t.events.size() + 3);  // the events, the outcome's room
    QCOMPARE(layout.origin_ns, uint64_t{1000});
    QCOMPARE(layout.box, 1000.0);  // the usual gap
    QCOMPARE(layout.starts->at(99), 99000.0);
    QCOMPARE(layout.starts->at(100), 1100000.0);  // after the gap, where its time is
    TimelineGeometry g;
    g.SetPositions(layout.starts, layout.box);
    g.SetWidth(1200);
    // The gap is empty space: event 99's box is one usual gap wide, not the whole gap; a
    // pixel in the gap holds no event.
    QCOMPARE(g.BoxWidth(99), 1000.0);
    double gap_x = (g.XOf(100) + g.XOf(99.999)) / 2;
    auto [lo, hi] = g.ColumnRange(static_cast<int>(gap_x));
    QCOMPARE(lo, hi);
    // The 1 ms gap takes most of the width: the first 100 events share less than a tenth.
    QVERIFY(g.XOf(100) > 1200 * 0.75);
    QVERIFY(g.XOf(100) - g.XOf(99) > 100 * (g.XOf(99) - g.XOf(98)));
    // Ticks at round times where those times are.
    std::vector<TimeTick> ticks = TimeTicks(*data, layout, g, 100);
    QVERIFY(ticks.size() >= 4);
    double last_x = -1e9;
    for (const TimeTick& tick : ticks) {
      QCOMPARE(tick.pos, static_cast<double>(tick.ns - layout.origin_ns));
      QVERIFY(g.XOfPos(tick.pos) - last_x >= 100);  // readable
      last_x = g.XOfPos(tick.pos);
      QVERIFY(tick.ns % 1000 == 0);
    }
    QCOMPARE(ticks[1].ns - ticks[0].ns, ticks[2].ns - ticks[1].ns);  // one step
    // Zoomed in on the first events: microsecond ticks, each at its event.
    g.ShowRange(0, 20);
    ticks = TimeTicks(*data, layout, g, 100);
    QVERIFY(ticks.size() >= 3);
    for (const TimeTick& tick : ticks) {
      uint64_t i = tick.ns / 1000 - 1;  // event i is at (i + 1) µs
      QCOMPARE(g.PosOf(static_cast<double>(i)), tick.pos);
    }
    // Time going backwards: no time layout; ticks at indexes, labelled with their events' times.
    t.events[50].vtime = 1;
    auto odd = BuildTraceData(t, "odd");
    QVERIFY(!odd->vtime_ascending);
    TimeLayout none = MakeTimeLayout(*odd);
    QVERIFY(!none.starts);
    TimelineGeometry index_axis;
    index_axis.SetCount(302);
    index_axis.SetWidth(1200);
    ticks = TimeTicks(*odd, none, index_axis, 100);
    QVERIFY(!ticks.empty());
    for (const TimeTick& tick : ticks) {
      QCOMPARE(tick.ns, t.events[static_cast<size_t>(tick.pos)].vtime);
    }
  }

  void AFreeRecordingHasARealTimeAxis() {
    // A free recording's events carry real ns since the run started: the time layout is
    // real time, and the event table names its column so.
    format::Trace t = RandomTrace(50, 2, 3);
    t.header.mode = format::Mode::kFree;
    for (size_t i = 0; i < t.events.size(); ++i) t.events[i].vtime = 5000 + i * 250;
    auto data = BuildTraceData(t, "free.weft");
    QVERIFY(data->real_time);
    TimeLayout layout = MakeTimeLayout(*data);
    QVERIFY(layout.starts);
    QCOMPARE(layout.origin_ns, uint64_t{5000});
    QCOMPARE(layout.starts->at(10), 2500.0);
    EventModel events;
    events.SetTraceData(data);
    QCOMPARE(events.headerData(EventModel::kTime, Qt::Horizontal, Qt::DisplayRole).toString(),
             QStringLiteral("Real time (s)"));
    // A controlled run's times are virtual.
    auto controlled = BuildTraceData(RandomTrace(50, 2, 3), "controlled.weft");
    QVERIFY(!controlled->real_time);
    events.SetTraceData(controlled);
    QCOMPARE(events.headerData(EventModel::kTime, Qt::Horizontal, Qt::DisplayRole).toString(),
             QStringLiteral("Virtual time (s)"));
  }

  void ComparedRunsPartAndMatchEvents() {
    using K = format::EventKind;
    // The failing bank schedule, and the passing one: T1 debits (events 8, 9) before T2's
    // check (6, 7), the rest as before. They part at event 6.
    format::Trace failing = BankTrace();
    format::Trace passing = BankTrace();
    std::swap(passing.events[6], passing.events[8]);
    std::swap(passing.events[7], passing.events[9]);
    QCOMPARE(FirstDifference(failing, passing), uint64_t{6});
    QCOMPARE(FirstDifference(failing, failing), uint64_t{failing.events.size()});
    format::Trace prefix = failing;
    prefix.events.resize(5);
    QCOMPARE(FirstDifference(failing, prefix), uint64_t{5});
    // T2's check (event 6 of the failing run) is event 8 of the passing run; T1's debit (8)
    // is event 6 there; the events before the parting are themselves.
    QCOMPARE(MatchingEvent(failing, 6, passing), int64_t{8});
    QCOMPARE(MatchingEvent(failing, 8, passing), int64_t{6});
    QCOMPARE(MatchingEvent(failing, 4, passing), int64_t{4});
    QCOMPARE(MatchingEvent(failing, 99, passing), int64_t{-1});
    // The thread did something else at that place: no match.
    format::Trace other = passing;
    other.events[8].kind = K::kCondWait;
    QCOMPARE(MatchingEvent(failing, 6, other), int64_t{-1});
    // T2 did less: no match for its later events.
    QCOMPARE(MatchingEvent(failing, 11, prefix), int64_t{-1});
    // A pending operation: T2 pending after its start (event 3) in a cut run is its lock,
    // event 6 of the full run; a thread with nothing left has no match.
    format::Trace cut = failing;
    cut.events.resize(4);
    QCOMPARE(MatchingPending(cut, 2, failing), int64_t{6});
    QCOMPARE(MatchingPending(failing, 2, failing), int64_t{-1});
  }

  void StackRowsShowInlinedCallsAndShortNames() {
    format::Trace trace = BankTrace();
    trace.frames[1].function =
        "(anonymous namespace)::Debit(std::__cxx11::basic_string<char, std::char_traits<char>, "
        "std::allocator<char> > const&)";
    trace.frames[1].inlined_callers = {{"teller", "/nonexistent/withdraw.c", 31}};
    trace.threads[1].start_function =
        "(anonymous namespace)::Start()::{lambda()#1}::operator()() const";
    auto data = BuildTraceData(trace, "bank.weft");
    StackModel stack;
    QAbstractItemModelTester tester(&stack, QAbstractItemModelTester::FailureReportingMode::QtTest);
    stack.SetStack(data, 1);
    QCOMPARE(stack.rowCount(), 3);  // Debit inlined into teller, then start_thread
    QCOMPARE(stack.data(stack.index(0, StackModel::kFunction)).toString(),
             QStringLiteral("Debit(std::string const&) [inlined]"));
    QCOMPARE(stack.data(stack.index(0, StackModel::kFunction), Qt::ToolTipRole).toString(),
             QString::fromStdString(trace.frames[1].function) +
                 QStringLiteral("\n(inlined into the next frame)"));
    QCOMPARE(stack.data(stack.index(1, StackModel::kFunction)).toString(),
             QStringLiteral("teller"));
    QCOMPARE(stack.data(stack.index(1, StackModel::kLocation)).toString(),
             QStringLiteral("withdraw.c:31"));
    QCOMPARE(stack.data(stack.index(1, StackModel::kAddress)).toString(),
             QStringLiteral("0x401136"));  // the physical frame's address
    QCOMPARE(stack.data(stack.index(1, 0), kKeyRole).toULongLong(), 1ull);
    QCOMPARE(stack.FrameAt(1), stack.FrameAt(0));
    QCOMPARE(stack.SourceAt(2)->function, std::string_view("start_thread"));
    ThreadModel threads;
    threads.SetTraceData(data);
    QCOMPARE(threads.data(threads.index(1, ThreadModel::kName)).toString(),
             QStringLiteral("Start::{lambda()#1}"));
    QCOMPARE(threads.data(threads.index(1, ThreadModel::kName), Qt::ToolTipRole).toString(),
             QString::fromStdString(trace.threads[1].start_function));
  }

  void ProgressLines_data() {
    QTest::addColumn<QString>("line");
    QTest::addColumn<bool>("ok");
    QTest::addColumn<bool>("mismatch");
    QTest::addColumn<qulonglong>("run");
    QTest::addColumn<qulonglong>("runs");
    QTest::addColumn<qlonglong>("seed");
    QTest::addColumn<double>("rate");
    QTest::addColumn<bool>("failed");
    QTest::newRow("explore")
        << R"({"schema":"weft.progress/1","command":"explore","run":37,"runs":200,"seed":37,)"
           R"("elapsed_seconds":0.39,"runs_per_second":95,"failed":false,"failures":0,)"
           R"("preemptions":null})"
        << true << false << 37ull << 200ull << 37ll << 95.0 << false;
    QTest::newRow("failed")
        << R"({"schema":"weft.progress/1","command":"explore","run":3,"runs":100,"seed":9,)"
           R"("elapsed_seconds":0.25,"runs_per_second":12,"failed":true,"failures":1,)"
           R"("preemptions":null})"
        << true << false << 3ull << 100ull << 9ll << 12.0 << true;
    QTest::newRow("minimize, nulls")
        << R"({"schema":"weft.progress/1","command":"minimize","run":4,"runs":300,"seed":null,)"
           R"("elapsed_seconds":1,"runs_per_second":4,"failed":null,"failures":0,)"
           R"("preemptions":2})"
        << true << false << 4ull << 300ull << -1ll << 4.0 << false;
    QTest::newRow("newer weft")
        << R"({"schema":"weft.progress/2","command":"explore","run":1,"runs":2})" << false << true
        << 0ull << 0ull << 0ll << 0.0 << false;
    QTest::newRow("no schema") << R"({"run":1,"runs":2})" << false << true << 0ull << 0ull << 0ll
                               << 0.0 << false;
    QTest::newRow("human line") << "weft: run 37/200 (seed 37) 95 runs/s" << false << false << 0ull
                                << 0ull << 0ll << 0.0 << false;
    QTest::newRow("message") << "weft: saved: x.weft" << false << false << 0ull << 0ull << 0ll
                             << 0.0 << false;
  }
  void ProgressLines() {
    QFETCH(QString, line);
    QFETCH(bool, ok);
    QFETCH(bool, mismatch);
    ExploreProgress p;
    QString error;
    QCOMPARE(ParseProgressLine(line, &p, &error), ok);
    QCOMPARE(!error.isEmpty(), mismatch);
    if (mismatch) QVERIFY2(error.contains("weft.progress/1"), qPrintable(error));
    if (!ok) return;
    QTEST(static_cast<qulonglong>(p.run), "run");
    QTEST(static_cast<qulonglong>(p.runs), "runs");
    QTEST(static_cast<qlonglong>(p.seed), "seed");
    QTEST(p.runs_per_second, "rate");
    QTEST(p.failed, "failed");
  }

  void StrategyList() {
    // The shape of `weft explore --list-strategies --json` (docs/JSON.md).
    QByteArray json = R"({"schema":"weft.strategies/1","strategies":[
      {"name":"random","default":true,"description":"uniform among the threads that can run",
       "parameters":[]},
      {"name":"pct","default":false,"description":"PCT: random priorities",
       "parameters":[{"name":"depth","type":"uint","default":"3","help":"bugs of depth 1..D"}]}
    ]})";
    QString error;
    QList<StrategyInfo> list = ParseStrategyList(json, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(list.size(), 2);
    QCOMPARE(list[0].name, QStringLiteral("random"));
    QVERIFY(list[0].is_default);
    QCOMPARE(list[0].description, QStringLiteral("uniform among the threads that can run"));
    QVERIFY(list[0].parameters.isEmpty());
    QCOMPARE(list[1].name, QStringLiteral("pct"));
    QVERIFY(!list[1].is_default);
    QCOMPARE(list[1].parameters.size(), 1);
    StrategyInfo::Parameter depth{"depth", "uint", "3", "bugs of depth 1..D"};
    QCOMPARE(list[1].parameters[0], depth);
  }

  void StrategyListOfAnotherSchemaIsRefused() {
    QString error;
    QVERIFY(
        ParseStrategyList(R"({"schema":"weft.strategies/2","strategies":[{"name":"x"}]})", &error)
            .isEmpty());
    QVERIFY2(error.contains("weft.strategies/2") && error.contains("weft.strategies/1"),
             qPrintable(error));
    QVERIFY(ParseStrategyList("usage: weft explore\n", &error).isEmpty());
    QVERIFY(!error.isEmpty());
    QVERIFY(FallbackStrategies().contains("random"));
  }

  void JsonReportIsTheLastLine() {
    QString error;
    QJsonObject j = ParseJsonReport(
        "balance = 0\n{\"schema\":\"weft.replay/1\",\"outcome\":\"exited with code 0\"}\n",
        "weft.replay/1", &error);
    QCOMPARE(j.value("outcome").toString(), QStringLiteral("exited with code 0"));
    QVERIFY(ParseJsonReport("no json here\n", "weft.replay/1", &error).isEmpty());
    QCOMPARE(error, QStringLiteral("it printed no JSON document"));
    // The program printed an object after weft's document would have been: not weft's.
    QVERIFY(ParseJsonReport("{\"schema\":\"weft.replay/1\"}\n{\"x\":1}\n", "weft.replay/1", &error)
                .isEmpty());
    // Another version of the document is refused with both schemas named.
    QVERIFY(ParseJsonReport("{\"schema\":\"weft.replay/2\"}\n", "weft.replay/1", &error).isEmpty());
    QVERIFY2(error.contains("weft.replay/2") && error.contains("weft.replay/1") &&
                 error.contains("older or newer weft"),
             qPrintable(error));
  }

  void ReplayCheckIsShownBeforeRunning() {
    QByteArray doc =
        "{\"schema\":\"weft.replay-check/1\",\"trace\":\"t.weft\",\"executable\":\"/bin/prog\","
        "\"argv\":[\"./prog\",\"a b\"],\"command_line\":\"./prog 'a b'\",\"cwd\":\"/work\","
        "\"cwd_gone\":false,\"env_differences\":[{\"name\":\"LD_PRELOAD\",\"change\":\"added\","
        "\"value\":\"/tmp/evil.so\"},{\"name\":\"HOME\",\"change\":\"removed\",\"value\":null}],"
        "\"redacted\":[\"MY_TOKEN\"],\"redacted_missing\":[\"MY_TOKEN\"],\"redacted_differs\":[],"
        "\"loader_variables\":[\"LD_PRELOAD\"],\"program_changed\":null,\"program_checked\":true,"
        "\"allowed\":false,\"refusal\":\"refusing to run the program of 't.weft': ...\"}\n";
    ReplayCheck check;
    QString error;
    QVERIFY2(ParseReplayCheck(doc, &check, &error), qPrintable(error));
    QCOMPARE(check.command_line, QStringLiteral("./prog 'a b'"));
    QCOMPARE(check.loader_variables, QStringList{"LD_PRELOAD"});
    QVERIFY(!check.allowed);
    QString text = DescribeReplayCheck(check);
    for (const char* part :
         {"./prog 'a b'", "in /work", "LD_PRELOAD=/tmp/evil.so (set by the trace)", "HOME (unset)",
          "MY_TOKEN (not set: MY_TOKEN)", "weft refuses"}) {
      QVERIFY2(text.contains(QString::fromUtf8(part)), qPrintable(text + " lacks " + part));
    }
    QVERIFY(!ParseReplayCheck("{\"schema\":\"weft.replay/1\"}\n", &check, &error));
  }

  void DisassemblesThisProcess() {
    // Map this test binary the way a trace does: path and load bias.
    Dl_info info{};
    QVERIFY(dladdr(reinterpret_cast<void*>(&WeftGuiTestTarget), &info) != 0);
    struct Found {
      uint64_t base = 0;
      bool ok = false;
    } found;
    dl_iterate_phdr(
        [](dl_phdr_info* i, size_t, void* arg) {
          auto* f = static_cast<Found*>(arg);
          if (i->dlpi_name == nullptr || i->dlpi_name[0] == '\0') {  // the main program
            f->base = i->dlpi_addr;
            f->ok = true;
            return 1;
          }
          return 0;
        },
        &found);
    QVERIFY(found.ok);
    format::Module self;
    self.path = QCoreApplication::applicationFilePath().toStdString();
    self.base = found.base;
    uint64_t address = reinterpret_cast<uint64_t>(&WeftGuiTestTarget);
    Result<ModuleLocation> loc = LocateAddress({self}, address);
    QVERIFY2(loc.ok(), loc.ok() ? "" : loc.error().message.c_str());
    Result<Disassembly> dis = DisassembleAround({self}, address, false, 4, 4);
    QVERIFY2(dis.ok(), dis.ok() ? "" : dis.error().message.c_str());
    int highlighted = 0;
    for (const Instruction& ins : dis->instructions) {
      if (!ins.highlighted) continue;
      ++highlighted;
      QCOMPARE(ins.address, address);
      QVERIFY(!ins.text.empty());
    }
    QCOMPARE(highlighted, 1);
    // An address in no module says so.
    Result<Disassembly> none = DisassembleAround({self}, 16, false);
    QVERIFY(!none.ok());
    QVERIFY(QString::fromStdString(none.error().message).contains("none of the trace's modules"));
  }

  void TruncatedTraceOpensUpToItsLastPacket() {
    QTemporaryDir dir;
    QString good = dir.filePath("bank.weft");
    QVERIFY(format::WriteTrace(good.toStdString(), BankTrace()).ok());
    QFile in(good);
    QVERIFY(in.open(QIODevice::ReadOnly));
    QByteArray bytes = in.readAll();
    in.close();
    int opened = 0;
    for (int cut : {bytes.size() - 1, bytes.size() * 3 / 4, bytes.size() / 2}) {
      QString path = dir.filePath(QStringLiteral("cut-%1.weft").arg(cut));
      QFile out(path);
      QVERIFY(out.open(QIODevice::WriteOnly));
      out.write(bytes.left(cut));
      out.close();
      Result<std::shared_ptr<const TraceData>> data = LoadTraceData(path);
      if (!data.ok()) {
        // Only a cut inside the header may be refused.
        QVERIFY2(QString::fromStdString(data.error().message).contains("header"),
                 data.error().message.c_str());
        continue;
      }
      ++opened;
      QVERIFY(!(*data)->trace.has_outcome);
      QVERIFY((*data)->trace.events.size() <= size_t{16});
      QVERIFY2((*data)->outcome.contains("interrupted"), qPrintable((*data)->outcome));
    }
    QVERIFY(opened >= 2);
  }

  void LoaderDeliversOffTheGuiThread() {
    QTemporaryDir dir;
    QString good = dir.filePath("bank.weft");
    QVERIFY(format::WriteTrace(good.toStdString(), BankTrace()).ok());
    QString bad = dir.filePath("bad.weft");
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is not a trace at all");
    f.close();
    TraceLoader loader;
    QSignalSpy loaded(&loader, &TraceLoader::Loaded);
    QSignalSpy failed(&loader, &TraceLoader::Failed);
    loader.Load(good);
    QVERIFY(loader.busy());
    QVERIFY(loaded.wait(10000));
    auto data = loaded.at(0).at(0).value<std::shared_ptr<const TraceData>>();
    QCOMPARE(data->trace.events.size(), size_t{16});
    loader.Load(bad);
    QVERIFY(failed.wait(10000));
    QVERIFY2(failed.at(0).at(1).toString().contains("not a weft trace"),
             qPrintable(failed.at(0).at(1).toString()));
    // Only the newest request is delivered.
    loaded.clear();
    loader.Load(bad);
    loader.Load(good);
    QVERIFY(loaded.wait(10000));
    QTest::qWait(100);
    QCOMPARE(failed.size(), 1);
    QCOMPARE(loaded.size(), 1);
  }
};

}  // namespace weft::gui

QTEST_GUILESS_MAIN(weft::gui::ModelsTest)
#include "models_test.moc"
