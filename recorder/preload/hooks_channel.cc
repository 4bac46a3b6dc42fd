// hooks_channel.cc — pipes and sockets as objects between the processes of a session: the
// identity of a channel (channel_model.h) and the calls that only channels have (connect,
// shutdown, socketpair). In a session with forked processes, each send and receive on a
// pipe or socket (hooks_wait.cc), connect, accept and shutdown is a schedule point and a
// CHANNEL_* event on the channel's object, so the searches interleave two processes'
// requests to one server and `weft conflicts` pairs them.
// NB: a socket's object is its *service* (the address clients connect to), not its
// connection: two clients of one server then conflict, which is what a race between them
// at the server (uncontrolled or not) needs; a controlled server's connections are
// over-approximated as one object, which costs searches a few orders, never a race.
#include <fcntl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>

#include "channel_model.h"
#include "control.h"
#include "file_model.h"
#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

using namespace weft::shim;

namespace {

// The descriptors the first process started with that are pipes or sockets (weft's output
// capture, a terminal's): (device, inode) in SchedState::std_*, never channels.
constexpr int kStdFds = 3;

// Descriptors accept returned (their service is their own address); cleared when another
// call makes a socket with that number (socket, connect). Inherited with the descriptors.
constexpr int kMaxTrackedFd = 65536;
constinit uint8_t g_accepted[kMaxTrackedFd / 8] = {};

bool Accepted(int fd) {
  return fd >= 0 && fd < kMaxTrackedFd && (g_accepted[fd / 8] & (1u << (fd % 8))) != 0;
}

void SetAccepted(int fd, bool on) {
  if (fd < 0 || fd >= kMaxTrackedFd) return;
  if (on) {
    g_accepted[fd / 8] = static_cast<uint8_t>(g_accepted[fd / 8] | (1u << (fd % 8)));
  } else {
    g_accepted[fd / 8] = static_cast<uint8_t>(g_accepted[fd / 8] & ~(1u << (fd % 8)));
  }
}

uint64_t Mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
  h ^= h >> 31;
  h *= 0xbf58476d1ce4e5b9ull;
  return h ^ (h >> 29);
}

uint64_t HashBytes(uint64_t h, const void* data, size_t n) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) h = Mix(h, p[i]);
  return h;
}

// Appends `text` to `out` (capacity `cap`, NUL-terminated).
void Append(char* out, size_t cap, size_t* at, const char* text) {
  for (size_t i = 0; text[i] != '\0' && *at + 1 < cap; ++i) out[(*at)++] = text[i];
  out[*at] = '\0';
}

