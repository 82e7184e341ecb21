// One collection: its records (documents keyed by their _id) and its
// secondary indexes, kept in step by single atomic write batches.
//
// Contract:
// - Every document written is stored as the exact BSON given; its first
//   field must be `_id` (the caller adds one when absent, as mongod does).
// - A write (record plus all its index entries) is one atomic KV batch; a
//   write that fails (duplicate key, parallel arrays...) writes nothing.
// - Unique constraints (_id and unique indexes) hold under any number of
//   concurrent writers: of N writers of one key exactly one succeeds, the
//   others get DuplicateKey (11000) with mongod's message, keyPattern and
//   keyValue.
// - `durable` (j: true) returns only once the write is on disk; otherwise it
//   becomes durable within the engine's commit interval.
// - Reads (FindById, cursors) never block on writers; each cursor reads one
//   snapshot from start to end.
//
// Locking: mu_ is shared by writers (Insert/Replace/Delete, InsertMany per
// group) and exclusive for index builds/drops and for the engine's
// drop/rename of this collection; it guards indexes_ and dropped_. Writers
// additionally hold the engine's stripe locks (storage/stripe_locks.h) of
// every unique key they check, across the check and the batch write.
// names_mu_ guards db_/name_ (rename changes them).
// Lock order: mu_, then stripes; mu_, then the engine's catalog mutex.
//
// Handles are shared_ptrs from the Engine; a handle whose collection was
// dropped answers NamespaceNotFound. Release every handle and cursor before
// Engine::Close().
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "storage/cursor.h"
#include "storage/index_keys.h"
#include "storage/index_spec.h"
#include "storage/kv.h"

namespace basalt::storage {

class Engine;

using Uuid = std::array<uint8_t, 16>;

// The query layer's matcher for a partialFilterExpression. (An interface
// rather than std::function: bson_t's alignment attribute makes function
// types over bson_t* warn.) Must be thread-safe: writers call it concurrently.
class PartialFilterMatcher {
 public:
  virtual ~PartialFilterMatcher() = default;
  // True if `doc` belongs in the index.
  virtual bool Matches(const bson_t* doc) const = 0;
};
using PartialFilter = std::shared_ptr<const PartialFilterMatcher>;

// Builds the matcher of a partialFilterExpression (supplied by the query
// layer): a parse error is returned as the index build's error.
class PartialFilterFactory {
 public:
  virtual ~PartialFilterFactory() = default;
  virtual StatusWith<PartialFilter> Make(const bson_t* filter_expression) const = 0;
};

struct ValidateResults {
  bool valid = true;
  std::vector<std::string> errors;  // empty when valid; capped at 100
  int64_t records = 0;
  std::vector<std::pair<std::string, int64_t>> keys_per_index;  // _id_ first
};

// Which path components of an index's key fields have held arrays (bit i of
// field f: component i of its path; see IndexKeys::multikey_paths). Like
// mongod's multikey flag it only grows: deleting the arrays does not clear it.
// Thread-safe.
class MultikeyPaths {
 public:
  explicit MultikeyPaths(size_t fields) : bits_(fields) {}
  // Adds `paths` (one mask per field, or empty); true if a bit was new.
  bool Add(const std::vector<uint64_t>& paths);
  // Whether adding `paths` would set a bit not set yet.
  bool WouldGrow(const std::vector<uint64_t>& paths) const;
  // One mask per field; all zero when the index is not multikey.
  std::vector<uint64_t> Get() const;

 private:
  std::vector<std::atomic<uint64_t>> bits_;
};

class Collection {
 public:
  // InsertMany's group size. A group holds its documents' stripe locks from
  // its unique checks to the end of its write, stalling concurrent writers
  // of those stripes meanwhile; larger groups amortize more (see
  // docs/storage.md for the measurements behind this value).
  static constexpr size_t kInsertGroupDocs = 512;

