// Shared by the libFuzzer targets: turning fuzz input into BSON the way the
// server receives it (validated first, as the protocol layer does), and a
// few fixed documents to run parsed queries and updates against.
#pragma once

#include <bson/bson.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/bson.h"
#include "protocol/bson_check.h"

namespace basalt::fuzz {

// The input as one BSON document, if the protocol layer would accept it.
inline std::optional<Bson> DocumentOf(const uint8_t* data, size_t size) {
  auto length = protocol::ReadDocument(data, size);
  if (!length.ok()) return std::nullopt;
  return Bson::CopyBytes(data, length.value());
}

// Documents of mixed shapes (nested documents, arrays of documents, mixed
// types) for matchers, projections and updates to run against.
inline const std::vector<Bson>& SampleDocuments() {
  static const std::vector<Bson> docs = [] {
    std::vector<Bson> out;
    for (const char* json : {
             R"({"_id": 1, "a": 1, "b": "x", "c": [1, 2, {"d": 3}], "e": {"f": [{"g": 1}, {"g": 2}]}})",
             R"({"_id": {"$oid": "0123456789abcdef01234567"}, "a": [[1], null, 2.5], "b": {"$date": 0}})",
             R"({"_id": "s", "a": {"$numberDecimal": "1.5"}, "n": null, "t": true, "arr": []})",
         }) {
      bson_error_t error;
      bson_t* doc = bson_new_from_json(reinterpret_cast<const uint8_t*>(json), -1, &error);
      out.push_back(Bson::Copy(doc));
      bson_destroy(doc);
    }
    return out;
  }();
  return docs;
}

}  // namespace basalt::fuzz
