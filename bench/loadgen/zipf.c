#include "zipf.h"

#include <math.h>

void ZipfInit(Zipf *z, int64_t items) {
  z->items = items;
  z->theta = 0.99;  // YCSB's ZIPFIAN_CONSTANT
  double zetan = 0;
  for (int64_t i = 1; i <= items; i++) zetan += 1.0 / pow((double)i, z->theta);
  double zeta2 = 1.0 + pow(0.5, z->theta);
  z->zetan = zetan;
  z->alpha = 1.0 / (1.0 - z->theta);
  z->eta = (1.0 - pow(2.0 / (double)items, 1.0 - z->theta)) / (1.0 - zeta2 / zetan);
  z->half_pow_theta = pow(0.5, z->theta);
}

int64_t ZipfNextKey(const Zipf *z, Rng *rng) {
  double u = RngUnit(rng);
  double uz = u * z->zetan;
  int64_t rank;
  if (uz < 1.0) {
    rank = 0;
  } else if (uz < 1.0 + z->half_pow_theta) {
    rank = 1;
  } else {
    rank = (int64_t)((double)z->items * pow(z->eta * u - z->eta + 1.0, z->alpha));
    if (rank >= z->items) rank = z->items - 1;
  }
  return (int64_t)(Scramble((uint64_t)rank) % (uint64_t)z->items) + 1;
}
