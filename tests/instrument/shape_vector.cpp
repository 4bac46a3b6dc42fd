// shape_vector.cpp — a std::vector shared without a lock: a producer appends (push_back
// reallocates and frees the old array) while a consumer scans it with size() and operator[];
// a scan that read the old data pointer reads freed memory. `./shape_vector fixed` appends
// and scans under one std::mutex. Exit 1 when the consumer saw a value that was never stored.
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

static bool fixed;
static std::mutex lock;
static std::vector<long> values;
static bool bad;

static void Produce() {
  for (long i = 0; i < 16; i++) {
    if (fixed) {
      std::lock_guard<std::mutex> guard(lock);
      values.push_back(i);
    } else {
      values.push_back(i);  // PUSH-LINE
    }
  }
}

static void Scan() {
  for (size_t i = 0; i < values.size(); i++) {          // SIZE-LINE
    if (values[i] != static_cast<long>(i)) bad = true;  // SCAN-LINE
  }
}

static void Consume() {
  for (int pass = 0; pass < 8; pass++) {
    if (fixed) {
      std::lock_guard<std::mutex> guard(lock);
      Scan();
    } else {
      Scan();
    }
    std::this_thread::yield();
  }
}

int main(int argc, char** argv) {
  fixed = argc > 1 && std::strcmp(argv[1], "fixed") == 0;
  std::thread consumer(Consume);
  std::thread producer(Produce);
  producer.join();
  consumer.join();
  std::printf(bad ? "the consumer read a value never stored\n" : "every value read was stored\n");
  return bad ? 1 : 0;
}
