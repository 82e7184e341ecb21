// Sort tables: result orders from mongod's jstests/core/query/sort/
// sort_dotted_paths.js (undefined, null, missing, nested arrays, shared and
// unshared array prefixes, compound ascending/descending), pairwise orders
// from the manual's comparison order, pattern errors with mongod's codes and
// messages, and the Sorter's top-k, memory limit and spilling.

#include "query/sort.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "tests/unit/query/query_test_util.h"

using namespace basalt;
using namespace basalt::query;
using basalt::test::Doc;

namespace {

SortPattern Pattern(const char* spec) {
  auto p = SortPattern::Parse(Doc(spec).get());
  INFO(spec << ": " << (p.ok() ? "" : p.status().ToString()));
  REQUIRE(p.ok());
  return p.value();
}

int IdOf(const Bson& doc) {
  bson_iter_t it;
  REQUIRE(bson_iter_init_find(&it, doc.get(), "_id"));
  return static_cast<int>(NumberAsInt64(&it));
}

// Sorts `docs` with a Sorter and returns their _ids in order.
StatusWith<std::vector<int>> SortIds(const char* spec, const std::vector<const char*>& docs,
                                     SorterOptions options = {}) {
  Sorter sorter(Pattern(spec), options);
  for (const char* d : docs) {
    Status st = sorter.Add(Doc(d).get());
    if (!st.ok()) return st;
  }
  std::vector<int> ids;
  Bson out;
  while (true) {
    auto more = sorter.Next(&out);
    if (!more.ok()) return more.status();
    if (!more.value()) break;
    ids.push_back(IdOf(out));
  }
  return ids;
}

struct OrderRow {
  const char* spec;
  std::vector<int> expected;
};

// Checks each row over `docs`, without a limit, with a limit above the count
// (top-k keeping everything) and with a limit of 3.
void CheckOrders(const std::vector<const char*>& docs, const std::vector<OrderRow>& rows) {
  for (const OrderRow& row : rows) {
    INFO("sort " << row.spec);
    auto all = SortIds(row.spec, docs);
    INFO((all.ok() ? "" : all.status().ToString()));
    REQUIRE(all.ok());
    CHECK(all.value() == row.expected);
    SorterOptions top;
    top.limit = 500;
    CHECK(SortIds(row.spec, docs, top).value() == row.expected);
    top.limit = 3;
    CHECK(SortIds(row.spec, docs, top).value() ==
          std::vector<int>(row.expected.begin(), row.expected.begin() + 3));
  }
}

}  // namespace

TEST_CASE("undefined, null, missing, empty and nested arrays", "[sort]") {
  CheckOrders({R"({_id: 1, a: 1})", R"({_id: 2, a: {"$undefined": true}})", R"({_id: 3, a: null})",
               R"({_id: 4, a: {}})", R"({_id: 5, a: []})", R"({_id: 6, a: [1]})",
               R"({_id: 7, a: [[1]]})", R"({_id: 8})", R"({_id: 9, a: [{"$undefined": true}]})"},
              {
                  {R"({a: 1, _id: 1})", {2, 5, 9, 3, 8, 1, 6, 4, 7}},
                  {R"({a: -1, _id: 1})", {7, 4, 1, 6, 3, 8, 2, 5, 9}},
                  {R"({"a.0": 1, _id: 1})", {9, 1, 2, 3, 4, 5, 8, 6, 7}},
              });
}

// mongod does not expand an array reached by a positional component ("a.0"
// on {a: [[1]]} is the array [1], above every number: BtreeKeyGenerator's
// arrayNestedArray); storage/index_keys.cpp expands it to 1. Reported to the
// storage owner; kept here as mongod's expected order until it is fixed.
TEST_CASE("a positionally indexed array is not expanded", "[sort]") {
  CheckOrders({R"({_id: 1, a: 1})", R"({_id: 2, a: {"$undefined": true}})", R"({_id: 3, a: null})",
               R"({_id: 4, a: {}})", R"({_id: 5, a: []})", R"({_id: 6, a: [1]})",
               R"({_id: 7, a: [[1]]})", R"({_id: 8})", R"({_id: 9, a: [{"$undefined": true}]})"},
              {
                  {R"({"a.0": -1, _id: 1})", {7, 6, 1, 2, 3, 4, 5, 8, 9}},
              });
}

