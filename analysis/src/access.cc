// access.cc — the access model: the table's columns, and the kinds marked
// WEFT_ACCESS_BY_STATE (and the condition's mutex) in code.
#include "weft/access.h"

#include <array>

#include "weft/event_kinds.h"

namespace weft::analysis {
namespace {

using format::Event;
using format::EventKind;

struct Row {
  weft_access_class access = WEFT_ACCESS_NONE;
  weft_section_role section = WEFT_SECTION_NONE;
};

constexpr auto kRows = [] {
  std::array<Row, WEFT_EV_KIND_COUNT> t{};
#define WEFT_ACCESS_ROW_(NAME, Camel, num, str, OBJ, ACC, SEC, ...) \
  t[num] = Row{WEFT_ACCESS_##ACC, WEFT_SECTION_##SEC};
  WEFT_EVENT_KINDS(WEFT_ACCESS_ROW_)
#undef WEFT_ACCESS_ROW_
  return t;
}();

const Row& RowOf(EventKind kind) {
  static constexpr Row kNoRow{};
  auto index = static_cast<uint32_t>(kind);
  return index < kRows.size() ? kRows[index] : kNoRow;
}

void Add(Touches& out, uint32_t obj, Access access, bool start = false, bool end = false) {
  if (obj != 0 && access != Access::kNone) out.touch[out.count++] = Touch{obj, access, start, end};
}

}  // namespace

const char* AccessName(Access access) {
  switch (access) {
    case Access::kNone:
      return "none";
    case Access::kRead:
      return "read";
    case Access::kWrite:
      return "write";
  }
  return "unknown";
}

weft_access_class AccessClassOf(EventKind kind) { return RowOf(kind).access; }

weft_section_role SectionRoleOf(EventKind kind) { return RowOf(kind).section; }

Touches AccessesOf(const Event& e, const AccessState& state) {
  Touches out;
  const Row& row = RowOf(e.kind);
  bool ok = (e.flags & format::kFlagFailed) == 0;
  bool start = ok && row.section == WEFT_SECTION_ACQUIRE;
  bool end = ok && row.section == WEFT_SECTION_RELEASE;
  switch (row.access) {
    case WEFT_ACCESS_NONE:
      break;
    case WEFT_ACCESS_READ:
      Add(out, e.obj, Access::kRead, start, end);
      break;
    case WEFT_ACCESS_WRITE:
      Add(out, e.obj, Access::kWrite, start, end);
      break;
    case WEFT_ACCESS_UPDATE:
      Add(out, e.obj, ok ? Access::kWrite : Access::kRead, start, end);
      break;
    case WEFT_ACCESS_BY_STATE:
      switch (e.kind) {
        case EventKind::kRwlockUnlock:
          // The unlock of a write lock writes; the unlock of a read lock commutes with reads.
          Add(out, e.obj, ok && state.holds_write ? Access::kWrite : Access::kRead, start, end);
          break;
        case EventKind::kOnce:
          // The call that runs the init routine takes the once control until once_done.
          if (e.arg == 1) {
            Add(out, e.obj, Access::kWrite, true);
          } else {
            Add(out, e.obj, Access::kRead);
          }
          break;
        case EventKind::kFutexWait:
          // Only a wait that started waiting joins the queue; -EAGAIN only read the word.
          Add(out, e.obj, ok && e.arg == 0 ? Access::kWrite : Access::kRead);
          break;
        default:
          break;
      }
      break;
  }
  // A condition wait releases its mutex (arg), the wake-up reacquires it.
  if (e.kind == EventKind::kCondWait && ok && e.arg > 0 &&
      static_cast<uint64_t>(e.arg) < state.object_count) {
    Add(out, static_cast<uint32_t>(e.arg), Access::kWrite, false, true);
  } else if (e.kind == EventKind::kCondWake) {
    Add(out, state.cond_mutex, Access::kWrite, true);
  }
  return out;
}

Touches PendingAccessesOf(EventKind kind, uint32_t obj, uint32_t cond_mutex) {
  Touches out;
  if (!format::InfoOf(kind).waits) return out;
  switch (RowOf(kind).access) {
    case WEFT_ACCESS_READ:
      Add(out, obj, Access::kRead);
      break;
    case WEFT_ACCESS_WRITE:
    case WEFT_ACCESS_UPDATE:
      Add(out, obj, Access::kWrite);
      break;
    case WEFT_ACCESS_BY_STATE:
      // A call waiting for a once control's init routine to finish would find it done.
      if (kind == EventKind::kOnce) Add(out, obj, Access::kRead);
      break;
    case WEFT_ACCESS_NONE:
      break;
  }
  if (kind == EventKind::kCondWake) Add(out, cond_mutex, Access::kWrite);
  return out;
}

}  // namespace weft::analysis
