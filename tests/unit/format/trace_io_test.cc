// trace_io_test.cc — the trace file: round trips, interning rules, damaged and foreign
// files, hostile input, and the size of the event encoding.
#include "weft/trace_io.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "test_traces.h"

namespace weft::format {
namespace {

using ::testing::HasSubstr;
using testing::MakeCrashTrace;
using testing::MakeDeadlockTrace;
using testing::MakeEvent;
using testing::MakeFrame;
using testing::MakeHeader;
using testing::MakeMemoryTrace;
using testing::MakeObject;
using testing::MakeThread;

// A fresh directory per test, removed with its files afterwards.
class TempDir {
 public:
  TempDir() {
    std::string base = ::testing::TempDir();
    if (base.empty() || base.back() != '/') base += '/';
    std::string pattern = base + "weft_format_test.XXXXXX";
    char* made = mkdtemp(pattern.data());
    EXPECT_NE(made, nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    for (const std::string& file : files_) unlink(file.c_str());
    rmdir(path_.c_str());
  }
  // A path inside the directory.
  std::string File(const std::string& name) {
    files_.push_back(path_ + "/" + name);
    return files_.back();
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// Minimal protobuf wire encoding, to build packets the writer would never produce.
std::string Varint(uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
  return out;
}
std::string VarintField(int field, uint64_t value) { return Varint(field << 3) + Varint(value); }
std::string BytesField(int field, const std::string& bytes) {
  return Varint((field << 3) | 2) + Varint(bytes.size()) + bytes;
}
// A framed Packet whose oneof member `field` holds `message`.
std::string FramedPacket(int field, const std::string& message) {
  std::string packet = BytesField(field, message);
  return Varint(packet.size()) + packet;
}

// Packet field numbers (weft_trace.proto).
constexpr int kPacketHeader = 1;
constexpr int kPacketObject = 4;
constexpr int kPacketFrame = 5;
constexpr int kPacketStack = 6;
constexpr int kPacketEventBatch = 7;
constexpr int kPacketOutcome = 9;
constexpr int kPacketString = 10;
constexpr int kPacketSymbols = 12;

// The bytes of `trace` as WriteTrace writes them.
std::string Serialize(const Trace& trace) {
  TempDir dir;
  std::string path = dir.File("t.weft");
  Status status = WriteTrace(path, trace);
  EXPECT_TRUE(status.ok()) << status.error().message;
  return ReadFile(path);
}

// A trace with just a header (what TraceWriter::Create leaves behind).
std::string HeaderOnly() {
  Trace trace;
  trace.header = MakeHeader({"./p"}, "/p");
  return Serialize(trace);
}

Trace MakeRichTrace() {
  Trace t = MakeDeadlockTrace();
  // Text that is not UTF-8, empty strings and bytes that need care.
  t.header.argv.push_back(std::string("\xff\xfe bin\0ary", 10));
  t.header.argv.push_back("");
  t.header.env.push_back({"WEIRD", "a=b=c\n"});
  t.header.replayed_from = "/tmp/first.weft";
  t.header.stdout_sink = StreamSink::kTerminal;
  t.header.stderr_sink = StreamSink::kFile;
  t.header.stderr_is_stdout = true;
  t.header.schedule.kind = ScheduleSpec::Kind::kGuided;
  t.header.schedule.seed = std::numeric_limits<uint64_t>::max();
  t.header.schedule.pct_depth = 3;
  t.header.schedule.pct_steps = 1234567;
  t.header.schedule.tail = "random";
  t.header.schedule.forced_tid = 2;
  t.header.schedule.prefix = 77;
  // A forked process that exec'd twice (sh, then the program sh ran).
  Process child{4322, 4321, t.processes[0].executable, t.processes[0].argv};
  child.execs = {{"/usr/bin/dash", {"sh", "-c", "exec ./worker"}},
                 {"/work/worker", {"./worker", std::string("a\0b", 3)}}};
  t.processes.push_back(child);
  t.header.schedule.parameters = {{"bias", 3}, {"", 0}, {"max", UINT64_MAX}};
  t.header.atomic_sites = true;
  t.header.atomic_site_modules = {{"/p", 185}, {"/opt/lib/libq\xff.so", 0}};
  t.threads[1].name = "worker\xe2\x80\xa8one";
  // A frame where two calls were inlined, one caller without a file.
  t.frames[1].inlined_callers = {{"transfer", "/src/bank.c", 27}, {"a_to_b", "", 0}};
  // Enough events for several batches, with every field moving in both directions.
  std::mt19937_64 rng(7);
  uint64_t vtime = 2000000;
  for (int i = 0; i < 10000; ++i) {
    Event e;
    e.tid = static_cast<uint32_t>(rng() % 3);
    e.kind = static_cast<EventKind>(1 + rng() % 29);
    e.flags = static_cast<uint32_t>(rng() % 32);
    e.obj = static_cast<uint32_t>(rng() % 7);
    e.stack = static_cast<uint32_t>(rng() % 6);
    e.enabled = static_cast<uint32_t>(rng() % 4);
    vtime = rng() % 8 == 0 ? vtime - rng() % 100 : vtime + rng() % 5000;
    e.vtime = vtime;
    e.arg = static_cast<int64_t>(rng()) >> (rng() % 64);
    t.events.push_back(e);
  }
  t.events.push_back(MakeEvent(1, EventKind::kFork, 6, std::numeric_limits<uint64_t>::max(),
                               std::numeric_limits<int64_t>::min(), 5,
                               std::numeric_limits<uint32_t>::max(), 0xffffffff));
  t.events.push_back(MakeEvent(2, EventKind::kYield, 1, 0, std::numeric_limits<int64_t>::max()));
  for (uint64_t i = 20; i < t.events.size(); i += 997) t.wakes.push_back({i, 1});
  // Enabled sets of one to three words; thread 130 only in some.
  for (size_t i = 0; i < t.events.size(); ++i) {
    EnabledSet set;
    set.current = static_cast<uint32_t>(i % 3);
    set.words.assign(1 + i % 3, 0);
    set.words[0] = rng();
    if (set.words.size() == 3) set.words[2] = rng() & 0xff;
    t.enabled_sets.push_back(set);
  }
  t.program_stdout = {true, "balance = -70\n\xff\0end", true, 1u << 20};
  t.program_stdout.data.resize(15);
  t.program_stderr = {true, "warning\n", false, 8};
  t.wakes.push_back({t.events.size() - 1, 2});
  t.outcome.crash = MakeCrashTrace().outcome.crash;
  t.outcome.crash->frames = {8, 5, 4};
  t.outcome.diverged = true;
  t.outcome.divergence_index = 17;
  t.outcome.divergence = "event 17: expected T1, got T2";
  t.outcome.message = "note";
  t.outcome.exit_code = -3;
  t.outcome.signal = 6;
  t.outcome.events = t.events.size();
  return t;
}

void ExpectSameTrace(const Trace& expected, const Trace& actual) {
  EXPECT_EQ(expected.header, actual.header);
  EXPECT_EQ(expected.modules, actual.modules);
  EXPECT_EQ(expected.threads, actual.threads);
  EXPECT_EQ(expected.objects, actual.objects);
  EXPECT_EQ(expected.frames, actual.frames);
  EXPECT_EQ(expected.stacks, actual.stacks);
  ASSERT_EQ(expected.events.size(), actual.events.size());
  for (size_t i = 0; i < expected.events.size(); ++i) {
    ASSERT_EQ(expected.events[i], actual.events[i]) << "event " << i;
  }
  EXPECT_EQ(expected.wakes, actual.wakes);
  EXPECT_EQ(expected.prior_accesses, actual.prior_accesses);
  EXPECT_EQ(expected.processes, actual.processes);
  ASSERT_EQ(expected.enabled_sets.size(), actual.enabled_sets.size());
  for (size_t i = 0; i < expected.enabled_sets.size(); ++i) {
    // A batch pads its sets to its widest one with zero words.
    const EnabledSet& e = expected.enabled_sets[i];
    const EnabledSet& a = actual.enabled_sets[i];
    ASSERT_EQ(e.current, a.current) << "enabled set " << i;
    for (uint32_t t = 0; t < 64 * std::max(e.words.size(), a.words.size()); ++t) {
      ASSERT_EQ(e.Has(t), a.Has(t)) << "enabled set " << i << ", thread " << t;
    }
  }
  EXPECT_EQ(expected.program_stdout, actual.program_stdout);
  EXPECT_EQ(expected.program_stderr, actual.program_stderr);
  EXPECT_EQ(expected.outcome, actual.outcome);
  EXPECT_EQ(expected.has_outcome, actual.has_outcome);
  Trace padded = actual;
  padded.enabled_sets = expected.enabled_sets;
  EXPECT_EQ(expected, padded);
}

TEST(TraceIo, StreamedTraceKeepsEveryField) {
  Trace expected = MakeRichTrace();
  TempDir dir;
  std::string path = dir.File("rich.weft");
  auto writer = TraceWriter::Create(path, expected.header);
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  TraceWriter& w = **writer;
  for (const Process& p : expected.processes) ASSERT_TRUE(w.WriteProcess(p).ok());
  for (const Module& m : expected.modules) ASSERT_TRUE(w.WriteModule(m).ok());
  // A process's execs come once the run is over, as the supervisor learns them.
  for (const Process& p : expected.processes) {
    for (const ProcessExec& e : p.execs) ASSERT_TRUE(w.WriteProcessExec(p.pid, e).ok());
  }
  // Threads and objects first appear without their names, as a recording learns them.
  for (Thread t : expected.threads) {
    t.name.clear();
    ASSERT_TRUE(w.WriteThread(t).ok());
  }
  for (size_t id = 1; id < expected.objects.size(); ++id) {
    Object o = expected.objects[id];
    o.symbol.clear();
    ASSERT_TRUE(w.WriteObject(o).ok());
  }
  // Frames as locations, as the supervisor writes them when it sees a stack.
  for (size_t id = 1; id < expected.frames.size(); ++id) {
    const Frame& f = expected.frames[id];
    ASSERT_TRUE(w.WriteFrame(static_cast<uint32_t>(id), f.module_id, f.offset).ok());
  }
  for (size_t id = 1; id < expected.stacks.size(); ++id) {
    ASSERT_TRUE(w.WriteStack(static_cast<uint32_t>(id), expected.stacks[id]).ok());
  }
  size_t next_wake = 0;
  for (size_t i = 0; i < expected.events.size(); ++i) {
    ASSERT_TRUE(w.WriteEvent(expected.events[i]).ok());
    ASSERT_TRUE(w.WriteEnabledSet(expected.enabled_sets[i]).ok());
    while (next_wake < expected.wakes.size() && expected.wakes[next_wake].event_index == i) {
      ASSERT_TRUE(w.WriteWake(expected.wakes[next_wake++]).ok());
    }
    if (i == 5000) {
      ASSERT_TRUE(w.Flush().ok());  // a short batch in the middle
    }
  }
  for (const Thread& t : expected.threads) ASSERT_TRUE(w.WriteThread(t).ok());
  for (size_t id = 1; id < expected.objects.size(); ++id) {
    ASSERT_TRUE(w.WriteObject(expected.objects[id]).ok());
  }
  // Symbols once the run is over.
  for (size_t id = 1; id < expected.frames.size(); ++id) {
    const Frame& f = expected.frames[id];
    ASSERT_TRUE(w.WriteFrameSymbols(static_cast<uint32_t>(id), f.function, f.file, f.line,
                                    f.inlined_callers)
                    .ok());
  }
  // Output in two pieces: they concatenate.
  ProgramOutput first = expected.program_stdout;
  first.data.resize(3);
  ProgramOutput rest = expected.program_stdout;
  rest.data.erase(0, 3);
  ASSERT_TRUE(w.WriteOutput(OutputStream::kStdout, first).ok());
  ASSERT_TRUE(w.WriteOutput(OutputStream::kStdout, rest).ok());
  ASSERT_TRUE(w.WriteOutput(OutputStream::kStderr, expected.program_stderr).ok());
  ASSERT_TRUE(w.WriteOutcome(expected.outcome).ok());
  ASSERT_TRUE(w.Close().ok());
  EXPECT_EQ(w.events_written(), expected.events.size());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(w.bytes_written(), static_cast<uint64_t>(st.st_size));

  Result<Trace> actual = ReadTrace(path);
  ASSERT_TRUE(actual.ok()) << actual.error().message;
  ExpectSameTrace(expected, *actual);
}

TEST(TraceIo, WriteTraceThenReadTraceIsIdentity) {
  for (const Trace& expected :
       {MakeRichTrace(), MakeDeadlockTrace(), MakeCrashTrace(), MakeMemoryTrace()}) {
    Result<Trace> actual = ParseTrace(Serialize(expected), "mem");
    ASSERT_TRUE(actual.ok()) << actual.error().message;
    ExpectSameTrace(expected, *actual);
  }
}

TEST(TraceIo, MemoryAccessesKeepTheirArgAndPriorAccesses) {
  Result<Trace> actual = ParseTrace(Serialize(MakeMemoryTrace()), "mem");
  ASSERT_TRUE(actual.ok()) << actual.error().message;
  ASSERT_EQ(actual->prior_accesses.size(), 2u);
  const PriorAccess& last_write = actual->prior_accesses[0];
  EXPECT_EQ(last_write.event_index, 5u);
  EXPECT_EQ(last_write.tid, 1u);
  EXPECT_TRUE(last_write.write);
  EXPECT_EQ(last_write.before_event, 4u);
  EXPECT_EQ(DecodeMemoryArg(last_write.arg), (MemoryArg{4, 0, 0}));
  const Event& atomic = actual->events[7];
  EXPECT_EQ(atomic.flags, kFlagAtomic | kFlagRead);
  EXPECT_EQ(DecodeMemoryArg(atomic.arg), (MemoryArg{8, 0, 5}));
  EXPECT_EQ(actual->objects[3].kind, ObjectKind::kMemory);
}

TEST(TraceIo, MemoryArgPacksSizeOffsetAndOrder) {
  for (MemoryArg a : {MemoryArg{1, 7, 0}, MemoryArg{16, 0, 5}, MemoryArg{0xffffffffu, 3, 2}}) {
    EXPECT_EQ(DecodeMemoryArg(EncodeMemoryArg(a)), a);
  }
  EXPECT_EQ(EncodeMemoryArg({4, 2, 0}), WEFT_MEM_ARG(4, 2, 0));
  EXPECT_EQ(DecodeMemoryArg(WEFT_MEM_ARG(2, 6, 3)), (MemoryArg{2, 6, 3}));
}

TEST(TraceIo, APriorAccessOfAnEventThatIsNoMemoryAccessIsRejected) {
  Trace t = MakeMemoryTrace();
  t.prior_accesses[1].event_index = 8;  // the thread_join
  Result<Trace> r = ParseTrace(Serialize(t), "damaged");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("refers to event 8, a thread_join, not a memory access"),
            std::string::npos)
      << r.error().message;
}

TEST(TraceIo, WriterRefusesPriorAccessesOutOfOrderOrAfterTheirEvent) {
  TempDir dir;
  for (int damage = 0; damage < 3; ++damage) {
    Trace t = MakeMemoryTrace();
    if (damage == 0) t.prior_accesses[0].before_event = 6;  // later than its event 5
    if (damage == 1) t.prior_accesses = {{7, 2, true, 0, 4, 2, 7}, {5, 1, true, 0, 4, 2, 4}};
    if (damage == 2) t.prior_accesses[0].event_index = 9;  // past the last event
    Status s = WriteTrace(dir.File("t" + std::to_string(damage) + ".weft"), t);
    EXPECT_FALSE(s.ok()) << "damage " << damage;
  }
}

TEST(TraceIo, EveryScheduleSpecSurvivesARoundTrip) {
  // forced_tid 0 and -1 differ only in whether protobuf writes the field at all.
  for (int32_t forced : {-1, 0, 5}) {
    for (auto kind :
         {ScheduleSpec::Kind::kUnspecified, ScheduleSpec::Kind::kRandom, ScheduleSpec::Kind::kPct,
          ScheduleSpec::Kind::kReplay, ScheduleSpec::Kind::kGuided, ScheduleSpec::Kind::kPlan}) {
      Trace expected;
      expected.header = MakeHeader({"./p"}, "/p");
      expected.header.schedule.kind = kind;
      expected.header.schedule.seed = 9;
      expected.header.schedule.forced_tid = forced;
      Result<Trace> actual = ParseTrace(Serialize(expected), "mem");
      ASSERT_TRUE(actual.ok()) << actual.error().message;
      EXPECT_EQ(actual->header.schedule, expected.header.schedule)
          << ScheduleKindName(kind) << ", forced " << forced;
    }
  }
}

TEST(TraceIo, AHeaderWithoutAScheduleReadsAsUnspecified) {
  // What a writer from before the Schedule message produced: argv only.
  std::string bytes = std::string(kMagic, 8) + std::string("\x01\0\0\0", 4) +
                      FramedPacket(kPacketHeader, BytesField(3, "./old"));
  Result<Trace> trace = ParseTrace(bytes, "old");
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  EXPECT_EQ(trace->header.argv, std::vector<std::string>{"./old"});
  EXPECT_EQ(trace->header.schedule.kind, ScheduleSpec::Kind::kUnspecified);
  EXPECT_EQ(trace->header.schedule.forced_tid, -1);
  EXPECT_EQ(trace->header.schedule, ScheduleSpec{});
}

TEST(TraceIo, EmptyTraceHasTheDocumentedTables) {
  Result<Trace> trace = ParseTrace(HeaderOnly(), "mem");
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  EXPECT_FALSE(trace->has_outcome);
  EXPECT_EQ(trace->header.argv, std::vector<std::string>{"./p"});
  EXPECT_EQ(trace->header.format_major, kFormatMajor);
  EXPECT_EQ(trace->objects.size(), 1u);
  EXPECT_EQ(trace->stacks.size(), 1u);
  EXPECT_EQ(trace->frames.size(), 1u);
  EXPECT_TRUE(trace->threads.empty());
  EXPECT_TRUE(trace->events.empty());
}

TEST(TraceIo, FileStartsWithMagicAndLittleEndianMajor) {
  std::string bytes = HeaderOnly();
  ASSERT_GE(bytes.size(), 12u);
  EXPECT_EQ(bytes.substr(0, 8), "WEFTTRC\n");
  EXPECT_EQ(bytes.substr(8, 4), std::string("\x02\x00\x00\x00", 4));
}

// A controlled run's directory entries (Input::Kind::kDirent) and the kinds its header says
// it recorded come back from the file; a header of an older writer with inputs says clocks,
// random bytes and reads.
TEST(TraceIo, DirectoryEntriesAndTheRecordedInputKindsAreKept) {
  TempDir dir;
  std::string path = dir.File("dirents.weft");
  Header header = MakeHeader({"./p"}, "/p");
  header.inputs_recorded = true;
  header.input_kinds = InputKindBit(Input::Kind::kDirent);
  Input entry;
  entry.tid = 0;
  entry.kind = Input::Kind::kDirent;
  entry.source = 3;
  entry.data = std::string("\x07\0\0\0\0\0\0\0\1\0\0\0\0\0\0\0\x18\0\x08x.py\0", 24);
  entry.result = static_cast<int64_t>(entry.data.size());
  entry.event_index = 1;
  Input end = entry;
  end.data.clear();
  end.result = 0;
  {
    auto writer = TraceWriter::Create(path, header);
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    TraceWriter& w = **writer;
    ASSERT_TRUE(w.WriteEvent(MakeEvent(0, EventKind::kMutexLock, 0, 0, 0)).ok());
    ASSERT_TRUE(w.WriteInput(entry).ok());
    ASSERT_TRUE(w.WriteInput(end).ok());
  }
  Result<Trace> trace = ReadTrace(path);
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  EXPECT_EQ(trace->header.input_kinds, InputKindBit(Input::Kind::kDirent));
  EXPECT_EQ(RecordedInputKinds(trace->header), InputKindBit(Input::Kind::kDirent));
  EXPECT_EQ(trace->inputs, (std::vector<Input>{entry, end}));
  EXPECT_STREQ(InputKindName(Input::Kind::kDirent), "dirent");

  Header older = MakeHeader({"./p"}, "/p");
  EXPECT_EQ(RecordedInputKinds(older), 0u) << "a trace without inputs recorded none";
  older.inputs_recorded = true;
  EXPECT_EQ(RecordedInputKinds(older), InputKindBit(Input::Kind::kClock) |
                                           InputKindBit(Input::Kind::kRandom) |
                                           InputKindBit(Input::Kind::kRead));
}

TEST(TraceIo, FramesAreImmutableOffsetsWithSymbolsApart) {
  TempDir dir;
  std::string path = dir.File("frames.weft");
  {
    auto writer = TraceWriter::Create(path, MakeHeader({"./p"}, "/p"));
    ASSERT_TRUE(writer.ok());
    TraceWriter& w = **writer;
    ASSERT_TRUE(w.WriteModule(Module{1, 7, "/p", "ab12", 0x400000, 0x3000}).ok());
    ASSERT_TRUE(w.WriteFrame(1, 1, 0x1000).ok());
    ASSERT_TRUE(w.WriteFrame(2, 0, 0x7fff0000).ok());  // in no module
    Status again = w.WriteFrame(1, 1, 0x2000);
    ASSERT_FALSE(again.ok());
    EXPECT_THAT(again.error().message, HasSubstr("frame 1 is written twice"));
    ASSERT_TRUE(w.WriteStack(1, {1, 2}).ok());
    ASSERT_TRUE(w.WriteEvent(MakeEvent(0, EventKind::kMutexLock, 0, 0, 0, 1)).ok());
    ASSERT_TRUE(w.WriteFrameSymbols(1, "main", "/src/p.c", 7).ok());
    EXPECT_FALSE(w.WriteFrameSymbols(1, "main", "/src/p.c", 8).ok());
  }
  Result<Trace> trace = ReadTrace(path);
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  ASSERT_EQ(trace->frames.size(), 3u);
  Frame main = MakeFrame(0x401000, "main", "/src/p.c", 7, "/p");
  main.module_id = 1;
  main.offset = 0x1000;
  EXPECT_EQ(trace->frames[1], main);
  Frame nowhere = MakeFrame(0x7fff0000, "", "", 0, "");
  nowhere.offset = 0x7fff0000;
  EXPECT_EQ(trace->frames[2], nowhere);
  EXPECT_EQ(trace->stacks[1], (std::vector<uint32_t>{1, 2}));
  EXPECT_EQ(trace->modules, (std::vector<Module>{{1, 7, "/p", "ab12", 0x400000, 0x3000}}));

  // By hand: a frame defined again elsewhere, a frame in an undefined module, symbols
  // of an undefined frame.
  std::string frame = FramedPacket(kPacketFrame, VarintField(1, 1) + VarintField(8, 0x10));
  std::string moved = FramedPacket(kPacketFrame, VarintField(1, 1) + VarintField(8, 0x20));
  Result<Trace> redefined = ParseTrace(HeaderOnly() + frame + frame + moved, "r");
  ASSERT_FALSE(redefined.ok());
  EXPECT_THAT(redefined.error().message, HasSubstr("frame 1 is redefined with another location"));
  std::string orphan = FramedPacket(kPacketFrame, VarintField(1, 1) + VarintField(7, 3));
  Result<Trace> no_module = ParseTrace(HeaderOnly() + orphan, "m");
  ASSERT_FALSE(no_module.ok());
  EXPECT_THAT(no_module.error().message, HasSubstr("refers to module 3, which is not defined"));
  std::string symbols = FramedPacket(kPacketSymbols, VarintField(1, 4) + VarintField(4, 9));
  Result<Trace> no_frame = ParseTrace(HeaderOnly() + symbols, "s");
  ASSERT_FALSE(no_frame.ok());
  EXPECT_THAT(no_frame.error().message, HasSubstr("symbols for frame 4, which is not defined"));
}

TEST(TraceIo, AFormat1TraceIsConvertedToTheCurrentModel) {
  // Format 1, as the previous release wrote it: a module without id, a frame with an
  // absolute ip and its module's path, sent first bare and then symbolized.
  std::string bytes = std::string(kMagic, 8) + std::string("\x01\0\0\0", 4);
  bytes += FramedPacket(kPacketHeader, BytesField(3, "./old") + BytesField(4, "/bin/old"));
  bytes += FramedPacket(kPacketFrame, VarintField(1, 1) + VarintField(2, 0x401234));
  bytes += FramedPacket(
      2, BytesField(1, "/lib/libc.so.6") + VarintField(3, 0x7000000) + VarintField(4, 0x1000));
  bytes += FramedPacket(
      2, BytesField(1, "/bin/old") + VarintField(3, 0x400000) + VarintField(4, 0x3000));
  bytes += FramedPacket(kPacketString, VarintField(1, 1) + BytesField(2, "main"));
  bytes += FramedPacket(kPacketString, VarintField(1, 2) + BytesField(2, "/bin/old"));
  bytes +=
      FramedPacket(kPacketFrame, VarintField(1, 1) + VarintField(2, 0x401234) + VarintField(3, 1) +
                                     VarintField(5, 12) + VarintField(6, 2));
  bytes += FramedPacket(kPacketFrame, VarintField(1, 2) + VarintField(2, 0x999));
  Result<Trace> trace = ParseTrace(bytes, "old");
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  EXPECT_EQ(trace->header.format_major, 1u);
  ASSERT_EQ(trace->modules.size(), 2u);
  EXPECT_EQ(trace->modules[0].id, 1u);
  EXPECT_EQ(trace->modules[1].id, 2u);
  EXPECT_EQ(trace->modules[1].pid, 0u);
  ASSERT_EQ(trace->frames.size(), 3u);
  EXPECT_EQ(trace->frames[1].module_id, 2u);
  EXPECT_EQ(trace->frames[1].offset, 0x1234u);
  EXPECT_EQ(trace->frames[1].ip, 0x401234u);
  EXPECT_EQ(trace->frames[1].module, "/bin/old");
  EXPECT_EQ(trace->frames[1].function, "main");
  EXPECT_EQ(trace->frames[2].module_id, 0u);
  EXPECT_EQ(trace->frames[2].offset, 0x999u);
  ASSERT_EQ(trace->processes.size(), 1u);
  EXPECT_EQ(trace->processes[0], (Process{0, -1, "/bin/old", {"./old"}}));
  EXPECT_TRUE(trace->enabled_sets.empty());
}

TEST(TraceIo, AThreadOrObjectSentAgainIsUpdated) {
  TempDir dir;
  std::string path = dir.File("update.weft");
  {
    auto writer = TraceWriter::Create(path, MakeHeader({"./p"}, "/p"));
    ASSERT_TRUE(writer.ok());
    TraceWriter& w = **writer;
    ASSERT_TRUE(w.WriteThread(MakeThread(1, 0, 0x401000, "", 1)).ok());
    ASSERT_TRUE(w.WriteObject(MakeObject(1, ObjectKind::kMutex, 0x404040)).ok());
    ASSERT_TRUE(w.WriteThread(MakeThread(1, 0, 0x401000, "worker", 1, "w1")).ok());
    ASSERT_TRUE(w.WriteObject(MakeObject(1, ObjectKind::kMutex, 0x404040, "g_lock")).ok());
    ASSERT_TRUE(w.Close().ok());
  }
  Result<Trace> trace = ReadTrace(path);
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  ASSERT_EQ(trace->threads.size(), 2u);
  EXPECT_EQ(trace->threads[0].tid, 0u);  // referred to as a parent, never defined
  EXPECT_EQ(trace->threads[1], MakeThread(1, 0, 0x401000, "worker", 1, "w1"));
  EXPECT_EQ(trace->objects[1].symbol, "g_lock");
}

TEST(TraceIo, AStackRedefinedWithOtherFramesIsRejected) {
  TempDir dir;
  std::string path = dir.File("stacks.weft");
  {
    auto writer = TraceWriter::Create(path, MakeHeader({"./p"}, "/p"));
    ASSERT_TRUE(writer.ok());
    TraceWriter& w = **writer;
    ASSERT_TRUE(w.WriteStack(3, {1, 2}).ok());
    ASSERT_TRUE(w.WriteStack(3, {1, 2}).ok());  // the same definition again is harmless
    ASSERT_TRUE(w.WriteStack(3, {2, 1}).ok());
    ASSERT_TRUE(w.Close().ok());
  }
  Result<Trace> trace = ReadTrace(path);
  ASSERT_FALSE(trace.ok());
  EXPECT_THAT(trace.error().message,
              HasSubstr("cannot read trace '" + path + "': corrupt packet at byte"));
  EXPECT_THAT(trace.error().message, HasSubstr("stack 3 is redefined"));
}

TEST(TraceIo, AnInternedStringRedefinedIsRejected) {
  std::string bytes = HeaderOnly();
  bytes += FramedPacket(kPacketString, VarintField(1, 1) + BytesField(2, "main"));
  bytes += FramedPacket(kPacketString, VarintField(1, 1) + BytesField(2, "other"));
  Result<Trace> trace = ParseTrace(bytes, "x.weft");
  ASSERT_FALSE(trace.ok());
  EXPECT_THAT(trace.error().message, HasSubstr("string 1 is redefined"));
}

TEST(TraceIo, IdZeroIsRejected) {
  struct Case {
    int packet;
    std::string message;
    std::string what;
  };
  for (const Case& c : {Case{kPacketObject, VarintField(2, 2), "object id 0 is reserved"},
                        Case{kPacketFrame, VarintField(2, 0x1000), "frame id 0 is reserved"},
                        Case{kPacketStack, BytesField(2, Varint(1)), "stack id 0 is reserved"},
                        Case{kPacketString, BytesField(2, "s"), "string id 0 is reserved"}}) {
    Result<Trace> trace = ParseTrace(HeaderOnly() + FramedPacket(c.packet, c.message), "x");
    ASSERT_FALSE(trace.ok()) << c.what;
    EXPECT_THAT(trace.error().message, HasSubstr(c.what));
  }
}

TEST(TraceIo, AFrameMayNotUseAnUndefinedString) {
  std::string frame = FramedPacket(kPacketFrame, VarintField(1, 1));
  std::string symbols = FramedPacket(kPacketSymbols, VarintField(1, 1) + VarintField(2, 5));
  Result<Trace> trace = ParseTrace(HeaderOnly() + frame + symbols, "x");
  ASSERT_FALSE(trace.ok());
  EXPECT_THAT(trace.error().message, HasSubstr("frame 1 refers to string 5"));
  // Nor may one of its inlined callers.
  std::string caller = BytesField(5, VarintField(1, 6) + VarintField(3, 30));
  std::string with_caller = FramedPacket(kPacketSymbols, VarintField(1, 1) + caller);
  Result<Trace> bad_caller = ParseTrace(HeaderOnly() + frame + with_caller, "x");
  ASSERT_FALSE(bad_caller.ok());
  EXPECT_THAT(bad_caller.error().message, HasSubstr("frame 1 refers to string 6"));
  // With no strings at all (function and file unknown) the caller reads, line and all.
  std::string unnamed = BytesField(5, VarintField(3, 30));
  Result<Trace> ok = ParseTrace(
      HeaderOnly() + frame + FramedPacket(kPacketSymbols, VarintField(1, 1) + unnamed), "x");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->frames[1].inlined_callers, (std::vector<InlinedCaller>{{"", "", 30}}));
}

TEST(TraceIo, InlinedCallersRedefinedDifferentlyAreRejected) {
  TempDir dir;
  std::string path = dir.File("inl.weft");
  auto writer = TraceWriter::Create(path, MakeHeader({"./p"}, "/p"));
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->WriteFrame(1, 0, 0x401000).ok());
  ASSERT_TRUE(
      (*writer)->WriteFrameSymbols(1, "transfer", "/s/b.c", 27, {{"a_to_b", "/s/b.c", 37}}).ok());
  ASSERT_TRUE((*writer)->Close().ok());
  std::string bytes = ReadFile(path);
  Result<Trace> once = ParseTrace(bytes, "x");
  ASSERT_TRUE(once.ok()) << once.error().message;
  EXPECT_EQ(once->frames[1].function, "transfer");
  EXPECT_EQ(once->frames[1].inlined_callers,
            (std::vector<InlinedCaller>{{"a_to_b", "/s/b.c", 37}}));
  // The same symbols packet again, but with the caller's line changed (strings are
  // interned: the caller's function is string 3 and its file string 2).
  std::string other =
      FramedPacket(kPacketSymbols,
                   VarintField(1, 1) + VarintField(2, 1) + VarintField(3, 2) + VarintField(4, 27) +
                       BytesField(5, VarintField(1, 3) + VarintField(2, 2) + VarintField(3, 38)));
  Result<Trace> twice = ParseTrace(bytes + other, "x");
  ASSERT_FALSE(twice.ok());
  EXPECT_THAT(twice.error().message, HasSubstr("symbols of frame 1 are redefined"));
}

TEST(TraceIo, WriterRefusesIdZeroAndWakesBeforeTheirEvent) {
  TempDir dir;
  auto writer = TraceWriter::Create(dir.File("w.weft"), MakeHeader({"./p"}, "/p"));
  ASSERT_TRUE(writer.ok());
  TraceWriter& w = **writer;
  EXPECT_THAT(w.WriteFrame(0, 0, 0).error().message, HasSubstr("frame id 0 is reserved"));
  EXPECT_THAT(w.WriteStack(0, {}).error().message, HasSubstr("stack id 0 is reserved"));
  EXPECT_THAT(w.WriteObject(Object{}).error().message, HasSubstr("object id 0 is reserved"));
  EXPECT_THAT(w.WriteEvent(Event{}).error().message, HasSubstr("has no kind"));
  EXPECT_THAT(w.WriteWake({0, 1}).error().message, HasSubstr("write the waking event first"));
  ASSERT_TRUE(w.WriteEvent(MakeEvent(0, EventKind::kFutexWake, 0, 0, 1)).ok());
  EXPECT_TRUE(w.WriteWake({0, 1}).ok());
  ASSERT_TRUE(w.WriteOutcome(Outcome{}).ok());
  EXPECT_THAT(w.WriteEvent(MakeEvent(0, EventKind::kYield, 0, 0)).error().message,
              HasSubstr("nothing may be written after the outcome"));
  EXPECT_TRUE(w.Close().ok());
  EXPECT_THAT(w.Close().error().message, HasSubstr("already closed"));
}

TEST(TraceIo, WriterSaysWhyItCannotCreateTheFile) {
  auto writer = TraceWriter::Create("/nonexistent-dir/t.weft", MakeHeader({"./p"}, "/p"));
  ASSERT_FALSE(writer.ok());
  EXPECT_THAT(writer.error().message,
              HasSubstr("cannot create trace '/nonexistent-dir/t.weft': No such file"));
}

TEST(TraceIo, FlushMakesEventsVisibleToAConcurrentReader) {
  TempDir dir;
  std::string path = dir.File("live.weft");
  auto writer = TraceWriter::Create(path, MakeHeader({"./p"}, "/p"));
  ASSERT_TRUE(writer.ok());
  TraceWriter& w = **writer;
  Result<Trace> before = ReadTrace(path);
  ASSERT_TRUE(before.ok()) << before.error().message;  // valid from the start
  EXPECT_TRUE(before->events.empty());
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(w.WriteEvent(MakeEvent(0, EventKind::kYield, 0, i)).ok());
  }
  ASSERT_TRUE(w.Flush().ok());
  EXPECT_EQ(w.bytes_written(), ReadFile(path).size());
  Result<Trace> during = ReadTrace(path);
  ASSERT_TRUE(during.ok()) << during.error().message;
  EXPECT_EQ(during->events.size(), 10u);
  EXPECT_FALSE(during->has_outcome);
}

// A search's run writes its trace to memory: a run that passes leaves no file; one that is
// kept has, once published, every packet written before and after in its file.
TEST(TraceIo, AnInMemoryTraceIsAFileOnlyOncePublished) {
  TempDir dir;
  std::string path = dir.File("run.weft");
  for (bool publish : {false, true}) {
    {
      auto writer = TraceWriter::CreateInMemory(path, MakeHeader({"./p"}, "/p"));
      ASSERT_TRUE(writer.ok()) << writer.error().message;
      TraceWriter& w = **writer;
      EXPECT_FALSE(w.named());
      for (int i = 0; i < 3000; ++i) {  // several batches reach the memory file
        ASSERT_TRUE(w.WriteEvent(MakeEvent(0, EventKind::kYield, 0, i)).ok());
      }
      ASSERT_TRUE(w.Flush().ok());
      struct stat st;
      EXPECT_NE(stat(path.c_str(), &st), 0) << "a file at " << path << " before Publish";
      if (!publish) continue;
      ASSERT_TRUE(w.Publish().ok());
      EXPECT_TRUE(w.named());
      for (int i = 3000; i < 3010; ++i) {
        ASSERT_TRUE(w.WriteEvent(MakeEvent(0, EventKind::kYield, 0, i)).ok());
      }
      Outcome outcome;
      outcome.kind = Outcome::Kind::kExited;
      outcome.exit_code = 3;
      ASSERT_TRUE(w.WriteOutcome(outcome).ok());
      ASSERT_TRUE(w.Close().ok());
      EXPECT_EQ(w.bytes_written(), ReadFile(path).size());
    }
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st) == 0, publish) << "publish " << publish;
    if (!publish) continue;
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    Result<Trace> read = ReadTrace(path);
    ASSERT_TRUE(read.ok()) << read.error().message;
    ASSERT_EQ(read->events.size(), 3010u);
    EXPECT_EQ(read->events.back().vtime, 3009u);
    ASSERT_TRUE(read->has_outcome);
    EXPECT_EQ(read->outcome.exit_code, 3);
  }
}

