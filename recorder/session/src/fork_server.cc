// fork_server.cc — see fork_server.h.
#include "fork_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <thread>
#include <vector>

#include "weft/launcher.h"

namespace weft::session::internal {
namespace {

// How long a fork is to be answered (the child forked ahead only reads and replies).
constexpr int kReplyTimeoutMs = 10000;

// How long a server may take to reach its fork point: a run's --timeout (an exec'd run
// whose start-up took longer would have timed out too), no limit (-1) without one.
int ReadyTimeoutMs(const RunConfig& config) {
  if (config.timeout_seconds <= 0) return -1;
  const double ms = config.timeout_seconds * 1000.0;
  return ms >= 2e9 ? 2000000000 : std::max(1, static_cast<int>(ms));
}

// "S s" for a wait of `ms`.
std::string Seconds(int ms) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%g s", ms / 1000.0);
  return buf;
}

std::string CurrentDirectory() {
  char buf[4096];
  return getcwd(buf, sizeof(buf)) != nullptr ? std::string(buf) : std::string();
}

// Reads one reply; false with `why` set when the server is gone or silent (for `timeout_ms`,
// -1 = no limit, named `limit` in the message: "" or " (--timeout)").
bool ReadReply(int sock, int timeout_ms, weft_fork_reply* reply, std::string* why,
               const char* limit = "") {
  struct pollfd p = {sock, POLLIN, 0};
  int r;
  while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
  }
  if (r == 0) {
    *why = "it did not answer within " + Seconds(timeout_ms) + limit;
    return false;
  }
  ssize_t n;
  while ((n = recv(sock, reply, sizeof(*reply), 0)) < 0 && errno == EINTR) {
  }
  if (n != static_cast<ssize_t>(sizeof(*reply))) {
    *why = "it ended before main";
    return false;
  }
  reply->message[sizeof(reply->message) - 1] = '\0';
  return true;
}

void AppendBytes(std::string* key, const void* p, size_t n) {
  key->append(static_cast<const char*>(p), n);
  key->push_back('\0');
}

// What a server's start-up depends on: runs that differ in any of it need another server.
std::string KeyOf(const RunConfig& config, const SessionLayout& layout) {
  std::string key;
  AppendBytes(&key, config.executable.data(), config.executable.size());
  for (const std::string& a : config.argv) AppendBytes(&key, a.data(), a.size());
  key += "\1env";
  for (const std::string& e : config.env) AppendBytes(&key, e.data(), e.size());
  AppendBytes(&key, config.shim_path.data(), config.shim_path.size());
  AppendBytes(&key, config.cwd.data(), config.cwd.size());
  key += config.isolate ? "i" : "-";
  key += std::to_string(config.cpu) + "/" + (config.stdin_data != nullptr ? "s" : "-");
  AppendBytes(&key, layout.memory_sites.data(), layout.memory_sites.size() * sizeof(uint64_t));
  AppendBytes(&key, layout.atomic_modules.data(),
              layout.atomic_modules.size() * sizeof(weft_atomic_module));
  AppendBytes(&key, layout.atomic_sites.data(),
              layout.atomic_sites.size() * sizeof(weft_atomic_site));
  // What a server past main ran under (its prefix) is its runs' too.
  key += "\1limits" + std::to_string(layout.max_steps) + "/" +
         std::to_string(layout.progress_window) + "/" + (layout.record_decisions ? "d" : "-");
  return key;
}

// Whether a run can be forked past main (fork_late): a run whose chooser can be fed the
// prefix's forced decisions (a seeded search's, a plan's, a guided or replayed script's: the
// prefix, one thread, runs the same under any of them, and a script left in it is reported
// as at that decision; not one that must stop there, nor a free recording's script), with
// its own stdin (the server gets the same), its own clocks (the server's become its) and no
// recorded inputs to be fed.
bool LateApplies(const RunConfig& config, const SessionLayout& layout) {
  const weft_schedule_spec& spec = layout.schedule;
  const bool fed = spec.kind == WEFT_SCHEDULE_SEARCH || spec.kind == WEFT_SCHEDULE_PLAN ||
                   spec.kind == WEFT_SCHEDULE_GUIDED ||
                   (spec.kind == WEFT_SCHEDULE_REPLAY && spec.u.replay.partial == 0);
  return fed && !layout.stop_on_divergence && config.stdin_data != nullptr &&
         config.realtime_base_ns == 0 && config.monotonic_base_ns == 0 && !layout.feed_inputs &&
         !config.free_mode && layout.mode == WEFT_MODE_CONTROLLED;
}

