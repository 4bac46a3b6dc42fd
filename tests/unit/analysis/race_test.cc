// race_test.cc — FindRaces (analysis/race.h) on hand-built traces: races found, races that
// locks, joins, condition hand-offs and atomics' release/acquire order away, prior accesses,
// byte overlap, deduplication by the pair of sites, determinism.
#include "weft/race.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_traces.h"
#include "weft/conflicts.h"

namespace weft::analysis {
namespace {

using format::EventKind;
using format::ObjectKind;
using K = format::EventKind;

constexpr uint32_t kAtomic = format::kFlagAtomic;
constexpr uint32_t kRmw = format::kFlagRead;

// C11 memory orders as WEFT_MEM_ARG holds them.
constexpr uint32_t kRelaxed = 0, kAcquire = 2, kRelease = 3, kSeqCst = 5;

int64_t Mem(uint32_t size, uint32_t offset = 0, uint32_t order = 0) {
  return WEFT_MEM_ARG(size, offset, order);
}

// Builds a trace event by event: main (T0) creates `threads - 1` workers that start at
// once; every access gets its own site (a frame with its own pc) unless one is given.
class Builder {
 public:
  explicit Builder(uint32_t threads) {
    trace.objects.emplace_back();
    trace.stacks.emplace_back();
    trace.frames.emplace_back();
    for (uint32_t t = 0; t < threads; ++t) {
      format::Thread th;
      th.tid = t;
      th.parent = t == 0 ? -1 : 0;
      trace.threads.push_back(th);
    }
    Add(0, K::kThreadStart, 0, -1);
    for (uint32_t t = 1; t < threads; ++t) handles.push_back(Object(ObjectKind::kThread, 0));
    for (uint32_t t = 1; t < threads; ++t) Add(0, K::kThreadCreate, handles[t - 1], t);
    for (uint32_t t = 1; t < threads; ++t) Add(t, K::kThreadStart, handles[t - 1], 0);
  }

  uint32_t Object(ObjectKind kind, uint64_t address) {
    format::Object o;
    o.id = static_cast<uint32_t>(trace.objects.size());
    o.kind = kind;
    o.address = address;
    trace.objects.push_back(o);
    return o.id;
  }
  // The granule object of `address` (made on first use).
  uint32_t Granule(uint64_t address) {
    uint64_t base = address & ~uint64_t{7};
    for (const format::Object& o : trace.objects) {
      if (o.kind == ObjectKind::kMemory && o.address == base) return o.id;
    }
    return Object(ObjectKind::kMemory, base);
  }
  // A stack of one frame at `pc`.
  uint32_t Site(uint64_t pc) {
    format::Frame f;
    f.ip = pc;
    f.offset = pc;
    trace.frames.push_back(f);
    trace.stacks.push_back({static_cast<uint32_t>(trace.frames.size() - 1)});
    return static_cast<uint32_t>(trace.stacks.size() - 1);
  }

  uint64_t Add(uint32_t tid, EventKind kind, uint32_t obj = 0, int64_t arg = 0, uint32_t flags = 0,
               uint32_t stack = 0) {
    format::Event e;
    e.tid = tid;
    e.kind = kind;
    e.obj = obj;
    e.arg = arg;
    e.flags = flags;
    e.stack = stack;
    trace.events.push_back(e);
    return trace.events.size() - 1;
  }
  // A memory access of `size` bytes at `address`; `pc` 0: a new site.
  uint64_t Access(uint32_t tid, bool write, uint64_t address, uint32_t size, uint32_t flags = 0,
                  uint32_t order = 0, uint64_t pc = 0) {
    if (pc == 0) pc = 0x401000 + 0x10 * trace.events.size();
    return Add(tid, write ? K::kMemWrite : K::kMemRead, Granule(address),
               Mem(size, static_cast<uint32_t>(address & 7), order), flags, Site(pc));
  }
  uint64_t Write(uint32_t tid, uint64_t address, uint32_t size = 4, uint64_t pc = 0) {
    return Access(tid, true, address, size, 0, 0, pc);
  }
  uint64_t Read(uint32_t tid, uint64_t address, uint32_t size = 4, uint64_t pc = 0) {
    return Access(tid, false, address, size, 0, 0, pc);
  }
  // A prior access of `tid` attached to event `attached`, after `tid`'s events below
  // `before_event`.
  void Prior(uint64_t attached, uint32_t tid, bool write, uint64_t before_event, uint32_t flags = 0,
             uint32_t order = 0, uint64_t pc = 0x402000) {
    format::PriorAccess p;
    p.event_index = attached;
    p.tid = tid;
    p.write = write;
    p.flags = flags;
    const format::Event& e = trace.events[attached];
    p.arg = Mem(4, format::DecodeMemoryArg(e.arg).offset, order);
    p.stack = Site(pc + 0x10 * trace.prior_accesses.size());
    p.before_event = before_event;
    trace.prior_accesses.push_back(p);
  }

