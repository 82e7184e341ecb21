// Shell notation as mongod writes it: BSONElement::toString and BSONObj::toString
// (src/mongo/bson/bsonelement.cpp, bsonobj.cpp) with full = false, the form the
// E11000 message builder (src/mongo/db/storage/index_entry_comparison.cpp) uses.

#include "base/bson_shell.h"

#include <bit>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string_view>

namespace basalt {
namespace {

// BSONObj::maxToStringRecursionDepth.
constexpr int kMaxDepth = 100;

void AppendHex(std::string* s, const uint8_t* data, size_t len, const char* digits) {
  for (size_t i = 0; i < len; ++i) {
    s->push_back(digits[data[i] >> 4]);
    s->push_back(digits[data[i] & 15]);
  }
}
constexpr const char* kUpperHex = "0123456789ABCDEF";
constexpr const char* kLowerHex = "0123456789abcdef";

template <typename... Args>
void AppendFormat(std::string* s, const char* format, Args... args) {
  char buf[64];
  const int n = std::snprintf(buf, sizeof(buf), format, args...);
  s->append(buf, n);
}

// StringBuilder::appendDoubleNice: "%.16g", plus ".0" unless the text has a
// '.', 'E' or 'N'. glibc writes a lowercase "e", "inf" and "nan", so mongod
// prints 1e+20.0, inf.0, -inf.0 and nan.0.
void AppendDouble(std::string* s, double x) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof(buf), "%.16g", x);
  s->append(buf, n);
  if (!std::strchr(buf, '.') && !std::strchr(buf, 'E') && !std::strchr(buf, 'N')) s->append(".0");
}

// Decimal128::toString over the coefficient and exponent Intel's
// bid128_to_string gives (a non-canonical coefficient reads as 0).
void AppendDecimal(std::string* s, const bson_decimal128_t& d) {
  const uint64_t high = d.high;
  const bool negative = high >> 63;
  if (((high >> 58) & 0x1F) == 0x1F) {
    s->append("NaN");
    return;
  }
  if (((high >> 58) & 0x1F) == 0x1E) {
    s->append(negative ? "-Infinity" : "Infinity");
    return;
  }

  int exponent;
  unsigned __int128 coefficient = 0;
  if (((high >> 61) & 3) == 3) {
    exponent = static_cast<int>((high >> 47) & 0x3FFF) - 6176;
  } else {
    exponent = static_cast<int>((high >> 49) & 0x3FFF) - 6176;
    coefficient = (static_cast<unsigned __int128>(high & ((uint64_t{1} << 49) - 1)) << 64) | d.low;
    constexpr unsigned __int128 kTen17 = 100000000000000000ULL;
    if (coefficient >= kTen17 * kTen17) coefficient = 0;
  }
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(coefficient % 10)));
    coefficient /= 10;
  } while (coefficient);

  if (negative) s->push_back('-');
  const int precision = static_cast<int>(digits.size());
  const int adjusted = exponent + precision - 1;
  if (exponent > 0 || adjusted < -6) {
    s->push_back(digits[0]);
    if (precision > 1) s->append(".").append(digits, 1);
    s->push_back('E');
    if (adjusted > 0) s->push_back('+');
    s->append(std::to_string(adjusted));
  } else if (exponent == 0) {
    s->append(digits);
  } else {
    const int fraction = -exponent;
    if (precision <= fraction) {
      s->append("0.").append(fraction - precision, '0').append(digits);
    } else {
      s->append(digits, 0, precision - fraction).append(".").append(digits, precision - fraction);
    }
  }
}

void AppendDocument(std::string* s, bson_iter_t* child, bool is_array, int depth);

