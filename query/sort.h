// Sorting find results as mongod 7.0 does: the sort pattern
// (src/mongo/db/query/sort_pattern.cpp), the sort key of a document
// (src/mongo/db/index/sort_key_generator.cpp) and a blocking sort with
// mongod's memory limit, top-k and spilling to disk (src/mongo/db/sorter).
// docs/projection_and_sort.md describes the rules.
//
// A document's sort key is the first of the keys an index on the pattern
// would hold for it, in the pattern's order: missing fields and paths
// through scalars are null, an array contributes its smallest element to an
// ascending field and its largest to a descending one (an empty array is
// undefined, below null), paths go through arrays of documents, and two
// fields through different arrays are an error. The key is encoded with
// storage/key_string.h (descending fields inverted), so comparing keys is
// memcmp.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "query/document_stream.h"

namespace basalt::storage {
class IndexSpec;
}

namespace basalt::query {

// A parsed sort specification ({a: 1, "b.c": -1}).
// Thread-safety: immutable after Parse; copies share state; all methods may
// run on any number of threads at once.
class SortPattern {
 public:
  // Errors as mongod's SortPattern gives them for find's `sort`:
  //   15974 "Illegal key in $sort specification: a: \"x\""  (not a number)
  //   15975 "$sort key ordering must be 1 (for ascending) or -1 (for descending)"
  //   7472500 "$sort key must not contain duplicate keys (duplicate: 'a')"
  //   FieldPath's errors for the field names (40352, 15998, 16410...);
  //   for {a: {$meta: ...}} mongod's 17312 / 9 / 31138 for malformed ones,
  //   and NotImplemented (238) for valid ones until Basalt has text search.
  // An empty spec is valid and sorts nothing (empty() is true).
  static StatusWith<SortPattern> Parse(const bson_t* spec);

  bool empty() const { return fields_.empty(); }
  size_t size() const { return fields_.size(); }
  const std::vector<std::string>& fields() const { return fields_; }
  const std::vector<bool>& descending() const { return descending_; }

  // Appends the sort key of `doc` to `*out`. Fails with BadValue "cannot sort
  // with keys that are parallel arrays" when two fields go through
  // different arrays of the document.
  Status AppendKey(const bson_t* doc, std::string* out) const;
  StatusWith<std::string> Key(const bson_t* doc) const;

  // The order of two documents: <0, 0 or >0 (ties are the caller's to break).
  StatusWith<int> Compare(const bson_t* a, const bson_t* b) const;

 private:
  std::vector<std::string> fields_;
  std::vector<std::vector<std::string>> paths_;  // fields_, split on dots
  std::vector<bool> descending_;
  // The pattern as an index key pattern, for documents with arrays.
  std::shared_ptr<const storage::IndexSpec> index_spec_;
};

struct SorterOptions {
  // mongod's internalQueryMaxBlockingSortMemoryUsageBytes.
  static constexpr uint64_t kDefaultMaxMemoryBytes = 100 * 1024 * 1024;

  uint64_t max_memory_bytes = kDefaultMaxMemoryBytes;
  // Without it, going over max_memory_bytes fails with 292; with it, sorted
  // runs are written to files in temp_dir and merged.
  bool allow_disk_use = false;
  // Keep only the first `limit` documents (top-k); 0 keeps all.
  uint64_t limit = 0;
  // Directory for the spill files (created if missing), e.g. <dbpath>/_tmp;
  // the system's temporary directory when empty.
  std::string temp_dir;
};

// What explain reports for a SORT stage.
struct SorterStats {
  uint64_t total_data_size_sorted = 0;  // bytes of the documents added
  uint64_t peak_memory_bytes = 0;
  uint64_t spills = 0;  // sorted runs written to disk
  bool used_disk() const { return spills > 0; }
};

// A blocking sort: Add every document, then Next returns them in the
// pattern's order, documents with equal keys in the order they were added.
// Memory counts each held document's key and BSON plus a fixed overhead.
// Spill files are removed once merged, and by the destructor in any case.
// Thread-safety: one thread at a time.
class Sorter {
 public:
  Sorter(SortPattern pattern, SorterOptions options);
  ~Sorter();
  Sorter(const Sorter&) = delete;
  Sorter& operator=(const Sorter&) = delete;

  // Adds a copy of `doc`. Fails with the key's error (parallel arrays), with
  // 292 QueryExceededMemoryLimitNoDiskUseAllowed "Sort exceeded memory limit
  // of <n> bytes, but did not opt in to external sorting." (the find command
  // prefixes "Executor error during find command :: caused by :: "), or with
  // an I/O error while spilling. Not to be called after Next.
  Status Add(const bson_t* doc);

  // The next document in order into `*out`; false at the end.
  StatusWith<bool> Next(Bson* out);

  const SorterStats& stats() const { return stats_; }
  // Bytes held in memory now.
  uint64_t memory_bytes() const { return memory_bytes_; }

 private:
  struct Entry;
  struct Run;
  class Merger;

  Status AddEntry(Entry entry);
  Status Spill();
  Status Finish();

  SortPattern pattern_;
  SorterOptions options_;
  SorterStats stats_;
  uint64_t next_seq_ = 0;
  uint64_t memory_bytes_ = 0;
  std::vector<Entry> entries_;     // a max-heap on (key, seq) when limit > 0
  std::unique_ptr<Entry> cutoff_;  // top-k: anything after this cannot make the cut
  std::vector<std::string> run_files_;
  std::unique_ptr<Merger> merger_;
  bool finished_ = false;
  uint64_t returned_ = 0;
};

// A stream that sorts another: drains `source` into a Sorter on the first
// Next, then returns the sorted documents.
class SortedStream : public DocumentStream {
 public:
  SortedStream(std::unique_ptr<DocumentStream> source, SortPattern pattern, SorterOptions options);
  StatusWith<bool> Next(Bson* out) override;
  const SorterStats& stats() const { return sorter_.stats(); }

 private:
  std::unique_ptr<DocumentStream> source_;
  Sorter sorter_;
  bool drained_ = false;
};

}  // namespace basalt::query