  format::Trace trace;
  std::vector<uint32_t> handles;  // thread handle objects of T1, T2, ...
};

constexpr uint64_t kX = 0x404040;  // a variable
constexpr uint64_t kY = 0x404080;  // another one, in another granule

TEST(Races, UnorderedWriteAndReadRace) {
  Builder b(3);
  uint64_t w = b.Write(1, kX);
  uint64_t r = b.Read(2, kX);
  std::vector<Race> races = FindRaces(b.trace);
  ASSERT_EQ(races.size(), 1u);
  const Race& race = races[0];
  EXPECT_EQ(race.current.event, r);
  EXPECT_EQ(race.current.tid, 2u);
  EXPECT_FALSE(race.current.write);
  EXPECT_EQ(race.current.address, kX);
  EXPECT_EQ(race.current.size, 4u);
  EXPECT_EQ(race.current.pc, 0x401000 + 0x10 * r);
  EXPECT_EQ(race.previous.event, w);
  EXPECT_EQ(race.previous.tid, 1u);
  EXPECT_TRUE(race.previous.write);
  EXPECT_EQ(race.previous.prior, -1);
  EXPECT_EQ(race.occurrences, 1u);
  EXPECT_TRUE(HasMemoryAccesses(b.trace));
}

// A freed block (MEM_WRITE with WEFT_F_FREE) is a write of all of it, then new memory.
TEST(Races, FreeRacesWithUnorderedAccessesThenForgetsThem) {
  Builder b(3);
  constexpr uint64_t kBlock = 0x5000;
  b.Read(1, kBlock + 8, 8);
  uint64_t freed =
      b.Add(2, K::kMemWrite, b.Granule(kBlock), Mem(64), format::kFlagFree, b.Site(0x403000));
  std::vector<Race> races = FindRaces(b.trace);
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].current.event, freed);
  EXPECT_TRUE(races[0].current.write);
  EXPECT_EQ(races[0].current.size, 64u);
  // T1 writes the block again after the allocator handed it out: no happens-before weft
  // sees orders it after the free or the old read, and it races with neither.
  b.Write(1, kBlock + 8, 8);
  b.Write(1, kBlock + 16, 8);
  EXPECT_EQ(FindRaces(b.trace).size(), 1u);
}

TEST(Races, WithoutFreeTheReusedBlockRaces) {
  Builder b(3);
  constexpr uint64_t kBlock = 0x5000;
  b.Read(1, kBlock + 8, 8);
  b.Add(2, K::kMemWrite, b.Granule(kBlock), Mem(64), 0, b.Site(0x403000));
  b.Write(1, kBlock + 8, 8);
  EXPECT_EQ(FindRaces(b.trace).size(), 2u);
}