// Every prefix of a trace is either a clean (partial) trace or a clear "truncated" error.
TEST(TraceIo, EveryTruncationIsReadCleanlyOrReportedAsTruncated) {
  Trace full = MakeDeadlockTrace();
  std::string bytes = Serialize(full);
  size_t clean = 0, truncated = 0;
  for (size_t cut = 0; cut <= bytes.size(); ++cut) {
    std::string prefix = bytes.substr(0, cut);
    Result<Trace> trace = ParseTrace(prefix, "cut.weft");
    if (trace.ok()) {
      ++clean;
      EXPECT_EQ(trace->has_outcome, cut == bytes.size()) << cut;
      ASSERT_LE(trace->events.size(), full.events.size());
      for (size_t i = 0; i < trace->events.size(); ++i) EXPECT_EQ(trace->events[i], full.events[i]);
      EXPECT_EQ(trace->header, full.header);
    } else {
      ++truncated;
      const std::string& message = trace.error().message;
      EXPECT_EQ(message.rfind("cannot read trace 'cut.weft': ", 0), 0u) << message;
      if (cut == 0) {
        EXPECT_THAT(message, HasSubstr("the file is empty")) << cut;
      } else {
        EXPECT_THAT(message, HasSubstr("truncated")) << cut << ": " << message;
      }
      // Accepting truncation gives the packets before the cut, once the header is whole.
      Result<Trace> salvaged = ParseTrace(prefix, "cut.weft", ReadOptions{true});
      if (salvaged.ok()) {
        EXPECT_FALSE(salvaged->has_outcome);
        EXPECT_GT(salvaged->truncated_at_byte, 0u);
        EXPECT_LT(salvaged->truncated_at_byte, cut);
      } else {
        EXPECT_THAT(salvaged.error().message,
                    HasSubstr(cut == 0 ? "the file is empty" : "truncated"));
      }
    }
  }
  EXPECT_GT(clean, 5u);  // one per packet boundary after the header
  EXPECT_GT(truncated, bytes.size() / 2);
}

