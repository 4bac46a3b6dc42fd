// output_capture.h — the program's stdout and stderr, kept for the trace without changing
// what the program writes to or what the user sees.
//
// How a stream is captured depends on what it is connected to:
//   a regular file   the program writes to it directly; afterwards the bytes it added are
//                    read back from the file (the shared offset says where they end).
//   a pipe, socket   the program writes into a pipe of weft's; a thread forwards every byte
//                    to the real destination at once and keeps the first `cap` bytes.
//   a terminal, …    left alone (the program must keep its terminal): not captured.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "weft/result.h"
#include "weft/trace.h"

namespace weft::session::internal {

class OutputCapture {
 public:
  // Prepares to capture what the program writes to `destination` (an fd of weft's, open
  // for the whole run), keeping at most `cap` bytes.
  static Result<std::unique_ptr<OutputCapture>> Start(int destination, uint64_t cap);
  ~OutputCapture();

  // The fd the program gets as this stream: `destination` itself, or weft's pipe.
  int program_fd() const { return program_fd_; }
  // After the program has ended: what it wrote (captured = false when it was a terminal or
  // something else that cannot be captured). Call once.
  format::ProgramOutput Finish();

 private:
  struct Forwarder;
  OutputCapture() = default;

  int destination_ = -1;
  int program_fd_ = -1;
  uint64_t cap_ = 0;
  enum class Mode { kNone, kFile, kPipe } mode_ = Mode::kNone;
  int64_t start_offset_ = 0;
  std::shared_ptr<Forwarder> forwarder_;
};

}  // namespace weft::session::internal
