// The partialFilterExpression hook: which filters mongod accepts for a
// partial index (IndexCatalogImpl::_checkValidFilterExpressions, 6.0+, and
// jstests/core/index/index_partial_create_drop.js), and partial unique
// indexes on the in-memory storage engine.
#include "query/partial_filter.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "base/bson_shell.h"
#include "storage/engine.h"
#include "tests/unit/query/matcher_test_util.h"

using namespace basalt;
using namespace basalt::query::testing;

namespace {

Status MakeFilter(const std::string& json) {
  Bson filter = Doc(json);
  auto made = query::MakePartialFilterFactory()->Make(filter.get());
  return made.ok() ? Status::OK() : made.status();
}

std::unique_ptr<storage::Engine> MemoryEngine() {
  storage::EngineOptions options;
  options.kind = storage::EngineOptions::Kind::kInMemory;
  options.partial_filter_factory = query::MakePartialFilterFactory();
  auto engine = storage::Engine::Open(options);
  REQUIRE(engine.ok());
  return std::move(engine.value());
}

Status Insert(storage::Collection* coll, const std::string& json) {
  Bson doc = Doc(json);
  return coll->Insert(doc.get(), false);
}

std::vector<std::string> IndexedIds(storage::Collection* coll, const std::string& index) {
  auto cursor = coll->ScanIndex(index, storage::IndexBounds::All(), true);
  REQUIRE(cursor.ok());
  std::vector<std::string> ids;
  storage::IndexEntry entry;
  while (true) {
    auto more = cursor.value()->Next(&entry);
    REQUIRE(more.ok());
    if (!more.value()) break;
    bson_iter_t it;
    REQUIRE(bson_iter_init_find(&it, entry.doc.get(), "_id"));
    ids.push_back(ShellValueString(&it));
  }
  return ids;
}

}  // namespace

TEST_CASE("partial filters accept what mongod 6.0+ accepts", "[partial_filter]") {
  for (const char* filter : {
           R"({"a": 1})",
           R"({"a": null})",
           R"({"a": {"$exists": true}})",
           R"({"a": {"$gte": 1, "$lt": 5}})",
           R"({"a": {"%type": "string"}})",
           R"({"a": {"$in": [1, 2]}})",
           R"({"a": {"$eq": {"b": 1}}})",
           R"({"a": {"$all": [1, 2]}})",
           R"({"$or": [{"a": 1}, {"b": {"$gt": 2}}]})",
           R"({"$and": [{"$and": [{"$and": [{"x": 3}]}]}]})",
           R"({"$and": [{"a": 1}, {"$or": [{"b": 1}, {"c": 1}]}]})",
       }) {
    INFO(filter);
    Status st = MakeFilter(filter);
    INFO(st.ToString());
    CHECK(st.ok());
  }
}

TEST_CASE("partial filters refuse other expressions with mongod's errors", "[partial_filter]") {
  struct Case {
    std::string filter;
    int code;
    std::string message;
  };
  const std::string not_supported = "Expression not supported in partial index: ";
  const std::vector<Case> cases = {
      {R"({"a": {"$ne": 1}})", 67, not_supported + "$not\n    a $eq 1\n"},
      {R"({"a": {"$exists": false}})", 67, not_supported + "$not\n    a exists\n"},
      {R"({"x": )" + Re("abc") + "}", 67, not_supported + "x regex /abc/\n"},
      {R"({"a": {"$nin": [1]}})", 67, not_supported + "$not\n    a $in [ 1 ]\n"},
      {R"({"$nor": [{"a": 1}]})", 67, not_supported + "$nor\n    a $eq 1\n"},
      {R"({"a": {"$mod": [2, 0]}})", 67, not_supported + "a mod 2 % x == 0\n"},
      {R"({"a": {"$size": 2}})", 67, not_supported + "a $size : 2\n"},
      {R"({"a": {"$elemMatch": {"$gt": 1}}})", 67,
       not_supported + "a $elemMatch (value)\n     $gt 1\n"},
      {R"({"a": {"$all": []}})", 67, not_supported + "$alwaysFalse\n"},
      {R"({"b": 1, "a": {"$bitsAllSet": 1}})", 67, not_supported + "a $bitsAllSet: [0]"},
      {R"({"$and": [{"$and": [{"$and": [{"$and": [{"x": 3}]}]}]}]})", 67,
       "partialFilterExpression depth may not exceed 4"},
      {R"({"$expr": {"$eq": ["$x", 5]}})", 224, "$expr is not allowed in this context"},
      {R"({"$where": "1"})", 2, "$where is not allowed in this context"},
      {R"({"x": {"$asdasd": 3}})", 2, "unknown operator: $asdasd"},
      {R"({"$and": 5})", 2, "$and must be an array"},
  };
  for (const Case& c : cases) {
    INFO(c.filter);
    Status st = MakeFilter(c.filter);
    CHECK(st.code() == c.code);
    CHECK(st.reason() == c.message);
  }
}

