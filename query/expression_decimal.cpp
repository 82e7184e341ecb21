#include "query/expression_decimal.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "query/numbers.h"

namespace basalt::query::decimal {
namespace {

// libgcc's decimal128 routines: the Intel BID library, the same code mongod
// uses, built into libgcc.a for x86-64 (GCC's own _Decimal128 operators call
// them). Declared by hand because clang has no _Decimal128 type: the x86-64
// psABI passes and returns _Decimal128 in one SSE register, exactly as this
// 16-byte vector, and the bits are BID, as BSON's. Every compiler that links
// libgcc (GCC, and clang with its default runtime) thus gets correctly
// rounded IEEE 754-2008 results in the decimal128 format (34 digits,
// round-half-even) bit for bit.
typedef long long Bid128 __attribute__((vector_size(16)));
static_assert(sizeof(Bid128) == sizeof(bson_decimal128_t));

extern "C" {
Bid128 __bid_addtd3(Bid128 a, Bid128 b);
Bid128 __bid_subtd3(Bid128 a, Bid128 b);
Bid128 __bid_multd3(Bid128 a, Bid128 b);
Bid128 __bid_divtd3(Bid128 a, Bid128 b);
int __bid_lttd2(Bid128 a, Bid128 b);  // negative when a < b
int __bid_gttd2(Bid128 a, Bid128 b);  // positive when a > b
}

Bid128 In(bson_decimal128_t d) {
  Bid128 out;
  std::memcpy(&out, &d, sizeof d);
  return out;
}

bson_decimal128_t Out(Bid128 d) {
  bson_decimal128_t out;
  std::memcpy(&out, &d, sizeof d);
  return out;
}

constexpr int kExponentBias = 6176;
constexpr int kMaxExponent = 6111;
constexpr int kMinExponent = -6176;

unsigned __int128 PowerOfTen(int k) {
  unsigned __int128 p = 1;
  for (int i = 0; i < k; ++i) p *= 10;
  return p;
}

const unsigned __int128 kMaxCoefficient = PowerOfTen(34) - 1;

bson_decimal128_t Encode(bool negative, int exponent, unsigned __int128 coefficient) {
  bson_decimal128_t out;
  out.low = static_cast<uint64_t>(coefficient);
  out.high = (negative ? (uint64_t{1} << 63) : 0) |
             (static_cast<uint64_t>(exponent + kExponentBias) << 49) |
             static_cast<uint64_t>(coefficient >> 64);
  return out;
}

bson_decimal128_t NaN() { return FromString("NaN"); }

}  // namespace

bson_decimal128_t FromString(const char* s) {
  bson_decimal128_t out;
  if (!bson_decimal128_from_string(s, &out)) bson_decimal128_from_string("NaN", &out);
  return out;
}

bson_decimal128_t FromInt64(int64_t v) {
  bool negative = v < 0;
  unsigned __int128 magnitude =
      negative ? static_cast<unsigned __int128>(-(v + 1)) + 1 : static_cast<unsigned __int128>(v);
  return Encode(negative, 0, magnitude);
}

bson_decimal128_t FromDouble(double v) {
  if (v == 0 || std::isinf(v) || std::isnan(v)) return FromDouble34(v);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.14e", v);
  return FromString(buf);
}

bson_decimal128_t FromDouble34(double v) {
  if (std::isnan(v)) return NaN();
  if (std::isinf(v)) return FromString(v > 0 ? "Infinity" : "-Infinity");
  if (v == 0) return FromString(std::signbit(v) ? "-0" : "0");
  char buf[96];
  std::snprintf(buf, sizeof buf, "%.33e", v);
  return FromString(buf);
}

double ToDouble(bson_decimal128_t d) {
  Decimal parts = Decimal::From(d);
  if (parts.kind == Decimal::Kind::kNaN) return std::numeric_limits<double>::quiet_NaN();
  if (parts.kind == Decimal::Kind::kInfinity) {
    return parts.negative ? -std::numeric_limits<double>::infinity()
                          : std::numeric_limits<double>::infinity();
  }
  // strtod rounds correctly; libgcc's conversion is not guaranteed to.
  char buf[BSON_DECIMAL128_STRING];
  bson_decimal128_to_string(&d, buf);
  return std::strtod(buf, nullptr);
}

std::optional<int64_t> ToInt64(bson_decimal128_t d, Rounding rounding) {
  if (IsNaN(d) || IsInfinite(d)) return std::nullopt;
  bson_decimal128_t q = Quantize(d, 0, rounding);
  if (IsNaN(q)) return std::nullopt;
  return Decimal::From(q).TruncatedInt64();
}

std::string ToString(bson_decimal128_t d) {
  char buf[BSON_DECIMAL128_STRING];
  bson_decimal128_to_string(&d, buf);
  return buf;
}

bool IsNaN(bson_decimal128_t d) { return Decimal::From(d).kind == Decimal::Kind::kNaN; }
bool IsInfinite(bson_decimal128_t d) { return Decimal::From(d).kind == Decimal::Kind::kInfinity; }
bool IsZero(bson_decimal128_t d) {
  Decimal parts = Decimal::From(d);
  return parts.kind == Decimal::Kind::kFinite && parts.coefficient == 0;
}
bool IsNegative(bson_decimal128_t d) { return (d.high >> 63) != 0; }

bson_decimal128_t Add(bson_decimal128_t a, bson_decimal128_t b) {
  return Out(__bid_addtd3(In(a), In(b)));
}
bson_decimal128_t Subtract(bson_decimal128_t a, bson_decimal128_t b) {
  return Out(__bid_subtd3(In(a), In(b)));
}
bson_decimal128_t Multiply(bson_decimal128_t a, bson_decimal128_t b) {
  return Out(__bid_multd3(In(a), In(b)));
}
bson_decimal128_t Divide(bson_decimal128_t a, bson_decimal128_t b) {
  return Out(__bid_divtd3(In(a), In(b)));
}

bson_decimal128_t Modulo(bson_decimal128_t a, bson_decimal128_t b) {
  if (IsNaN(a) || IsNaN(b) || IsInfinite(a) || IsZero(b)) return NaN();
  if (IsInfinite(b)) return a;
  bson_decimal128_t quotient = Quantize(Divide(a, b), 0, Rounding::kTowardZero);
  if (IsNaN(quotient)) return NaN();
  return Subtract(a, Multiply(b, quotient));
}

bson_decimal128_t Abs(bson_decimal128_t d) {
  d.high &= ~(uint64_t{1} << 63);
  return d;
}

bson_decimal128_t Negate(bson_decimal128_t d) {
  d.high ^= uint64_t{1} << 63;
  return d;
}

int Compare(bson_decimal128_t a, bson_decimal128_t b) {
  bool a_nan = IsNaN(a), b_nan = IsNaN(b);
  if (a_nan || b_nan) return a_nan == b_nan ? 0 : (a_nan ? -1 : 1);
  if (__bid_lttd2(In(a), In(b)) < 0) return -1;
  return __bid_gttd2(In(a), In(b)) > 0 ? 1 : 0;
}

bson_decimal128_t Quantize(bson_decimal128_t d, int exponent, Rounding rounding) {
  Decimal parts = Decimal::From(d);
  if (parts.kind != Decimal::Kind::kFinite) return d;
  if (exponent > kMaxExponent || exponent < kMinExponent) return NaN();
  unsigned __int128 c = parts.coefficient;
  if (parts.exponent > exponent) {
    int k = parts.exponent - exponent;
    for (int i = 0; i < k && c != 0; ++i) {
      if (c > kMaxCoefficient / 10) return NaN();
      c *= 10;
    }
  } else if (parts.exponent < exponent) {
    int k = exponent - parts.exponent;
    unsigned __int128 q = 0, r = c;
    bool more_than_half = false, exactly_half = false;
    if (k <= 36) {
      unsigned __int128 p = PowerOfTen(k);
      q = c / p;
      r = c % p;
      more_than_half = r > p / 2;
      exactly_half = r * 2 == p;
    }
    // Beyond 10^36 the coefficient (< 10^34) is far below half a unit.
    bool round_up = false;
    switch (rounding) {
      case Rounding::kHalfEven:
        round_up = more_than_half || (exactly_half && (q & 1) != 0);
        break;
      case Rounding::kTowardZero:
        break;
      case Rounding::kDown:
        round_up = parts.negative && r != 0;
        break;
      case Rounding::kUp:
        round_up = !parts.negative && r != 0;
        break;
    }
    c = q + (round_up ? 1 : 0);
    if (c > kMaxCoefficient) return NaN();
  }
  return Encode(parts.negative, exponent, c);
}

}  // namespace basalt::query::decimal
