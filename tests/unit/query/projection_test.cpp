// Projection tables: each row is a spec, an input document and what mongod
// 7.0 returns for it, taken from the manual's stated behaviour and from
// mongod's jstests (core/query/project/*, positional_projection.js,
// elemmatch_projection.js, projection_conflicts.js); error rows carry mongod's
// code and message.

#include "query/projection.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "query/matcher.h"
#include "tests/unit/query/query_test_util.h"

using namespace basalt;
using namespace basalt::query;
using basalt::test::Doc;
using basalt::test::Shell;

namespace {

struct Row {
  const char* spec;
  const char* doc;
  const char* expected;
};

// Projects `doc` (matched by `query`, for the positional operator).
StatusWith<std::string> Project(const char* spec, const char* doc, const char* query = nullptr) {
  auto projection = Projection::Parse(Doc(spec).get());
  if (!projection.ok()) return projection.status();
  Bson input = Doc(doc);
  MatchDetails details;
  details.RequestElemMatchKey();
  const MatchDetails* match = nullptr;
  if (query != nullptr) {
    auto matcher = Matcher::Parse(Doc(query).get());
    REQUIRE(matcher.ok());
    REQUIRE(matcher.value()->Matches(input.get(), &details));
    match = &details;
  }
  Bson out;
  Status st = projection.value().Apply(input.get(), match, &out);
  if (!st.ok()) return st;
  return ShellString(out.get());
}

void CheckRows(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    INFO("spec " << row.spec << " on " << row.doc);
    auto got = Project(row.spec, row.doc);
    INFO((got.ok() ? "" : got.status().ToString()));
    REQUIRE(got.ok());
    CHECK(got.value() == Shell(row.expected));
  }
}

const char* const kDoc = R"({_id: 1, a: 1, b: 2, c: 3})";

}  // namespace

TEST_CASE("inclusion, exclusion and _id", "[projection]") {
  CheckRows({
      {R"({a: 1})", kDoc, R"({_id: 1, a: 1})"},
      {R"({a: 1, _id: 0})", kDoc, R"({a: 1})"},
      {R"({_id: 0, a: 1})", kDoc, R"({a: 1})"},
      {R"({a: true})", kDoc, R"({_id: 1, a: 1})"},
      {R"({a: -1})", kDoc, R"({_id: 1, a: 1})"},
      {R"({a: 0.5})", kDoc, R"({_id: 1, a: 1})"},
      {R"({a: {"$numberLong": "7"}})", kDoc, R"({_id: 1, a: 1})"},
      {R"({a: {"$numberDecimal": "1"}})", kDoc, R"({_id: 1, a: 1})"},
      {R"({a: {"$numberDouble": "NaN"}})", kDoc, R"({_id: 1, a: 1})"},
      {R"({c: 1, a: 1})", kDoc, R"({_id: 1, a: 1, c: 3})"},
      {R"({_id: 1})", kDoc, R"({_id: 1})"},
      {R"({_id: true})", kDoc, R"({_id: 1})"},
      {R"({_id: 0})", kDoc, R"({a: 1, b: 2, c: 3})"},
      {R"({})", kDoc, kDoc},
      {R"({z: 1})", kDoc, R"({_id: 1})"},
      {R"({z: 1, _id: 0})", kDoc, R"({})"},
      {R"({a: 0})", kDoc, R"({_id: 1, b: 2, c: 3})"},
      {R"({a: false})", kDoc, R"({_id: 1, b: 2, c: 3})"},
      {R"({a: 0.0})", kDoc, R"({_id: 1, b: 2, c: 3})"},
      {R"({a: {"$numberDecimal": "0"}})", kDoc, R"({_id: 1, b: 2, c: 3})"},
      {R"({a: {"$numberDecimal": "-0.00"}})", kDoc, R"({_id: 1, b: 2, c: 3})"},
      {R"({a: {"$numberLong": "0"}})", kDoc, R"({_id: 1, b: 2, c: 3})"},
      {R"({a: 0, _id: 0})", kDoc, R"({b: 2, c: 3})"},
      {R"({_id: 1, a: 0})", kDoc, R"({_id: 1, b: 2, c: 3})"},
      {R"({a: 0, _id: 1})", kDoc, R"({_id: 1, b: 2, c: 3})"},
      {R"({a: 0, c: 0})", kDoc, R"({_id: 1, b: 2})"},
      {R"({z: 0})", kDoc, kDoc},
      // Inclusion keeps the document's order, _id wherever the document has it.
      {R"({b: 1})", R"({a: 1, _id: 5, b: 2})", R"({_id: 5, b: 2})"},
      {R"({b: 1})", R"({b: 2, _id: 5})", R"({b: 2, _id: 5})"},
      {R"({b: 1, a: 1})", R"({b: 2, a: 1})", R"({b: 2, a: 1})"},
      {R"({a: 1})", R"({a: 1})", R"({a: 1})"},
      {R"({a: 1})", R"({_id: 1, a: [1, {b: 2}], c: {d: 1}})", R"({_id: 1, a: [1, {b: 2}]})"},
      {R"({"_id.a": 1})", R"({_id: {a: 1, b: 2}, c: 1})", R"({_id: {a: 1}})"},
      {R"({"_id.a": 0})", R"({_id: {a: 1, b: 2}, c: 1})", R"({_id: {b: 2}, c: 1})"},
      {R"({"_id.a": 1, c: 1})", R"({_id: {a: 1, b: 2}, c: 1})", R"({_id: {a: 1}, c: 1})"},
      {R"({$id: 1})", R"({_id: 1, $id: 2, x: 3})", R"({_id: 1, $id: 2})"},
  });
}