  // Made by the Engine only.
  struct IndexState {
    std::shared_ptr<const IndexSpec> spec;
    uint64_t id;
    std::string prefix;    // layout::DataPrefix(id)
    PartialFilter filter;  // set iff spec->partial_filter()
    // Shared by every copy of the state: index lists are copied on change.
    std::shared_ptr<MultikeyPaths> multikey;
  };
  using IndexList = std::vector<IndexState>;
  Collection(Engine* engine, std::string db, std::string name, Uuid uuid, uint64_t id, Bson options,
             IndexList indexes);

  std::string db() const;
  std::string name() const;
  std::string ns() const;  // "<db>.<name>"
  const Uuid& uuid() const { return uuid_; }
  // The options given to create (empty document if none).
  const bson_t* options() const { return options_.get(); }

  // --- Documents ------------------------------------------------------------

  // Inserts `doc` (first field `_id`). DuplicateKey if its _id or a unique
  // index key is taken; CannotIndexParallelArrays (171) if a compound index
  // cannot hold it.
  Status Insert(const bson_t* doc, bool durable);

  // Inserts `docs` in order. Each document gets the outcome Insert() would
  // give it if the documents were inserted alone, one after another: a
  // duplicate of an earlier document of the same call gets DuplicateKey just
  // as a duplicate of a stored one does. Returns one Status per document
  // attempted: all of them, or when `ordered`, those up to and including the
  // first failure (the documents before it are inserted, none after it).
  // Documents are written in groups, each group one atomic KV batch checked
  // and written under one acquisition of its keys' stripe locks, so each
  // document is still written whole or not at all.
  // `max_group_docs` bounds a group (see kInsertGroupDocs).
  std::vector<Status> InsertMany(const std::vector<const bson_t*>& docs, bool durable, bool ordered,
                                 size_t max_group_docs = kInsertGroupDocs);

  // The document whose _id equals the value at `id` (1 and 1.0 are equal),
  // read from the latest committed state; nullopt if none.
  StatusWith<std::optional<Bson>> FindById(const bson_iter_t* id) const;

  // Replaces the document with `new_doc`'s _id by `new_doc`, updating every
  // index. With `expected` set, succeeds only if the stored document is still
  // byte-for-byte `expected` (else WriteConflict, code 112: re-read and
  // retry), which makes read-modify-write updates atomic. NoSuchKey (4) if no
  // document has that _id.
  Status Replace(const bson_t* expected, const bson_t* new_doc, bool durable);

  // Deletes the document whose _id equals the value at `id`. With `expected`
  // set, only if it is still `expected` (else WriteConflict). NoSuchKey if
  // absent. `deleted` (optional) receives the removed document.
  Status Delete(const bson_iter_t* id, const bson_t* expected, bool durable, Bson* deleted);

  // Every document in _id order (forward or backward), from one snapshot.
  std::unique_ptr<RecordCursor> Scan(bool forward) const;

  // The entries of index `index_name` within `bounds` (encoded keys, see
  // storage/cursor.h) with their documents, from one snapshot. A multikey
  // index yields a document once per matching key. IndexNotFound (27) if no
  // such index. `_id_` scans the records.
  StatusWith<std::unique_ptr<IndexCursor>> ScanIndex(std::string_view index_name,
                                                     const IndexBounds& bounds, bool forward) const;

  // --- Indexes --------------------------------------------------------------

  // Builds the index `spec` (a createIndexes element, validated here) over
  // the existing documents. IndexAlreadyExists (68) if an identical index
  // exists (createIndexes then answers "all indexes already exist"); 85/86
  // on conflicts; 67 for invalid or unsupported specs; DuplicateKey if
  // `unique` and documents share a key, naming the smallest duplicated key,
  // with `duplicateGroups` (how many distinct keys are duplicated) added to
  // the extra info. A failed build leaves nothing behind. Blocks this
  // collection's writers while it runs.
  Status CreateIndex(const bson_t* spec, bool durable);

  // IndexNotFound "index not found with name [x]"; InvalidOptions (72)
  // "cannot drop _id index".
  Status DropIndex(std::string_view name, bool durable);