void AppendElement(std::string* s, const bson_iter_t* it, bool include_name, int depth) {
  if (depth > kMaxDepth) {
    s->append("...");
    return;
  }
  if (include_name) s->append(bson_iter_key(it), bson_iter_key_len(it)).append(": ");

  switch (bson_iter_type(it)) {
    case BSON_TYPE_DOCUMENT:
    case BSON_TYPE_ARRAY: {
      bson_iter_t child;
      bson_iter_recurse(it, &child);
      AppendDocument(s, &child, bson_iter_type(it) == BSON_TYPE_ARRAY, depth + 1);
      break;
    }
    case BSON_TYPE_DOUBLE:
      AppendDouble(s, bson_iter_double(it));
      break;
    case BSON_TYPE_INT32:
      AppendFormat(s, "%" PRId32, bson_iter_int32(it));
      break;
    case BSON_TYPE_INT64:  // a NumberLong prints as a plain number
      AppendFormat(s, "%" PRId64, bson_iter_int64(it));
      break;
    case BSON_TYPE_DECIMAL128: {
      bson_decimal128_t d;
      bson_iter_decimal128(it, &d);
      AppendDecimal(s, d);
      break;
    }
    case BSON_TYPE_UTF8:
    case BSON_TYPE_SYMBOL: {
      uint32_t len = 0;
      const char* str = bson_iter_type(it) == BSON_TYPE_UTF8 ? bson_iter_utf8(it, &len)
                                                             : bson_iter_symbol(it, &len);
      // valuestrsize() (length with the NUL) above 160: the first 150 bytes.
      s->push_back('"');
      if (len + 1 > 160) {
        s->append(str, 150).append("...\"");
      } else {
        s->append(str, len).push_back('"');
      }
      break;
    }
    case BSON_TYPE_CODE: {
      uint32_t len = 0;
      const char* code = bson_iter_code(it, &len);
      if (len + 1 > 80) {
        s->append(code, 70).append("...");
      } else {
        s->append(code, len);
      }
      break;
    }
    case BSON_TYPE_CODEWSCOPE: {
      uint32_t len = 0, scope_len = 0;
      const uint8_t* scope_data = nullptr;
      const char* code = bson_iter_codewscope(it, &len, &scope_len, &scope_data);
      bson_t scope;
      bson_init_static(&scope, scope_data, scope_len);
      // The code as a C string, and the scope from a fresh depth.
      s->append("CodeWScope( ").append(code).append(", ").append(ShellString(&scope));
      s->push_back(')');
      break;
    }
    case BSON_TYPE_OID: {
      char hex[25];
      bson_oid_to_string(bson_iter_oid(it), hex);
      s->append("ObjectId('").append(hex).append("')");
      break;
    }
    case BSON_TYPE_DBPOINTER: {
      uint32_t len = 0;
      const char* ns = nullptr;
      const bson_oid_t* oid = nullptr;
      bson_iter_dbpointer(it, &len, &ns, &oid);
      char hex[25];
      bson_oid_to_string(oid, hex);
      s->append("DBRef('").append(ns).append("',").append(hex).push_back(')');
      break;
    }
    case BSON_TYPE_BINARY: {
      // libbson already drops subtype 2's inner length, as binDataClean does.
      bson_subtype_t subtype;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_binary(it, &subtype, &len, &data);
      if (subtype == BSON_SUBTYPE_UUID && len == 16) {
        s->append("UUID(\"");
        for (int i = 0; i < 16; ++i) {
          if (i == 4 || i == 6 || i == 8 || i == 10) s->push_back('-');
          AppendHex(s, data + i, 1, kLowerHex);
        }
        s->append("\")");
        break;
      }
      AppendFormat(s, "BinData(%d, ", static_cast<int>(subtype));
      AppendHex(s, data, len > 80 ? 70 : len, kUpperHex);
      s->append(len > 80 ? "...)" : ")");
      break;
    }
    case BSON_TYPE_BOOL:
      s->append(bson_iter_bool(it) ? "true" : "false");
      break;
    case BSON_TYPE_DATE_TIME:
      AppendFormat(s, "new Date(%" PRId64 ")", bson_iter_date_time(it));
      break;
    case BSON_TYPE_TIMESTAMP: {
      uint32_t t = 0, i = 0;
      bson_iter_timestamp(it, &t, &i);
      AppendFormat(s, "Timestamp(%" PRIu32 ", %" PRIu32 ")", t, i);
      break;
    }
    case BSON_TYPE_REGEX: {
      const char* flags = nullptr;
      const char* pattern = bson_iter_regex(it, &flags);
      s->append("/").append(pattern).append("/").append(flags);
      break;
    }
    case BSON_TYPE_NULL:
      s->append("null");
      break;
    case BSON_TYPE_UNDEFINED:
      s->append("undefined");
      break;
    case BSON_TYPE_MINKEY:
      s->append("MinKey");
      break;
    case BSON_TYPE_MAXKEY:
      s->append("MaxKey");
      break;
    case BSON_TYPE_EOD:
      s->append("EOO");
      break;
  }
}

void AppendDocument(std::string* s, bson_iter_t* child, bool is_array, int depth) {
  bool first = true;
  while (bson_iter_next(child)) {
    s->append(first ? (is_array ? "[ " : "{ ") : ", ");
    first = false;
    AppendElement(s, child, !is_array, depth);
  }
  s->append(first ? (is_array ? "[]" : "{}") : (is_array ? " ]" : " }"));
}

// mongo/util/str.cpp isValidUTF8: lead and continuation bytes well formed,
// lead byte at most F4 and not C0/C1 (surrogates and other overlongs pass).
bool IsValidUtf8(std::string_view s) {
  int left = 0;
  for (unsigned char c : s) {
    const int ones = c < 0x80 ? 0 : std::countl_one(c);
    if (left) {
      if (ones != 1) return false;
      --left;
    } else if (ones != 0) {
      if (ones == 1 || c > 0xF4 || c == 0xC0 || c == 0xC1) return false;
      left = ones - 1;
    }
  }
  return left == 0;
}

}  // namespace

std::string ShellString(const bson_t* doc) {
  std::string s;
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return "{}";
  AppendDocument(&s, &it, false, 0);
  return s;
}

std::string ShellValueString(const bson_iter_t* it) {
  std::string s;
  AppendElement(&s, it, false, 0);
  return s;
}

std::string DupKeyShellString(const bson_t* key_value, bool has_collation) {
  bson_t printable = BSON_INITIALIZER;
  bson_iter_t it;
  if (bson_iter_init(&it, key_value)) {
    while (bson_iter_next(&it)) {
      uint32_t len = 0;
      const char* str = BSON_ITER_HOLDS_UTF8(&it) ? bson_iter_utf8(&it, &len) : nullptr;
      if (str && (has_collation || !IsValidUtf8({str, len}))) {
        std::string hex = "0x";
        AppendHex(&hex, reinterpret_cast<const uint8_t*>(str), len, kLowerHex);
        bson_append_utf8(&printable, bson_iter_key(&it), -1, hex.data(),
                         static_cast<int>(hex.size()));
      } else {
        bson_append_iter(&printable, bson_iter_key(&it), -1, &it);
      }
    }
  }
  std::string s = ShellString(&printable);
  bson_destroy(&printable);
  return s;
}

}  // namespace basalt