TEST(TraceIo, ATruncatedLastPacketCanBeSkipped) {
  Trace full = MakeDeadlockTrace();
  std::string bytes = Serialize(full);
  std::string cut = bytes.substr(0, bytes.size() - 3);  // inside the outcome
  Result<Trace> strict = ParseTrace(cut, "t");
  ASSERT_FALSE(strict.ok());
  EXPECT_THAT(strict.error().message, HasSubstr("truncated packet at byte"));
  Result<Trace> lenient = ParseTrace(cut, "t", ReadOptions{true});
  ASSERT_TRUE(lenient.ok()) << lenient.error().message;
  EXPECT_FALSE(lenient->has_outcome);
  EXPECT_EQ(lenient->events, full.events);
  EXPECT_THAT(strict.error().message,
              HasSubstr("at byte " + std::to_string(lenient->truncated_at_byte)));
}

TEST(TraceIo, AForeignFileIsNotAWeftTrace) {
  Result<Trace> elf = ReadTrace("/proc/self/exe");
  ASSERT_FALSE(elf.ok());
  EXPECT_THAT(elf.error().message,
              HasSubstr("cannot read trace '/proc/self/exe': not a weft trace (bad magic)"));
  EXPECT_THAT(elf.error().message, HasSubstr("ELF"));

  TempDir dir;
  std::string text = dir.File("notes.txt");
  WriteFile(text, "hello, this is a text file\n");
  Result<Trace> trace = ReadTrace(text);
  ASSERT_FALSE(trace.ok());
  EXPECT_EQ(trace.error().message,
            "cannot read trace '" + text + "': not a weft trace (bad magic)");

  Result<Trace> short_text = ParseTrace("WEF", "s");  // a prefix of the magic
  ASSERT_FALSE(short_text.ok());
  EXPECT_THAT(short_text.error().message, HasSubstr("truncated"));
}

