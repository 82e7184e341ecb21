// Issue 4: a point read by _id or by the unique key must examine one index key and one
// document. Checked with explain's executionStats before W6's timed runs.
#ifndef BENCH_LOADGEN_EXPLAIN_CHECK_H
#define BENCH_LOADGEN_EXPLAIN_CHECK_H

#include <mongoc/mongoc.h>
#include <stdbool.h>

#include "config.h"
#include "metrics.h"

// Adds explain_keys_examined, explain_docs_examined and assert_ok to *out for W6_id and
// W6_email; does nothing for other workloads or with cfg->no_assert. False if explain failed.
bool CheckPointReadPlan(mongoc_client_t *client, const Config *cfg, Metrics *out);

#endif
