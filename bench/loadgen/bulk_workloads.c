#include "bulk_workloads.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mongo_util.h"
#include "proc_stats.h"
#include "timer.h"

enum { kLoadBatch = 10000, kLoadThreads = 4 };

// n documents for BENCH_DB.<coll>, dup_percent of them repeating an earlier email, shuffled
// so duplicates are spread through the batch; every _id is distinct.
static bson_t **BuildBatch(long n, int dup_percent, int64_t id_base, const char *prefix) {
  long dups = n * dup_percent / 100, unique = n - dups;
  bson_t **docs = malloc((size_t)n * sizeof *docs);
  if (!docs) abort();
  for (long i = 0; i < n; i++) {
    int64_t email_key = id_base + (i < unique ? i : (i - unique) * (unique / (dups ? dups : 1)));
    char email[64];
    FormatEmail(email, sizeof email, prefix, email_key);
    docs[i] = BCON_NEW("_id", BCON_INT64(id_base + i), "email", BCON_UTF8(email), "name",
                       BCON_UTF8("batch user"), "n", BCON_INT64(0));
  }
  Rng rng;
  RngSeed(&rng, (uint64_t)id_base);
  for (long i = n - 1; i > 0; i--) {
    long j = (long)(RngNext(&rng) % (uint64_t)(i + 1));
    bson_t *tmp = docs[i];
    docs[i] = docs[j];
    docs[j] = tmp;
  }
  return docs;
}

static void FreeBatch(bson_t **docs, long n) {
  for (long i = 0; i < n; i++) bson_destroy(docs[i]);
  free(docs);
}

typedef struct {
  long inserted, duplicate_errors, other_errors;
} InsertOutcome;

// insertMany; write errors are an outcome to check, not a failure of the command.
static bool InsertMany(mongoc_collection_t *coll, bson_t **docs, long n, bool ordered,
                       InsertOutcome *outcome, bson_error_t *error) {
  bson_t *opts = BCON_NEW("ordered", BCON_BOOL(ordered));
  bson_t reply;
  bool ok =
      mongoc_collection_insert_many(coll, (const bson_t **)docs, (size_t)n, opts, &reply, error);
  *outcome = (InsertOutcome){0};
  bson_iter_t it, errs;
  if (bson_iter_init_find(&it, &reply, "insertedCount"))
    outcome->inserted = bson_iter_as_int64(&it);
  bool has_write_errors = bson_iter_init_find(&it, &reply, "writeErrors") &&
                          BSON_ITER_HOLDS_ARRAY(&it) && bson_iter_recurse(&it, &errs);
  while (has_write_errors && bson_iter_next(&errs)) {
    bson_iter_t code;
    if (bson_iter_recurse(&errs, &code) && bson_iter_find(&code, "code") &&
        bson_iter_as_int64(&code) == kDuplicateKey) {
      outcome->duplicate_errors++;
    } else {
      outcome->other_errors++;
    }
  }
  bson_destroy(&reply);
  bson_destroy(opts);
  // A batch with write errors makes insert_many return false; that alone is expected here.
  return ok || (has_write_errors && outcome->other_errors == 0);
}

static bool InsertManyRun(const Config *cfg, mongoc_client_pool_t *pool, double seconds,
                          Metrics *out, long n, bool ordered, int dup_percent) {
  mongoc_client_t *client = mongoc_client_pool_pop(pool);
  Timer t = {.cfg = cfg, .asserts_held = true};
  bool ok = true;
  ResetPeakRss(cfg->server_pid);
  for (int iter = 0; ok && (iter == 0 || t.seconds < seconds); iter++) {
    bson_error_t error;
    ok = ResetWithUniqueEmail(client, "batch", &error);
    if (!ok) {
      fprintf(stderr, "loadgen: resetting batch: %s\n", error.message);
      break;
    }
    bson_t **docs = BuildBatch(n, dup_percent, 1 + (int64_t)iter * n, "batch");
    mongoc_collection_t *coll = GetCollection(client, cfg, "batch");
    InsertOutcome got;
    Lap lap = LapStart(&t);
    ok = InsertMany(coll, docs, n, ordered, &got, &error);
    LapEnd(&t, lap, n);
    if (!ok) fprintf(stderr, "loadgen: insertMany: %s\n", error.message);
    long dups = n * dup_percent / 100;
    Check(&t, got.inserted == n - dups, "inserted %ld documents, expected %ld", got.inserted,
          n - dups);
    Check(&t, got.duplicate_errors == dups, "%ld duplicate key errors (11000), expected %ld",
          got.duplicate_errors, dups);
    mongoc_collection_destroy(coll);
    FreeBatch(docs, n);
  }
  mongoc_client_pool_push(pool, client);
  AddTimerMetrics(&t, out);
  return ok;
}

