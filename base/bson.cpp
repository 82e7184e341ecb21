#include "base/bson.h"

#include <cstring>
#include <utility>

namespace basalt {

Bson Bson::Copy(const bson_t* src) {
  Bson out;
  bson_destroy(&out.doc_);
  bson_copy_to(src, &out.doc_);
  return out;
}

Bson Bson::CopyBytes(const uint8_t* data, uint32_t len) {
  BsonView view(data, len);
  return Copy(view.get());
}

// A heap-backed bson_t points into itself (its `buf` field), so it cannot be
// moved bytewise; bson_steal re-seats those pointers.
void Bson::Swap(Bson& other) noexcept {
  bson_t tmp;
  bson_steal(&tmp, &doc_);
  bson_steal(&doc_, &other.doc_);
  bson_steal(&other.doc_, &tmp);
}

std::string Bson::ToJson() const { return basalt::ToJson(&doc_); }

std::string ToJson(const bson_t* doc) {
  size_t len = 0;
  char* json = bson_as_relaxed_extended_json(doc, &len);
  if (!json) return "<invalid bson>";
  std::string out(json, len);
  bson_free(json);
  return out;
}

int CanonicalType(bson_type_t type) {
  switch (type) {
    case BSON_TYPE_MINKEY:
      return -1;
    case BSON_TYPE_EOD:
    case BSON_TYPE_UNDEFINED:
      return 0;
    case BSON_TYPE_NULL:
      return 5;
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DECIMAL128:
      return 10;
    case BSON_TYPE_UTF8:
    case BSON_TYPE_SYMBOL:
      return 15;
    case BSON_TYPE_DOCUMENT:
      return 20;
    case BSON_TYPE_ARRAY:
      return 25;
    case BSON_TYPE_BINARY:
      return 30;
    case BSON_TYPE_OID:
      return 35;
    case BSON_TYPE_BOOL:
      return 40;
    case BSON_TYPE_DATE_TIME:
      return 45;
    case BSON_TYPE_TIMESTAMP:
      return 47;
    case BSON_TYPE_REGEX:
      return 50;
    case BSON_TYPE_DBPOINTER:
      return 55;
    case BSON_TYPE_CODE:
      return 60;
    case BSON_TYPE_CODEWSCOPE:
      return 65;
    case BSON_TYPE_MAXKEY:
      return 127;
  }
  return 0;
}

bool IsNumber(bson_type_t type) {
  return type == BSON_TYPE_INT32 || type == BSON_TYPE_INT64 || type == BSON_TYPE_DOUBLE ||
         type == BSON_TYPE_DECIMAL128;
}

double NumberAsDouble(const bson_iter_t* it) {
  switch (bson_iter_type(it)) {
    case BSON_TYPE_INT32:
      return bson_iter_int32(it);
    case BSON_TYPE_INT64:
      return static_cast<double>(bson_iter_int64(it));
    case BSON_TYPE_DOUBLE:
      return bson_iter_double(it);
    case BSON_TYPE_DECIMAL128: {
      bson_decimal128_t dec;
      bson_iter_decimal128(it, &dec);
      char buf[BSON_DECIMAL128_STRING];
      bson_decimal128_to_string(&dec, buf);
      return std::strtod(buf, nullptr);
    }
    default:
      return 0;
  }
}

int64_t NumberAsInt64(const bson_iter_t* it) {
  switch (bson_iter_type(it)) {
    case BSON_TYPE_INT32:
      return bson_iter_int32(it);
    case BSON_TYPE_INT64:
      return bson_iter_int64(it);
    default:
      return static_cast<int64_t>(NumberAsDouble(it));
  }
}

bool IsTruthy(const bson_iter_t* it) {
  switch (bson_iter_type(it)) {
    case BSON_TYPE_BOOL:
      return bson_iter_bool(it);
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
    case BSON_TYPE_EOD:
      return false;
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
    case BSON_TYPE_DOUBLE:
    case BSON_TYPE_DECIMAL128:
      return NumberAsDouble(it) != 0;
    default:
      return true;
  }
}

std::string_view TypeName(bson_type_t type) {
  switch (type) {
    case BSON_TYPE_DOUBLE: return "double";
    case BSON_TYPE_UTF8: return "string";
    case BSON_TYPE_DOCUMENT: return "object";
    case BSON_TYPE_ARRAY: return "array";
    case BSON_TYPE_BINARY: return "binData";
    case BSON_TYPE_UNDEFINED: return "undefined";
    case BSON_TYPE_OID: return "objectId";
    case BSON_TYPE_BOOL: return "bool";
    case BSON_TYPE_DATE_TIME: return "date";
    case BSON_TYPE_NULL: return "null";
    case BSON_TYPE_REGEX: return "regex";
    case BSON_TYPE_DBPOINTER: return "dbPointer";
    case BSON_TYPE_CODE: return "javascript";
    case BSON_TYPE_SYMBOL: return "symbol";
    case BSON_TYPE_CODEWSCOPE: return "javascriptWithScope";
    case BSON_TYPE_INT32: return "int";
    case BSON_TYPE_TIMESTAMP: return "timestamp";
    case BSON_TYPE_INT64: return "long";
    case BSON_TYPE_DECIMAL128: return "decimal";
    case BSON_TYPE_MINKEY: return "minKey";
    case BSON_TYPE_MAXKEY: return "maxKey";
    default: return "missing";
  }
}

void AppendStringArray(bson_t* doc, std::string_view key, const std::vector<std::string>& values) {
  bson_t array;
  bson_append_array_begin(doc, key.data(), static_cast<int>(key.size()), &array);
  char index[16];
  for (size_t i = 0; i < values.size(); ++i) {
    const char* name = nullptr;
    size_t len = bson_uint32_to_string(static_cast<uint32_t>(i), &name, index, sizeof index);
    bson_append_utf8(&array, name, static_cast<int>(len), values[i].data(),
                     static_cast<int>(values[i].size()));
  }
  bson_append_array_end(doc, &array);
}

}  // namespace basalt
