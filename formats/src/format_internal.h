// format_internal.h — constants shared by the trace reader and writer (not installed).
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft::format::internal {

// Magic (8 bytes) + major version (4 bytes, little-endian).
inline constexpr size_t kPreambleBytes = 12;
// Largest packet a writer produces and a reader accepts. Event batches are far smaller
// (a few KiB); the bound keeps a corrupt length prefix from meaning anything absurd.
inline constexpr uint64_t kMaxPacketBytes = 64ull << 20;
// Events per EventBatch packet (and wakes per WakeBatch) written by TraceWriter.
inline constexpr size_t kEventsPerBatch = 4096;

}  // namespace weft::format::internal