  // The index named by its key pattern, e.g. for dropIndexes({a: 1}).
  // IndexNotFound "can't find index with key: { a: 1 }"; AmbiguousIndexKeyPattern
  // when several indexes share the pattern.
  StatusWith<std::string> IndexNameForKeyPattern(const bson_t* key_pattern) const;

  // Every index, `_id_` first, in creation order.
  std::vector<std::shared_ptr<const IndexSpec>> ListIndexes() const;

  // Per key field of index `index_name`, the path components at which some
  // document has held an array (see MultikeyPaths); empty for `_id_` and
  // unknown names. Persisted with the catalog, so it survives restarts.
  std::vector<uint64_t> IndexMultikeyPaths(std::string_view index_name) const;

  // --- Statistics and checks ------------------------------------------------

  int64_t Count() const { return count_.load(std::memory_order_relaxed); }
  // Sum of the stored documents' BSON sizes.
  int64_t DataSize() const { return data_size_.load(std::memory_order_relaxed); }

  // Checks that records and indexes agree both ways: every document's keys
  // are in each index pointing at it, every index entry points at a document
  // that generates it, every record key matches its document's _id, and the
  // counts match. Reads one snapshot; does not block writers.
  ValidateResults Validate() const;

  // Bytes each index occupies in the store (its entries' keys and values),
  // `_id_` (the record keys) first, then in creation order, read from one
  // snapshot. O(index entries): meant for collStats/dbStats/listDatabases.
  std::vector<std::pair<std::string, int64_t>> IndexSizes() const;

 private:
  friend class Engine;
  using IndexListPtr = std::shared_ptr<const IndexList>;

  // The write path shared by Insert/Replace/Delete: `old_doc` and/or
  // `new_doc` (either may be null) for the record `rid`.
  Status WriteDocument(const std::string& rid, const bson_t* old_doc, const bson_t* new_doc,
                       const bson_iter_t* new_id, const IndexList& indexes, bool durable);
  // One group of InsertMany: documents from `*next` on, appending their
  // outcomes to `results` and advancing `*next`. True when an ordered insert
  // must stop. Requires mu_ held (shared).
  bool InsertGroup(const std::vector<const bson_t*>& docs, size_t max_group_docs, size_t* next,
                   const IndexList& indexes, bool durable, bool ordered,
                   std::vector<Status>* results);
  // InsertGroup's per-document state and unique-check probes
  // (collection_insert_many.cpp).
  struct InsertCandidate;
  struct InsertProbe;
  // Writes InsertGroup's accepted documents as one KV batch; requires their
  // stripes locked.
  Status WriteAccepted(const std::vector<const InsertCandidate*>& accepted,
                       const std::vector<InsertProbe>& probes, const IndexList& indexes,
                       bool durable);
  Status CheckIndexable(const IndexState& index, const bson_t* doc, IndexKeys* keys) const;
  // True if `doc`'s first field is `_id` (`*id` then points at it).
  static bool FirstIsId(const bson_t* doc, bson_iter_t* id);
  // The record id of the _id value at `id`: its KeyString.
  static std::string RecordIdOf(const bson_iter_t* id);
  Status DuplicateKey(const IndexSpec& spec, const Bson& key_value) const;
  std::string RecordKey(std::string_view rid) const { return record_prefix_ + std::string(rid); }
  Status Usable() const;                              // requires mu_ held
  Bson CatalogEntry(const IndexList& indexes) const;  // requires mu_ held

  Engine* const engine_;
  KvStore* const kv_;
  const Uuid uuid_;
  const uint64_t id_;
  const std::string record_prefix_;
  const Bson options_;

  mutable std::mutex names_mu_;
  std::string db_;    // guarded by names_mu_
  std::string name_;  // guarded by names_mu_

  mutable std::shared_mutex mu_;
  IndexListPtr indexes_;  // guarded by mu_
  // Serializes the writes that first make an index multikey on a path, each
  // of which rewrites the catalog entry (so none can overwrite a newer one).
  std::mutex multikey_mu_;
  bool dropped_ = false;  // guarded by mu_

  std::atomic<int64_t> count_{0};
  std::atomic<int64_t> data_size_{0};
};

}  // namespace basalt::storage
