// The single-operation workloads. Keys: bench.users holds _id 1..rows with email
// user<_id>@example.com (see bulk_workloads.c's load); keys never used before come from
// Worker.fresh_base, so W1 and W2's new documents never collide with anything.
#include "single_ops.h"

#include <stdio.h>
#include <string.h>

static int64_t ExistingKey(Worker *w) {
  return (int64_t)(RngNext(&w->rng) % (uint64_t)w->cfg->rows) + 1;
}

static int64_t FreshKey(Worker *w) { return w->fresh_base + (int64_t)w->seq; }

// W1: insertOne of a new user into a collection with a unique index on email.
static bool InsertOne(Worker *w) {
  int64_t id = FreshKey(w);
  char email[64];
  FormatEmail(email, sizeof email, "w1-", id);
  bson_t *doc = BCON_NEW("_id", BCON_INT64(id), "email", BCON_UTF8(email), "name",
                         BCON_UTF8("W1 user"), "n", BCON_INT64(0));
  bson_error_t error;
  bool ok = mongoc_collection_insert_one(w->coll, doc, NULL, NULL, &error);
  if (!ok) NoteError(&w->errors, "insertOne", &error);
  bson_destroy(doc);
  return ok;
}

// W2: upsert by email with $set; a coin flip picks an existing user or a never-seen email,
// so half the keys exist for the whole run, not only at its start.
static bool UpsertByEmail(Worker *w) {
  int64_t key = (RngNext(&w->rng) & 1) ? ExistingKey(w) : FreshKey(w);
  char email[64];
  FormatEmail(email, sizeof email, "user", key);
  bson_t *filter = BCON_NEW("email", BCON_UTF8(email));
  bson_t *update =
      BCON_NEW("$set", "{", "name", BCON_UTF8("upserted"), "n", BCON_INT64((int64_t)w->seq), "}");
  bson_t *opts = BCON_NEW("upsert", BCON_BOOL(true));
  bson_t reply;
  bson_error_t error;
  bool ok = mongoc_collection_update_one(w->coll, filter, update, opts, &reply, &error);
  if (!ok) NoteError(&w->errors, "upsert", &error);
  bson_destroy(&reply);
  bson_destroy(opts);
  bson_destroy(update);
  bson_destroy(filter);
  return ok;
}

// W3: findOneAndUpdate by _id with $inc; the document must be there.
static bool FindOneAndInc(Worker *w) {
  bson_t *query = BCON_NEW("_id", BCON_INT64(ExistingKey(w)));
  bson_t *update = BCON_NEW("$inc", "{", "n", BCON_INT64(1), "}");
  mongoc_find_and_modify_opts_t *opts = mongoc_find_and_modify_opts_new();
  mongoc_find_and_modify_opts_set_update(opts, update);
  bson_t reply;
  bson_error_t error;
  bool ok = mongoc_collection_find_and_modify_with_opts(w->coll, query, opts, &reply, &error);
  if (!ok) {
    NoteError(&w->errors, "findOneAndUpdate", &error);
  } else if (!w->cfg->no_assert) {
    bson_iter_t it;
    if (!bson_iter_init_find(&it, &reply, "value") || !BSON_ITER_HOLDS_DOCUMENT(&it)) {
      bson_set_error(&error, 0, 0, "no document for an existing _id");
      NoteError(&w->errors, "findOneAndUpdate", &error);
      ok = false;
    }
  }
  bson_destroy(&reply);
  mongoc_find_and_modify_opts_destroy(opts);
  bson_destroy(update);
  bson_destroy(query);
  return ok;
}

static bool UpdateById(Worker *w, int64_t id, bson_t *update, const char *what) {
  bson_t *filter = BCON_NEW("_id", BCON_INT64(id));
  bson_t reply;
  bson_error_t error;
  bool ok = mongoc_collection_update_one(w->coll, filter, update, NULL, &reply, &error);
  if (!ok) {
    NoteError(&w->errors, what, &error);
  } else if (!w->cfg->no_assert) {
    bson_iter_t it;
    if (!bson_iter_init_find(&it, &reply, "matchedCount") || bson_iter_as_int64(&it) != 1) {
      bson_set_error(&error, 0, 0, "matchedCount is not 1 for an existing _id");
      NoteError(&w->errors, what, &error);
      ok = false;
    }
  }
  bson_destroy(&reply);
  bson_destroy(filter);
  return ok;
}

