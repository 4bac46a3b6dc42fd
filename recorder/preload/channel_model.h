// channel_model.h — pipes and sockets as objects of the session (hooks_channel.cc; the calls
// themselves in hooks_wait.cc): the object of a descriptor and the schedule point and event
// of one operation on it.
#pragma once

#include <errno.h>
#include <sys/socket.h>

#include "control.h"
#include "file_model.h"

namespace weft::shim {

// Notes what a channel cannot be: the descriptors the program started with (weft's own
// pipes for its output, the terminal). Start-up only.
void ChannelInit();
// The channel object of `fd` when operations on channels are points (a session with forked
// processes) and fd is a pipe or a socket, else 0. A pipe is one object for both ends (its
// inode); a socket's object is its service: the listening address its connection was made
// to, whichever end it is (a client's peer, an accepted socket's own address), so every
// client of one server touches one object; a socketpair's two ends are one object.
uint32_t ChannelEventObject(int fd);
// ChannelEventObject of `fd` when it is a pipe, else 0 (a stdio stream's descriptor).
uint32_t PipeChannelObject(int fd);
// The object of the service at `addr` (connect, sendto), 0 if none.
uint32_t ChannelObjectOfAddress(const struct sockaddr* addr, socklen_t len);
// accept returned `fd`: its service is its own address.
void NoteAccepted(int fd);
// A connect to a loopback port nothing listens on yet, while a program the session started
// (exec'd: a server) still runs, waits — not holding the turn — until something listens
// there or kListenWaitNs of real time have passed: on a real machine the server would have
// had that time to start, which virtual time (a client's retry sleeps) does not give it.
inline constexpr uint64_t kListenWaitNs = 2000000000;
// Whether `t`'s connect (op.wait kWaitListen) can go on: a listener, or the time is up, or
// no such program runs any more.
bool ListenWaitOver(const Thread* t);
// A connect to a loopback port nothing listens on yet, while other threads of the session
// are live (a server under control may still listen: its start-up takes no virtual time, a
// client's retry sleeps do), waits — not holding the turn — until something listens there
// or no other thread can run (then it fails, as it would have). Whether `t`'s connect
// (op.wait kWaitServer) can go on: a listen on its port by a thread of the session
// (SchedState::listen_ports, at once), else — a server whose listen no hook saw — the kernel's
// table of listeners, asked once every kServerCheckEvents events.
bool ServerWaitOver(const Thread* t);
inline constexpr uint64_t kServerCheckEvents = 64;
// Whether a call with `call_flags` on fd can block (no MSG_DONTWAIT, fd not O_NONBLOCK).
bool MayBlockOn(int fd, int call_flags);
// Whether fd is ready for `events` now (a zero-timeout poll; an error counts as ready).
bool FdReady(int fd, short events);

// Whether a write to fd now may end the process: fd is a pipe no one reads any more, or a
// socket, and SIGPIPE is neither caught, ignored nor blocked.
bool WriteMayEndProcess(int fd);

// Holds back the calling thread's SIGPIPE while it lives: a SIGPIPE raised meanwhile is
// delivered (and ends the process) when it ends. errno is kept.
class PipeSignalHeld {
 public:
  PipeSignalHeld();
  ~PipeSignalHeld();
  PipeSignalHeld(const PipeSignalHeld&) = delete;
  PipeSignalHeld& operator=(const PipeSignalHeld&) = delete;

 private:
  uint64_t old_mask_ = 0;
};

// A channel operation by the calling thread: its schedule point, `call` (the real call: its
// result, errno on failure), then its event (arg: the result, or -errno). With `events`
// (POLLIN: a receive, an accept) the operation waits: it is not enabled until fd is ready
// for them (the thread does not hold the turn meanwhile; ChannelWait), unless the call
// cannot block (`call_flags` MSG_DONTWAIT, or a non-blocking descriptor).
template <typename Call>
inline long ChannelAccess(uint8_t kind, uint32_t obj, int fd, short events, int call_flags,
                          Call&& call) {
  Thread* self = Self();
  Op op;
  op.kind = kind;
  op.obj = obj;
  if (events != 0) {
    op.wait = kWaitFd;
    op.arg = fd;
    op.mask = static_cast<uint64_t>(static_cast<unsigned short>(events));
    if (!MayBlockOn(fd, call_flags)) op.flags |= WEFT_F_TRY;
  }
  // NB: picked, it is ready; but a thread of another process may have been judged ready by
  // its process before a third one drained the descriptor: then it waits again.
  do {
    Schedule(self, op);
  } while (ChannelWait(op) && !FdReady(fd, events));
  if (kind == WEFT_EV_CHANNEL_SEND && WriteMayEndProcess(fd)) {
    // NB: the event must be written before the SIGPIPE ends the process: a decision that
    // picked the write with no event after it would be in no trace (`yes | head -3`: yes's
    // write once head is gone; a client's send to a server that closed). So the signal is
    // held across the call and its event, and delivered after; the event is the call's real
    // result (a write of 0 bytes to a pipe without readers returns 0, and raises nothing).
    PipeSignalHeld held;
    return CallThenEmit(self, kind, obj, call);
  }
  return CallThenEmit(self, kind, obj, call);
}

}  // namespace weft::shim