TEST(Races, UseAfterFreeRacesWithTheFreeAsPriorWrite) {
  Builder b(3);
  constexpr uint64_t kBlock = 0x5000;
  uint64_t freed =
      b.Add(2, K::kMemWrite, b.Granule(kBlock), Mem(64), format::kFlagFree, b.Site(0x403000));
  uint64_t read = b.Read(1, kBlock, 8);
  b.Prior(read, 2, true, freed + 1);  // the free, right after T2's free event
  std::vector<Race> races = FindRaces(b.trace);
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].current.event, read);
  EXPECT_EQ(races[0].previous.tid, 2u);
  EXPECT_TRUE(races[0].previous.write);
  EXPECT_EQ(races[0].previous.prior, 0);
}

TEST(Races, TwoReadsDoNotRace) {
  Builder b(3);
  b.Read(1, kX);
  b.Read(2, kX);
  EXPECT_TRUE(FindRaces(b.trace).empty());
}

TEST(Races, SameThreadDoesNotRace) {
  Builder b(2);
  b.Write(1, kX);
  b.Read(1, kX);
  b.Write(1, kX);
  EXPECT_TRUE(FindRaces(b.trace).empty());
}

TEST(Races, ALockOrdersThem) {
  Builder b(3);
  uint32_t m = b.Object(ObjectKind::kMutex, 0x405000);
  b.Add(1, K::kMutexLock, m);
  b.Write(1, kX);
  b.Add(1, K::kMutexUnlock, m);
  b.Add(2, K::kMutexLock, m);
  b.Read(2, kX);
  b.Write(2, kX);
  b.Add(2, K::kMutexUnlock, m);
  EXPECT_TRUE(FindRaces(b.trace).empty());
  // The same accesses with the second thread's outside its lock race.
  Builder c(3);
  m = c.Object(ObjectKind::kMutex, 0x405000);
  c.Add(1, K::kMutexLock, m);
  c.Write(1, kX);
  c.Add(1, K::kMutexUnlock, m);
  c.Read(2, kX);
  c.Add(2, K::kMutexLock, m);
  c.Add(2, K::kMutexUnlock, m);
  EXPECT_EQ(FindRaces(c.trace).size(), 1u);
}

TEST(Races, AJoinOrdersThem) {
  Builder b(2);
  b.Write(1, kX);
  b.Add(1, K::kThreadExit, b.handles[0]);
  b.Add(0, K::kThreadJoin, b.handles[0], 1);
  b.Read(0, kX);
  b.Write(0, kX);
  EXPECT_TRUE(FindRaces(b.trace).empty());
  // Before the join, main's access races.
  Builder c(2);
  c.Write(1, kX);
  c.Read(0, kX);
  c.Add(1, K::kThreadExit, c.handles[0]);
  c.Add(0, K::kThreadJoin, c.handles[0], 1);
  EXPECT_EQ(FindRaces(c.trace).size(), 1u);
}

TEST(Races, CreationOrdersTheParentsEarlierAccesses) {
  Builder b(1);
  b.Write(0, kX);
  uint32_t h = b.Object(ObjectKind::kThread, 0);
  b.trace.threads.push_back(format::Thread{});
  b.trace.threads.back().tid = 1;
  b.Add(0, K::kThreadCreate, h, 1);
  b.Add(1, K::kThreadStart, h, 0);
  b.Write(1, kX);
  EXPECT_TRUE(FindRaces(b.trace).empty());
}

TEST(Races, ReleaseAcquireAtomicsOrderThem) {
  // Message passing: data, then a release store of the flag; an acquire load of the flag,
  // then the data.
  Builder b(3);
  b.Write(1, kX);
  b.Access(1, true, kY, 4, kAtomic, kRelease);
  b.Access(2, false, kY, 4, kAtomic, kAcquire);
  b.Read(2, kX);
  EXPECT_TRUE(FindRaces(b.trace).empty());
  // seq_cst on both sides orders as well; a read-modify-write releases too.
  Builder s(3);
  s.Write(1, kX);
  s.Access(1, true, kY, 4, kAtomic | kRmw, kSeqCst);
  s.Access(2, false, kY, 4, kAtomic, kSeqCst);
  s.Read(2, kX);
  EXPECT_TRUE(FindRaces(s.trace).empty());
}

