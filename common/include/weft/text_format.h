// text_format.h — locale-independent number and printf formatting shared by the renderers
// (formats' one-line descriptions, render's `weft show`). Output depends on the arguments
// only: golden tests compare it byte for byte.
#pragma once

#include <charconv>
#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <string>

namespace weft::text {

// vsnprintf into a std::string of any length.
inline std::string Printf(const char* format, ...) __attribute__((format(printf, 1, 2)));
inline std::string Printf(const char* format, ...) {
  char buffer[256];
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(buffer, sizeof(buffer), format, args);
  va_end(args);
  if (n < 0) return "";
  if (static_cast<size_t>(n) < sizeof(buffer)) return std::string(buffer, n);
  std::string out(static_cast<size_t>(n) + 1, '\0');
  va_start(args, format);
  std::vsnprintf(out.data(), out.size(), format, args);
  va_end(args);
  out.resize(static_cast<size_t>(n));
  return out;
}

// "0x1f"
inline std::string Hex(uint64_t value) { return Printf("0x%" PRIx64, value); }

// `value` with `digits` significant digits, like %g but independent of the locale (a GUI
// may have called setlocale(LC_ALL, "")).
inline std::string General(double value, int digits) {
  char buffer[64];
  auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::general, digits);
  return ec == std::errc() ? std::string(buffer, end) : "?";
}

}  // namespace weft::text
