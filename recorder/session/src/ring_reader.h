// ring_reader.h — the supervisor's side of the event ring: decodes the shim's records
// into trace structs, streams them to the trace writer as they arrive, and keeps what the
// end of the run needs (frames to symbolize, the deadlock report, the event digest).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "event_clock.h"
#include "weft/digest.h"
#include "weft/launcher.h"
#include "weft/run.h"
#include "weft/shim_abi.h"
#include "weft/trace.h"
#include "weft/trace_io.h"

namespace weft::session {

class RingReader {
 public:
  // `writer` may be null (no trace kept); the summary is kept either way. `ring_slots` is
  // weft's own copy of the ring's size (a power of two), never the session's.
  //
  // NB: the session is mapped writable in the program, and a racy program may scribble
  // over it: everything read from it is untrusted. Every record is checked (type, length,
  // thread ids, object ids, counts) before it is used; the first bad one makes the reader
  // corrupt() and it reads nothing more. Memory stays bounded whatever the ring holds.
  RingReader(weft_session* session, uint8_t* ring, uint64_t ring_slots,
             format::TraceWriter* writer);

  // Consumes every complete record the shim has published. Returns false once the session
  // is corrupt (`error()` says where and why: "the program overwrote weft's session memory
  // at slot 12 of the event ring: …"). `program_ended`: nothing will write the ring any
  // more; a free recording's slots that a killed thread took but never wrote are skipped.
  bool Drain(bool program_ended = false);
  // From now on Drain drops what the shim writes (a program held for a debugger runs on,
  // unrecorded, and must never wait for room in the ring).
  void DropFromNowOn() { dropping_ = true; }
  // The events' vtime are TSC readings (WEFT_EVENT_CLOCK_TSC): each becomes CLOCK_MONOTONIC
  // ns since `monotonic_base_ns` as it is drained. Call before the program starts.
  void TimeEventsByTsc(uint64_t monotonic_base_ns) {
    tsc_.emplace();
    monotonic_base_ns_ = monotonic_base_ns;
  }
  // Marks the session corrupt (`where`: "offset 24 (the run's configuration)").
  void SetCorrupt(const std::string& where);
  bool corrupt() const { return !error_.empty(); }
  // Reads the shim's status fields that the reader relies on (claimed pid, thread count)
  // and marks the session corrupt when they cannot be true. Drain calls it.
  void CheckStatus();

