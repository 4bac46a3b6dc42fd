// json.h — a small JSON writer for weft's `--json` outputs: objects, arrays, strings,
// integers, doubles, booleans and null, compact or indented. Output is deterministic.
// Strings are bytes: valid UTF-8 is copied, control characters are escaped and invalid
// UTF-8 becomes U+FFFD, so the output is always valid JSON.
//
//   weft::json::Writer w;
//   w.BeginObject().Field("tid", 1).Field("kind", "mutex_lock").EndObject();
//   std::string text = w.TakeString();  // {"tid":1,"kind":"mutex_lock"}
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "weft/result.h"

namespace weft::json {

// Appends `text` to `out` as a quoted JSON string.
inline void AppendQuoted(std::string* out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  auto escape_u = [out](unsigned code) {
    out->append("\\u");
    for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHex[(code >> shift) & 0xf]);
  };
  out->push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out->append("\\\"");
          break;
        case '\\':
          out->append("\\\\");
          break;
        case '\b':
          out->append("\\b");
          break;
        case '\f':
          out->append("\\f");
          break;
        case '\n':
          out->append("\\n");
          break;
        case '\r':
          out->append("\\r");
          break;
        case '\t':
          out->append("\\t");
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            escape_u(c);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    // A multi-byte UTF-8 sequence: copied if well-formed (no overlong forms, no surrogates,
    // at most U+10FFFF), else its first byte becomes U+FFFD.
    size_t length = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    uint32_t code = length == 4 ? (c & 0x07) : length == 3 ? (c & 0x0f) : (c & 0x1f);
    bool valid = length != 0 && c <= 0xf4 && i + length <= text.size();
    for (size_t k = 1; valid && k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xc0) == 0x80;
      code = (code << 6) | (next & 0x3f);
    }
    static constexpr uint32_t kMinCode[] = {0, 0, 0x80, 0x800, 0x10000};
    valid = valid && code >= kMinCode[length] && code <= 0x10ffff &&
            !(code >= 0xd800 && code <= 0xdfff);
    if (!valid) {
      escape_u(0xfffd);
      ++i;
      continue;
    }
    if (code == 0x2028 || code == 0x2029) {
      escape_u(code);  // valid JSON, but not valid inside JavaScript string literals
    } else {
      out->append(text.substr(i, length));
    }
    i += length;
  }
  out->push_back('"');
}

// Builds one JSON document. Calls chain; a call that would produce invalid JSON (a value
// where a key is due, an unbalanced End...) is a bug in weft and fails a WEFT_CHECK.
class Writer {
 public:
  // indent 0 writes everything on one line; n > 0 puts each member on its own line,
  // indented by n spaces per level.
  explicit Writer(int indent = 0) : indent_(indent) {}

  // Starts an object ({).
  Writer& BeginObject() {
    BeforeValue();
    out_.push_back('{');
    stack_.push_back(Level{true, false, false});
    return *this;
  }
  // Ends the innermost object (}).
  Writer& EndObject() {
    WEFT_CHECK(!stack_.empty() && stack_.back().object && !stack_.back().after_key);
    return End('}');
  }
  // Starts an array ([).
  Writer& BeginArray() {
    BeforeValue();
    out_.push_back('[');
    stack_.push_back(Level{false, false, false});
    return *this;
  }
  // Ends the innermost array (]).
  Writer& EndArray() {
    WEFT_CHECK(!stack_.empty() && !stack_.back().object);
    return End(']');
  }
  // The key of the next member of the current object.
  Writer& Key(std::string_view key) {
    WEFT_CHECK(!stack_.empty() && stack_.back().object && !stack_.back().after_key);
    NewItem();
    AppendQuoted(&out_, key);
    out_.append(indent_ > 0 ? ": " : ":");
    stack_.back().after_key = true;
    return *this;
  }
  // A string value.
  Writer& String(std::string_view value) {
    BeforeValue();
    AppendQuoted(&out_, value);
    return *this;
  }
  // A signed integer value.
  Writer& Int(int64_t value) { return Number(value); }
  // An unsigned integer value (full 64-bit range; JavaScript readers lose precision above
  // 2^53, Python's json does not).
  Writer& Uint(uint64_t value) { return Number(value); }
  // A floating-point value in its shortest exact form; NaN and infinities become null.
  Writer& Double(double value) {
    if (!std::isfinite(value)) return Null();
    return Number(value);
  }
  // true or false.
  Writer& Bool(bool value) {
    BeforeValue();
    out_.append(value ? "true" : "false");
    return *this;
  }
  // null.
  Writer& Null() {
    BeforeValue();
    out_.append("null");
    return *this;
  }
  // Any value, by its C++ type: bool, integers, floating point, or anything that converts to
  // std::string_view (const char*, std::string).
  template <typename T>
  Writer& Value(const T& value) {
    if constexpr (std::is_same_v<T, bool>) {
      return Bool(value);
    } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      return Int(value);
    } else if constexpr (std::is_integral_v<T>) {
      return Uint(value);
    } else if constexpr (std::is_floating_point_v<T>) {
      return Double(value);
    } else {
      static_assert(std::is_convertible_v<const T&, std::string_view>,
                    "json::Writer::Value: unsupported type");
      return String(std::string_view(value));
    }
  }
  // Key(key).Value(value).
  template <typename T>
  Writer& Field(std::string_view key, const T& value) {
    return Key(key).Value(value);
  }
  // Key(key) then null.
  Writer& NullField(std::string_view key) { return Key(key).Null(); }

  // True once one complete value (usually the outer object) has been written.
  bool complete() const { return stack_.empty() && has_root_; }
  // The document so far.
  const std::string& str() const { return out_; }
  // The finished document; the writer is left empty.
  std::string TakeString() {
    WEFT_CHECK(complete());
    has_root_ = false;
    return std::move(out_);
  }

 private:
  struct Level {
    bool object;     // object (keys and values) or array (values)
    bool has_items;  // at least one member written: the next needs a comma
    bool after_key;  // object only: a key was written, its value is due
  };

  template <typename T>
  Writer& Number(T value) {
    BeforeValue();
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
    WEFT_CHECK(ec == std::errc());
    out_.append(buffer, end);
    return *this;
  }

  // Separator and indentation before a member of the current container.
  void NewItem() {
    Level& level = stack_.back();
    if (level.has_items) out_.push_back(',');
    level.has_items = true;
    if (indent_ > 0) {
      out_.push_back('\n');
      out_.append(stack_.size() * static_cast<size_t>(indent_), ' ');
    }
  }

  void BeforeValue() {
    if (stack_.empty()) {
      WEFT_CHECK(!has_root_);  // one document per writer
      has_root_ = true;
      return;
    }
    Level& level = stack_.back();
    if (level.object) {
      WEFT_CHECK(level.after_key);  // an object member needs its Key() first
      level.after_key = false;
    } else {
      NewItem();
    }
  }

  Writer& End(char close) {
    bool had_items = stack_.back().has_items;
    stack_.pop_back();
    if (indent_ > 0 && had_items) {
      out_.push_back('\n');
      out_.append(stack_.size() * static_cast<size_t>(indent_), ' ');
    }
    out_.push_back(close);
    if (indent_ > 0 && stack_.empty()) out_.push_back('\n');
    return *this;
  }

  int indent_ = 0;
  std::string out_;
  std::vector<Level> stack_;
  bool has_root_ = false;
};

}  // namespace weft::json
