#include "output_capture.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

namespace weft::session::internal {

// The pipe's reading side. Shared with its thread, which may outlive the OutputCapture when
// a process the program left behind keeps the pipe open (see Finish).
struct OutputCapture::Forwarder {
  int read_fd = -1;
  int destination = -1;
  uint64_t cap = 0;
  std::mutex mu;
  std::condition_variable cv;
  std::string kept;  // guarded by mu
  uint64_t total = 0;
  bool eof = false;
  bool detached = false;  // Finish stopped waiting: keep forwarding, stop keeping

  ~Forwarder() {
    if (read_fd >= 0) close(read_fd);
  }

  void Run() {
    char buf[65536];
    bool forward = true;
    for (;;) {
      ssize_t n = read(read_fd, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      // NB: forward before keeping, so the user sees output as soon as the program writes it.
      for (ssize_t off = 0; forward && off < n;) {
        ssize_t w = write(destination, buf + off, static_cast<size_t>(n - off));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
          forward = false;  // the reader went away: keep draining so the program never blocks
          break;
        }
        off += w;
      }
      std::lock_guard<std::mutex> lock(mu);
      if (!detached) {
        total += static_cast<uint64_t>(n);
        if (kept.size() < cap) kept.append(buf, std::min<size_t>(n, cap - kept.size()));
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    eof = true;
    cv.notify_all();
  }
};

Result<std::unique_ptr<OutputCapture>> OutputCapture::Start(int destination, uint64_t cap) {
  std::unique_ptr<OutputCapture> c(new OutputCapture());
  c->destination_ = destination;
  c->program_fd_ = destination;
  c->cap_ = cap;
  struct stat st;
  if (cap == 0 || fstat(destination, &st) != 0) return c;
  if (S_ISREG(st.st_mode)) {
    int flags = fcntl(destination, F_GETFL);
    off_t at = (flags >= 0 && (flags & O_APPEND)) ? st.st_size : lseek(destination, 0, SEEK_CUR);
    if (at >= 0) {
      c->mode_ = Mode::kFile;
      c->start_offset_ = at;
    }
    return c;
  }
  // NB: /dev/null (a character device that is no terminal: replay --json and --quiet,
  // explain's and minimize's runs) gets a pipe too, drained into it: the program then sees the
  // pipe a recording made through pipes saw (CPython sets its streams up differently on
  // /dev/null, and a replay diverged at its start-up). A terminal stays the program's own.
  bool null_device = S_ISCHR(st.st_mode) && !isatty(destination);
  if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode) && !null_device) return c;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return MakeError(std::string("cannot create a pipe for the program's output: ") +
                     std::strerror(errno));
  }
  auto f = std::make_shared<Forwarder>();
  f->read_fd = fds[0];
  f->destination = destination;
  f->cap = cap;
  c->forwarder_ = f;
  c->program_fd_ = fds[1];
  c->mode_ = Mode::kPipe;
  std::thread([f] { f->Run(); }).detach();
  return c;
}

OutputCapture::~OutputCapture() {
  if (mode_ == Mode::kPipe && program_fd_ >= 0) close(program_fd_);
}

format::ProgramOutput OutputCapture::Finish() {
  format::ProgramOutput out;
  if (mode_ == Mode::kFile) {
    off_t end = lseek(destination_, 0, SEEK_CUR);
    int flags = fcntl(destination_, F_GETFL);
    struct stat st;
    if (flags >= 0 && (flags & O_APPEND) && fstat(destination_, &st) == 0) end = st.st_size;
    if (end < start_offset_) return out;  // truncated or rewound by the program: unknown
    out.captured = true;
    out.total_bytes = static_cast<uint64_t>(end - start_offset_);
    out.data.resize(std::min<uint64_t>(out.total_bytes, cap_));
    // A file opened write-only (explore's TRACE.out) is read through a second description.
    int read_fd = destination_;
    if (flags >= 0 && (flags & O_ACCMODE) == O_WRONLY) {
      read_fd =
          open(("/proc/self/fd/" + std::to_string(destination_)).c_str(), O_RDONLY | O_CLOEXEC);
    }
    size_t got = 0;
    while (read_fd >= 0 && got < out.data.size()) {
      ssize_t n = pread(read_fd, out.data.data() + got, out.data.size() - got,
                        static_cast<off_t>(start_offset_ + got));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    if (read_fd >= 0 && read_fd != destination_) close(read_fd);
    out.data.resize(got);  // a write-only file cannot be read back: nothing kept
    out.truncated = out.data.size() < out.total_bytes;
    return out;
  }
  if (mode_ == Mode::kPipe) {
    close(program_fd_);  // the program is gone; its own copies closed when it exited
    program_fd_ = -1;
    std::unique_lock<std::mutex> lock(forwarder_->mu);
    // NB: a process the program left running may still hold the pipe. Do not wait for it:
    // the thread goes on forwarding its output while weft runs; the trace keeps what came
    // in until then.
    forwarder_->cv.wait_for(lock, std::chrono::seconds(1), [&] { return forwarder_->eof; });
    forwarder_->detached = true;
    out.captured = true;
    out.data = std::move(forwarder_->kept);
    out.total_bytes = forwarder_->total;
    out.truncated = out.data.size() < out.total_bytes;
  }
  return out;
}

}  // namespace weft::session::internal
