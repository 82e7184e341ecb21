// Reply shapes of create, drop, renameCollection, listCollections,
// listDatabases and dropDatabase, run through the dispatcher against an
// in-memory engine. Replies are compared whole, with their BSON types.
#include <catch2/catch.hpp>

#include "tests/unit/commands/catalog_test_util.h"

using namespace basalt;
using namespace basalt::commands;
using namespace basalt::commands::testing;

namespace {

constexpr char kOk[] = R"({ "ok" : 1.0 })";

}  // namespace

TEST_CASE("create makes a collection that listCollections describes as mongod does") {
  Catalog c;
  CHECK(c.Run(R"({"create": "users", "$db": "test"})") == kOk);
  CHECK(c.Run(R"({"create": "users", "$db": "test"})") ==
        Error(48, "NamespaceExists", "Collection test.users already exists."));
  CHECK(c.Run(R"({"listCollections": 1, "$db": "test"})") ==
        R"({ "cursor" : { "id" : 0L, "ns" : "test.$cmd.listCollections", "firstBatch" : [ )"
        R"({ "name" : "users", "type" : "collection", "options" : {  }, "info" : { )"
        R"("readOnly" : false, "uuid" : UUID }, "idIndex" : { "v" : 2, "key" : { "_id" : 1 }, )"
        R"("name" : "_id_" } } ] }, "ok" : 1.0 })");
  CHECK(c.Run(R"({"listCollections": 1, "nameOnly": true, "authorizedCollections": true,
                  "cursor": {"batchSize": 0}, "$db": "test"})") ==
        R"({ "cursor" : { "id" : 0L, "ns" : "test.$cmd.listCollections", "firstBatch" : [ )"
        R"({ "name" : "users", "type" : "collection" } ] }, "ok" : 1.0 })");
  CHECK(c.Run(R"({"listCollections": 1, "$db": "empty"})") ==
        R"({ "cursor" : { "id" : 0L, "ns" : "empty.$cmd.listCollections", "firstBatch" : [  ] )"
        R"(}, "ok" : 1.0 })");
}

TEST_CASE("create stores validation options in mongod's order and refuses what Basalt lacks") {
  Catalog c;
  CHECK(c.Run(R"({"create": "v", "validationAction": "warn", "validator": {"a": {"$exists": true}},
                  "validationLevel": "moderate", "$db": "test"})") == kOk);
  CHECK(c.Run(R"({"listCollections": 1, "filter": {"name": "v"}, "$db": "test"})")
            .find(R"("options" : { "validator" : { "a" : { "$exists" : true } }, )"
                  R"("validationLevel" : "moderate", "validationAction" : "warn" })") !=
        std::string::npos);
  CHECK(c.Run(R"({"create": "c", "capped": true, "size": 4096, "$db": "test"})") ==
        Error(115, "CommandNotSupported", "capped collections are not supported yet"));
  CHECK(c.Run(R"({"create": "c", "capped": true, "$db": "test"})") ==
        Error(72, "InvalidOptions", "the 'size' field is required when 'capped' is true"));
  CHECK(c.Run(R"({"create": "c", "size": 10, "$db": "test"})") ==
        Error(72, "InvalidOptions",
              "the 'capped' field needs to be true when either the 'size' or 'max' fields are "
              "present"));
  CHECK(c.Run(R"({"create": "c", "capped": true, "size": -500, "$db": "test"})") ==
        Error(51024, "Location51024", "BSON field 'size' value must be >= 1, actual value '-500'"));
  CHECK(c.Run(R"({"create": "c", "capped": true, "size": "big", "$db": "test"})") ==
        Error(14, "TypeMismatch",
              "BSON field 'create.size' is the wrong type 'string', expected types '[long, int, "
              "decimal, double']"));
  CHECK(c.Run(R"({"create": "c", "viewOn": "v", "pipeline": [], "$db": "test"})") ==
        Error(115, "CommandNotSupported", "views are not supported yet"));
  CHECK(c.Run(R"({"create": "c", "pipeline": [], "$db": "test"})") ==
        Error(72, "InvalidOptions", "'pipeline' requires 'viewOn' to also be specified"));
  CHECK(c.Run(R"({"create": "c", "timeseries": {"timeField": "t"}, "$db": "test"})") ==
        Error(115, "CommandNotSupported", "time-series collections are not supported yet"));
  CHECK(c.Run(R"({"create": "c", "clusteredIndex": {"key": {"_id": 1}, "unique": true},
                  "$db": "test"})") ==
        Error(115, "CommandNotSupported", "clustered collections are not supported yet"));
  CHECK(c.Run(R"({"create": "c", "validationLevel": "loose", "$db": "test"})") ==
        Error(2, "BadValue",
              "Enumeration value 'loose' for field 'create.validationLevel' is not a valid "
              "value."));
  CHECK(c.Run(R"({"create": "c", "cappd": true, "$db": "test"})") ==
        Error(40415, "Location40415", "BSON field 'create.cappd' is an unknown field."));
  // Nothing above created anything.
  CHECK(
      c.Run(R"({"listCollections": 1, "nameOnly": true, "$db": "test"})").find(R"("name" : "c")") ==
      std::string::npos);
}

