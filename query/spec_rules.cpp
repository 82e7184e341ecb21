#include "query/spec_rules.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "base/bson.h"
#include "query/numbers.h"

namespace basalt::query {
namespace {

// Dollar-prefixed names FieldPath accepts: DBRef fields, and metadata fields
// that mongos and $search attach to projections.
constexpr std::array<std::string_view, 7> kAllowedDollarPrefixedFields = {
    "$id", "$ref", "$db", "$sortKey", "$recordId", "$searchSortValues", "$searchScore"};

Status ValidateComponent(std::string_view name) {
  if (name.empty()) {
    return Status(15998, "FieldPath field names may not be empty strings.");
  }
  if (name[0] == '$') {
    bool allowed = false;
    for (std::string_view ok : kAllowedDollarPrefixedFields) allowed = allowed || name == ok;
    if (!allowed) {
      // The hint is appended once the FCV is 5.0 or later, i.e. always on 7.0.
      return Status(16410,
                    "FieldPath field names may not start with '$'. Consider using $getField or "
                    "$setField.");
    }
  }
  if (name.find('\0') != std::string_view::npos) {
    // mongod's message is the C string "...contain '\0'.", which ends at the NUL.
    return Status(16411, "FieldPath field names may not contain '");
  }
  return Status::OK();
}

}  // namespace

Status ValidateFieldPath(std::string_view path, std::vector<std::string>* parts) {
  if (path.empty()) return Status(40352, "FieldPath cannot be constructed with empty string");
  if (path.back() == '.') return Status(40353, "FieldPath must not end with a '.'.");
  std::vector<std::string_view> components;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    components.push_back(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (components.size() > kMaxFieldPathComponents) {
    return Status(ErrorCodes::Overflow, "FieldPath is too long");
  }
  for (std::string_view c : components) {
    Status st = ValidateComponent(c);
    if (!st.ok()) return st;
  }
  if (parts != nullptr) {
    parts->clear();
    for (std::string_view c : components) parts->emplace_back(c);
  }
  return Status::OK();
}

int64_t SafeNumberLong(const bson_iter_t* it) {
  if (BSON_ITER_HOLDS_DOUBLE(it) || BSON_ITER_HOLDS_DECIMAL128(it)) {
    double d = ElementNumberDouble(it);
    if (std::isnan(d)) return 0;
    // Decimal128::toLong rounds to nearest even; a double cast truncates.
    if (BSON_ITER_HOLDS_DECIMAL128(it)) d = std::nearbyint(d);
    if (!(d < 9223372036854775808.0)) return INT64_MAX;
    if (d < -9223372036854775808.0) return INT64_MIN;
    return static_cast<int64_t>(d);
  }
  if (BSON_ITER_HOLDS_INT32(it) || BSON_ITER_HOLDS_INT64(it)) return NumberAsInt64(it);
  return 0;
}

int32_t SafeNumberInt(const bson_iter_t* it) {
  return static_cast<int32_t>(std::clamp<int64_t>(SafeNumberLong(it), INT32_MIN, INT32_MAX));
}

bool NumericTrueValue(const bson_iter_t* it) {
  if (BSON_ITER_HOLDS_BOOL(it)) return bson_iter_bool(it);
  if (BSON_ITER_HOLDS_DECIMAL128(it)) {
    bson_decimal128_t raw;
    bson_iter_decimal128(it, &raw);
    const Decimal d = Decimal::From(raw);
    return d.kind != Decimal::Kind::kFinite || d.coefficient != 0;
  }
  if (BSON_ITER_HOLDS_DOUBLE(it)) return bson_iter_double(it) != 0;  // NaN is true
  return NumberAsInt64(it) != 0;
}

}  // namespace basalt::query
