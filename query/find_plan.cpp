#include "query/find_plan.h"

#include <cmath>
#include <limits>
#include <map>

#include "storage/key_string.h"

namespace basalt::query {
namespace {

// The conditions a filter puts on one top-level field that bounds can use.
struct FieldConditions {
  std::optional<bson_iter_t> eq;
  std::optional<bson_iter_t> lower;  // $gt / $gte
  bool lower_inclusive = true;
  std::optional<bson_iter_t> upper;  // $lt / $lte
  bool upper_inclusive = true;
};

// Scalars whose index keys are exactly the value's: arrays, objects, null and
// regexes match more than their own key (array elements, missing fields,
// patterns), so they never become bounds.
bool IsBoundable(const bson_iter_t* it) {
  switch (bson_iter_type(it)) {
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DECIMAL128:
    case BSON_TYPE_UTF8:
    case BSON_TYPE_OID:
    case BSON_TYPE_BOOL:
    case BSON_TYPE_DATE_TIME:
    case BSON_TYPE_TIMESTAMP:
      return true;
    case BSON_TYPE_DOUBLE:
      return !std::isnan(bson_iter_double(it));
    default:
      return false;
  }
}

bool IsOperatorDocument(const bson_iter_t* it) {
  if (!BSON_ITER_HOLDS_DOCUMENT(it)) return false;
  bson_iter_t child;
  bson_iter_recurse(it, &child);
  return bson_iter_next(&child) && bson_iter_key(&child)[0] == '$';
}

std::map<std::string, FieldConditions, std::less<>> CollectConditions(const bson_t* filter) {
  std::map<std::string, FieldConditions, std::less<>> out;
  bson_iter_t it;
  if (!filter || !bson_iter_init(&it, filter)) return out;
  while (bson_iter_next(&it)) {
    std::string_view field = KeyOf(&it);
    if (field.empty() || field[0] == '$') continue;
    if (!IsOperatorDocument(&it)) {
      if (IsBoundable(&it)) out[std::string(field)].eq = it;
      continue;
    }
    bson_iter_t op;
    bson_iter_recurse(&it, &op);
    while (bson_iter_next(&op)) {
      std::string_view name = KeyOf(&op);
      if (!IsBoundable(&op)) continue;
      FieldConditions& c = out[std::string(field)];
      if (name == "$eq") c.eq = op;
      if (name == "$gt" || name == "$gte") {
        c.lower = op;
        c.lower_inclusive = name == "$gte";
      }
      if (name == "$lt" || name == "$lte") {
        c.upper = op;
        c.upper_inclusive = name == "$lte";
      }
    }
  }
  return out;
}

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

// Builds bounds over `index` from the conditions: equalities on a prefix of
// its fields, then optionally a range on the next one. Returns the number of
// fields constrained (0: the index is of no use).
int BuildBounds(const storage::IndexSpec& index,
                const std::map<std::string, FieldConditions, std::less<>>& conditions,
                storage::IndexBounds* bounds) {
  std::string prefix;
  int used = 0;
  const auto& fields = index.fields();
  for (size_t i = 0; i < fields.size(); ++i) {
    auto found = conditions.find(fields[i]);
    if (found == conditions.end()) break;
    const FieldConditions& c = found->second;
    bool desc = index.descending()[i];
    if (c.eq) {
      storage::AppendKeyValue(&prefix, &*c.eq, desc);
      ++used;
      continue;
    }
    if (!c.lower && !c.upper) break;
    // A range on this field: [lower, upper] in value order, within one type bracket.
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
    *bounds = storage::IndexBounds{lo, lo_incl, hi, hi_incl};
    return used + 1;
  }
  if (used > 0) *bounds = storage::IndexBounds::Point(prefix);
  return used;
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

StatusWith<FindPlan> ChooseFindPlan(const storage::Collection* collection, const bson_t* filter,
                                    const bson_t* hint) {
  FindPlan plan;
  if (!collection) {
    plan.kind = FindPlan::Kind::kEof;
    return plan;
  }
  auto conditions = CollectConditions(filter);

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
    if (BuildBounds(*plan.index, conditions, &plan.bounds) == 0) {
      plan.bounds = storage::IndexBounds::All();
    }
    plan.dedupe = true;
    return plan;
  }

  if (auto id = conditions.find("_id"); id != conditions.end() && id->second.eq) {
    plan.kind = FindPlan::Kind::kIdLookup;
    bson_append_iter(plan.id_value.get(), "_id", 3, &*id->second.eq);
    return plan;
  }

  int best = 0;
  for (const auto& index : collection->ListIndexes()) {
    // Hidden indexes are not used to answer queries; a partial index holds
    // only some documents, so it could miss matches the filter allows.
    if (index->hidden() || index->partial_filter()) continue;
    storage::IndexBounds bounds;
    int used = BuildBounds(*index, conditions, &bounds);
    // A sparse index lacks documents missing its fields; bounds on a
    // present value never need those.
    if (used > best) {
      best = used;
      plan.kind = FindPlan::Kind::kIndexScan;
      plan.index = index;
      plan.bounds = std::move(bounds);
    }
  }
  // Even a unique index yields a document once per key it holds (multikey),
  // and range bounds may meet one document through several keys.
  plan.dedupe = plan.kind == FindPlan::Kind::kIndexScan;
  return plan;
}

}  // namespace basalt::query
