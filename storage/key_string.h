// Order-preserving byte encoding of BSON values for index keys (the role
// KeyString plays in mongod). Comparing two encodings with memcmp gives the
// same order as comparing the values with mongod's BSON comparison:
//   MinKey < undefined < null (= missing) < numbers < strings/symbols < objects
//   < arrays < binData < ObjectId < bool < date < timestamp < regex < dbPointer
//   < code < codeWScope < MaxKey
// Numbers compare by exact value across int32, int64, double and decimal128,
// so 1, 1L, 1.0 and NumberDecimal("1.00") encode to the same bytes. Each
// encoded value is prefix-free (no encoding is a proper prefix of another,
// inverted or not), so a compound key is the concatenation of its fields'
// encodings and still compares field by field. A descending field's bytes are
// inverted. docs/key_encoding.md describes the format.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace basalt::storage {

// Appends the encoding of the value `it` points at (not its field name).
// Appending an int32, int64, integral double, ObjectId or string allocates
// nothing beyond growing `out`.
void AppendKeyValue(std::string* out, const bson_iter_t* it, bool descending);

// Appends the encoding of null, which is also the key of a missing field.
void AppendKeyNull(std::string* out, bool descending);

// Appends keys below/above every value, for open-ended index range bounds.
void AppendKeyMinKey(std::string* out, bool descending);
void AppendKeyMaxKey(std::string* out, bool descending);

// Decodes a key made of `field_names.size()` values back to BSON, appending
// one element per field to `out` under the given names (e.g. for keyValue in
// duplicate-key errors, and returnKey). `descending[i]` as when encoding.
// The encoding keeps values, not types, so numbers come back in a canonical
// type: int32 if it fits, else int64 if integral and fits, else double if
// exact, else decimal128 (NaN and infinities as double, -0 as int32 0); a
// symbol comes back as a string. Returns InternalError for a malformed key or
// one with more or fewer values than names.
Status DecodeKey(std::string_view key, const std::vector<std::string>& field_names,
                 const std::vector<bool>& descending, bson_t* out);

// mongod's comparison of two BSON values (no collation): <0, 0 or >0. The
// reference the encoding is tested against; also usable by the query layer.
// Written independently of the encoding (numbers compared the way mongod's
// compare_numbers.h does), so that the tests compare two implementations.
int CompareBsonValues(const bson_iter_t* a, const bson_iter_t* b);

// Internals shared by key_string*.cpp and their tests; not for other callers.
namespace key_string_internal {

// The longest exact decimal expansion of a double has 767 significant digits.
inline constexpr int kMaxDigits = 800;

// A finite nonzero magnitude as d1.d2d3... x 10^exponent: ASCII digits, the
// first and last nonzero (trailing zeros stripped).
struct DecimalDigits {
  int exponent = 0;
  int count = 0;
  char digits[kMaxDigits];
};

// v > 0.
void UInt64ToDigits(uint64_t v, DecimalDigits* out);

// The exact decimal value of a finite v > 0.
void DoubleToDigits(double v, DecimalDigits* out);

enum class NumberClass { kNaN, kNegativeInfinity, kNegative, kZero, kPositive, kPositiveInfinity };

// The class of a decimal128 and, for kNegative/kPositive, its magnitude.
// Non-canonical encodings (coefficient above 10^34 - 1) are zero, as in IEEE 754.
NumberClass Decimal128ToDigits(const bson_decimal128_t& d, DecimalDigits* out);

// Tags and constants of the format, shared by the encoder and the decoder.
namespace tags {

// The first byte of every encoded value. Gaps between brackets leave room for
// new types; within the number and bool brackets the tag also orders values.
enum Tag : uint8_t {
  kMinKey = 0x0A,
  kUndefined = 0x14,
  kNull = 0x1E,
  kNaN = 0x28,
  kNegativeInfinity = 0x29,
  kNegative = 0x2A,
  kZero = 0x2B,
  kPositive = 0x2C,
  kPositiveInfinity = 0x2D,
  kString = 0x32,
  kObject = 0x3C,
  kArray = 0x46,
  kBinData = 0x50,
  kObjectId = 0x5A,
  kFalse = 0x64,
  kTrue = 0x65,
  kDate = 0x6E,
  kTimestamp = 0x78,
  kRegex = 0x82,
  kDbPointer = 0x8C,
  kCode = 0x96,
  kCodeWithScope = 0xA0,
  kMaxKey = 0xF0,
};

// Ends objects, arrays and scopes: below every tag, so a shorter object sorts first.
constexpr uint8_t kEnd = 0x00;

// The decimal exponent of a number takes one byte when in [-64, 63], else a
// marker byte and two big-endian bytes.
constexpr uint8_t kExponentSmallMarker = 0x3F;
constexpr uint8_t kExponentLargeMarker = 0xC0;
constexpr int kExponentSmallBias = 0x4000;

// Lengths (binData, dbPointer namespace) take one byte below 0xFF, else 0xFF
// and four big-endian bytes.
constexpr uint8_t kLongLength = 0xFF;

}  // namespace tags

}  // namespace key_string_internal

}  // namespace basalt::storage
