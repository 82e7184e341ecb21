// Reply shapes of createIndexes, listIndexes and dropIndexes, run through the
// dispatcher against an in-memory engine.
#include <catch2/catch.hpp>

#include "tests/unit/commands/catalog_test_util.h"

using namespace basalt;
using namespace basalt::commands;
using namespace basalt::commands::testing;

TEST_CASE("createIndexes creates the collection, then reports indexes that already exist") {
  Catalog c;
  CHECK(c.Run(R"({"createIndexes": "users", "indexes": [{"key": {"email": 1}, "name": "email_1",
                  "unique": true}], "$db": "test"})") ==
        R"({ "numIndexesBefore" : 1, "numIndexesAfter" : 2, )"
        R"("createdCollectionAutomatically" : true, "ok" : 1.0 })");
  CHECK(c.Run(R"({"createIndexes": "users", "indexes": [{"key": {"email": 1}, "name": "email_1",
                  "unique": true}], "$db": "test"})") ==
        R"({ "numIndexesBefore" : 2, "numIndexesAfter" : 2, "note" : "all indexes already exist", )"
        R"("ok" : 1.0 })");
  CHECK(c.Run(R"({"createIndexes": "users", "indexes": [{"key": {"email": 1}, "name": "email_1",
                  "unique": true}, {"key": {"age": -1}, "name": "age_-1"}], "$db": "test"})") ==
        R"({ "numIndexesBefore" : 2, "numIndexesAfter" : 3, )"
        R"("createdCollectionAutomatically" : false, "note" : "index already exists", )"
        R"("ok" : 1.0 })");
  CHECK(c.Run(R"({"createIndexes": "fresh", "indexes": [{"key": {"_id": 1}, "name": "_id_"}],
                  "$db": "test"})") ==
        R"({ "numIndexesBefore" : 1, "numIndexesAfter" : 1, )"
        R"("createdCollectionAutomatically" : true, "note" : "all indexes already exist", )"
        R"("ok" : 1.0 })");
  CHECK(c.Run(R"({"listIndexes": "users", "cursor": {}, "$db": "test"})") ==
        R"({ "cursor" : { "id" : 0L, "ns" : "test.users", "firstBatch" : [ )"
        R"({ "v" : 2, "key" : { "_id" : 1 }, "name" : "_id_" }, )"
        R"({ "v" : 2, "unique" : true, "key" : { "email" : 1 }, "name" : "email_1" }, )"
        R"({ "v" : 2, "key" : { "age" : -1 }, "name" : "age_-1" } ] }, "ok" : 1.0 })");
  CHECK(c.Run(R"({"listIndexes": "nope", "$db": "test"})") ==
        Error(26, "NamespaceNotFound", "ns does not exist: test.nope"));
}