TEST_CASE("dotted and nested paths, through arrays", "[projection]") {
  CheckRows({
      {R"({"a.b": 1})", R"({_id: 1, a: {b: 1, c: 2}, d: 1})", R"({_id: 1, a: {b: 1}})"},
      {R"({a: {b: 1}})", R"({_id: 1, a: {b: 1, c: 2}, d: 1})", R"({_id: 1, a: {b: 1}})"},
      {R"({"a.b": 1})", R"({_id: 1, a: [{b: 1, c: 2}, 3]})", R"({_id: 1, a: [{b: 1}]})"},
      {R"({"a.b": 1})", R"({_id: 1, a: [{c: 1}, {b: 2}]})", R"({_id: 1, a: [{}, {b: 2}]})"},
      {R"({"a.b": 1})", R"({_id: 1, a: 5})", R"({_id: 1})"},
      {R"({"a.b": 1})", R"({_id: 1, a: "str"})", R"({_id: 1})"},
      {R"({"a.b": 1})", R"({_id: 1})", R"({_id: 1})"},
      {R"({"a.b": 1})", R"({_id: 1, a: {}})", R"({_id: 1, a: {}})"},
      {R"({"a.b": 1})", R"({_id: 1, a: []})", R"({_id: 1, a: []})"},
      {R"({"a.b": 1})", R"({_id: 1, a: [1, 2]})", R"({_id: 1, a: []})"},
      {R"({"a.b": 1})", R"({_id: 1, a: [[{b: 1, c: 1}], 2]})", R"({_id: 1, a: [[{b: 1}]]})"},
      {R"({"a.b": 1})", R"({_id: 1, a: {b: [1, {c: 1}]}})", R"({_id: 1, a: {b: [1, {c: 1}]}})"},
      {R"({"a.b.c": 1})", R"({a: {b: {c: 1, d: 2}, e: 3}})", R"({a: {b: {c: 1}}})"},
      {R"({"a.b.c": 1})", R"({a: [{b: [{c: 1, d: 1}, 5]}, {b: 3}]})",
       R"({a: [{b: [{c: 1}]}, {}]})"},
      {R"({"a.b": 1, "a.c": 1})", R"({a: {c: 1, b: 2, d: 3}})", R"({a: {c: 1, b: 2}})"},
      {R"({a: {b: 1, c: 1}})", R"({a: {c: 1, b: 2, d: 3}})", R"({a: {c: 1, b: 2}})"},
      {R"({"a.b": 1, a: {c: 1}})", R"({a: {c: 1, b: 2, d: 3}})", R"({a: {c: 1, b: 2}})"},
      {R"({a: {"b.c": 1}})", R"({a: {b: {c: 1, d: 2}}})", R"({a: {b: {c: 1}}})"},
      {R"({"a.0": 1})", R"({a: [{"0": 5, x: 1}, 7]})", R"({a: [{"0": 5}]})"},
      {R"({"a.0": 1})", R"({a: [1, 2]})", R"({a: []})"},
      {R"({_id: 0, "a.b": 1, c: 1})", R"({_id: 1, c: 0, a: {b: 1}})", R"({c: 0, a: {b: 1}})"},
      {R"({"a.b": 0})", R"({_id: 1, a: {b: 1, c: 2}, d: 1})", R"({_id: 1, a: {c: 2}, d: 1})"},
      {R"({a: {b: 0}})", R"({_id: 1, a: {b: 1, c: 2}, d: 1})", R"({_id: 1, a: {c: 2}, d: 1})"},
      {R"({"a.b": 0})", R"({a: [{b: 1, c: 2}, 3]})", R"({a: [{c: 2}, 3]})"},
      {R"({"a.b": 0})", R"({a: 5})", R"({a: 5})"},
      {R"({"a.b": 0})", R"({a: [[{b: 1, c: 1}], [2]]})", R"({a: [[{c: 1}], [2]]})"},
      {R"({"a.b": 0, "a.c": 0})", R"({a: {b: 1, c: 2, d: 3}})", R"({a: {d: 3}})"},
      {R"({"a.b.c": 0})", R"({a: [{b: {c: 1, d: 1}}, {b: [{c: 2}, 3]}]})",
       R"({a: [{b: {d: 1}}, {b: [{}, 3]}]})"},
      {R"({"a.b": 0, _id: 0})", R"({_id: 1, a: {b: 1}})", R"({a: {}})"},
  });
}

