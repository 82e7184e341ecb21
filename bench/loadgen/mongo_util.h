// libmongoc plumbing the workloads share: the pool, collections carrying the run's write
// concern, collection set-up, the benchmark's document shape, a per-thread RNG and error log.
#ifndef BENCH_LOADGEN_MONGO_UTIL_H
#define BENCH_LOADGEN_MONGO_UTIL_H

#include <mongoc/mongoc.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define BENCH_DB "bench"
enum { kDuplicateKey = 11000, kGroups = 1000 };

// A pool with room for `clients` threads plus the set-up connection.
mongoc_client_pool_t *OpenPool(const Config *cfg, int clients);

// BENCH_DB.<name> with j:true attached when the run's durability asks for it (w:1 is the
// server's default, so "default" sends no writeConcern at all).
mongoc_collection_t *GetCollection(mongoc_client_t *client, const Config *cfg, const char *name);

// Drops BENCH_DB.<name> (a missing collection is fine) and creates the unique index
// {email: 1} on it, as an application does before its users arrive.
bool ResetWithUniqueEmail(mongoc_client_t *client, const char *name, bson_error_t *error);

// countDocuments(filter) on BENCH_DB.<name>; -1 on error.
int64_t CountDocuments(mongoc_client_t *client, const char *name, const bson_t *filter);

// The benchmark's user document, the same row bench/pg stores: {_id, email, name, n}, plus
// g (id mod 1000, the $group key) and score (a scrambled number, the top-k sort key).
void AppendUser(bson_t *doc, int64_t id, const char *email_prefix);
void FormatEmail(char *buf, size_t size, const char *prefix, int64_t key);

// xorshift64*: cheap, per-thread, good enough to pick keys.
typedef struct {
  uint64_t state;
} Rng;
void RngSeed(Rng *rng, uint64_t seed);
uint64_t RngNext(Rng *rng);
double RngUnit(Rng *rng);  // uniform in (0, 1)

uint64_t Scramble(uint64_t x);  // FNV-1a over the 8 bytes of x

// Counts errors of one thread and keeps the first message for the report.
typedef struct {
  uint64_t count;
  char first[600];  // room for bson_error_t.message (504) and the context
} ErrorLog;
void NoteError(ErrorLog *log, const char *what, const bson_error_t *error);

#endif
