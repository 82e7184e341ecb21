// Choosing how to read a find's candidate documents: a point lookup by _id,
// an index scan over bounds derived from the filter, or a collection scan.
// The plan only narrows what is read; the filter is still applied to every
// document, so a plan can be loose but never wrong.
#pragma once

#include <bson/bson.h>

#include <memory>
#include <optional>
#include <string>

#include "base/bson.h"
#include "base/status.h"
#include "storage/collection.h"
#include "storage/cursor.h"

namespace basalt::query {

struct FindPlan {
  enum class Kind { kEof, kIdLookup, kIndexScan, kCollectionScan };
  Kind kind = Kind::kCollectionScan;
  // kIdLookup: the _id value, as a one-field document {_id: v}.
  Bson id_value;
  // kIndexScan.
  std::shared_ptr<const storage::IndexSpec> index;
  storage::IndexBounds bounds;
  // The scan may meet a document more than once (multikey or range bounds).
  bool dedupe = false;
  bool forward = true;
};

// Picks the plan for `filter` over `collection` (null when the collection
// does not exist). `hint` (nullable): an index name or key pattern to force
// (BadValue "hint provided does not correspond to an existing index" when
// there is none), or {$natural: 1|-1} for a collection scan in that order.
StatusWith<FindPlan> ChooseFindPlan(const storage::Collection* collection, const bson_t* filter,
                                    const bson_t* hint);

// The stage names explain reports for a plan: "EOF", "IDHACK", "IXSCAN", "COLLSCAN".
const char* PlanStageName(const FindPlan& plan);

}  // namespace basalt::query