TEST_CASE("literal values and $literal are computed fields", "[projection]") {
  CheckRows({
      {R"({a: "x"})", R"({_id: 1, a: 1, b: 2})", R"({_id: 1, a: "x"})"},
      {R"({b: 1, a: "x"})", R"({a: 1, b: 2, _id: 1})", R"({b: 2, _id: 1, a: "x"})"},
      {R"({_id: 0, x: "lit", a: 1})", R"({a: 1, b: 2})", R"({a: 1, x: "lit"})"},
      {R"({a: null})", R"({_id: 1, a: 1})", R"({_id: 1, a: null})"},
      {R"({a: [1, "two", {b: 3}]})", R"({_id: 1})", R"({_id: 1, a: [1, "two", {b: 3}]})"},
      {R"({a: {"$date": "2020-01-01T00:00:00Z"}})", R"({_id: 1})",
       R"({_id: 1, a: {"$date": "2020-01-01T00:00:00Z"}})"},
      {R"({a: {$literal: 1}})", R"({_id: 1, a: 5})", R"({_id: 1, a: 1})"},
      {R"({a: {$literal: 0}})", R"({_id: 1, a: 5})", R"({_id: 1, a: 0})"},
      {R"({a: {$literal: "$x"}})", R"({_id: 1})", R"({_id: 1, a: "$x"})"},
      {R"({a: {$literal: {b: 1}}})", R"({_id: 1})", R"({_id: 1, a: {b: 1}})"},
      {R"({"a.b": "x"})", R"({_id: 1, a: {c: 1}})", R"({_id: 1, a: {b: "x"}})"},
      {R"({"a.b": "x"})", R"({_id: 1, a: 5})", R"({_id: 1, a: {b: "x"}})"},
      {R"({"a.b": "x"})", R"({_id: 1})", R"({_id: 1, a: {b: "x"}})"},
      {R"({"a.b": "x"})", R"({_id: 1, a: [1, {c: 1}]})", R"({_id: 1, a: [{b: "x"}, {b: "x"}]})"},
      {R"({"a.b": 1, "a.c": "x"})", R"({_id: 1, a: [1, {b: 2}]})",
       R"({_id: 1, a: [{c: "x"}, {b: 2, c: "x"}]})"},
      {R"({a: {b: 1, c: "x"}})", R"({a: {d: 1, b: 2}})", R"({a: {b: 2, c: "x"}})"},
  });
}

