// The document an upsert inserts, row by row from mongod's
// jstests/core/write/update/upsert_fields.js, upsert_and.js, upsert3.js,
// field_name_validation.js and the manual (reference/method/
// db.collection.updateOne upsert examples, $setOnInsert): which query
// equalities seed it, `_id` first or generated, and mongod's errors.
#include <catch2/catch.hpp>

#include "tests/unit/query/update_test_util.h"

using namespace basalt::update_test;
using basalt::query::MakeUpsertDocument;
using basalt::query::UpdateDriver;

namespace {

struct UpsertCase {
  std::string query;
  std::string update;
  // The document inserted; without `_id` it must get a new ObjectId, first.
  std::string expected;
};

basalt::StatusWith<basalt::Bson> Upsert(const std::string& query, const std::string& update) {
  basalt::Bson q = Doc(query);
  basalt::Bson u = Doc(update);
  auto driver = UpdateDriver::Parse(u.get());
  if (!driver.ok()) return driver.status();
  return MakeUpsertDocument(q.get(), *driver.value(), TestContext());
}

void CheckUpserts(const std::vector<UpsertCase>& cases) {
  for (const auto& c : cases) {
    INFO("query " << c.query << "\nupdate " << c.update);
    auto doc = Upsert(c.query, c.update);
    INFO(doc.status().ToString());
    REQUIRE(doc.ok());
    basalt::Bson expected = Doc(c.expected);
    if (bson_has_field(expected.get(), "_id")) {
      CHECK(Canonical(doc.value().get()) == Canonical(expected.get()));
      continue;
    }
    // A generated ObjectId comes first; the rest must be as expected.
    bson_iter_t it;
    REQUIRE(bson_iter_init(&it, doc.value().get()));
    REQUIRE(bson_iter_next(&it));
    CHECK(std::string(bson_iter_key(&it)) == "_id");
    CHECK(BSON_ITER_HOLDS_OID(&it));
    basalt::Bson rest;
    while (bson_iter_next(&it)) bson_append_iter(rest.get(), nullptr, 0, &it);
    CHECK(Canonical(rest.get()) == Canonical(expected.get()));
  }
}

struct UpsertError {
  std::string query;
  std::string update;
  int code;
  std::string message;
};

void CheckUpsertErrors(const std::vector<UpsertError>& cases) {
  for (const auto& c : cases) {
    INFO("query " << c.query << "\nupdate " << c.update);
    auto doc = Upsert(c.query, c.update);
    REQUIRE_FALSE(doc.ok());
    CHECK(doc.status().code() == c.code);
    CHECK(doc.status().reason() == c.message);
  }
}

}  // namespace

