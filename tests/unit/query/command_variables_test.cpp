// A command's `let` (mongod's Variables::seedVariablesWithLetParameters) and
// filters with $expr seeing it (ParseExprFilter): the values, mongod's errors,
// and $expr's evaluation errors surfacing through TakeError.
#include "query/command_variables.h"

#include <catch2/catch.hpp>

#include "query/expression_match.h"
#include "tests/unit/query/query_test_util.h"

using basalt::Bson;
using basalt::query::CommandVariables;
using basalt::test::Doc;

namespace {

constexpr int64_t kNow = 1700000000000;

// Parses `filter` with the variables of `let` and matches it against `doc`.
bool Matches(const std::string& let, const std::string& filter, const std::string& doc) {
  Bson let_doc = Doc(let);
  auto vars = CommandVariables::Make(let_doc.get(), kNow);
  REQUIRE(vars.ok());
  Bson filter_doc = Doc(filter);
  auto parsed = basalt::query::ParseExprFilter(filter_doc.get(), *vars.value());
  INFO(parsed.status().ToString());
  REQUIRE(parsed.ok());
  Bson d = Doc(doc);
  bool match = parsed.value().matcher->Matches(d.get());
  REQUIRE(parsed.value().TakeError().ok());
  return match;
}

}  // namespace

TEST_CASE("let variables are evaluated once and seen by $expr", "[let]") {
  struct Row {
    std::string let, filter, doc;
    bool match;
  };
  const std::vector<Row> rows = {
      {"{}", R"({$expr: {$gt: ["$a", "$b"]}})", "{a: 2, b: 1}", true},
      {"{}", R"({$expr: {$gt: ["$a", "$b"]}})", "{a: 1, b: 2}", false},
      {"{v: 3}", R"({$expr: {$eq: ["$a", "$$v"]}})", "{a: 3}", true},
      {"{v: 3}", R"({$expr: {$eq: ["$a", "$$v"]}})", "{a: 4}", false},
      // A later variable sees the earlier ones.
      {R"({one: 1, two: {$add: ["$$one", 1]}})", R"({$expr: {$eq: ["$a", "$$two"]}})", "{a: 2}",
       true},
      // $$NOW is the command's time.
      {"{}", R"({$expr: {$eq: ["$t", "$$NOW"]}})",
       R"({t: {"$date": {"$numberLong": "1700000000000"}}})", true},
      {R"({now: "$$NOW"})", R"({$expr: {$eq: ["$t", "$$now"]}})",
       R"({t: {"$date": {"$numberLong": "1700000000000"}}})", true},
      // $expr mixed with ordinary predicates.
      {"{lim: 5}", R"({k: "x", $expr: {$lt: ["$n", "$$lim"]}})", R"({k: "x", n: 4})", true},
      {"{lim: 5}", R"({k: "x", $expr: {$lt: ["$n", "$$lim"]}})", R"({k: "y", n: 4})", false},
      {"{}", R"({$or: [{$expr: false}, {a: 1}]})", "{a: 1}", true},
  };
  for (const auto& row : rows) {
    INFO("let " << row.let << "\nfilter " << row.filter << "\ndoc " << row.doc);
    CHECK(Matches(row.let, row.filter, row.doc) == row.match);
  }
}

TEST_CASE("bad let parameters get mongod's errors", "[let]") {
  struct Row {
    std::string let;
    int code;
    std::string message;
  };
  const std::vector<Row> rows = {
      {"{Bad: 1}", 16867,
       "Invalid 'let' parameter :: caused by :: 'Bad' starts with an invalid character for a "
       "user variable name"},
      {R"({"": 1})", 16866,
       "Invalid 'let' parameter :: caused by :: empty variable names are not allowed"},
      {R"({"a.b": 1})", 16868,
       "Invalid 'let' parameter :: caused by :: 'a.b' contains an invalid character for a "
       "variable name: '.'"},
      {"{NOW: 1}", 4738901, "Attempt to set internal constant: NOW"},
      {"{CLUSTER_TIME: 1}", 4738901, "Attempt to set internal constant: CLUSTER_TIME"},
      {R"({x: "$a"})", 4890500,
       "Command let Expression tried to access a field, but this is not allowed because"
       "Command let Expressions run before the query examines any documents."},
      {R"({x: {$concat: ["$$ROOT.a", "b"]}})", 4890500,
       "Command let Expression tried to access a field, but this is not allowed because"
       "Command let Expressions run before the query examines any documents."},
      {R"({x: "$$nope"})", 17276, "Use of undefined variable: nope"},
      {R"({x: {$divide: [1, 0]}})", 2, "can't $divide by zero"},
      {R"({x: {$bogus: 1}})", 168, "Unrecognized expression '$bogus'"},
  };
  for (const auto& row : rows) {
    INFO("let " << row.let);
    Bson let = Doc(row.let);
    auto vars = CommandVariables::Make(let.get(), kNow);
    REQUIRE_FALSE(vars.ok());
    CHECK(vars.status().code() == row.code);
    CHECK(vars.status().reason() == row.message);
  }
}

TEST_CASE("$expr errors: parse errors fail the parse, evaluation errors are taken once", "[let]") {
  auto vars = CommandVariables::Now();
  Bson undefined = Doc(R"({$expr: {$eq: ["$a", "$$x"]}})");
  auto bad = basalt::query::ParseExprFilter(undefined.get(), *vars);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == 17276);

  Bson divide = Doc(R"({$expr: {$divide: [1, "$z"]}})");
  auto filter = basalt::query::ParseExprFilter(divide.get(), *vars);
  REQUIRE(filter.ok());
  Bson zero = Doc("{z: 0}");
  Bson two = Doc("{z: 2}");
  CHECK_FALSE(filter.value().matcher->Matches(zero.get()));
  basalt::Status error = filter.value().TakeError();
  CHECK(error.code() == 2);
  CHECK(error.reason() == "can't $divide by zero");
  CHECK(filter.value().TakeError().ok());
  CHECK(filter.value().matcher->Matches(two.get()));
  CHECK(filter.value().TakeError().ok());
}
