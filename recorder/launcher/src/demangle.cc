// demangle.cc — symbol names as their programmers wrote them: C++ (the Itanium ABI, through
// libstdc++'s abi::__cxa_demangle), Rust's v0 scheme ("_R…", RFC 2603) and Rust's legacy
// scheme ("_ZN…17h<hash>E", printed without the hash). The Rust decoders are weft's own.
#include <cxxabi.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weft/launcher.h"

namespace weft::launcher {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }

// ---- Rust v0 --------------------------------------------------------------------------

// Decodes one v0 symbol. Every rule of the grammar is a method; any violation (or a
// symbol too deep or too long to be real) sets `ok_` false and the caller keeps the
// mangled name. NB: back-references jump to an earlier position and parse from there; they
// must point strictly backwards, which with the depth bound keeps every input finite.
class V0Demangler {
 public:
  explicit V0Demangler(std::string_view symbol) : s_(symbol) {}

  bool Demangle(std::string* out) {
    // "_R" [<decimal version>] <path> [<instantiating-crate>] [<vendor suffix>]
    if (s_.size() < 3 || s_.substr(0, 2) != "_R") return false;
    s_.remove_prefix(2);
    if (!s_.empty() && IsDigit(s_[0])) return false;  // only version 0 (no number) exists
    if (s_.empty() || !IsUpper(s_[0])) return false;
    size_t end = s_.find_first_of(".$");  // a vendor-specific suffix (".llvm.123") is dropped
    if (end != std::string_view::npos) s_ = s_.substr(0, end);
    Path(/*in_value=*/true);
    // An instantiating crate may follow: it is not part of the name.
    if (ok_ && pos_ < s_.size()) {
      bool saved = printing_;
      printing_ = false;
      Path(false);
      printing_ = saved;
    }
    if (!ok_ || pos_ != s_.size()) return false;
    *out = std::move(out_);
    return true;
  }

 private:
  static constexpr int kMaxDepth = 200;
  static constexpr size_t kMaxOutput = 64 * 1024;

