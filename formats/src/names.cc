// names.cc — printable names of the enums of trace.h and event_kinds.h (event and object
// kinds from the ABI's event table).
#include <array>

#include "weft/event_kinds.h"
#include "weft/trace.h"

namespace weft::format {
namespace {

#define WEFT_NAMES_ENTRY_(NAME, Camel, num, name) t[num] = name;
constexpr auto kObjectKindNames = [] {
  std::array<const char*, WEFT_OBJ_COUNT> t{};
  WEFT_OBJECT_KINDS(WEFT_NAMES_ENTRY_)
  return t;
}();
constexpr auto kCategoryNames = [] {
  std::array<const char*, kEventCategoryCount> t{};
  WEFT_EVENT_CATEGORIES(WEFT_NAMES_ENTRY_)
  return t;
}();
#undef WEFT_NAMES_ENTRY_

}  // namespace

const char* EventKindName(EventKind kind) { return InfoOf(kind).name; }

const char* ObjectKindName(ObjectKind kind) {
  auto index = static_cast<uint32_t>(kind);
  return index < kObjectKindNames.size() && kObjectKindNames[index] != nullptr
             ? kObjectKindNames[index]
             : "unknown";
}

const char* EventCategoryName(EventCategory category) {
  auto index = static_cast<uint32_t>(category);
  return index < kCategoryNames.size() ? kCategoryNames[index] : "unknown";
}

const char* OutcomeKindName(Outcome::Kind kind) {
  switch (kind) {
    case Outcome::Kind::kExited:
      return "exited";
    case Outcome::Kind::kSignaled:
      return "signaled";
    case Outcome::Kind::kDeadlock:
      return "deadlock";
    case Outcome::Kind::kTimeout:
      return "timeout";
    case Outcome::Kind::kShimError:
      return "shim_error";
    case Outcome::Kind::kMaxSteps:
      return "max_steps";
    case Outcome::Kind::kStopped:
      return "stopped";
  }
  return "unknown";
}

uint32_t RecordedInputKinds(const Header& header) {
  if (!header.inputs_recorded) return 0;
  if (header.input_kinds != 0) return header.input_kinds;
  return InputKindBit(Input::Kind::kClock) | InputKindBit(Input::Kind::kRandom) |
         InputKindBit(Input::Kind::kRead);
}

const char* InputKindName(Input::Kind kind) {
  switch (kind) {
    case Input::Kind::kClock:
      return "clock";
    case Input::Kind::kRandom:
      return "random";
    case Input::Kind::kRead:
      return "read";
    case Input::Kind::kDirent:
      return "dirent";
  }
  return "unknown";
}

const char* StreamSinkName(StreamSink sink) {
  switch (sink) {
    case StreamSink::kFile:
      return "a file";
    case StreamSink::kPipe:
      return "a pipe";
    case StreamSink::kSocket:
      return "a socket";
    case StreamSink::kTerminal:
      return "a terminal";
    case StreamSink::kDevice:
      return "a device";
    case StreamSink::kClosed:
      return "closed";
    case StreamSink::kUnknown:
      break;
  }
  return "unknown";
}

}  // namespace weft::format
