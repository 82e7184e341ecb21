// Value's coercions, printing and ordering: mongod's coerceTo*, Value::toString
// and Value::compare.

#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <limits>

#include "query/expression_decimal.h"
#include "query/expression_value.h"
#include "query/numbers.h"
#include "storage/key_string.h"

namespace basalt::query {
namespace {

int Sign(int64_t a, int64_t b) { return a < b ? -1 : (a > b ? 1 : 0); }

int CompareDoubles(double a, double b) {
  if (a < b) return -1;
  if (a > b) return 1;
  if (std::isnan(a)) return std::isnan(b) ? 0 : -1;
  if (std::isnan(b)) return 1;
  return 0;
}

std::string IsoDate(int64_t millis) {
  int64_t secs = millis / 1000;
  int64_t ms = millis % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  time_t t = static_cast<time_t>(secs);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

}  // namespace

bool Value::CoerceToBool() const {
  switch (type_) {
    case BSON_TYPE_EOD:
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
      return false;
    case BSON_TYPE_BOOL:
      return b_;
    case BSON_TYPE_INT32:
      return i32_ != 0;
    case BSON_TYPE_INT64:
      return i64_ != 0;
    case BSON_TYPE_DOUBLE:
      return d_ != 0;  // NaN is true, as in mongod
    case BSON_TYPE_DECIMAL128:
      return !decimal::IsZero(dec_);
    default:
      return true;
  }
}

double Value::CoerceToDouble() const {
  switch (type_) {
    case BSON_TYPE_INT32:
      return i32_;
    case BSON_TYPE_INT64:
      return static_cast<double>(i64_);
    case BSON_TYPE_DOUBLE:
      return d_;
    case BSON_TYPE_DECIMAL128:
      return decimal::ToDouble(dec_);
    default:
      return 0;
  }
}

int64_t Value::CoerceToLong() const {
  switch (type_) {
    case BSON_TYPE_INT32:
      return i32_;
    case BSON_TYPE_INT64:
      return i64_;
    case BSON_TYPE_DOUBLE: {
      // mongod casts; clamp instead of invoking undefined behaviour.
      if (std::isnan(d_)) return 0;
      if (d_ >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
      if (d_ <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
      return static_cast<int64_t>(d_);
    }
    case BSON_TYPE_DECIMAL128:
      return decimal::ToInt64(dec_, decimal::Rounding::kTowardZero).value_or(0);
    default:
      return 0;
  }
}

int32_t Value::CoerceToInt() const {
  int64_t v = CoerceToLong();
  return static_cast<int32_t>(v);
}

bson_decimal128_t Value::CoerceToDecimal() const {
  switch (type_) {
    case BSON_TYPE_INT32:
      return decimal::FromInt64(i32_);
    case BSON_TYPE_INT64:
      return decimal::FromInt64(i64_);
    case BSON_TYPE_DOUBLE:
      return decimal::FromDouble(d_);
    case BSON_TYPE_DECIMAL128:
      return dec_;
    default:
      return decimal::FromInt64(0);
  }
}

bool Value::Integral() const {
  switch (type_) {
    case BSON_TYPE_INT32:
      return true;
    case BSON_TYPE_INT64:
      return i64_ >= std::numeric_limits<int32_t>::min() &&
             i64_ <= std::numeric_limits<int32_t>::max();
    case BSON_TYPE_DOUBLE:
      return d_ == std::trunc(d_) && d_ >= std::numeric_limits<int32_t>::min() &&
             d_ <= std::numeric_limits<int32_t>::max();
    case BSON_TYPE_DECIMAL128: {
      query::Decimal parts = query::Decimal::From(dec_);
      if (!parts.IsIntegral()) return false;
      auto v = parts.TruncatedInt64();
      return v && *v >= std::numeric_limits<int32_t>::min() &&
             *v <= std::numeric_limits<int32_t>::max();
    }
    default:
      return false;
  }
}

bool Value::Integral64() const {
  switch (type_) {
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
      return true;
    case BSON_TYPE_DOUBLE:
      return d_ == std::trunc(d_) && d_ >= -9223372036854775808.0 && d_ < 9223372036854775808.0;
    case BSON_TYPE_DECIMAL128: {
      query::Decimal parts = query::Decimal::From(dec_);
      return parts.IsIntegral() && parts.TruncatedInt64().has_value();
    }
    default:
      return false;
  }
}

bool Value::CoercibleToDate() const {
  return type_ == BSON_TYPE_DATE_TIME || type_ == BSON_TYPE_TIMESTAMP || type_ == BSON_TYPE_OID;
}

int64_t Value::CoerceToDate() const {
  switch (type_) {
    case BSON_TYPE_DATE_TIME:
      return i64_;
    case BSON_TYPE_TIMESTAMP:
      return static_cast<int64_t>(ts_.t) * 1000;
    case BSON_TYPE_OID:
      return static_cast<int64_t>(bson_oid_get_time_t(&oid_)) * 1000;
    default:
      return 0;
  }
}

StatusWith<std::string> Value::CoerceToString() const {
  switch (type_) {
    case BSON_TYPE_DOUBLE:
      return FormatDoubleG(d_);
    case BSON_TYPE_INT32:
      return std::to_string(i32_);
    case BSON_TYPE_INT64:
      return std::to_string(i64_);
    case BSON_TYPE_DECIMAL128:
      return decimal::ToString(dec_);
    case BSON_TYPE_UTF8:
    case BSON_TYPE_SYMBOL:
    case BSON_TYPE_CODE:
      return std::string(str());
    case BSON_TYPE_TIMESTAMP:
      // Timestamp::toStringPretty: the seconds as a local time, then the increment.
      return IsoDate(static_cast<int64_t>(ts_.t) * 1000).substr(0, 19) + ":" +
             std::to_string(ts_.i);
    case BSON_TYPE_DATE_TIME:
      return IsoDate(i64_);
    case BSON_TYPE_EOD:
    case BSON_TYPE_NULL:
    case BSON_TYPE_UNDEFINED:
      return std::string();
    default:
      return Status(16007,
                    "can't convert from BSON type " + std::string(TypeName(type_)) + " to String");
  }
}

std::string Value::ToString() const {
  switch (type_) {
    case BSON_TYPE_EOD:
      return "MISSING";
    case BSON_TYPE_MINKEY:
      return "MinKey";
    case BSON_TYPE_MAXKEY:
      return "MaxKey";
    case BSON_TYPE_OID: {
      char hex[25];
      bson_oid_to_string(&oid_, hex);
      return hex;
    }
    case BSON_TYPE_UTF8:
      return "\"" + std::string(str()) + "\"";
    case BSON_TYPE_REGEX:
      return "/" + std::string(regex_pattern()) + "/" + std::string(regex_options());
    case BSON_TYPE_SYMBOL:
      return "Symbol(\"" + std::string(str()) + "\")";
    case BSON_TYPE_CODE:
      return "Code(\"" + std::string(str()) + "\")";
    case BSON_TYPE_BOOL:
      return b_ ? "true" : "false";
    case BSON_TYPE_DECIMAL128:
      return decimal::ToString(dec_);
    case BSON_TYPE_DOUBLE:
      return FormatDoubleG(d_);
    case BSON_TYPE_INT64:
      return std::to_string(i64_);
    case BSON_TYPE_INT32:
      return std::to_string(i32_);
    case BSON_TYPE_NULL:
      return "null";
    case BSON_TYPE_UNDEFINED:
      return "undefined";
    case BSON_TYPE_DATE_TIME:
      return IsoDate(i64_);
    case BSON_TYPE_TIMESTAMP:
      return "Timestamp(" + std::to_string(ts_.t) + ", " + std::to_string(ts_.i) + ")";
    case BSON_TYPE_DOCUMENT: {
      std::string out = "{";
      bson_iter_t it;
      bson_iter_init(&it, doc());
      bool first = true;
      while (bson_iter_next(&it)) {
        if (!first) out += ", ";
        first = false;
        out += std::string(KeyOf(&it)) + ": " + FromIter(&it).ToString();
      }
      return out + "}";
    }
    case BSON_TYPE_ARRAY: {
      std::string out = "[";
      bool first = true;
      for (const Value& e : array()) {
        if (!first) out += ", ";
        first = false;
        out += e.ToString();
      }
      return out + "]";
    }
    default: {
      bson_iter_t it;
      bson_iter_init(&it, static_cast<const Bson*>(heap_.get())->get());
      bson_iter_next(&it);
      return ElementString(&it).substr(2);  // drop the empty field name's ": "
    }
  }
}

size_t Value::ApproximateSize() const {
  size_t size = sizeof(Value);
  switch (type_) {
    case BSON_TYPE_UTF8:
      return size + sizeof(std::string) + str().size();
    case BSON_TYPE_DOCUMENT:
      return size + sizeof(Bson) + doc()->len;
    case BSON_TYPE_ARRAY:
      size += sizeof(std::vector<Value>);
      for (const Value& e : array()) size += e.ApproximateSize();
      return size;
    default:
      if (heap_) size += sizeof(Bson) + static_cast<const Bson*>(heap_.get())->size();
      return size;
  }
}

int CompareValues(const Value& a, const Value& b) {
  const bson_type_t ta = a.type(), tb = b.type();
  const int ca = CanonicalType(ta), cb = CanonicalType(tb);
  if (ca != cb) return ca < cb ? -1 : 1;
  switch (ta) {
    case BSON_TYPE_EOD:
    case BSON_TYPE_UNDEFINED:
    case BSON_TYPE_NULL:
    case BSON_TYPE_MINKEY:
    case BSON_TYPE_MAXKEY:
      return 0;
    case BSON_TYPE_INT32:
    case BSON_TYPE_INT64:
      if (tb == BSON_TYPE_INT32 || tb == BSON_TYPE_INT64) {
        return Sign(a.CoerceToLong(), b.CoerceToLong());
      }
      break;
    case BSON_TYPE_DOUBLE:
      if (tb == BSON_TYPE_DOUBLE) return CompareDoubles(a.dbl(), b.dbl());
      break;
    case BSON_TYPE_UTF8:
      if (tb == BSON_TYPE_UTF8) {
        int c = a.str().compare(b.str());
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
      }
      break;
    case BSON_TYPE_BOOL:
      return Sign(a.boolean(), b.boolean());
    case BSON_TYPE_DATE_TIME:
      return Sign(a.date(), b.date());
    case BSON_TYPE_OID: {
      int c = std::memcmp(a.oid().bytes, b.oid().bytes, 12);
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    default:
      break;
  }
  // Everything else (mixed numbers, documents, arrays...) as the storage
  // layer compares BSON, which is mongod's order.
  Bson da = a.ToElementDoc(), db = b.ToElementDoc();
  bson_iter_t ia, ib;
  bson_iter_init(&ia, da.get());
  bson_iter_init(&ib, db.get());
  bson_iter_next(&ia);
  bson_iter_next(&ib);
  int c = storage::CompareBsonValues(&ia, &ib);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

void AppendValueKey(const Value& v, std::string* out) {
  if (v.missing()) {
    storage::AppendKeyNull(out, false);
    return;
  }
  Bson doc = v.ToElementDoc();
  bson_iter_t it;
  bson_iter_init(&it, doc.get());
  bson_iter_next(&it);
  storage::AppendKeyValue(out, &it, false);
}

std::string_view ValueTypeName(const Value& v) { return TypeName(v.type()); }

DocumentBuilder::DocumentBuilder(const bson_t* doc) {
  bson_iter_t it;
  bson_iter_init(&it, doc);
  while (bson_iter_next(&it)) fields_.emplace_back(std::string(KeyOf(&it)), Value::FromIter(&it));
}

void DocumentBuilder::Set(std::string_view name, Value v) {
  for (auto& [n, value] : fields_) {
    if (n == name) {
      value = std::move(v);
      return;
    }
  }
  fields_.emplace_back(std::string(name), std::move(v));
}

void DocumentBuilder::Remove(std::string_view name) {
  for (auto it = fields_.begin(); it != fields_.end(); ++it) {
    if (it->first == name) {
      fields_.erase(it);
      return;
    }
  }
}

const Value* DocumentBuilder::Get(std::string_view name) const {
  for (const auto& [n, value] : fields_) {
    if (n == name) return &value;
  }
  return nullptr;
}

Bson DocumentBuilder::Build() const {
  Bson out;
  for (const auto& [name, value] : fields_) value.AppendTo(out.get(), name);
  return out;
}

}  // namespace basalt::query
