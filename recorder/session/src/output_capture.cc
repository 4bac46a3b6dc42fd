#include "output_capture.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

namespace weft::session::internal {

namespace {

// Writes buf[0..n) to `fd`; false when it cannot (the reader went away).
bool WriteAll(int fd, const char* buf, ssize_t n) {
  for (ssize_t off = 0; off < n;) {
    ssize_t w = write(fd, buf + off, static_cast<size_t>(n - off));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    off += w;
  }
  return true;
}

// Whether two fds lead to the same file, pipe or terminal.
bool SameDescription(int a, int b) {
  struct stat sa, sb;
  return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

}  // namespace

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
      // (the reader went away: keep draining so the program never blocks)
      if (forward) forward = WriteAll(destination, buf, n);
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

Status OutputCapture::StartForwarding(int read_fd, int program_fd) {
  auto f = std::make_shared<Forwarder>();
  f->read_fd = read_fd;
  f->destination = destination_;
  f->cap = cap_;
  forwarder_ = f;
  program_fd_ = program_fd;
  mode_ = Mode::kPipe;
  std::thread([f] { f->Run(); }).detach();
  return Status::Ok();
}

Status OutputCapture::ForwardThroughPipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    return MakeError(std::string("cannot create a pipe for the program's output: ") +
                     std::strerror(errno));
  }
  return StartForwarding(fds[0], fds[1]);
}

Result<std::unique_ptr<OutputCapture>> OutputCapture::Start(int destination, uint64_t cap,
                                                            Give give) {
  std::unique_ptr<OutputCapture> c(new OutputCapture());
  c->destination_ = destination;
  c->program_fd_ = destination;
  c->cap_ = cap;
  if (give == Give::kFile) {
    int fd = static_cast<int>(memfd_create("weft-output", MFD_CLOEXEC));
    if (fd < 0) {
      return MakeError(std::string("cannot create a file for the program's output: ") +
                       std::strerror(errno));
    }
    c->program_fd_ = fd;
    c->mode_ = Mode::kCopy;
    return c;
  }
  if (give == Give::kTerminal) {
    // NB: no output processing (OPOST): the bytes reach the destination as written, without
    // a carriage return added before each newline.
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    const char* name =
        master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0 ? ptsname(master) : nullptr;
    int slave = name != nullptr ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
    struct termios t;
    if (slave < 0 || tcgetattr(slave, &t) != 0) {
      int e = errno;
      if (master >= 0) close(master);
      if (slave >= 0) close(slave);
      return MakeError(std::string("cannot create a terminal for the program's output: ") +
                       std::strerror(e));
    }
    t.c_oflag &= ~static_cast<tcflag_t>(OPOST);
    tcsetattr(slave, TCSANOW, &t);
    if (Status s = c->StartForwarding(master, slave); !s.ok()) return s.error();
    return c;
  }
  if (give == Give::kPipe) {
    if (Status s = c->ForwardThroughPipe(); !s.ok()) return s.error();
    return c;
  }
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
  if (Status s = c->ForwardThroughPipe(); !s.ok()) return s.error();
  return c;
}

OutputCapture::~OutputCapture() {
  if ((mode_ == Mode::kPipe || mode_ == Mode::kCopy) && program_fd_ >= 0) close(program_fd_);
}

