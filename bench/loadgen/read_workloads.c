// The large reads: issue 4's 100,000-document find streamed through getMore (is the server's
// memory bounded by the batch, not the result?) and issue 6's $group and $sort + $limit over
// the whole of bench.users (documents per second and peak memory).
#include <stdio.h>

#include "bulk_workloads.h"
#include "mongo_util.h"
#include "proc_stats.h"
#include "timer.h"

enum { kStreamedDocs = 100000, kTopK = 10 };

typedef struct {
  long docs, bytes;
  int64_t sum_n;     // $group: the counts add up to the collection
  bool sorted_desc;  // topk: scores come out in order
  int64_t last_score;
} Drained;

// Iterates a cursor to its end, looking at what the read workloads check.
static bool Drain(mongoc_cursor_t *cursor, Drained *d) {
  const bson_t *doc;
  *d = (Drained){.sorted_desc = true, .last_score = INT64_MAX};
  while (mongoc_cursor_next(cursor, &doc)) {
    d->docs++;
    d->bytes += doc->len;
    bson_iter_t it;
    if (bson_iter_init_find(&it, doc, "count")) d->sum_n += bson_iter_as_int64(&it);
    if (bson_iter_init_find(&it, doc, "score")) {
      int64_t score = bson_iter_as_int64(&it);
      if (score > d->last_score) d->sorted_desc = false;
      d->last_score = score;
    }
  }
  bson_error_t error;
  if (mongoc_cursor_error(cursor, &error)) {
    fprintf(stderr, "loadgen: cursor: %s\n", error.message);
    return false;
  }
  return true;
}

bool RunFind100k(const Config *cfg, mongoc_client_pool_t *pool, double seconds, Metrics *out) {
  long want = cfg->rows < kStreamedDocs ? cfg->rows : kStreamedDocs;
  mongoc_client_t *client = mongoc_client_pool_pop(pool);
  mongoc_collection_t *coll = GetCollection(client, cfg, "users");
  bson_t *filter = BCON_NEW("_id", "{", "$gte", BCON_INT64(1), "$lte", BCON_INT64(want), "}");
  bson_t *opts = BCON_NEW("batchSize", BCON_INT32(cfg->find_batch));
  Timer t = {.cfg = cfg, .asserts_held = true};
  long rss_before = ServerStatusKb(cfg->server_pid, "VmRSS"), rss_max = rss_before, result_kb = 0;
  ResetPeakRss(cfg->server_pid);
  bool ok = true;
  for (int iter = 0; ok && (iter == 0 || t.seconds < seconds); iter++) {
    RssSampler sampler;
    RssSamplerStart(&sampler, cfg->server_pid);
    Lap lap = LapStart(&t);
    mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
    Drained got;
    ok = Drain(cursor, &got);
    mongoc_cursor_destroy(cursor);
    LapEnd(&t, lap, got.docs);
    long sampled = RssSamplerStop(&sampler);
    if (sampled > rss_max) rss_max = sampled;
    result_kb = got.bytes / 1024;
    Check(&t, got.docs == want, "find returned %ld documents, expected %ld", got.docs, want);
  }
  AddTimerMetrics(&t, out);
  if (cfg->server_pid > 0) {
    // Growth of the server's resident memory while streaming, against the result's size: a
    // server that materialised the result would grow by about result_kb.
    AddMetric(out, "rss_growth_kb", (double)(rss_max - rss_before), kMax);
    AddMetric(out, "result_kb", (double)result_kb, kMedian);
  }
  bson_destroy(opts);
  bson_destroy(filter);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(pool, client);
  return ok;
}

// Runs `pipeline` over bench.users until `seconds` pass and checks each result.
static bool RunAggregate(const Config *cfg, mongoc_client_pool_t *pool, double seconds,
                         Metrics *out, const bson_t *pipeline, bool is_group) {
  mongoc_client_t *client = mongoc_client_pool_pop(pool);
  bson_t empty = BSON_INITIALIZER;
  long total = (long)CountDocuments(client, "users", &empty);
  mongoc_collection_t *coll = GetCollection(client, cfg, "users");
  bson_t *opts = BCON_NEW("allowDiskUse", BCON_BOOL(true));
  Timer t = {.cfg = cfg, .asserts_held = true};
  long rss_before = ServerStatusKb(cfg->server_pid, "VmRSS"), rss_max = rss_before;
  ResetPeakRss(cfg->server_pid);
  bool ok = total >= 0;
  for (int iter = 0; ok && (iter == 0 || t.seconds < seconds); iter++) {
    RssSampler sampler;
    RssSamplerStart(&sampler, cfg->server_pid);
    Lap lap = LapStart(&t);
    mongoc_cursor_t *cursor =
        mongoc_collection_aggregate(coll, MONGOC_QUERY_NONE, pipeline, opts, NULL);
    Drained got;
    ok = Drain(cursor, &got);
    mongoc_cursor_destroy(cursor);
    LapEnd(&t, lap, total);  // every document of the collection goes through the pipeline
    long sampled = RssSamplerStop(&sampler);
    if (sampled > rss_max) rss_max = sampled;
    if (is_group) {
      long groups = total < kGroups ? total : kGroups;
      Check(&t, got.docs >= groups, "$group returned %ld groups, expected at least %ld", got.docs,
            groups);
      Check(&t, got.sum_n == total, "$group counts add up to %ld, expected %ld", (long)got.sum_n,
            total);
    } else {
      long k = total < kTopK ? total : kTopK;
      Check(&t, got.docs == k, "top-k returned %ld documents, expected %ld", got.docs, k);
      Check(&t, got.sorted_desc, "top-k scores are not in descending order");
    }
  }
  AddTimerMetrics(&t, out);
  if (cfg->server_pid > 0) AddMetric(out, "rss_growth_kb", (double)(rss_max - rss_before), kMax);
  bson_destroy(opts);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(pool, client);
  return ok;
}

bool RunGroup(const Config *cfg, mongoc_client_pool_t *pool, double seconds, Metrics *out) {
  bson_t *pipeline = BCON_NEW("pipeline", "[", "{", "$group", "{", "_id", BCON_UTF8("$g"), "count",
                              "{", "$sum", BCON_INT32(1), "}", "}", "}", "]");
  bool ok = RunAggregate(cfg, pool, seconds, out, pipeline, true);
  bson_destroy(pipeline);
  return ok;
}

bool RunTopK(const Config *cfg, mongoc_client_pool_t *pool, double seconds, Metrics *out) {
  bson_t *pipeline = BCON_NEW("pipeline", "[", "{", "$sort", "{", "score", BCON_INT32(-1), "}", "}",
                              "{", "$limit", BCON_INT32(kTopK), "}", "]");
  bool ok = RunAggregate(cfg, pool, seconds, out, pipeline, false);
  bson_destroy(pipeline);
  return ok;
}
