// Reply shapes of collStats, dbStats and validate, run through the dispatcher
// against an in-memory engine.
#include <catch2/catch.hpp>

#include "tests/unit/commands/catalog_test_util.h"

using namespace basalt;
using namespace basalt::commands;
using namespace basalt::commands::testing;

namespace {

int64_t Number(const Bson& doc, const char* path) {
  bson_iter_t it, found;
  REQUIRE(bson_iter_init(&it, doc.get()));
  REQUIRE(bson_iter_find_descendant(&it, path, &found));
  return bson_iter_as_int64(&found);
}

std::string Keys(const Bson& doc) {
  std::string out;
  bson_iter_t it;
  bson_iter_init(&it, doc.get());
  while (bson_iter_next(&it)) out += std::string(bson_iter_key(&it)) + " ";
  return out;
}

}  // namespace

TEST_CASE("collStats reports counts and sizes in mongod's shape, scaled on request") {
  Catalog c;
  const int64_t data = c.Insert("c", R"({"_id": 1, "name": "ada"})") +
                       c.Insert("c", R"({"_id": 2, "name": "grace hopper"})");
  c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"name": 1}, "name": "name_1"}],
            "$db": "test"})");
  Bson stats = c.RunBson(R"({"collStats": "c", "$db": "test"})");
  CHECK(Keys(stats) ==
        "ns size count avgObjSize numOrphanDocs storageSize freeStorageSize capped nindexes "
        "indexDetails indexBuilds totalIndexSize indexSizes totalSize scaleFactor ok ");
  CHECK(std::regex_match(
      Typed(stats.get()),
      std::regex(R"(\{ "ns" : "test.c", "size" : )" + std::to_string(data) + R"(, "count" : 2, )" +
                 R"("avgObjSize" : )" + std::to_string(data / 2) +
                 R"(, "numOrphanDocs" : 0, "storageSize" : \d+, "freeStorageSize" : 0, )"
                 R"("capped" : false, "nindexes" : 2, "indexDetails" : \{  \}, )"
                 R"("indexBuilds" : \[  \], "totalIndexSize" : \d+, "indexSizes" : \{ )"
                 R"("_id_" : \d+, "name_1" : \d+ \}, "totalSize" : \d+, "scaleFactor" : 1, )"
                 R"("ok" : 1.0 \})")));
  const int64_t index_total = Number(stats, "totalIndexSize");
  CHECK(index_total == Number(stats, "indexSizes._id_") + Number(stats, "indexSizes.name_1"));
  CHECK(Number(stats, "indexSizes._id_") > 0);
  CHECK(Number(stats, "indexSizes.name_1") > 0);
  CHECK(Number(stats, "totalSize") == Number(stats, "storageSize") + index_total);

  Bson scaled = c.RunBson(R"({"collStats": "c", "scale": 10, "$db": "test"})");
  CHECK(Number(scaled, "size") == data / 10);
  CHECK(Number(scaled, "count") == 2);
  CHECK(Number(scaled, "totalIndexSize") == index_total / 10);
  CHECK(Number(scaled, "scaleFactor") == 10);
}

TEST_CASE("collStats of a missing collection answers zeros; scale must be positive") {
  Catalog c;
  CHECK(c.Run(R"({"collStats": "nope", "$db": "test"})") ==
        R"({ "ns" : "test.nope", "size" : 0, "count" : 0, "numOrphanDocs" : 0, )"
        R"("storageSize" : 0, "totalSize" : 0, "nindexes" : 0, "totalIndexSize" : 0, )"
        R"("indexDetails" : {  }, "indexSizes" : {  }, "scaleFactor" : 1, "ok" : 1.0 })");
  CHECK(c.Run(R"({"collStats": "nope", "scale": 0, "$db": "test"})") ==
        Error(51024, "Location51024", "BSON field 'scale' value must be >= 1, actual value '0'"));
  CHECK(c.Run(R"({"collStats": 1, "$db": "test"})") ==
        Error(2, "BadValue", "collection name has invalid type int"));
}