TEST_CASE("namespaces are checked as mongod checks them") {
  Catalog c;
  CHECK(c.Run(R"({"create": "", "$db": "test"})") ==
        Error(73, "InvalidNamespace", "Invalid namespace specified 'test.'"));
  CHECK(c.Run(R"({"create": 5, "$db": "test"})") ==
        Error(2, "BadValue", "collection name has invalid type int"));
  CHECK(c.Run(R"({"create": "a$b", "$db": "test"})") ==
        Error(73, "InvalidNamespace", "Invalid collection name: a$b"));
  CHECK(c.Run(R"({"create": "system.foo", "$db": "test"})") ==
        Error(73, "InvalidNamespace", "Invalid system namespace: test.system.foo"));
  CHECK(c.Run(R"({"create": "c", "$db": "a b"})") ==
        Error(73, "InvalidNamespace", "Invalid database name: 'a b'"));
  CHECK(c.Run(R"({"listCollections": 1, "$db": "a.b"})") ==
        Error(73, "InvalidNamespace", "'.' is an invalid character in a db name: a.b"));
}

TEST_CASE("drop reports the indexes it removed; a missing collection drops with ok: 1") {
  Catalog c;
  c.Insert("test", "c", R"({"_id": 1})");
  CHECK(c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1"}],
                  "$db": "test"})")
            .find(R"("ok" : 1.0)") != std::string::npos);
  CHECK(c.Run(R"({"drop": "c", "writeConcern": {"w": "majority"}, "$db": "test"})") ==
        R"({ "nIndexesWas" : 2, "ns" : "test.c", "ok" : 1.0 })");
  CHECK(c.Run(R"({"drop": "c", "$db": "test"})") == kOk);
  CHECK(c.engine->GetCollection("test", "c") == nullptr);
  CHECK(c.Run(R"({"drop": "c", "writeConcern": {"w": 2}, "$db": "test"})") ==
        Error(2, "BadValue", "cannot use 'w' > 1 when a host is not replicated"));
}