TEST_CASE("compound sorts where some documents have arrays", "[sort]") {
  CheckOrders(
      {R"({_id: 1, a: 1, b: [2]})", R"({_id: 2, a: 2, b: []})", R"({_id: 3, a: [], b: 4})",
       R"({_id: 4, a: [1], b: 4})", R"({_id: 5, a: [2, 3], b: 2})", R"({_id: 6, a: 2, b: [3, 5]})",
       R"({_id: 7, a: 1, b: [1, 3]})", R"({_id: 8, a: [1, 2], b: 3})", R"({_id: 9, a: 2, b: 3})"},
      {
          {R"({a: 1, b: 1, _id: 1})", {3, 7, 1, 8, 4, 2, 5, 6, 9}},
          {R"({a: 1, b: -1, _id: 1})", {3, 4, 7, 8, 1, 6, 9, 5, 2}},
          {R"({a: -1, b: 1, _id: 1})", {5, 2, 6, 8, 9, 7, 1, 4, 3}},
          {R"({a: -1, b: -1, _id: 1})", {5, 6, 8, 9, 2, 4, 7, 1, 3}},
      });
}

TEST_CASE("a path of length 2 through arrays", "[sort]") {
  CheckOrders(
      {R"({_id: 1, a: {b: 2}})", R"({_id: 2, a: {b: []}})", R"({_id: 3, a: {b: [2, 3]}})",
       R"({_id: 4, a: {c: 1}})", R"({_id: 5, a: []})", R"({_id: 6, a: [{b: [5]}]})",
       R"({_id: 7, a: [{b: [4, 5]}, {b: 7}]})", R"({_id: 8, a: [{b: [1, 3]}, {b: [2, 5]}]})",
       R"({_id: 9, a: [{b: []}, {b: [1, 3]}]})"},
      {
          {R"({"a.b": 1, _id: 1})", {2, 9, 4, 5, 8, 1, 3, 7, 6}},
          {R"({"a.b": 1, _id: -1})", {9, 2, 5, 4, 8, 3, 1, 7, 6}},
          {R"({"a.b": -1, _id: 1})", {7, 6, 8, 3, 9, 1, 4, 5, 2}},
          {R"({"a.b": -1, _id: -1})", {7, 8, 6, 9, 3, 1, 5, 4, 2}},
      });
}

TEST_CASE("two paths sharing an array take values from the same element", "[sort]") {
  CheckOrders({R"({_id: 1, a: [{b: 4, c: 1}, {b: 1, c: 2}]})",
               R"({_id: 2, a: [{b: 2, c: 1}, {b: 4, c: 2}]})",
               R"({_id: 3, a: [{b: 6, c: 1}, {b: 9, c: 2}]})",
               R"({_id: 4, a: [{b: 4, c: 1}, {b: 5, c: 3}]})",
               R"({_id: 5, a: [{b: 2, c: 1}, {b: 7, c: 3}]})",
               R"({_id: 6, a: [{b: 5, c: 1}, {b: 3, c: 3}]})",
               R"({_id: 7, a: [{b: 7, c: 2}, {b: 2, c: 3}]})",
               R"({_id: 8, a: [{b: 3, c: 2}, {b: 8, c: 3}]})",
               R"({_id: 9, a: [{b: 8, c: 2}, {b: 6, c: 3}]})"},
              {
                  {R"({"a.c": 1, "a.b": 1, _id: 1})", {2, 5, 1, 4, 6, 3, 8, 7, 9}},
                  {R"({"a.c": 1, "a.b": -1, _id: 1})", {3, 6, 1, 4, 2, 5, 9, 7, 8}},
                  {R"({"a.c": -1, "a.b": 1, _id: 1})", {7, 6, 4, 9, 5, 8, 1, 2, 3}},
                  {R"({"a.c": -1, "a.b": -1, _id: 1})", {8, 5, 9, 4, 6, 7, 3, 2, 1}},
                  {R"({"a.c": 1, a: 1, _id: 1})", {2, 5, 1, 4, 6, 3, 8, 7, 9}},
                  {R"({"a.c": 1, a: -1, _id: 1})", {3, 6, 1, 4, 2, 5, 9, 7, 8}},
                  {R"({"a.c": -1, a: 1, _id: 1})", {7, 6, 4, 9, 5, 8, 1, 2, 3}},
                  {R"({"a.c": -1, a: -1, _id: 1})", {8, 5, 9, 4, 6, 7, 3, 2, 1}},
              });
}