void AppendNumber(char* out, size_t cap, size_t* at, uint32_t v) {
  char digits[12];
  size_t d = 0;
  do {
    digits[d++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0 && d < sizeof digits);
  char text[13];
  size_t n = 0;
  while (d > 0) text[n++] = digits[--d];
  text[n] = '\0';
  Append(out, cap, at, text);
}

// The key and printable name of a service address; false for none (an unnamed address).
bool ServiceOf(const struct sockaddr* addr, socklen_t len, uint64_t* key, char* name, size_t cap) {
  if (addr == nullptr || len < static_cast<socklen_t>(sizeof(sa_family_t))) return false;
  size_t at = 0;
  name[0] = '\0';
  switch (addr->sa_family) {
    case AF_INET: {
      if (len < static_cast<socklen_t>(sizeof(sockaddr_in))) return false;
      const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
      uint32_t a = __builtin_bswap32(in->sin_addr.s_addr);
      uint16_t port = __builtin_bswap16(in->sin_port);
      *key = Mix(Mix(AF_INET, a), port);
      for (int i = 3; i >= 0; --i) {
        AppendNumber(name, cap, &at, (a >> (8 * i)) & 0xff);
        Append(name, cap, &at, i > 0 ? "." : ":");
      }
      AppendNumber(name, cap, &at, port);
      return true;
    }
    case AF_INET6: {
      if (len < static_cast<socklen_t>(sizeof(sockaddr_in6))) return false;
      const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
      uint16_t port = __builtin_bswap16(in6->sin6_port);
      *key = Mix(HashBytes(AF_INET6, &in6->sin6_addr, sizeof in6->sin6_addr), port);
      Append(name, cap, &at, "[ipv6]:");
      AppendNumber(name, cap, &at, port);
      return true;
    }
    case AF_UNIX: {
      const auto* un = reinterpret_cast<const sockaddr_un*>(addr);
      size_t path_len = static_cast<size_t>(len) - offsetof(sockaddr_un, sun_path);
      if (static_cast<size_t>(len) <= offsetof(sockaddr_un, sun_path) || path_len == 0) {
        return false;  // unnamed
      }
      if (path_len > sizeof un->sun_path) path_len = sizeof un->sun_path;
      bool abstract = un->sun_path[0] == '\0';
      if (!abstract) {  // a path: up to its NUL
        size_t n = 0;
        while (n < path_len && un->sun_path[n] != '\0') ++n;
        path_len = n;
      }
      *key = HashBytes(AF_UNIX, un->sun_path, path_len);
      Append(name, cap, &at, abstract ? "unix:@" : "unix:");
      // The last part of a path (the name record is short).
      const char* base = un->sun_path + (abstract ? 1 : 0);
      size_t base_len = path_len - (abstract ? 1 : 0);
      for (size_t i = 0; i + 1 < base_len; ++i) {
        if (base[i] == '/') {
          base_len -= i + 1;
          base += i + 1;
          i = static_cast<size_t>(-1);
        }
      }
      char part[24];
      size_t n = base_len < sizeof part - 1 ? base_len : sizeof part - 1;
      CopyBytes(part, base, n);
      part[n] = '\0';
      Append(name, cap, &at, part);
      return true;
    }
    default:
      return false;
  }
}

// A socketpair's two ends are one channel: the pairs the session made (the smaller inode
// names it). Written by the thread holding the turn.
uint64_t PairKeyOf(uint64_t ino) {
  for (uint32_t i = 0; i < g_sched->channel_pair_count; ++i) {
    const ChannelPair& p = g_sched->channel_pairs[i];
    if (p.ino[0] == ino || p.ino[1] == ino) return p.ino[0] < p.ino[1] ? p.ino[0] : p.ino[1];
  }
  return ino;
}

uint32_t SocketObject(int fd, uint64_t dev, uint64_t ino) {
  struct sockaddr_storage local, peer;
  socklen_t local_len = sizeof local, peer_len = sizeof peer;
  if (RawSyscall(SYS_getsockname, fd, reinterpret_cast<long>(&local),
                 reinterpret_cast<long>(&local_len)) != 0) {
    return 0;
  }
  bool connected = RawSyscall(SYS_getpeername, fd, reinterpret_cast<long>(&peer),
                              reinterpret_cast<long>(&peer_len)) == 0;
  int listening = 0;
  socklen_t opt_len = sizeof listening;
  RawSyscall(SYS_getsockopt, fd, SOL_SOCKET, SO_ACCEPTCONN, reinterpret_cast<long>(&listening),
             reinterpret_cast<long>(&opt_len));
  // The service: a listener's or an accepted socket's own address, a client's peer's.
  bool own = listening != 0 || Accepted(fd) || !connected;
  const auto* service = reinterpret_cast<const sockaddr*>(own ? &local : &peer);
  socklen_t service_len = own ? local_len : peer_len;
  uint64_t key = 0;
  char name[24];
  if (ServiceOf(service, service_len, &key, name, sizeof name)) {
    return ChannelObjectId(Mix(key, 0x5e41), key, name);
  }
  // Unnamed (a socketpair, an unbound unix socket): the pair's, else its own inode.
  uint64_t pair = PairKeyOf(ino);
  return ChannelObjectId(Mix(Mix(dev, pair), 0x50c7), pair, "socketpair");
}

uint64_t MonotonicNs() {
  struct timespec ts = {0, 0};
  RawSyscall(SYS_clock_gettime, CLOCK_MONOTONIC, reinterpret_cast<long>(&ts));
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// The TCP port of a loopback address (127.0.0.0/8, ::1), 0 for any other.
uint32_t LoopbackPort(const struct sockaddr* addr, socklen_t len) {
  if (IsNull(addr) || len < static_cast<socklen_t>(sizeof(sa_family_t))) return 0;
  if (addr->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    if ((__builtin_bswap32(in->sin_addr.s_addr) >> 24) != 127) return 0;
    return __builtin_bswap16(in->sin_port);
  }
  if (addr->sa_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    const uint8_t* a = in6->sin6_addr.s6_addr;
    for (int i = 0; i < 15; ++i) {
      if (a[i] != 0) return 0;
    }
    return a[15] == 1 ? __builtin_bswap16(in6->sin6_port) : 0;
  }
  return 0;
}

// /proc/net/tcp and tcp6, read a piece at a time (only the thread holding the turn reads):
// where sock_diag cannot be asked.
constinit char g_net_buf[2048] = {};

uint32_t HexValue(const char* p, const char* end) {
  uint32_t v = 0;
  for (; p < end; ++p) {
    char c = *p;
    uint32_t d = c >= '0' && c <= '9'   ? static_cast<uint32_t>(c - '0')
                 : c >= 'A' && c <= 'F' ? static_cast<uint32_t>(c - 'A' + 10)
                 : c >= 'a' && c <= 'f' ? static_cast<uint32_t>(c - 'a' + 10)
                                        : 16u;
    if (d == 16) break;
    v = v * 16 + d;
  }
  return v;
}

// Whether a line of /proc/net/tcp ("sl: local rem st ...") is a listener on `port`.
bool ListensOn(const char* line, const char* end, uint32_t port) {
  const char* tokens[4] = {};
  int n = 0;
  for (const char* p = line; p < end && n < 4;) {
    while (p < end && *p == ' ') ++p;
    if (p >= end) break;
    tokens[n++] = p;
    while (p < end && *p != ' ') ++p;
  }
  if (n < 4) return false;
  const char* colon = tokens[1];
  while (colon < end && *colon != ':' && *colon != ' ') ++colon;
  if (colon >= end || *colon != ':') return false;
  return HexValue(colon + 1, end) == port && HexValue(tokens[3], end) == 0x0A;  // TCP_LISTEN
}

bool ListenerInFile(const char* path, uint32_t port) {
  long fd = RawSyscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool found = false;
  size_t have = 0;
  for (;;) {
    long got = RawSyscall(SYS_read, fd, reinterpret_cast<long>(g_net_buf + have),
                          static_cast<long>(sizeof g_net_buf - have));
    if (got <= 0) break;
    have += static_cast<size_t>(got);
    size_t start = 0;
    for (size_t i = 0; i < have; ++i) {
      if (g_net_buf[i] != '\n') continue;
      if (ListensOn(g_net_buf + start, g_net_buf + i, port)) found = true;
      start = i + 1;
    }
    if (found) break;
    // Keep the unfinished line; a line longer than the buffer is dropped.
    if (start == 0 && have == sizeof g_net_buf) start = have;
    for (size_t i = start; i < have; ++i) g_net_buf[i - start] = g_net_buf[i];
    have -= start;
  }
  RawSyscall(SYS_close, fd);
  return found;
}

// Whether a TCP socket of `family` listens on `port`, asked of the kernel by a sock_diag dump
// of the listeners on that port alone (tens of microseconds, where /proc/net/tcp walks every
// socket's bucket: milliseconds). 1 yes, 0 no, -1 the query failed.
constinit char g_diag_buf[4096] = {};

int DiagListener(int family, uint32_t port) {
  long s = RawSyscall(SYS_socket, AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (s < 0) return -1;
  struct {
    struct nlmsghdr header;
    struct inet_diag_req_v2 request;
  } req;
  ZeroBytes(&req, sizeof req);
  req.header.nlmsg_len = sizeof req;
  req.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  req.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.request.sdiag_family = static_cast<uint8_t>(family);
  req.request.sdiag_protocol = IPPROTO_TCP;
  req.request.idiag_states = 1u << 10;  // TCP_LISTEN only: the kernel walks its listeners
  req.request.id.idiag_sport = __builtin_bswap16(static_cast<uint16_t>(port));  // their port
  struct sockaddr_nl kernel;
  ZeroBytes(&kernel, sizeof kernel);
  kernel.nl_family = AF_NETLINK;
  int found = -1;
  if (RawSyscall(SYS_sendto, s, reinterpret_cast<long>(&req), sizeof req, 0,
                 reinterpret_cast<long>(&kernel), sizeof kernel) == static_cast<long>(sizeof req)) {
    found = 0;
    for (bool done = false; !done;) {
      long n = RawSyscall(SYS_recvfrom, s, reinterpret_cast<long>(g_diag_buf), sizeof g_diag_buf, 0,
                          0, 0);
      if (n <= 0) {
        found = -1;
        break;
      }
      size_t left = static_cast<size_t>(n);
      for (auto* h = reinterpret_cast<struct nlmsghdr*>(g_diag_buf); NLMSG_OK(h, left);
           h = NLMSG_NEXT(h, left)) {
        if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
          if (h->nlmsg_type == NLMSG_ERROR) found = -1;
          done = true;
          break;
        }
        if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
        const auto* msg = static_cast<const struct inet_diag_msg*>(NLMSG_DATA(h));
        if (__builtin_bswap16(msg->id.idiag_sport) == port) found = 1;
      }
    }
  }
  RawSyscall(SYS_close, s);
  return found;
}

// Whether a thread of the session listened on `port` (listen).
bool SessionListens(uint32_t port) {
  for (uint32_t i = 0; i < g_sched->listen_port_count; ++i) {
    if (g_sched->listen_ports[i] == port) return true;
  }
  return false;
}

// Whether anything on this machine listens on TCP `port`: the session's own listens, else the
// kernel (sock_diag; /proc/net/tcp where that fails).
bool ListenerOn(uint32_t port) {
  if (SessionListens(port)) return true;
  int v4 = DiagListener(AF_INET, port);
  if (v4 == 1) return true;
  int v6 = DiagListener(AF_INET6, port);
  if (v6 == 1) return true;
  if (v4 == 0 && v6 == 0) return false;
  return ListenerInFile("/proc/net/tcp", port) || ListenerInFile("/proc/net/tcp6", port);
}

}  // namespace

namespace weft::shim {

bool ServerWaitOver(const Thread* t) {
  if (t->op.mask != 0) return true;
  uint32_t port = static_cast<uint32_t>(t->op.arg);
  // NB: a listen by a thread under control happened between two events, so both the session's
  // table and the kernel's say the same at an event count in every run (deterministic). The
  // kernel is asked only once every kServerCheckEvents events, at counts the schedule fixes: a
  // server of the session listens through the hook, which is seen at once. A listener seen is
  // remembered (mask 2).
  if (!SessionListens(port) && (g_sched->events % kServerCheckEvents != 0 || !ListenerOn(port))) {
    return false;
  }
  const_cast<Thread*>(t)->op.mask = 2;
  return true;
}

bool ListenWaitOver(const Thread* t) {
  const Op& op = t->op;
  return ListenerOn(static_cast<uint32_t>(op.arg)) || MonotonicNs() - op.mask > kListenWaitNs ||
         !UncontrolledProcessRuns();
}

void ChannelInit() {
  for (int fd = 0; fd < kStdFds; ++fd) {
    struct stat st;
    if (RawSyscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0) continue;
    if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode)) continue;
    g_sched->std_dev[fd] = st.st_dev;
    g_sched->std_ino[fd] = st.st_ino;
  }
}

