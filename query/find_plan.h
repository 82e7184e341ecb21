// Choosing how to read a find's candidate documents: a point lookup by _id,
// an index scan over intervals derived from the filter (or from min/max), or
// a collection scan. The plan only narrows what is read; the filter is still
// applied to every document, so a plan can be loose but never wrong.
#pragma once

#include <bson/bson.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "storage/collection.h"
#include "storage/cursor.h"

namespace basalt::query {

class SortPattern;

struct FindPlan {
  enum class Kind { kEof, kIdLookup, kIndexScan, kCollectionScan };
  Kind kind = Kind::kCollectionScan;
  // kIdLookup: the _id value, as a one-field document {_id: v}.
  Bson id_value;
  // kIndexScan.
  std::shared_ptr<const storage::IndexSpec> index;
  // The first (often only) interval of `intervals`, kept for callers that
  // predate interval lists.
  storage::IndexBounds bounds;
  // Disjoint intervals in the index's order ($in gives one point each);
  // scanned first to last when forward, last to first when backward.
  std::vector<storage::IndexBounds> intervals;
  // The scan may meet a document more than once (multikey, or several
  // intervals); the executor also turns this on when the index becomes
  // multikey before its scan's snapshot is taken.
  bool dedupe = false;
  bool forward = true;
  // The scan yields documents in the requested sort's order: no SORT stage.
  bool provides_sort = false;
  // The plan came from min/max (explain shows the bounds as given).
  bool min_max = false;
  // For explain: the bounds per key field as mongod prints them (empty for
  // min/max plans), and per key field the path components at which the
  // index has held arrays (see storage::MultikeyPaths; empty or all zero
  // when it is not multikey).
  Bson index_bounds;
  std::vector<uint64_t> multikey_paths;
};

// Everything that shapes the plan. Null members are absent.
struct FindPlanRequest {
  const bson_t* filter = nullptr;
  // An index name ({$hint: name}) or key pattern to force, or {$natural: 1|-1}.
  const bson_t* hint = nullptr;
  const SortPattern* sort = nullptr;
  // find's min (inclusive) and max (exclusive) index keys; need a hint.
  const bson_t* min = nullptr;
  const bson_t* max = nullptr;
};

// Whether multikey paths (FindPlan::multikey_paths) say some document held an array.
inline bool IsMultikey(const std::vector<uint64_t>& multikey_paths) {
  for (uint64_t path : multikey_paths) {
    if (path != 0) return true;
  }
  return false;
}

// Picks the plan for `filter` over `collection` (null when the collection
// does not exist). `hint` (nullable): an index name or key pattern to force
// (BadValue "hint provided does not correspond to an existing index" when
// there is none), or {$natural: 1|-1} for a collection scan in that order.
StatusWith<FindPlan> ChooseFindPlan(const storage::Collection* collection, const bson_t* filter,
                                    const bson_t* hint);

// As above, also choosing an index whose order gives `sort` (so the sort needs
// no blocking stage), and honouring min/max with mongod's errors:
//   51173 "When using min()/max() a hint of which index to use must be provided"
//   51174 "The index chosen is not compatible with min/max"
//   51175 "The value provided for min() does not come before the value provided
//          for max() in the hinted index"
StatusWith<FindPlan> ChooseFindPlan(const storage::Collection* collection,
                                    const FindPlanRequest& request);

// The stage names explain reports for a plan: "EOF", "IDHACK", "IXSCAN", "COLLSCAN".
const char* PlanStageName(const FindPlan& plan);

}  // namespace basalt::query