TEST_CASE("shared array prefixes with nested arrays, and a.0.b", "[sort]") {
  CheckOrders({R"({_id: 1, a: [{b: [4, 1], c: 1}, {b: [1, 5], c: 2}]})",
               R"({_id: 2, a: [{b: 2, c: [1, 3]}, {b: 4, c: [2, 4]}]})",
               R"({_id: 3, a: [{b: [6, 4], c: 1}, {b: [9, 7], c: 2}]})",
               R"({_id: 4, a: [{b: 4, c: [1, 2]}, {b: 5, c: [3, 2]}]})",
               R"({_id: 5, a: [{b: [2, 3], c: 1}, {b: [7, 6], c: 3}]})",
               R"({_id: 6, a: [{b: 5, c: []}, {b: 3, c: 3}]})",
               R"({_id: 7, a: [{b: [], c: 2}, {b: 2, c: 3}]})",
               R"({_id: 8, a: [{b: 3, c: [2]}, {b: 8, c: [3]}]})",
               R"({_id: 9, a: [{b: [8], c: 2}, {b: [6], c: 3}]})"},
              {
                  {R"({"a.c": 1, "a.b": 1, _id: 1})", {6, 1, 2, 5, 3, 4, 7, 8, 9}},
                  {R"({"a.c": 1, "a.b": -1, _id: 1})", {6, 3, 1, 4, 5, 2, 9, 8, 7}},
                  {R"({"a.c": -1, "a.b": 1, _id: 1})", {2, 7, 6, 4, 5, 9, 8, 1, 3}},
                  {R"({"a.c": -1, "a.b": -1, _id: 1})", {2, 8, 5, 9, 4, 6, 7, 3, 1}},
                  {R"({"a.b": 1, a: 1, _id: 1})", {7, 1, 2, 5, 6, 8, 4, 3, 9}},
                  {R"({"a.b": 1, a: -1, _id: 1})", {7, 1, 5, 2, 8, 6, 3, 4, 9}},
                  {R"({"a.b": -1, a: 1, _id: 1})", {3, 8, 9, 5, 6, 4, 1, 2, 7}},
                  {R"({"a.b": -1, a: -1, _id: 1})", {3, 9, 8, 5, 1, 4, 6, 2, 7}},
                  {R"({"a.0.b": 1, _id: 1})", {7, 1, 2, 5, 8, 3, 4, 6, 9}},
                  {R"({"a.0.b": 1, _id: -1})", {7, 1, 5, 2, 8, 4, 3, 6, 9}},
                  {R"({"a.0.b": -1, _id: 1})", {9, 3, 6, 1, 4, 5, 8, 2, 7}},
                  {R"({"a.0.b": -1, _id: -1})", {9, 3, 6, 4, 1, 8, 5, 2, 7}},
              });
}

TEST_CASE("two paths through different arrays in different documents", "[sort]") {
  CheckOrders({R"({_id: 1, a: {b: 1}, c: [{d: [4, 1]}, {d: [1, 5]}]})",
               R"({_id: 2, a: [{b: [1, 3]}, {b: [2, 4]}], c: {d: 2}})",
               R"({_id: 3, a: {b: 1}, c: [{d: [6, 4]}, {d: [9, 7]}]})",
               R"({_id: 4, a: [{b: [2]}, {b: [3, 2]}], c: {d: 4}})",
               R"({_id: 5, a: {b: 1}, c: [{d: [2, 3]}, {d: [7, 6]}]})",
               R"({_id: 6, a: [{b: []}, {b: 3}], c: {d: 4}})",
               R"({_id: 7, a: {b: 2}, c: [{d: []}, {d: 2}]})",
               R"({_id: 8, a: [{b: [2]}, {b: [3]}], c: {d: 3}})",
               R"({_id: 9, a: {b: 3}, c: [{d: [8]}, {d: [6]}]})"},
              {
                  {R"({"a.b": 1, "c.d": 1, _id: 1})", {6, 1, 2, 5, 3, 7, 8, 4, 9}},
                  {R"({"a.b": 1, "c.d": -1, _id: 1})", {6, 3, 5, 1, 2, 4, 8, 7, 9}},
                  {R"({"a.b": -1, "c.d": 1, _id: 1})", {2, 8, 4, 6, 9, 7, 1, 5, 3}},
                  {R"({"a.b": -1, "c.d": -1, _id: 1})", {2, 9, 4, 6, 8, 7, 3, 5, 1}},
              });
}