TEST_CASE("listCollections filters on names, types and options") {
  Catalog c;
  for (const char* name : {"apples", "apricots", "bananas"})
    c.Insert("test", name, R"({"_id": 1})");
  auto names = [&](bson_t* cmd) {
    std::string reply = c.Run(cmd);
    std::string out;
    std::smatch m;
    std::regex name(R"re("name" : "([a-z]+)", "type")re");
    for (auto it = reply.cbegin(); std::regex_search(it, reply.cend(), m, name);
         it = m.suffix().first) {
      out += m[1].str() + " ";
    }
    return out;
  };
  CHECK(names(BCON_NEW("listCollections", BCON_INT32(1), "filter", "{", "name", "apples", "}",
                       "$db", "test")) == "apples ");
  CHECK(names(BCON_NEW("listCollections", BCON_INT32(1), "filter", "{", "name",
                       BCON_REGEX("^ap", ""), "}", "$db", "test")) == "apples apricots ");
  CHECK(names(BCON_NEW("listCollections", BCON_INT32(1), "filter", "{", "name", "{", "$regex",
                       "^AP", "$options", "i", "}", "}", "$db", "test")) == "apples apricots ");
  CHECK(names(BCON_NEW("listCollections", BCON_INT32(1), "nameOnly", BCON_BOOL(true), "filter", "{",
                       "name", "{", "$in", "[", "bananas", "apples", "]", "}", "type", "collection",
                       "}", "$db", "test")) == "apples bananas ");
  CHECK(names(BCON_NEW("listCollections", BCON_INT32(1), "filter", "{", "$or", "[", "{", "name",
                       "bananas", "}", "{", "info.readOnly", BCON_BOOL(true), "}", "]", "}", "$db",
                       "test")) == "bananas ");
  CHECK(names(BCON_NEW("listCollections", BCON_INT32(1), "filter", "{", "options.validator", "{",
                       "$exists", BCON_BOOL(false), "}", "name", "{", "$ne", "apricots", "}", "}",
                       "$db", "test")) == "apples bananas ");
  CHECK(c.Run(R"({"listCollections": 1, "filter": {"name": {"$size": 1}}, "$db": "test"})") ==
        R"({ "cursor" : { "id" : 0L, "ns" : "test.$cmd.listCollections", "firstBatch" : [  ] }, )"
        R"("ok" : 1.0 })");
  CHECK(c.Run(R"({"listCollections": 1, "filter": {"$where": "true"}, "$db": "test"})") ==
        Error(2, "BadValue", "$where is not allowed in this context"));
  CHECK(c.Run(R"({"listCollections": 1, "filter": {"name": {"$bogus": 1}}, "$db": "test"})") ==
        Error(2, "BadValue", "unknown operator: $bogus"));
  CHECK(c.Run(R"({"listCollections": 1, "filter": {"$bogus": 1}, "$db": "test"})") ==
        Error(2, "BadValue",
              "unknown top level operator: $bogus. If you have a field name that starts with a '$' "
              "symbol, consider using $getField or $setField."));
  CHECK(c.Run(R"({"listCollections": 1, "filter": 1, "$db": "test"})") ==
        Error(14, "TypeMismatch",
              "BSON field 'listCollections.filter' is the wrong type 'int', expected type "
              "'object'"));
  CHECK(c.Run(R"({"listCollections": 1, "cursor": {"batchSize": -1}, "$db": "test"})") ==
        Error(51024, "Location51024",
              "BSON field 'batchSize' value must be >= 0, actual value '-1'"));
}

TEST_CASE("listDatabases lists databases with their sizes, by name, or filtered") {
  Catalog c;
  c.Insert("alpha", "c", R"({"_id": 1, "x": "some data"})");
  c.Insert("beta", "c", R"({"_id": 1})");
  CHECK(c.Run(R"({"listDatabases": 1, "$db": "test"})") ==
        Error(13, "Unauthorized", "listDatabases may only be run against the admin database."));
  const std::string all = c.Run(R"({"listDatabases": 1, "$db": "admin"})");
  CHECK(std::regex_match(all, std::regex(R"(\{ "databases" : \[ \{ "name" : "alpha", )"
                                         R"("sizeOnDisk" : [1-9]\d*L, "empty" : false \}, )"
                                         R"(\{ "name" : "beta", "sizeOnDisk" : [1-9]\d*L, )"
                                         R"("empty" : false \} \], "totalSize" : [1-9]\d*L, )"
                                         R"("totalSizeMb" : 0L, "ok" : 1.0 \})")));
  CHECK(c.Run(R"({"listDatabases": 1, "nameOnly": true, "authorizedDatabases": true,
                  "$db": "admin"})") ==
        R"({ "databases" : [ { "name" : "alpha" }, { "name" : "beta" } ], "ok" : 1.0 })");
  CHECK(c.Run(R"({"listDatabases": 1, "nameOnly": true, "filter": {"name": {"$gt": "b"}},
                  "$db": "admin"})") == R"({ "databases" : [ { "name" : "beta" } ], "ok" : 1.0 })");
  CHECK(c.Run(R"({"listDatabases": 1, "filter": {"empty": true}, "$db": "admin"})") ==
        R"({ "databases" : [  ], "totalSize" : 0L, "totalSizeMb" : 0L, "ok" : 1.0 })");
  CHECK(c.Run(R"({"listDatabases": 1, "authorizedDatabases": 1, "$db": "admin"})") ==
        Error(14, "TypeMismatch",
              "BSON field 'listDatabases.authorizedDatabases' is the wrong type 'int', expected "
              "type 'bool'"));
}

