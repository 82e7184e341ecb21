// Helpers for the matcher's table-driven tests: documents written as
// extended JSON, rows of (filter, document, expected) and (filter, code,
// message), each checked with the row in the failure message.
#pragma once

#include <bson/bson.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "base/bson.h"
#include "query/matcher.h"

namespace basalt::query::testing {

// libbson's JSON reader takes {"$regex": ..}, {"$options": ..} and {"$type": ..}
// for legacy extended-JSON values, so tests spell those operators with '%';
// this turns every key starting with '%' into one starting with '$'.
inline void CopyRenaming(const bson_t* src, bson_t* dst) {
  bson_iter_t it;
  bson_iter_init(&it, src);
  while (bson_iter_next(&it)) {
    std::string key(bson_iter_key(&it), bson_iter_key_len(&it));
    if (!key.empty() && key[0] == '%') key[0] = '$';
    const int key_len = static_cast<int>(key.size());
    if (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      const bool is_array = BSON_ITER_HOLDS_ARRAY(&it);
      if (is_array) {
        bson_iter_array(&it, &len, &data);
      } else {
        bson_iter_document(&it, &len, &data);
      }
      BsonView sub(data, len);
      bson_t child;
      if (is_array) {
        bson_append_array_begin(dst, key.data(), key_len, &child);
        CopyRenaming(sub.get(), &child);
        bson_append_array_end(dst, &child);
      } else {
        bson_append_document_begin(dst, key.data(), key_len, &child);
        CopyRenaming(sub.get(), &child);
        bson_append_document_end(dst, &child);
      }
    } else {
      bson_append_iter(dst, key.data(), key_len, &it);
    }
  }
}

inline Bson Doc(const std::string& json) {
  bson_error_t error;
  bson_t* parsed = bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()),
                                      static_cast<ssize_t>(json.size()), &error);
  INFO(json << ": " << error.message);
  REQUIRE(parsed != nullptr);
  Bson out;
  CopyRenaming(parsed, out.get());
  bson_destroy(parsed);
  return out;
}

// A regex value: /pattern/flags.
inline std::string Re(const std::string& pattern, const std::string& flags = "") {
  return R"({"$regularExpression": {"pattern": ")" + pattern + R"(", "options": ")" + flags +
         R"("}})";
}

struct Row {
  std::string filter;
  std::string doc;
  bool match;
};

inline void CheckRows(const std::vector<Row>& rows, const MatcherOptions& options = {}) {
  for (const Row& row : rows) {
    INFO("filter " << row.filter << "\ndocument " << row.doc);
    Bson filter = Doc(row.filter);
    auto matcher = Matcher::Parse(filter.get(), options);
    INFO(matcher.status().ToString());
    REQUIRE(matcher.ok());
    Bson doc = Doc(row.doc);
    CHECK(matcher.value()->Matches(doc.get()) == row.match);
  }
}

struct ErrorRow {
  std::string filter;
  int code;
  std::string message;
};

inline void CheckErrors(const std::vector<ErrorRow>& rows, const MatcherOptions& options = {}) {
  for (const ErrorRow& row : rows) {
    INFO("filter " << row.filter);
    Bson filter = Doc(row.filter);
    auto matcher = Matcher::Parse(filter.get(), options);
    REQUIRE_FALSE(matcher.ok());
    CHECK(matcher.status().code() == row.code);
    CHECK(matcher.status().reason() == row.message);
  }
}

}  // namespace basalt::query::testing
