// Plan selection (query/find_plan.h): which index and intervals a filter,
// sort and min/max lead to, checked on the in-memory engine.
#include "query/find_plan.h"

#include <catch2/catch.hpp>
#include <string>

#include "base/bson_shell.h"
#include "query/sort.h"
#include "storage/engine.h"
#include "tests/unit/query/matcher_test_util.h"

using namespace basalt;
using namespace basalt::query::testing;
using Kind = basalt::query::FindPlan::Kind;

namespace {

struct Fixture {
  Fixture() {
    storage::EngineOptions options;
    options.kind = storage::EngineOptions::Kind::kInMemory;
    auto opened = storage::Engine::Open(options);
    REQUIRE(opened.ok());
    engine = std::move(opened.value());
    coll = engine->GetOrCreateCollection("test", "plans", false).value();
    for (const char* spec : {R"({"key": {"a": 1}, "name": "a_1"})",
                             R"({"key": {"a": 1, "b": -1}, "name": "a_1_b_-1"})",
                             R"({"key": {"c": 1}, "name": "c_1", "sparse": true})"}) {
      Bson doc = Doc(spec);
      REQUIRE(coll->CreateIndex(doc.get(), false).ok());
    }
  }

  StatusWith<query::FindPlan> Plan(const std::string& filter, const std::string& sort = "{}",
                                   const std::string& hint = "{}", const std::string& min = "{}",
                                   const std::string& max = "{}") {
    filter_ = Doc(filter);
    hint_ = Doc(hint);
    min_ = Doc(min);
    max_ = Doc(max);
    sort_spec_ = Doc(sort);
    auto pattern = query::SortPattern::Parse(sort_spec_.get());
    REQUIRE(pattern.ok());
    sort_ = std::move(pattern.value());
    query::FindPlanRequest request;
    request.filter = filter_.get();
    request.hint = hint_.get();
    request.sort = &*sort_;
    request.min = min_.get();
    request.max = max_.get();
    return query::ChooseFindPlan(coll.get(), request);
  }

  std::unique_ptr<storage::Engine> engine;
  std::shared_ptr<storage::Collection> coll;

 private:
  Bson filter_, hint_, min_, max_, sort_spec_;
  std::optional<query::SortPattern> sort_;
};

std::string IndexOf(const query::FindPlan& plan) {
  return plan.kind == Kind::kIndexScan ? plan.index->name() : "";
}

}  // namespace

TEST_CASE("plans without a sort", "[find_plan]") {
  Fixture f;
  struct Row {
    const char* filter;
    Kind kind;
    const char* index;
    size_t intervals;
  };
  for (const Row& row : {
           Row{R"({"_id": 3})", Kind::kIdLookup, "", 0},
           Row{R"({"x": 3})", Kind::kCollectionScan, "", 0},
           Row{R"({"a": 3})", Kind::kIndexScan, "a_1", 1},
           Row{R"({"a": 3, "b": {"$gt": 1}})", Kind::kIndexScan, "a_1_b_-1", 1},
           Row{R"({"a": {"$in": [3, 1, 3, 2]}})", Kind::kIndexScan, "a_1", 3},
           Row{R"({"a": {"$in": [1, 2]}, "b": {"$in": [5, 6]}})", Kind::kIndexScan, "a_1_b_-1", 4},
           Row{R"({"a": {"$in": [1, null]}})", Kind::kCollectionScan, "", 0},
           Row{R"({"a": {"$in": [1, [2]]}})", Kind::kCollectionScan, "", 0},
           Row{R"({"a": {"$in": [1, 2]}, "b": {"$lt": 4}})", Kind::kIndexScan, "a_1_b_-1", 2},
           // $expr constrains no field: the rest of the filter is planned alone.
           Row{R"({"$expr": {"$eq": ["$a", 3]}})", Kind::kCollectionScan, "", 0},
           Row{R"({"a": 3, "$expr": {"$gt": ["$b", "$a"]}})", Kind::kIndexScan, "a_1", 1},
           Row{R"({"$expr": {"$lt": ["$x", 1]}, "_id": 3})", Kind::kIdLookup, "", 0},
       }) {
    INFO(row.filter);
    auto plan = f.Plan(row.filter);
    REQUIRE(plan.ok());
    CHECK(plan.value().kind == row.kind);
    CHECK(IndexOf(plan.value()) == row.index);
    CHECK(plan.value().intervals.size() == row.intervals);
    CHECK_FALSE(plan.value().provides_sort);
  }
}