TEST_CASE("$slice", "[projection]") {
  const char* doc = R"({_id: 1, a: [1, 2, 3, 4, 5], b: 1})";
  CheckRows({
      {R"({a: {$slice: 2}})", doc, R"({_id: 1, a: [1, 2], b: 1})"},
      {R"({a: {$slice: -2}})", doc, R"({_id: 1, a: [4, 5], b: 1})"},
      {R"({a: {$slice: 0}})", doc, R"({_id: 1, a: [], b: 1})"},
      {R"({a: {$slice: 10}})", doc, doc},
      {R"({a: {$slice: -10}})", doc, doc},
      {R"({a: {$slice: [1, 2]}})", doc, R"({_id: 1, a: [2, 3], b: 1})"},
      {R"({a: {$slice: [-2, 1]}})", doc, R"({_id: 1, a: [4], b: 1})"},
      {R"({a: {$slice: [-10, 2]}})", doc, R"({_id: 1, a: [1, 2], b: 1})"},
      {R"({a: {$slice: [10, 2]}})", doc, R"({_id: 1, a: [], b: 1})"},
      {R"({a: {$slice: [1, 10]}})", doc, R"({_id: 1, a: [2, 3, 4, 5], b: 1})"},
      {R"({a: {$slice: 2.9}})", doc, R"({_id: 1, a: [1, 2], b: 1})"},
      {R"({a: {$slice: -2.5}})", doc, R"({_id: 1, a: [4, 5], b: 1})"},
      {R"({a: {$slice: {"$numberLong": "3"}}})", doc, R"({_id: 1, a: [1, 2, 3], b: 1})"},
      {R"({b: {$slice: 1}})", doc, doc},
      {R"({c: {$slice: 1}})", doc, doc},
      {R"({a: {$slice: 2}, _id: 0})", doc, R"({a: [1, 2], b: 1})"},
      {R"({_id: 1, a: {$slice: 2}})", doc, R"({_id: 1, a: [1, 2]})"},
      {R"({b: 1, a: {$slice: 2}})", doc, R"({_id: 1, a: [1, 2], b: 1})"},
      {R"({b: 0, a: {$slice: 2}})", doc, R"({_id: 1, a: [1, 2]})"},
      {R"({a: {$slice: 1}})", R"({a: [[1, 2], [3]]})", R"({a: [[1, 2]]})"},
      {R"({"x.a": {$slice: 1}})", R"({x: {a: [1, 2], b: 1}})", R"({x: {a: [1], b: 1}})"},
      {R"({"x.a": {$slice: 1}})", R"({x: [{a: [1, 2]}, {a: [3, 4]}, 5]})",
       R"({x: [{a: [1]}, {a: [3]}, 5]})"},
      {R"({"x.a": {$slice: 1}})", R"({x: [[{a: [1, 2]}]]})", R"({x: [[{a: [1, 2]}]]})"},
      {R"({_id: 0, "x.a": {$slice: 1}, y: 1})", R"({x: {a: [1, 2], b: 1}, y: 2})",
       R"({x: {a: [1]}, y: 2})"},
      {R"({a: {$slice: -1}, c: {$slice: 1}})", R"({a: [1, 2], c: [3, 4]})", R"({a: [2], c: [3]})"},
      // The aggregation form of $slice, where the find form does not parse:
      // a nullish argument gives null.
      {R"({a: {$slice: [null, 1]}})", doc, R"({_id: 1, a: null})"},
  });
}

TEST_CASE("the aggregation $slice fails on each document", "[projection]") {
  struct ApplyError {
    const char* spec;
    const char* message;
  };
  for (const ApplyError& row : std::vector<ApplyError>{
           {R"({a: {$slice: [1, 0]}})",
            "First argument to $slice must be an array, but is of type: int"},
           {R"({a: {$slice: [1, -1]}})",
            "First argument to $slice must be an array, but is of type: int"},
           {R"({a: {$slice: ["x", 1]}})",
            "First argument to $slice must be an array, but is of type: string"},
           {R"({a: {$slice: [2, "x"]}})",
            "First argument to $slice must be an array, but is of type: int"},
           {R"({a: {$slice: [1.5, 2, 3]}})",
            "First argument to $slice must be an array, but is of type: double"},
           {R"({a: {$slice: [{}, 2]}})",
            "First argument to $slice must be an array, but is of type: object"},
       }) {
    INFO(row.spec);
    auto got = Project(row.spec, R"({_id: 1, a: [1, 2, 3]})");
    REQUIRE_FALSE(got.ok());
    CHECK(got.status().code() == 28724);
    CHECK(got.status().reason() == row.message);
  }
}

