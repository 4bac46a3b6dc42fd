// fork_server.cc — see fork_server.h.
#include "fork_server.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "weft/launcher.h"

namespace weft::session::internal {
namespace {

// How long a server may take to reach main, and a fork to be answered.
constexpr int kReadyTimeoutMs = 20000;
constexpr int kReplyTimeoutMs = 10000;

std::string CurrentDirectory() {
  char buf[4096];
  return getcwd(buf, sizeof(buf)) != nullptr ? std::string(buf) : std::string();
}

// Reads one reply; false with `why` set when the server is gone or silent.
bool ReadReply(int sock, int timeout_ms, weft_fork_reply* reply, std::string* why) {
  struct pollfd p = {sock, POLLIN, 0};
  int r;
  while ((r = poll(&p, 1, timeout_ms)) < 0 && errno == EINTR) {
  }
  if (r == 0) {
    *why = "it did not answer within " + std::to_string(timeout_ms / 1000) + " s";
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
  return key;
}

// The calling thread's server and the verdicts on programs it could not serve.
struct ThreadServers {
  std::string key;
  std::unique_ptr<ForkServer> server;
  std::string refused_key;
  std::string refused_why;
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

Result<ForkServer*> ForkServerFor(const RunConfig& config, const SessionLayout& layout) {
  ThreadServers& t = t_servers;
  std::string key = KeyOf(config, layout);
  if (t.server != nullptr && t.key == key) return t.server.get();
  if (!t.refused_key.empty() && t.refused_key == key) return MakeError(t.refused_why);
  t.server.reset();
  auto refuse = [&](const std::string& why) -> Result<ForkServer*> {
    t.refused_key = key;
    t.refused_why = why;
    return MakeError(why);
  };

  SessionLayout server_layout = layout;
  server_layout.ring_slots = 1u << 10;  // start-up's few records; nobody reads them
  Result<SessionMemory> memory = SessionMemory::Create(server_layout);
  if (!memory.ok()) return refuse("its fork server has no session: " + memory.error().message);
  std::unique_ptr<ForkServer> server(new ForkServer());
  server->session_ = std::make_unique<SessionMemory>(std::move(memory.value()));
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
    return refuse(std::string("socketpair failed: ") + std::strerror(errno));
  }
  server->sock_ = fds[0];
  weft_session* h = server->session_->header();
  h->mode = WEFT_MODE_FORK_SERVER;
  h->fork_server_fd = fds[1];

  launcher::SpawnOptions spawn;
  spawn.argv = config.argv;
  spawn.executable = config.executable;
  spawn.env = ProgramEnvironment(config.env, config.shim_path, ProgramSessionFd());
  spawn.moved_fds = {{server->session_->fd(), ProgramSessionFd()}};
  spawn.keep_fds = {fds[1]};
  spawn.cwd = config.cwd;
  spawn.isolate = config.isolate;
  Result<pid_t> pid = launcher::StartUntraced(spawn);
  close(fds[1]);
  if (!pid.ok()) return refuse("its fork server could not start: " + pid.error().message);
  server->pid_ = pid.value();
  weft_fork_reply reply{};
  std::string why;
  if (!ReadReply(server->sock_, kReadyTimeoutMs, &reply, &why)) {
    return refuse("its fork server did not reach main: " + why);
  }
  if (reply.status != 0)
    return refuse(std::string("it is not fork-safe at main: ") + reply.message);
  t.key = key;
  t.server = std::move(server);
  t.refused_key.clear();
  return t.server.get();
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