TEST_CASE("$in intervals are in index order, reversed for a descending field", "[find_plan]") {
  Fixture f;
  auto plan = f.Plan(R"({"a": {"$in": [3, 1, 2]}})");
  REQUIRE(plan.ok());
  const auto& iv = plan.value().intervals;
  REQUIRE(iv.size() == 3);
  CHECK(iv[0].start < iv[1].start);
  CHECK(iv[1].start < iv[2].start);
  CHECK(plan.value().bounds.start == iv[0].start);
}

TEST_CASE("a sort an index gives skips the blocking sort", "[find_plan]") {
  Fixture f;
  struct Row {
    const char* filter;
    const char* sort;
    const char* index;  // "" : no index provides it
    bool forward;
  };
  for (const Row& row : {
           Row{"{}", R"({"a": 1})", "a_1", true},
           Row{"{}", R"({"a": -1})", "a_1", false},
           Row{"{}", R"({"_id": -1})", "_id_", false},
           Row{"{}", R"({"a": 1, "b": -1})", "a_1_b_-1", true},
           Row{"{}", R"({"a": -1, "b": 1})", "a_1_b_-1", false},
           Row{"{}", R"({"a": 1, "b": 1})", "", true},
           Row{"{}", R"({"b": 1})", "", true},
           Row{"{}", R"({"c": 1})", "", true},  // sparse: would miss documents
           Row{R"({"x": 1})", R"({"a": 1})", "a_1", true},
           Row{R"({"a": 2})", R"({"b": 1})", "a_1_b_-1", false},
           Row{R"({"a": 2})", R"({"a": 1, "b": -1})", "a_1_b_-1", true},
       }) {
    INFO(row.filter << " sort " << row.sort);
    auto plan = f.Plan(row.filter, row.sort);
    REQUIRE(plan.ok());
    CHECK(plan.value().provides_sort == (row.index[0] != '\0'));
    if (row.index[0] == '\0') continue;
    CHECK(IndexOf(plan.value()) == row.index);
    CHECK(plan.value().forward == row.forward);
  }
}

TEST_CASE("a range or $in on a sort field serves the sort until the field holds an array",
          "[find_plan]") {
  Fixture f;
  const char* filters[] = {R"({"a": {"$gt": 2}})", R"({"a": {"$in": [1, 2]}})"};
  for (const char* filter : filters) {
    INFO(filter);
    auto plan = f.Plan(filter, R"({"a": 1})");
    REQUIRE(plan.ok());
    CHECK(IndexOf(plan.value()) == "a_1");
    CHECK(plan.value().provides_sort);
    CHECK(plan.value().dedupe == (plan.value().intervals.size() > 1));
  }
  Bson array = Doc(R"({"_id": 1, "a": [1, 5]})");
  REQUIRE(f.coll->Insert(array.get(), false).ok());
  for (const char* filter : filters) {
    INFO(filter);
    auto plan = f.Plan(filter, R"({"a": 1})");
    REQUIRE(plan.ok());
    CHECK(IndexOf(plan.value()) == "a_1");
    CHECK_FALSE(plan.value().provides_sort);
    CHECK(plan.value().dedupe);
    CHECK(plan.value().multikey_paths == std::vector<uint64_t>{1});
  }
  // A sort on the whole (multikey) field still comes from the index.
  auto whole = f.Plan("{}", R"({"a": 1})");
  REQUIRE(whole.ok());
  CHECK(whole.value().provides_sort);
}

