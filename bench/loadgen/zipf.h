// YCSB's scrambled zipfian key chooser (Gray et al., "Quickly generating billion-record
// synthetic databases"): item ranks follow a zipfian law with theta 0.99, and the ranks are
// hashed over the key space so the hot keys are not all neighbours.
#ifndef BENCH_LOADGEN_ZIPF_H
#define BENCH_LOADGEN_ZIPF_H

#include <stdint.h>

#include "mongo_util.h"

typedef struct {
  int64_t items;
  double theta, zetan, alpha, eta, half_pow_theta;
} Zipf;

void ZipfInit(Zipf *z, int64_t items);  // O(items), once per process

// A key in [1, items].
int64_t ZipfNextKey(const Zipf *z, Rng *rng);

#endif