  uint64_t events() const { return events_; }
  // The ring slots read so far.
  uint64_t slots_read() const { return tail_; }
  uint64_t digest() const { return digest_.value(); }
  uint64_t order_digest() const { return digest_.order_value(); }
  uint64_t order_events() const { return digest_.order_events(); }
  // Of the first `index` events, how many are of the kinds a free recording orders
  // (weft/free_kinds.h): where a replay that went on past its divergence had left the order.
  uint64_t OrderEventsBefore(uint64_t index) const;
  const std::vector<format::BlockedThread>& blocked() const { return blocked_; }
  const std::string& error() const { return error_; }
  // Frames seen so far: frame id -> IP (id 0 unused), and the program image it is in.
  const std::vector<uint64_t>& frame_ips() const { return frame_ips_; }
  const std::vector<uint32_t>& frame_images() const { return frame_images_; }
  // Interns a code address of program image `image` (weft_stack_record.image) as a frame
  // (crash stacks use it too), written at once as an offset in its module (the module's
  // packet first, read from the maps of a process running the image).
  uint32_t FrameFor(uint64_t ip, uint32_t image = 0);
  // The program image that process `pid` was last seen running (0: the first one's).
  uint32_t ImageOfPid(uint32_t pid) const;
  // The image a thread started in (its start routine's), by tid (0 when unknown).
  uint32_t ImageOfThread(uint32_t tid) const {
    return tid < thread_images_.size() ? thread_images_[tid] : 0;
  }
  // The image an object was first used in, by object id (0 when unknown).
  uint32_t ImageOfObject(uint32_t id) const {
    return id < object_images_.size() ? object_images_[id] : 0;
  }
  // The maps to symbolize image `image` with: the root's final maps for the image the
  // root ended in, else those read from a process running it (empty: not known).
  std::vector<launcher::Mapping> ImageMaps(uint32_t image) const;
  // The process the run starts; its packet is written once its pid is known (the shim's
  // claim), before any thread or module. Call before the first Drain().
  void SetRootProcess(format::Process process) { root_ = std::move(process); }
  // The maps snapshot taken at the root's exit: modules of frames interned after the
  // process is gone (crash stacks) come from it.
  void SetFinalMaps(std::vector<launcher::Mapping> maps) { final_maps_ = std::move(maps); }
  // Writes the root process (if not yet written) and the modules of the final maps that no
  // frame needed. Called once the run is over.
  void WriteRemainingModules();
  // Writes a ProcessExec packet for each exec event that succeeded (a new image, under
  // control or not), in their order, from the supervisor's exec stops (`seen`): the k-th
  // exec event of a process is its k-th exec stop. Called once the run is over.
  void WriteExecs(const std::vector<launcher::RunResult::Exec>& seen);
  std::vector<format::Thread>& threads() { return threads_; }
  const std::vector<format::Thread>& threads() const { return threads_; }
  std::vector<format::Object>& objects() { return objects_; }
  // Frame ids of a stack (innermost first); empty if unknown.
  const std::vector<uint32_t>& Stack(uint32_t id) const;
  // Interns (and writes) a stack the supervisor captured itself (a timeout's threads),
  // once the shim writes no more: its id follows the shim's.
  uint32_t AddStack(std::vector<uint32_t> frames);
  // The stack of the first event of each thread that has one (tid -> stack id).
  const std::unordered_map<uint32_t, uint32_t>& first_stacks() const { return first_stacks_; }
  // The weft tid of a kernel tid, -1 if unknown.
  int32_t TidOfOsTid(uint32_t os_tid) const;
  // Kernel tid -> weft tid of every thread reported so far.
  const std::unordered_map<uint32_t, uint32_t>& os_tids() const { return os_tids_; }
  Status writer_status() const { return status_; }
  // MEM_READ / MEM_WRITE events so far.
  uint64_t memory_events() const { return memory_events_; }
  // INTERP_POINT events (schedule points in CPython's bytecode).
  uint64_t interp_points() const { return interp_points_; }
  // Sites that touched shared granules (SITE records), in the order reported.
  const std::vector<uint64_t>& memory_sites_found() const { return memory_sites_found_; }
  // Inputs of a free recording so far, and their data bytes.
  uint64_t inputs() const { return inputs_; }
  uint64_t input_bytes() const { return input_bytes_; }
  // Decisions (with RunConfig::record_decisions); moved out by the caller.
  std::vector<Decision>& decisions() { return decisions_; }

 private:
  void OnRecord(const uint8_t* slot, uint64_t index);
  // An event record: checked, digested and kept in events_out_ until FlushEvents.
  void OnEvent(const uint8_t* slot, uint64_t index);
  // Hands the events of this drain to the writer (before any other record, and at its end).
  void FlushEvents();
  // An input record (or a piece of one) and its data slots (`data_slot(i)`: slot i's bytes).
  template <typename DataSlot>
  void OnInput(const weft_input_record& rec, DataSlot&& data_slot);
  // Marks the session corrupt at ring slot `index`.
  void BadRecord(uint64_t index, const std::string& why);
  void Write(Status s);
  // Writes the root process's packet once its pid is known.
  void WriteProcess();
  // The id of the module of image `image` holding `ip` (0 = none), reading the maps again
  // on a miss.
  uint32_t ModuleFor(uint64_t ip, uint32_t image);
  // Adds (and writes) the modules of `maps` of image `image` not known yet.
  void AddModules(const std::vector<launcher::Mapping>& maps, uint32_t image);
  // Notes that process `pid` runs image `image` (from a record that says so). False (and the
  // session corrupt) when the image number cannot be one.
  bool NoteImage(uint32_t image, uint32_t pid, uint64_t index);

