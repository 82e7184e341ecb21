// Encoding of index keys; docs/key_encoding.md is the format, key_string_decode.cpp
// the way back.

#include "storage/key_string.h"

#include <cmath>
#include <cstring>

namespace basalt::storage {
namespace {

using key_string_internal::DecimalDigits;
using key_string_internal::NumberClass;
using namespace key_string_internal::tags;

// mongod compares an object's elements by canonical type before field name, so
// an element starts with its type's bracket, not the value's own tag (whose
// number and bool variants would put a sign or truth value before the name).
uint8_t BracketTag(bson_type_t type) {
  switch (type) {
    case BSON_TYPE_MINKEY:
      return kMinKey;
    case BSON_TYPE_UNDEFINED:
      return kUndefined;
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DECIMAL128:
      return kNaN;
    case BSON_TYPE_UTF8:
    case BSON_TYPE_SYMBOL:
      return kString;
    case BSON_TYPE_DOCUMENT:
      return kObject;
    case BSON_TYPE_ARRAY:
      return kArray;
    case BSON_TYPE_BINARY:
      return kBinData;
    case BSON_TYPE_OID:
      return kObjectId;
    case BSON_TYPE_BOOL:
      return kFalse;
    case BSON_TYPE_DATE_TIME:
      return kDate;
    case BSON_TYPE_TIMESTAMP:
      return kTimestamp;
    case BSON_TYPE_REGEX:
      return kRegex;
    case BSON_TYPE_DBPOINTER:
      return kDbPointer;
    case BSON_TYPE_CODE:
      return kCode;
    case BSON_TYPE_CODEWSCOPE:
      return kCodeWithScope;
    case BSON_TYPE_MAXKEY:
      return kMaxKey;
    default:
      return kNull;
  }
}

void AppendByte(std::string* out, uint8_t b) { out->push_back(static_cast<char>(b)); }

void AppendBytes(std::string* out, const void* data, size_t len) {
  out->append(static_cast<const char*>(data), len);
}

void AppendBigEndian(std::string* out, uint64_t v, int bytes) {
  for (int shift = (bytes - 1) * 8; shift >= 0; shift -= 8) {
    AppendByte(out, static_cast<uint8_t>(v >> shift));
  }
}

void AppendLength(std::string* out, uint32_t len) {
  if (len < kLongLength) {
    AppendByte(out, static_cast<uint8_t>(len));
  } else {
    AppendByte(out, kLongLength);
    AppendBigEndian(out, len, 4);
  }
}

// A NUL byte becomes 00 FF and the string ends with 00 00, so the encoding
// never contains its terminator, stays prefix-free, and orders bytewise.
void AppendEscaped(std::string* out, const char* s, size_t len) {
  const char* end = s + len;
  while (s < end) {
    const char* nul = static_cast<const char*>(std::memchr(s, 0, end - s));
    if (!nul) {
      out->append(s, end);
      break;
    }
    out->append(s, nul);
    AppendByte(out, 0x00);
    AppendByte(out, 0xFF);
    s = nul + 1;
  }
  AppendByte(out, 0x00);
  AppendByte(out, 0x00);
}

// Exponent and digits of a finite nonzero number; the caller inverts them for
// negatives, where a larger magnitude is a smaller value.
void AppendMagnitude(std::string* out, const DecimalDigits& d) {
  if (d.exponent >= -64 && d.exponent <= 63) {
    AppendByte(out, static_cast<uint8_t>(0x80 + d.exponent));
  } else if (d.exponent > 63) {
    AppendByte(out, kExponentLargeMarker);
    AppendBigEndian(out, static_cast<uint64_t>(d.exponent), 2);
  } else {
    AppendByte(out, kExponentSmallMarker);
    AppendBigEndian(out, static_cast<uint64_t>(d.exponent + kExponentSmallBias), 2);
  }
  // Digits as nibbles digit+1, ended by a 0 nibble: a shorter digit string
  // (trailing zeros are stripped, so the longer one continues with more value)
  // sorts first.
  int i = 0;
  for (; i + 1 < d.count; i += 2) {
    AppendByte(out,
               static_cast<uint8_t>(((d.digits[i] - '0' + 1) << 4) | (d.digits[i + 1] - '0' + 1)));
  }
  AppendByte(out, i < d.count ? static_cast<uint8_t>((d.digits[i] - '0' + 1) << 4) : 0x00);
}

void InvertFrom(std::string* out, size_t start) {
  for (size_t i = start; i < out->size(); ++i) (*out)[i] = static_cast<char>(~(*out)[i]);
}

void AppendFinite(std::string* out, bool negative, const DecimalDigits& d) {
  AppendByte(out, negative ? kNegative : kPositive);
  const size_t start = out->size();
  AppendMagnitude(out, d);
  if (negative) InvertFrom(out, start);
}

void AppendInt64(std::string* out, int64_t v) {
  if (v == 0) return AppendByte(out, kZero);
  DecimalDigits d;
  const uint64_t magnitude = v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  key_string_internal::UInt64ToDigits(magnitude, &d);
  AppendFinite(out, v < 0, d);
}

void AppendDouble(std::string* out, double v) {
  if (std::isnan(v)) return AppendByte(out, kNaN);
  if (v == 0) return AppendByte(out, kZero);  // -0 too
  if (std::isinf(v)) return AppendByte(out, v < 0 ? kNegativeInfinity : kPositiveInfinity);
  // Integral doubles below 2^63 take the integer path; the rest need the
  // exact (possibly long) decimal expansion.
  if (v > -9223372036854775808.0 && v < 9223372036854775808.0 && v == std::trunc(v)) {
    return AppendInt64(out, static_cast<int64_t>(v));
  }
  DecimalDigits d;
  key_string_internal::DoubleToDigits(std::fabs(v), &d);
  AppendFinite(out, v < 0, d);
}

void AppendDecimal128(std::string* out, const bson_decimal128_t& v) {
  DecimalDigits d;
  switch (key_string_internal::Decimal128ToDigits(v, &d)) {
    case NumberClass::kNaN:
      return AppendByte(out, kNaN);
    case NumberClass::kNegativeInfinity:
      return AppendByte(out, kNegativeInfinity);
    case NumberClass::kPositiveInfinity:
      return AppendByte(out, kPositiveInfinity);
    case NumberClass::kZero:
      return AppendByte(out, kZero);
    case NumberClass::kNegative:
      return AppendFinite(out, true, d);
    case NumberClass::kPositive:
      return AppendFinite(out, false, d);
  }
}

void AppendValue(std::string* out, const bson_iter_t* it);

// Elements as (bracket, field name, value), then kEnd. Field names cannot
// contain NUL, so a NUL terminator orders them like mongod's comparison.
void AppendObjectBody(std::string* out, bson_iter_t* child) {
  while (bson_iter_next(child)) {
    AppendByte(out, BracketTag(bson_iter_type(child)));
    AppendBytes(out, bson_iter_key(child), bson_iter_key_len(child) + 1);
    AppendValue(out, child);
  }
  AppendByte(out, kEnd);
}

void AppendValue(std::string* out, const bson_iter_t* it) {
  switch (bson_iter_type(it)) {
    case BSON_TYPE_DOUBLE:
      return AppendDouble(out, bson_iter_double(it));
    case BSON_TYPE_INT32:
      return AppendInt64(out, bson_iter_int32(it));
    case BSON_TYPE_INT64:
      return AppendInt64(out, bson_iter_int64(it));
    case BSON_TYPE_DECIMAL128: {
      bson_decimal128_t v;
      bson_iter_decimal128(it, &v);
      return AppendDecimal128(out, v);
    }
    case BSON_TYPE_UTF8:
    case BSON_TYPE_SYMBOL: {
      uint32_t len = 0;
      const char* s = bson_iter_type(it) == BSON_TYPE_UTF8 ? bson_iter_utf8(it, &len)
                                                           : bson_iter_symbol(it, &len);
      AppendByte(out, kString);
      return AppendEscaped(out, s, len);
    }
    case BSON_TYPE_DOCUMENT: {
      AppendByte(out, kObject);
      bson_iter_t child;
      bson_iter_recurse(it, &child);
      return AppendObjectBody(out, &child);
    }
    case BSON_TYPE_ARRAY: {
      // mongod compares arrays as objects keyed "0", "1", ...: equal names at
      // equal positions, so only the values need encoding.
      AppendByte(out, kArray);
      bson_iter_t child;
      bson_iter_recurse(it, &child);
      while (bson_iter_next(&child)) AppendValue(out, &child);
      return AppendByte(out, kEnd);
    }
    case BSON_TYPE_BINARY: {
      // mongod orders binData by length, then subtype, then bytes, all over
      // the stored bytes: for the old subtype 2 that includes the inner length
      // libbson strips (and has checked equals the outer length minus 4).
      bson_subtype_t subtype;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_binary(it, &subtype, &len, &data);
      if (subtype == BSON_SUBTYPE_BINARY_DEPRECATED) {
        data -= 4;
        len += 4;
      }
      AppendByte(out, kBinData);
      AppendLength(out, len);
      AppendByte(out, static_cast<uint8_t>(subtype));
      return AppendBytes(out, data, len);
    }
    case BSON_TYPE_OID:
      AppendByte(out, kObjectId);
      return AppendBytes(out, bson_iter_oid(it)->bytes, 12);
    case BSON_TYPE_BOOL:
      return AppendByte(out, bson_iter_bool(it) ? kTrue : kFalse);
    case BSON_TYPE_DATE_TIME:
      AppendByte(out, kDate);
      return AppendBigEndian(out, static_cast<uint64_t>(bson_iter_date_time(it)) ^ (1ULL << 63), 8);
    case BSON_TYPE_TIMESTAMP: {
      uint32_t t = 0, i = 0;
      bson_iter_timestamp(it, &t, &i);
      AppendByte(out, kTimestamp);
      return AppendBigEndian(out, (static_cast<uint64_t>(t) << 32) | i, 8);
    }
    case BSON_TYPE_REGEX: {
      const char* options = nullptr;
      const char* pattern = bson_iter_regex(it, &options);
      AppendByte(out, kRegex);
      AppendBytes(out, pattern, std::strlen(pattern) + 1);
      return AppendBytes(out, options, std::strlen(options) + 1);
    }
    case BSON_TYPE_DBPOINTER: {
      // mongod: the value's size (so the namespace length) first, then bytes.
      uint32_t len = 0;
      const char* ns = nullptr;
      const bson_oid_t* oid = nullptr;
      bson_iter_dbpointer(it, &len, &ns, &oid);
      AppendByte(out, kDbPointer);
      AppendLength(out, len);
      AppendBytes(out, ns, len);
      return AppendBytes(out, oid->bytes, 12);
    }
    case BSON_TYPE_CODE: {
      uint32_t len = 0;
      const char* code = bson_iter_code(it, &len);
      AppendByte(out, kCode);
      return AppendEscaped(out, code, len);
    }
    case BSON_TYPE_CODEWSCOPE: {
      uint32_t len = 0, scope_len = 0;
      const uint8_t* scope = nullptr;
      const char* code = bson_iter_codewscope(it, &len, &scope_len, &scope);
      AppendByte(out, kCodeWithScope);
      AppendEscaped(out, code, len);
      bson_iter_t child;
      bson_iter_init_from_data(&child, scope, scope_len);
      return AppendObjectBody(out, &child);
    }
    case BSON_TYPE_UNDEFINED:
      return AppendByte(out, kUndefined);
    case BSON_TYPE_MINKEY:
      return AppendByte(out, kMinKey);
    case BSON_TYPE_MAXKEY:
      return AppendByte(out, kMaxKey);
    default:  // null, and EOO as a missing value
      return AppendByte(out, kNull);
  }
}

}  // namespace

void AppendKeyValue(std::string* out, const bson_iter_t* it, bool descending) {
  const size_t start = out->size();
  AppendValue(out, it);
  if (descending) InvertFrom(out, start);
}

void AppendKeyNull(std::string* out, bool descending) {
  AppendByte(out, static_cast<uint8_t>(descending ? ~kNull : kNull));
}

void AppendKeyMinKey(std::string* out, bool descending) {
  AppendByte(out, static_cast<uint8_t>(descending ? ~kMinKey : kMinKey));
}

void AppendKeyMaxKey(std::string* out, bool descending) {
  AppendByte(out, static_cast<uint8_t>(descending ? ~kMaxKey : kMaxKey));
}

}  // namespace basalt::storage
