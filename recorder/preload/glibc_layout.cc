// glibc_layout.cc — the start-up check of glibc_layout.h. Runs once, before control starts,
// on objects of its own: nothing the program owns is touched.
#include "glibc_layout.h"

#include <gnu/libc-version.h>

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {
namespace {

// A bounded, always NUL-terminated text buffer (no stdio in the shim).
class Text {
 public:
  Text(char* buf, size_t size) : buf_(buf), size_(size) {
    if (size_ > 0) buf_[0] = '\0';
  }
  Text& operator<<(const char* s) {
    for (; *s != '\0' && len_ + 1 < size_; ++s) buf_[len_++] = *s;
    if (size_ > 0) buf_[len_] = '\0';
    return *this;
  }
  Text& operator<<(uint64_t v) {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + v % 10);
      v /= 10;
    } while (v != 0);
    char out[24];
    for (int i = 0; i < n; ++i) out[i] = digits[n - 1 - i];
    out[n] = '\0';
    return *this << static_cast<const char*>(out);
  }

 private:
  char* buf_;
  size_t size_;
  size_t len_ = 0;
};

#define WEFT_STR2(x) #x
#define WEFT_STR(x) WEFT_STR2(x)

constexpr size_t kNoOffset = ~size_t{0};

class Checker {
 public:
  Checker(const GlibcLayout& layout, const GlibcFunctions& fns, pid_t tid, char* why, size_t n)
      : layout_(layout), fns_(fns), tid_(tid), why_(why), why_size_(n) {}

  bool Run() {
    return Mutex(PTHREAD_MUTEX_NORMAL, "normal") && Mutex(PTHREAD_MUTEX_RECURSIVE, "recursive") &&
           Mutex(PTHREAD_MUTEX_ERRORCHECK, "error-checking") && PsharedBit() && Cond() &&
           Barrier() && Once();
  }

 private:
  int Int(const void* object, size_t offset) const {
    return *reinterpret_cast<const volatile int*>(static_cast<const char*>(object) + offset);
  }

  // Writes the reason and returns false. `offset` is kNoOffset for a bit of a word.
  bool Fail(const char* field, size_t offset, const char* expected, int64_t seen) {
    Text t(why_, why_size_);
    t << "glibc layout check failed: " << field;
    if (offset != kNoOffset) t << " (offset " << static_cast<uint64_t>(offset) << ")";
    t << " should " << expected << " but reads ";
    if (seen < 0) {
      t << "-" << static_cast<uint64_t>(-seen);
    } else {
      t << static_cast<uint64_t>(seen);
    }
    t << " (weft was built for glibc " WEFT_STR(__GLIBC__) "." WEFT_STR(__GLIBC_MINOR__)
      << ", this is " << gnu_get_libc_version() << "): rebuild weft against this glibc";
    return false;
  }

  bool Setup(const char* what, int rc) {
    if (rc == 0) return true;
    Text t(why_, why_size_);
    t << "glibc layout check failed: " << what << " returned " << static_cast<uint64_t>(rc)
      << "; weft cannot check the glibc " << gnu_get_libc_version()
      << " it runs with (is the program's pthread library replaced?)";
    return false;
  }

  bool Mutex(int type, const char* name) {
    pthread_mutexattr_t attr;
    if (!Setup("pthread_mutexattr_init", pthread_mutexattr_init(&attr))) return false;
    int rc = pthread_mutexattr_settype(&attr, type);
    pthread_mutex_t m;
    if (rc == 0) rc = fns_.mutex_init(&m, &attr);
    pthread_mutexattr_destroy(&attr);
    if (!Setup("pthread_mutex_init", rc)) return false;
    bool ok = MutexFields(&m, type, name);
    fns_.mutex_destroy(&m);
    return ok;
  }

  // The process-shared bit of __kind: clear for a private mutex, set for a shared one.
  bool PsharedBit() {
    for (int shared = 0; shared < 2; ++shared) {
      pthread_mutexattr_t attr;
      if (!Setup("pthread_mutexattr_init", pthread_mutexattr_init(&attr))) return false;
      int rc = pthread_mutexattr_setpshared(
          &attr, shared != 0 ? PTHREAD_PROCESS_SHARED : PTHREAD_PROCESS_PRIVATE);
      pthread_mutex_t m;
      if (rc == 0) rc = fns_.mutex_init(&m, &attr);
      pthread_mutexattr_destroy(&attr);
      if (!Setup("pthread_mutex_init", rc)) return false;
      int kind = Int(&m, layout_.mutex_kind);
      fns_.mutex_destroy(&m);
      if (((kind & kGlibcMutexPsharedBit) != 0) != (shared != 0)) {
        return Fail("pthread_mutex_t.__data.__kind", layout_.mutex_kind,
                    shared != 0 ? "have bit 128 set for a process-shared mutex"
                                : "have bit 128 clear for a private mutex",
                    kind);
      }
    }
    return true;
  }

