// Index key generation: the keys one document contributes to one index, as
// mongod's btree key generator makes them:
// - a missing field (or a path through a scalar) gives null;
// - a path through an array of documents ("a.b" with a: [{b: 1}, {b: 2}])
//   and an array at the end of the path give one key per element; an empty
//   array at the end gives undefined; elements that are themselves arrays are
//   indexed whole;
// - a numeric path component on an array picks that element ("a.0");
// - in a compound key at most one array may be expanded, unless the fields
//   share it ({"a.b": 1, "a.c": 1} pairs b and c of the same element);
//   otherwise 171 CannotIndexParallelArrays "cannot index parallel arrays [b] [a]";
// - keys are deduplicated within the document;
// - a sparse index skips a document missing every key field.
// Pure functions; thread-safe.
#pragma once

#include <bson/bson.h>

#include <memory>
#include <string>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "storage/index_spec.h"

namespace basalt::storage {

// The keys of one document for one index, sorted and unique by encoding.
// Refers into the document: it must outlive this object.
class IndexKeys {
 public:
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // The order-preserving encoding (storage/key_string.h) of key `i`.
  const std::string& key(size_t i) const { return entries_[i].encoded; }
  // Key `i` as the document holds it, under the key pattern's field names,
  // e.g. {email: "a@b.c"} or {"a.b": 1.0}: the keyValue of a duplicate-key
  // error. Missing fields are null.
  Bson KeyValue(size_t i) const;
  // Per key field, the path components at which the document holds an array
  // the keys were expanded over (bit i: component i), as mongod tracks
  // multikey paths; all zero when the document adds one key per value.
  const std::vector<uint64_t>& multikey_paths() const { return multikey_paths_; }

 private:
  friend Status GenerateIndexKeys(const IndexSpec& spec, const bson_t* doc, IndexKeys* out);
  struct Entry {
    std::string encoded;
    std::vector<bson_iter_t> values;  // one per key field
  };
  std::shared_ptr<const std::vector<std::string>> field_names_;
  std::vector<Entry> entries_;
  std::vector<uint64_t> multikey_paths_;
};

// Replaces `*out` with the keys of `doc` for `spec`. Partial filters are the
// caller's business (the collection applies the query layer's matcher).
Status GenerateIndexKeys(const IndexSpec& spec, const bson_t* doc, IndexKeys* out);

}  // namespace basalt::storage