// update_id (issue 5): updateOne by _id with $inc.
static bool IncById(Worker *w) {
  bson_t *update = BCON_NEW("$inc", "{", "n", BCON_INT64(1), "}");
  bool ok = UpdateById(w, ExistingKey(w), update, "updateOne");
  bson_destroy(update);
  return ok;
}

// A point read that must find exactly the one document.
static bool FindOne(Worker *w, bson_t *filter) {
  bson_t *opts = BCON_NEW("limit", BCON_INT64(1), "singleBatch", BCON_BOOL(true));
  mongoc_cursor_t *cursor = mongoc_collection_find_with_opts(w->coll, filter, opts, NULL);
  const bson_t *doc;
  bool found = mongoc_cursor_next(cursor, &doc);
  bson_error_t error;
  bool ok = true;
  if (mongoc_cursor_error(cursor, &error)) {
    NoteError(&w->errors, "find", &error);
    ok = false;
  } else if (!found && !w->cfg->no_assert) {
    bson_set_error(&error, 0, 0, "no document for an existing key");
    NoteError(&w->errors, "find", &error);
    ok = false;
  }
  mongoc_cursor_destroy(cursor);
  bson_destroy(opts);
  return ok;
}

static bool FindById(Worker *w) {
  bson_t *filter = BCON_NEW("_id", BCON_INT64(ExistingKey(w)));
  bool ok = FindOne(w, filter);
  bson_destroy(filter);
  return ok;
}

static bool FindByEmail(Worker *w) {
  char email[64];
  FormatEmail(email, sizeof email, "user", ExistingKey(w));
  bson_t *filter = BCON_NEW("email", BCON_UTF8(email));
  bool ok = FindOne(w, filter);
  bson_destroy(filter);
  return ok;
}

// YCSB: a read or an update of one field, of a zipfian-chosen document.
static bool Ycsb(Worker *w, unsigned read_percent) {
  int64_t id = ZipfNextKey(w->zipf, &w->rng);
  if (RngNext(&w->rng) % 100 < read_percent) {
    bson_t *filter = BCON_NEW("_id", BCON_INT64(id));
    bool ok = FindOne(w, filter);
    bson_destroy(filter);
    return ok;
  }
  char name[32];
  snprintf(name, sizeof name, "ycsb %llu", (unsigned long long)(RngNext(&w->rng) % 1000000));
  bson_t *update = BCON_NEW("$set", "{", "name", BCON_UTF8(name), "}");
  bool ok = UpdateById(w, id, update, "ycsb update");
  bson_destroy(update);
  return ok;
}

static bool YcsbA(Worker *w) { return Ycsb(w, 50); }
static bool YcsbB(Worker *w) { return Ycsb(w, 95); }
static bool YcsbC(Worker *w) { return Ycsb(w, 100); }

static const SingleOpWorkload kWorkloads[] = {
    {"W1", "w1", true, false, InsertOne},         {"W2", "users", false, false, UpsertByEmail},
    {"W3", "users", false, false, FindOneAndInc}, {"update_id", "users", false, false, IncById},
    {"W6_id", "users", false, false, FindById},   {"W6_email", "users", false, false, FindByEmail},
    {"W7A", "users", false, true, YcsbA},         {"W7B", "users", false, true, YcsbB},
    {"W7C", "users", false, true, YcsbC},
};

const SingleOpWorkload *FindSingleOpWorkload(const char *name) {
  for (size_t i = 0; i < sizeof kWorkloads / sizeof kWorkloads[0]; i++) {
    if (strcmp(kWorkloads[i].name, name) == 0) return &kWorkloads[i];
  }
  return NULL;
}