uint32_t ChannelEventObject(int fd) {
  if (!FileEventsOn()) return 0;
  struct stat st;
  if (RawSyscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0) return 0;
  bool fifo = S_ISFIFO(st.st_mode);
  if (!fifo && !S_ISSOCK(st.st_mode)) return 0;
  for (int i = 0; i < kStdFds; ++i) {
    if (g_sched->std_ino[i] != 0 && g_sched->std_ino[i] == st.st_ino &&
        g_sched->std_dev[i] == st.st_dev) {
      return 0;
    }
  }
  if (fifo) return ChannelObjectId(Mix(Mix(st.st_dev, st.st_ino), 0xf1f0), st.st_ino, "pipe");
  return SocketObject(fd, st.st_dev, st.st_ino);
}

bool WriteMayEndProcess(int fd) {
  struct stat st;
  if (RawSyscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0) return false;
  bool fifo = S_ISFIFO(st.st_mode);
  if (!fifo && !S_ISSOCK(st.st_mode)) return false;
  // A pipe without readers polls POLLERR. A socket may raise it with no sign beforehand (a
  // Unix socket's peer shut down its reading side: neither POLLHUP nor POLLERR; a peer outside
  // the session closing after a poll), so every socket write counts.
  struct pollfd p = {fd, POLLOUT, 0};
  if (fifo &&
      (RawSyscall(SYS_poll, reinterpret_cast<long>(&p), 1, 0) <= 0 || !(p.revents & POLLERR))) {
    return false;
  }
  struct {
    unsigned long handler, flags, restorer, mask;
  } action = {};
  uint64_t blocked = 0;
  if (RawSyscall(SYS_rt_sigaction, SIGPIPE, 0, reinterpret_cast<long>(&action), 8) != 0 ||
      RawSyscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, reinterpret_cast<long>(&blocked), 8) != 0) {
    return false;
  }
  return action.handler == 0 && (blocked & (1ull << (SIGPIPE - 1))) == 0;  // SIG_DFL
}

