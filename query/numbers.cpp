#include "query/numbers.h"

#include <cmath>
#include <cstdio>
#include <limits>

#include "base/bson.h"
#include "base/bson_shell.h"

namespace basalt::query {
namespace {

constexpr double kLongLongMaxPlusOneAsDouble = 9223372036854775808.0;  // 2^63
constexpr unsigned __int128 kTwo63 = static_cast<unsigned __int128>(1) << 63;

unsigned __int128 PowerOfTen(int k) {
  unsigned __int128 p = 1;
  for (int i = 0; i < k; ++i) p *= 10;
  return p;
}

Status FailedToParse(const std::string& reason) {
  return Status(ErrorCodes::FailedToParse, reason);
}

}  // namespace

Decimal Decimal::From(const bson_decimal128_t& d) {
  Decimal out;
  const uint64_t high = d.high;
  out.negative = (high >> 63) != 0;
  if (((high >> 58) & 0x1F) == 0x1F) {
    out.kind = Kind::kNaN;
    return out;
  }
  if (((high >> 58) & 0x1F) == 0x1E) {
    out.kind = Kind::kInfinity;
    return out;
  }
  if (((high >> 61) & 3) == 3) {
    // The long-coefficient form is always above 10^34 - 1: non-canonical, 0.
    out.exponent = static_cast<int>((high >> 47) & 0x3FFF) - 6176;
    return out;
  }
  out.exponent = static_cast<int>((high >> 49) & 0x3FFF) - 6176;
  unsigned __int128 c =
      (static_cast<unsigned __int128>(high & ((uint64_t{1} << 49) - 1)) << 64) | d.low;
  if (c > PowerOfTen(34) - 1) c = 0;
  out.coefficient = c;
  return out;
}

bool Decimal::IsIntegral() const {
  if (kind != Kind::kFinite) return false;
  if (coefficient == 0 || exponent >= 0) return true;
  if (-exponent > 34) return false;  // coefficient < 10^34 cannot be a multiple
  return coefficient % PowerOfTen(-exponent) == 0;
}

std::optional<int64_t> Decimal::TruncatedInt64() const {
  if (kind != Kind::kFinite) return std::nullopt;
  unsigned __int128 magnitude = coefficient;
  if (magnitude != 0 && exponent > 0) {
    for (int i = 0; i < exponent; ++i) {
      if (magnitude > kTwo63) return std::nullopt;  // stop before overflowing
      magnitude *= 10;
    }
  } else if (exponent < 0) {
    magnitude = -exponent > 38 ? 0 : magnitude / PowerOfTen(-exponent);
  }
  if (negative) {
    if (magnitude > kTwo63) return std::nullopt;
    return magnitude == kTwo63 ? std::numeric_limits<int64_t>::min()
                               : -static_cast<int64_t>(magnitude);
  }
  if (magnitude >= kTwo63) return std::nullopt;
  return static_cast<int64_t>(magnitude);
}

StatusWith<int64_t> ParseIntegerElementToLong(const bson_iter_t* e) {
  switch (bson_iter_type(e)) {
    case BSON_TYPE_INT32:
      return static_cast<int64_t>(bson_iter_int32(e));
    case BSON_TYPE_INT64:
      return bson_iter_int64(e);
    case BSON_TYPE_DOUBLE: {
      const double d = bson_iter_double(e);
      if (std::isnan(d)) {
        return FailedToParse("Expected an integer, but found NaN in: " + ElementString(e));
      }
      if (d >= kLongLongMaxPlusOneAsDouble || d < -kLongLongMaxPlusOneAsDouble) {
        return FailedToParse("Cannot represent as a 64-bit integer: " + ElementString(e));
      }
      if (d != static_cast<double>(static_cast<int64_t>(d))) {
        return FailedToParse("Expected an integer: " + ElementString(e));
      }
      return static_cast<int64_t>(d);
    }
    case BSON_TYPE_DECIMAL128: {
      bson_decimal128_t raw;
      bson_iter_decimal128(e, &raw);
      const Decimal d = Decimal::From(raw);
      const std::optional<int64_t> v = d.TruncatedInt64();
      if (!d.IsIntegral() || !v) {
        return FailedToParse("Cannot represent as a 64-bit integer: " + ElementString(e));
      }
      return *v;
    }
    default:
      return FailedToParse("Expected a number in: " + ElementString(e));
  }
}

StatusWith<int64_t> ParseIntegerElementToNonNegativeLong(const bson_iter_t* e) {
  auto v = ParseIntegerElementToLong(e);
  if (!v.ok()) return v;
  if (v.value() < 0) return FailedToParse("Expected a positive number in: " + ElementString(e));
  return v;
}

StatusWith<int32_t> ParseIntegerElementToInt(const bson_iter_t* e) {
  auto v = ParseIntegerElementToLong(e);
  if (!v.ok()) return v.status();
  if (v.value() < std::numeric_limits<int32_t>::min() ||
      v.value() > std::numeric_limits<int32_t>::max()) {
    return FailedToParse("Cannot represent " + ElementString(e) + " in an int");
  }
  return static_cast<int32_t>(v.value());
}

StatusWith<int32_t> ParseIntegerElementToNonNegativeInt(const bson_iter_t* e) {
  auto v = ParseIntegerElementToInt(e);
  if (!v.ok()) return v;
  if (v.value() < 0) return FailedToParse("Expected a positive number in: " + ElementString(e));
  return v;
}

StatusWith<int64_t> CoerceToLong(const bson_iter_t* e) {
  switch (bson_iter_type(e)) {
    case BSON_TYPE_INT32:
      return static_cast<int64_t>(bson_iter_int32(e));
    case BSON_TYPE_INT64:
      return bson_iter_int64(e);
    case BSON_TYPE_DOUBLE: {
      const double d = bson_iter_double(e);
      if (!std::isfinite(d)) {
        return Status(ErrorCodes::BadValue, "Unable to coerce NaN/Inf to integral type");
      }
      if (d >= kLongLongMaxPlusOneAsDouble || d < -kLongLongMaxPlusOneAsDouble) {
        return Status(ErrorCodes::BadValue, "Out of bounds coercing to integral value");
      }
      return static_cast<int64_t>(d);
    }
    case BSON_TYPE_DECIMAL128: {
      bson_decimal128_t raw;
      bson_iter_decimal128(e, &raw);
      const Decimal d = Decimal::From(raw);
      if (d.kind != Decimal::Kind::kFinite) {
        return Status(ErrorCodes::BadValue, "Unable to coerce NaN/Inf to integral type");
      }
      const std::optional<int64_t> v = d.TruncatedInt64();
      if (!v) return Status(ErrorCodes::BadValue, "Out of bounds coercing to integral value");
      return *v;
    }
    default:
      return Status(ErrorCodes::BadValue, "Unable to coerce value to integral type");
  }
}

std::string ElementString(const bson_iter_t* e) {
  return std::string(KeyOf(e)) + ": " + ShellValueString(e);
}

std::string FormatDoubleG(double d) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%g", d);
  return std::string(buf, n);
}

double ElementNumberDouble(const bson_iter_t* e) { return NumberAsDouble(e); }

}  // namespace basalt::query
