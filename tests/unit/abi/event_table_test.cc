// The one table of event kinds against everything that mirrors it: the .proto enums (read
// through the generated descriptor, both directions), the C enums of the ABI and the C++
// enums of trace.h, the names, and the sizes of the ring records.
#include "weft/event_table.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "weft/event_kinds.h"
#include "weft/shim_abi.h"
#include "weft/trace.h"
#include "weft_trace.pb.h"

namespace weft {
namespace {

using format::EventKind;
using format::ObjectKind;

struct Row {
  std::string abi_name;  // "MUTEX_LOCK"
  int number;
  std::string name;  // "mutex_lock"
  bool retired;
};

std::vector<Row> TableRows() {
  std::vector<Row> rows;
#define ROW(NAME, Camel, num, str, ...) rows.push_back(Row{#NAME, num, str, false});
#define RETIRED(NAME, Camel, num, str, ...) rows.push_back(Row{#NAME, num, str, true});
  WEFT_EVENT_KINDS(ROW)
  WEFT_RETIRED_EVENT_KINDS(RETIRED)
#undef ROW
#undef RETIRED
  return rows;
}

bool IsReservedNumber(const google::protobuf::EnumDescriptor* e, int number) {
  for (int i = 0; i < e->reserved_range_count(); ++i) {
    const auto* r = e->reserved_range(i);
    if (number >= r->start && number <= r->end) return true;  // enum ranges are inclusive
  }
  return false;
}

// The C enum, the C++ enum and the table agree, at compile time.
#define CHECK_EV(NAME, Camel, num, ...)                             \
  static_assert(WEFT_EV_##NAME == num);                             \
  static_assert(static_cast<uint32_t>(EventKind::k##Camel) == num); \
  static_assert(static_cast<int>(trace::EVENT_KIND_##NAME) == num, "proto: " #NAME);
WEFT_EVENT_KINDS(CHECK_EV)
#undef CHECK_EV
#define CHECK_OBJ(NAME, Camel, num, ...)                             \
  static_assert(WEFT_OBJ_##NAME == num);                             \
  static_assert(static_cast<uint32_t>(ObjectKind::k##Camel) == num); \
  static_assert(static_cast<int>(trace::OBJECT_KIND_##NAME) == num, "proto: " #NAME);
WEFT_OBJECT_KINDS(CHECK_OBJ)
#undef CHECK_OBJ

TEST(EventTable, EveryRowIsAProtoValueWithTheSameNameAndNumber) {
  const google::protobuf::EnumDescriptor* e = trace::EventKind_descriptor();
  for (const Row& row : TableRows()) {
    SCOPED_TRACE(row.abi_name);
    std::string proto_name = "EVENT_KIND_" + row.abi_name;
    if (row.retired) {
      EXPECT_EQ(e->FindValueByNumber(row.number), nullptr) << "a retired number is in use";
      EXPECT_EQ(e->FindValueByName(proto_name), nullptr) << "a retired name is in use";
      EXPECT_TRUE(IsReservedNumber(e, row.number)) << "retired but not reserved in the .proto";
      EXPECT_TRUE(e->IsReservedName(proto_name)) << "retired but its name is not reserved";
      continue;
    }
    const google::protobuf::EnumValueDescriptor* v = e->FindValueByName(proto_name);
    ASSERT_NE(v, nullptr) << proto_name << " is missing from weft_trace.proto";
    EXPECT_EQ(v->number(), row.number);
  }
}

TEST(EventTable, EveryProtoValueIsARow) {
  const google::protobuf::EnumDescriptor* e = trace::EventKind_descriptor();
  std::vector<Row> rows = TableRows();
  for (int i = 0; i < e->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* v = e->value(i);
    SCOPED_TRACE(v->name());
    auto row = std::find_if(rows.begin(), rows.end(),
                            [&](const Row& r) { return "EVENT_KIND_" + r.abi_name == v->name(); });
    ASSERT_NE(row, rows.end()) << v->name() << " is not in abi/include/weft/event_table.h";
    EXPECT_EQ(row->number, v->number());
    EXPECT_FALSE(row->retired);
  }
  EXPECT_EQ(e->value_count() + e->reserved_range_count(), static_cast<int>(rows.size()));
}

TEST(EventTable, ObjectKindsMatchTheProtoBothWays) {
  const google::protobuf::EnumDescriptor* e = trace::ObjectKind_descriptor();
  int rows = 0;
#define CHECK(NAME, Camel, num, str)                                 \
  {                                                                  \
    ++rows;                                                          \
    const auto* v = e->FindValueByName("OBJECT_KIND_" #NAME);        \
    ASSERT_NE(v, nullptr) << #NAME;                                  \
    EXPECT_EQ(v->number(), num) << #NAME;                            \
    EXPECT_STREQ(format::ObjectKindName(ObjectKind::k##Camel), str); \
  }
  WEFT_OBJECT_KINDS(CHECK)
#undef CHECK
  EXPECT_EQ(e->value_count(), rows) << "the .proto has object kinds the table lacks";
  EXPECT_EQ(rows, WEFT_OBJ_COUNT);
  EXPECT_STREQ(format::ObjectKindName(static_cast<ObjectKind>(WEFT_OBJ_COUNT)), "unknown");
}

TEST(EventTable, NumbersAreDenseAndNamesUnique) {
  std::vector<Row> rows = TableRows();
  ASSERT_EQ(rows.size(), size_t{WEFT_EV_KIND_COUNT});
  std::set<int> numbers;
  std::set<std::string> names;
  for (const Row& row : rows) {
    EXPECT_TRUE(numbers.insert(row.number).second) << "number used twice: " << row.number;
    EXPECT_TRUE(names.insert(row.name).second) << "name used twice: " << row.name;
    EXPECT_LT(row.number, WEFT_EV_KIND_COUNT);
  }
}

TEST(EventTable, NamesAndInfoComeFromTheTable) {
  for (const Row& row : TableRows()) {
    auto kind = static_cast<EventKind>(row.number);
    EXPECT_EQ(format::EventKindName(kind), row.name);
    const format::EventKindInfo& info = format::InfoOf(kind);
    EXPECT_EQ(info.kind, kind);
    EXPECT_EQ(info.abi_name, row.abi_name);
    EXPECT_EQ(info.retired, row.retired);
    EXPECT_TRUE(info.known);
    EXPECT_STRNE(info.obj_meaning, "") << row.name;
    EXPECT_STRNE(info.arg_meaning, "") << row.name;
  }
  EXPECT_STREQ(format::EventKindName(static_cast<EventKind>(WEFT_EV_KIND_COUNT)), "unknown");
  EXPECT_FALSE(format::InfoOf(static_cast<EventKind>(1000)).known);
  EXPECT_STREQ(format::EventKindName(EventKind::kMutexLock), "mutex_lock");
  EXPECT_STREQ(format::EventKindName(EventKind::kSleepDone), "sleep_done");  // old traces
}

// What the table says about a few kinds, written out by hand: a changed row shows here.
TEST(EventTable, ObjectKindsAndNondeterministicArguments) {
  EXPECT_EQ(format::InfoOf(EventKind::kMutexLock).object, ObjectKind::kMutex);
  EXPECT_EQ(format::InfoOf(EventKind::kCondWait).object, ObjectKind::kCond);
  EXPECT_EQ(format::InfoOf(EventKind::kThreadJoin).object, ObjectKind::kThread);
  EXPECT_EQ(format::InfoOf(EventKind::kFutexWake).object, ObjectKind::kFutex);
  EXPECT_EQ(format::InfoOf(EventKind::kSleep).object, ObjectKind::kNone);
  for (const format::EventKindInfo& info : format::AllEventKinds()) {
    // Only a fork's child pid and a file access's byte count (the file's contents come from
    // outside the run) differ between runs of one schedule.
    // So does what a channel operation moved (a peer outside the run decides it), and the
    // pid a wait for a child reaped.
    bool differs = info.kind == EventKind::kFork || info.kind == EventKind::kProcessWait ||
                   info.kind == EventKind::kFileRead || info.kind == EventKind::kFileWrite ||
                   info.kind == EventKind::kChannelSend || info.kind == EventKind::kChannelRecv ||
                   info.kind == EventKind::kChannelConnect ||
                   info.kind == EventKind::kChannelAccept;
    EXPECT_EQ(info.arg_nondeterministic, differs) << info.name;
  }
}

// The GUI's colour groups as the timeline showed them before the table (gui/models).
TEST(EventTable, Categories) {
  using C = format::EventCategory;
  const std::pair<EventKind, C> expected[] = {
      {EventKind::kNone, C::kOther},
      {EventKind::kThreadStart, C::kThread},
      {EventKind::kThreadExit, C::kThread},
      {EventKind::kThreadCreate, C::kThread},
      {EventKind::kThreadJoin, C::kThread},
      {EventKind::kThreadDetach, C::kOther},
      {EventKind::kMutexLock, C::kLock},
      {EventKind::kMutexUnlock, C::kUnlock},
      {EventKind::kRwlockRdlock, C::kLock},
      {EventKind::kRwlockWrlock, C::kLock},
      {EventKind::kRwlockUnlock, C::kUnlock},
      {EventKind::kCondWait, C::kCond},
      {EventKind::kCondWake, C::kCond},
      {EventKind::kCondSignal, C::kCond},
      {EventKind::kCondBroadcast, C::kCond},
      {EventKind::kSemWait, C::kSync},
      {EventKind::kSemPost, C::kSync},
      {EventKind::kBarrierWait, C::kSync},
      {EventKind::kBarrierLeave, C::kSync},
      {EventKind::kOnce, C::kSync},
      {EventKind::kSpinLock, C::kLock},
      {EventKind::kSpinUnlock, C::kUnlock},
      {EventKind::kFutexWait, C::kFutex},
      {EventKind::kFutexWoken, C::kFutex},
      {EventKind::kFutexWake, C::kFutex},
      {EventKind::kSleep, C::kTime},
      {EventKind::kSleepDone, C::kTime},
      {EventKind::kYield, C::kOther},
      {EventKind::kFork, C::kOther},
      {EventKind::kOnceDone, C::kSync},
      {EventKind::kSignalWait, C::kTime},
      {EventKind::kPoll, C::kTime},
      {EventKind::kProcessExit, C::kThread},
      {EventKind::kMemRead, C::kMemory},
      {EventKind::kMemWrite, C::kMemory},
      {EventKind::kExec, C::kThread},
      {EventKind::kFileRead, C::kOther},
      {EventKind::kFileWrite, C::kOther},
      {EventKind::kFileLock, C::kLock},
      {EventKind::kFileUnlock, C::kUnlock},
      {EventKind::kChannelSend, C::kOther},
      {EventKind::kChannelRecv, C::kOther},
      {EventKind::kChannelConnect, C::kOther},
      {EventKind::kChannelAccept, C::kOther},
      {EventKind::kChannelShutdown, C::kOther},
      {EventKind::kProcessWait, C::kThread},
      {EventKind::kInterpPoint, C::kOther},
  };
  ASSERT_EQ(std::size(expected), size_t{WEFT_EV_KIND_COUNT});
  for (const auto& [kind, category] : expected) {
    EXPECT_EQ(format::CategoryOf(kind), category) << format::EventKindName(kind);
  }
  EXPECT_EQ(format::CategoryOf(static_cast<EventKind>(999)), C::kOther);
  EXPECT_STREQ(format::EventCategoryName(C::kLock), "lock");
  EXPECT_STREQ(format::EventCategoryName(C::kThread), "thread");
  EXPECT_EQ(format::kEventCategoryCount, 9);
}

TEST(EventTable, FlagsAreTheAbiBits) {
  EXPECT_EQ(format::kFlagTry, WEFT_F_TRY);
  EXPECT_EQ(format::kFlagFailed, WEFT_F_FAILED);
  EXPECT_EQ(format::kFlagTry | format::kFlagTimed | format::kFlagTimedOut | format::kFlagFailed |
                format::kFlagRead | format::kFlagExternal | format::kFlagAtomic | format::kFlagFree,
            WEFT_F_ALL);
}

// What one WEFT_SHIM_PROTOCOL_VERSION stands for, written out: the event and object kinds
// (every row of the table, as text), the event flags and the sizes of what the shim and
// the supervisor share. A change to any of them without a bump of the version fails here:
// bump WEFT_SHIM_PROTOCOL_VERSION (say why in its comment), then put the new fingerprint
// beside the new version.
constexpr uint64_t Fnv1a(const char* s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s != '\0'; ++s) h = (h ^ static_cast<unsigned char>(*s)) * 1099511628211ull;
  return h;
}
// What a row says that the shim and the supervisor must agree on (its meaning texts aside).
#define ROW_TEXT(NAME, Camel, num, str, obj, access, role, cat, waits, nondet, ...) \
#NAME "," #num "," str "," #obj "," #access "," #role "," #cat "," #waits "," #nondet "\n"
#define RETIRED_TEXT(NAME, Camel, num, ...) "retired " #num "\n"
#define OBJECT_TEXT(NAME, Camel, num, str) #NAME "," #num "\n"
constexpr uint64_t kKindsFingerprint = Fnv1a(WEFT_EVENT_KINDS(ROW_TEXT) WEFT_RETIRED_EVENT_KINDS(
    RETIRED_TEXT) WEFT_OBJECT_KINDS(OBJECT_TEXT));
#undef ROW_TEXT
#undef RETIRED_TEXT
#undef OBJECT_TEXT

TEST(Abi, ProtocolVersionCoversTheKindsAndTheLayouts) {
  struct Shape {
    uint64_t kinds;
    uint32_t kind_count, flags;
    size_t session, schedule_spec, fork_request, fork_reply;
  };
  const Shape now = {kKindsFingerprint,
                     WEFT_EV_KIND_COUNT,
                     WEFT_F_ALL,
                     sizeof(struct weft_session),
                     sizeof(struct weft_schedule_spec),
                     sizeof(struct weft_fork_request),
                     sizeof(struct weft_fork_reply)};
  // Version 19 (a program image, and its pid, in stack, thread and object records, in
  // reserved bytes: no size changed; 18: WEFT_INPUT_DIRENT, weft_session.feed_kinds in place
  // of a reserved word; 17: interp_point: kind 46, interp_phase; 16: event_clock; 15:
  // fork_late, weft_fork_reply.events, process_wait: kind 45).
  const Shape v19 = {0x56f494cd0119e77eull, 47, 0xff, 832, 112, 4104, 256};
  static_assert(sizeof(struct weft_stack_record) == 32, "a stack record is one slot");
  ASSERT_EQ(WEFT_SHIM_PROTOCOL_VERSION, 19u)
      << "a new protocol version: record what it stands for here (the values below)";
  const char* bump = "changed without a bump of WEFT_SHIM_PROTOCOL_VERSION";
  EXPECT_EQ(now.kinds, v19.kinds) << "the event or object kinds " << bump << " (fingerprint 0x"
                                  << std::hex << now.kinds << ")";
  EXPECT_EQ(now.kind_count, v19.kind_count) << "the number of event kinds " << bump;
  EXPECT_EQ(now.flags, v19.flags) << "the event flags " << bump;
  EXPECT_EQ(now.session, v19.session) << "struct weft_session " << bump;
  EXPECT_EQ(now.schedule_spec, v19.schedule_spec) << "struct weft_schedule_spec " << bump;
  EXPECT_EQ(now.fork_request, v19.fork_request) << "struct weft_fork_request " << bump;
  EXPECT_EQ(now.fork_reply, v19.fork_reply) << "struct weft_fork_reply " << bump;
}

}  // namespace
}  // namespace weft