TEST_CASE("dropDatabase drops every collection and answers { ok: 1 }") {
  Catalog c;
  c.Insert("gone", "a", R"({"_id": 1})");
  c.Insert("gone", "b", R"({"_id": 1})");
  CHECK(c.Run(R"({"dropDatabase": 1, "$db": "gone"})") == kOk);
  CHECK(c.engine->ListCollections("gone").empty());
  CHECK(c.Run(R"({"dropDatabase": 1, "$db": "gone"})") == kOk);
  CHECK(c.Run(R"({"dropDatabase": 2, "$db": "gone"})") ==
        Error(5255100, "Location5255100", "Have to pass 1 as 'drop' parameter"));
}

TEST_CASE("renameCollection moves a collection with its indexes and uuid, with mongod's errors") {
  Catalog c;
  c.Insert("test", "a", R"({"_id": 1})");
  c.Insert("test", "b", R"({"_id": 1})");
  c.Run(R"({"createIndexes": "a", "indexes": [{"key": {"x": 1}, "name": "x_1"}], "$db": "test"})");
  const storage::Uuid uuid = c.engine->GetCollection("test", "a")->uuid();
  auto rename = [&](const char* from, const char* to, bool drop_target = false) {
    return c.Run(BCON_NEW("renameCollection", BCON_UTF8(from), "to", BCON_UTF8(to), "dropTarget",
                          BCON_BOOL(drop_target), "$db", "admin"));
  };
  CHECK(rename("test.a", "test.b") == Error(48, "NamespaceExists", "target namespace exists"));
  CHECK(rename("test.a", "test.a") ==
        Error(20, "IllegalOperation", "Can't rename a collection to itself"));
  CHECK(rename("test.nope", "test.z") ==
        Error(26, "NamespaceNotFound", "Source collection test.nope does not exist"));
  CHECK(rename("nodb.a", "nodb.z") ==
        Error(26, "NamespaceNotFound", "Database nodb does not exist or is drop pending"));
  CHECK(rename("nodb.a", "test.z") ==
        Error(26, "NamespaceNotFound", "source namespace does not exist"));
  CHECK(rename("test.a", "test") ==
        Error(73, "InvalidNamespace", "Invalid target namespace: test"));
  CHECK(rename("test.a", "test.z$") ==
        Error(20, "IllegalOperation", "error with target namespace: Invalid collection name: z$"));
  CHECK(c.Run(R"({"renameCollection": "test.a", "$db": "admin"})") ==
        Error(40414, "Location40414",
              "BSON field 'renameCollection.to' is missing but a required field"));
  CHECK(c.Run(R"({"renameCollection": "test.a", "to": "test.z", "$db": "test"})") ==
        Error(13, "Unauthorized", "renameCollection may only be run against the admin database."));

  CHECK(rename("test.a", "test.b", true) == kOk);
  auto moved = c.engine->GetCollection("test", "b");
  REQUIRE(moved);
  CHECK(moved->uuid() == uuid);
  CHECK(moved->ListIndexes().size() == 2);
  CHECK(c.engine->GetCollection("test", "a") == nullptr);
  CHECK(rename("test.b", "other.c") == kOk);
  CHECK(c.engine->GetCollection("other", "c") != nullptr);
}