TEST_CASE("a path of length 3", "[sort]") {
  CheckOrders({R"({_id: 1, a: {b: {c: 2}}})", R"({_id: 2, a: {b: {c: []}}})",
               R"({_id: 3, a: [{b: []}, {b: {c: []}}]})", R"({_id: 4, a: [{b: {c: 1}}]})",
               R"({_id: 5, a: {b: [{c: 3}, {d: 1}]}})", R"({_id: 6, a: {b: [{c: [5]}]}})",
               R"({_id: 7, a: []})", R"({_id: 8, a: {b: [{c: [1, 3]}, {c: [2, 5]}]}})",
               R"({_id: 9, a: [{b: [{c: []}, {c: [1, 3]}]}]})"},
              {
                  {R"({"a.b.c": 1, _id: 1})", {2, 3, 9, 5, 7, 4, 8, 1, 6}},
                  {R"({"a.b.c": 1, _id: -1})", {9, 3, 2, 7, 5, 8, 4, 1, 6}},
                  {R"({"a.b.c": -1, _id: 1})", {6, 8, 5, 9, 1, 4, 3, 7, 2}},
                  {R"({"a.b.c": -1, _id: -1})", {8, 6, 9, 5, 1, 4, 7, 3, 2}},
              });
}

TEST_CASE("BSON type order", "[sort]") {
  const std::vector<const char*> docs = {
      R"({_id: 14, a: {"$maxKey": 1}})",
      R"({_id: 13, a: {"$regularExpression": {"pattern": "x", "options": ""}}})",
      R"({_id: 12, a: {"$timestamp": {"t": 1, "i": 1}}})",
      R"({_id: 11, a: {"$date": "2020-01-01T00:00:00Z"}})",
      R"({_id: 10, a: true})",
      R"({_id: 9, a: false})",
      R"({_id: 8, a: {"$oid": "5f0000000000000000000000"}})",
      R"({_id: 7, a: {"$binary": {"base64": "AA==", "subType": "00"}}})",
      R"({_id: 6, a: [[1]]})",
      R"({_id: 5, a: {b: 1}})",
      R"({_id: 4, a: "x"})",
      R"({_id: 3, a: 1})",
      R"({_id: 2, a: null})",
      R"({_id: 1, a: {"$minKey": 1}})",
  };
  CheckOrders(docs, {{R"({a: 1})", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}},
                     {R"({a: -1})", {14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1}}});
}

TEST_CASE("equal keys keep their input order", "[sort]") {
  CheckOrders({R"({_id: 1, a: 1})", R"({_id: 2, a: 1.0})", R"({_id: 3, a: {"$numberLong": "1"}})",
               R"({_id: 4, a: {"$numberDecimal": "1.00"}})", R"({_id: 5})", R"({_id: 6, a: null})",
               R"({_id: 7, a: [1, 2]})"},
              {{R"({a: 1})", {5, 6, 1, 2, 3, 4, 7}}, {R"({a: -1})", {7, 1, 2, 3, 4, 5, 6}}});
}

