// strategy_registry.h — the search strategies by name: the only place strategy names live
// (the CLI's --strategy, its help text and `weft explore --list-strategies` come from here).
// Each entry says what the strategy does, its parameters, and what its completeness claim
// covers.
#pragma once

#include <string>
#include <vector>

namespace weft::search {

// One parameter of a strategy, given on the command line as --NAME VALUE.
struct StrategyParameter {
  std::string name;           // "depth"
  std::string type;           // "uint", "path"
  std::string default_value;  // as text, "" = none
  std::string help;           // one line
  std::string metavar;        // the value's name in help texts: "D"
};

// A strategy `weft explore --strategy NAME` runs.
struct StrategyInfo {
  std::string name;
  bool is_default = false;
  std::string description;   // one line: how it picks
  std::string completeness;  // one line: what a clean search with it says
  std::vector<StrategyParameter> parameters;
};

// Every strategy, the default first.
const std::vector<StrategyInfo>& StrategyRegistry();

// The strategy called `name`, nullptr if there is none.
const StrategyInfo* FindStrategy(const std::string& name);

// "random, pct, bounded, conflicts": for error messages.
std::string StrategyNames();

}  // namespace weft::search
