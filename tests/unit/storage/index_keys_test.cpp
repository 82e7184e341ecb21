#include "storage/index_keys.h"

#include <bson/bson.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "base/bson_shell.h"

using namespace basalt;
using namespace basalt::storage;

namespace {

Bson Json(const std::string& json) {
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()),
                                   static_cast<ssize_t>(json.size()), &error);
  INFO(json << ": " << error.message);
  REQUIRE(doc != nullptr);
  Bson out = Bson::Copy(doc);
  bson_destroy(doc);
  return out;
}

std::shared_ptr<const IndexSpec> Spec(const std::string& key, bool sparse = false) {
  Bson spec =
      Json(R"({"key": )" + key + R"(, "name": "i")" + (sparse ? R"(, "sparse": true})" : "}"));
  auto parsed = IndexSpec::Parse(spec.get());
  REQUIRE(parsed.ok());
  return parsed.value();
}

// The keys of `doc`, in index order, as shell strings of their keyValue.
std::vector<std::string> Keys(const std::string& key, const std::string& doc_json,
                              bool sparse = false) {
  Bson doc = Json(doc_json);
  IndexKeys keys;
  Status st = GenerateIndexKeys(*Spec(key, sparse), doc.get(), &keys);
  INFO(st.ToString());
  REQUIRE(st.ok());
  std::vector<std::string> out;
  for (size_t i = 0; i < keys.size(); ++i) out.push_back(ShellString(keys.KeyValue(i).get()));
  return out;
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("scalar, missing and nested fields", "[index_keys]") {
  CHECK(Keys(R"({"a": 1})", R"({"_id": 1, "a": 5})") == V{"{ a: 5 }"});
  CHECK(Keys(R"({"a": 1})", R"({"_id": 1})") == V{"{ a: null }"});
  CHECK(Keys(R"({"a.b": 1})", R"({"_id": 1, "a": {"b": "x"}})") == V{R"({ a.b: "x" })"});
  CHECK(Keys(R"({"a.b": 1})", R"({"_id": 1, "a": 3})") == V{"{ a.b: null }"});
  CHECK(Keys(R"({"a": 1, "b": -1})", R"({"_id": 1, "b": 2, "a": 1})") == V{"{ a: 1, b: 2 }"});
}

TEST_CASE("arrays expand to one key per element, deduplicated", "[index_keys]") {
  CHECK(Keys(R"({"a": 1})", R"({"_id": 1, "a": [3, 1, 3, 2]})") ==
        V{"{ a: 1 }", "{ a: 2 }", "{ a: 3 }"});
  CHECK(Keys(R"({"a": 1})", R"({"_id": 1, "a": [1, 1.0]})") == V{"{ a: 1 }"});
  CHECK(Keys(R"({"a": 1})", R"({"_id": 1, "a": []})") == V{"{ a: undefined }"});
  // An element that is an array is one value.
  CHECK(Keys(R"({"a": 1})", R"({"_id": 1, "a": [[1, 2]]})") == V{"{ a: [ 1, 2 ] }"});
  // An element document lacking the field contributes null.
  CHECK(Keys(R"({"a.b": 1})", R"({"_id": 1, "a": [{"b": 2}, {"b": 1}, {"c": 0}]})") ==
        V{"{ a.b: null }", "{ a.b: 1 }", "{ a.b: 2 }"});
  CHECK(Keys(R"({"a.b": 1})", R"({"_id": 1, "a": [{"b": 2}, {"b": 1}]})") ==
        V{"{ a.b: 1 }", "{ a.b: 2 }"});
  CHECK(Keys(R"({"a.b": 1})", R"({"_id": 1, "a": [1, 2]})") == V{"{ a.b: null }"});
  CHECK(Keys(R"({"a.b": 1})", R"({"_id": 1, "a": {"b": [4, 5]}})") ==
        V{"{ a.b: 4 }", "{ a.b: 5 }"});
  CHECK(Keys(R"({"a.0": 1})", R"({"_id": 1, "a": [7, 8]})") == V{"{ a.0: 7 }"});
  CHECK(Keys(R"({"a": 1, "b": 1})", R"({"_id": 1, "a": [1, 2], "b": 9})") ==
        V{"{ a: 1, b: 9 }", "{ a: 2, b: 9 }"});
  // Fields under one array take values from the same element.
  CHECK(
      Keys(R"({"a.b": 1, "a.c": 1})", R"({"_id": 1, "a": [{"b": 1, "c": 2}, {"b": 3, "c": 4}]})") ==
      V{"{ a.b: 1, a.c: 2 }", "{ a.b: 3, a.c: 4 }"});
}

TEST_CASE("two arrays in one compound key are refused as mongod does", "[index_keys]") {
  Bson doc = Json(R"({"_id": 1, "a": [1, 2], "b": [3, 4]})");
  IndexKeys keys;
  Status st = GenerateIndexKeys(*Spec(R"({"a": 1, "b": 1})"), doc.get(), &keys);
  CHECK(st.code() == ErrorCodes::CannotIndexParallelArrays);
  CHECK(st.reason() == "cannot index parallel arrays [b] [a]");
}

TEST_CASE("sparse indexes skip documents missing every key field", "[index_keys]") {
  CHECK(Keys(R"({"a": 1})", R"({"_id": 1})", true).empty());
  CHECK(Keys(R"({"a": 1})", R"({"_id": 1, "a": null})", true) == V{"{ a: null }"});
  CHECK(Keys(R"({"a": 1, "b": 1})", R"({"_id": 1, "b": 2})", true) == V{"{ a: null, b: 2 }"});
}

TEST_CASE("multikey paths name the path components that held arrays", "[index_keys]") {
  struct Row {
    const char* key;
    const char* doc;
    std::vector<uint64_t> paths;  // per key field, bit i: component i
  };
  for (const Row& row : {
           Row{R"({"a": 1})", R"({"a": 1})", {0}},
           Row{R"({"a": 1})", R"({"a": [1, 2]})", {1}},
           Row{R"({"a": 1})", R"({"a": []})", {1}},
           Row{R"({"a": 1})", R"({"a": [[1, 2]]})", {1}},  // the inner array is one key
           Row{R"({"a.b": 1})", R"({"a": [{"b": 1}]})", {1}},
           Row{R"({"a.b": 1})", R"({"a": {"b": [1]}})", {2}},
           Row{R"({"a.b": 1})", R"({"a": [{"b": [1]}]})", {3}},
           Row{R"({"a.0": 1})", R"({"a": [5, 6]})", {0}},  // a position picks one value
           Row{R"({"a": 1, "b": 1})", R"({"a": 1, "b": [1]})", {0, 1}},
           Row{R"({"a.x": 1, "a.y": 1})", R"({"a": [{"x": 1, "y": 2}]})", {1, 1}},
       }) {
    INFO(row.key << " on " << row.doc);
    Bson doc = Json(row.doc);
    IndexKeys keys;
    REQUIRE(GenerateIndexKeys(*Spec(row.key), doc.get(), &keys).ok());
    CHECK(keys.multikey_paths() == row.paths);
  }
}
