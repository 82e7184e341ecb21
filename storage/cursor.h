// Cursors over a collection's records or one index, each reading a single KV
// snapshot taken when it was opened: the documents a cursor returns, across
// all its batches, are those of one consistent state, whatever writers do
// meanwhile. A cursor is used by one thread at a time; it holds no locks.
// Destroy cursors before Engine::Close().
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "storage/kv.h"

namespace basalt::storage {

// A range of an index in its own order, as encoded keys (storage/key_string.h
// encodings of the key pattern's fields, descending fields encoded
// descending). A bound may be a prefix of the key (fewer fields): an
// inclusive bound then takes in every key that starts with it, an exclusive
// one excludes them all. An empty `start`/`end` leaves that side open.
struct IndexBounds {
  std::string start;
  bool start_inclusive = true;
  std::string end;
  bool end_inclusive = true;

  static IndexBounds All() { return IndexBounds{}; }
  // Exactly the keys equal to (or starting with) `key`.
  static IndexBounds Point(std::string key) { return IndexBounds{key, true, key, true}; }
};

class RecordCursor {
 public:
  RecordCursor(std::unique_ptr<KvIterator> it, bool forward);

  // The next document, or false at the end.
  StatusWith<bool> Next(Bson* doc);

  // Appends documents until `max_docs` or until their sizes reach
  // `max_bytes` (always at least one if any remain). Returns false once the
  // cursor is exhausted.
  StatusWith<bool> NextBatch(size_t max_docs, size_t max_bytes, std::vector<Bson>* out);

 private:
  std::unique_ptr<KvIterator> it_;
  bool forward_;
  bool started_ = false;
};

struct IndexEntry {
  std::string key;  // the encoded index key (no record id)
  Bson doc;
};

class IndexCursor {
 public:
  // What the iterated keys are: records (the _id index), or entries of a
  // unique or non-unique secondary index (see storage/key_layout.h).
  enum class Kind { kRecords, kUnique, kNonUnique };

  // `records_prefix`: the collection's record key prefix, to fetch documents
  // from `kv` at `snapshot`. `key_prefix_len`: bytes to strip from entry keys.
  IndexCursor(Kind kind, std::unique_ptr<KvIterator> it, bool forward, KvStore* kv,
              std::shared_ptr<const KvSnapshot> snapshot, std::string records_prefix,
              size_t key_prefix_len);

  StatusWith<bool> Next(IndexEntry* entry);
  StatusWith<bool> NextBatch(size_t max_docs, size_t max_bytes, std::vector<IndexEntry>* out);

 private:
  Kind kind_;
  std::unique_ptr<KvIterator> it_;
  bool forward_;
  bool started_ = false;
  KvStore* kv_;
  std::shared_ptr<const KvSnapshot> snapshot_;
  std::string records_prefix_;
  size_t key_prefix_len_;
};

}  // namespace basalt::storage
