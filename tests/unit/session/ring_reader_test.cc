// ring_reader_test.cc — the ring reader on session contents a program wrote over: each bad
// field or record ends the reading with "the program overwrote weft's session memory at …",
// and valid records still decode.
#include "ring_reader.h"

#include <gtest/gtest.h>

#include <cstring>

namespace weft::session {
namespace {

constexpr uint64_t kSlots = 16;

struct Fake {
  weft_session header{};
  uint8_t ring[kSlots * WEFT_SLOT_BYTES] = {};
  uint64_t head = 0;
  template <typename T>
  void Put(const T& rec) {
    static_assert(sizeof(T) == WEFT_SLOT_BYTES);
    std::memcpy(ring + (head % kSlots) * WEFT_SLOT_BYTES, &rec, sizeof(rec));
    ++head;
    header.ring_head = head;
  }
};

weft_event_record Event(uint16_t tid, uint8_t kind) {
  weft_event_record e{};
  e.type = WEFT_REC_EVENT;
  e.tid = tid;
  e.kind = kind;
  e.enabled = 1;
  return e;
}

TEST(RingReader, DecodesValidRecords) {
  Fake f;
  RingReader reader(&f.header, f.ring, kSlots, nullptr);
  weft_object_record o{};
  o.type = WEFT_REC_OBJECT;
  o.kind = WEFT_OBJ_MUTEX;
  o.id = 1;
  f.Put(o);
  f.Put(Event(0, WEFT_EV_MUTEX_LOCK));
  f.Put(Event(0, WEFT_EV_MUTEX_UNLOCK));
  EXPECT_TRUE(reader.Drain()) << reader.error();
  EXPECT_EQ(reader.events(), 2u);
  EXPECT_EQ(f.header.ring_tail, 3u);
}

void ExpectCorrupt(Fake& f, RingReader& reader, const std::string& what) {
  EXPECT_FALSE(reader.Drain());
  EXPECT_EQ(reader.error().rfind("the program overwrote weft's session memory at ", 0), 0u)
      << reader.error();
  EXPECT_NE(reader.error().find(what), std::string::npos) << reader.error();
  EXPECT_FALSE(reader.Drain()) << "reads nothing more";
  (void)f;
}

weft_prior_record Prior(uint16_t tid, uint64_t before) {
  weft_prior_record p{};
  p.type = WEFT_REC_PRIOR;
  p.write = 1;
  p.tid = tid;
  p.arg = WEFT_MEM_ARG(8, 0, 0);
  p.before_event = before;
  return p;
}

weft_site_record Site(uint64_t pc) {
  weft_site_record r{};
  r.type = WEFT_REC_SITE;
  r.pc = pc;
  return r;
}

TEST(RingReader, MemoryEventsPriorAccessesAndSites) {
  Fake f;
  RingReader reader(&f.header, f.ring, kSlots, nullptr);
  f.Put(Event(0, WEFT_EV_THREAD_CREATE));
  f.Put(Event(1, WEFT_EV_MEM_WRITE));
  f.Put(Prior(0, 1));
  f.Put(Site(0x401000));
  f.Put(Site(0x401008));
  f.Put(Event(1, WEFT_EV_MEM_READ));
  EXPECT_TRUE(reader.Drain()) << reader.error();
  EXPECT_EQ(reader.events(), 3u);
  EXPECT_EQ(reader.memory_events(), 2u);
  EXPECT_EQ(reader.memory_sites_found(), (std::vector<uint64_t>{0x401000, 0x401008}));
}

TEST(RingReader, PriorAccessNotAfterAMemoryEvent) {
  Fake f;
  RingReader reader(&f.header, f.ring, kSlots, nullptr);
  f.Put(Event(0, WEFT_EV_MUTEX_LOCK));
  f.Put(Prior(0, 0));
  ExpectCorrupt(f, reader, "a prior-access record");
}

TEST(RingReader, PriorAccessAfterItsEvent) {
  Fake f;
  RingReader reader(&f.header, f.ring, kSlots, nullptr);
  f.Put(Event(1, WEFT_EV_MEM_READ));
  f.Put(Prior(0, 5));  // "happened before event 5" of a trace with one event
  ExpectCorrupt(f, reader, "a prior-access record");
}

TEST(RingReader, SiteOfPcZero) {
  Fake f;
  RingReader reader(&f.header, f.ring, kSlots, nullptr);
  f.Put(Site(0));
  ExpectCorrupt(f, reader, "a memory site record");
}

TEST(RingReader, HeadBeyondTheRing) {
  Fake f;
  RingReader reader(&f.header, f.ring, kSlots, nullptr);
  f.header.ring_head = kSlots + 1;
  ExpectCorrupt(f, reader, "the ring's write position");
}

TEST(RingReader, TailMovedByTheProgram) {
  Fake f;
  RingReader reader(&f.header, f.ring, kSlots, nullptr);
  f.header.ring_tail = 5;
  ExpectCorrupt(f, reader, "the ring's read position");
}

TEST(RingReader, HugeObjectIdIsNotAllocated) {
  Fake f;
  RingReader reader(&f.header, f.ring, kSlots, nullptr);
  weft_object_record o{};
  o.type = WEFT_REC_OBJECT;
  o.kind = WEFT_OBJ_MUTEX;
  o.id = 0xfffffff0u;
  f.Put(o);
  ExpectCorrupt(f, reader, "slot 0 of the event ring: an object record with id 4294967280");
  EXPECT_TRUE(reader.objects().empty());
}

TEST(RingReader, BadThreadIdsKindsAndLengths) {
  {
    Fake f;
    RingReader reader(&f.header, f.ring, kSlots, nullptr);
    f.Put(Event(WEFT_MAX_THREADS, WEFT_EV_MUTEX_LOCK));
    ExpectCorrupt(f, reader, "an event record of thread 1024");
  }
  {
    Fake f;
    RingReader reader(&f.header, f.ring, kSlots, nullptr);
    f.Put(Event(0, 200));
    ExpectCorrupt(f, reader, "kind 200");
  }
  {
    Fake f;
    RingReader reader(&f.header, f.ring, kSlots, nullptr);
    weft_stack_record s{};
    s.type = WEFT_REC_STACK;
    s.depth = 8;  // needs 2 more slots than published
    s.id = 1;
    f.Put(s);
    ExpectCorrupt(f, reader, "longer than what the shim published");
  }
  {
    Fake f;
    RingReader reader(&f.header, f.ring, kSlots, nullptr);
    weft_decision_record d{};
    d.type = WEFT_REC_DECISION;
    d.extra_slots = 200;
    f.Put(d);
    ExpectCorrupt(f, reader, "a decision record with 200 extra slots");
  }
  {
    Fake f;
    RingReader reader(&f.header, f.ring, kSlots, nullptr);
    uint8_t junk[WEFT_SLOT_BYTES] = {0x42};
    std::memcpy(f.ring, junk, sizeof(junk));
    f.header.ring_head = 1;
    ExpectCorrupt(f, reader, "a record of unknown type 66");
  }
}

TEST(RingReader, StatusThatCannotBeTrue) {
  Fake f;
  RingReader reader(&f.header, f.ring, kSlots, nullptr);
  f.header.threads = WEFT_MAX_THREADS + 1;
  ExpectCorrupt(f, reader, "threads; at most");
}

}  // namespace
}  // namespace weft::session