TEST_CASE("createIndexes validates its arguments and specs as mongod does") {
  Catalog c;
  CHECK(c.Run(R"({"createIndexes": "c", "$db": "test"})") ==
        Error(40414, "Location40414",
              "BSON field 'createIndexes.indexes' is missing but a required field"));
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": [], "$db": "test"})") ==
        Error(2, "BadValue", "Must specify at least one index to create"));
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": {}, "$db": "test"})") ==
        Error(14, "TypeMismatch",
              "BSON field 'createIndexes.indexes' is the wrong type 'object', expected type "
              "'array'"));
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": ["x"], "$db": "test"})") ==
        Error(14, "TypeMismatch",
              "BSON field 'createIndexes.indexes.0' is the wrong type 'string', expected type "
              "'object'"));
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": null, "$db": "test"})") ==
        Error(10065, "Location10065", "invalid parameter: expected an object (indexes)"));
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"v": 1}}], "$db": "test"})") ==
        Error(9, "FailedToParse",
              "Error in specification { key: { v: 1 } } :: caused by :: The 'name' field is a "
              "required property of an index specification"));
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"v": -1}, "name": ""}],
                  "$db": "test"})") ==
        Error(67, "CannotCreateIndex",
              R"(Error in specification { key: { v: -1 }, name: \"\", v: 2 } :: caused by :: )"
              "index name cannot be empty"));
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"z": 0}, "name": "z_0"}],
                  "$db": "test"})") ==
        Error(67, "CannotCreateIndex",
              R"(Error in specification { key: { z: 0 }, name: \"z_0\" } :: caused by :: )"
              "Values in the index key pattern cannot be 0."));
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"_id": 1}, "name": "_id_",
                  "unique": true}], "$db": "test"})") ==
        Error(197, "InvalidIndexSpecificationOption",
              R"(The field 'unique' is not valid for an _id index specification. Specification: )"
              R"({ key: { _id: 1 }, name: \"_id_\", unique: true, v: 2 })"));
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "_id_"}],
                  "$db": "test"})") ==
        Error(2, "BadValue",
              "The index name '_id_' is reserved for the _id index, which must have key pattern "
              "{_id: 1}, found key: { a: 1 }"));
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "*"}],
                  "$db": "test"})") == Error(2, "BadValue", "The index name '*' is not valid."));
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1"}],
                  "commitQuorum": "majority", "$db": "test"})") ==
        Error(2, "BadValue", "Standalones can't specify commitQuorum"));
  CHECK(c.Run(R"({"createIndexes": "c$", "indexes": [{"key": {"a": 1}, "name": "a_1"}],
                  "$db": "test"})") ==
        Error(73, "InvalidNamespace", "Invalid collection name: c$"));
  // None of the failures above created the collection.
  CHECK(c.engine->GetCollection("test", "c") == nullptr);
}

TEST_CASE("createIndexes on a new collection checks each spec against the ones before it") {
  Catalog c;
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"v": 1}, "name": "v_1"},
                  {"key": {"v": 1}, "name": "v_1"}], "$db": "test"})") ==
        Error(68, "IndexAlreadyExists", "Identical index already exists: v_1"));
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"foo": -1}, "name": "n"},
                  {"key": {"bar": -1}, "name": "n"}], "$db": "test"})") ==
        Error(86, "IndexKeySpecsConflict",
              "An existing index has the same name as the requested index. When index names are "
              "not specified, they are auto generated and can cause conflicts. Please refer to "
              R"(our documentation. Requested index: { v: 2, key: { bar: -1 }, name: \"n\" }, )"
              R"(existing index: { v: 2, key: { foo: -1 }, name: \"n\" })"));
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"v": -1}, "name": "foo"},
                  {"key": {"v": -1}, "name": "bar"}], "$db": "test"})") ==
        Error(85, "IndexOptionsConflict", "Index already exists with a different name: foo"));
  CHECK(c.engine->GetCollection("test", "c") == nullptr);
}

TEST_CASE("an index build over existing documents fails whole, with the build's context") {
  Catalog c;
  c.Insert("c", R"({"_id": 1, "a": 1, "b": 1})");
  c.Insert("c", R"({"_id": 2, "a": 1, "b": 2})");
  const std::string reply =
      c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"b": 1}, "name": "b_1"},
                {"key": {"a": 1}, "name": "a_1", "unique": true}], "$db": "test"})");
  const std::string uuid = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";
  CHECK(std::regex_match(
      reply, std::regex(R"(\{ "ok" : 0\.0, "errmsg" : "Index build failed: )" + uuid +
                        R"(: Collection test\.c \( [0-9a-f-]{36} \) :: caused by :: E11000 )"
                        R"(duplicate key error collection: test\.c index: a_1 dup key: )"
                        R"(\{ a: 1 \}", "code" : 11000, "codeName" : "DuplicateKey", )"
                        R"("keyPattern" : \{ "a" : 1 \}, "keyValue" : \{ "a" : 1 \}, )"
                        R"("duplicateGroups" : 1 \})")));
  // All or nothing: b_1, built first, is gone again.
  CHECK(c.IndexNames("c") == "_id_ ");
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"v": 1}, "name": "v_1"},
                  {"key": {"v": 1}, "name": "v_1"}], "$db": "test"})")
            .find("Collection test.c ( ") != std::string::npos);
  CHECK(c.IndexNames("c") == "_id_ ");
}