TEST(TraceIo, MissingFilesAndDirectoriesAreExplained) {
  Result<Trace> missing = ReadTrace("/nonexistent/trace.weft");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message,
              HasSubstr("cannot read trace '/nonexistent/trace.weft': No such file or directory"));
  Result<Trace> directory = ReadTrace("/tmp");
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(directory.error().message, HasSubstr("it is a directory"));
}

TEST(TraceIo, OtherMajorVersionsAreRejected) {
  std::string bytes = HeaderOnly();
  bytes[8] = 3;
  Result<Trace> newer = ParseTrace(bytes, "new.weft");
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.error().message,
            "cannot read trace 'new.weft': format version 3 is newer than this weft (2); "
            "read it with a newer weft");
  bytes[8] = 0;
  bytes[11] = 1;  // little-endian: 0x01000000
  Result<Trace> huge = ParseTrace(bytes, "new.weft");
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.error().message, HasSubstr("format version 16777216 is newer"));
  bytes[11] = 0;
  Result<Trace> older = ParseTrace(bytes, "old.weft");
  ASSERT_FALSE(older.ok());
  EXPECT_THAT(older.error().message,
              HasSubstr("format version 0 is not supported by this weft (it reads versions 1 "
                        "to 2)"));
}

TEST(TraceIo, CorruptPacketsAreReportedWithTheirOffset) {
  std::string good = HeaderOnly();
  std::string garbage = "\x05\xff\xff\xff\xff\xff";  // length 5, then an invalid tag
  Result<Trace> trace = ParseTrace(good + garbage, "bad.weft");
  ASSERT_FALSE(trace.ok());
  EXPECT_EQ(trace.error().message, "cannot read trace 'bad.weft': corrupt packet at byte " +
                                       std::to_string(good.size()) +
                                       " (it does not parse as a weft.trace.Packet)");

  Result<Trace> huge = ParseTrace(good + Varint(1ull << 40), "bad.weft");
  ASSERT_FALSE(huge.ok());
  EXPECT_THAT(huge.error().message,
              HasSubstr("corrupt packet at byte " + std::to_string(good.size())));
  Result<Trace> endless = ParseTrace(good + std::string(12, '\xff'), "bad.weft");
  ASSERT_FALSE(endless.ok());
  EXPECT_THAT(endless.error().message, HasSubstr("corrupt packet"));
}