TEST_CASE("$elemMatch", "[projection]") {
  const char* doc = R"({_id: 1, a: [{x: 1, y: 1}, {x: 2, y: 2}, {x: 2, y: 3}], b: 5})";
  CheckRows({
      {R"({a: {$elemMatch: {x: 2}}})", doc, R"({_id: 1, a: [{x: 2, y: 2}]})"},
      {R"({a: {$elemMatch: {x: 2, y: 3}}})", doc, R"({_id: 1, a: [{x: 2, y: 3}]})"},
      {R"({a: {$elemMatch: {x: 5}}})", doc, R"({_id: 1})"},
      {R"({a: {$elemMatch: {x: {$gt: 1}}}})", doc, R"({_id: 1, a: [{x: 2, y: 2}]})"},
      // Computed: after the included fields, whatever the document's order.
      {R"({b: 1, a: {$elemMatch: {x: 2}}})", doc, R"({_id: 1, b: 5, a: [{x: 2, y: 2}]})"},
      {R"({_id: 0, a: {$elemMatch: {x: 2}}})", doc, R"({a: [{x: 2, y: 2}]})"},
      {R"({_id: 1, a: {$elemMatch: {x: 2}}})", doc, R"({_id: 1, a: [{x: 2, y: 2}]})"},
      {R"({a: {$elemMatch: {$gt: 2, $lt: 4}}})", R"({_id: 1, a: [1, 2, 4, 3, 5]})",
       R"({_id: 1, a: [3]})"},
      {R"({a: {$elemMatch: {$in: [100, 4, -123]}}})", R"({_id: 1, a: [1, 2, 3, 4, 5]})",
       R"({_id: 1, a: [4]})"},
      {R"({a: {$elemMatch: {$elemMatch: {$gt: 5, $lt: 7}}}})",
       R"({_id: 1, a: [[1, 2, 3], [4, 5, 6], [7, 8, 9]]})", R"({_id: 1, a: [[4, 5, 6]]})"},
      {R"({a: {$elemMatch: {$gt: 2}}})", R"({_id: 1, a: {b: 123}, d: 456})", R"({_id: 1})"},
      {R"({a: {$elemMatch: {$gt: 2}}, d: 1})", R"({_id: 1, a: {b: 123}, d: 456})",
       R"({_id: 1, d: 456})"},
      // Beside an exclusion the computed field replaces the value in place
      // (or removes it, when nothing matches).
      {R"({a: {$elemMatch: {$gt: 2}}, d: 0})", R"({_id: 1, a: {b: 123}, d: 456})", R"({_id: 1})"},
      {R"({a: {$elemMatch: {$gt: 2}}, d: 0})", R"({_id: 1, a: [1, 3], d: 456, e: 1})",
       R"({_id: 1, a: [3], e: 1})"},
      {R"({_id: 0, x: {$elemMatch: {a: 1}}, y: {$elemMatch: {c: 3}}})",
       R"({x: [{a: 1, b: 2}, {a: 3, b: 4}], y: [{c: 1, d: 2}, {c: 3, d: 4}]})",
       R"({x: [{a: 1, b: 2}], y: [{c: 3, d: 4}]})"},
  });
}

