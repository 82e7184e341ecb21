// Rules mongod applies to the values of projection specs and sort patterns:
// the checks of its aggregation FieldPath (src/mongo/db/pipeline/field_path.cpp),
// through which both name their fields, and BSONElement's lenient numeric
// conversions (safeNumberLong...), which they use to read numbers. Both
// report FieldPath's errors with its codes and messages, in its order.
//
// Thread-safety: pure functions.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace basalt::query {

// mongod's BSONDepth::getMaxAllowableDepth(): the most components a path may have.
inline constexpr size_t kMaxFieldPathComponents = 200;

// Validates `path` as mongod's FieldPath constructor does and, when `parts` is
// not null, splits it into its components. Errors:
//   40352 "FieldPath cannot be constructed with empty string"
//   40353 "FieldPath must not end with a '.'."
//   15 Overflow "FieldPath is too long"
//   15998 "FieldPath field names may not be empty strings."
//   16410 "FieldPath field names may not start with '$'. Consider using $getField or $setField."
//         (except $id, $ref, $db and the metadata names mongod allows)
//   16411 "FieldPath field names may not contain '" (mongod's literal stops at its NUL)
Status ValidateFieldPath(std::string_view path, std::vector<std::string>* parts = nullptr);

// BSONElement::safeNumberLong: numbers as int64, NaN as 0, out-of-range
// values clamped, doubles truncated toward zero, decimals rounded half to
// even; 0 for other types.
int64_t SafeNumberLong(const bson_iter_t* it);

// BSONElement::safeNumberInt: safeNumberLong clamped to int32.
int32_t SafeNumberInt(const bson_iter_t* it);

// BSONElement::trueValue for bool and numbers (NaN is true, -0 false).
bool NumericTrueValue(const bson_iter_t* it);

}  // namespace basalt::query