TEST(TraceIo, ThePacketOrderIsEnforced) {
  Trace trace = MakeCrashTrace();
  std::string bytes = Serialize(trace);
  std::string object = FramedPacket(kPacketObject, VarintField(1, 1));
  Result<Trace> after_outcome = ParseTrace(bytes + object, "o");
  ASSERT_FALSE(after_outcome.ok());
  EXPECT_THAT(after_outcome.error().message, HasSubstr("follows the outcome"));

  std::string no_header = std::string(kMagic, 8) + std::string("\x01\0\0\0", 4) + object;
  Result<Trace> headless = ParseTrace(no_header, "h");
  ASSERT_FALSE(headless.ok());
  EXPECT_THAT(headless.error().message, HasSubstr("the first packet is not the header"));

  std::string preamble_only = bytes.substr(0, 12);
  Result<Trace> empty = ParseTrace(preamble_only, "p");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.error().message, HasSubstr("truncated: the file ends before the header"));
}

TEST(TraceIo, UnknownPacketKindsAreSkipped) {
  std::string unknown = FramedPacket(100, "future data");
  Result<Trace> trace = ParseTrace(HeaderOnly() + unknown, "u");
  ASSERT_TRUE(trace.ok()) << trace.error().message;
}

TEST(TraceIo, UndefinedReferencesGetPlaceholderEntries) {
  TempDir dir;
  std::string path = dir.File("refs.weft");
  {
    auto writer = TraceWriter::Create(path, MakeHeader({"./p"}, "/p"));
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->WriteStack(1, {4}).ok());
    ASSERT_TRUE((*writer)->WriteEvent(MakeEvent(3, EventKind::kMutexLock, 9, 0, 0, 2)).ok());
    ASSERT_TRUE((*writer)->Close().ok());
  }
  Result<Trace> trace = ReadTrace(path);
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  ASSERT_EQ(trace->threads.size(), 4u);
  EXPECT_EQ(trace->threads[3].tid, 3u);
  ASSERT_EQ(trace->objects.size(), 10u);
  EXPECT_EQ(trace->objects[9].id, 0u);  // never defined
  EXPECT_EQ(trace->stacks.size(), 3u);
  EXPECT_EQ(trace->frames.size(), 5u);
}