PipeSignalHeld::PipeSignalHeld() {
  uint64_t pipe_only = 1ull << (SIGPIPE - 1);
  RawSyscall(SYS_rt_sigprocmask, SIG_BLOCK, reinterpret_cast<long>(&pipe_only),
             reinterpret_cast<long>(&old_mask_), 8);
}

PipeSignalHeld::~PipeSignalHeld() {
  int error = errno;
  RawSyscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&old_mask_), 0, 8);
  errno = error;
}

uint32_t PipeChannelObject(int fd) {
  if (!FileEventsOn()) return 0;
  struct stat st;
  if (RawSyscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0 || !S_ISFIFO(st.st_mode))
    return 0;
  return ChannelEventObject(fd);
}

uint32_t ChannelObjectOfAddress(const struct sockaddr* addr, socklen_t len) {
  if (!FileEventsOn() || IsNull(addr)) return 0;
  uint64_t key = 0;
  char name[24];
  if (!ServiceOf(addr, len, &key, name, sizeof name)) return 0;
  return ChannelObjectId(Mix(key, 0x5e41), key, name);
}

void NoteAccepted(int fd) { SetAccepted(fd, true); }

bool MayBlockOn(int fd, int call_flags) {
  if ((call_flags & MSG_DONTWAIT) != 0) return false;
  long fl = RawSyscall(SYS_fcntl, fd, F_GETFL);
  return fl >= 0 && (fl & O_NONBLOCK) == 0;
}