TEST(Races, RelaxedAtomicsDoNotOrder) {
  Builder b(3);
  uint64_t w = b.Write(1, kX);
  b.Access(1, true, kY, 4, kAtomic, kRelaxed);
  b.Access(2, false, kY, 4, kAtomic, kAcquire);
  uint64_t r = b.Read(2, kX);
  std::vector<Race> races = FindRaces(b.trace);
  ASSERT_EQ(races.size(), 1u);  // on the data; the flag's atomics never race
  EXPECT_EQ(races[0].current.event, r);
  EXPECT_EQ(races[0].previous.event, w);
  // An acquire load that comes before the release store gets nothing either.
  Builder c(3);
  c.Write(1, kX);
  c.Access(2, false, kY, 4, kAtomic, kAcquire);
  c.Access(1, true, kY, 4, kAtomic, kRelease);
  c.Read(2, kX);
  EXPECT_EQ(FindRaces(c.trace).size(), 1u);
}

TEST(Races, AtomicsNeverRaceWithAtomicsButDoWithPlainAccesses) {
  Builder b(3);
  b.Access(1, true, kX, 4, kAtomic | kRmw, kRelaxed);
  b.Access(2, false, kX, 4, kAtomic, kRelaxed);
  b.Access(2, true, kX, 4, kAtomic, kRelaxed);
  EXPECT_TRUE(FindRaces(b.trace).empty());
  uint64_t plain = b.Read(1, kX);
  std::vector<Race> races = FindRaces(b.trace);
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].current.event, plain);
  EXPECT_FALSE(races[0].current.atomic);
  EXPECT_TRUE(races[0].previous.atomic);
  EXPECT_TRUE(races[0].previous.write);
}

TEST(Races, BytesMustOverlap) {
  Builder b(3);
  b.Write(1, kX, 4);      // bytes 0..3 of the granule
  b.Read(2, kX + 4, 4);   // bytes 4..7
  b.Write(2, kX + 6, 2);  // bytes 6..7
  EXPECT_TRUE(FindRaces(b.trace).empty());
  uint64_t r = b.Read(2, kX + 3, 1);  // byte 3
  std::vector<Race> races = FindRaces(b.trace);
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].current.event, r);
  EXPECT_EQ(races[0].current.address, kX + 3);
}

TEST(Races, ARangeCoversTheGranulesItSpans) {
  Builder b(3);
  b.Write(1, kX + 4, 24);           // a memset of [kX+4, kX+28): three granules
  uint64_t r = b.Read(2, kX + 16);  // in the third
  b.Read(2, kX + 28, 4);            // past its end
  std::vector<Race> races = FindRaces(b.trace);
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].current.event, r);
  EXPECT_EQ(races[0].previous.size, 24u);
  EXPECT_EQ(races[0].previous.address, kX + 4);
}

TEST(Races, AnAccessIsOnlyReportedOncePerEarlierAccess) {
  Builder b(3);
  b.Write(1, kX, 16);  // two granules
  b.Write(2, kX, 16);  // races with it in both
  std::vector<Race> races = FindRaces(b.trace);
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].occurrences, 1u);
}

TEST(Races, PriorAccessesAreAccesses) {
  // T1 wrote x before T2 touched it (not logged: x was T1's alone); T2's read is logged with
  // T1's write as a prior access after T1's start (event 3).
  Builder b(3);
  uint64_t r = b.Read(2, kX);
  b.Prior(r, 1, true, r);
  std::vector<Race> races = FindRaces(b.trace);
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].current.event, r);
  EXPECT_EQ(races[0].previous.prior, 0);
  EXPECT_EQ(races[0].previous.tid, 1u);
  EXPECT_TRUE(races[0].previous.write);
  EXPECT_EQ(races[0].previous.event, 3u);  // T1's start: the access came after it
  EXPECT_EQ(races[0].previous.pc, 0x402000u);
  EXPECT_EQ(races[0].previous.address, kX);
}