TEST(TraceIo, IdsTooLargeForTheFileAreRejectedWithoutAllocating) {
  for (const std::string& packet :
       {FramedPacket(kPacketObject, VarintField(1, 4000000000u)),
        FramedPacket(kPacketStack, VarintField(1, 1) + BytesField(2, Varint(3000000000u))),
        // An event batch whose object column jumps far away.
        FramedPacket(kPacketEventBatch,
                     BytesField(4, Varint(6)) + BytesField(6, Varint(4000000000ull)))}) {
    Result<Trace> trace = ParseTrace(HeaderOnly() + packet, "big");
    ASSERT_FALSE(trace.ok());
    EXPECT_THAT(trace.error().message, HasSubstr("larger than the file could define"));
  }
}

TEST(TraceIo, EventBatchColumnsMustAgree) {
  // kind has 2 rows, tid has 1.
  std::string batch = BytesField(4, Varint(6) + Varint(7)) + BytesField(3, Varint(1));
  Result<Trace> trace = ParseTrace(HeaderOnly() + FramedPacket(kPacketEventBatch, batch), "c");
  ASSERT_FALSE(trace.ok());
  EXPECT_THAT(trace.error().message, HasSubstr("column 'tid' has 1 entries for 2 rows"));

  std::string skipped = VarintField(1, 5) + BytesField(4, Varint(6));
  trace = ParseTrace(HeaderOnly() + FramedPacket(kPacketEventBatch, skipped), "c");
  ASSERT_FALSE(trace.ok());
  EXPECT_THAT(trace.error().message, HasSubstr("a batch is missing or repeated"));
}