TEST_CASE("pairwise order", "[sort]") {
  struct PairRow {
    const char* spec;
    const char* a;
    const char* b;
    int expected;  // <0: a sorts first
  };
  for (const PairRow& row : std::vector<PairRow>{
           {R"({a: 1})", R"({a: 1})", R"({a: 2})", -1},
           {R"({a: 1})", R"({a: 2})", R"({a: 1})", 1},
           {R"({a: 1})", R"({a: 1})", R"({a: 1.0})", 0},
           {R"({a: 1})", R"({a: {"$numberLong": "5"}})", R"({a: 5.0})", 0},
           {R"({a: 1})", R"({a: {"$numberDecimal": "5.0"}})", R"({a: 5})", 0},
           {R"({a: 1})", R"({a: -0.0})", R"({a: 0})", 0},
           {R"({a: 1})", R"({a: {"$numberDouble": "NaN"}})",
            R"({a: {"$numberDouble": "-Infinity"}})", -1},
           {R"({a: 1})", R"({a: {"$numberDouble": "Infinity"}})",
            R"({a: {"$numberLong": "9223372036854775807"}})", 1},
           {R"({a: 1})", R"({a: {"$numberLong": "9007199254740993"}})",
            R"({a: 9007199254740992.0})", 1},
           {R"({a: 1})", R"({a: 2.5})", R"({a: 3})", -1},
           {R"({a: 1})", R"({a: "a"})", R"({a: "b"})", -1},
           {R"({a: 1})", R"({a: "ab"})", R"({a: "b"})", -1},
           {R"({a: 1})", R"({a: "B"})", R"({a: "a"})", -1},
           {R"({a: 1})", R"({a: ""})", R"({a: "a"})", -1},
           {R"({a: 1})", R"({a: 100})", R"({a: "1"})", -1},
           {R"({a: 1})", R"({a: "z"})", R"({a: {}})", -1},
           {R"({a: 1})", R"({a: {}})", R"({a: [[1]]})", -1},
           {R"({a: 1})", R"({a: {b: 1}})", R"({a: {b: 2}})", -1},
           {R"({a: 1})", R"({a: {b: 1}})", R"({a: {c: 0}})", -1},
           {R"({a: 1})", R"({a: {b: 1}})", R"({a: {b: 1, c: 1}})", -1},
           {R"({a: 1})", R"({a: {b: 2}})", R"({a: {b: "x"}})", -1},
           {R"({a: 1})", R"({a: [[1]]})",
            R"({a: {"$binary": {"base64": "AA==", "subType": "00"}}})", -1},
           {R"({a: 1})", R"({a: {"$oid": "5f0000000000000000000000"}})", R"({a: false})", -1},
           {R"({a: 1})", R"({a: false})", R"({a: true})", -1},
           {R"({a: 1})", R"({a: true})", R"({a: {"$date": "2020-01-01T00:00:00Z"}})", -1},
           {R"({a: 1})", R"({a: {"$date": "2019-01-01T00:00:00Z"}})",
            R"({a: {"$date": "2020-01-01T00:00:00Z"}})", -1},
           {R"({a: 1})", R"({a: {"$minKey": 1}})", R"({a: null})", -1},
           {R"({a: 1})", R"({a: {"$maxKey": 1}})",
            R"({a: {"$regularExpression": {"pattern": "x", "options": ""}}})", 1},
           {R"({a: 1})", R"({})", R"({a: null})", 0},
           {R"({a: 1})", R"({b: 1})", R"({a: null, b: 2})", 0},
           {R"({a: 1})", R"({a: {"$undefined": true}})", R"({a: null})", -1},
           {R"({a: 1})", R"({a: []})", R"({a: {"$undefined": true}})", 0},
           {R"({a: 1})", R"({a: []})", R"({})", -1},
           {R"({a: 1})", R"({a: [1, 5]})", R"({a: 3})", -1},
           {R"({a: 1})", R"({a: [4, 5]})", R"({a: 3})", 1},
           {R"({a: 1})", R"({a: [1, "x"]})", R"({a: 2})", -1},
           {R"({a: 1})", R"({a: ["x", null]})", R"({a: 1})", -1},
           {R"({a: 1})", R"({a: [[]]})", R"({a: []})", 1},
           {R"({a: 1})", R"({a: [2, [1]]})", R"({a: 3})", -1},
           {R"({a: 1})", R"({a: [{b: 1}]})", R"({a: {b: 1}})", 0},
           {R"({a: -1})", R"({a: 1})", R"({a: 2})", 1},
           {R"({a: -1})", R"({a: [1, 5]})", R"({a: 3})", -1},
           {R"({a: -1})", R"({a: [1, 2]})", R"({a: 3})", 1},
           {R"({a: -1})", R"({a: []})", R"({a: null})", 1},
           {R"({a: -1})", R"({})", R"({a: null})", 0},
           {R"({a: -1})", R"({a: "x"})", R"({a: 5})", -1},
           {R"({a: -1})", R"({a: [1, "x"]})", R"({a: "a"})", -1},
           {R"({a: -1})", R"({a: [null, 0]})", R"({a: -1})", -1},
           {R"({"a.b": 1})", R"({a: {b: 1}})", R"({a: [{b: 0}, {b: 5}]})", 1},
           {R"({"a.b": 1})", R"({a: 5})", R"({a: {b: null}})", 0},
           {R"({"a.b": 1})", R"({a: [1, 2]})", R"({})", 0},
           {R"({"a.b": 1})", R"({a: {b: [3, 1]}})", R"({a: {b: 2}})", -1},
           {R"({"a.b": -1})", R"({a: [{b: 1}, {b: 9}]})", R"({a: {b: 5}})", -1},
           {R"({"a.0": 1})", R"({a: [5, 1]})", R"({a: [3]})", 1},
           {R"({"a.0": 1})", R"({a: {"0": 2}})", R"({a: [3]})", -1},
           {R"({"a.1": 1})", R"({a: [9]})", R"({a: [1, 2]})", -1},
           {R"({"a.b.c": 1})", R"({a: {b: {c: "x"}}})", R"({a: {b: {c: 1}}})", 1},
           {R"({a: 1, b: -1})", R"({a: 1, b: 1})", R"({a: 1, b: 2})", 1},
           {R"({a: 1, b: -1})", R"({a: 0, b: 1})", R"({a: 1, b: 2})", -1},
           {R"({a: -1, b: 1})", R"({a: [1, 3], b: 5})", R"({a: 3, b: 4})", 1},
           {R"({a: 1, b: 1})", R"({a: [3, 1], b: 0})", R"({a: 1, b: 1})", -1},
           {R"({a: 1, b: 1, c: 1})", R"({a: 1, b: 1, c: 2})", R"({a: 1, b: 1, c: 1})", 1},
           {R"({b: 1, a: 1})", R"({a: 2, b: 1})", R"({a: 1, b: 2})", -1},
       }) {
    INFO(row.spec << ": " << row.a << " vs " << row.b);
    auto c = Pattern(row.spec).Compare(Doc(row.a).get(), Doc(row.b).get());
    INFO((c.ok() ? "" : c.status().ToString()));
    REQUIRE(c.ok());
    CHECK(c.value() == row.expected);
  }
}

