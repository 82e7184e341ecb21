// Decimal128 arithmetic for aggregation expressions and updates, with the
// results mongod's Decimal128 (the Intel BID library) gives. BSON's
// decimal128 is IEEE 754-2008 BID; add, subtract, multiply, divide and
// comparison call libgcc's BID routines directly (not GCC's _Decimal128
// type, which clang lacks), so both compilers give the same correctly rounded
// results; quantize, conversions and the rest are written here.
// Transcendental functions ($exp, $ln, $log, $pow, $sqrt) are computed in
// double precision and converted back: a documented deviation from mongod's
// 34-digit results.
//
// Thread-safety: pure functions.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <optional>
#include <string>

namespace basalt::query::decimal {

enum class Rounding { kHalfEven, kTowardZero, kDown, kUp };

bson_decimal128_t FromInt64(int64_t v);
// mongod's Decimal128(double) (kRoundTo15Digits): 15 significant digits.
bson_decimal128_t FromDouble(double v);
// mongod's Decimal128(double, kRoundTo34Digits).
bson_decimal128_t FromDouble34(double v);
bson_decimal128_t FromString(const char* s);  // NaN when not a number

double ToDouble(bson_decimal128_t d);
// Rounded as asked; nullopt for NaN, infinities and values outside int64.
std::optional<int64_t> ToInt64(bson_decimal128_t d, Rounding rounding = Rounding::kHalfEven);
std::string ToString(bson_decimal128_t d);

bool IsNaN(bson_decimal128_t d);
bool IsInfinite(bson_decimal128_t d);
bool IsZero(bson_decimal128_t d);
bool IsNegative(bson_decimal128_t d);  // sign bit (so -0 is negative)

bson_decimal128_t Add(bson_decimal128_t a, bson_decimal128_t b);
bson_decimal128_t Subtract(bson_decimal128_t a, bson_decimal128_t b);
bson_decimal128_t Multiply(bson_decimal128_t a, bson_decimal128_t b);
bson_decimal128_t Divide(bson_decimal128_t a, bson_decimal128_t b);
// a - b * trunc(a / b), as mongod's Decimal128::modulo.
bson_decimal128_t Modulo(bson_decimal128_t a, bson_decimal128_t b);
bson_decimal128_t Abs(bson_decimal128_t d);
bson_decimal128_t Negate(bson_decimal128_t d);
int Compare(bson_decimal128_t a, bson_decimal128_t b);  // NaN equal to NaN, below all

// The value with exponent `exponent` (10^exponent is the quantum), rounded
// as asked: mongod's quantize. NaN when the result needs more than 34
// digits. NaN and infinities are returned unchanged.
bson_decimal128_t Quantize(bson_decimal128_t d, int exponent, Rounding rounding);

}  // namespace basalt::query::decimal
