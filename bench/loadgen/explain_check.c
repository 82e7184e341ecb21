#include "explain_check.h"

#include <stdio.h>
#include <string.h>

#include "mongo_util.h"

static int64_t Descendant(const bson_t *reply, const char *path) {
  bson_iter_t it, found;
  if (!bson_iter_init(&it, reply) || !bson_iter_find_descendant(&it, path, &found)) return -1;
  return bson_iter_as_int64(&found);
}

bool CheckPointReadPlan(mongoc_client_t *client, const Config *cfg, Metrics *out) {
  bool by_id = strcmp(cfg->workload, "W6_id") == 0;
  if ((!by_id && strcmp(cfg->workload, "W6_email") != 0) || cfg->no_assert) return true;
  int64_t key = cfg->rows / 2 + 1;
  char email[64];
  FormatEmail(email, sizeof email, "user", key);
  bson_t *filter = by_id ? BCON_NEW("_id", BCON_INT64(key)) : BCON_NEW("email", BCON_UTF8(email));
  bson_t *cmd = BCON_NEW("explain", "{", "find", BCON_UTF8("users"), "filter",
                         BCON_DOCUMENT(filter), "limit", BCON_INT64(1), "singleBatch",
                         BCON_BOOL(true), "}", "verbosity", BCON_UTF8("executionStats"));
  bson_t reply;
  bson_error_t error;
  bool ok = mongoc_client_command_simple(client, BENCH_DB, cmd, NULL, &reply, &error);
  if (!ok) {
    fprintf(stderr, "loadgen: %s: explain: %s\n", cfg->workload, error.message);
  } else {
    int64_t keys = Descendant(&reply, "executionStats.totalKeysExamined");
    int64_t docs = Descendant(&reply, "executionStats.totalDocsExamined");
    int64_t returned = Descendant(&reply, "executionStats.nReturned");
    AddMetric(out, "explain_keys_examined", (double)keys, kMax);
    AddMetric(out, "explain_docs_examined", (double)docs, kMax);
    bool held = keys == 1 && docs == 1 && returned == 1;
    if (!held) {
      fprintf(stderr,
              "loadgen: %s: ASSERTION FAILED: explain examined %lld keys and %lld documents "
              "and returned %lld, expected 1, 1 and 1\n",
              cfg->workload, (long long)keys, (long long)docs, (long long)returned);
    }
    AddMetric(out, "assert_ok", held ? 1 : 0, kMin);
  }
  bson_destroy(&reply);
  bson_destroy(cmd);
  bson_destroy(filter);
  return ok;
}