  bool MutexFields(pthread_mutex_t* m, int type, const char* name) {
    Text(label_, sizeof(label_)) << "pthread_mutex_t.__data.__kind of a " << name << " mutex";
    int kind = Int(m, layout_.mutex_kind) & kGlibcMutexTypeMask;
    if (kind != type) return Fail(label_, layout_.mutex_kind, ExpectedType(type), kind);
    if (Int(m, layout_.mutex_lock) != 0) {
      return Fail("pthread_mutex_t.__data.__lock", layout_.mutex_lock, "be 0 for an unlocked mutex",
                  Int(m, layout_.mutex_lock));
    }
    if (!Setup("pthread_mutex_lock", fns_.mutex_lock(m))) return false;
    bool ok = true;
    if (Int(m, layout_.mutex_lock) == 0) {
      ok = Fail("pthread_mutex_t.__data.__lock", layout_.mutex_lock, "be non-zero once locked", 0);
    } else if (Int(m, layout_.mutex_owner) != tid_) {
      Text(label_, sizeof(label_))
          << "hold the locking thread's tid " << static_cast<uint64_t>(tid_);
      ok = Fail("pthread_mutex_t.__data.__owner", layout_.mutex_owner, label_,
                Int(m, layout_.mutex_owner));
    } else if ((Int(m, layout_.mutex_kind) & kGlibcMutexTypeMask) != type) {
      ok = Fail("pthread_mutex_t.__data.__kind", layout_.mutex_kind, ExpectedType(type),
                Int(m, layout_.mutex_kind) & kGlibcMutexTypeMask);
    }
    fns_.mutex_unlock(m);
    if (ok && Int(m, layout_.mutex_lock) != 0) {
      ok = Fail("pthread_mutex_t.__data.__lock", layout_.mutex_lock, "be 0 after the unlock",
                Int(m, layout_.mutex_lock));
    }
    return ok;
  }

  static const char* ExpectedType(int type) {
    switch (type) {
      case PTHREAD_MUTEX_RECURSIVE:
        return "have type bits PTHREAD_MUTEX_RECURSIVE (1)";
      case PTHREAD_MUTEX_ERRORCHECK:
        return "have type bits PTHREAD_MUTEX_ERRORCHECK (2)";
      default:
        return "have type bits PTHREAD_MUTEX_NORMAL (0)";
    }
  }

  bool Cond() {
    const clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC};
    for (clockid_t clock : clocks) {
      pthread_condattr_t attr;
      if (!Setup("pthread_condattr_init", pthread_condattr_init(&attr))) return false;
      int rc = pthread_condattr_setclock(&attr, clock);
      pthread_cond_t c;
      if (rc == 0) rc = fns_.cond_init(&c, &attr);
      pthread_condattr_destroy(&attr);
      if (!Setup("pthread_cond_init", rc)) return false;
      int bit = (static_cast<unsigned>(Int(&c, layout_.cond_wrefs)) & layout_.cond_clock) != 0;
      fns_.cond_destroy(&c);
      int want = clock == CLOCK_MONOTONIC ? 1 : 0;
      if (bit != want) {
        Text(label_, sizeof(label_))
            << "the clock bit (" << static_cast<uint64_t>(layout_.cond_clock)
            << ") of pthread_cond_t.__data.__wrefs";
        return Fail(label_, layout_.cond_wrefs,
                    want ? "be set for a CLOCK_MONOTONIC condition variable"
                         : "be clear for a CLOCK_REALTIME condition variable",
                    bit);
      }
    }
    return true;
  }

  bool Barrier() {
    const unsigned counts[] = {3, 7};
    for (unsigned count : counts) {
      pthread_barrier_t b;
      if (!Setup("pthread_barrier_init", fns_.barrier_init(&b, nullptr, count))) return false;
      int seen = Int(&b, layout_.barrier_count);
      fns_.barrier_destroy(&b);
      if (seen != static_cast<int>(count)) {
        Text(label_, sizeof(label_))
            << "hold the count " << static_cast<uint64_t>(count) << " it was initialized with";
        return Fail("the count of pthread_barrier_t", layout_.barrier_count, label_, seen);
      }
    }
    return true;
  }

  static void Nothing() {}

  bool Once() {
    pthread_once_t once = PTHREAD_ONCE_INIT;
    if ((once & layout_.once_done) != 0) {
      return Fail("the done bit of pthread_once_t", kNoOffset, "be clear before pthread_once",
                  once);
    }
    if (!Setup("pthread_once", fns_.once(&once, Nothing))) return false;
    if ((*reinterpret_cast<volatile int*>(&once) & layout_.once_done) == 0) {
      return Fail("the done bit of pthread_once_t", kNoOffset, "be set after pthread_once", once);
    }
    return true;
  }

  const GlibcLayout& layout_;
  const GlibcFunctions& fns_;
  pid_t tid_;
  char* why_;
  size_t why_size_;
  char label_[96];
};

}  // namespace

bool CheckGlibcLayout(const GlibcLayout& layout, const GlibcFunctions& fns, pid_t tid, char* why,
                      size_t why_size) {
  if (why_size > 0) why[0] = '\0';
  return Checker(layout, fns, tid, why, why_size).Run();
}

}  // namespace weft::shim