TEST(Races, APriorAccessInsideALockIsOrdered) {
  Builder b(3);
  uint32_t m = b.Object(ObjectKind::kMutex, 0x405000);
  b.Add(1, K::kMutexLock, m);
  uint64_t unlock = b.Add(1, K::kMutexUnlock, m);  // T1's write came before its unlock
  b.Add(2, K::kMutexLock, m);
  uint64_t r = b.Read(2, kX);
  b.Add(2, K::kMutexUnlock, m);
  b.Prior(r, 1, true, unlock);
  EXPECT_TRUE(FindRaces(b.trace).empty());
}

TEST(Races, APriorAccessAfterTheUnlockRaces) {
  // The check-then-insert shape: T1 looked up under the lock, then inserted without it.
  Builder b(3);
  uint32_t m = b.Object(ObjectKind::kMutex, 0x405000);
  b.Add(1, K::kMutexLock, m);
  uint64_t unlock = b.Add(1, K::kMutexUnlock, m);
  b.Add(2, K::kMutexLock, m);
  uint64_t r = b.Read(2, kX);
  b.Add(2, K::kMutexUnlock, m);
  b.Prior(r, 1, true, unlock + 1);  // after the unlock
  std::vector<Race> races = FindRaces(b.trace);
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].previous.event, unlock);
}

TEST(Races, AWriteNamesTheCheckMadeBeforeTheUnlockFirst) {
  // Check-then-insert with both threads' accesses logged: T1 checks under the lock, unlocks,
  // reads again while it inserts; T2's insert races with both reads and names the check
  // first. T1's reads in one epoch stand for each other; of its reads before an unlock only
  // the latest is kept.
  Builder b(3);
  uint32_t m = b.Object(ObjectKind::kMutex, 0x405000);
  b.Add(1, K::kMutexLock, m);
  b.Read(1, kX, 4, 0x401100);  // an older check, superseded by the next one
  b.Add(1, K::kMutexUnlock, m);
  b.Add(1, K::kMutexLock, m);
  uint64_t check = b.Read(1, kX, 4, 0x401200);
  b.Add(1, K::kMutexUnlock, m);
  b.Read(1, kX, 4, 0x401300);  // the insert's reads, one epoch
  uint64_t insert = b.Read(1, kX, 4, 0x401400);
  uint64_t w = b.Write(2, kX);
  std::vector<Race> races = FindRaces(b.trace);
  ASSERT_EQ(races.size(), 2u);
  EXPECT_EQ(races[0].current.event, w);
  EXPECT_EQ(races[0].previous.event, check);
  EXPECT_EQ(races[1].previous.event, insert);
  // The check as a prior access (its granule was read-shared then) is named all the same.
  Builder c(3);
  m = c.Object(ObjectKind::kMutex, 0x405000);
  c.Add(1, K::kMutexLock, m);
  uint64_t unlock = c.Add(1, K::kMutexUnlock, m);
  uint64_t later = c.Read(1, kX, 4, 0x401300);
  w = c.Write(2, kX);
  c.Prior(later, 1, false, unlock, 0, 0, 0x402000);  // before the unlock
  races = FindRaces(c.trace);
  ASSERT_EQ(races.size(), 2u);
  EXPECT_EQ(races[0].previous.prior, 0);
  EXPECT_EQ(races[0].previous.pc, 0x402000u);
  EXPECT_EQ(races[1].previous.event, later);
  // Without a synchronization between them the later read stands for the earlier one.
  Builder d(3);
  d.Read(1, kX, 4, 0x401200);
  uint64_t only = d.Read(1, kX, 4, 0x401300);
  d.Write(2, kX);
  races = FindRaces(d.trace);
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].previous.event, only);
}

