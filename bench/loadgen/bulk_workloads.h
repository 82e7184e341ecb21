// Workloads timed as whole commands rather than per operation: the initial load of
// bench.users, insertMany batches (W4 and issue 5's 100,000-document batches), the 100,000
// document streaming find (issue 4) and the aggregations of issue 6. And W5's race (race.c).
#ifndef BENCH_LOADGEN_BULK_WORKLOADS_H
#define BENCH_LOADGEN_BULK_WORKLOADS_H

#include <mongoc/mongoc.h>
#include <stdbool.h>

#include "config.h"
#include "metrics.h"

// One measured run of `seconds` (at least one iteration). Adds the run's figures to *out,
// including assert_ok (1 or 0) unless cfg->no_assert. Returns false on an operational
// failure (server error, lost connection); a failed assertion is assert_ok 0, not false.
typedef bool (*BulkRunFn)(const Config *cfg, mongoc_client_pool_t *pool, double seconds,
                          Metrics *out);

BulkRunFn FindBulkWorkload(const char *name);

bool RunFind100k(const Config *cfg, mongoc_client_pool_t *pool, double seconds, Metrics *out);
bool RunGroup(const Config *cfg, mongoc_client_pool_t *pool, double seconds, Metrics *out);
bool RunTopK(const Config *cfg, mongoc_client_pool_t *pool, double seconds, Metrics *out);
bool RunRace(const Config *cfg, mongoc_client_pool_t *pool, double seconds, Metrics *out);

#endif
