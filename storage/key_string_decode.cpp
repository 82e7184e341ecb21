// DecodeKey: index keys back to BSON (docs/key_encoding.md is the format).

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "storage/key_string.h"

namespace basalt::storage {
namespace {

using key_string_internal::DecimalDigits;
using namespace key_string_internal::tags;

// Reads a key, undoing the inversion of descending fields through `mask`.
// Every read checks bounds; a failed read leaves ok() false and returns zeros.
class Reader {
 public:
  Reader(std::string_view key) : p_(key.data()), end_(key.data() + key.size()) {}

  bool ok() const { return ok_; }
  bool AtEnd() const { return p_ == end_; }
  void Fail() { ok_ = false; }
  void set_mask(uint8_t mask) { mask_ = mask; }
  uint8_t mask() const { return mask_; }

  uint8_t Peek() {
    if (p_ == end_) return Fail(), 0;
    return static_cast<uint8_t>(*p_) ^ mask_;
  }
  uint8_t Byte() {
    uint8_t b = Peek();
    if (ok_) ++p_;
    return b;
  }
  uint64_t BigEndian(int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | Byte();
    return v;
  }
  uint32_t Length() {
    uint8_t b = Byte();
    return b == kLongLength ? static_cast<uint32_t>(BigEndian(4)) : b;
  }
  // Appends `n` bytes to `out`.
  void Bytes(size_t n, std::string* out) {
    if (static_cast<size_t>(end_ - p_) < n) return Fail();
    for (size_t i = 0; i < n; ++i) out->push_back(static_cast<char>(p_[i] ^ mask_));
    p_ += n;
  }
  // A NUL-terminated run (field names, regex parts), without the NUL.
  std::string CString() {
    std::string s;
    for (uint8_t b = Byte(); ok_ && b != 0; b = Byte()) s.push_back(static_cast<char>(b));
    return s;
  }
  // A string escaped as AppendEscaped writes it.
  std::string Escaped() {
    std::string s;
    while (ok_) {
      uint8_t b = Byte();
      if (b != 0) {
        s.push_back(static_cast<char>(b));
        continue;
      }
      uint8_t next = Byte();
      if (next == 0x00) break;
      if (next != 0xFF) Fail();
      s.push_back('\0');
    }
    return s;
  }

