// What a find's filter says about single top-level fields that index bounds
// can use (equalities, $in point lists, ranges), and explain's rendering of
// the bounds built from them. Internal to the planner (find_plan.cpp).
#pragma once

#include <bson/bson.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bson.h"
#include "storage/index_spec.h"

namespace basalt::query {

// The conditions a filter puts on one top-level field that bounds can use.
struct FieldConditions {
  std::optional<bson_iter_t> eq;
  std::optional<bson_iter_t> lower;  // $gt / $gte
  bool lower_inclusive = true;
  std::optional<bson_iter_t> upper;  // $lt / $lte
  bool upper_inclusive = true;
  // $in whose values are all boundable: a union of points.
  std::optional<std::vector<bson_iter_t>> in;
};

using Conditions = std::map<std::string, FieldConditions, std::less<>>;

// How BuildIntervals bounded one key field.
enum class BoundKind { kEquality, kIn, kRange };

// Past this many points (the product of $in sizes) an index scan is not
// worth building; the field then constrains nothing.
constexpr size_t kMaxIntervals = 4096;

// The boundable conditions of `filter`'s top-level fields (null: none).
Conditions CollectConditions(const bson_t* filter);

// explain's indexBounds for a scan of `index` whose first kinds.size() key
// fields were bounded as `kinds` says from `conditions` (the rest are open):
// per field, its intervals as mongod prints them ("[5, 5]", "(5, inf.0]",
// "[MinKey, MaxKey]"), in the order the scan meets them (`forward` or not).
Bson DescribeIndexBounds(const storage::IndexSpec& index, const Conditions& conditions,
                         const std::vector<BoundKind>& kinds, bool forward);

}  // namespace basalt::query