TEST_CASE("parallel arrays cannot be sorted", "[sort]") {
  struct ParallelRow {
    const char* spec;
    const char* doc;
  };
  for (const ParallelRow& row : std::vector<ParallelRow>{
           {R"({a: 1, b: 1})", R"({_id: 3, a: [], b: []})"},
           {R"({_id: 1, a: 1, b: 1})", R"({_id: 3, a: [1], b: [2]})"},
           {R"({a: 1, _id: 1, b: 1})", R"({_id: 3, a: [1, 2], b: [3, 4]})"},
           {R"({"a.b": 1, "a.c": 1})", R"({_id: 1, a: {b: [1, 2], c: [3, 4]}})"},
           {R"({"a.b": 1, "c.d": 1})", R"({_id: 1, a: {b: [1, 2]}, c: {d: [3, 4]}})"},
       }) {
    INFO(row.spec << " on " << row.doc);
    auto key = Pattern(row.spec).Key(Doc(row.doc).get());
    REQUIRE_FALSE(key.ok());
    CHECK(key.status().code() == ErrorCodes::BadValue);
    CHECK(key.status().reason() == "cannot sort with keys that are parallel arrays");
  }
  // Fine while only one of them is an array.
  CHECK(SortIds(R"({a: 1, b: 1})", {R"({_id: 1, a: [], b: 1})", R"({_id: 2, a: 1, b: []})"})
            .value() == std::vector<int>{1, 2});
}