bool FdReady(int fd, short events) {
  struct pollfd p = {fd, events, 0};
  return RawSyscall(SYS_poll, reinterpret_cast<long>(&p), 1, 0) != 0;
}

}  // namespace weft::shim

WEFT_EXPORT int connect(int fd, const struct sockaddr* addr, socklen_t len) {
  Guard guard;
  if (!Controlled(guard)) return real.connect(fd, addr, len);
  SetAccepted(fd, false);
  uint32_t obj = ChannelObjectOfAddress(addr, len);
  if (obj == 0) return real.connect(fd, addr, len);
  Thread* self = Self();
  Op op;
  op.kind = WEFT_EV_CHANNEL_CONNECT;
  op.obj = obj;
  // NB: decided by the thread holding the turn, before its point.
  if (uint32_t port = LoopbackPort(addr, len); port != 0 && !ListenerOn(port)) {
    if (UncontrolledProcessRuns()) {
      op.wait = kWaitListen;
      op.arg = port;
      op.mask = MonotonicNs();
    } else if (g_sched->live_count > 1) {
      op.wait = kWaitServer;
      op.arg = port;
      op.mask = 0;
    }
  }
  Schedule(self, op);
  return static_cast<int>(CallThenEmit(self, WEFT_EV_CHANNEL_CONNECT, obj,
                                       [&] { return real.connect(fd, addr, len); }));
}