// A memfd named `name` holding `data`, at offset 0; -1 with `why` set if it cannot be made.
int DataMemfd(const char* name, const std::string& data, std::string* why) {
  int fd = static_cast<int>(memfd_create(name, MFD_CLOEXEC));
  if (fd < 0) {
    *why = std::string("memfd_create failed: ") + std::strerror(errno);
    return -1;
  }
  for (size_t off = 0; off < data.size();) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *why = std::string("cannot write its stdin: ") + std::strerror(errno);
      close(fd);
      return -1;
    }
    off += static_cast<size_t>(n);
  }
  lseek(fd, 0, SEEK_SET);
  return fd;
}

// The calling thread's server and the verdicts on programs it could not serve (at main,
// and past main).
struct ThreadServers {
  std::string key;
  std::unique_ptr<ForkServer> server;
  std::string refused_key;
  std::string refused_why;
  std::string late_refused_key;
  std::string late_refused_why;
};
thread_local ThreadServers t_servers;

}  // namespace

ForkedChild::~ForkedChild() {
  if (go_fd >= 0) close(go_fd);  // NB: the child reads end-of-file and exits
}

void ForkedChild::Release() {
  if (go_fd < 0) return;
  char go = 'g';
  while (write(go_fd, &go, 1) < 0 && errno == EINTR) {
  }
  close(go_fd);
  go_fd = -1;
}

void DropForkServer() {
  t_servers.server.reset();
  t_servers.key.clear();
}

bool ForkServerApplies(const RunConfig& config) {
  return config.stack_depth == 0 && !config.hold && config.stop_before < 0;
}

