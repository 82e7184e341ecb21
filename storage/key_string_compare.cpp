// CompareBsonValues: mongod's BSON value comparison written out directly
// (src/mongo/bson/bsonelement.cpp compareElements, bsonobj.cpp woCompare,
// src/mongo/base/compare_numbers.h), independent of the key encoding it is
// the reference for.

#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "storage/key_string.h"

namespace basalt::storage {
namespace {

int Sign(int64_t x) { return x < 0 ? -1 : (x > 0 ? 1 : 0); }

// Bytewise, then the longer is greater (strings may hold NULs).
int CompareBytes(const void* a, size_t a_len, const void* b, size_t b_len) {
  if (int c = std::memcmp(a, b, std::min(a_len, b_len))) return Sign(c);
  return a_len < b_len ? -1 : (a_len > b_len ? 1 : 0);
}

// ---- Numbers, as compare_numbers.h -----------------------------------------

int CompareInt64s(int64_t l, int64_t r) { return l == r ? 0 : (l < r ? -1 : 1); }

int CompareDoubles(double l, double r) {
  if (l == r) return 0;
  if (l < r) return -1;
  if (l > r) return 1;
  // One is NaN: NaN is below every number and equal to itself.
  if (std::isnan(l)) return std::isnan(r) ? 0 : -1;
  return 1;
}

int CompareInt64ToDouble(int64_t l, double r) {
  if (std::isnan(r)) return 1;
  constexpr int64_t kEndOfPreciseDoubles = 1LL << 53;
  if (l <= kEndOfPreciseDoubles && l >= -kEndOfPreciseDoubles) {
    return CompareDoubles(static_cast<double>(l), r);
  }
  constexpr double kBoundOfLongRange = 9223372036854775808.0;  // 2^63
  if (r >= kBoundOfLongRange) return -1;
  if (r < -kBoundOfLongRange) return 1;
  // |l| > 2^53 here, so truncating a fractional r cannot change the result.
  return CompareInt64s(l, static_cast<int64_t>(r));
}

// An exact number as text digits, for comparisons involving decimal128
// (mongod uses Intel's decimal library; any exact comparison agrees with it).
struct ExactNumber {
  enum Kind { kNaN, kNegativeInfinity, kFinite, kPositiveInfinity } kind = kFinite;
  int sign = 0;        // of a finite value
  std::string digits;  // no leading or trailing zeros
  long exponent = 0;   // of the first digit
};

// Parses "[-]digits[.digits][e|E[+-]digits]", "NaN", "[-]Infinity", "[-]inf", "[-]nan".
ExactNumber ParseNumber(const char* s) {
  ExactNumber n;
  const bool negative = *s == '-';
  if (negative) ++s;
  if (std::strchr("Nn", *s)) {
    n.kind = ExactNumber::kNaN;
    return n;
  }
  if (std::strchr("Ii", *s)) {
    n.kind = negative ? ExactNumber::kNegativeInfinity : ExactNumber::kPositiveInfinity;
    return n;
  }
  std::string mantissa;
  long int_digits = 0;
  bool seen_point = false;
  for (; *s && *s != 'e' && *s != 'E'; ++s) {
    if (*s == '.') {
      seen_point = true;
    } else {
      mantissa.push_back(*s);
      if (!seen_point) ++int_digits;
    }
  }
  const long exp = *s ? std::strtol(s + 1, nullptr, 10) : 0;
  const size_t first = mantissa.find_first_not_of('0');
  if (first == std::string::npos) return n;  // zero, of either sign
  const size_t last = mantissa.find_last_not_of('0');
  n.digits = mantissa.substr(first, last - first + 1);
  n.exponent = int_digits - 1 - static_cast<long>(first) + exp;
  n.sign = negative ? -1 : 1;
  return n;
}

int CompareExact(const ExactNumber& a, const ExactNumber& b) {
  if (a.kind != b.kind) return a.kind < b.kind ? -1 : 1;
  if (a.kind != ExactNumber::kFinite) return 0;
  if (a.sign != b.sign) return a.sign < b.sign ? -1 : 1;
  if (a.sign == 0) return 0;
  int magnitude = a.exponent != b.exponent ? (a.exponent < b.exponent ? -1 : 1)
                                           : Sign(a.digits.compare(b.digits));
  return a.sign * magnitude;
}

ExactNumber ExactOf(const bson_iter_t* it) {
  char text[1000];
  switch (bson_iter_type(it)) {
    case BSON_TYPE_INT32:
      std::snprintf(text, sizeof(text), "%d", bson_iter_int32(it));
      break;
    case BSON_TYPE_INT64:
      std::snprintf(text, sizeof(text), "%lld", static_cast<long long>(bson_iter_int64(it)));
      break;
    case BSON_TYPE_DOUBLE:
      // glibc prints a double's exact value given enough digits (at most 767
      // are significant).
      std::snprintf(text, sizeof(text), "%.780e", bson_iter_double(it));
      break;
    default: {
      bson_decimal128_t dec;
      bson_iter_decimal128(it, &dec);
      // IEEE 754 reads a coefficient above 10^34 - 1 as zero, as mongod's
      // Intel library does; libbson's to_string prints it instead.
      const uint64_t coefficient_high = dec.high & ((uint64_t{1} << 49) - 1);
      const bool special = ((dec.high >> 61) & 3) == 3;
      if (!special && (coefficient_high > 0x1ED09BEAD87C0 ||
                       (coefficient_high == 0x1ED09BEAD87C0 && dec.low > 0x378D8E63FFFFFFFF))) {
        return ExactNumber();
      }
      bson_decimal128_to_string(&dec, text);
    }
  }
  return ParseNumber(text);
}

int CompareNumbers(const bson_iter_t* a, const bson_iter_t* b) {
  const bson_type_t ta = bson_iter_type(a);
  const bson_type_t tb = bson_iter_type(b);
  if (ta != BSON_TYPE_DECIMAL128 && tb != BSON_TYPE_DECIMAL128) {
    const bool a_double = ta == BSON_TYPE_DOUBLE;
    const bool b_double = tb == BSON_TYPE_DOUBLE;
    if (a_double && b_double) return CompareDoubles(bson_iter_double(a), bson_iter_double(b));
    if (a_double) return -CompareInt64ToDouble(bson_iter_as_int64(b), bson_iter_double(a));
    if (b_double) return CompareInt64ToDouble(bson_iter_as_int64(a), bson_iter_double(b));
    return CompareInt64s(bson_iter_as_int64(a), bson_iter_as_int64(b));
  }
  // Printing a double exactly is slow; most pairs differ in sign or in
  // magnitude by more than the error of log10.
  const bool a_decimal = ta == BSON_TYPE_DECIMAL128;
  if (!a_decimal || tb != BSON_TYPE_DECIMAL128) {
    const bson_iter_t* dec_it = a_decimal ? a : b;
    const bson_iter_t* other = a_decimal ? b : a;
    const ExactNumber dec = ExactOf(dec_it);
    if (bson_iter_type(other) == BSON_TYPE_DOUBLE) {
      const double x = bson_iter_double(other);
      ExactNumber coarse;  // kind and sign only
      if (std::isnan(x)) {
        coarse.kind = ExactNumber::kNaN;
      } else if (std::isinf(x)) {
        coarse.kind = x < 0 ? ExactNumber::kNegativeInfinity : ExactNumber::kPositiveInfinity;
      } else {
        coarse.sign = x < 0 ? -1 : (x > 0 ? 1 : 0);
      }
      int c = 2;
      if (dec.kind != ExactNumber::kFinite || coarse.kind != ExactNumber::kFinite ||
          dec.sign != coarse.sign || dec.sign == 0) {
        c = CompareExact(dec, coarse);  // decided before digits are needed
      } else {
        const long approx = static_cast<long>(std::floor(std::log10(std::fabs(x))));
        if (std::labs(approx - dec.exponent) >= 2) {
          c = dec.sign * (dec.exponent > approx ? 1 : -1);
        }
      }
      if (c != 2) return a_decimal ? c : -c;
    }
    const int c = CompareExact(dec, ExactOf(other));
    return a_decimal ? c : -c;
  }
  return CompareExact(ExactOf(a), ExactOf(b));
}

// ---- Documents, as BSONObj::woCompare with field names ---------------------

int CompareDocuments(bson_iter_t* a, bson_iter_t* b) {
  while (true) {
    const bool more_a = bson_iter_next(a);
    const bool more_b = bson_iter_next(b);
    if (!more_a || !more_b) return static_cast<int>(more_a) - static_cast<int>(more_b);
    const int ca = CanonicalType(bson_iter_type(a));
    const int cb = CanonicalType(bson_iter_type(b));
    if (ca != cb) return ca < cb ? -1 : 1;
    if (int c = CompareBytes(bson_iter_key(a), bson_iter_key_len(a), bson_iter_key(b),
                             bson_iter_key_len(b))) {
      return c;
    }
    if (int c = CompareBsonValues(a, b)) return c;
  }
}

int CompareChildren(const bson_iter_t* a, const bson_iter_t* b) {
  bson_iter_t ca, cb;
  bson_iter_recurse(a, &ca);
  bson_iter_recurse(b, &cb);
  return CompareDocuments(&ca, &cb);
}

}  // namespace

int CompareBsonValues(const bson_iter_t* a, const bson_iter_t* b) {
  const bson_type_t ta = bson_iter_type(a);
  const bson_type_t tb = bson_iter_type(b);
  const int ca = CanonicalType(ta);
  const int cb = CanonicalType(tb);
  if (ca != cb) return ca < cb ? -1 : 1;

  switch (ta) {
    case BSON_TYPE_EOD:
    case BSON_TYPE_UNDEFINED:
    case BSON_TYPE_NULL:
    case BSON_TYPE_MINKEY:
    case BSON_TYPE_MAXKEY:
      return 0;
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DECIMAL128:
      return CompareNumbers(a, b);
    case BSON_TYPE_UTF8:
    case BSON_TYPE_SYMBOL: {
      uint32_t la = 0, lb = 0;
      const char* sa = ta == BSON_TYPE_UTF8 ? bson_iter_utf8(a, &la) : bson_iter_symbol(a, &la);
      const char* sb = tb == BSON_TYPE_UTF8 ? bson_iter_utf8(b, &lb) : bson_iter_symbol(b, &lb);
      return CompareBytes(sa, la, sb, lb);
    }
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY:
      return CompareChildren(a, b);
    case BSON_TYPE_BINARY: {
      // Length first, then subtype and bytes; subtype 2's stored bytes start
      // with the inner length that libbson strips.
      bson_subtype_t sa, sb;
      uint32_t la = 0, lb = 0;
      const uint8_t *da = nullptr, *db = nullptr;
      bson_iter_binary(a, &sa, &la, &da);
      bson_iter_binary(b, &sb, &lb, &db);
      if (sa == BSON_SUBTYPE_BINARY_DEPRECATED) da -= 4, la += 4;
      if (sb == BSON_SUBTYPE_BINARY_DEPRECATED) db -= 4, lb += 4;
      if (la != lb) return la < lb ? -1 : 1;
      if (sa != sb) return static_cast<uint8_t>(sa) < static_cast<uint8_t>(sb) ? -1 : 1;
      return Sign(std::memcmp(da, db, la));
    }
    case BSON_TYPE_OID:
      return Sign(std::memcmp(bson_iter_oid(a)->bytes, bson_iter_oid(b)->bytes, 12));
    case BSON_TYPE_BOOL:
      return static_cast<int>(bson_iter_bool(a)) - static_cast<int>(bson_iter_bool(b));
    case BSON_TYPE_DATE_TIME:
      return CompareInt64s(bson_iter_date_time(a), bson_iter_date_time(b));
    case BSON_TYPE_TIMESTAMP: {
      uint32_t t1, i1, t2, i2;
      bson_iter_timestamp(a, &t1, &i1);
      bson_iter_timestamp(b, &t2, &i2);
      const uint64_t x = (static_cast<uint64_t>(t1) << 32) | i1;
      const uint64_t y = (static_cast<uint64_t>(t2) << 32) | i2;
      return x == y ? 0 : (x < y ? -1 : 1);
    }
    case BSON_TYPE_REGEX: {
      const char *fa = nullptr, *fb = nullptr;
      const char* pa = bson_iter_regex(a, &fa);
      const char* pb = bson_iter_regex(b, &fb);
      if (int c = std::strcmp(pa, pb)) return Sign(c);
      return Sign(std::strcmp(fa, fb));
    }
    case BSON_TYPE_DBPOINTER: {
      // The value's size first (so the namespace length), then its bytes.
      uint32_t la = 0, lb = 0;
      const char *na = nullptr, *nb = nullptr;
      const bson_oid_t *oa = nullptr, *ob = nullptr;
      bson_iter_dbpointer(a, &la, &na, &oa);
      bson_iter_dbpointer(b, &lb, &nb, &ob);
      if (la != lb) return la < lb ? -1 : 1;
      if (int c = std::memcmp(na, nb, la)) return Sign(c);
      return Sign(std::memcmp(oa->bytes, ob->bytes, 12));
    }
    case BSON_TYPE_CODE: {
      uint32_t la = 0, lb = 0;
      const char* sa = bson_iter_code(a, &la);
      const char* sb = bson_iter_code(b, &lb);
      return CompareBytes(sa, la, sb, lb);
    }
    case BSON_TYPE_CODEWSCOPE: {
      uint32_t la = 0, lb = 0, sla = 0, slb = 0;
      const uint8_t *sda = nullptr, *sdb = nullptr;
      const char* ca_code = bson_iter_codewscope(a, &la, &sla, &sda);
      const char* cb_code = bson_iter_codewscope(b, &lb, &slb, &sdb);
      if (int c = CompareBytes(ca_code, la, cb_code, lb)) return c;
      bson_iter_t sa, sb;
      bson_iter_init_from_data(&sa, sda, sla);
      bson_iter_init_from_data(&sb, sdb, slb);
      return CompareDocuments(&sa, &sb);
    }
  }
  return 0;
}

}  // namespace basalt::storage