// A listen by a controlled thread: its TCP port is noted for the connects that wait for it
// (ServerWaitOver). No event: what a client sees of it is its connect's.
WEFT_EXPORT int listen(int fd, int backlog) {
  Guard guard;
  bool controlled = Controlled(guard);
  int rc;
  if (real.listen != nullptr) {
    rc = real.listen(fd, backlog);
  } else {
    long r = RawSyscall(SYS_listen, fd, backlog);
    if (r < 0) errno = static_cast<int>(-r);
    rc = r < 0 ? -1 : 0;
  }
  if (rc != 0 || !controlled || g_sched->listen_port_count >= kMaxListenPorts) return rc;
  struct sockaddr_storage local;
  socklen_t len = sizeof local;
  int error = errno;
  if (RawSyscall(SYS_getsockname, fd, reinterpret_cast<long>(&local),
                 reinterpret_cast<long>(&len)) == 0) {
    uint32_t port = 0;
    if (local.ss_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
      port = __builtin_bswap16(reinterpret_cast<const sockaddr_in*>(&local)->sin_port);
    } else if (local.ss_family == AF_INET6 && len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
      port = __builtin_bswap16(reinterpret_cast<const sockaddr_in6*>(&local)->sin6_port);
    }
    if (port != 0 && !SessionListens(port)) {
      g_sched->listen_ports[g_sched->listen_port_count++] = static_cast<uint16_t>(port);
    }
  }
  errno = error;
  return rc;
}

WEFT_EXPORT int shutdown(int fd, int how) {
  Guard guard;
  if (!Controlled(guard)) return real.shutdown(fd, how);
  uint32_t obj = ChannelEventObject(fd);
  if (obj == 0) return real.shutdown(fd, how);
  return static_cast<int>(ChannelAccess(WEFT_EV_CHANNEL_SHUTDOWN, obj, fd, 0, 0,
                                        [&] { return real.shutdown(fd, how); }));
}

WEFT_EXPORT int socketpair(int domain, int type, int protocol, int fds[2]) {
  Guard guard;
  int rc = real.socketpair(domain, type, protocol, fds);
  if (rc != 0 || !Controlled(guard) || IsNull(fds)) return rc;
  SetAccepted(fds[0], false);
  SetAccepted(fds[1], false);
  if (g_sched->channel_pair_count >= kMaxChannelPairs) return rc;  // each end its own object
  ChannelPair& p = g_sched->channel_pairs[g_sched->channel_pair_count];
  struct stat st;
  for (int i = 0; i < 2; ++i) {
    p.ino[i] = RawSyscall(SYS_fstat, fds[i], reinterpret_cast<long>(&st)) == 0 ? st.st_ino : 0;
  }
  if (p.ino[0] != 0 && p.ino[1] != 0) ++g_sched->channel_pair_count;
  return rc;
}