// The memfd's bytes to the destination, the first `cap_` kept.
format::ProgramOutput OutputCapture::FinishCopy() {
  format::ProgramOutput out;
  out.captured = cap_ > 0;
  char buf[65536];
  bool forward = true;
  for (off_t at = 0;;) {
    ssize_t n = pread(program_fd_, buf, sizeof(buf), at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    at += n;
    out.total_bytes += static_cast<uint64_t>(n);
    if (out.data.size() < cap_) {
      out.data.append(buf, std::min<size_t>(static_cast<size_t>(n), cap_ - out.data.size()));
    }
    if (forward) forward = WriteAll(destination_, buf, n);  // (false: the reader went away)
  }
  out.truncated = out.data.size() < out.total_bytes;
  if (!out.captured) out = format::ProgramOutput{};
  return out;
}

format::ProgramOutput OutputCapture::Finish() {
  if (mode_ == Mode::kCopy) return FinishCopy();
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

format::StreamSink SinkOf(int fd) {
  using S = format::StreamSink;
  struct stat st;
  if (fstat(fd, &st) != 0) return S::kClosed;
  if (S_ISREG(st.st_mode)) return S::kFile;
  if (S_ISFIFO(st.st_mode)) return S::kPipe;
  if (S_ISSOCK(st.st_mode)) return S::kSocket;
  if (S_ISCHR(st.st_mode)) return isatty(fd) ? S::kTerminal : S::kDevice;
  return S::kUnknown;
}

namespace {

// What the program gets without a replay's say: a captured socket becomes weft's pipe, and so
// does a captured device that is no terminal (/dev/null: replay --json and --quiet, explain's
// runs): CPython sets its streams up differently on /dev/null than on a pipe.
format::StreamSink AsCaptured(format::StreamSink sink, bool captured) {
  using S = format::StreamSink;
  return captured && (sink == S::kSocket || sink == S::kDevice) ? S::kPipe : sink;
}

}  // namespace

Result<ProgramStreams> SetUpStreams(int stdout_fd, int stderr_fd, uint64_t cap,
                                    const format::Header* recorded) {
  using S = format::StreamSink;
  using Give = OutputCapture::Give;
  ProgramStreams p;
  p.program_fd[0] = stdout_fd;
  p.program_fd[1] = stderr_fd;
  const int destinations[2] = {stdout_fd >= 0 ? stdout_fd : STDOUT_FILENO,
                               stderr_fd >= 0 ? stderr_fd : STDERR_FILENO};
  const char* names[2] = {"stdout", "stderr"};
  const bool same = SameDescription(destinations[0], destinations[1]);
  p.stderr_is_stdout = same;
  const bool replay = recorded != nullptr && recorded->stdout_sink != S::kUnknown;
  if (replay) p.stderr_is_stdout = recorded->stderr_is_stdout;
  for (int i = 0; i < 2; ++i) {
    int destination = destinations[i];
    // NB: stderr sent where stdout goes (2>&1, explore's TRACE.out) is captured once, as
    // stdout: capturing both would store the same bytes twice.
    if (i == 1 && p.stderr_is_stdout) {
      p.program_fd[1] = p.program_fd[0] >= 0 ? p.program_fd[0] : (same ? -1 : STDOUT_FILENO);
      p.sink[1] = p.sink[0];
      break;
    }
    S now = SinkOf(destination);
    bool capturable =
        cap > 0 && (now == S::kFile || now == S::kPipe || now == S::kSocket || now == S::kDevice);
    S gets = AsCaptured(now, capturable);
    Give give = capturable && now == S::kDevice ? Give::kPipe : Give::kAsIs;
    S want = replay ? (i == 0 ? recorded->stdout_sink : recorded->stderr_sink) : gets;
    // Separate in the recording, one file now (2>&1, or --json sending the program's stdout
    // to weft's stderr): the program gets a stream of its own for stderr, of the same kind.
    const bool split = i == 1 && replay && same && !p.stderr_is_stdout;
    if (split) {
      give = want == S::kFile ? Give::kFile : want == S::kTerminal ? Give::kTerminal : Give::kPipe;
    } else if (want != gets && want != S::kUnknown) {
      switch (want) {
        case S::kFile:
          give = Give::kFile;
          break;
        case S::kPipe:
        case S::kSocket:
          give = gets == S::kPipe || gets == S::kSocket ? give : Give::kPipe;
          break;
        case S::kTerminal:
          give = Give::kTerminal;
          break;
        default:
          break;
      }
      std::string note = std::string("the recording's ") + names[i] + " was " +
                         format::StreamSinkName(want) + ", this replay's is " +
                         format::StreamSinkName(now);
      if (give == Give::kFile) {
        note += ": the program writes to a file of weft's, copied to it when the program ends";
      } else if (gets != now || give != Give::kAsIs) {
        note += std::string(": the program gets ") + format::StreamSinkName(want) +
                " of weft's, forwarded to it as it writes";
      } else if (!(want == S::kSocket && gets == S::kPipe)) {
        note += ": the program may behave otherwise than it did (and the replay diverge)";
      }
      if (!(want == S::kSocket && gets == S::kPipe)) p.notes.push_back(note);
    }
    if (cap == 0 && give == Give::kAsIs) {
      p.sink[i] = gets;
      continue;
    }
    auto c = OutputCapture::Start(destination, cap, give);
    if (!c.ok()) return c.error();
    p.capture[i] = std::move(c.value());
    if (p.capture[i]->program_fd() != destination) p.program_fd[i] = p.capture[i]->program_fd();
    p.sink[i] = give == Give::kFile       ? S::kFile
                : give == Give::kPipe     ? S::kPipe
                : give == Give::kTerminal ? S::kTerminal
                                          : gets;
  }
  return p;
}

}  // namespace weft::session::internal
