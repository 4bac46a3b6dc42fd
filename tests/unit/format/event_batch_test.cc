// event_batch_test.cc — the writer encodes event batches itself (trace_writer.cc): each
// batch packet it writes must be the very bytes protobuf writes for the same message, and
// every field must come back, at the edges of its range too.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "test_traces.h"
#include "weft/event_table.h"
#include "weft/trace_io.h"
#include "weft_trace.pb.h"

namespace weft::format {
namespace {

using testing::MakeEvent;
using testing::MakeHeader;
using testing::MakeThread;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The framed packets of a trace file's bytes, past the magic and the major version.
std::vector<std::string> Packets(const std::string& bytes) {
  std::vector<std::string> out;
  size_t at = sizeof(kMagic) + 4;
  while (at < bytes.size()) {
    uint64_t size = 0;
    for (int shift = 0;; shift += 7) {
      const auto byte = static_cast<uint8_t>(bytes.at(at++));
      size |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) break;
    }
    out.push_back(bytes.substr(at, size));
    at += size;
  }
  return out;
}

// 5000 events (two batches: the second's first_index is not 0) whose fields go to the
// ends of their ranges: times that go back, args of every sign and size,
// objects that jump back and forth, a stack column that is all zeros in the first batch (left out)
// and not in the second.
Trace EdgeTrace() {
  Trace trace;
  trace.header = MakeHeader({"./edge"}, "/edge");
  trace.threads = {MakeThread(0, -1, 0, "main", 0), MakeThread(1, 0, 0, "worker", 1)};
  const int64_t args[] = {
      0,   -1,  1, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
      300, -300};
  const uint64_t times[] = {0, 1, 127, 128, 1ull << 40, 5, std::numeric_limits<uint64_t>::max()};
  for (uint32_t i = 0; i < 5000; ++i) {
    const EventKind kind = i % 2 == 0 ? EventKind::kMutexLock : EventKind::kMutexUnlock;
    Event e = MakeEvent(i % 2, kind, i % 5 == 0 ? 0 : (i * 7919) % 1000 + 1, times[i % 7],
                        args[i % 7], /*stack=*/i >= 4096 ? i % 3 : 0,
                        /*enabled=*/i % 11 == 0 ? 0 : 2, /*flags=*/i % 13 == 0 ? WEFT_F_FAILED : 0);
    trace.events.push_back(e);
  }
  return trace;
}

TEST(EventBatch, EachBatchPacketIsTheBytesProtobufWrites) {
  const std::string path = ::testing::TempDir() + "/event_batch_" + std::to_string(getpid());
  const Trace trace = EdgeTrace();
  Status status = WriteTrace(path, trace);
  ASSERT_TRUE(status.ok()) << status.error().message;
  const std::string bytes = ReadFile(path);
  unlink(path.c_str());

  int batches = 0;
  uint64_t events = 0;
  for (const std::string& packet : Packets(bytes)) {
    weft::trace::Packet parsed;
    ASSERT_TRUE(parsed.ParseFromString(packet));
    if (!parsed.has_event_batch()) continue;
    ++batches;
    EXPECT_EQ(parsed.event_batch().first_index(), events);
    events += static_cast<uint64_t>(parsed.event_batch().kind_size());
    std::string again;
    ASSERT_TRUE(parsed.SerializeToString(&again));
    EXPECT_EQ(again, packet) << "batch " << batches;
  }
  EXPECT_EQ(batches, 2);
  EXPECT_EQ(events, trace.events.size());

  Result<Trace> back = ParseTrace(bytes, "edge");
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->events.size(), trace.events.size());
  for (size_t i = 0; i < trace.events.size(); ++i) {
    ASSERT_EQ(back->events[i], trace.events[i]) << "event " << i;
  }
}

// 3000 inputs of every kind over the edge trace's events (batches of at most 4096 inputs or
// 1 MiB of data: three here), their fields at the ends of their ranges: clocks that go back,
// sources and results of every sign, reads of 0 to 2999 bytes and failed ones without data,
// a tid column that is all zeros in no batch.
Trace InputTrace() {
  Trace trace = EdgeTrace();
  trace.header.inputs_recorded = true;
  const int32_t sources[] = {
      0, 1, -1, 3, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()};
  const uint64_t values[] = {0, 1ull << 40, 5, std::numeric_limits<uint64_t>::max(), 127};
  for (uint32_t i = 0; i < 3000; ++i) {
    Input in;
    in.tid = i % 2;
    in.kind = i % 3 == 0   ? Input::Kind::kClock
              : i % 3 == 1 ? Input::Kind::kRandom
                           : Input::Kind::kRead;
    in.source = sources[i % 6];
    in.event_index = i * 5000ull / 3000;
    if (in.kind == Input::Kind::kClock) {
      in.value = values[i % 5];
      in.result = i % 7 == 0 ? -22 : 0;
    } else if (i % 11 == 0) {
      in.result = -11;  // EAGAIN: no data
    } else {
      const size_t n = (i * 37u) % 3000;
      in.result = static_cast<int64_t>(n);
      for (size_t b = 0; b < n; ++b) in.data.push_back(static_cast<char>((i + b * 131) & 0xff));
    }
    trace.inputs.push_back(in);
  }
  return trace;
}

