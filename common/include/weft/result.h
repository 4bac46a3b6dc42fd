// result.h — error handling shared by weft's libraries: no exceptions cross module
// boundaries; fallible functions return Result<T> (std::expected-shaped) or Status.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace weft {

// Why an operation failed, phrased for the user: what was tried, on what, what to do.
struct Error {
  std::string message;
};

// A value or an Error. Check ok() before value(); value() on an error is a broken invariant.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    CheckOk();
    return std::get<0>(data_);
  }
  const T& value() const& {
    CheckOk();
    return std::get<0>(data_);
  }
  T&& value() && {
    CheckOk();
    return std::get<0>(std::move(data_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(data_); }

 private:
  void CheckOk() const {
    if (!ok()) {
      std::fprintf(stderr, "weft: internal error: value() on error: %s\n",
                   std::get<1>(data_).message.c_str());
      std::abort();
    }
  }
  std::variant<T, Error> data_;
};

// Success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT
  static Status Ok() { return Status(); }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool failed_ = false;
};

inline Error MakeError(std::string message) { return Error{std::move(message)}; }

}  // namespace weft

// Always-on invariant check: a broken invariant is a bug in weft, never a user error.
#define WEFT_CHECK(cond)                                                                  \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "weft: internal error: check failed at %s:%d: %s\n", __FILE__, \
                   __LINE__, #cond);                                                      \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)