TEST_CASE("upsert: _id", "[update]") {
  CheckUpserts({
      // _id generated.
      {"{}", "{}", "{}"},
      {"{}", "{a: 1}", "{a: 1}"},
      {"{}", "{$set: {a: 1}}", "{a: 1}"},
      {"{}", "{$setOnInsert: {a: 1}}", "{a: 1}"},
      // _id from the update.
      {"{}", "{_id: 1}", "{_id: 1}"},
      {"{}", "{$set: {_id: 1}}", "{_id: 1}"},
      {"{}", "{$setOnInsert: {_id: 1}}", "{_id: 1}"},
      {R"({name: "x"})", "{$set: {_id: 5}}", R"({_id: 5, name: "x"})"},
      {"{}", "{$set: {A: 1, _id: 5}}", "{_id: 5, A: 1}"},
      // _id from the query's equalities, for replacements as for operators.
      {"{_id: 1}", "{}", "{_id: 1}"},
      {"{_id: 1}", "{$set: {a: 1}}", "{_id: 1, a: 1}"},
      {"{_id: {$eq: 1}}", "{$set: {a: 1}}", "{_id: 1, a: 1}"},
      {"{_id: {$all: [1]}}", "{$set: {a: 1}}", "{_id: 1, a: 1}"},
      {"{_id: {$in: [1]}}", "{$setOnInsert: {a: 1}}", "{_id: 1, a: 1}"},
      {"{$and: [{_id: 1}]}", "{}", "{_id: 1}"},
      {"{$and: [{_id: {$eq: 1}}]}", "{$set: {a: 1}}", "{_id: 1, a: 1}"},
      {"{$or: [{_id: 1}]}", "{$set: {a: 1}}", "{_id: 1, a: 1}"},
      {"{$or: [{_id: {$eq: 1}}]}", "{}", "{_id: 1}"},
      {"{a: 1, _id: 2}", "{$set: {b: 1}}", "{_id: 2, a: 1, b: 1}"},
      {"{_id: 1}", "{_id: 1, a: 2}", "{_id: 1, a: 2}"},
      {"{_id: 1}", "{a: 2, _id: 1.0}", "{_id: 1.0, a: 2}"},
      // Not equalities: _id generated.
      {"{_id: {$gt: 1}}", "{$set: {a: 1}}", "{a: 1}"},
      {"{_id: {$ne: 1}}", "{}", "{}"},
      {"{_id: {$in: [1, 2]}}", "{$set: {a: 1}}", "{a: 1}"},
      {"{_id: {$elemMatch: {$eq: 1}}}", "{}", "{}"},
      {"{_id: {$exists: true}}", "{$set: {a: 1}}", "{a: 1}"},
      {"{_id: {$not: {$eq: 1}}}", "{$set: {a: 1}}", "{a: 1}"},
      {"{$or: [{_id: {$eq: 1}}, {_id: 2}]}", "{$set: {a: 1}}", "{a: 1}"},
      {"{$nor: [{_id: 1}]}", "{$set: {a: 1}}", "{a: 1}"},
      {R"({_id: {$regularExpression: {pattern: "abc", options: ""}}})", "{}", "{}"},
      // Nested _id fields seed an operator update's document.
      {R"({"_id.x": 1, "_id.y": 2})", "{$set: {a: 1}}", "{_id: {x: 1, y: 2}, a: 1}"},
  });
}

