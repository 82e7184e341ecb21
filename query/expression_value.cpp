#include "query/expression_value.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>

#include "query/expression_decimal.h"
#include "query/numbers.h"
#include "storage/key_string.h"

namespace basalt::query {
namespace {

const std::vector<Value>& EmptyArray() {
  static const std::vector<Value> empty;
  return empty;
}

// mongod's canonicalizeBSONType: the brackets values sort in.

}  // namespace

Value Value::Null() {
  Value v;
  v.type_ = BSON_TYPE_NULL;
  return v;
}
Value Value::Undefined() {
  Value v;
  v.type_ = BSON_TYPE_UNDEFINED;
  return v;
}
Value Value::MinKey() {
  Value v;
  v.type_ = BSON_TYPE_MINKEY;
  return v;
}
Value Value::MaxKey() {
  Value v;
  v.type_ = BSON_TYPE_MAXKEY;
  return v;
}
Value Value::Bool(bool b) {
  Value v;
  v.type_ = BSON_TYPE_BOOL;
  v.b_ = b;
  return v;
}
Value Value::Int32(int32_t i) {
  Value v;
  v.type_ = BSON_TYPE_INT32;
  v.i32_ = i;
  return v;
}
Value Value::Int64(int64_t i) {
  Value v;
  v.type_ = BSON_TYPE_INT64;
  v.i64_ = i;
  return v;
}
Value Value::IntOrLong(int64_t i) {
  if (i >= std::numeric_limits<int32_t>::min() && i <= std::numeric_limits<int32_t>::max()) {
    return Int32(static_cast<int32_t>(i));
  }
  return Int64(i);
}
Value Value::Double(double d) {
  Value v;
  v.type_ = BSON_TYPE_DOUBLE;
  v.d_ = d;
  return v;
}
Value Value::Decimal(bson_decimal128_t d) {
  Value v;
  v.type_ = BSON_TYPE_DECIMAL128;
  v.dec_ = d;
  return v;
}
Value Value::Date(int64_t millis) {
  Value v;
  v.type_ = BSON_TYPE_DATE_TIME;
  v.i64_ = millis;
  return v;
}
Value Value::Oid(const bson_oid_t& oid) {
  Value v;
  v.type_ = BSON_TYPE_OID;
  v.oid_ = oid;
  return v;
}
Value Value::Timestamp(uint32_t t, uint32_t i) {
  Value v;
  v.type_ = BSON_TYPE_TIMESTAMP;
  v.ts_.t = t;
  v.ts_.i = i;
  return v;
}
Value Value::String(std::string s) {
  Value v;
  v.type_ = BSON_TYPE_UTF8;
  v.heap_ = std::make_shared<const std::string>(std::move(s));
  return v;
}
Value Value::Document(Bson doc) { return Document(std::make_shared<const Bson>(std::move(doc))); }
Value Value::Document(std::shared_ptr<const Bson> doc) {
  Value v;
  v.type_ = BSON_TYPE_DOCUMENT;
  v.heap_ = std::move(doc);
  return v;
}
Value Value::Array(std::vector<Value> elements) {
  Value v;
  v.type_ = BSON_TYPE_ARRAY;
  v.heap_ = std::make_shared<const std::vector<Value>>(std::move(elements));
  return v;
}
Value Value::Regex(std::string_view pattern, std::string_view options) {
  Bson raw;
  std::string p(pattern), o(options);
  bson_append_regex(raw.get(), "", 0, p.c_str(), o.c_str());
  Value v;
  v.type_ = BSON_TYPE_REGEX;
  v.heap_ = std::make_shared<const Bson>(std::move(raw));
  return v;
}

Value Value::FromIter(const bson_iter_t* it) {
  switch (bson_iter_type(it)) {
    case BSON_TYPE_DOUBLE:
      return Double(bson_iter_double(it));
    case BSON_TYPE_UTF8:
      return String(std::string(Utf8Of(it)));
    case BSON_TYPE_DOCUMENT: {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(it, &len, &data);
      return Document(Bson::CopyBytes(data, len));
    }
    case BSON_TYPE_ARRAY: {
      std::vector<Value> elements;
      bson_iter_t child;
      bson_iter_recurse(it, &child);
      while (bson_iter_next(&child)) elements.push_back(FromIter(&child));
      return Array(std::move(elements));
    }
    case BSON_TYPE_UNDEFINED:
      return Undefined();
    case BSON_TYPE_OID:
      return Oid(*bson_iter_oid(it));
    case BSON_TYPE_BOOL:
      return Bool(bson_iter_bool(it));
    case BSON_TYPE_DATE_TIME:
      return Date(bson_iter_date_time(it));
    case BSON_TYPE_NULL:
      return Null();
    case BSON_TYPE_INT32:
      return Int32(bson_iter_int32(it));
    case BSON_TYPE_TIMESTAMP: {
      uint32_t t = 0, i = 0;
      bson_iter_timestamp(it, &t, &i);
      return Timestamp(t, i);
    }
    case BSON_TYPE_INT64:
      return Int64(bson_iter_int64(it));
    case BSON_TYPE_DECIMAL128: {
      bson_decimal128_t d;
      bson_iter_decimal128(it, &d);
      return Decimal(d);
    }
    case BSON_TYPE_MINKEY:
      return MinKey();
    case BSON_TYPE_MAXKEY:
      return MaxKey();
    case BSON_TYPE_EOD:
      return Value();
    default: {
      // binData, regex, dbPointer, code, symbol, codeWScope: kept as BSON.
      Bson raw;
      bson_append_value(raw.get(), "", 0, bson_iter_value(const_cast<bson_iter_t*>(it)));
      Value v;
      v.type_ = bson_iter_type(it);
      v.heap_ = std::make_shared<const Bson>(std::move(raw));
      return v;
    }
  }
}

Value Value::FirstOf(const bson_t* doc) {
  bson_iter_t it;
  if (!bson_iter_init(&it, doc) || !bson_iter_next(&it)) return Value();
  return FromIter(&it);
}

std::string_view Value::str() const {
  if (type_ == BSON_TYPE_UTF8) return *static_cast<const std::string*>(heap_.get());
  if (type_ == BSON_TYPE_SYMBOL || type_ == BSON_TYPE_CODE) {
    bson_iter_t it;
    bson_iter_init(&it, static_cast<const Bson*>(heap_.get())->get());
    bson_iter_next(&it);
    uint32_t len = 0;
    const char* s =
        type_ == BSON_TYPE_SYMBOL ? bson_iter_symbol(&it, &len) : bson_iter_code(&it, &len);
    return {s, len};
  }
  return {};
}

const bson_t* Value::doc() const { return static_cast<const Bson*>(heap_.get())->get(); }

std::shared_ptr<const Bson> Value::shared_doc() const {
  return std::static_pointer_cast<const Bson>(heap_);
}

const std::vector<Value>& Value::array() const {
  if (type_ != BSON_TYPE_ARRAY) return EmptyArray();
  return *static_cast<const std::vector<Value>*>(heap_.get());
}

std::string_view Value::regex_pattern() const {
  bson_iter_t it;
  bson_iter_init(&it, static_cast<const Bson*>(heap_.get())->get());
  bson_iter_next(&it);
  const char* options = nullptr;
  return bson_iter_regex(&it, &options);
}

std::string_view Value::regex_options() const {
  bson_iter_t it;
  bson_iter_init(&it, static_cast<const Bson*>(heap_.get())->get());
  bson_iter_next(&it);
  const char* options = nullptr;
  bson_iter_regex(&it, &options);
  return options;
}

void Value::AppendTo(bson_t* out, std::string_view key) const {
  const char* k = key.data();
  const int kl = static_cast<int>(key.size());
  switch (type_) {
    case BSON_TYPE_EOD:
      return;
    case BSON_TYPE_NULL:
      bson_append_null(out, k, kl);
      return;
    case BSON_TYPE_UNDEFINED:
      bson_append_undefined(out, k, kl);
      return;
    case BSON_TYPE_MINKEY:
      bson_append_minkey(out, k, kl);
      return;
    case BSON_TYPE_MAXKEY:
      bson_append_maxkey(out, k, kl);
      return;
    case BSON_TYPE_BOOL:
      bson_append_bool(out, k, kl, b_);
      return;
    case BSON_TYPE_INT32:
      bson_append_int32(out, k, kl, i32_);
      return;
    case BSON_TYPE_INT64:
      bson_append_int64(out, k, kl, i64_);
      return;
    case BSON_TYPE_DOUBLE:
      bson_append_double(out, k, kl, d_);
      return;
    case BSON_TYPE_DECIMAL128:
      bson_append_decimal128(out, k, kl, &dec_);
      return;
    case BSON_TYPE_DATE_TIME:
      bson_append_date_time(out, k, kl, i64_);
      return;
    case BSON_TYPE_OID:
      bson_append_oid(out, k, kl, &oid_);
      return;
    case BSON_TYPE_TIMESTAMP:
      bson_append_timestamp(out, k, kl, ts_.t, ts_.i);
      return;
    case BSON_TYPE_UTF8: {
      const std::string& s = *static_cast<const std::string*>(heap_.get());
      bson_append_utf8(out, k, kl, s.data(), static_cast<int>(s.size()));
      return;
    }
    case BSON_TYPE_DOCUMENT:
      bson_append_document(out, k, kl, doc());
      return;
    case BSON_TYPE_ARRAY: {
      bson_t child;
      bson_append_array_begin(out, k, kl, &child);
      char buf[16];
      uint32_t i = 0;
      for (const Value& e : array()) {
        const char* name = nullptr;
        size_t len = bson_uint32_to_string(i++, &name, buf, sizeof buf);
        e.AppendTo(&child, std::string_view(name, len));
      }
      bson_append_array_end(out, &child);
      return;
    }
    default: {
      bson_iter_t it;
      bson_iter_init(&it, static_cast<const Bson*>(heap_.get())->get());
      bson_iter_next(&it);
      bson_append_value(out, k, kl, bson_iter_value(&it));
      return;
    }
  }
}

Bson Value::ToElementDoc() const {
  Bson out;
  AppendTo(out.get(), "");
  return out;
}

}  // namespace basalt::query