static bool RunW4(const Config *cfg, mongoc_client_pool_t *pool, double s, Metrics *out) {
  return InsertManyRun(cfg, pool, s, out, 10000, false, 10);
}

// An ordered insertMany stops at its first duplicate, so the ordered figure is for a batch
// without duplicates; the unordered one carries issue 5's 10%.
static bool RunOrdered100k(const Config *cfg, mongoc_client_pool_t *pool, double s, Metrics *out) {
  return InsertManyRun(cfg, pool, s, out, 100000, true, 0);
}

static bool RunUnordered100kDup10(const Config *cfg, mongoc_client_pool_t *pool, double s,
                                  Metrics *out) {
  return InsertManyRun(cfg, pool, s, out, 100000, false, 10);
}

typedef struct {
  const Config *cfg;
  mongoc_client_pool_t *pool;
  int index;
  long inserted;
  bool failed;
} LoadArg;

static void *LoadThread(void *p) {
  LoadArg *a = p;
  mongoc_client_t *client = mongoc_client_pool_pop(a->pool);
  mongoc_collection_t *coll = GetCollection(client, a->cfg, "users");
  bson_t **docs = malloc(kLoadBatch * sizeof *docs);
  if (!docs) abort();
  for (long first = 1 + (long)a->index * kLoadBatch; first <= a->cfg->rows && !a->failed;
       first += (long)kLoadThreads * kLoadBatch) {
    long n = a->cfg->rows - first + 1 < kLoadBatch ? a->cfg->rows - first + 1 : kLoadBatch;
    for (long i = 0; i < n; i++) {
      docs[i] = bson_new();
      AppendUser(docs[i], first + i, "user");
    }
    InsertOutcome got;
    bson_error_t error;
    if (!InsertMany(coll, docs, n, false, &got, &error) || got.duplicate_errors) {
      fprintf(stderr, "loadgen: load: %s\n", error.message);
      a->failed = true;
    }
    a->inserted += got.inserted;
    for (long i = 0; i < n; i++) bson_destroy(docs[i]);
  }
  free(docs);
  mongoc_collection_destroy(coll);
  mongoc_client_pool_push(a->pool, client);
  return NULL;
}

// Fills bench.users with _id 1..rows, the unique email index already in place.
static bool RunLoad(const Config *cfg, mongoc_client_pool_t *pool, double seconds, Metrics *out) {
  (void)seconds;
  mongoc_client_t *client = mongoc_client_pool_pop(pool);
  bson_error_t error;
  bool ok = ResetWithUniqueEmail(client, "users", &error);
  mongoc_client_pool_push(pool, client);
  if (!ok) {
    fprintf(stderr, "loadgen: resetting users: %s\n", error.message);
    return false;
  }
  Timer t = {.cfg = cfg, .asserts_held = true};
  LoadArg args[kLoadThreads];
  pthread_t threads[kLoadThreads];
  Lap lap = LapStart(&t);
  for (int i = 0; i < kLoadThreads; i++) {
    args[i] = (LoadArg){.cfg = cfg, .pool = pool, .index = i};
    pthread_create(&threads[i], NULL, LoadThread, &args[i]);
  }
  long inserted = 0;
  for (int i = 0; i < kLoadThreads; i++) {
    pthread_join(threads[i], NULL);
    ok = ok && !args[i].failed;
    inserted += args[i].inserted;
  }
  LapEnd(&t, lap, cfg->rows);
  Check(&t, inserted == cfg->rows, "load inserted %ld documents, expected %ld", inserted,
        cfg->rows);
  client = mongoc_client_pool_pop(pool);
  bson_t empty = BSON_INITIALIZER;
  long counted = (long)CountDocuments(client, "users", &empty);
  mongoc_client_pool_push(pool, client);
  Check(&t, counted == cfg->rows, "users holds %ld documents, expected %ld", counted, cfg->rows);
  AddTimerMetrics(&t, out);
  return ok;
}

BulkRunFn FindBulkWorkload(const char *name) {
  static const struct {
    const char *name;
    BulkRunFn fn;
  } kTable[] = {
      {"load", RunLoad},
      {"W4", RunW4},
      {"W5", RunRace},
      {"insertMany100k_ordered", RunOrdered100k},
      {"insertMany100k_unordered_dup10", RunUnordered100kDup10},
      {"find100k", RunFind100k},
      {"group", RunGroup},
      {"topk", RunTopK},
  };
  for (size_t i = 0; i < sizeof kTable / sizeof kTable[0]; i++) {
    if (strcmp(kTable[i].name, name) == 0) return kTable[i].fn;
  }
  return NULL;
}