TEST(Races, APriorReleaseStoreOrdersThePriorData) {
  // Message passing where both of T1's stores were unlogged: data and flag were T1's alone
  // until T2 read them.
  Builder b(3);
  uint64_t flag = b.Access(2, false, kY, 4, kAtomic, kAcquire);
  uint64_t data = b.Read(2, kX);
  b.Prior(flag, 1, true, flag, kAtomic, kRelease);
  b.Prior(data, 1, true, flag);
  EXPECT_TRUE(FindRaces(b.trace).empty());
  // A relaxed flag store orders nothing: the data race is reported, against the prior write.
  Builder c(3);
  flag = c.Access(2, false, kY, 4, kAtomic, kAcquire);
  data = c.Read(2, kX);
  c.Prior(flag, 1, true, flag, kAtomic, kRelaxed);
  c.Prior(data, 1, true, flag);
  std::vector<Race> races = FindRaces(c.trace);
  ASSERT_EQ(races.size(), 1u);
  EXPECT_EQ(races[0].current.event, data);
  EXPECT_EQ(races[0].previous.prior, 1);
}

TEST(Races, DeduplicatedByThePairOfSites) {
  // count++ by two threads, interleaved three times: loads at pc L, stores at pc S.
  constexpr uint64_t kLoad = 0x401196, kStore = 0x40119c;
  Builder b(3);
  for (int round = 0; round < 3; ++round) {
    for (uint32_t t = 1; t <= 2; ++t) {
      b.Read(t, kX, 4, kLoad);
      b.Write(t, kX, 4, kStore);
    }
  }
  std::vector<Race> races = FindRaces(b.trace);
  ASSERT_EQ(races.size(), 2u);
  // First T2's load against T1's store, then the two stores.
  EXPECT_EQ(races[0].current.pc, kLoad);
  EXPECT_EQ(races[0].previous.pc, kStore);
  EXPECT_EQ(races[0].current.tid, 2u);
  EXPECT_EQ(races[1].current.pc, kStore);
  EXPECT_EQ(races[1].previous.pc, kStore);
  EXPECT_LT(races[0].current.event, races[1].current.event);
  // Every load but T1's first races with the other thread's last store, every store but
  // T1's first with the other thread's last store.
  EXPECT_EQ(races[0].occurrences, 5u);
  EXPECT_EQ(races[1].occurrences, 5u);
}

TEST(Races, TheSameTwoLinesOnTheSameBytesAreOneReport) {
  // gcc's `x += n` by two threads: a read call and a write call at two pcs of one line each
  // (T1's line 24, T2's line 36); a second variable y on the same lines.
  constexpr uint64_t kLoad1 = 0x401100, kStore1 = 0x401110, kLoad2 = 0x401200, kStore2 = 0x401210;
  constexpr uint64_t kLoadY = 0x401120, kStoreY = 0x401130;
  Builder b(3);
  auto on_line = [&](uint64_t event, uint32_t line) {
    format::Frame& f = b.trace.frames[b.trace.stacks[b.trace.events[event].stack][0]];
    f.file = "/src/stats.c";
    f.line = line;
  };
  on_line(b.Read(1, kX, 8, kLoad1), 24);
  on_line(b.Write(1, kX, 8, kStore1), 24);
  on_line(b.Read(2, kX, 8, kLoad2), 36);
  on_line(b.Write(2, kX, 8, kStore2), 36);
  on_line(b.Read(1, kX, 8, kLoad1), 24);
  on_line(b.Write(1, kX, 8, kStore1), 24);
  on_line(b.Read(1, kY, 8, kLoadY), 24);
  on_line(b.Read(2, kY, 8, kLoadY + 0x100), 36);
  on_line(b.Write(2, kY, 8, kStoreY + 0x100), 36);
  std::vector<Race> races = FindRaces(b.trace);
  // By sites alone: x's (load2, store1), (store2, store1), (load1, store2), (store1, store2)
  // = 3 pairs, and y's one. By lines and bytes: x once, y once.
  ASSERT_EQ(races.size(), 2u);
  EXPECT_EQ(races[0].current.address, kX);
  EXPECT_EQ(races[0].current.line, 36u);
  EXPECT_EQ(races[0].previous.line, 24u);
  EXPECT_EQ(races[0].occurrences, 4u);
  EXPECT_EQ(races[1].current.address, kY);
  EXPECT_EQ(races[1].occurrences, 1u);
  // Without lines (no debug info) the pairs of sites stay apart.
  for (format::Frame& f : b.trace.frames) f.line = 0;
  EXPECT_EQ(FindRaces(b.trace).size(), 4u);
}

