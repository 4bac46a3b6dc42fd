// explain_lazy_init_racy.cpp — lazy initialisation without a lock: two threads call Get(),
// both can find p still null and both construct an Obj. Each construction counts itself with
// a plain `++constructed`, so the count is a second race: a run where both construct can
// still print "constructed 1" when one increment is lost. Built with `weft c++ -O1` (Get and
// the constructor inlined into Use), `weft explain` must name the race on p — one thread's
// check between the other's check and its store — not the two increments of the count, whose
// reversal passes only because it loses one of them. Exit 1 when two Objs were counted.
#include <pthread.h>
#include <stdio.h>

static int constructed;

struct Obj {
  int id;
  Obj() { id = ++constructed; }  // COUNT-LINE
};

static Obj* p;

static Obj* Get() {
  if (!p)         // CHECK-LINE
    p = new Obj;  // STORE-LINE
  return p;
}

static void* Use(void*) {
  Get();
  return nullptr;
}

int main() {
  pthread_t a, b;
  pthread_create(&a, nullptr, Use, nullptr);
  pthread_create(&b, nullptr, Use, nullptr);
  pthread_join(a, nullptr);
  pthread_join(b, nullptr);
  printf("constructed %d\n", constructed);
  return constructed == 1 ? 0 : 1;
}
