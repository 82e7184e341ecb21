#include "query/find_plan.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "query/plan_conditions.h"
#include "query/sort.h"
#include "storage/key_string.h"

namespace basalt::query {
namespace {

// The ends of the type bracket `it` belongs to, so that a one-sided range
// stays within its type as mongod's comparisons do.
void AppendBracketStart(std::string* out, const bson_iter_t* it, bool descending) {
  Bson v;
  switch (bson_iter_type(it)) {
    case BSON_TYPE_UTF8:
      BSON_APPEND_UTF8(v.get(), "v", "");
      break;
    case BSON_TYPE_OID: {
      bson_oid_t zero{};
      BSON_APPEND_OID(v.get(), "v", &zero);
      break;
    }
    case BSON_TYPE_BOOL:
      BSON_APPEND_BOOL(v.get(), "v", false);
      break;
    case BSON_TYPE_DATE_TIME:
      BSON_APPEND_DATE_TIME(v.get(), "v", std::numeric_limits<int64_t>::min());
      break;
    case BSON_TYPE_TIMESTAMP:
      BSON_APPEND_TIMESTAMP(v.get(), "v", 0, 0);
      break;
    default:  // numbers: NaN sorts below every other number
      BSON_APPEND_DOUBLE(v.get(), "v", std::numeric_limits<double>::quiet_NaN());
  }
  bson_iter_t vi;
  bson_iter_init_find(&vi, v.get(), "v");
  storage::AppendKeyValue(out, &vi, descending);
}

// The first value of the next type bracket (exclusive end).
void AppendBracketEnd(std::string* out, const bson_iter_t* it, bool descending) {
  Bson v;
  switch (bson_iter_type(it)) {
    case BSON_TYPE_UTF8: {  // strings < objects: the empty document is the first object
      bson_t empty;
      BSON_APPEND_DOCUMENT_BEGIN(v.get(), "v", &empty);
      bson_append_document_end(v.get(), &empty);
      break;
    }
    case BSON_TYPE_OID:  // ObjectIds < bools
      BSON_APPEND_BOOL(v.get(), "v", false);
      break;
    case BSON_TYPE_BOOL:  // bools < dates
      BSON_APPEND_DATE_TIME(v.get(), "v", std::numeric_limits<int64_t>::min());
      break;
    case BSON_TYPE_DATE_TIME:  // dates < timestamps
      BSON_APPEND_TIMESTAMP(v.get(), "v", 0, 0);
      break;
    case BSON_TYPE_TIMESTAMP:  // timestamps < regexes
      BSON_APPEND_REGEX(v.get(), "v", "", "");
      break;
    default:  // numbers < strings
      BSON_APPEND_UTF8(v.get(), "v", "");
  }
  bson_iter_t vi;
  bson_iter_init_find(&vi, v.get(), "v");
  storage::AppendKeyValue(out, &vi, descending);
}

// Builds intervals over `index` from the conditions: equalities (or $in
// unions) on a prefix of its fields, then optionally a range on the next one.
// Returns the number of fields constrained (0: the index is of no use).
int BuildIntervals(const storage::IndexSpec& index, const Conditions& conditions,
                   std::vector<storage::IndexBounds>* intervals,
                   std::vector<BoundKind>* kinds = nullptr) {
  std::vector<BoundKind> scratch_kinds;
  if (kinds == nullptr) kinds = &scratch_kinds;
  kinds->clear();
  std::vector<std::string> prefixes(1);
  int used = 0;
  const auto& fields = index.fields();
  auto finish_points = [&] {
    if (used == 0) return;
    // Sorted and unique, so that the scan meets keys in index order once.
    std::sort(prefixes.begin(), prefixes.end());
    prefixes.erase(std::unique(prefixes.begin(), prefixes.end()), prefixes.end());
    for (auto& prefix : prefixes) intervals->push_back(storage::IndexBounds::Point(prefix));
  };
  for (size_t i = 0; i < fields.size(); ++i) {
    auto found = conditions.find(fields[i]);
    if (found == conditions.end()) break;
    const FieldConditions& c = found->second;
    bool desc = index.descending()[i];
    if (c.eq) {
      for (auto& prefix : prefixes) storage::AppendKeyValue(&prefix, &*c.eq, desc);
      kinds->push_back(BoundKind::kEquality);
      ++used;
      continue;
    }
    if (c.in && !c.in->empty() && prefixes.size() * c.in->size() <= kMaxIntervals) {
      std::vector<std::string> product;
      for (const auto& prefix : prefixes) {
        for (const auto& value : *c.in) {
          std::string key = prefix;
          storage::AppendKeyValue(&key, &value, desc);
          product.push_back(std::move(key));
        }
      }
      prefixes = std::move(product);
      kinds->push_back(BoundKind::kIn);
      ++used;
      continue;
    }
    if (!c.lower && !c.upper) break;
    kinds->push_back(BoundKind::kRange);
    // A range on this field: [lower, upper] in value order, within one type bracket.
    for (const auto& prefix : prefixes) {
      std::string lo = prefix, hi = prefix;
      bool lo_incl = true, hi_incl = false;
      const bson_iter_t* typed = c.lower ? &*c.lower : &*c.upper;
      if (c.lower) {
        storage::AppendKeyValue(&lo, &*c.lower, desc);
        lo_incl = c.lower_inclusive;
      } else {
        AppendBracketStart(&lo, typed, desc);
      }
      if (c.upper) {
        storage::AppendKeyValue(&hi, &*c.upper, desc);
        hi_incl = c.upper_inclusive;
      } else {
        AppendBracketEnd(&hi, typed, desc);
      }
      // A descending field stores inverted bytes: value order runs backwards.
      if (desc) {
        std::swap(lo, hi);
        std::swap(lo_incl, hi_incl);
      }
      intervals->push_back(storage::IndexBounds{lo, lo_incl, hi, hi_incl});
    }
    // Distinct prefixes keep the ranges disjoint; order them as the index is.
    std::sort(intervals->begin(), intervals->end(),
              [](const auto& a, const auto& b) { return a.start < b.start; });
    return used + 1;
  }
  finish_points();
  return used;
}

// How many leading fields of `index` the filter fixes to a single value.
size_t EqualityPrefix(const storage::IndexSpec& index, const Conditions& conditions) {
  size_t k = 0;
  for (; k < index.fields().size(); ++k) {
    auto found = conditions.find(index.fields()[k]);
    if (found == conditions.end() || !found->second.eq) break;
  }
  return k;
}

// Whether scanning `index` (with its first `k` fields fixed by equalities)
// yields documents in `sort` order, and in which direction. Sort fields fixed
// by those equalities are constant, so they are skipped, as mongod does; the
// rest must be the next index fields, all in the index's directions or all
// reversed.
bool IndexGivesSort(const storage::IndexSpec& index, size_t k, const SortPattern& sort,
                    bool* forward) {
  const auto& fields = index.fields();
  auto fixed = [&](const std::string& field) {
    return std::find(fields.begin(), fields.begin() + k, field) != fields.begin() + k;
  };
  size_t next = k;
  std::optional<bool> same;
  for (size_t i = 0; i < sort.size(); ++i) {
    if (fixed(sort.fields()[i])) continue;
    if (next >= fields.size() || fields[next] != sort.fields()[i]) return false;
    bool agrees = index.descending()[next] == sort.descending()[i];
    if (same && *same != agrees) return false;
    same = agrees;
    ++next;
  }
  *forward = same.value_or(true);
  return true;
}

// Whether the sort fields among `index`'s fields past the first `k` (fixed
// by equalities) never held an array, per `multikey_paths` (see FindPlan).
bool SortFieldsFlat(const storage::IndexSpec& index, size_t k, const SortPattern& sort,
                    const std::vector<uint64_t>& multikey_paths) {
  const auto& fields = index.fields();
  for (size_t i = k; i < fields.size() && i < multikey_paths.size(); ++i) {
    if (multikey_paths[i] == 0) continue;
    const auto& sort_fields = sort.fields();
    if (std::find(sort_fields.begin(), sort_fields.end(), fields[i]) != sort_fields.end()) {
      return false;
    }
  }
  return true;
}

// The exact key prefix of the first `k` fields (all equalities).
std::string EqualityKey(const storage::IndexSpec& index, const Conditions& conditions, size_t k) {
  std::string key;
  for (size_t i = 0; i < k; ++i) {
    storage::AppendKeyValue(&key, &*conditions.find(index.fields()[i])->second.eq,
                            index.descending()[i]);
  }
  return key;
}

// Encodes a min/max document as a full key of `index`: its fields must be the
// key pattern's, in order (mongod's indexCompatibleMaxMin).
bool EncodeMinMax(const storage::IndexSpec& index, const bson_t* doc, std::string* key) {
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return false;
  size_t i = 0;
  while (bson_iter_next(&it)) {
    if (i >= index.fields().size() || index.fields()[i] != KeyOf(&it)) return false;
    storage::AppendKeyValue(key, &it, index.descending()[i]);
    ++i;
  }
  return i == index.fields().size();
}

StatusWith<std::shared_ptr<const storage::IndexSpec>> ResolveHint(
    const storage::Collection& collection, const bson_t* hint) {
  bson_iter_t it;
  bson_iter_init(&it, hint);
  std::string name;
  if (bson_iter_init_find(&it, hint, "$hint") && BSON_ITER_HOLDS_UTF8(&it)) {
    name = std::string(Utf8Of(&it));
  } else {
    auto by_pattern = collection.IndexNameForKeyPattern(hint);
    if (by_pattern.ok()) name = by_pattern.value();
  }
  for (const auto& index : collection.ListIndexes()) {
    if (index->name() == name) return index;
  }
  return Status(ErrorCodes::BadValue, "hint provided does not correspond to an existing index");
}

}  // namespace

const char* PlanStageName(const FindPlan& plan) {
  switch (plan.kind) {
    case FindPlan::Kind::kEof:
      return "EOF";
    case FindPlan::Kind::kIdLookup:
      return "IDHACK";
    case FindPlan::Kind::kIndexScan:
      return "IXSCAN";
    case FindPlan::Kind::kCollectionScan:
      return "COLLSCAN";
  }
  return "COLLSCAN";
}

namespace {

void SetIntervals(FindPlan* plan, std::vector<storage::IndexBounds> intervals) {
  plan->intervals = std::move(intervals);
  plan->bounds = plan->intervals.front();
}

// min/max: a scan of the hinted index from min (inclusive) to max (exclusive).
Status PlanMinMax(const storage::Collection& collection, const FindPlanRequest& request,
                  FindPlan* plan) {
  bool has_hint = request.hint && !bson_empty(request.hint);
  bson_iter_t natural;
  if (!has_hint || bson_iter_init_find(&natural, request.hint, "$natural")) {
    return Status(ErrorCodes::Error(51173),
                  "When using min()/max() a hint of which index to use must be provided");
  }
  auto index = ResolveHint(collection, request.hint);
  if (!index.ok()) return index.status();
  const storage::IndexSpec& spec = *index.value();
  std::string lo, hi;
  bool has_min = request.min && !bson_empty(request.min);
  bool has_max = request.max && !bson_empty(request.max);
  if ((has_min && !EncodeMinMax(spec, request.min, &lo)) ||
      (has_max && !EncodeMinMax(spec, request.max, &hi))) {
    return Status(ErrorCodes::Error(51174), "The index chosen is not compatible with min/max");
  }
  // Both keys are in the index's own order, so bytes compare as the index does.
  if (has_min && has_max && lo >= hi) {
    return Status(ErrorCodes::Error(51175),
                  "The value provided for min() does not come before the value provided for "
                  "max() in the hinted index");
  }
  plan->kind = FindPlan::Kind::kIndexScan;
  plan->index = index.value();
  // An empty side stays open, as mongod fills it with MinKey/MaxKey.
  SetIntervals(plan, {storage::IndexBounds{lo, true, hi, false}});
  plan->multikey_paths = collection.IndexMultikeyPaths(spec.name());
  plan->dedupe = IsMultikey(plan->multikey_paths);
  plan->min_max = true;
  return Status::OK();
}

}  // namespace

StatusWith<FindPlan> ChooseFindPlan(const storage::Collection* collection, const bson_t* filter,
                                    const bson_t* hint) {
  FindPlanRequest request;
  request.filter = filter;
  request.hint = hint;
  return ChooseFindPlan(collection, request);
}

StatusWith<FindPlan> ChooseFindPlan(const storage::Collection* collection,
                                    const FindPlanRequest& request) {
  FindPlan plan;
  bool min_max =
      (request.min && !bson_empty(request.min)) || (request.max && !bson_empty(request.max));
  if (!collection) {
    plan.kind = FindPlan::Kind::kEof;
    return plan;
  }
  if (min_max) {
    if (Status s = PlanMinMax(*collection, request, &plan); !s.ok()) return s;
    return plan;
  }
  auto conditions = CollectConditions(request.filter);
  const SortPattern* sort = request.sort && !request.sort->empty() ? request.sort : nullptr;

  const bson_t* hint = request.hint;
  if (hint && !bson_empty(hint)) {
    bson_iter_t natural;
    if (bson_iter_init_find(&natural, hint, "$natural")) {
      plan.kind = FindPlan::Kind::kCollectionScan;
      plan.forward = NumberAsDouble(&natural) >= 0;
      return plan;
    }
    auto index = ResolveHint(*collection, hint);
    if (!index.ok()) return index.status();
    plan.kind = FindPlan::Kind::kIndexScan;
    plan.index = index.value();
    plan.multikey_paths = collection->IndexMultikeyPaths(plan.index->name());
    std::vector<storage::IndexBounds> intervals;
    std::vector<BoundKind> kinds;
    int used = BuildIntervals(*plan.index, conditions, &intervals, &kinds);
    size_t k = EqualityPrefix(*plan.index, conditions);
    bool forward = true;
    // Only equalities in the bounds, or sort fields that never held arrays:
    // the scan order is the sort's (see below).
    if (sort && IndexGivesSort(*plan.index, k, *sort, &forward) &&
        (static_cast<size_t>(used) == k ||
         SortFieldsFlat(*plan.index, k, *sort, plan.multikey_paths))) {
      plan.provides_sort = true;
      plan.forward = forward;
    }
    if (used == 0) intervals = {storage::IndexBounds::All()};
    SetIntervals(&plan, std::move(intervals));
    plan.index_bounds = DescribeIndexBounds(*plan.index, conditions, kinds, plan.forward);
    plan.dedupe = IsMultikey(plan.multikey_paths) || plan.intervals.size() > 1;
    return plan;
  }

  if (auto id = conditions.find("_id"); id != conditions.end() && id->second.eq) {
    plan.kind = FindPlan::Kind::kIdLookup;
    bson_append_iter(plan.id_value.get(), "_id", 3, &*id->second.eq);
    return plan;
  }

  int best = 0;
  std::vector<BoundKind> best_kinds;
  const auto indexes = collection->ListIndexes();
  for (const auto& index : indexes) {
    // Hidden indexes are not used to answer queries; a partial index holds
    // only some documents, so it could miss matches the filter allows.
    if (index->hidden() || index->partial_filter()) continue;
    std::vector<storage::IndexBounds> intervals;
    std::vector<BoundKind> kinds;
    int used = BuildIntervals(*index, conditions, &intervals, &kinds);
    // A sparse index lacks documents missing its fields; bounds on a
    // present value never need those.
    if (used > best) {
      best = used;
      best_kinds = std::move(kinds);
      plan.kind = FindPlan::Kind::kIndexScan;
      plan.index = index;
      SetIntervals(&plan, std::move(intervals));
    }
  }

  // An index whose order is the sort's, as bounded as the best plan above,
  // saves the blocking sort. Its bounds may go past the equality prefix only
  // where the sort fields never held arrays: a range or $in over an array's
  // field meets the document at its first key inside the bounds rather than
  // at the array's smallest (or largest) element, where mongod's sort places
  // it. Over the whole field the first key met is exactly that sort key,
  // multikey or not. Sparse indexes lack documents and cannot provide a
  // sort, as in mongod.
  if (sort) {
    struct Sorting {
      std::shared_ptr<const storage::IndexSpec> index;
      std::vector<uint64_t> multikey_paths;
      std::vector<storage::IndexBounds> intervals;
      std::vector<BoundKind> kinds;
      int used = 0;
      bool forward = true;
    };
    std::optional<Sorting> sorting;
    for (const auto& index : indexes) {
      if (index->hidden() || index->partial_filter() || index->sparse()) continue;
      Sorting candidate{index, collection->IndexMultikeyPaths(index->name()), {}, {}, 0, true};
      size_t k = EqualityPrefix(*index, conditions);
      if (!IndexGivesSort(*index, k, *sort, &candidate.forward)) continue;
      candidate.used = BuildIntervals(*index, conditions, &candidate.intervals, &candidate.kinds);
      if (static_cast<size_t>(candidate.used) > k &&
          !SortFieldsFlat(*index, k, *sort, candidate.multikey_paths)) {
        candidate.used = static_cast<int>(k);
        candidate.kinds.resize(k);
        candidate.intervals = {storage::IndexBounds::Point(EqualityKey(*index, conditions, k))};
      }
      if (candidate.used == 0) candidate.intervals = {storage::IndexBounds::All()};
      if (candidate.used < best) continue;
      if (!sorting || candidate.used > sorting->used) sorting = std::move(candidate);
    }
    if (sorting) {
      plan.kind = FindPlan::Kind::kIndexScan;
      plan.index = sorting->index;
      plan.forward = sorting->forward;
      plan.provides_sort = true;
      best_kinds = std::move(sorting->kinds);
      SetIntervals(&plan, std::move(sorting->intervals));
    }
  }
  if (plan.kind == FindPlan::Kind::kIndexScan) {
    plan.multikey_paths = collection->IndexMultikeyPaths(plan.index->name());
    plan.index_bounds = DescribeIndexBounds(*plan.index, conditions, best_kinds, plan.forward);
    // Even a unique index yields a document once per key it holds when it
    // is multikey; and each interval is read from its own snapshot, so a
    // document updated between two may be met in both.
    plan.dedupe = IsMultikey(plan.multikey_paths) || plan.intervals.size() > 1;
  }
  return plan;
}

}  // namespace basalt::query