 private:
  const char* p_;
  const char* end_;
  uint8_t mask_ = 0;
  bool ok_ = true;
};

// Appends one element with verbatim value bytes: libbson's typed appenders
// would sort regex flags and cut code at an embedded NUL.
void AppendRaw(bson_t* out, const char* key, bson_type_t type, std::string_view value) {
  std::string doc(4, '\0');
  doc.push_back(static_cast<char>(type));
  doc.append(key);
  doc.push_back('\0');
  doc.append(value);
  doc.push_back('\0');
  const uint32_t len = BSON_UINT32_TO_LE(static_cast<uint32_t>(doc.size()));
  std::memcpy(doc.data(), &len, 4);
  bson_t tmp;
  bson_init_static(&tmp, reinterpret_cast<const uint8_t*>(doc.data()), doc.size());
  bson_concat(out, &tmp);
}

std::string LittleEndian32(uint32_t v) {
  v = BSON_UINT32_TO_LE(v);
  return std::string(reinterpret_cast<const char*>(&v), 4);
}

bool SameDigits(const DecimalDigits& a, const DecimalDigits& b) {
  return a.exponent == b.exponent && a.count == b.count &&
         std::memcmp(a.digits, b.digits, a.count) == 0;
}

// The canonical type of a finite nonzero number: int32, int64, exact double,
// else decimal128.
bool AppendNumber(bson_t* out, const char* key, bool negative, const DecimalDigits& d) {
  if (d.exponent >= d.count - 1 && d.exponent <= 18) {  // integral and below 10^19
    uint64_t magnitude = 0;
    for (int i = 0; i < d.count; ++i) magnitude = magnitude * 10 + (d.digits[i] - '0');
    for (int i = d.count - 1; i < d.exponent; ++i) magnitude *= 10;
    const uint64_t int32_limit = negative ? 1ULL << 31 : (1ULL << 31) - 1;
    const uint64_t int64_limit = negative ? 1ULL << 63 : (1ULL << 63) - 1;
    if (magnitude <= int32_limit) {
      return bson_append_int32(out, key, -1,
                               static_cast<int32_t>(negative ? 0 - magnitude : magnitude));
    }
    if (magnitude <= int64_limit) {
      return bson_append_int64(out, key, -1,
                               static_cast<int64_t>(negative ? 0 - magnitude : magnitude));
    }
  }
  // strtod rounds correctly; the double is the value only if its own exact
  // expansion gives back the same digits.
  char text[key_string_internal::kMaxDigits + 32];
  int n = std::snprintf(text, sizeof(text), "0.%.*se%d", d.count, d.digits, d.exponent + 1);
  if (n < 0 || static_cast<size_t>(n) >= sizeof(text)) return false;
  const double magnitude = std::strtod(text, nullptr);
  if (std::isfinite(magnitude) && magnitude != 0) {
    DecimalDigits check;
    key_string_internal::DoubleToDigits(magnitude, &check);
    if (SameDigits(check, d))
      return bson_append_double(out, key, -1, negative ? -magnitude : magnitude);
  }
  if (d.count > 34) return false;
  n = std::snprintf(text, sizeof(text), "%s%.*sE%d", negative ? "-" : "", d.count, d.digits,
                    d.exponent - (d.count - 1));
  bson_decimal128_t dec;
  if (!bson_decimal128_from_string(text, &dec)) return false;
  // from_string rounds what does not fit; a key from a decimal128 always fits.
  DecimalDigits check;
  if (key_string_internal::Decimal128ToDigits(dec, &check) !=
          (negative ? key_string_internal::NumberClass::kNegative
                    : key_string_internal::NumberClass::kPositive) ||
      !SameDigits(check, d)) {
    return false;
  }
  return bson_append_decimal128(out, key, -1, &dec);
}

bool DecodeFinite(Reader* r, bool negative, bson_t* out, const char* key) {
  const uint8_t saved_mask = r->mask();
  if (negative) r->set_mask(saved_mask ^ 0xFF);
  DecimalDigits d;
  const uint8_t first = r->Byte();
  if (first == kExponentLargeMarker) {
    d.exponent = static_cast<int>(r->BigEndian(2));
  } else if (first == kExponentSmallMarker) {
    d.exponent = static_cast<int>(r->BigEndian(2)) - kExponentSmallBias;
  } else if (first >= 0x40 && first <= 0xBF) {
    d.exponent = first - 0x80;
  } else {
    return false;
  }
  d.count = 0;
  bool done = false;
  while (!done && r->ok()) {
    const uint8_t b = r->Byte();
    for (int nibble : {b >> 4, b & 0xF}) {
      if (nibble == 0) {
        done = true;
        if (b != 0 && nibble == b >> 4) return false;  // a terminator fills its byte
        break;
      }
      if (nibble > 10 || d.count == key_string_internal::kMaxDigits) return false;
      d.digits[d.count++] = static_cast<char>('0' + nibble - 1);
    }
  }
  r->set_mask(saved_mask);
  if (!r->ok() || d.count == 0 || d.digits[0] == '0' || d.digits[d.count - 1] == '0') {
    return false;
  }
  return AppendNumber(out, key, negative, d);
}

bool DecodeValue(Reader* r, bson_t* out, const char* key);

bool DecodeObjectBody(Reader* r, bson_t* out) {
  while (r->ok()) {
    if (r->Peek() == kEnd) {
      r->Byte();
      return r->ok();
    }
    r->Byte();  // the bracket tag; the value's own tag follows the name
    const std::string name = r->CString();
    if (!r->ok() || !DecodeValue(r, out, name.c_str())) return false;
  }
  return false;
}

bool DecodeValue(Reader* r, bson_t* out, const char* key) {
  const uint8_t tag = r->Byte();
  if (!r->ok()) return false;
  switch (tag) {
    case kMinKey:
      return bson_append_minkey(out, key, -1);
    case kMaxKey:
      return bson_append_maxkey(out, key, -1);
    case kUndefined:
      return bson_append_undefined(out, key, -1);
    case kNull:
      return bson_append_null(out, key, -1);
    case kNaN:
      return bson_append_double(out, key, -1, std::numeric_limits<double>::quiet_NaN());
    case kNegativeInfinity:
      return bson_append_double(out, key, -1, -std::numeric_limits<double>::infinity());
    case kPositiveInfinity:
      return bson_append_double(out, key, -1, std::numeric_limits<double>::infinity());
    case kZero:
      return bson_append_int32(out, key, -1, 0);
    case kNegative:
    case kPositive:
      return DecodeFinite(r, tag == kNegative, out, key);
    case kString: {
      const std::string s = r->Escaped();
      return r->ok() && bson_append_utf8(out, key, -1, s.data(), static_cast<int>(s.size()));
    }
    case kObject: {
      bson_t child;
      bson_append_document_begin(out, key, -1, &child);
      const bool ok = DecodeObjectBody(r, &child);
      bson_append_document_end(out, &child);
      return ok;
    }
    case kArray: {
      bson_t child;
      bson_append_array_begin(out, key, -1, &child);
      bool ok = true;
      for (uint32_t i = 0; ok; ++i) {
        if (r->Peek() == kEnd) {
          r->Byte();
          break;
        }
        char index[16];
        const char* index_key = nullptr;
        bson_uint32_to_string(i, &index_key, index, sizeof(index));
        ok = r->ok() && DecodeValue(r, &child, index_key);
      }
      bson_append_array_end(out, &child);
      return ok && r->ok();
    }
    case kBinData: {
      const uint32_t len = r->Length();
      const auto subtype = static_cast<bson_subtype_t>(r->Byte());
      std::string data;
      r->Bytes(len, &data);
      if (!r->ok()) return false;
      const auto* bytes = reinterpret_cast<const uint8_t*>(data.data());
      if (subtype == BSON_SUBTYPE_BINARY_DEPRECATED) {  // libbson adds the inner length back
        if (len < 4) return false;
        return bson_append_binary(out, key, -1, subtype, bytes + 4, len - 4);
      }
      return bson_append_binary(out, key, -1, subtype, bytes, len);
    }
    case kObjectId: {
      std::string bytes;
      r->Bytes(12, &bytes);
      if (!r->ok()) return false;
      bson_oid_t oid;
      std::memcpy(oid.bytes, bytes.data(), 12);
      return bson_append_oid(out, key, -1, &oid);
    }
    case kFalse:
    case kTrue:
      return bson_append_bool(out, key, -1, tag == kTrue);
    case kDate: {
      const uint64_t v = r->BigEndian(8) ^ (1ULL << 63);
      return r->ok() && bson_append_date_time(out, key, -1, static_cast<int64_t>(v));
    }
    case kTimestamp: {
      const uint64_t v = r->BigEndian(8);
      return r->ok() && bson_append_timestamp(out, key, -1, static_cast<uint32_t>(v >> 32),
                                              static_cast<uint32_t>(v));
    }
    case kRegex: {
      std::string value = r->CString();
      value.push_back('\0');
      value += r->CString();
      value.push_back('\0');
      if (!r->ok()) return false;
      AppendRaw(out, key, BSON_TYPE_REGEX, value);
      return true;
    }
    case kDbPointer: {
      const uint32_t len = r->Length();
      std::string ns;
      r->Bytes(len, &ns);
      std::string oid;
      r->Bytes(12, &oid);
      if (!r->ok()) return false;
      AppendRaw(out, key, BSON_TYPE_DBPOINTER, LittleEndian32(len + 1) + ns + '\0' + oid);
      return true;
    }
    case kCode: {
      const std::string code = r->Escaped();
      if (!r->ok()) return false;
      const auto len = static_cast<uint32_t>(code.size() + 1);
      AppendRaw(out, key, BSON_TYPE_CODE, LittleEndian32(len) + code + '\0');
      return true;
    }
    case kCodeWithScope: {
      const std::string code = r->Escaped();
      bson_t scope;
      bson_init(&scope);
      const bool ok = r->ok() && DecodeObjectBody(r, &scope);
      if (ok) {
        const auto code_len = static_cast<uint32_t>(code.size() + 1);
        const uint32_t total = 4 + 4 + code_len + scope.len;
        std::string value = LittleEndian32(total) + LittleEndian32(code_len) + code + '\0';
        value.append(reinterpret_cast<const char*>(bson_get_data(&scope)), scope.len);
        AppendRaw(out, key, BSON_TYPE_CODEWSCOPE, value);
      }
      bson_destroy(&scope);
      return ok;
    }
    default:
      return false;
  }
}

}  // namespace

Status DecodeKey(std::string_view key, const std::vector<std::string>& field_names,
                 const std::vector<bool>& descending, bson_t* out) {
  if (descending.size() != field_names.size()) {
    return Status(ErrorCodes::InternalError, "index key decode: one direction per field needed");
  }
  Reader r(key);
  for (size_t i = 0; i < field_names.size(); ++i) {
    r.set_mask(descending[i] ? 0xFF : 0x00);
    if (!DecodeValue(&r, out, field_names[i].c_str()) || !r.ok()) {
      return Status(ErrorCodes::InternalError,
                    "index key decode: malformed value for field " + field_names[i]);
    }
  }
  if (!r.AtEnd()) {
    return Status(ErrorCodes::InternalError, "index key decode: bytes left after the last field");
  }
  return Status::OK();
}

}  // namespace basalt::storage
