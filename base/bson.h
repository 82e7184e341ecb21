// RAII ownership of libbson documents, and small helpers the layers share.
//
// `Bson` owns one bson_t (inline storage for small documents, heap beyond).
// It is movable, not implicitly copyable: copies of documents are explicit
// (`Bson::Copy`) because they cost an allocation and a memcpy.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace basalt {

class Bson {
 public:
  Bson() { bson_init(&doc_); }
  ~Bson() { bson_destroy(&doc_); }

  Bson(Bson&& other) noexcept {
    bson_init(&doc_);
    Swap(other);
  }
  Bson& operator=(Bson&& other) noexcept {
    if (this != &other) {
      Bson tmp(std::move(other));
      Swap(tmp);
    }
    return *this;
  }
  Bson(const Bson&) = delete;
  Bson& operator=(const Bson&) = delete;

  // A deep copy of `src`.
  static Bson Copy(const bson_t* src);
  // A deep copy of the document in `data`; the caller has validated it.
  static Bson CopyBytes(const uint8_t* data, uint32_t len);

  bson_t* get() { return &doc_; }
  const bson_t* get() const { return &doc_; }
  const uint8_t* data() const { return bson_get_data(&doc_); }
  uint32_t size() const { return doc_.len; }
  bool empty() const { return bson_count_keys(&doc_) == 0; }

  // Relaxed extended JSON, for logs and test failure messages.
  std::string ToJson() const;

 private:
  void Swap(Bson& other) noexcept;
  bson_t doc_;
};

// Relaxed extended JSON of any document, for logs.
std::string ToJson(const bson_t* doc);

// A read-only bson_t over bytes it does not own (bson_init_static). Such a
// bson_t points into itself, so a copy would dangle: this wrapper can be
// neither copied nor moved (returning one by value still works, as a
// prvalue). The bytes must outlive it and be valid BSON (validated, or built
// by libbson).
class BsonView {
 public:
  BsonView(const uint8_t* data, uint32_t len) { bson_init_static(&doc_, data, len); }
  explicit BsonView(std::string_view bytes)
      : BsonView(reinterpret_cast<const uint8_t*>(bytes.data()),
                 static_cast<uint32_t>(bytes.size())) {}
  BsonView(const BsonView&) = delete;
  BsonView& operator=(const BsonView&) = delete;

  const bson_t* get() const { return &doc_; }

 private:
  bson_t doc_;
};

inline std::string_view KeyOf(const bson_iter_t* it) {
  return {bson_iter_key(it), bson_iter_key_len(it)};
}

inline std::string_view Utf8Of(const bson_iter_t* it) {
  uint32_t len = 0;
  const char* s = bson_iter_utf8(it, &len);
  return {s, len};
}

// mongod's canonicalizeBSONType (src/mongo/bson/bsontypes.h): values of
// different types compare by this rank first (numbers share one, as do
// strings and symbols).
int CanonicalType(bson_type_t type);

// True for int32, int64, double and decimal128.
bool IsNumber(bson_type_t type);

// The value of a numeric element as a double (decimal128 approximated).
double NumberAsDouble(const bson_iter_t* it);

// The value of an int32/int64/double element as int64, truncating doubles
// (mongod's "safe" conversions are applied by callers that need them).
int64_t NumberAsInt64(const bson_iter_t* it);

// Truthiness as mongod reads boolean-ish command options ({ping: 1}, {nameOnly: true}):
// false, 0, null and undefined are false; everything else is true.
bool IsTruthy(const bson_iter_t* it);

// A short name of a BSON type as mongod prints it in errors ("string", "int", "object"...).
std::string_view TypeName(bson_type_t type);

// mongod's appendNumber: int32 when the value fits, int64 otherwise.
inline void AppendNumber(bson_t* doc, std::string_view key, int64_t value) {
  if (value >= INT32_MIN && value <= INT32_MAX) {
    bson_append_int32(doc, key.data(), static_cast<int>(key.size()), static_cast<int32_t>(value));
  } else {
    bson_append_int64(doc, key.data(), static_cast<int>(key.size()), value);
  }
}

inline void AppendUtf8(bson_t* doc, std::string_view key, std::string_view value) {
  bson_append_utf8(doc, key.data(), static_cast<int>(key.size()), value.data(),
                   static_cast<int>(value.size()));
}

// Appends `key: [values...]`.
void AppendStringArray(bson_t* doc, std::string_view key, const std::vector<std::string>& values);

}  // namespace basalt
