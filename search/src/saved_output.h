// saved_output.h — where a search's saved run (explain's failing and passing runs, minimize's
// result) prints: files in memory, so that its trace keeps what the program wrote (the
// session captures a regular file's bytes, not /dev/null's) and the GUI's banner can say
// "balance = 30". The search's other runs print to /dev/null.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include "weft/run.h"

namespace weft::search::internal {

// A stdout and a stderr in memory, closed with the object (after the run).
struct SavedOutput {
  int out = memfd_create("weft-saved-stdout", MFD_CLOEXEC);
  int err = memfd_create("weft-saved-stderr", MFD_CLOEXEC);

  SavedOutput() = default;
  SavedOutput(const SavedOutput&) = delete;
  SavedOutput& operator=(const SavedOutput&) = delete;
  ~SavedOutput() {
    if (out >= 0) close(out);
    if (err >= 0) close(err);
  }
  // Points `config`'s output here (a stream whose file could not be made stays as it was).
  void Into(session::RunConfig& config) const {
    if (out >= 0) config.stdout_fd = out;
    if (err >= 0) config.stderr_fd = err;
  }
};

}  // namespace weft::search::internal