TEST_CASE("positional $", "[projection]") {
  struct PositionalRow {
    const char* query;
    const char* spec;
    const char* doc;
    const char* expected;
  };
  const char* xy = R"({_id: 1, x: [{a: 1, b: 2}, {a: 2, c: 3}, {a: 1, d: 5}],
                        y: [{aa: 1, bb: 2}, {aa: 2, cc: 3}, {aa: 1, dd: 5}]})";
  for (
      const PositionalRow& row : std::vector<PositionalRow>{
          {R"({"x.a": 2})", R"({"x.$": 1})", xy, R"({_id: 1, x: [{a: 2, c: 3}]})"},
          {R"({"x.a": 1})", R"({"x.$": 1})", xy, R"({_id: 1, x: [{a: 1, b: 2}]})"},
          {R"({"y.dd": 5})", R"({"y.$": 1})", xy, R"({_id: 1, y: [{aa: 1, dd: 5}]})"},
          {R"({"y.dd": 5})", R"({"y.$": 1, _id: 0})", xy, R"({y: [{aa: 1, dd: 5}]})"},
          {R"({"x.y.a": 1})", R"({"x.y.$": 1})",
           R"({_id: 1, x: {y: [{a: 1, b: 1}, {a: 1, b: 2}]}})",
           R"({_id: 1, x: {y: [{a: 1, b: 1}]}})"},
          {R"({})", R"({"g.$": 1})", xy, R"({_id: 1})"},
          {R"({"a.b": 1})", R"({"g.$": 1})", R"({_id: 1, a: {b: 1}})", R"({_id: 1})"},
          {R"({x: 1})", R"({"a.$": 1})", R"({_id: 1, x: 1})", R"({_id: 1})"},
          {R"({x: {$gt: 0}})", R"({"a.b.c.$": 1})",
           R"({_id: 1, x: [-1, 1, 2], a: {b: {d: [1, 2, 3], f: 456}, e: 123}})",
           R"({_id: 1, a: {b: {}}})"},
          {R"({x: 1})", R"({"a.b.c.$": 1})", R"({_id: 1, x: [1], a: [{b: [[[{c: 1, d: 2}]]]}]})",
           R"({_id: 1, a: [{b: [[[{c: 1}]]]}]})"},
          {R"({x: {$gt: 0}})", R"({"a.b.c.$": 1})",
           R"({_id: 1, x: [-1, 1, 2], a: {b: {c: {d: {e: 1}}}}})",
           R"({_id: 1, a: {b: {c: {d: {e: 1}}}}})"},
          {R"({x: {$gt: 0}})", R"({"a.b.c.$": 1})", R"({_id: 1, x: [-1, 1, 2], a: {b: {c: 123}}})",
           R"({_id: 1, a: {b: {c: 123}}})"},
          {R"({"x.y.z": 1})", R"({"a.b.c.$": 1})",
           R"({_id: 1, x: {y: {z: [0, 1, 2]}}, a: [{b: {c: [1, 2, 3]}}, {b: {c: [4, 5, 6]}}, {b: {c: [7, 8, 9]}}]})",
           R"({_id: 1, a: [{b: {c: [4, 5, 6]}}]})"},
          {R"({"x.y.z": 1})", R"({"a.b.c.$": 1})",
           R"({_id: 1, x: {y: {z: [0, 1, 2]}}, a: {b: [{c: [1, 2, 3]}, {c: [4, 5, 6]}, {c: [7, 8, 9]}]}})",
           R"({_id: 1, a: {b: [{c: [4, 5, 6]}]}})"},
          {R"({"x.y.z": 1})", R"({"a.b.c.$": 1})",
           R"({_id: 1, x: {y: {z: [0, 1, 2]}}, a: {b: {c: [1, 2, 3]}}})",
           R"({_id: 1, a: {b: {c: [2]}}})"},
          {R"({x: {$elemMatch: {$gt: 1, $lt: 3}}})", R"({"x.$": 1})", R"({_id: 1, x: [1, 2, 3]})",
           R"({_id: 1, x: [2]})"},
          {R"({x: {$elemMatch: {y: {$gt: 1}}}})", R"({"x.$": 1})",
           R"({_id: 1, x: [{y: 1}, {y: 2}, {y: 3}]})", R"({_id: 1, x: [{y: 2}]})"},
          {R"({$and: [{a: 1}, {a: 2}, {a: 3}]})", R"({"b.$": 1})",
           R"({_id: 1, a: [1, 2, 3], b: [4, 5, 6]})", R"({_id: 1, b: [6]})"},
          {R"({$and: [{a: 3}, {a: 2}, {a: 1}]})", R"({"b.$": 1})",
           R"({_id: 1, a: [1, 2, 3], b: [4, 5, 6]})", R"({_id: 1, b: [4]})"},
          {R"({a: {$in: [2, 3]}})", R"({"b.$": 1})", R"({_id: 1, a: [1, 2, 3], b: [4, 5, 6]})",
           R"({_id: 1, b: [5]})"},
          {R"({a: 2})", R"({c: 1, "b.$": 1})", R"({_id: 1, a: [1, 2, 3], b: [4, 5, 6], c: 7})",
           R"({_id: 1, b: [5], c: 7})"},
          // The element comes from the projected array, with its subfields.
          {R"({x: 1})", R"({"a.b.$": 1})", R"({_id: 1, x: [0, 1], a: [5, {b: 1, c: 2}]})",
           R"({_id: 1, a: [{b: 1}]})"},
      }) {
    INFO(row.query << " " << row.spec << " on " << row.doc);
    auto got = Project(row.spec, row.doc, row.query);
    INFO((got.ok() ? "" : got.status().ToString()));
    REQUIRE(got.ok());
    CHECK(got.value() == Shell(row.expected));
  }
}

