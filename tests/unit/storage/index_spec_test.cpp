#include "storage/index_spec.h"

#include <bson/bson.h>

#include <catch2/catch.hpp>
#include <string>

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

Status ParseStatus(const std::string& json) {
  Bson spec = Json(json);
  auto parsed = IndexSpec::Parse(spec.get());
  return parsed.ok() ? Status::OK() : parsed.status();
}

std::shared_ptr<const IndexSpec> Parse(const std::string& json) {
  Bson spec = Json(json);
  auto parsed = IndexSpec::Parse(spec.get());
  INFO(json << ": " << (parsed.ok() ? "" : parsed.status().ToString()));
  REQUIRE(parsed.ok());
  return parsed.value();
}

}  // namespace

TEST_CASE("index specs are normalized as mongod stores them", "[index_spec]") {
  auto spec = Parse(R"({"key": {"email": 1}, "name": "email_1", "unique": 1, "sparse": true})");
  CHECK(ShellString(spec->spec()) ==
        R"({ v: 2, unique: true, key: { email: 1 }, name: "email_1", sparse: true })");
  CHECK(spec->unique());
  CHECK(spec->sparse());
  CHECK(spec->fields() == std::vector<std::string>{"email"});

  auto plain = Parse(R"({"key": {"a": 1, "b": -1}, "name": "a_1_b_-1", "unique": false})");
  CHECK(ShellString(plain->spec()) == R"({ v: 2, key: { a: 1, b: -1 }, name: "a_1_b_-1" })");
  CHECK(plain->descending() == std::vector<bool>{false, true});

  auto id = Parse(R"({"key": {"_id": 1}, "name": "whatever"})");
  CHECK(id->name() == "_id_");
  CHECK(id->unique());
}

TEST_CASE("invalid index specs get mongod's codes and messages", "[index_spec]") {
  struct Case {
    const char* spec;
    int code;
    const char* message;
  } cases[] = {
      {R"({"key": {"a": 0}, "name": "a"})", 67, "Values in the index key pattern cannot be 0."},
      {R"({"key": {"a": true}, "name": "a"})", 67,
       "Values in v:2 index key pattern cannot be of type bool. Only numbers > 0, numbers < 0, "
       "and strings are allowed."},
      {R"({"key": {"a": {"b": 1}}, "name": "a"})", 67,
       "Values in v:2 index key pattern cannot be of type object. Only numbers > 0, numbers < 0, "
       "and strings are allowed."},
      {R"({"key": {}, "name": "a"})", 67, "Index keys cannot be empty."},
      {R"({"key": {"a": "foo"}, "name": "a"})", 67, "Unknown index plugin 'foo'"},
      {R"({"key": {"a..b": 1}, "name": "a"})", 67, "Index keys cannot contain an empty field."},
      {R"({"key": {"$a": 1}, "name": "a"})", 67,
       "Index key contains an illegal field name: field name starts with '$'."},
      {R"({"key": {"a": "text"}, "name": "a"})", 67,
       "Index type 'text' is not supported by Basalt yet"},
      {R"({"key": {"a": "hashed"}, "name": "a"})", 67,
       "Index type 'hashed' is not supported by Basalt yet"},
      {R"({"key": {"a": "2dsphere"}, "name": "a"})", 67,
       "Index type '2dsphere' is not supported by Basalt yet"},
      {R"({"key": {"a": 1}})", 9,
       "The 'name' field is a required property of an index specification"},
      {R"({"name": "a"})", 9, "The 'key' field is a required property of an index specification"},
      {R"({"key": {"a": 1}, "name": "a", "foo": 1})", 197,
       R"(The field 'foo' is not valid for an index specification. Specification: { key: { a: 1 }, name: "a", foo: 1 })"},
      {R"({"key": {"a": 1}, "name": "a", "unique": "yes"})", 14,
       R"(The field 'unique has value unique: "yes", which is not convertible to bool)"},
      {R"({"key": {"a": 1}, "name": "a", "sparse": true, "partialFilterExpression": {"a": 1}})", 67,
       R"(cannot mix "partialFilterExpression" and "sparse" options)"},
      {R"({"key": {"_id": 1}, "name": "_id_", "unique": true})", 197,
       R"(The field 'unique' is not valid for an _id index specification. Specification: { key: { _id: 1 }, name: "_id_", unique: true })"},
  };
  for (const auto& c : cases) {
    Status st = ParseStatus(c.spec);
    INFO(c.spec);
    CHECK(st.code() == c.code);
    CHECK(st.reason() == c.message);
  }
}

TEST_CASE("index conflicts follow compareIndexOptions", "[index_spec]") {
  std::vector<std::shared_ptr<const IndexSpec>> existing{
      IndexSpec::IdIndex(), Parse(R"({"key": {"email": 1}, "name": "email_1"})")};

  Status same =
      CheckIndexConflicts(*Parse(R"({"key": {"email": 1}, "name": "email_1"})"), existing);
  CHECK(same.code() == ErrorCodes::IndexAlreadyExists);

  Status sparse = CheckIndexConflicts(
      *Parse(R"({"key": {"email": 1}, "name": "email_1", "sparse": true})"), existing);
  CHECK(sparse.code() == ErrorCodes::IndexKeySpecsConflict);
  CHECK(
      sparse.reason() ==
      "An existing index has the same name as the requested index. When index names are not "
      "specified, they are auto generated and can cause conflicts. Please refer to our "
      R"(documentation. Requested index: { v: 2, key: { email: 1 }, name: "email_1", sparse: true }, )"
      R"(existing index: { v: 2, key: { email: 1 }, name: "email_1" })");

  Status hidden = CheckIndexConflicts(
      *Parse(R"({"key": {"email": 1}, "name": "email_1", "hidden": true})"), existing);
  CHECK(hidden.code() == ErrorCodes::IndexOptionsConflict);

  Status other_name =
      CheckIndexConflicts(*Parse(R"({"key": {"email": 1}, "name": "x"})"), existing);
  CHECK(other_name.code() == ErrorCodes::IndexOptionsConflict);
  CHECK(other_name.reason() == "Index already exists with a different name: email_1");

  // Same key, different uniqueness: a different index, allowed.
  CHECK(
      CheckIndexConflicts(*Parse(R"({"key": {"email": 1}, "name": "u", "unique": true})"), existing)
          .ok());
  // {_id: 1} is always the _id index.
  CHECK(CheckIndexConflicts(*Parse(R"({"key": {"_id": 1}, "name": "x"})"), existing).code() ==
        ErrorCodes::IndexAlreadyExists);
}