  weft_session* session_;
  uint8_t* ring_;
  // A free recording: many writers, each record committed by its first byte (shim_abi.h).
  bool many_writers_ = false;
  uint64_t ring_slots_;
  bool dropping_ = false;
  uint64_t tail_ = 0;         // weft's own read position (the session's copy is the shim's)
  uint32_t claimed_pid_ = 0;  // the first pid the shim claimed with; it never changes
  format::TraceWriter* writer_;
  uint64_t events_ = 0;
  // NB: a drain's events go to the writer together (TraceWriter::WriteEvents): one call
  // per event and its Status were a tenth of a free recording's CPU.
  std::vector<format::Event> events_out_;
  std::vector<uint64_t> ordered_;  // bit i: event i is of a kind a free recording orders
  analysis::EventDigest digest_;
  std::vector<format::BlockedThread> blocked_;
  std::vector<format::Thread> threads_;
  std::vector<format::Object> objects_;
  std::vector<uint64_t> frame_ips_{0};
  std::vector<uint32_t> frame_images_{0};
  // A program image other than the first (an exec'd program): a process running it, and
  // its maps once read (an exec'd server's code is at other addresses than its client's).
  struct Image {
    uint32_t pid = 0;
    std::vector<launcher::Mapping> maps;
  };
  std::unordered_map<uint32_t, Image> images_;
  std::unordered_map<uint32_t, uint32_t> image_of_pid_;
  std::vector<uint32_t> object_images_;
  std::vector<uint32_t> thread_images_;
  std::vector<uint32_t> exec_pids_;      // the process of each exec event that succeeded
  std::vector<uint32_t> module_images_;  // parallel to modules_
  format::Process root_;
  std::vector<uint32_t> child_pids_;  // forked processes whose Process packet is written
  bool process_written_ = false;
  std::vector<format::Module> modules_;  // written so far, ids 1, 2, ...
  std::vector<launcher::Mapping> final_maps_;
  // Maps reads per image, bounded: an address in no module must not re-read maps forever.
  std::unordered_map<uint32_t, int> maps_reads_;
  struct FrameKeyHash {
    size_t operator()(const std::pair<uint64_t, uint32_t>& k) const {
      return std::hash<uint64_t>()(k.first ^ (static_cast<uint64_t>(k.second) << 48));
    }
  };
  std::unordered_map<std::pair<uint64_t, uint32_t>, uint32_t, FrameKeyHash> frame_ids_;
  std::unordered_map<uint32_t, uint32_t> os_tids_;  // os tid -> weft tid
  std::unordered_map<uint32_t, std::vector<uint32_t>> stacks_;
  std::unordered_map<uint32_t, uint32_t> first_stacks_;
  std::string error_;
  Status status_;
  std::vector<Decision> decisions_;
  uint64_t memory_events_ = 0;
  uint64_t interp_points_ = 0;
  std::vector<uint64_t> memory_sites_found_;
  uint64_t last_event_kind_ = 0;
  uint16_t last_tid_ = 0;
  int32_t last_signal_woken_ = -1;
  // A long input's pieces, per thread, until its last one (WEFT_INPUT_MORE).
  std::unordered_map<uint32_t, format::Input> pending_inputs_;
  uint64_t inputs_ = 0;
  uint64_t input_bytes_ = 0;
  std::optional<TscToNs> tsc_;  // TimeEventsByTsc
  uint64_t monotonic_base_ns_ = 0;
};

// Symbolizers of a finished run, one per program image (RingReader::ImageMaps; the run's
// own maps for the root's), each made when first asked for: an exec'd program (a server
// its client started) has other code and data at the same addresses as the root's.
class ImageSymbolizers {
 public:
  ImageSymbolizers(const RingReader& reader, const launcher::RunResult& run)
      : reader_(reader), run_(run) {}
  launcher::Symbolizer& Of(uint32_t image);
  // The image thread `tid` (a weft tid, -1: unknown) runs now.
  uint32_t ImageOfThread(int tid);

 private:
  const RingReader& reader_;
  const launcher::RunResult& run_;
  std::unordered_map<uint32_t, std::unique_ptr<launcher::Symbolizer>> made_;
};

}  // namespace weft::session