TEST_CASE("index bounds print as mongod's explain shows them", "[find_plan]") {
  Fixture f;
  struct Row {
    const char* filter;
    const char* sort;
    const char* bounds;
  };
  for (const Row& row : {
           Row{R"({"a": 5})", "{}", R"b({ a: [ "[5, 5]" ] })b"},
           Row{R"({"a": {"$gte": 2.5, "$lt": 7}})", "{}", R"b({ a: [ "[2.5, 7)" ] })b"},
           Row{R"({"a": {"$gt": 2}})", "{}", R"b({ a: [ "(2, inf.0]" ] })b"},
           Row{R"({"a": {"$lte": "q"}})", "{}", R"b({ a: [ "["", "q"]" ] })b"},
           Row{R"({"a": {"$gt": "q"}})", "{}", R"b({ a: [ "("q", {})" ] })b"},
           Row{R"({"a": {"$gt": true}})", "{}", R"b({ a: [ "(true, true]" ] })b"},
           Row{R"({"a": {"$in": [3, 1, 3]}})", "{}", R"b({ a: [ "[1, 1]", "[3, 3]" ] })b"},
           Row{R"({"a": {"$in": [3, 1]}})", R"({"a": -1})", R"b({ a: [ "[3, 3]", "[1, 1]" ] })b"},
           Row{"{}", R"({"a": -1})", R"b({ a: [ "[MaxKey, MinKey]" ] })b"},
           Row{R"({"a": 1, "b": {"$lt": 4}})", "{}", R"b({ a: [ "[1, 1]" ], b: [ "(4, -inf.0]" ] })b"},
           Row{R"({"a": {"$in": [1, 2]}, "b": 7})", "{}",
               R"b({ a: [ "[1, 1]", "[2, 2]" ], b: [ "[7, 7]" ] })b"},
       }) {
    INFO(row.filter << " sort " << row.sort);
    auto plan = f.Plan(row.filter, row.sort);
    REQUIRE(plan.ok());
    REQUIRE(plan.value().kind == Kind::kIndexScan);
    CHECK(ShellString(plan.value().index_bounds.get()) == row.bounds);
  }
}

TEST_CASE("a hinted index gives the sort when its bounds are equalities", "[find_plan]") {
  Fixture f;
  auto plan = f.Plan(R"({"a": 1})", R"({"b": -1})", R"({"a": 1, "b": -1})");
  REQUIRE(plan.ok());
  CHECK(plan.value().provides_sort);
  CHECK(plan.value().forward);
  auto natural = f.Plan("{}", R"({"a": 1})", R"({"$natural": -1})");
  REQUIRE(natural.ok());
  CHECK(natural.value().kind == Kind::kCollectionScan);
  CHECK_FALSE(natural.value().forward);
}

TEST_CASE("min/max plans and mongod's errors", "[find_plan]") {
  Fixture f;
  auto plan = f.Plan("{}", "{}", R"({"a": 1})", R"({"a": 2})", R"({"a": 5})");
  REQUIRE(plan.ok());
  CHECK(plan.value().min_max);
  CHECK(IndexOf(plan.value()) == "a_1");
  REQUIRE(plan.value().intervals.size() == 1);
  CHECK(plan.value().intervals[0].start_inclusive);
  CHECK_FALSE(plan.value().intervals[0].end_inclusive);
  auto open_max = f.Plan("{}", "{}", R"({"$hint": "a_1"})", R"({"a": 2})");
  REQUIRE(open_max.ok());
  CHECK(open_max.value().intervals[0].end.empty());

  struct Row {
    const char* hint;
    const char* min;
    const char* max;
    int code;
  };
  for (const Row& row : {
           Row{"{}", R"({"a": 1})", "{}", 51173},
           Row{R"({"$natural": 1})", "{}", R"({"a": 1})", 51173},
           Row{R"({"a": 1})", R"({"b": 1})", "{}", 51174},
           Row{R"({"a": 1, "b": -1})", R"({"a": 1})", "{}", 51174},
           Row{R"({"a": 1, "b": -1})", R"({"b": 1, "a": 1})", "{}", 51174},
           Row{R"({"a": 1})", R"({"a": 5})", R"({"a": 5})", 51175},
           Row{R"({"a": 1})", R"({"a": 6})", R"({"a": 5})", 51175},
           Row{R"({"a": 1, "b": -1})", R"({"a": 1, "b": 1})", R"({"a": 1, "b": 2})", 51175},
           Row{R"({"nope": 1})", R"({"a": 1})", "{}", 2},
       }) {
    INFO(row.hint << " " << row.min << " " << row.max);
    auto failed = f.Plan("{}", "{}", row.hint, row.min, row.max);
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.status().code() == row.code);
  }
}
