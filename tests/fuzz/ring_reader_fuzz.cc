// ring_reader_fuzz.cc — libFuzzer target for the supervisor's reader of the session memory
// (recorder/session/src/ring_reader.cc): whatever a program writes over its session — the
// shim's status, the ring's positions, the records — the reader must either decode it or
// say "the program overwrote weft's session memory at …", never crash, hang, or allocate
// without bound. The records it decodes go through a real TraceWriter (to /dev/null).
//
// Input: 8 bytes of the ring's write position, 8 bytes that pick the shim's status fields
// and what happens between two drains, then the ring's slots (up to kSlots * 32 bytes; the
// rest is zero). Unless the input says otherwise the write position stays within the ring
// (the shim's published records); the second drain starts where the first stopped, with the
// write position moved on, over the ring's end (the ring wraps).
//
//   ./ring_reader_fuzz -max_len=4096 tests/fuzz/ring_corpus
// Every build also links it into ring_reader_fuzz_smoke (smoke_main.cc), without libFuzzer.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "ring_reader.h"
#include "weft/shim_abi.h"
#include "weft/trace_io.h"

namespace {

constexpr uint64_t kSlots = 64;  // a power of two, as the supervisor's copy says

struct Session {
  alignas(64) weft_session header;
  alignas(64) uint8_t ring[kSlots * WEFT_SLOT_BYTES];
};

uint64_t Take64(const uint8_t*& data, size_t& size) {
  uint64_t v = 0;
  size_t n = size < 8 ? size : 8;
  std::memcpy(&v, data, n);
  data += n;
  size -= n;
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Session* session = new Session;
  std::memset(session, 0, sizeof(*session));
  uint64_t head_delta = Take64(data, size);
  uint64_t status = Take64(data, size);
  session->header.ring_slots = kSlots;  // (the reader never reads it: it has its own copy)
  session->header.ring_tail = 0;
  session->header.threads = static_cast<uint32_t>(status & 0x7ff);
  // NB: claimed_pid stays 0: with a pid the reader reads /proc/PID/maps for frames, which
  // is I/O of the machine, not of the input.
  std::memcpy(session->ring, data, size < sizeof(session->ring) ? size : sizeof(session->ring));

  auto writer = weft::format::TraceWriter::Create("/dev/null", weft::format::Header());
  if (!writer.ok()) std::abort();
  weft::session::RingReader reader(&session->header, session->ring, kSlots, writer->get());
  session->header.ring_head = (status & (1ull << 40)) ? head_delta : head_delta % (kSlots + 1);
  bool ok = reader.Drain();
  if (!ok && reader.error().rfind("the program overwrote weft's session memory at ", 0) != 0) {
    std::abort();
  }
  if (ok) {
    // The shim goes on: more slots published, over the ring's end.
    uint64_t more = (status >> 8) & 0xff;
    uint64_t head = session->header.ring_head;
    session->header.ring_head = head + ((status & (1ull << 41)) ? more : more % (kSlots + 1));
    if (status & (1ull << 42)) session->header.ring_tail = session->header.ring_tail ^ 1;
    if (status & (1ull << 43)) session->header.threads = 0xffffffffu;
    ok = reader.Drain();
    if (!ok && reader.error().rfind("the program overwrote weft's session memory at ", 0) != 0) {
      std::abort();
    }
  }
  reader.WriteRemainingModules();
  (void)(*writer)->Close();
  return 0;
}