TEST_CASE("a partial unique index holds only the documents its filter matches",
          "[partial_filter]") {
  auto engine = MemoryEngine();
  auto coll = engine->GetOrCreateCollection("test", "users", false).value();
  Bson spec = Doc(R"({"key": {"email": 1}, "name": "email_1", "unique": true,
                      "partialFilterExpression": {"active": true, "age": {"$gte": 18}}})");
  REQUIRE(coll->CreateIndex(spec.get(), false).ok());

  REQUIRE(Insert(coll.get(), R"({"_id": 1, "email": "a", "active": true, "age": 30})").ok());
  // Outside the filter: not indexed, so the same email is allowed.
  REQUIRE(Insert(coll.get(), R"({"_id": 2, "email": "a", "active": false, "age": 30})").ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 3, "email": "a", "active": true, "age": 10})").ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 4, "email": "a", "age": 40})").ok());
  // Inside the filter (arrays match element-wise): duplicates.
  CHECK(Insert(coll.get(), R"({"_id": 5, "email": "a", "active": [false, true],
                               "age": [5, 20.5]})")
            .code() == ErrorCodes::DuplicateKey);
  CHECK(Insert(coll.get(), R"({"_id": 6, "email": "a", "active": true, "age": 18})").code() ==
        ErrorCodes::DuplicateKey);
  REQUIRE(Insert(coll.get(), R"({"_id": 7, "email": "b", "active": true,
                                 "age": {"$numberLong": "18"}})")
              .ok());
  CHECK(IndexedIds(coll.get(), "email_1") == std::vector<std::string>{"1", "7"});
  CHECK(coll->Count() == 5);
  CHECK(coll->Validate().valid);
}

TEST_CASE("partial indexes with $in, $or, $type and $exists filters", "[partial_filter]") {
  auto engine = MemoryEngine();
  auto coll = engine->GetOrCreateCollection("test", "plates", false).value();
  Bson spec = Doc(R"({"key": {"plate": 1}, "name": "plate_1", "unique": true,
                      "partialFilterExpression": {
                        "status": {"$in": ["active", "inactive"]},
                        "$or": [{"plate": {"%type": "string"}}, {"legacy": {"$exists": true}}]}})");
  REQUIRE(coll->CreateIndex(spec.get(), false).ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 1, "plate": "X1", "status": "active"})").ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 2, "plate": "X1", "status": "deleted"})").ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 3, "plate": 5, "status": "active"})").ok());
  REQUIRE(Insert(coll.get(), R"({"_id": 4, "plate": 5, "status": "inactive"})").ok());
  // Documents 3 and 4 are outside the filter; 5 is in through $exists.
  REQUIRE(Insert(coll.get(), R"({"_id": 5, "plate": 5, "status": "active", "legacy": 1})").ok());
  CHECK(Insert(coll.get(), R"({"_id": 6, "plate": 5, "status": "inactive", "legacy": 2})").code() ==
        ErrorCodes::DuplicateKey);
  CHECK(Insert(coll.get(), R"({"_id": 7, "plate": "X1", "status": ["x", "inactive"]})").code() ==
        ErrorCodes::DuplicateKey);
  // Numbers sort before strings.
  CHECK(IndexedIds(coll.get(), "plate_1") == std::vector<std::string>{"5", "1"});

  // Building over existing documents applies the filter too.
  Bson by_status = Doc(R"({"key": {"status": 1}, "name": "status_1",
                           "partialFilterExpression": {"plate": {"%type": "number"}}})");
  REQUIRE(coll->CreateIndex(by_status.get(), false).ok());
  std::vector<std::string> ids = IndexedIds(coll.get(), "status_1");
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::string>{"3", "4", "5"});

  Bson refused = Doc(R"({"key": {"x": 1}, "name": "x_1",
                         "partialFilterExpression": {"x": {"$ne": null}}})");
  Status st = coll->CreateIndex(refused.get(), false);
  CHECK(st.code() == ErrorCodes::CannotCreateIndex);
  CHECK(st.reason() == "Expression not supported in partial index: $not\n    x $eq null\n");
  CHECK(coll->ListIndexes().size() == 3);
}