TEST_CASE("upsert: other fields", "[update]") {
  CheckUpserts({
      // Manual: updateOne({name: "Andy"}, {$inc: {score: 1}}, {upsert: true}).
      {R"({name: "Andy"})", "{$inc: {score: 1}}", R"({name: "Andy", score: 1})"},
      // Manual ($setOnInsert): new fields in lexicographic order after _id.
      {"{_id: 1}", R"({$set: {item: "apple"}, $setOnInsert: {defaultQty: 100}})",
       R"({_id: 1, defaultQty: 100, item: "apple"})"},
      // The issue's findOneAndUpdate: $setOnInsert applies on the insert.
      {R"({email: "a@b.c"})",
       R"({$setOnInsert: {createdAt: {$date: "2020-01-01T00:00:00Z"}}, $set: {name: "Ann"}})",
       R"({email: "a@b.c", createdAt: {$date: "2020-01-01T00:00:00Z"}, name: "Ann"})"},
      {"{x: 1}", "{$set: {a: 1}}", "{x: 1, a: 1}"},
      {"{x: {$eq: 1}}", "{$set: {a: 1}}", "{x: 1, a: 1}"},
      {"{x: {$in: [1]}}", "{$set: {a: 1}}", "{x: 1, a: 1}"},
      {"{x: {$all: [1]}}", "{$set: {a: 1}}", "{x: 1, a: 1}"},
      {"{$and: [{x: 1}]}", "{$setOnInsert: {a: 1}}", "{x: 1, a: 1}"},
      {"{$or: [{x: {$eq: 1}}]}", "{$set: {a: 1}}", "{x: 1, a: 1}"},
      {"{x: [1, 2]}", "{$set: {a: 1}}", "{x: [1, 2], a: 1}"},
      {R"({x: {"x.x": 1}})", "{$set: {a: 1}}", R"({x: {"x.x": 1}, a: 1})"},
      {"{x: null}", "{$set: {a: 1}}", "{x: null, a: 1}"},
      {"{x: 1, y: {$gt: 2}, z: 3}", "{$set: {a: 1}}", "{x: 1, z: 3, a: 1}"},
      {"{$and: [{x: 1}, {$and: [{y: 2}]}]}", "{$set: {a: 1}}", "{x: 1, y: 2, a: 1}"},
      {"{$or: [{x: 1, y: 2}]}", "{$set: {a: 1}}", "{x: 1, y: 2, a: 1}"},
      // Dotted equalities build documents.
      {R"({"x.x": 1})", "{$set: {a: 1}}", "{x: {x: 1}, a: 1}"},
      {R"({"x.x": {$eq: 1}})", "{$set: {a: 1}}", "{x: {x: 1}, a: 1}"},
      {R"({"x.x": {$all: [1]}})", "{$set: {a: 1}}", "{x: {x: 1}, a: 1}"},
      {R"({"a.b": 1, "a.c": 2})", "{$set: {z: 1}}", "{a: {b: 1, c: 2}, z: 1}"},
      // The update applies over the seeded fields.
      {"{x: 1}", "{$inc: {x: 5}}", "{x: 6}"},
      {R"({"a.b": 1})", R"({$set: {"a.c": 2}})", "{a: {b: 1, c: 2}}"},
      {"{x: 1}", "{$push: {y: 1}}", "{x: 1, y: [1]}"},
      // DBRef fields in a query (SERVER-14024).
      {R"({"x.$id": 1})", R"({$set: {x: {$ref: "a", $id: 1}}})", R"({x: {$ref: "a", $id: 1}})"},
      // Not equalities: not seeded.
      {"{x: {$gt: 1}}", "{$set: {a: 1}}", "{a: 1}"},
      {"{x: {$in: [1, 2]}}", "{$set: {a: 1}}", "{a: 1}"},
      {"{x: {$exists: true}}", "{$set: {a: 1}}", "{a: 1}"},
      {"{$or: [{x: {$eq: 1}}, {x: 2}]}", "{$set: {a: 1}}", "{a: 1}"},
      {"{$nor: [{x: 1}]}", "{$set: {a: 1}}", "{a: 1}"},
      {R"({x: {$regularExpression: {pattern: "abc", options: ""}}})", "{$set: {a: 1}}", "{a: 1}"},
      {R"({x: {$in: [1, {$regularExpression: {pattern: "abc", options: ""}}]}})", "{$set: {a: 1}}",
       "{a: 1}"},
      {R"({x: {$eq: {$regularExpression: {pattern: "abc", options: ""}}}})", "{$set: {a: 1}}",
       R"({x: {$regularExpression: {pattern: "abc", options: ""}}, a: 1})"},
      // A replacement takes nothing but _id from the query, conflicts or not.
      {"{x: 1}", "{a: 1}", "{a: 1}"},
      {"{_id: 1, x: [1, {x: 1}], \"x.x\": 1}", "{}", "{_id: 1}"},
      {R"({x: 1, "x.x": 1})", "{a: 1}", "{a: 1}"},
      // $expr constrains no field: mongod leaves it out of the new document.
      {R"({x: 1, $expr: {$eq: ["$a", 1]}})", "{$set: {b: 1}}", "{x: 1, b: 1}"},
      {R"({$and: [{$expr: {$gt: ["$y", 0]}}, {y: 2}]})", "{$inc: {y: 1}}", "{y: 3}"},
      {R"({_id: 4, $expr: {$eq: ["$_id", 5]}})", "{}", "{_id: 4}"},
  });
}