  bool Fail() {
    ok_ = false;
    return false;
  }
  bool Eat(char c) {
    if (ok_ && pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  char Next() {
    if (!ok_ || pos_ >= s_.size()) {
      Fail();
      return '\0';
    }
    return s_[pos_++];
  }
  char Peek() const { return ok_ && pos_ < s_.size() ? s_[pos_] : '\0'; }
  void Print(std::string_view text) {
    if (!printing_ || !ok_) return;
    if (out_.size() + text.size() > kMaxOutput) {
      Fail();
      return;
    }
    out_.append(text);
  }

  // RAII depth guard: too deep a nesting fails.
  struct Depth {
    explicit Depth(V0Demangler* d) : d_(d) {
      if (++d_->depth_ > kMaxDepth) d_->Fail();
    }
    ~Depth() { --d_->depth_; }
    V0Demangler* d_;
  };

  // <base-62-number> = {<0-9a-zA-Z>} "_": "_" is 0, else the digits' value + 1.
  uint64_t Base62() {
    if (Eat('_')) return 0;
    uint64_t value = 0;
    while (ok_) {
      char c = Next();
      if (c == '_') break;
      uint64_t digit;
      if (IsDigit(c)) {
        digit = static_cast<uint64_t>(c - '0');
      } else if (IsLower(c)) {
        digit = 10 + static_cast<uint64_t>(c - 'a');
      } else if (IsUpper(c)) {
        digit = 36 + static_cast<uint64_t>(c - 'A');
      } else {
        Fail();
        return 0;
      }
      if (value > (UINT64_MAX - digit) / 62) {
        Fail();
        return 0;
      }
      value = value * 62 + digit;
    }
    if (value == UINT64_MAX) {
      Fail();
      return 0;
    }
    return value + 1;
  }

  // [<disambiguator>] = ["s" <base-62-number>]: 0 when absent, else the number + 1.
  uint64_t Disambiguator() {
    if (!Eat('s')) return 0;
    uint64_t n = Base62();
    return ok_ ? n + 1 : 0;
  }

  uint64_t Decimal() {
    if (!IsDigit(Peek())) {
      Fail();
      return 0;
    }
    if (Peek() == '0') {
      ++pos_;
      return 0;
    }
    uint64_t value = 0;
    while (IsDigit(Peek())) {
      value = value * 10 + static_cast<uint64_t>(Next() - '0');
      if (value > s_.size()) {  // longer than the symbol: cannot be
        Fail();
        return 0;
      }
    }
    return value;
  }

  // <undisambiguated-identifier> = ["u"] <decimal-number> ["_"] <bytes>
  std::string Identifier() {
    bool punycode = Eat('u');
    uint64_t length = Decimal();
    Eat('_');
    if (!ok_ || length > s_.size() - pos_) {
      Fail();
      return "";
    }
    std::string_view bytes = s_.substr(pos_, length);
    pos_ += length;
    if (!punycode) return std::string(bytes);
    std::string decoded;
    if (!Punycode(bytes, &decoded)) Fail();
    return decoded;
  }

  // RFC 3492 with '_' in place of '-' as the delimiter of the basic code points.
  static bool Punycode(std::string_view in, std::string* out) {
    std::u32string code_points;
    size_t delimiter = in.rfind('_');
    if (delimiter != std::string_view::npos) {
      for (char c : in.substr(0, delimiter)) code_points.push_back(static_cast<unsigned char>(c));
      in.remove_prefix(delimiter + 1);
    }
    constexpr uint32_t kBase = 36, kTMin = 1, kTMax = 26, kSkew = 38, kDamp = 700;
    uint32_t n = 128, bias = 72;
    uint64_t i = 0;
    size_t p = 0;
    bool first = true;
    while (p < in.size()) {
      uint64_t old_i = i, w = 1;
      for (uint32_t k = kBase;; k += kBase) {
        if (p >= in.size()) return false;
        char c = in[p++];
        uint32_t digit;
        if (IsLower(c)) {
          digit = static_cast<uint32_t>(c - 'a');
        } else if (IsDigit(c)) {
          digit = 26 + static_cast<uint32_t>(c - '0');
        } else {
          return false;
        }
        i += digit * w;
        uint32_t t = k <= bias ? kTMin : (k >= bias + kTMax ? kTMax : k - bias);
        if (digit < t) break;
        w *= kBase - t;
        if (i > 0x10FFFF * 64ull || w > 0x10FFFF * 64ull) return false;
      }
      uint64_t count = code_points.size() + 1;
      uint64_t delta = first ? (i - old_i) / kDamp : (i - old_i) / 2;
      first = false;
      delta += delta / count;
      uint32_t k = 0;
      while (delta > ((kBase - kTMin) * kTMax) / 2) {
        delta /= kBase - kTMin;
        k += kBase;
      }
      bias = k + static_cast<uint32_t>(((kBase - kTMin + 1) * delta) / (delta + kSkew));
      n += static_cast<uint32_t>(i / count);
      i %= count;
      if (n > 0x10FFFF || code_points.size() > 4096) return false;
      code_points.insert(code_points.begin() + static_cast<ptrdiff_t>(i), n);
      ++i;
    }
    for (char32_t cp : code_points) {  // UTF-8
      if (cp < 0x80) {
        *out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        *out += static_cast<char>(0xC0 | (cp >> 6));
        *out += static_cast<char>(0x80 | (cp & 0x3F));
      } else if (cp < 0x10000) {
        *out += static_cast<char>(0xE0 | (cp >> 12));
        *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        *out += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        *out += static_cast<char>(0xF0 | (cp >> 18));
        *out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        *out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        *out += static_cast<char>(0x80 | (cp & 0x3F));
      }
    }
    return true;
  }

  // <backref> = "B" <base-62-number>: a position counted from just after "_R". Parses
  // what is there with `parse` and comes back.
  template <typename F>
  void Backref(F&& parse) {
    size_t at = pos_ - 1;  // the 'B'
    uint64_t target = Base62();
    if (!ok_ || target >= at) {
      Fail();
      return;
    }
    size_t saved = pos_;
    pos_ = static_cast<size_t>(target);
    parse();
    pos_ = saved;
  }

  // <path>; `in_value`: generic arguments print as "::<…>" (an expression's path) rather
  // than "<…>" (a type's).
  void Path(bool in_value) {
    Depth depth(this);
    if (!ok_) return;
    char tag = Next();
    switch (tag) {
      case 'C': {  // crate root
        Disambiguator();
        Print(Identifier());
        break;
      }
      case 'M': {  // <T> (an inherent impl)
        Disambiguator();
        bool saved = printing_;
        printing_ = false;
        Path(false);  // the impl's own path is not printed
        printing_ = saved;
        Print("<");
        Type();
        Print(">");
        break;
      }
      case 'X': {  // <T as Trait> (a trait impl)
        Disambiguator();
        bool saved = printing_;
        printing_ = false;
        Path(false);
        printing_ = saved;
        Print("<");
        Type();
        Print(" as ");
        Path(false);
        Print(">");
        break;
      }
      case 'Y': {  // <T as Trait> (a trait's item)
        Print("<");
        Type();
        Print(" as ");
        Path(false);
        Print(">");
        break;
      }
      case 'N': {  // <namespace> <path> <identifier>
        char ns = Next();
        if (!IsLower(ns) && !IsUpper(ns)) {
          Fail();
          return;
        }
        Path(in_value);
        uint64_t dis = Disambiguator();
        std::string name = Identifier();
        if (!ok_) return;
        if (IsUpper(ns)) {  // a special namespace: closures, shims
          Print("::{");
          Print(ns == 'C' ? "closure" : ns == 'S' ? "shim" : std::string(1, ns));
          if (!name.empty()) Print(":" + name);
          Print("#" + std::to_string(dis) + "}");
        } else if (!name.empty()) {
          Print("::");
          Print(name);
        }
        break;
      }
      case 'I': {  // <path> {<generic-arg>} "E"
        Path(in_value);
        Print(in_value ? "::<" : "<");
        for (int i = 0; ok_ && !Eat('E'); ++i) {
          if (i > 0) Print(", ");
          GenericArg();
        }
        Print(">");
        last_path_generic_ = true;
        return;
      }
      case 'B':
        Backref([&] { Path(in_value); });
        return;  // as the path it refers to
      default:
        Fail();
    }
    last_path_generic_ = false;
  }

  void GenericArg() {
    if (Peek() == 'L') {
      ++pos_;
      Lifetime(Base62());
    } else if (Eat('K')) {
      Const();
    } else {
      Type();
    }
  }

  void Lifetime(uint64_t index) {
    if (!ok_) return;
    if (index == 0) {
      Print("'_");
      return;
    }
    if (index > bound_lifetimes_) {
      Fail();
      return;
    }
    uint64_t depth = bound_lifetimes_ - index;  // de Bruijn index → name
    if (depth < 26) {
      Print(std::string("'") + static_cast<char>('a' + depth));
    } else {
      Print("'_" + std::to_string(depth));
    }
  }

  // [<binder>] = ["G" <base-62-number>]: that many more lifetimes are bound ("for<'a, …>").
  uint64_t Binder() {
    if (!Eat('G')) return 0;
    uint64_t count = Base62();
    if (!ok_ || count > 1000) {
      Fail();
      return 0;
    }
    count += 1;
    Print("for<");
    for (uint64_t i = 0; i < count; ++i) {
      if (i > 0) Print(", ");
      uint64_t depth = bound_lifetimes_ + i;
      Print(depth < 26 ? std::string("'") + static_cast<char>('a' + depth)
                       : "'_" + std::to_string(depth));
    }
    Print("> ");
    bound_lifetimes_ += count;
    return count;
  }

  static const char* BasicType(char c) {
    switch (c) {
      case 'a':
        return "i8";
      case 'b':
        return "bool";
      case 'c':
        return "char";
      case 'd':
        return "f64";
      case 'e':
        return "str";
      case 'f':
        return "f32";
      case 'h':
        return "u8";
      case 'i':
        return "isize";
      case 'j':
        return "usize";
      case 'l':
        return "i32";
      case 'm':
        return "u32";
      case 'n':
        return "i128";
      case 'o':
        return "u128";
      case 's':
        return "i16";
      case 't':
        return "u16";
      case 'u':
        return "()";
      case 'v':
        return "...";
      case 'x':
        return "i64";
      case 'y':
        return "u64";
      case 'z':
        return "!";
      case 'p':
        return "_";
      default:
        return nullptr;
    }
  }

  void Type() {
    Depth depth(this);
    if (!ok_) return;
    char tag = Peek();
    if (const char* basic = BasicType(tag)) {
      ++pos_;
      Print(basic);
      return;
    }
    switch (tag) {
      case 'A':  // [T; N]
      case 'S':  // [T]
        ++pos_;
        Print("[");
        Type();
        if (tag == 'A') {
          Print("; ");
          Const();
        }
        Print("]");
        return;
      case 'T': {  // (T, …)
        ++pos_;
        Print("(");
        int n = 0;
        for (; ok_ && !Eat('E'); ++n) {
          if (n > 0) Print(", ");
          Type();
        }
        if (n == 1) Print(",");
        Print(")");
        return;
      }
      case 'R':  // &T
      case 'Q':  // &mut T
        ++pos_;
        Print("&");
        if (Peek() == 'L') {
          ++pos_;
          uint64_t index = Base62();
          if (index != 0) {
            Lifetime(index);
            Print(" ");
          }
        }
        if (tag == 'Q') Print("mut ");
        Type();
        return;
      case 'P':
        ++pos_;
        Print("*const ");
        Type();
        return;
      case 'O':
        ++pos_;
        Print("*mut ");
        Type();
        return;
      case 'F':  // fn(…) -> R
        ++pos_;
        FnSig();
        return;
      case 'D':  // dyn Trait + …
        ++pos_;
        DynBounds();
        if (Peek() == 'L') {
          ++pos_;
          uint64_t index = Base62();
          if (index != 0) {
            Print(" + ");
            Lifetime(index);
          }
        } else {
          Fail();
        }
        return;
      case 'B':
        ++pos_;
        Backref([&] { Type(); });
        return;
      default:
        Path(false);  // a named type
    }
  }

  void FnSig() {
    uint64_t bound = Binder();
    if (Eat('U')) Print("unsafe ");
    if (Eat('K')) {
      Print("extern \"");
      if (Eat('C')) {
        Print("C");
      } else {
        std::string abi = Identifier();
        for (char& c : abi) c = c == '_' ? '-' : c;
        Print(abi);
      }
      Print("\" ");
    }
    Print("fn(");
    for (int i = 0; ok_ && !Eat('E'); ++i) {
      if (i > 0) Print(", ");
      Type();
    }
    Print(")");
    if (Peek() == 'u') {
      ++pos_;  // "-> ()" is not written
    } else {
      Print(" -> ");
      Type();
    }
    bound_lifetimes_ -= bound;
  }

  void DynBounds() {
    Print("dyn ");
    uint64_t bound = Binder();
    for (int i = 0; ok_ && !Eat('E'); ++i) {
      if (i > 0) Print(" + ");
      DynTrait();
    }
    bound_lifetimes_ -= bound;
  }

  // <path> {"p" <undisambiguated-identifier> <type>}: Trait<Assoc = T>, the bindings
  // after the trait's own generic arguments: FnOnce<(), Output = ()>.
  void DynTrait() {
    Path(false);
    bool generic = last_path_generic_;
    bool open = false;
    while (ok_ && Eat('p')) {
      if (!open && generic && printing_ && !out_.empty() && out_.back() == '>') {
        out_.pop_back();
        Print(", ");
      } else {
        Print(open ? ", " : "<");
      }
      open = true;
      Print(Identifier());
      Print(" = ");
      Type();
    }
    if (open) Print(">");
  }

  // <const> = <type> <const-data> | "p" | <backref>; only the scalar forms.
  void Const() {
    Depth depth(this);
    if (!ok_) return;
    if (Eat('p')) {
      Print("_");
      return;
    }
    if (Eat('B')) {
      Backref([&] { Const(); });
      return;
    }
    char type = Next();
    bool negative = false;
    if (type == 'a' || type == 's' || type == 'l' || type == 'x' || type == 'n' || type == 'i') {
      negative = Eat('n');
    } else if (!(type == 'h' || type == 't' || type == 'm' || type == 'y' || type == 'o' ||
                 type == 'j' || type == 'b' || type == 'c')) {
      Fail();  // str, references, arrays, ADTs: not decoded here
      return;
    }
    uint64_t value = 0;
    int digits = 0;
    while (ok_) {
      char c = Next();
      if (c == '_') break;
      if (!IsHex(c) || ++digits > 16) {
        Fail();
        return;
      }
      value = value * 16 + static_cast<uint64_t>(IsDigit(c) ? c - '0' : c - 'a' + 10);
    }
    if (!ok_) return;
    if (type == 'b') {
      if (value > 1) Fail();
      Print(value == 1 ? "true" : "false");
    } else if (type == 'c') {
      if (value >= 0x20 && value < 0x7f && value != '\'' && value != '\\') {
        Print(std::string("'") + static_cast<char>(value) + "'");
      } else {
        char buffer[16];
        std::snprintf(buffer, sizeof(buffer), "'\\u{%llx}'",
                      static_cast<unsigned long long>(value));
        Print(buffer);
      }
    } else {
      Print((negative ? "-" : "") + std::to_string(value));
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string out_;
  bool ok_ = true;
  bool printing_ = true;
  int depth_ = 0;
  uint64_t bound_lifetimes_ = 0;
  bool last_path_generic_ = false;  // the last Path() printed generic arguments last
};

// ---- Rust legacy ----------------------------------------------------------------------

// "_ZN" {<length> <component>} "E" with a last component "h" + 16 hex digits (the hash),
// and "$…$" escapes for punctuation in components. Anything else is not legacy Rust.
bool DemangleRustLegacy(std::string_view symbol, std::string* out) {
  if (symbol.substr(0, 3) != "_ZN") return false;
  std::string_view body = symbol.substr(3);
  std::vector<std::string_view> parts;
  while (!body.empty() && body[0] != 'E') {
    if (!IsDigit(body[0])) return false;
    size_t length = 0, i = 0;
    while (i < body.size() && IsDigit(body[i])) {
      length = length * 10 + static_cast<size_t>(body[i] - '0');
      if (length > body.size()) return false;
      ++i;
    }
    if (length == 0 || i + length > body.size()) return false;
    parts.push_back(body.substr(i, length));
    body.remove_prefix(i + length);
  }
  // After the "E", nothing or a compiler's suffix (".llvm.123").
  if (body.empty() || (body.size() > 1 && body[1] != '.')) return false;
  if (parts.size() < 2) return false;
  std::string_view hash = parts.back();
  if (hash.size() != 17 || hash[0] != 'h') return false;
  for (char c : hash.substr(1)) {
    if (!IsHex(c)) return false;
  }
  parts.pop_back();
  std::string text;
  for (size_t p = 0; p < parts.size(); ++p) {
    if (p > 0) text += "::";
    std::string_view part = parts[p];
    if (part.size() >= 2 && part[0] == '_' && part[1] == '$') part.remove_prefix(1);
    while (!part.empty()) {
      if (part[0] == '.') {
        if (part.size() >= 2 && part[1] == '.') {
          text += "::";
          part.remove_prefix(2);
        } else {
          text += '.';
          part.remove_prefix(1);
        }
        continue;
      }
      if (part[0] != '$') {
        text += part[0];
        part.remove_prefix(1);
        continue;
      }
      size_t close = part.find('$', 1);
      if (close == std::string_view::npos) return false;
      std::string_view escape = part.substr(1, close - 1);
      static constexpr std::pair<std::string_view, char> kEscapes[] = {
          {"SP", '@'}, {"BP", '*'}, {"RF", '&'}, {"LT", '<'},
          {"GT", '>'}, {"LP", '('}, {"RP", ')'}, {"C", ','},
      };
      bool known = false;
      for (const auto& [name, c] : kEscapes) {
        if (escape == name) {
          text += c;
          known = true;
          break;
        }
      }
      if (!known) {
        // "$u7e$": a code point in hex.
        if (escape.size() < 2 || escape[0] != 'u') return false;
        uint32_t cp = 0;
        for (char c : escape.substr(1)) {
          if (!IsHex(c) || cp > 0x10FFFF) return false;
          cp = cp * 16 + static_cast<uint32_t>(IsDigit(c) ? c - '0' : c - 'a' + 10);
        }
        if (cp < 0x20 || cp >= 0x7f) return false;  // the compiler escapes only ASCII
        text += static_cast<char>(cp);
      }
      part.remove_prefix(close + 1);
    }
  }
  *out = std::move(text);
  return true;
}

}  // namespace

std::string Demangle(std::string_view symbol) {
  std::string out;
  if (symbol.substr(0, 2) == "_R") {
    V0Demangler v0(symbol);
    if (v0.Demangle(&out)) return out;
    return std::string(symbol);
  }
  if (symbol.substr(0, 2) == "_Z") {
    if (DemangleRustLegacy(symbol, &out)) return out;
    std::string copy(symbol);  // NB: __cxa_demangle needs a terminated string
    int status = 0;
    char* demangled = abi::__cxa_demangle(copy.c_str(), nullptr, nullptr, &status);
    if (demangled != nullptr && status == 0) out = demangled;
    std::free(demangled);
    if (!out.empty()) return out;
  }
  return std::string(symbol);
}

}  // namespace weft::launcher
