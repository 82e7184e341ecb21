// Projection spec errors: each row is a spec and the code and message mongod
// 7.0 gives for it (projection_parser.cpp, field_path.cpp, the jstests under
// core/query/project), plus the specs Basalt refuses until it has
// aggregation expressions.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "query/projection.h"
#include "tests/unit/query/query_test_util.h"

using namespace basalt;
using namespace basalt::query;
using basalt::test::Doc;

namespace {

struct ErrorRow {
  const char* spec;
  int code;
  const char* message;
};

void CheckErrors(const std::vector<ErrorRow>& rows) {
  for (const ErrorRow& row : rows) {
    INFO("spec " << row.spec);
    auto parsed = Projection::Parse(Doc(row.spec).get());
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == row.code);
    CHECK(parsed.status().reason() == row.message);
  }
}

}  // namespace

TEST_CASE("mixing inclusion and exclusion, path collisions", "[projection]") {
  CheckErrors({
      {R"({a: 1, b: 0})", 31254, "Cannot do exclusion on field b in inclusion projection"},
      {R"({a: 0, b: 1})", 31253, "Cannot do inclusion on field b in exclusion projection"},
      {R"({_id: 0, a: 1, b: 0})", 31254, "Cannot do exclusion on field b in inclusion projection"},
      {R"({a: 1, _id: 1, b: 0})", 31254, "Cannot do exclusion on field b in inclusion projection"},
      {R"({"a.b": 1, c: 0})", 31254, "Cannot do exclusion on field c in inclusion projection"},
      {R"({a: {b: 1, c: 0}})", 31254, "Cannot do exclusion on field c in inclusion projection"},
      {R"({a: 0, "b.c": 1})", 31253, "Cannot do inclusion on field b.c in exclusion projection"},
      {R"({"_id.a": 1, b: 0})", 31254, "Cannot do exclusion on field b in inclusion projection"},
      {R"({b: "x", a: 0})", 31254, "Cannot do exclusion on field a in inclusion projection"},
      {R"({a: 0, b: "x"})", 31310, R"(Cannot use an expression b: "x" in an exclusion projection)"},
      {R"({a: 0, b: null})", 31310, "Cannot use an expression b: null in an exclusion projection"},
      {R"({a: 0, b: {$literal: 1}})", 31252,
       "Cannot use expression other than $meta in exclusion projection"},
      {R"({a: 1, "a.b": 1})", 31249, "Path collision at a.b remaining portion b"},
      {R"({"a.b": 1, a: 1})", 31250, "Path collision at a"},
      {R"({"a.b": 1, "a.b.c": 1})", 31249, "Path collision at a.b.c remaining portion b.c"},
      {R"({"a.b.c": 1, "a.b": 1})", 31250, "Path collision at a.b"},
      {R"({a: {b: 1}, "a.b": 1})", 31250, "Path collision at a.b"},
      {R"({"a.b": 1, a: {b: {c: 1}}})", 31250, "Path collision at b"},
      {R"({a: 0, "a.b": 0})", 31249, "Path collision at a.b remaining portion b"},
      {R"({"a.b": 0, a: 0})", 31250, "Path collision at a"},
      {R"({a: 1, a: 1})", 31250, "Path collision at a"},
      {R"({a: 1, a: {$slice: 1}})", 28667,
       "Invalid $slice syntax. The given syntax { $slice: 1 } did not match the find() syntax "
       "because :: Location31250: Path collision at a :: The given syntax did not match the "
       "expression $slice syntax. :: caused by :: Expression $slice takes at least 2 arguments, "
       "and at most 3, but 1 were passed in."},
  });
}