TEST_CASE("dropIndexes by name, key pattern, list and '*'") {
  Catalog c;
  c.Insert("c", R"({"_id": 1})");
  c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1"},
            {"key": {"b": 1}, "name": "b_1"}, {"key": {"c": 1}, "name": "c_1"},
            {"key": {"d": 1}, "name": "d_1"}], "$db": "test"})");
  REQUIRE(c.IndexNames("c") == "_id_ a_1 b_1 c_1 d_1 ");
  CHECK(c.Run(R"({"dropIndexes": "c", "index": "a_1", "$db": "test"})") ==
        R"({ "nIndexesWas" : 5, "ok" : 1.0 })");
  CHECK(c.Run(R"({"dropIndexes": "c", "index": {"b": 1}, "$db": "test"})") ==
        R"({ "nIndexesWas" : 4, "ok" : 1.0 })");
  CHECK(c.Run(R"({"dropIndexes": "c", "index": ["c_1", "nope"], "$db": "test"})") ==
        Error(27, "IndexNotFound", "index not found with name [nope]"));
  CHECK(c.IndexNames("c") == "_id_ c_1 d_1 ");
  CHECK(c.Run(R"({"dropIndexes": "c", "index": ["c_1"], "$db": "test"})") ==
        R"({ "nIndexesWas" : 3, "ok" : 1.0 })");
  CHECK(c.Run(R"({"dropIndexes": "c", "index": "*", "$db": "test"})") ==
        R"({ "nIndexesWas" : 2, "msg" : "non-_id indexes dropped for collection", "ok" : 1.0 })");
  CHECK(c.IndexNames("c") == "_id_ ");
}

TEST_CASE("dropIndexes refuses the _id index and reports mongod's errors") {
  Catalog c;
  c.Insert("c", R"({"_id": 1})");
  CHECK(c.Run(R"({"dropIndexes": "c", "index": "_id_", "$db": "test"})") ==
        Error(72, "InvalidOptions", "cannot drop _id index"));
  CHECK(c.Run(R"({"dropIndexes": "c", "index": {"_id": 1}, "$db": "test"})") ==
        Error(72, "InvalidOptions", "cannot drop _id index"));
  CHECK(c.Run(R"({"dropIndexes": "c", "index": {"_id": -1}, "$db": "test"})") ==
        Error(27, "IndexNotFound", "can't find index with key: { _id: -1 }"));
  CHECK(c.Run(R"({"dropIndexes": "c", "index": "x_1", "$db": "test"})") ==
        Error(27, "IndexNotFound", "index not found with name [x_1]"));
  CHECK(c.Run(R"({"dropIndexes": "c", "index": true, "$db": "test"})") ==
        Error(14, "TypeMismatch",
              "BSON field 'dropIndexes.index' is the wrong type 'bool', expected types '[string, "
              "object']"));
  CHECK(c.Run(R"({"dropIndexes": "c", "index": [1], "$db": "test"})") ==
        Error(14, "TypeMismatch",
              "BSON field 'dropIndexes.index' is the wrong type 'array', expected types "
              "'[string']"));
  CHECK(c.Run(R"({"dropIndexes": "c", "$db": "test"})") ==
        Error(40414, "Location40414",
              "BSON field 'dropIndexes.index' is missing but a required field"));
  CHECK(c.Run(R"({"dropIndexes": "nope", "index": "*", "$db": "test"})") ==
        Error(26, "NamespaceNotFound", "ns not found test.nope"));
  CHECK(c.Run(R"({"dropIndexes": 42, "index": "*", "$db": "test"})") ==
        Error(2, "BadValue", "collection name has invalid type int"));
}
