#include "query/plan_conditions.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/bson_shell.h"
#include "storage/key_string.h"

namespace basalt::query {
namespace {

// The values of an $in array, if every one can be a point bound.
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

std::optional<std::vector<bson_iter_t>> InValues(const bson_iter_t* array) {
  std::vector<bson_iter_t> values;
  bson_iter_t element;
  bson_iter_recurse(array, &element);
  while (bson_iter_next(&element)) {
    // null also matches missing fields and arrays match their elements:
    // such an $in needs more than point bounds, so it gives none.
    if (!IsBoundable(&element)) return std::nullopt;
    values.push_back(element);
  }
  return values;
}

}  // namespace

Conditions CollectConditions(const bson_t* filter) {
  Conditions out;
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
      if (name == "$in" && BSON_ITER_HOLDS_ARRAY(&op)) {
        if (auto values = InValues(&op)) out[std::string(field)].in = std::move(values);
        continue;
      }
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


namespace {

struct Endpoint {
  std::string text;
  bool inclusive;
};

// The ends of the type bracket of `it`, as mongod's bounds builder closes a
// one-sided range ({$gt: 5} is (5, inf.0]; {$lt: "m"} is ["", "m")).
Endpoint BracketLow(const bson_iter_t* it) {
  switch (bson_iter_type(it)) {
    case BSON_TYPE_UTF8:
      return {"\"\"", true};
    case BSON_TYPE_OID:
      return {"ObjectId('000000000000000000000000')", true};
    case BSON_TYPE_BOOL:
      return {"false", true};
    case BSON_TYPE_DATE_TIME:
      return {"new Date(-9223372036854775808)", true};
    case BSON_TYPE_TIMESTAMP:
      return {"Timestamp(0, 0)", true};
    default:
      return {"-inf.0", true};
  }
}

Endpoint BracketHigh(const bson_iter_t* it) {
  switch (bson_iter_type(it)) {
    case BSON_TYPE_UTF8:
      return {"{}", false};
    case BSON_TYPE_OID:
      return {"ObjectId('ffffffffffffffffffffffff')", true};
    case BSON_TYPE_BOOL:
      return {"true", true};
    case BSON_TYPE_DATE_TIME:
      return {"new Date(9223372036854775807)", true};
    case BSON_TYPE_TIMESTAMP:
      return {"Timestamp(4294967295, 4294967295)", true};
    default:
      return {"inf.0", true};
  }
}

// "[lo, hi)" and the like; `descending`: the scan meets hi first, so the
// interval is listed reversed.
std::string IntervalText(const Endpoint& lo, const Endpoint& hi, bool descending) {
  const Endpoint& first = descending ? hi : lo;
  const Endpoint& second = descending ? lo : hi;
  return (first.inclusive ? "[" : "(") + first.text + ", " + second.text +
         (second.inclusive ? "]" : ")");
}

std::vector<std::string> FieldIntervals(const FieldConditions& c, BoundKind kind, bool desc) {
  switch (kind) {
    case BoundKind::kEquality: {
      Endpoint point{ShellValueString(&*c.eq), true};
      return {IntervalText(point, point, desc)};
    }
    case BoundKind::kIn: {
      // Points in the index's order, each once.
      std::vector<std::pair<std::string, std::string>> points;  // encoded key, text
      for (const auto& value : *c.in) {
        std::string key;
        storage::AppendKeyValue(&key, &value, desc);
        points.emplace_back(std::move(key), ShellValueString(&value));
      }
      std::sort(points.begin(), points.end());
      points.erase(std::unique(points.begin(), points.end(),
                               [](const auto& a, const auto& b) { return a.first == b.first; }),
                   points.end());
      std::vector<std::string> out;
      for (const auto& [key, text] : points) out.push_back(IntervalText({text, true}, {text, true}, desc));
      return out;
    }
    case BoundKind::kRange: {
      const bson_iter_t* typed = c.lower ? &*c.lower : &*c.upper;
      Endpoint lo = c.lower ? Endpoint{ShellValueString(&*c.lower), c.lower_inclusive}
                            : BracketLow(typed);
      Endpoint hi = c.upper ? Endpoint{ShellValueString(&*c.upper), c.upper_inclusive}
                            : BracketHigh(typed);
      return {IntervalText(lo, hi, desc)};
    }
  }
  return {};
}

}  // namespace

Bson DescribeIndexBounds(const storage::IndexSpec& index, const Conditions& conditions,
                         const std::vector<BoundKind>& kinds, bool forward) {
  Bson out;
  const auto& fields = index.fields();
  for (size_t i = 0; i < fields.size(); ++i) {
    // Intervals are listed in scan order: a backward scan reverses them.
    const bool desc = index.descending()[i] == forward;
    std::vector<std::string> intervals;
    if (i < kinds.size()) {
      intervals = FieldIntervals(conditions.find(fields[i])->second, kinds[i], desc);
    } else {
      intervals = {desc ? "[MaxKey, MinKey]" : "[MinKey, MaxKey]"};
    }
    AppendStringArray(out.get(), fields[i], intervals);
  }
  return out;
}

}  // namespace basalt::query