TEST_CASE("field names, expressions and operators refused", "[projection]") {
  CheckErrors({
      {R"({"": 1})", 40352, "FieldPath cannot be constructed with empty string"},
      {R"({"a..b": 1})", 15998, "FieldPath field names may not be empty strings."},
      {R"({".a": 0})", 15998, "FieldPath field names may not be empty strings."},
      {R"({"a.": 1})", 40353, "FieldPath must not end with a '.'."},
      {R"({$a: 1})", 16410,
       "FieldPath field names may not start with '$'. Consider using $getField or $setField."},
      {R"({"a.$b": 1})", 16410,
       "FieldPath field names may not start with '$'. Consider using $getField or $setField."},
      {R"({a: {}})", 51270,
       "An empty sub-projection is not a valid value. Found empty object at path"},
      {R"({a: {b: {}}})", 51270,
       "An empty sub-projection is not a valid value. Found empty object at path"},
      {R"({a: {$foo: 1}})", 31325, "Unknown expression $foo"},
      {R"({a: {$slice: "x"}})", 28667,
       R"(Invalid $slice syntax. The given syntax { $slice: "x" } did not match the find() syntax because :: Location31273: $slice only supports numbers and [skip, limit] arrays :: The given syntax did not match the expression $slice syntax. :: caused by :: Expression $slice takes at least 2 arguments, and at most 3, but 1 were passed in.)"},
      {R"({a: {$slice: []}})", 28667,
       "Invalid $slice syntax. The given syntax { $slice: [] } did not match the find() syntax "
       "because :: Location31272: $slice array argument should be of form [skip, limit] :: The "
       "given syntax did not match the expression $slice syntax. :: caused by :: Expression "
       "$slice takes at least 2 arguments, and at most 3, but 0 were passed in."},
      {R"({a: {$slice: [1]}})", 28667,
       "Invalid $slice syntax. The given syntax { $slice: [ 1 ] } did not match the find() "
       "syntax because :: Location31272: $slice array argument should be of form [skip, limit] "
       ":: The given syntax did not match the expression $slice syntax. :: caused by :: "
       "Expression $slice takes at least 2 arguments, and at most 3, but 1 were passed in."},
      {R"({a: {$slice: [1, 2, 3, 4]}})", 28667,
       "Invalid $slice syntax. The given syntax { $slice: [ 1, 2, 3, 4 ] } did not match the "
       "find() syntax because :: Location31272: $slice array argument should be of form [skip, "
       "limit] :: The given syntax did not match the expression $slice syntax. :: caused by :: "
       "Expression $slice takes at least 2 arguments, and at most 3, but 4 were passed in."},
      {R"({a: {$slice: {}}})", 28667,
       "Invalid $slice syntax. The given syntax { $slice: {} } did not match the find() syntax "
       "because :: Location31273: $slice only supports numbers and [skip, limit] arrays :: The "
       "given syntax did not match the expression $slice syntax. :: caused by :: Expression "
       "$slice takes at least 2 arguments, and at most 3, but 1 were passed in."},
      {R"({b: 0, a: {$slice: [1, 0]}})", 31252,
       "Invalid $slice syntax. The given syntax { $slice: [ 1, 0 ] } did not match the find() "
       "syntax because :: Location31259: $slice limit must be positive, got 0 :: The given "
       "syntax did not match the expression $slice syntax. :: caused by :: Cannot use "
       "expression other than $meta in exclusion projection"},
      {R"({a: {$elemMatch: 1}})", 31274,
       "elemMatch: Invalid argument, object required, but got int"},
      {R"({a: {$elemMatch: [1]}})", 31274,
       "elemMatch: Invalid argument, object required, but got array"},
      {R"({"a.b": {$elemMatch: {x: 1}}})", 31275,
       "Cannot use $elemMatch projection on a nested field."},
      {R"({a: {b: {$elemMatch: {x: 1}}}})", 31275,
       "Cannot use $elemMatch projection on a nested field."},
      {R"({a: {$elemMatch: {$foo: 1}}})", 2, "unknown operator: $foo"},
      {R"({"x.$": {$slice: 1}})", 31271,
       "positional projection cannot be used with an expression or sub object"},
      {R"({"x.$": 1, y: 0})", 31254, "Cannot do exclusion on field y in inclusion projection"},
      {R"({"x.$": 1, "y.$": 1})", 31276,
       "Cannot specify more than one positional projection per query."},
      {R"({".$": 1})", 5392900, "Projection on field .$ is invalid"},
      {R"({"x.$": 0})", 31395, "positional projection cannot be used with exclusion"},
      {R"({"x.$": false})", 31395, "positional projection cannot be used with exclusion"},
      {R"({"x.$": "a"})", 31308, "positional projection cannot be used with a literal"},
      {R"({"x.$": 1, y: {$elemMatch: {a: 1}}})", 31255,
       "Cannot specify positional operator and $elemMatch."},
      {R"({y: {$elemMatch: {a: 1}}, "x.$": 1})", 31256,
       "Cannot specify positional operator and $elemMatch."},
      {R"({"a.$.b": 1})", 31394,
       "As of 4.4, it's illegal to specify positional operator in the middle of a path.Positional "
       "projection may only be used at the end, for example: a.b.$. If the query previously used "
       "a form like a.b.$.d, remove the parts following the '$' and the results will be "
       "equivalent."},
  });
}

TEST_CASE("unsupported expressions are refused clearly", "[projection]") {
  for (const char* spec :
       {R"({a: {$meta: "textScore"}})", R"({a: {$add: [1, 2]}})", R"({a: "$b"})",
        R"({a: "$$ROOT"})", R"({a: [1, "$b"]})", R"({a: {$slice: ["$b", 2]}})"}) {
    INFO(spec);
    auto parsed = Projection::Parse(Doc(spec).get());
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().code() == ErrorCodes::NotImplemented);
    CHECK(parsed.status().reason().find("not supported") != std::string::npos);
  }
}
