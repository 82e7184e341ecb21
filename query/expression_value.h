// The values aggregation expressions compute with: mongod's Value
// (src/mongo/db/exec/document_value/value.h) as far as the pipeline needs it.
// A Value is missing (no value at all, mongod's EOO) or one BSON value.
// Scalars are held inline; strings, documents, arrays and the rarer BSON
// types share immutable heap storage, so copying a Value is cheap.
//
// Documents are kept as BSON (they are read far more often than built);
// arrays as a vector of Values (expressions build and slice them).
//
// Thread-safety: a Value is immutable; copies may be used on any thread.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/bson.h"
#include "base/status.h"

namespace basalt::query {

class Value {
 public:
  Value() = default;  // missing

  static Value Null();
  static Value Undefined();
  static Value MinKey();
  static Value MaxKey();
  static Value Bool(bool b);
  static Value Int32(int32_t v);
  static Value Int64(int64_t v);
  // mongod's createIntOrLong: int32 when it fits.
  static Value IntOrLong(int64_t v);
  static Value Double(double v);
  static Value Decimal(bson_decimal128_t v);
  static Value Date(int64_t millis);
  static Value Oid(const bson_oid_t& oid);
  static Value Timestamp(uint32_t t, uint32_t i);
  static Value String(std::string s);
  static Value Document(Bson doc);
  static Value Document(std::shared_ptr<const Bson> doc);
  static Value Array(std::vector<Value> elements);
  static Value Regex(std::string_view pattern, std::string_view options);
  // A deep copy of the element `it` points at (its value, not its name).
  static Value FromIter(const bson_iter_t* it);
  // The first element of `doc`, e.g. a constant kept as {"": v}.
  static Value FirstOf(const bson_t* doc);

  // BSON_TYPE_EOD when missing.
  bson_type_t type() const { return type_; }
  bool missing() const { return type_ == BSON_TYPE_EOD; }
  // Missing, null or undefined: what most operators answer null for.
  bool nullish() const {
    return type_ == BSON_TYPE_EOD || type_ == BSON_TYPE_NULL || type_ == BSON_TYPE_UNDEFINED;
  }
  bool numeric() const {
    return type_ == BSON_TYPE_INT32 || type_ == BSON_TYPE_INT64 || type_ == BSON_TYPE_DOUBLE ||
           type_ == BSON_TYPE_DECIMAL128;
  }
  bool IsArray() const { return type_ == BSON_TYPE_ARRAY; }
  bool IsDocument() const { return type_ == BSON_TYPE_DOCUMENT; }
  bool IsString() const { return type_ == BSON_TYPE_UTF8; }

  // Accessors; each requires the matching type.
  bool boolean() const { return b_; }
  int32_t int32() const { return i32_; }
  int64_t int64() const { return i64_; }
  double dbl() const { return d_; }
  bson_decimal128_t decimal() const { return dec_; }
  int64_t date() const { return i64_; }
  const bson_oid_t& oid() const { return oid_; }
  uint32_t timestamp_t() const { return ts_.t; }
  uint32_t timestamp_i() const { return ts_.i; }
  std::string_view str() const;
  const bson_t* doc() const;
  const std::vector<Value>& array() const;
  std::shared_ptr<const Bson> shared_doc() const;
  // Regex pattern and options (type regex).
  std::string_view regex_pattern() const;
  std::string_view regex_options() const;

  // Appends this value under `key`; nothing when missing.
  void AppendTo(bson_t* out, std::string_view key) const;
  // This value as the only element of a document {"": v}.
  Bson ToElementDoc() const;

  // mongod's coerceToBool: false for missing, null, undefined, false and 0.
  bool CoerceToBool() const;
  // Numeric coercions (the value must be numeric; decimal rounded).
  double CoerceToDouble() const;
  int64_t CoerceToLong() const;
  int32_t CoerceToInt() const;
  bson_decimal128_t CoerceToDecimal() const;
  // mongod's integral(): a number exactly representable as an int32.
  bool Integral() const;
  // ...as an int64.
  bool Integral64() const;
  // mongod's coerceToDate for date, timestamp and objectId.
  bool CoercibleToDate() const;
  int64_t CoerceToDate() const;
  // mongod's coerceToString: numbers, strings, dates, timestamps; "" for
  // nullish. 16007 "can't convert from BSON type <t> to String" otherwise.
  StatusWith<std::string> CoerceToString() const;

  // mongod's Value::toString, used in error messages: "x" quoted, numbers
  // as the shell's %g, {a: 1}, [1, 2], MISSING.
  std::string ToString() const;

  // The number of bytes mongod would account for this value (approximate).
  size_t ApproximateSize() const;

 private:
  bson_type_t type_ = BSON_TYPE_EOD;
  union {
    bson_decimal128_t dec_ = {};  // zeroes all 16 bytes
    bool b_;
    int32_t i32_;
    int64_t i64_;  // int64 and date
    double d_;
    bson_oid_t oid_;
    struct {
      uint32_t t, i;
    } ts_;
  };
  // std::string (utf8), Bson (document, and {"": v} for rarer types), or
  // std::vector<Value> (array).
  std::shared_ptr<const void> heap_;
};

// mongod's Value::compare without collation: <0, 0 or >0. Missing and
// undefined are equal and sort before null; numbers compare by value
// across types.
int CompareValues(const Value& a, const Value& b);
inline bool ValuesEqual(const Value& a, const Value& b) { return CompareValues(a, b) == 0; }

// Appends a key for `v` that is equal for exactly the values CompareValues
// finds equal (1, 1.0 and NumberLong(1) alike), for hashing. Missing and
// null share a key, as they share a $group.
void AppendValueKey(const Value& v, std::string* out);

// mongod's typeName for a value ("missing" when missing).
std::string_view ValueTypeName(const Value& v);

// A document built field by field with mongod's MutableDocument semantics
// as far as pipelines use them: fields keep their first position when set
// again; missing values are dropped when the document is built.
class DocumentBuilder {
 public:
  DocumentBuilder() = default;
  // Starts from the fields of `doc`.
  explicit DocumentBuilder(const bson_t* doc);
  void Set(std::string_view name, Value v);
  // Removes the field (no-op if absent).
  void Remove(std::string_view name);
  const Value* Get(std::string_view name) const;
  bool empty() const { return fields_.empty(); }
  Bson Build() const;
  Value BuildValue() const { return Value::Document(Build()); }

 private:
  std::vector<std::pair<std::string, Value>> fields_;
};

}  // namespace basalt::query
