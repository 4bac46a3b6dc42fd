// event_kinds.h — what each event kind means, read from the ABI's event table
// (abi/include/weft/event_table.h): its name, the kind of its object, what obj and arg hold,
// whether arg is reproducible, and the GUI's colour group. The conflict access model built
// on the same table is analysis/access.h.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "weft/event_table.h"
#include "weft/trace.h"

namespace weft::format {

// Colour groups of the GUI's timeline (WEFT_EVENT_CATEGORIES). NB: the order is the drawing
// priority where several groups meet in one pixel column: a later group wins.
#define WEFT_FORMAT_CATEGORY_(NAME, Camel, num, name) k##Camel = num,
enum class EventCategory : uint8_t { WEFT_EVENT_CATEGORIES(WEFT_FORMAT_CATEGORY_) };
#undef WEFT_FORMAT_CATEGORY_
// Number of EventCategory values.
inline constexpr int kEventCategoryCount = WEFT_CAT_COUNT;

// One row of the event table.
struct EventKindInfo {
  EventKind kind = EventKind::kNone;
  const char* name = "unknown";           // "mutex_lock"; "unknown" for unknown numbers
  const char* abi_name = "";              // "MUTEX_LOCK": WEFT_EV_ and EVENT_KIND_ suffix
  ObjectKind object = ObjectKind::kNone;  // kind of the event's obj (kNone: obj is 0)
  EventCategory category = EventCategory::kOther;
  bool waits = false;                 // a thread can be blocked in this operation
  bool arg_nondeterministic = false;  // arg differs between runs of one schedule
  bool retired = false;               // no longer written; only in old traces
  bool known = false;                 // false: a number this build does not know
  const char* obj_meaning = "";       // what obj holds
  const char* arg_meaning = "";       // what arg holds
};

namespace internal {
inline constexpr std::array<EventKindInfo, WEFT_EV_KIND_COUNT> kEventKindTable = [] {
  std::array<EventKindInfo, WEFT_EV_KIND_COUNT> t{};
#define WEFT_FORMAT_ROW_(NAME, Camel, num, str, OBJ, ACC, SEC, CAT, waits_, nondet, obj, arg) \
  t[num] = {.kind = EventKind::k##Camel,                                                      \
            .name = str,                                                                      \
            .abi_name = #NAME,                                                                \
            .object = ObjectKind(WEFT_OBJ_##OBJ),                                             \
            .category = EventCategory(WEFT_CAT_##CAT),                                        \
            .waits = waits_ != 0,                                                             \
            .arg_nondeterministic = nondet != 0,                                              \
            .known = true,                                                                    \
            .obj_meaning = obj,                                                               \
            .arg_meaning = arg};
#define WEFT_FORMAT_RETIRED_(NAME, Camel, num, str, OBJ, CAT, why) \
  t[num] = {.kind = EventKind::k##Camel,                           \
            .name = str,                                           \
            .abi_name = #NAME,                                     \
            .object = ObjectKind(WEFT_OBJ_##OBJ),                  \
            .category = EventCategory(WEFT_CAT_##CAT),             \
            .retired = true,                                       \
            .known = true,                                         \
            .obj_meaning = "0",                                    \
            .arg_meaning = why};
  WEFT_EVENT_KINDS(WEFT_FORMAT_ROW_)
  WEFT_RETIRED_EVENT_KINDS(WEFT_FORMAT_RETIRED_)
#undef WEFT_FORMAT_ROW_
#undef WEFT_FORMAT_RETIRED_
  return t;
}();
inline constexpr EventKindInfo kUnknownEventKind{};
}  // namespace internal

// The table row of `kind`; a row with known = false (named "unknown") for numbers this
// build does not know.
constexpr const EventKindInfo& InfoOf(EventKind kind) {
  auto index = static_cast<uint32_t>(kind);
  return index < internal::kEventKindTable.size() ? internal::kEventKindTable[index]
                                                  : internal::kUnknownEventKind;
}

// Every row of the table, indexed by number (retired kinds included).
constexpr std::span<const EventKindInfo> AllEventKinds() { return internal::kEventKindTable; }

// The GUI's colour group of an event kind (kOther for unknown numbers).
constexpr EventCategory CategoryOf(EventKind kind) { return InfoOf(kind).category; }

// "lock", "time", ...; "unknown" for numbers this build does not know.
const char* EventCategoryName(EventCategory category);

}  // namespace weft::format