TEST(TraceIo, AnOutcomeWithoutKindIsRejected) {
  Result<Trace> trace = ParseTrace(HeaderOnly() + FramedPacket(kPacketOutcome, ""), "k");
  ASSERT_FALSE(trace.ok());
  EXPECT_THAT(trace.error().message, HasSubstr("the outcome has no kind"));
}

// Poor man's fuzzing, always on: damaged copies of a real trace never crash the reader and
// always fail with a proper message.
TEST(TraceIo, RandomDamageNeverCrashesTheReader) {
  std::string bytes = Serialize(MakeDeadlockTrace());
  std::mt19937 rng(1234);
  int rejected = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string damaged = bytes;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = 12 + rng() % (damaged.size() - 12);
      switch (rng() % 3) {
        case 0:
          damaged[at] = static_cast<char>(rng());
          break;
        case 1:
          damaged.erase(at, 1 + rng() % 8);
          break;
        default:
          damaged.insert(at, std::string(1 + rng() % 4, static_cast<char>(rng())));
      }
      if (damaged.size() <= 12) break;
    }
    Result<Trace> trace = ParseTrace(damaged, "f");
    if (!trace.ok()) {
      ++rejected;
      ASSERT_EQ(trace.error().message.rfind("cannot read trace 'f': ", 0), 0u);
    }
  }
  EXPECT_GT(rejected, 1000);
}