TEST_CASE("positional $ errors on documents", "[projection]") {
  struct Row3 {
    const char* query;
    const char* spec;
    const char* doc;
    int code;
  };
  for (const Row3& row : std::vector<Row3>{
           {R"({})", R"({"x.$": 1})", R"({x: [{a: 1}]})", 51246},
           {R"({b: [4, 5, 6]})", R"({"c.$": 1})", R"({a: [1, 2, 3], b: [4, 5, 6], c: [7, 8, 9]})",
            51246},
           {R"({$or: [{a: 1}, {b: 5}]})", R"({"a.$": 1})", R"({a: [1, 2, 3], b: [4, 5, 6]})",
            51246},
           {R"({x: 3})", R"({"a.$": 1})", R"({x: [1, 2, 3], a: [1]})", 51247},
           {R"({x: 0})", R"({"a.b.$": 1})", R"({x: [0, 1], a: [5, {b: 1}]})", 51247},
       }) {
    INFO(row.query << " " << row.spec << " on " << row.doc);
    auto got = Project(row.spec, row.doc, row.query);
    REQUIRE_FALSE(got.ok());
    CHECK(got.status().code() == row.code);
  }
  auto got = Project(R"({"x.$": 1})", R"({x: [1]})");  // no MatchDetails at all
  REQUIRE_FALSE(got.ok());
  CHECK(got.status().reason() ==
        "positional operator '.$' couldn't find a matching element in the array");
}

TEST_CASE("every BSON type passes through unchanged", "[projection]") {
  const char* fields =
      R"js(d: 1.5, s: "x", o: {p: 1}, arr: [1, "y"], bin: {"$binary": {"base64": "AAE=", "subType": "04"}},
         u: {"$undefined": true}, oid: {"$oid": "5f0000000000000000000001"}, t: true,
         date: {"$date": "2020-01-01T00:00:00Z"}, n: null,
         re: {"$regularExpression": {"pattern": "^a", "options": "i"}},
         ptr: {"$dbPointer": {"$ref": "db.c", "$id": {"$oid": "5f0000000000000000000002"}}},
         code: {"$code": "f()"}, sym: {"$symbol": "sy"}, cws: {"$code": "g()", "$scope": {v: 1}},
         i: 7, ts: {"$timestamp": {"t": 5, "i": 6}}, l: {"$numberLong": "8"},
         dec: {"$numberDecimal": "9.10"}, mn: {"$minKey": 1}, mx: {"$maxKey": 1})js";
  const std::string doc = std::string("{_id: 1, ") + fields + "}";
  const std::string without_id = std::string("{") + fields + "}";
  const std::string in_array =
      std::string("{_id: 1, all: [{z: 0, ") + fields + "}, {" + fields + "}]}";
  const std::string in_array_less_z =
      std::string("{_id: 1, all: [{") + fields + "}, {" + fields + "}]}";
  CheckRows({
      {R"({_id: 0})", doc.c_str(), without_id.c_str()},
      {R"({z: 0})", doc.c_str(), doc.c_str()},
      {R"({"all.z": 0})", in_array.c_str(), in_array_less_z.c_str()},
      {R"({all: 1})", in_array.c_str(), in_array.c_str()},
  });
}

TEST_CASE("projection type and identity", "[projection]") {
  struct TypeRow {
    const char* spec;
    bool inclusion;
    bool identity;
  };
  for (const TypeRow& row : std::vector<TypeRow>{
           {R"({})", false, true},
           {R"({_id: 0})", false, false},
           {R"({_id: 1})", true, false},
           {R"({a: {$slice: 1}})", false, false},
           {R"({_id: 1, a: {$slice: 1}})", true, false},
           {R"({_id: 0, a: {$slice: 1}})", false, false},
           {R"({a: {$elemMatch: {b: 1}}})", true, false},
           {R"({_id: 0, a: {$elemMatch: {b: 1}}})", true, false},
           {R"({a: "x"})", true, false},
           {R"({_id: 1, a: 0})", false, false},
       }) {
    INFO(row.spec);
    auto parsed = Projection::Parse(Doc(row.spec).get());
    REQUIRE(parsed.ok());
    CHECK(parsed.value().is_inclusion() == row.inclusion);
    CHECK(parsed.value().is_identity() == row.identity);
  }
  CHECK(Projection::Parse(Doc(R"({"a.$": 1})").get()).value().needs_match_details());
  CHECK_FALSE(Projection::Parse(Doc(R"({a: 1})").get()).value().needs_match_details());
}
