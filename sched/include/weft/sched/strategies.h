// strategies.h — the list of search strategies the scheduling layer implements, with the
// number each one has in a schedule spec (weft_strategy_spec::kind). Never reuse a number.
// Adding a strategy: write its chooser (a header beside this one: Params, Init, PickThread,
// PickWaiter), add one line here, give it an entry in search's strategy registry, test it.
#pragma once

#include "weft/sched/nonpreemptive.h"
#include "weft/sched/pct.h"
#include "weft/sched/pos.h"
#include "weft/sched/random.h"
#include "weft/sched/surw.h"

// X(number, Name, ChooserType)
#define WEFT_SCHED_STRATEGIES(X)            \
  X(1, Random, RandomChooser)               \
  X(2, Pct, PctChooser)                     \
  X(3, Nonpreemptive, NonpreemptiveChooser) \
  X(4, Pos, PosChooser)                     \
  X(5, Surw, SurwChooser)

namespace weft::sched {

// The strategies' numbers.
enum class StrategyKind : uint32_t {
#define WEFT_SCHED_KIND(number, name, type) k##name = number,
  WEFT_SCHED_STRATEGIES(WEFT_SCHED_KIND)
#undef WEFT_SCHED_KIND
};

// The number of chooser type C.
template <typename C>
struct KindOf;
#define WEFT_SCHED_KIND_OF(number, name, type)                   \
  template <>                                                    \
  struct KindOf<type> {                                          \
    static constexpr StrategyKind value = StrategyKind::k##name; \
  };
WEFT_SCHED_STRATEGIES(WEFT_SCHED_KIND_OF)
#undef WEFT_SCHED_KIND_OF

// The spec that runs chooser C with `params`.
template <typename C>
weft_strategy_spec MakeStrategySpec(const typename C::Params& params) {
  static_assert(sizeof(params) <= sizeof(weft_strategy_spec::params), "Params too large");
  weft_strategy_spec spec{};
  spec.kind = static_cast<uint32_t>(KindOf<C>::value);
  spec.params_size = sizeof(params);
  __builtin_memcpy(spec.params, &params, sizeof(params));
  return spec;
}

// Reads C's parameters out of `spec`; false if the spec is for another chooser or its
// parameters have another size (a shim and a weft of different builds).
template <typename C>
bool ReadStrategySpec(const weft_strategy_spec& spec, typename C::Params* params) {
  if (spec.kind != static_cast<uint32_t>(KindOf<C>::value) || spec.params_size != sizeof(*params)) {
    return false;
  }
  __builtin_memcpy(params, spec.params, sizeof(*params));
  return true;
}

// One of the strategies, chosen by a spec at start-up (tagged dispatch).
class Strategy {
 public:
  constexpr Strategy() = default;

  // Sets up the strategy `spec` names; false for an unknown kind or parameters of the
  // wrong size.
  bool Init(const weft_strategy_spec& spec) {
    switch (spec.kind) {
#define WEFT_SCHED_INIT(number, name, type)                   \
  case number: {                                              \
    type::Params params;                                      \
    if (!ReadStrategySpec<type>(spec, &params)) return false; \
    name##_.Init(params);                                     \
    kind_ = number;                                           \
    return true;                                              \
  }
      WEFT_SCHED_STRATEGIES(WEFT_SCHED_INIT)
#undef WEFT_SCHED_INIT
      default:
        return false;
    }
  }

  // Index into point.enabled.
  uint32_t PickThread(const Point& point) {
    switch (kind_) {
#define WEFT_SCHED_PICK(number, name, type) \
  case number:                              \
    return name##_.PickThread(point);
      WEFT_SCHED_STRATEGIES(WEFT_SCHED_PICK)
#undef WEFT_SCHED_PICK
      default:
        return 0;
    }
  }

  // Index into wait.waiters.
  uint32_t PickWaiter(const WaitPoint& wait) {
    switch (kind_) {
#define WEFT_SCHED_WAITER(number, name, type) \
  case number:                                \
    return name##_.PickWaiter(wait);
      WEFT_SCHED_STRATEGIES(WEFT_SCHED_WAITER)
#undef WEFT_SCHED_WAITER
      default:
        return 0;
    }
  }

 private:
  uint32_t kind_ = 0;
#define WEFT_SCHED_MEMBER(number, name, type) type name##_;
  WEFT_SCHED_STRATEGIES(WEFT_SCHED_MEMBER)
#undef WEFT_SCHED_MEMBER
};

}  // namespace weft::sched
