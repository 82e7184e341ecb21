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

// Reads a document stored at `data` without copying it. The bytes must outlive
// the view and must have been validated (or built by libbson).
inline bson_t ViewOf(const uint8_t* data, uint32_t len) {
  bson_t view;
  bson_init_static(&view, data, len);
  return view;
}

inline std::string_view KeyOf(const bson_iter_t* it) {
  return {bson_iter_key(it), bson_iter_key_len(it)};
}

inline std::string_view Utf8Of(const bson_iter_t* it) {
  uint32_t len = 0;
  const char* s = bson_iter_utf8(it, &len);
  return {s, len};
}

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