ForkServer::~ForkServer() {
  if (sock_ >= 0) close(sock_);  // NB: the server reads end-of-file and exits
  if (pid_ <= 0) return;
  for (int i = 0; i < 200; ++i) {
    pid_t r = waitpid(pid_, nullptr, WNOHANG);
    if (r == pid_ || (r < 0 && errno != EINTR)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill(pid_, SIGKILL);
  while (waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

// Starts a server for runs like `config`'s, forking at main or (`late`) past it; nullptr
// with `why` set when it cannot serve them.
std::unique_ptr<ForkServer> StartServer(const RunConfig& config, const SessionLayout& layout,
                                        bool late, std::string* why) {
  SessionLayout server_layout = layout;
  // NB: past main the ring keeps the prefix's records (nobody reads them: the server forks
  // before it fills); at main, start-up's few.
  server_layout.ring_slots = late ? 1u << 18 : 1u << 10;
  Result<SessionMemory> memory = SessionMemory::Create(server_layout);
  if (!memory.ok()) {
    *why = "its fork server has no session: " + memory.error().message;
    return nullptr;
  }
  std::unique_ptr<ForkServer> server(new ForkServer());
  server->session_ = std::make_unique<SessionMemory>(std::move(memory.value()));
  server->late_ = late;
  server->realtime_base_ns_ = server_layout.realtime_base_ns;
  server->monotonic_base_ns_ = server_layout.monotonic_base_ns;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    *why = std::string("socketpair failed: ") + std::strerror(errno);
    return nullptr;
  }
  server->sock_ = fds[0];
  // NB: high, beside the session's, not on a number the program's own opens would take
  // (past main, they are its runs' opens).
  const int server_sock = ProgramSessionFd() - 1;
  weft_session* h = server->session_->header();
  h->mode = WEFT_MODE_FORK_SERVER;
  h->fork_server_fd = server_sock;
  h->fork_late = late ? 1 : 0;

  launcher::SpawnOptions spawn;
  spawn.argv = config.argv;
  spawn.executable = config.executable;
  spawn.env = ProgramEnvironment(config.env, config.shim_path, ProgramSessionFd());
  spawn.moved_fds = {{server->session_->fd(), ProgramSessionFd()}, {fds[1], server_sock}};
  spawn.cwd = config.cwd;
  spawn.isolate = config.isolate;
  // Past main the server runs the program's start-up for its runs: on their stdin (a copy),
  // and on an output file of its own, which must stay empty (what it wrote there would be
  // missing from every run's output).
  int stdio[2] = {-1, -1};
  if (late) {
    stdio[0] = DataMemfd("weft-stdin", *config.stdin_data, why);
    stdio[1] = stdio[0] >= 0 ? DataMemfd("weft-fork-server-output", std::string(), why) : -1;
    if (stdio[1] < 0) {
      if (stdio[0] >= 0) close(stdio[0]);
      close(fds[1]);
      return nullptr;
    }
    spawn.stdin_fd = stdio[0];
    spawn.stdout_fd = stdio[1];
    spawn.stderr_fd = stdio[1];
  }
  Result<pid_t> pid = launcher::StartUntraced(spawn);
  close(fds[1]);
  for (int fd : stdio) {
    if (fd >= 0) close(fd);
  }
  if (!pid.ok()) {
    *why = "its fork server could not start: " + pid.error().message;
    return nullptr;
  }
  server->pid_ = pid.value();
  weft_fork_reply reply{};
  if (!ReadReply(server->sock_, ReadyTimeoutMs(config), &reply, why, " (--timeout)")) {
    *why =
        "its fork server did not reach " + std::string(late ? "its fork point: " : "main: ") + *why;
    return nullptr;
  }
  if (reply.status != 0) {
    // NB: a server past main that refuses at its fork point says "not fork-safe after main:
    // ..." itself; at main (either server) the reason alone comes.
    const bool after_main = std::strncmp(reply.message, "not fork-safe", 13) == 0;
    *why = std::string(after_main ? "it is " : "it is not fork-safe at main: ") + reply.message;
    return nullptr;
  }
  server->events_ = reply.events;
  return server;
}

Result<ForkServer*> ForkServerFor(const RunConfig& config, const SessionLayout& layout,
                                  std::string* late_note) {
  ThreadServers& t = t_servers;
  const std::string key = KeyOf(config, layout);
  const bool late = LateApplies(config, layout);
  // NB: the prefix ran on a copy of the runs' stdin (it must not have read it, but its size
  // is there to see).
  const std::string late_key =
      key + "\1late" +
      (late ? std::to_string(std::hash<std::string>{}(*config.stdin_data)) : std::string());
  if (t.server != nullptr && t.key == (late ? late_key : key)) return t.server.get();
  bool fresh_refusal = false;  // the server past main refused just now
  // NB: past main first; a program that cannot be forked there is forked at main.
  if (late && t.late_refused_key != late_key) {
    t.server.reset();
    std::string why;
    std::unique_ptr<ForkServer> server = StartServer(config, layout, true, &why);
    if (server != nullptr) {
      t.key = late_key;
      t.server = std::move(server);
      return t.server.get();
    }
    t.late_refused_key = late_key;
    t.late_refused_why = why;
    fresh_refusal = true;
  }
  auto forked_at_main = [&] {
    if (fresh_refusal) {
      *late_note = "cannot fork the runs of " + config.executable + " past main (" +
                   t.late_refused_why + "); they are forked at main";
    }
    return t.server.get();
  };
  if (t.server != nullptr && t.key == key) return forked_at_main();
  if (!t.refused_key.empty() && t.refused_key == key) return MakeError(t.refused_why);
  t.server.reset();
  std::string why;
  std::unique_ptr<ForkServer> server = StartServer(config, layout, false, &why);
  if (server == nullptr) {
    t.refused_key = key;
    t.refused_why = why;
    return MakeError(why);  // NB: the note of the exec is the one line said
  }
  t.key = key;
  t.server = std::move(server);
  t.refused_key.clear();
  return forked_at_main();
}

Result<ForkedChild> ForkServer::Fork(const ForkRequest& request) {
  static_assert(sizeof(weft_fork_request) < 8192, "a request is one datagram");
  auto request_msg = std::make_unique<weft_fork_request>();
  request_msg->magic = WEFT_FORK_REQUEST_MAGIC;
  std::string cwd = request.cwd;
  if (cwd.empty() && request.mount_ns_fd >= 0) cwd = CurrentDirectory();  // setns resets it
  if (cwd.size() >= sizeof(request_msg->cwd)) {
    return MakeError("the working directory '" + cwd + "' is too long for the fork server");
  }
  std::memcpy(request_msg->cwd, cwd.c_str(), cwd.size() + 1);
  int go[2];
  if (pipe2(go, O_CLOEXEC) != 0)
    return MakeError(std::string("pipe failed: ") + std::strerror(errno));
  ForkedChild child;
  child.go_fd = go[1];
  std::vector<int> fds = {request.session_fd, go[0]};
  const int optional[4] = {request.stdin_fd, request.stdout_fd, request.stderr_fd,
                           request.mount_ns_fd};
  const uint32_t flags[4] = {WEFT_FORK_STDIN, WEFT_FORK_STDOUT, WEFT_FORK_STDERR,
                             WEFT_FORK_MOUNT_NS};
  for (int i = 0; i < 4; ++i) {
    if (optional[i] < 0) continue;
    request_msg->fds |= flags[i];
    fds.push_back(optional[i]);
  }
  struct iovec iov = {request_msg.get(), sizeof(weft_fork_request)};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * WEFT_FORK_MAX_FDS)] = {};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
  struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
  std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  ssize_t n;
  while ((n = sendmsg(sock_, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
  }
  close(go[0]);
  if (n != static_cast<ssize_t>(sizeof(weft_fork_request))) {
    return MakeError(std::string("the fork server is gone (") + std::strerror(errno) + ")");
  }
  weft_fork_reply reply{};
  std::string why;
  if (!ReadReply(sock_, kReplyTimeoutMs, &reply, &why)) {
    return MakeError("the fork server is gone: " + why);
  }
  if (reply.status != 0 || reply.pid <= 0) {
    return MakeError(std::string("the fork server could not fork: ") + reply.message);
  }
  child.pid = reply.pid;
  return child;
}

}  // namespace weft::session::internal