TEST(EventBatch, EachInputBatchPacketIsTheBytesProtobufWrites) {
  const std::string path = ::testing::TempDir() + "/input_batch_" + std::to_string(getpid());
  const Trace trace = InputTrace();
  Status status = WriteTrace(path, trace);
  ASSERT_TRUE(status.ok()) << status.error().message;
  const std::string bytes = ReadFile(path);
  unlink(path.c_str());

  int batches = 0;
  size_t inputs = 0;
  for (const std::string& packet : Packets(bytes)) {
    weft::trace::Packet parsed;
    ASSERT_TRUE(parsed.ParseFromString(packet));
    if (!parsed.has_input_batch()) continue;
    ++batches;
    inputs += static_cast<size_t>(parsed.input_batch().kind_size());
    std::string again;
    ASSERT_TRUE(parsed.SerializeToString(&again));
    EXPECT_EQ(again, packet) << "input batch " << batches;
  }
  EXPECT_GE(batches, 2);
  EXPECT_EQ(inputs, trace.inputs.size());

  Result<Trace> back = ParseTrace(bytes, "inputs");
  ASSERT_TRUE(back.ok()) << back.error().message;
  ASSERT_EQ(back->inputs.size(), trace.inputs.size());
  for (size_t i = 0; i < trace.inputs.size(); ++i) {
    ASSERT_EQ(back->inputs[i], trace.inputs[i]) << "input " << i;
  }
}

// WriteEvents (a free recording's ring reader hands a drain's events over at once) writes the
// same file as WriteEvent of each, however the events are cut into calls, and refuses an
// event without a kind at its place, keeping the ones before it.
TEST(EventBatch, WriteEventsIsWriteEventOfEach) {
  const Trace trace = EdgeTrace();
  const std::string dir = ::testing::TempDir() + "/write_events_" + std::to_string(getpid());
  auto write = [&](const std::string& path, bool bulk) {
    auto writer = TraceWriter::Create(path, trace.header);
    ASSERT_TRUE(writer.ok()) << writer.error().message;
    for (const Thread& t : trace.threads) ASSERT_TRUE((*writer)->WriteThread(t).ok());
    // Calls of 1, 4000, 300, 700, ... events: one across the 4096-event batch edge.
    const size_t cuts[] = {1, 4000, 300, 700, 1};
    size_t at = 0;
    for (size_t c = 0; at < trace.events.size(); ++c) {
      const size_t n = std::min(cuts[c % 5], trace.events.size() - at);
      if (bulk) {
        ASSERT_TRUE((*writer)->WriteEvents(&trace.events[at], n).ok());
      } else {
        for (size_t i = 0; i < n; ++i)
          ASSERT_TRUE((*writer)->WriteEvent(trace.events[at + i]).ok());
      }
      at += n;
    }
    EXPECT_EQ((*writer)->events_written(), trace.events.size());
    ASSERT_TRUE((*writer)->Close().ok());
  };
  const std::string one = dir + ".one", bulk = dir + ".bulk";
  write(one, false);
  write(bulk, true);
  const std::string one_bytes = ReadFile(one), bulk_bytes = ReadFile(bulk);
  unlink(one.c_str());
  unlink(bulk.c_str());
  EXPECT_GT(one_bytes.size(), 5000u);
  EXPECT_TRUE(one_bytes == bulk_bytes)
      << "WriteEvents wrote " << bulk_bytes.size() << " bytes, WriteEvent " << one_bytes.size();

  std::vector<Event> events(trace.events.begin(), trace.events.begin() + 10);
  events[6].kind = EventKind::kNone;
  const std::string bad = dir + ".bad";
  auto writer = TraceWriter::Create(bad, trace.header);
  ASSERT_TRUE(writer.ok());
  Status status = (*writer)->WriteEvents(events.data(), events.size());
  unlink(bad.c_str());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message.find("event 6 has no kind"), std::string::npos)
      << status.error().message;
  EXPECT_EQ((*writer)->events_written(), 6u);
}

}  // namespace
}  // namespace weft::format