TEST_CASE("dbStats sums the database's collections, with mongod's types") {
  Catalog c;
  const int64_t data = c.Insert("a", R"({"_id": 1, "x": "abc"})") + c.Insert("a", R"({"_id": 2})") +
                       c.Insert("b", R"({"_id": 1})");
  Bson stats = c.RunBson(R"({"dbStats": 1, "scale": 1, "$db": "test"})");
  // The in-memory engine reports no filesystem, as mongod's ephemeral engines.
  CHECK(std::regex_match(
      Typed(stats.get()),
      std::regex(R"(\{ "db" : "test", "collections" : 2L, "views" : 0L, "objects" : 3L, )"
                 R"("avgObjSize" : [0-9.]+, "dataSize" : )" +
                 std::to_string(data) +
                 R"(\.0, "storageSize" : [0-9.]+, "indexes" : 2L, "indexSize" : [0-9.]+, )"
                 R"("totalSize" : [0-9.]+, "scaleFactor" : 1L, "ok" : 1\.0 \})")));
  bson_iter_t it;
  REQUIRE(bson_iter_init_find(&it, stats.get(), "avgObjSize"));
  CHECK(bson_iter_double(&it) == Approx(static_cast<double>(data) / 3));
  CHECK(Keys(c.RunBson(R"({"dbStats": 1, "freeStorage": 1, "$db": "test"})")) ==
        "db collections views objects avgObjSize dataSize storageSize freeStorageSize indexes "
        "indexSize indexFreeStorageSize totalSize totalFreeStorageSize scaleFactor ok ");
  CHECK(c.Run(R"({"dbStats": 1, "$db": "nothing"})") ==
        R"({ "db" : "nothing", "collections" : 0L, "views" : 0L, "objects" : 0L, )"
        R"("avgObjSize" : 0.0, "dataSize" : 0.0, "storageSize" : 0.0, "indexes" : 0L, )"
        R"("indexSize" : 0.0, "totalSize" : 0.0, "scaleFactor" : 1L, "ok" : 1.0 })");
  CHECK(c.Run(R"({"dbStats": 1, "scale": 0, "$db": "test"})") ==
        Error(2, "BadValue", "Scale factor must be greater than zero"));
}

TEST_CASE("validate checks records against indexes and answers in mongod's shape") {
  Catalog c;
  c.Insert("c", R"({"_id": 1, "tags": ["a", "b"]})");
  c.Insert("c", R"({"_id": 2, "tags": ["c"]})");
  c.Run(R"({"createIndexes": "c", "indexes": [{"key": {"tags": 1}, "name": "tags_1"}],
            "$db": "test"})");
  CHECK(c.Run(R"({"validate": "c", "full": true, "$db": "test"})") ==
        R"({ "ns" : "test.c", "uuid" : UUID, "nInvalidDocuments" : 0, )"
        R"("nNonCompliantDocuments" : 0, "nrecords" : 2, "nIndexes" : 2, "keysPerIndex" : { )"
        R"("_id_" : 2, "tags_1" : 3 }, "indexDetails" : { "_id_" : { "valid" : true }, )"
        R"("tags_1" : { "valid" : true } }, "valid" : true, "repaired" : false, )"
        R"("warnings" : [  ], "errors" : [  ], "extraIndexEntries" : [  ], )"
        R"("missingIndexEntries" : [  ], "corruptRecords" : [  ], "ok" : 1.0 })");
  CHECK(c.Run(R"({"validate": "nope", "$db": "test"})") ==
        Error(26, "NamespaceNotFound", "Collection 'test.nope' does not exist to validate."));
  CHECK(c.Run(R"({"validate": "c", "full": true, "background": true, "$db": "test"})") ==
        Error(72, "InvalidOptions",
              "Running the validate command with both { background: true } and { full: true } "
              "is not supported."));
  CHECK(c.Run(R"({"validate": 5, "$db": "test"})") ==
        Error(73, "InvalidNamespace", "collection name has invalid type int"));
}