TEST_CASE("upsert errors", "[update]") {
  CheckUpsertErrors({
      {R"({x: 1, "x.x": 1})", "{$set: {a: 1}}", 54,
       "cannot infer query fields to set, both paths 'x.x' and 'x' are matched"},
      {R"({"x.x": 1, x: 1})", "{$set: {a: 1}}", 54,
       "cannot infer query fields to set, both paths 'x.x' and 'x' are matched"},
      {R"({x: {x: 1}, "x.y": 1})", "{$set: {a: 1}}", 54,
       "cannot infer query fields to set, both paths 'x.y' and 'x' are matched"},
      {"{$and: [{x: 1}, {x: 2}]}", "{$set: {a: 1}}", 54,
       "cannot infer query fields to set, path 'x' is matched twice"},
      {"{x: {$all: [1, 2]}}", "{$setOnInsert: {a: 1}}", 54,
       "cannot infer query fields to set, path 'x' is matched twice"},
      {"{$and: [{_id: 1}, {_id: 2}]}", "{}", 54,
       "cannot infer query fields to set, path '_id' is matched twice"},
      {R"({_id: 1, "_id.x": 1})", "{$set: {a: 1}}", 54,
       "cannot infer query fields to set, both paths '_id.x' and '_id' are matched"},
      {R"({_id: 1, "_id.x": 1})", "{}", 111,
       "field at '_id' must be exactly specified, field at sub-path '_id.x'found"},
      {R"({"_id.x": 1, "_id.y": 2})", "{}", 111,
       "field at '_id' must be exactly specified, field at sub-path '_id.x'found"},
      // _id values that cannot be stored.
      {"{_id: [1, 2]}", "{$set: {a: 1}}", 53, "The '_id' value cannot be of type array"},
      {"{_id: [1, 2]}", "{}", 53, "The '_id' value cannot be of type array"},
      {"{_id: {$eq: [1, 2]}}", "{$set: {a: 1}}", 53, "The '_id' value cannot be of type array"},
      {"{}", "{_id: [1, 2]}", 53, "The '_id' value cannot be of type array"},
      {"{}", "{$set: {_id: [1, 2]}}", 53, "The '_id' value cannot be of type array"},
      {"{}", R"({$set: {_id: {$regularExpression: {pattern: "abc", options: ""}}}})", 53,
       "The '_id' value cannot be of type regex"},
      {"{}", R"({$setOnInsert: {_id: {$undefined: true}}})", 53,
       "The '_id' value cannot be of type undefined"},
      {R"({"a.b": 1})", R"({$set: {_id: {"$invalid": 1}}})", 52,
       "_id fields may not contain '$'-prefixed fields: $invalid is not valid for storage."},
      {R"({"a.b": 1})", R"({_id: {"$invalid": 1}})", 52,
       "_id fields may not contain '$'-prefixed fields: $invalid is not valid for storage."},
      {R"({"_id.a.$b": 1})", "{$set: {x: 1}}", 52,
       "_id fields may not contain '$'-prefixed fields: $b is not valid for storage."},
      // The query's _id is immutable.
      {"{_id: 1}", "{$set: {_id: 2}}", 66,
       "Performing an update on the path '_id' would modify the immutable field '_id'"},
      {"{_id: 1}", "{_id: 2}", 66,
       "After applying the update, the (immutable) field '_id' was found to have been altered to "
       "_id: 2"},
      {R"({"_id.a": 1})", R"({$set: {"_id.b": 2}})", 66,
       "Updating the path '_id' to _id: { a: 1, b: 2 } would modify the immutable field '_id'"},
      // Nothing for the positional operator to refer to.
      {"{a: 1}", R"({$set: {"a.$": 1}})", 2,
       "The positional operator did not find the match needed from the query."},
      // Queries an upsert cannot use.
      {"{x: {$undefined: true}}", "{$set: {a: 1}}", 2, "cannot compare to undefined"},
  });
}

TEST_CASE("upsert of a document over 16 MiB", "[update]") {
  std::string big(16 * 1024 * 1024, 'x');
  basalt::Bson update;
  bson_t set;
  bson_append_document_begin(update.get(), "$set", -1, &set);
  bson_append_utf8(&set, "a", -1, big.data(), static_cast<int>(big.size()));
  bson_append_document_end(update.get(), &set);
  auto driver = UpdateDriver::Parse(update.get());
  REQUIRE(driver.ok());
  basalt::Bson query = Doc("{}");
  auto doc = MakeUpsertDocument(query.get(), *driver.value());
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.status().code() == 17420);
  CHECK(doc.status().reason() == "Document to upsert is larger than 16777216");
}
