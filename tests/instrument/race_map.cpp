// race_map.cpp — check-then-insert: two threads look a key up in an unordered_map under a
// lock, then insert it when missing without the lock (the lock covers only the lookup).
// `./race_map fixed` holds the lock over both. Exit 1 when the map ended up wrong.
#include <pthread.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>

static bool fixed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static std::unordered_map<int, int> sessions;
static int created;

static void* Open(void* arg) {
  int user = *static_cast<int*>(arg);
  for (int key = 0; key < 4; key++) {
    pthread_mutex_lock(&lock);
    bool missing = sessions.find(key) == sessions.end();  // LOOKUP-LINE
    if (fixed && missing) {
      sessions.emplace(key, user);
      created++;
    }
    pthread_mutex_unlock(&lock);
    if (!fixed && missing) {
      sessions.emplace(key, user);  // INSERT-LINE
      __atomic_fetch_add(&created, 1, __ATOMIC_RELAXED);
    }
  }
  return nullptr;
}

int main(int argc, char** argv) {
  fixed = argc > 1 && std::strcmp(argv[1], "fixed") == 0;
  sessions.reserve(64);
  int users[2] = {1, 2};
  pthread_t a, b;
  pthread_create(&a, nullptr, Open, &users[0]);
  pthread_create(&b, nullptr, Open, &users[1]);
  pthread_join(a, nullptr);
  pthread_join(b, nullptr);
  std::printf("%zu sessions, %d created\n", sessions.size(), created);
  return sessions.size() == 4 && created == 4 ? 0 : 1;
}