TEST_CASE("sort pattern errors", "[sort]") {
  struct ErrorRow {
    const char* spec;
    int code;
    const char* message;
  };
  const char* kOrdering = "$sort key ordering must be 1 (for ascending) or -1 (for descending)";
  for (const ErrorRow& row : std::vector<ErrorRow>{
           {R"({a: 2})", 15975, kOrdering},
           {R"({a: 0})", 15975, kOrdering},
           {R"({a: 0.5})", 15975, kOrdering},
           {R"({a: 42.12})", 15975, kOrdering},
           {R"({a: {"$numberLong": "9223372036854775807"}})", 15975, kOrdering},
           {R"({a: {"$numberDouble": "NaN"}})", 15975, kOrdering},
           {R"({a: {"$numberDouble": "Infinity"}})", 15975, kOrdering},
           {R"({a: {"$numberDecimal": "1.5"}})", 15975, kOrdering},
           {R"({a: 1, b: 3})", 15975, kOrdering},
           {R"({a: "x"})", 15974, R"(Illegal key in $sort specification: a: "x")"},
           {R"({asc: "123"})", 15974, R"(Illegal key in $sort specification: asc: "123")"},
           {R"({a: true})", 15974, "Illegal key in $sort specification: a: true"},
           {R"({a: null})", 15974, "Illegal key in $sort specification: a: null"},
           {R"({a: [1]})", 15974, "Illegal key in $sort specification: a: [ 1 ]"},
           {R"({"": 1})", 40352, "FieldPath cannot be constructed with empty string"},
           {R"({"a..b": 1})", 15998, "FieldPath field names may not be empty strings."},
           {R"({"a.": -1})", 40353, "FieldPath must not end with a '.'."},
           {R"({$a: 1})", 16410,
            "FieldPath field names may not start with '$'. Consider using $getField or $setField."},
           {R"({a: 1, a: -1})", 7472500,
            "$sort key must not contain duplicate keys (duplicate: 'a')"},
           {R"({a: {$meta: "foo"}})", 31138, R"(Illegal $meta sort: $meta: "foo")"},
           {R"({a: {$meta: 1}})", 31138, "Illegal $meta sort: $meta: 1"},
           {R"({a: {$foo: 1}})", 17312,
            "$meta is the only expression supported by $sort right now"},
           {R"({a: {}})", 17312, "$meta is the only expression supported by $sort right now"},
           {R"({a: {$meta: "textScore", b: 1}})", ErrorCodes::FailedToParse,
            "Cannot have additional keys in a $meta sort specification"},
           {R"({a: {$meta: "textScore"}})", ErrorCodes::NotImplemented,
            R"(sorting by {$meta: "textScore"} is not supported by Basalt yet)"},
       }) {
    INFO(row.spec);
    auto p = SortPattern::Parse(Doc(row.spec).get());
    REQUIRE_FALSE(p.ok());
    CHECK(p.status().code() == row.code);
    CHECK(p.status().reason() == row.message);
  }
}

TEST_CASE("sort directions accept any number that is 1 or -1 once truncated", "[sort]") {
  struct DirRow {
    const char* spec;
    bool descending;
  };
  for (const DirRow& row : std::vector<DirRow>{
           {R"({a: 1})", false},
           {R"({a: -1})", true},
           {R"({a: 1.0})", false},
           {R"({a: 1.9})", false},
           {R"({a: -1.5})", true},
           {R"({a: {"$numberLong": "-1"}})", true},
           {R"({a: {"$numberDecimal": "1"}})", false},
           {R"({a: {"$numberDecimal": "-1.0"}})", true},
       }) {
    INFO(row.spec);
    const SortPattern p = Pattern(row.spec);
    REQUIRE(p.size() == 1);
    CHECK(p.descending()[0] == row.descending);
    CHECK(p.fields()[0] == "a");
  }
  CHECK(Pattern("{}").empty());
  CHECK(Pattern(R"({"a.b": 1, c: -1})").fields() == std::vector<std::string>{"a.b", "c"});
}
