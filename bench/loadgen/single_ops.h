// Workloads made of one small operation repeated by every client thread (W1, W2, W3,
// update_id, W6, W7) and the runner that drives them closed-loop or at a fixed rate.
#ifndef BENCH_LOADGEN_SINGLE_OPS_H
#define BENCH_LOADGEN_SINGLE_OPS_H

#include <mongoc/mongoc.h>
#include <stdbool.h>

#include "config.h"
#include "metrics.h"
#include "mongo_util.h"
#include "zipf.h"

// One client thread's state.
typedef struct {
  const Config *cfg;
  int index;
  mongoc_collection_t *coll;
  Rng rng;
  uint64_t seq;        // this thread's operations so far
  int64_t fresh_base;  // keys >= this never existed before this run (unique per thread)
  const Zipf *zipf;
  LatencyLog latency;
  uint64_t ops;
  ErrorLog errors;
} Worker;

typedef struct {
  const char *name;
  const char *collection;
  bool fresh_collection;  // drop and re-create (with the unique email index) before each run
  bool uses_zipf;
  bool (*op)(Worker *w);  // one operation; false after noting an error in w->errors
} SingleOpWorkload;

const SingleOpWorkload *FindSingleOpWorkload(const char *name);

// One run of `seconds`: closed loop, or open loop when cfg->rate > 0. Adds ops_per_sec,
// latency percentiles, cpu_us_per_op and peak_rss_kb (open_ names for open loop) to *out.
// run_no makes the run's fresh keys unique. Returns false if any operation failed.
bool RunSingleOp(const Config *cfg, mongoc_client_pool_t *pool, const SingleOpWorkload *wl,
                 double seconds, int run_no, Metrics *out);

#endif