// Bytes per event of a lock ping-pong between two threads, the common case of a recording:
// each thread locks and unlocks one mutex in turn, every lock a real decision.
double MeasureBytesPerEvent(bool with_stacks, const char* label) {
  constexpr int kEvents = 100000;
  TempDir dir;
  std::string path = dir.File("pingpong.weft");
  auto writer = TraceWriter::Create(path, MakeHeader({"./pingpong"}, "/pingpong"));
  EXPECT_TRUE(writer.ok());
  TraceWriter& w = **writer;
  uint64_t header_bytes = w.bytes_written();
  uint64_t vtime = 0;
  for (int i = 0; i < kEvents; ++i) {
    uint32_t tid = 1 + (i / 2) % 2;
    bool lock = i % 2 == 0;
    vtime += 1000;  // a virtual microsecond per schedule point
    Event e = MakeEvent(tid, lock ? EventKind::kMutexLock : EventKind::kMutexUnlock, 3, vtime);
    e.enabled = lock ? 2 : 1;
    if (with_stacks) e.stack = tid * 2 + (lock ? 0 : 1);
    EXPECT_TRUE(w.WriteEvent(e).ok());
  }
  Outcome outcome;
  outcome.events = kEvents;
  EXPECT_TRUE(w.WriteOutcome(outcome).ok());
  EXPECT_TRUE(w.Close().ok());
  double per_event = static_cast<double>(w.bytes_written() - header_bytes) / kEvents;
  std::printf("[ bytes/event ] %s: %.2f bytes per event (%" PRIu64 " bytes for %d events)\n", label,
              per_event, w.bytes_written(), kEvents);
  Result<Trace> trace = ReadTrace(path);
  EXPECT_TRUE(trace.ok());
  EXPECT_EQ(trace->events.size(), static_cast<size_t>(kEvents));
  return per_event;
}

TEST(TraceIo, PingPongEventsTakeFewBytes) {
  EXPECT_LE(MeasureBytesPerEvent(false, "lock ping-pong, no stacks"), 16.0);
  EXPECT_LE(MeasureBytesPerEvent(true, "lock ping-pong, with stacks"), 16.0);
}

}  // namespace
}  // namespace weft::format

namespace weft::format {
namespace {

// A flight recorder's window (weft record --ring): only the last batches are kept, and
// what WriteWindow writes is a trace of them, re-based on its first event.
TEST(TraceIo, AWindowKeepsTheLastEventsAndReadsAsATrace) {
  TempDir dir;
  Header header = MakeHeader({"./service"}, "/bin/service");
  header.mode = Mode::kFree;
  header.inputs_recorded = true;
  auto created = TraceWriter::CreateWindow(header, 64 * 1024);
  ASSERT_TRUE(created.ok()) << created.error().message;
  TraceWriter& w = **created;
  ASSERT_TRUE(w.WriteThread(MakeThread(0, -1, 0x401000, "main", 0)).ok());
  ASSERT_TRUE(w.WriteThread(MakeThread(1, 0, 0x401100, "worker", 1)).ok());
  ASSERT_TRUE(w.WriteObject(MakeObject(1, ObjectKind::kThread, 0x7fff0000)).ok());
  ASSERT_TRUE(w.WriteObject(MakeObject(2, ObjectKind::kMutex, 0x404040, "lock")).ok());
  // Each event's arg is its index in the run; an input after every 100th event.
  auto write_events = [&](uint64_t from, uint64_t to) {
    for (uint64_t i = from; i < to; ++i) {
      EventKind kind = i % 2 == 0 ? EventKind::kMutexLock : EventKind::kMutexUnlock;
      ASSERT_TRUE(w.WriteEvent(MakeEvent(static_cast<uint32_t>(i % 3 == 0), kind, 2, i * 10,
                                         static_cast<int64_t>(i)))
                      .ok());
      if (i % 100 == 99) {
        Input in;
        in.tid = 1;
        in.kind = Input::Kind::kClock;
        in.value = i;
        in.event_index = i + 1;
        ASSERT_TRUE(w.WriteInput(in).ok());
      }
    }
  };
  write_events(0, 200000);
  EXPECT_LE(w.window_chunk_bytes(), 64u * 1024 + 64 * 1024);
  EXPECT_EQ(w.bytes_written(), 0u) << "a window writes no file as the run goes";

  std::string first = dir.File("service.1.weft");
  Result<WindowWritten> one = w.WriteWindow(first, 1);
  ASSERT_TRUE(one.ok()) << one.error().message;
  EXPECT_GT(one->first_event, 0u);
  EXPECT_EQ(one->first_event + one->events, 200000u);
  Result<Trace> read = ReadTrace(first);
  ASSERT_TRUE(read.ok()) << read.error().message;
  const Trace& t = *read;
  ASSERT_TRUE(t.header.ring);
  EXPECT_EQ(t.header.ring_window.window_bytes, 64u * 1024);
  EXPECT_EQ(t.header.ring_window.dropped_events, one->first_event);
  EXPECT_EQ(t.header.ring_window.dropped_inputs, one->dropped_inputs);
  EXPECT_GT(one->dropped_inputs, 0u);
  EXPECT_TRUE(t.header.ring_window.running);
  EXPECT_EQ(t.header.ring_window.dump, 1u);
  EXPECT_FALSE(t.has_outcome);
  ASSERT_EQ(t.events.size(), one->events);
  // The window is the end of the run, event for event.
  for (size_t i = 0; i < t.events.size(); ++i) {
    ASSERT_EQ(static_cast<uint64_t>(t.events[i].arg), one->first_event + i) << "event " << i;
    ASSERT_EQ(t.events[i].vtime, (one->first_event + i) * 10) << "event " << i;
  }
  EXPECT_LT(t.events.size(), 200000u / 4) << "the window kept far more than 64 KiB";
  ASSERT_EQ(t.inputs.size(), one->inputs);
  ASSERT_FALSE(t.inputs.empty());
  for (const Input& in : t.inputs) {
    // Re-based: an input still follows the event it followed in the run.
    ASSERT_GE(in.event_index, 1u);
    EXPECT_EQ(static_cast<uint64_t>(t.events[in.event_index - 1].arg), in.value);
  }
  EXPECT_EQ(t.threads.size(), 2u);
  EXPECT_EQ(t.objects[2].symbol, "lock");

  // The run goes on; a failure writes the window with its outcome.
  write_events(200000, 210000);
  Outcome outcome;
  outcome.kind = Outcome::Kind::kSignaled;
  outcome.signal = 6;
  outcome.events = 210000;
  ASSERT_TRUE(w.WriteOutcome(outcome).ok());
  std::string last = dir.File("service.weft");
  Result<WindowWritten> end = w.WriteWindow(last, 0);
  ASSERT_TRUE(end.ok()) << end.error().message;
  EXPECT_GT(end->first_event, one->first_event);
  Result<Trace> final_read = ReadTrace(last);
  ASSERT_TRUE(final_read.ok()) << final_read.error().message;
  EXPECT_TRUE(final_read->has_outcome);
  EXPECT_EQ(final_read->outcome.signal, 6);
  EXPECT_FALSE(final_read->header.ring_window.running);
  EXPECT_EQ(final_read->header.ring_window.dropped_events + final_read->events.size(), 210000u);
  EXPECT_EQ(static_cast<uint64_t>(final_read->events.back().arg), 209999u);
}

}  // namespace
}  // namespace weft::format
