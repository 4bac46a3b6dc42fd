// wait_for.h — the wait-for cycle of a deadlock, as data.
#pragma once

#include <vector>

#include "weft/trace.h"

namespace weft::analysis {

// The cycle among `blocked` threads when each waits for the holder of what it waits on
// (following holders from the lowest blocked tid; a join waits for the joined thread),
// rotated to start at its lowest tid. Empty if the blocked threads form no cycle.
std::vector<format::BlockedThread> WaitForCycle(const std::vector<format::BlockedThread>& blocked);

}  // namespace weft::analysis
