// junit.h — `weft explore --junit FILE`: a search as a JUnit XML report, the file CI test
// reporters read (Jenkins' junit step, GitLab's artifacts:reports:junit, GitHub actions that
// publish test results): testsuites / testsuite / testcase, one testcase for the program and
// strategy searched. docs/ci.md describes what goes where.
#pragma once

#include <string>
#include <vector>

#include "weft/explorer.h"
#include "weft/result.h"

namespace weft::cli {

// What one `weft explore` run puts in its report.
struct JUnitReport {
  std::vector<std::string> program;  // argv, argv[0] first
  std::string strategy;
  uint64_t first_seed = 0;
  std::string command_line;                       // the weft explore command, for a human
  const search::ExploreResult* result = nullptr;  // null when the search did not run
  std::string error;          // why the search could not run (then `result` is null)
  std::string races;          // the data races, as ThreadSanitizer prints them ("" = none)
  bool fail_on_race = false;  // races are failures: they go in the failure text
  double wall_seconds = 0;    // when `result` is null
  // When not empty: each failure's outcome as text, in place of describing its Outcome
  // (weft merge has the shards' JSON, not their outcomes).
  std::vector<std::string> outcome_texts;
};

// Checks that `path` can be written (its directories are made), before the search runs.
Status CheckJUnitPath(const std::string& path);

// Writes the report to `path` (replaced whole: a temporary file renamed over it).
Status WriteJUnit(const std::string& path, const JUnitReport& report);

// The report as XML text (for tests).
std::string JUnitXml(const JUnitReport& report);

}  // namespace weft::cli
