// Numeric conversions of BSON elements exactly as mongod's BSONElement does
// them for the matcher (src/mongo/bson/bsonelement.h): the strict integer
// parsers behind $size, $type, bit positions and $alwaysTrue, the coercion
// behind $mod, decimal128 decoding, and the "key: value" element printing
// that mongod puts in those error messages.
//
// Thread-safety: pure functions.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <string>

#include "base/status.h"

namespace basalt::query {

// An IEEE 754-2008 decimal128 (BID encoding) taken apart.
struct Decimal {
  enum class Kind { kFinite, kInfinity, kNaN };
  Kind kind = Kind::kFinite;
  bool negative = false;
  int exponent = 0;                   // value = coefficient * 10^exponent
  unsigned __int128 coefficient = 0;  // a non-canonical coefficient reads as 0

  static Decimal From(const bson_decimal128_t& d);
  bool IsIntegral() const;
  // Rounded toward zero; nullopt if NaN, infinite or outside int64.
  std::optional<int64_t> TruncatedInt64() const;
};

// BSONElement::parseIntegerElementToLong: a number that is exactly an int64,
// else FailedToParse "Expected a number in: <elem>", "Expected an integer:
// <elem>", "Cannot represent as a 64-bit integer: <elem>"...
StatusWith<int64_t> ParseIntegerElementToLong(const bson_iter_t* e);
// ...and also >= 0: "Expected a positive number in: <elem>".
StatusWith<int64_t> ParseIntegerElementToNonNegativeLong(const bson_iter_t* e);
// ...and also within int32: "Cannot represent <elem> in an int".
StatusWith<int32_t> ParseIntegerElementToInt(const bson_iter_t* e);
StatusWith<int32_t> ParseIntegerElementToNonNegativeInt(const bson_iter_t* e);

// BSONElement::tryCoerce<long long>: numbers rounded toward zero, BadValue
// "Unable to coerce NaN/Inf to integral type" / "Out of bounds coercing to
// integral value" otherwise.
StatusWith<int64_t> CoerceToLong(const bson_iter_t* e);

// BSONElement::toString(): "<field name>: <value in shell notation>".
std::string ElementString(const bson_iter_t* e);

// mongod's StringBuilder << double ("%g").
std::string FormatDoubleG(double d);

// The value of a number element as a double (decimal128 rounded).
double ElementNumberDouble(const bson_iter_t* e);

}  // namespace basalt::query