TEST(Races, WithoutStacksTheAddressIsTheSite) {
  Builder b(3);
  b.Write(1, kX);
  b.Write(1, kY);
  b.Write(2, kX);
  b.Write(2, kY);
  for (format::Event& e : b.trace.events) e.stack = 0;
  std::vector<Race> races = FindRaces(b.trace);
  ASSERT_EQ(races.size(), 2u);
  EXPECT_EQ(races[0].current.pc, 0u);
  EXPECT_EQ(races[0].current.address, kX);
  EXPECT_EQ(races[1].current.address, kY);
}

TEST(Races, Deterministic) {
  format::Trace t = format::testing::MakeRaceTrace();
  std::vector<Race> first = FindRaces(t);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(FindRaces(t), first);
  // The counter trace: T2's load against T1's prior store, then (on the same line and
  // address, so the same report) T2's store against it, T1's load against T2's store and
  // T1's store against T2's.
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].current.event, 5u);
  EXPECT_EQ(first[0].previous.prior, 0);
  EXPECT_EQ(first[0].previous.event, 3u);
  EXPECT_EQ(first[0].occurrences, 4u);
}

TEST(Races, MalformedTracesLoseAccessesOnly) {
  Builder b(3);
  b.Write(1, kX);
  b.Add(2, K::kMemRead, 999, Mem(4));                       // no such object
  b.Add(2, K::kMemRead, b.handles[0], Mem(4));              // not a granule
  b.Add(2, K::kMemRead, b.Granule(kX), Mem(0));             // no bytes
  b.Add(2, K::kMemWrite, b.Granule(kX), Mem(0xffffffffu));  // a huge range
  b.trace.events.back().stack = 12345;                      // no such stack
  b.Prior(4, 77, true, 4);                                  // no such thread
  b.Prior(4, 1, true, 100000);                              // before_event past the end
  b.trace.prior_accesses.push_back(format::PriorAccess{999999, 1, true, 0, Mem(4), 0, 0});
  std::vector<Race> races = FindRaces(b.trace);
  ASSERT_EQ(races.size(), 1u);  // the huge write against T1's
  EXPECT_EQ(races[0].current.pc, 0u);
}

TEST(Races, NoMemoryAccessesNoRaces) {
  format::Trace t = format::testing::MakeDeadlockTrace();
  EXPECT_FALSE(HasMemoryAccesses(t));
  EXPECT_TRUE(FindRaces(t).empty());
}

// Memory accesses are conflicts on their granule (the access model's read / write rows),
// and an atomic release/acquire pair on a granule is an edge of that granule only.
TEST(Races, MemoryAccessesAreConflicts) {
  Builder b(3);
  uint64_t w = b.Write(1, kX);
  uint64_t r = b.Read(2, kX);
  std::vector<Conflict> c = FindConflicts(b.trace);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].first, w);
  EXPECT_EQ(c[0].second, r);
  EXPECT_EQ(c[0].obj, b.Granule(kX));
  EXPECT_EQ(c[0].first_access, Access::kWrite);
  EXPECT_EQ(c[0].second_access, Access::kRead);
  EXPECT_EQ(c[0].reversal, w);
  // Release/acquire on the flag: the flag pair is a conflict (its own edge is left out), the
  // data pair is not (the flag's edge orders it).
  Builder m(3);
  m.Write(1, kX);
  uint64_t store = m.Access(1, true, kY, 4, kAtomic, kRelease);
  uint64_t load = m.Access(2, false, kY, 4, kAtomic, kAcquire);
  m.Read(2, kX);
  c = FindConflicts(m.trace);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].first, store);
  EXPECT_EQ(c[0].second, load);
}

}  // namespace
}  // namespace weft::analysis
