#include "mongo_util.h"

#include <stdio.h>
#include <string.h>

enum { kNamespaceNotFound = 26 };

mongoc_client_pool_t *OpenPool(const Config *cfg, int clients) {
  bson_error_t error;
  mongoc_uri_t *uri = mongoc_uri_new_with_error(cfg->uri, &error);
  if (!uri) {
    fprintf(stderr, "loadgen: bad URI %s: %s\n", cfg->uri, error.message);
    return NULL;
  }
  mongoc_uri_set_option_as_int32(uri, MONGOC_URI_MAXPOOLSIZE, clients + 1);
  mongoc_uri_set_appname(uri, "basalt-bench");
  mongoc_client_pool_t *pool = mongoc_client_pool_new(uri);
  mongoc_uri_destroy(uri);
  if (pool) mongoc_client_pool_set_error_api(pool, MONGOC_ERROR_API_VERSION_2);
  return pool;
}

mongoc_collection_t *GetCollection(mongoc_client_t *client, const Config *cfg, const char *name) {
  mongoc_collection_t *coll = mongoc_client_get_collection(client, BENCH_DB, name);
  if (IsJournaled(cfg)) {
    mongoc_write_concern_t *wc = mongoc_write_concern_new();
    mongoc_write_concern_set_w(wc, 1);
    mongoc_write_concern_set_journal(wc, true);
    mongoc_collection_set_write_concern(coll, wc);
    mongoc_write_concern_destroy(wc);
  }
  return coll;
}

bool ResetWithUniqueEmail(mongoc_client_t *client, const char *name, bson_error_t *error) {
  mongoc_collection_t *coll = mongoc_client_get_collection(client, BENCH_DB, name);
  bool ok = mongoc_collection_drop(coll, error) || error->code == kNamespaceNotFound;
  mongoc_collection_destroy(coll);
  if (!ok) return false;
  bson_t *cmd = BCON_NEW("createIndexes", BCON_UTF8(name), "indexes", "[", "{", "key", "{", "email",
                         BCON_INT32(1), "}", "name", BCON_UTF8("email_1"), "unique",
                         BCON_BOOL(true), "}", "]");
  mongoc_database_t *db = mongoc_client_get_database(client, BENCH_DB);
  ok = mongoc_database_write_command_with_opts(db, cmd, NULL, NULL, error);
  mongoc_database_destroy(db);
  bson_destroy(cmd);
  return ok;
}

int64_t CountDocuments(mongoc_client_t *client, const char *name, const bson_t *filter) {
  bson_error_t error;
  mongoc_collection_t *coll = mongoc_client_get_collection(client, BENCH_DB, name);
  int64_t n = mongoc_collection_count_documents(coll, filter, NULL, NULL, NULL, &error);
  if (n < 0) fprintf(stderr, "loadgen: countDocuments on %s: %s\n", name, error.message);
  mongoc_collection_destroy(coll);
  return n;
}

void FormatEmail(char *buf, size_t size, const char *prefix, int64_t key) {
  snprintf(buf, size, "%s%lld@example.com", prefix, (long long)key);
}

void AppendUser(bson_t *doc, int64_t id, const char *email_prefix) {
  char email[64], name[32];
  FormatEmail(email, sizeof email, email_prefix, id);
  snprintf(name, sizeof name, "user %lld", (long long)id);
  BSON_APPEND_INT64(doc, "_id", id);
  BSON_APPEND_UTF8(doc, "email", email);
  BSON_APPEND_UTF8(doc, "name", name);
  BSON_APPEND_INT64(doc, "n", 0);
  BSON_APPEND_INT32(doc, "g", (int32_t)(id % kGroups));
  BSON_APPEND_INT32(doc, "score", (int32_t)(Scramble((uint64_t)id) % 1000000));
}

void RngSeed(Rng *rng, uint64_t seed) { rng->state = Scramble(seed) | 1; }

uint64_t RngNext(Rng *rng) {
  uint64_t x = rng->state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  rng->state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

double RngUnit(Rng *rng) { return ((double)(RngNext(rng) >> 11) + 0.5) / 9007199254740992.0; }

uint64_t Scramble(uint64_t x) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (int i = 0; i < 8; i++) {
    h ^= (x >> (8 * i)) & 0xff;
    h *= 0x100000001b3ULL;
  }
  return h;
}

void NoteError(ErrorLog *log, const char *what, const bson_error_t *error) {
  if (log->count++ == 0) {
    snprintf(log->first, sizeof log->first, "%s: %s (code %u)", what, error->message, error->code);
  }
}
