// output_capture.h — the program's stdout and stderr, kept for the trace without changing
// what the program writes to or what the user sees.
//
// How a stream is captured depends on what it is connected to:
//   a regular file   the program writes to it directly; afterwards the bytes it added are
//                    read back from the file (the shared offset says where they end).
//   a pipe, socket   the program writes into a pipe of weft's; a thread forwards every byte
//                    to the real destination at once and keeps the first `cap` bytes.
//   a terminal, …    left alone (the program must keep its terminal): not captured.
//
// A replay may ask for the kind of stream its recording had instead (Give): the program then
// gets a file of weft's (a memfd, copied to the destination when it has ended), a pipe of
// weft's or a terminal of weft's (a pseudo-terminal, without output processing), forwarded
// to the destination as the program writes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "weft/result.h"
#include "weft/trace.h"

namespace weft::session::internal {

class OutputCapture {
 public:
  enum class Give { kAsIs, kFile, kPipe, kTerminal };
  // Prepares to capture what the program writes to `destination` (an fd of weft's, open
  // for the whole run), keeping at most `cap` bytes (0: none, only what `give` needs), and
  // to give the program a stream of the kind `give` says.
  static Result<std::unique_ptr<OutputCapture>> Start(int destination, uint64_t cap,
                                                      Give give = Give::kAsIs);
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
  // kCopy: the program writes to program_fd_, a memfd of weft's, copied to destination_ at
  // Finish.
  enum class Mode { kNone, kFile, kPipe, kCopy } mode_ = Mode::kNone;
  Status StartForwarding(int read_fd, int program_fd);
  // StartForwarding through a new pipe: the program writes its end.
  Status ForwardThroughPipe();
  format::ProgramOutput FinishCopy();
  int64_t start_offset_ = 0;
  std::shared_ptr<Forwarder> forwarder_;
};

// What a descriptor leads to.
format::StreamSink SinkOf(int fd);

// The program's stdout and stderr for one run.
struct ProgramStreams {
  std::unique_ptr<OutputCapture> capture[2];  // null: not captured
  int program_fd[2] = {-1, -1};  // what the program gets (-1: weft's own stdout / stderr)
  format::StreamSink sink[2] = {format::StreamSink::kUnknown, format::StreamSink::kUnknown};
  bool stderr_is_stdout = false;   // one file (2>&1): captured once, as stdout
  std::vector<std::string> notes;  // a replay whose streams differ from the recording's
};
// Sets them up: `stdout_fd` / `stderr_fd` are where they go (-1: weft's own), captured for
// the trace when `cap` > 0. A replay (`recorded`: the recording's header) gives the program
// the kinds of stream the recording had, where they differ and can be made (a file, a pipe,
// a terminal), and says so in `notes`.
Result<ProgramStreams> SetUpStreams(int stdout_fd, int stderr_fd, uint64_t cap,
                                    const format::Header* recorded);

}  // namespace weft::session::internal
