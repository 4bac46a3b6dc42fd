// trace_io.h — reading and writing trace files (formats/weft_trace.proto, FORMAT.md).
// The writer streams: packets are appended as the run produces them, so a trace whose
// writer died still holds everything written before; the reader accepts such a file and
// reports has_outcome = false.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "weft/result.h"
#include "weft/trace.h"

namespace weft::format {

// The program's standard streams, as captured in a trace (stdin: as weft fed it).
enum class OutputStream { kStdout, kStderr, kStdin };

// What TraceWriter::WriteWindow wrote.
struct WindowWritten {
  uint64_t first_event = 0;     // the run's index of the window's first event (= events dropped)
  uint64_t events = 0;          // events in the window
  uint64_t inputs = 0;          // inputs in the window
  uint64_t dropped_inputs = 0;  // inputs before it
  uint64_t bytes = 0;           // the file's size
};

// Appends packets to a trace file (always the current major, kFormatMajor). Methods may be called
// in any order after Create(), except that WriteOutcome() is the last packet. Not thread-safe.
class TraceWriter {
 public:
  // Creates (truncates) `path`, writes the magic and the header packet.
  static Result<std::unique_ptr<TraceWriter>> Create(const std::string& path, const Header& header);
  // As Create, but the file has no name until Publish() gives it `path`: a run watched for a
  // divergence (a replay) writes its trace without adding an entry to a directory the
  // program may list (its recording saw no such file). Where the file system has no unnamed
  // files (O_TMPFILE), it is Create.
  static Result<std::unique_ptr<TraceWriter>> CreateUnnamed(const std::string& path,
                                                            const Header& header);
  // As CreateUnnamed, but the file is in memory (a memfd) until Publish() copies it to
  // `path` (and goes on writing there): a search's passing run, whose trace is dropped,
  // then costs the file system nothing (an ext4 inode created and freed for every run was
  // a tenth of a millisecond of a fork server's run).
  static Result<std::unique_ptr<TraceWriter>> CreateInMemory(const std::string& path,
                                                             const Header& header);
  // Links an unnamed trace in at its path (replacing a file there), or copies one in memory
  // there; a no-op for a named one.
  Status Publish();
  // Whether the file has its name (false for CreateUnnamed's until Publish).
  bool named() const;
  // A flight recorder's writer (weft record --free --ring SIZE): it writes no file as the run
  // goes, but keeps in memory the tables (processes, modules, threads, objects, frames, stacks,
  // output) whole and the batches of events and inputs of the last `window_bytes` (encoded,
  // as in the file; whole batches are dropped oldest first, the newest always stays), until
  // WriteWindow writes them. Every other method works as on a file's writer.
  static Result<std::unique_ptr<TraceWriter>> CreateWindow(const Header& header,
                                                           uint64_t window_bytes);
  // A window's writer: writes a complete trace of what the window holds to `path` (through
  // `path`.part, renamed): the header with Header::ring filled in (`dump` as given; running
  // unless the outcome was written), the tables, the window's batches re-based on its first
  // event, the outcome if written. May be called any number of times, also after the outcome.
  Result<WindowWritten> WriteWindow(const std::string& path, uint32_t dump);
  // A window's writer: the bytes of the batches it holds (bounded by window_bytes, plus one).
  uint64_t window_chunk_bytes() const;
  ~TraceWriter();

