// short_name.cc — function names for a human (render.h ShortName), and which code is the
// toolchain's (IsToolchainSource, IsLibraryFunction) rather than the program's.
// NB: output must not depend on anything but its input: golden tests compare it.
#include <array>
#include <string>
#include <string_view>

#include "weft/render.h"

namespace weft::format {
namespace {

// The spellings of std::string and friends that demanglers print (libstdc++'s, libc++'s).
constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kTypedefs = {{
    {"std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >",
     "std::string"},
    {"std::basic_string<char, std::char_traits<char>, std::allocator<char> >", "std::string"},
    {"std::__cxx11::basic_string<wchar_t, std::char_traits<wchar_t>, std::allocator<wchar_t> >",
     "std::wstring"},
    {"std::basic_string<wchar_t, std::char_traits<wchar_t>, std::allocator<wchar_t> >",
     "std::wstring"},
    {"std::basic_string_view<char, std::char_traits<char> >", "std::string_view"},
    {"std::basic_ostream<char, std::char_traits<char> >", "std::ostream"},
    {"std::basic_istream<char, std::char_traits<char> >", "std::istream"},
    {"std::__cxx11::basic_ostringstream<char, std::char_traits<char>, std::allocator<char> >",
     "std::ostringstream"},
}};

constexpr std::array<std::string_view, 4> kDroppedPrefixes = {
    "(anonymous namespace)::", "std::__cxx11::", "std::__1::", "{anonymous}::"};

void ReplaceAll(std::string* s, std::string_view from, std::string_view to) {
  for (size_t at = s->find(from); at != std::string::npos; at = s->find(from, at + to.size())) {
    s->replace(at, from.size(), to);
  }
}

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// If an operator name ("operator()", "operator<<", "operator new[]", "operator bool")
// starts at `i`, the position after it; else `i`.
size_t SkipOperator(std::string_view s, size_t i) {
  constexpr std::string_view kOperator = "operator";
  if (s.substr(i, kOperator.size()) != kOperator) return i;
  if (i > 0 && IsIdentChar(s[i - 1])) return i;
  size_t j = i + kOperator.size();
  if (j < s.size() && IsIdentChar(s[j])) return i;  // "operator_x" is an identifier
  while (j < s.size() && s[j] == ' ') ++j;
  if (s.substr(j, 2) == "()" || s.substr(j, 2) == "[]") return j + 2;
  constexpr std::string_view kSymbols = "<>=!+-*/%^&|~,";
  size_t k = j;
  while (k < s.size() && kSymbols.find(s[k]) != std::string_view::npos) ++k;
  if (k > j) return k;
  while (k < s.size() && (IsIdentChar(s[k]) || s[k] == ' ')) {  // new, delete, bool
    if (s[k] == ' ' && !(s.substr(k + 1, 2) == "[]")) break;
    ++k;
  }
  if (s.substr(k, 3) == " []") k += 3;
  return k;
}

bool IsOpen(char c) { return c == '(' || c == '<' || c == '[' || c == '{'; }
// Whether s[i] closes a bracket; NB: the ">" of a Rust "fn() -> T" does not.
bool ClosesAt(std::string_view s, size_t i) {
  char c = s[i];
  if (c == '>' && i > 0 && s[i - 1] == '-') return false;
  return c == ')' || c == '>' || c == ']' || c == '}';
}

// The position of the bracket closing the one at `open`, or npos.
size_t Matching(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    size_t after = SkipOperator(s, i);
    if (after != i) {
      i = after - 1;
      continue;
    }
    if (IsOpen(s[i])) {
      ++depth;
    } else if (ClosesAt(s, i) && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

// Removes what a reader does not need from a demangled C++ (or Rust) name: the return type
// of a template function, the signatures of enclosing functions ("f(int)::{lambda()#1}" →
// "f::{lambda()#1}"), a lambda's "::operator()(…) const". Works on the top level only.
std::string Simplify(std::string_view name) {
  // Top-level tokens: find the last top-level space before the first top-level "(" that
  // starts a parameter list (everything before that space is a return type).
  std::string out;
  size_t start = 0;
  {
    int depth = 0;
    size_t last_space = std::string_view::npos;
    for (size_t i = 0; i < name.size(); ++i) {
      size_t after = SkipOperator(name, i);
      if (after != i) {
        i = after - 1;
        continue;
      }
      char c = name[i];
      if (c == '(' && depth == 0) break;
      if (IsOpen(c)) ++depth;
      if (ClosesAt(name, i) && depth > 0) --depth;
      if (c == ' ' && depth == 0) last_space = i;
    }
    if (last_space != std::string_view::npos) start = last_space + 1;
  }
  // Copy, dropping top-level "(…)" groups that are followed by "::" (an enclosing function).
  for (size_t i = start; i < name.size(); ++i) {
    size_t after = SkipOperator(name, i);
    if (after != i) {
      out.append(name.substr(i, after - i));
      i = after - 1;
      continue;
    }
    char c = name[i];
    if (IsOpen(c)) {
      size_t close = Matching(name, i);
      if (close == std::string_view::npos) {
        out.append(name.substr(i));
        break;
      }
      bool enclosing = c == '(' && name.substr(close + 1, 2) == "::";
      // A trailing " const" of an enclosing method's signature goes too.
      size_t skip_to = close;
      if (c == '(' && name.substr(close + 1, 8) == " const::") {
        enclosing = true;
        skip_to = close + 6;
      }
      if (!enclosing) out.append(name.substr(i, close + 1 - i));
      i = skip_to;
      continue;
    }
    out += c;
  }
  // A lambda's call operator: "…::{lambda(int)#1}::operator()(int) const" → "…::{lambda(int)#1}".
  // (Names qualified from debug information have no parameters: "…::{lambda()}::operator()".)
  size_t lambda_op = out.rfind("}::operator()");
  if (lambda_op != std::string::npos && out.rfind("{lambda", lambda_op) != std::string::npos &&
      (lambda_op + 13 == out.size() || out[lambda_op + 13] == '(')) {
    out.resize(lambda_op + 1);
  }
  return out;
}

// Replaces the contents of every outermost "<…>" by "…" ("std::map<…>", "spawn::<…>").
std::string CollapseTemplates(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    size_t after = SkipOperator(name, i);
    if (after != i) {
      out.append(name.substr(i, after - i));
      i = after - 1;
      continue;
    }
    // NB: a leading "<T>" or "<T as Trait>" (a Rust impl's qualifier) says whose method it
    // is: it stays, with its own arguments collapsed.
    if (name[i] == '<' && i > 0) {
      size_t close = Matching(name, i);
      if (close != std::string_view::npos) {
        out += "<…>";
        i = close;
        continue;
      }
    }
    out += name[i];
  }
  return out;
}

// Replaces the outermost parameter list by "(…)" when it is not empty.
std::string CollapseParameters(std::string_view name) {
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    size_t after = SkipOperator(name, i);
    if (after != i) {
      out.append(name.substr(i, after - i));
      i = after - 1;
      continue;
    }
    if (name[i] == '(' || name[i] == '{' || name[i] == '[') {
      size_t close = Matching(name, i);
      if (close != std::string_view::npos) {
        if (name[i] == '(' && close > i + 1) {
          out += "(…)";
        } else {
          out.append(name.substr(i, close + 1 - i));
        }
        i = close;
        continue;
      }
    }
    out += name[i];
  }
  return out;
}

// Cuts to `cap` bytes with an ellipsis, never inside a UTF-8 sequence.
std::string Cut(std::string s, size_t cap) {
  if (s.size() <= cap) return s;
  constexpr std::string_view kEllipsis = "…";  // 3 bytes
  size_t keep = cap > kEllipsis.size() ? cap - kEllipsis.size() : 0;
  while (keep > 0 && (static_cast<unsigned char>(s[keep]) & 0xC0) == 0x80) --keep;
  s.resize(keep);
  s += kEllipsis;
  return s;
}

// Display width of UTF-8 text (code points).
size_t Width(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

std::string ShortName(std::string_view function, size_t cap) {
  if (function.empty()) return "";
  std::string name(function);
  for (const auto& [from, to] : kTypedefs) ReplaceAll(&name, from, to);
  for (std::string_view prefix : kDroppedPrefixes) ReplaceAll(&name, prefix, "");
  name = Simplify(name);
  if (Width(name) > cap) name = CollapseTemplates(name);
  if (Width(name) > cap) name = CollapseParameters(name);
  if (Width(name) > cap) name = Cut(std::move(name), cap);
  return name;
}

bool IsToolchainSource(std::string_view file) {
  // C and C++: the system's and the compiler's headers (libstdc++'s <thread>, <mutex>…).
  for (std::string_view prefix : {"/usr/include/", "/usr/lib/gcc/", "/usr/lib/llvm"}) {
    if (file.substr(0, prefix.size()) == prefix) return true;
  }
  // Rust: the standard library's sources as rustc records them ("/rustc/<commit>/library/
  // std/src/thread/mod.rs"), or as rustup installs them (".../lib/rustlib/src/rust/library").
  if (file.substr(0, 7) == "/rustc/") return true;
  if (file.find("/lib/rustlib/src/rust/library/") != std::string_view::npos) return true;
  // The precompiled std's own line tables name its files relative to /rustc/<commit>:
  // "library/std/src/sys/thread/unix.rs".
  for (std::string_view crate :
       {"std", "core", "alloc", "panic_unwind", "panic_abort", "proc_macro", "test", "unwind",
        "backtrace", "portable-simd", "stdarch"}) {
    std::string prefix = "library/" + std::string(crate) + "/";
    if (file.substr(0, prefix.size()) == prefix) return true;
  }
  return false;
}

bool IsLibraryFunction(std::string_view function) {
  std::string name = Simplify(function);
  std::string_view n = name;
  while (!n.empty() && n[0] == '<') n.remove_prefix(1);  // "<std::thread::Builder>::spawn"
  for (std::string_view prefix : {"std::", "core::", "alloc::", "__gnu_cxx::", "__cxxabiv1::"}) {
    if (n.substr(0, prefix.size()) == prefix) return true;
  }
  return n.substr(0, 2) == "__";
}

}  // namespace weft::format