  // A process of the run, before its threads and modules.
  // The process's packet; its `execs` are written apart (WriteProcessExec).
  Status WriteProcess(const Process& process);
  // Process `pid` (written before) ran a new program.
  Status WriteProcessExec(uint32_t pid, const ProcessExec& exec);
  // A module (id > 0, unique), before the frames that refer to it.
  Status WriteModule(const Module& module);
  Status WriteThread(const Thread& thread);  // again later to update name/function
  Status WriteObject(const Object& object);  // again later to add a symbol
  // A frame (id > 0): an offset in module `module_id` (0 = none: `offset` is absolute).
  // Written once, before the stacks that use it.
  Status WriteFrame(uint32_t id, uint32_t module_id, uint64_t offset);
  // The symbols of frame `id`, at most once, at any time after the frame; `inlined_callers`
  // as in Frame (innermost first).
  Status WriteFrameSymbols(uint32_t id, const std::string& function, const std::string& file,
                           uint32_t line, const std::vector<InlinedCaller>& inlined_callers = {});
  Status WriteStack(uint32_t id, const std::vector<uint32_t>& frame_ids);
  // Events are buffered and written in batches; Flush() forces a batch out.
  Status WriteEvent(const Event& event);
  // The same as WriteEvent of each of events[0..n), in order, with one check of the writer's
  // state (a free recording's ring reader hands over what one drain found).
  Status WriteEvents(const Event* events, size_t n);
  // The enabled set of the decision that ran the last event written.
  Status WriteEnabledSet(const EnabledSet& set);
  // What the program wrote to `stream` (may be called again: the data concatenates).
  Status WriteOutput(OutputStream stream, const ProgramOutput& output);
  Status WriteWake(const Wake& wake);
  // An access no event logged, attached to the already written MEM_* event it precedes;
  // in event order.
  Status WritePriorAccess(const PriorAccess& access);
  // A recorded input (a free recording), after the events recorded before it.
  Status WriteInput(const Input& input);
  // The same, taking the input's data instead of copying it (a free recording's reads).
  Status WriteInput(Input&& input);
  // The sites that touched shared memory (Trace::memory_sites_found); once, before the outcome.
  Status WriteMemorySitesFound(const std::vector<uint64_t>& pcs);
  Status Flush();
  // The trailer. Flushes pending events first. Nothing may follow it.
  Status WriteOutcome(const Outcome& outcome);
  // Flushes and closes the file (also done by the destructor, ignoring errors).
  Status Close();

  // Events accepted by WriteEvent() so far, including those still buffered.
  uint64_t events_written() const { return events_written_; }
  // Bytes handed to the file so far (the file's size after Flush(), WriteOutcome(), Close()).
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  TraceWriter() = default;
  static Result<std::unique_ptr<TraceWriter>> CreateOnFd(const std::string& path, int fd,
                                                         const Header& header, bool unnamed);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t events_written_ = 0;
  uint64_t bytes_written_ = 0;
};

// How lenient ReadTrace/ParseTrace are.
struct ReadOptions {
  // A file that ends inside a packet (its writer was killed mid-write) is read up to its
  // last complete packet instead of being rejected; Trace::truncated_at_byte says where.
  bool accept_truncated = false;
};

// Reads a whole trace. Errors name the file and say what is wrong:
//   "cannot read trace 'x': not a weft trace (bad magic)"
//   "cannot read trace 'x': format version 7 is newer than this weft (1)"
//   "cannot read trace 'x': truncated packet at byte 1234"
// A file that ends cleanly between packets but without an outcome is returned with
// has_outcome = false (a recording that was interrupted).
// Guarantees on success: objects, stacks and frames have an entry [0]; every id that an
// event, wake, thread, stack or the outcome refers to is a valid index of its table (ids
// referred to but never defined get default entries; a thread's entry has its tid set).
Result<Trace> ReadTrace(const std::string& path);
// Same, with options.
Result<Trace> ReadTrace(const std::string& path, const ReadOptions& options);
// Same, from bytes in memory (fuzzing, tests). `name` is used in error messages.
Result<Trace> ParseTrace(const std::string& bytes, const std::string& name);
// Same, with options.
Result<Trace> ParseTrace(const std::string& bytes, const std::string& name,
                         const ReadOptions& options);
// Writes a whole in-memory trace (golden files, minimizer output).
Status WriteTrace(const std::string& path, const Trace& trace);

}  // namespace weft::format
