// Aggregation expression tables: each row is an expression, the document it
// is evaluated against and mongod 7.0's result (as {r: <value>}, or {} when
// the result is missing), taken from the manual's stated behaviour, mongod's
// expression.cpp and jstests/aggregation/expressions/*. Results are compared
// as canonical extended JSON, so int, long, double and decimal are told
// apart. Error rows carry mongod's code and message.
//
// Keys written "%type" stand for $type (libbson's JSON reader takes "$type"
// for legacy binary).

#include "query/expression.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "tests/unit/query/matcher_test_util.h"
#include "tests/unit/query/query_test_util.h"

using namespace basalt;
using namespace basalt::query;

namespace {

struct Row {
  const char* expr;
  const char* doc;
  const char* expected;
};

struct ErrorRow {
  const char* expr;
  const char* doc;
  int code;
  const char* message;
};

Bson ShellDoc(const std::string& shell) {
  Bson raw = basalt::test::Doc(shell);
  Bson out;
  testing::CopyRenaming(raw.get(), out.get());
  return out;
}

std::string Canonical(const bson_t* doc) {
  size_t len = 0;
  char* json = bson_as_canonical_extended_json(doc, &len);
  std::string out(json, len);
  bson_free(json);
  return out;
}

StatusWith<Value> Eval(const char* expr, const char* doc) {
  Bson wrapper = ShellDoc(std::string("{e: ") + expr + "}");
  bson_iter_t it;
  bson_iter_init(&it, wrapper.get());
  bson_iter_next(&it);
  VariablesParseState vps;
  auto parsed = ParseAndOptimize(&it, vps);
  if (!parsed.ok()) return parsed.status();
  Bson input = ShellDoc(doc);
  Variables vars;
  vars.Set(kNowId, Value::Date(1600000000000));
  EvalContext ctx{input.get(), &vars};
  return parsed.value()->Evaluate(ctx);
}

void CheckRows(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    INFO("expression " << row.expr << "\ndocument " << row.doc);
    auto v = Eval(row.expr, row.doc);
    INFO(v.status().ToString());
    REQUIRE(v.ok());
    Bson actual;
    v.value().AppendTo(actual.get(), "r");
    CHECK(Canonical(actual.get()) == Canonical(ShellDoc(row.expected).get()));
  }
}

void CheckErrors(const std::vector<ErrorRow>& rows) {
  for (const ErrorRow& row : rows) {
    INFO("expression " << row.expr << "\ndocument " << row.doc);
    auto v = Eval(row.expr, row.doc);
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().code() == row.code);
    CHECK(v.status().reason() == row.message);
  }
}

const char* kDate = R"({"$date": "2020-03-04T05:06:07.089Z"})";

std::string WithDate(const char* before, const char* after) {
  return std::string(before) + kDate + after;
}

}  // namespace

TEST_CASE("field paths, variables, literals and object/array expressions", "[aggregate]") {
  CheckRows({
      {R"("$a")", "{a: 1}", "{r: 1}"},
      {R"("$a.b")", "{a: {b: 2}}", "{r: 2}"},
      {R"("$a.b")", "{a: [{b: 1}, {c: 2}, {b: 3}, 5]}", "{r: [1, 3]}"},
      {R"("$a.b")", "{a: 5}", "{}"},
      {R"("$missing")", "{a: 1}", "{}"},
      {R"("$a.b.c")", "{a: [{b: [{c: 1}, {c: 2}]}, {b: {c: 3}}]}", "{r: [[1, 2], 3]}"},
      {R"("$a.0")", "{a: [1, 2]}", "{r: []}"},
      {R"("$$ROOT")", "{a: 1}", "{r: {a: 1}}"},
      {R"("$$CURRENT.a")", "{a: 1}", "{r: 1}"},
      {R"("$$REMOVE")", "{a: 1}", "{}"},
      {R"("$$NOW")", "{}", R"({r: {"$date": {"$numberLong": "1600000000000"}}})"},
      {R"({$literal: "$a"})", "{a: 1}", R"({r: "$a"})"},
      {R"({$literal: {$add: [1, 2]}})", "{}", "{r: {$add: [1, 2]}}"},
      {R"([1, "$a"])", "{a: 2}", "{r: [1, 2]}"},
      {R"(["$missing"])", "{}", "{r: [null]}"},
      {R"({x: "$a", y: "$missing"})", "{a: 1}", "{r: {x: 1}}"},
      {R"({$let: {vars: {x: 2}, in: {$multiply: ["$$x", "$a"]}}})", "{a: 3}", "{r: 6}"},
      {R"({$let: {vars: {a: "$b"}, in: {$let: {vars: {a: 5}, in: "$$a"}}}})", "{b: 1}", "{r: 5}"},
      {"true", "{}", "{r: true}"},
      {"null", "{}", "{r: null}"},
  });
}

TEST_CASE("arithmetic and type promotion", "[aggregate]") {
  CheckRows({
      {"{$add: [1, 2]}", "{}", "{r: 3}"},
      {R"({$add: [1, {"$numberLong": "2"}]})", "{}", R"({r: {"$numberLong": "3"}})"},
      {"{$add: [1, 2.5]}", "{}", "{r: 3.5}"},
      {"{$add: [2147483647, 1]}", "{}", R"({r: {"$numberLong": "2147483648"}})"},
      {R"({$add: [{"$numberLong": "9223372036854775807"}, 1]})", "{}",
       "{r: 9.223372036854775808e18}"},
      {"{$add: [1, null]}", "{}", "{r: null}"},
      {R"({$add: [1, "$missing", "x"]})", "{}", "{r: null}"},
      {WithDate("{$add: [", ", 1000]}").c_str(), "{}",
       R"({r: {"$date": "2020-03-04T05:06:08.089Z"}})"},
      {R"({$add: [{"$numberDecimal": "1.5"}, 1]})", "{}", R"({r: {"$numberDecimal": "2.5"}})"},
      {"{$add: []}", "{}", "{r: 0}"},
      {"{$subtract: [5, 3]}", "{}", "{r: 2}"},
      {WithDate("{$subtract: [", R"(, {"$date": "2020-03-04T05:06:06.089Z"}]})").c_str(), "{}",
       R"({r: {"$numberLong": "1000"}})"},
      {WithDate("{$subtract: [", ", 1000]}").c_str(), "{}",
       R"({r: {"$date": "2020-03-04T05:06:06.089Z"}})"},
      {"{$subtract: [1, null]}", "{}", "{r: null}"},
      {R"({$subtract: [{"$numberLong": "-9223372036854775808"}, 1]})", "{}",
       "{r: -9.223372036854775808e18}"},
      {"{$multiply: [2, 3]}", "{}", "{r: 6}"},
      {"{$multiply: [2, 1.5]}", "{}", "{r: 3.0}"},
      {"{$multiply: [1073741824, 4]}", "{}", R"({r: {"$numberLong": "4294967296"}})"},
      {"{$multiply: []}", "{}", "{r: 1}"},
      {"{$divide: [7, 2]}", "{}", "{r: 3.5}"},
      {"{$divide: [6, 3]}", "{}", "{r: 2.0}"},
      {R"({$divide: [{"$numberDecimal": "1"}, 4]})", "{}", R"({r: {"$numberDecimal": "0.25"}})"},
      {"{$divide: [null, 0]}", "{}", "{r: null}"},
      {"{$mod: [7, 3]}", "{}", "{r: 1}"},
      {"{$mod: [-7, 3]}", "{}", "{r: -1}"},
      {"{$mod: [7.5, 2]}", "{}", "{r: 1.5}"},
      {R"({$mod: [{"$numberLong": "7"}, 3]})", "{}", R"({r: {"$numberLong": "1"}})"},
      {"{$abs: -5}", "{}", "{r: 5}"},
      {"{$abs: -2.5}", "{}", "{r: 2.5}"},
      {"{$abs: null}", "{}", "{r: null}"},
      {"{$abs: -2147483648}", "{}", R"({r: {"$numberLong": "2147483648"}})"},
      {"{$ceil: 1.2}", "{}", "{r: 2.0}"},
      {"{$floor: -1.2}", "{}", "{r: -2.0}"},
      {"{$ceil: 5}", "{}", "{r: 5}"},
      {R"({$floor: {"$numberDecimal": "-1.5"}})", "{}", R"({r: {"$numberDecimal": "-2"}})"},
      {"{$round: [2.5]}", "{}", "{r: 2.0}"},
      {"{$round: [3.5]}", "{}", "{r: 4.0}"},
      {"{$round: [1.2345, 2]}", "{}", "{r: 1.23}"},
      {"{$round: [1234, -2]}", "{}", "{r: 1200}"},
      {R"({$round: [{"$numberDecimal": "2.345"}, 2]})", "{}", R"({r: {"$numberDecimal": "2.34"}})"},
      {"{$trunc: [-1.9]}", "{}", "{r: -1.0}"},
      {"{$trunc: [1.987, 1]}", "{}", "{r: 1.9}"},
      {"{$pow: [2, 10]}", "{}", "{r: 1024}"},
      {"{$pow: [2, -1]}", "{}", "{r: 0.5}"},
      {"{$pow: [2, 62]}", "{}", R"({r: {"$numberLong": "4611686018427387904"}})"},
      {"{$pow: [-1, 3]}", "{}", "{r: -1}"},
      {"{$sqrt: 16}", "{}", "{r: 4.0}"},
      {"{$exp: 0}", "{}", "{r: 1.0}"},
      {"{$ln: 1}", "{}", "{r: 0.0}"},
      {"{$log: [100, 10]}", "{}", "{r: 2.0}"},
      {"{$log10: 1000}", "{}", "{r: 3.0}"},
  });
  CheckErrors({
      {R"({$add: ["a", 1]})", "{}", 14, "$add only supports numeric or date types, not string"},
      {R"({$add: ["$a", 1]})", "{a: [1]}", 14,
       "$add only supports numeric or date types, not array"},
      {WithDate(WithDate("{$add: [", ", ").c_str(), "]}").c_str(), "{}", 16612,
       "only one date allowed in an $add expression"},
      {R"({$subtract: ["a", 1]})", "{}", 14, "can't $subtract int from string"},
      {R"({$multiply: [2, "x"]})", "{}", 14, "$multiply only supports numeric types, not string"},
      {"{$divide: [1, 0]}", "{}", 2, "can't $divide by zero"},
      {"{$divide: [\"$a\", 0]}", "{a: 1}", 2, "can't $divide by zero"},
      {R"({$divide: ["a", 1]})", "{}", 14,
       "$divide only supports numeric types, not string and int"},
      {"{$mod: [1, 0]}", "{}", 16610, "can't $mod by zero"},
      {R"({$mod: [1, "x"]})", "{}", 16611, "$mod only supports numeric types, not int and string"},
      {R"({$abs: "x"})", "{}", 28765, "$abs only supports numeric types, not string"},
      {"{$pow: [0, -1]}", "{}", 28764, "$pow cannot take a base of 0 and a negative exponent"},
      {"{$sqrt: -1}", "{}", 28714, "$sqrt's argument must be greater than or equal to 0"},
      {"{$ln: 0}", "{}", 28766, "$ln's argument must be a positive number, but is 0"},
      {"{$log: [100, 1]}", "{}", 28759,
       "$log's base must be a positive number not equal to 1, but is 1"},
      {"{$subtract: [1]}", "{}", 16020,
       "Expression $subtract takes exactly 2 arguments. 1 were passed in."},
      {"{$round: [1, 2, 3]}", "{}", 28667,
       "Expression $round takes at least 1 arguments, and at most 2, but 3 were passed in."},
      {"{$round: [1.5, 101]}", "{}", 51083,
       "cannot apply $round with precision value 101 value must be in [-20, 100]"},
  });
}

TEST_CASE("comparison, boolean and conditional operators", "[aggregate]") {
  CheckRows({
      {"{$eq: [1, 1.0]}", "{}", "{r: true}"},
      {R"({$eq: ["$missing", null]})", "{}", "{r: false}"},
      {R"({$lt: ["$missing", null]})", "{}", "{r: true}"},
      {R"({$gt: ["a", 1]})", "{}", "{r: true}"},
      {"{$cmp: [1, 2]}", "{}", "{r: -1}"},
      {R"({$cmp: ["b", "a"]})", "{}", "{r: 1}"},
      {"{$ne: [[1, 2], [1, 2]]}", "{}", "{r: false}"},
      {R"({$gte: [{"$numberLong": "5"}, 5.0]})", "{}", "{r: true}"},
      {"{$lte: [null, 0]}", "{}", "{r: true}"},
      {"{$eq: [{a: 1}, {a: 1.0}]}", "{}", "{r: true}"},
      {"{$gt: [[1, 2], [1]]}", "{}", "{r: true}"},
      {R"({$and: [1, "x", true]})", "{}", "{r: true}"},
      {"{$and: [1, 0]}", "{}", "{r: false}"},
      {"{$and: []}", "{}", "{r: true}"},
      {R"({$or: [0, null, "$missing"]})", "{}", "{r: false}"},
      {"{$or: [0, []]}", "{}", "{r: true}"},
      {"{$not: [0]}", "{}", "{r: true}"},
      {"{$not: [[]]}", "{}", "{r: false}"},
      {R"({$cond: [{$gt: ["$a", 1]}, "big", "small"]})", "{a: 2}", R"({r: "big"})"},
      {R"({$cond: {if: "$missing", then: 1, else: 2}})", "{}", "{r: 2}"},
      {R"({$ifNull: ["$missing", "d"]})", "{}", R"({r: "d"})"},
      {R"({$ifNull: [null, "$missing", 3]})", "{}", "{r: 3}"},
      {R"({$ifNull: ["$a", "d"]})", "{a: 0}", "{r: 0}"},
      {R"({$switch: {branches: [{case: {$eq: ["$a", 1]}, then: "one"}, {case: true, then: "other"}]}})",
       "{a: 1}", R"({r: "one"})"},
      {R"({$switch: {branches: [{case: false, then: 1}], default: "d"}})", "{}", R"({r: "d"})"},
  });
  CheckErrors({
      {"{$cond: {if: 1, then: 2}}", "{}", 17082, "Missing 'else' parameter to $cond"},
      {"{$cond: {if: 1, then: 2, else: 3, x: 1}}", "{}", 17083,
       "Unrecognized parameter to $cond: x"},
      {"{$cond: [1, 2]}", "{}", 16020,
       "Expression $cond takes exactly 3 arguments. 2 were passed in."},
      {R"({$ifNull: ["$a"]})", "{}", 1257300, "$ifNull needs at least two arguments, had: 1"},
      {R"({$switch: {branches: [{case: "$missing", then: 1}]}})", "{}", 40066,
       "$switch could not find a matching branch for an input, and no default was specified."},
      {"{$switch: {branches: []}}", "{}", 40068, "$switch requires at least one branch."},
      {"{$switch: {branches: [{case: 1}]}}", "{}", 40065,
       "$switch requires each branch have a 'then' expression."},
      {"{$eq: [1]}", "{}", 16020, "Expression $eq takes exactly 2 arguments. 1 were passed in."},
  });
}

TEST_CASE("string operators", "[aggregate]") {
  CheckRows({
      {R"({$concat: ["a", "b", "c"]})", "{}", R"({r: "abc"})"},
      {R"({$concat: ["a", null]})", "{}", "{r: null}"},
      {R"({$concat: []})", "{}", R"({r: ""})"},
      {R"({$substr: ["hello", 1, 3]})", "{}", R"({r: "ell"})"},
      {R"({$substrBytes: ["hello", 2, -1]})", "{}", R"({r: "llo"})"},
      {R"({$substrBytes: ["hello", 10, 2]})", "{}", R"({r: ""})"},
      {R"({$substrCP: ["héllo", 1, 2]})", "{}", R"({r: "él"})"},
      {R"({$toLower: "AbC"})", "{}", R"({r: "abc"})"},
      {"{$toUpper: null}", "{}", R"({r: ""})"},
      {"{$toUpper: 5}", "{}", R"({r: "5"})"},
      {R"({$strLenBytes: "héllo"})", "{}", "{r: 6}"},
      {R"({$strLenCP: "héllo"})", "{}", "{r: 5}"},
      {R"({$split: ["a,b,,c", ","]})", "{}", R"({r: ["a", "b", "", "c"]})"},
      {R"({$split: [null, ","]})", "{}", "{r: null}"},
      {R"({$trim: {input: "  hi  "}})", "{}", R"({r: "hi"})"},
      {R"({$ltrim: {input: "xxhixx", chars: "x"}})", "{}", R"({r: "hixx"})"},
      {R"({$rtrim: {input: "xxhixx", chars: "x"}})", "{}", R"({r: "xxhi"})"},
      {R"({$trim: {input: null}})", "{}", "{r: null}"},
      {R"({$indexOfBytes: ["hello", "l"]})", "{}", "{r: 2}"},
      {R"({$indexOfBytes: ["hello", "l", 3]})", "{}", "{r: 3}"},
      {R"({$indexOfBytes: ["hello", "z"]})", "{}", "{r: -1}"},
      {R"({$indexOfBytes: ["$missing", "z"]})", "{}", "{r: null}"},
      {R"({$indexOfCP: ["héllo", "l"]})", "{}", "{r: 2}"},
      {R"({$regexMatch: {input: "Hello", regex: "^h", options: "i"}})", "{}", "{r: true}"},
      {R"({$regexMatch: {input: "$missing", regex: "a"}})", "{}", "{r: false}"},
      {R"({$regexFind: {input: "a1b22", regex: "[0-9]+"}})", "{}",
       R"({r: {match: "1", idx: 1, captures: []}})"},
      {R"({$regexFind: {input: "xyz", regex: "a"}})", "{}", "{r: null}"},
      {R"({$regexFindAll: {input: "a1b22", regex: "([0-9])+"}})", "{}",
       R"({r: [{match: "1", idx: 1, captures: ["1"]}, {match: "22", idx: 3, captures: ["2"]}]})"},
      {R"({$regexFindAll: {input: "é1", regex: "1"}})", "{}",
       R"({r: [{match: "1", idx: 1, captures: []}]})"},
      {R"({$replaceOne: {input: "aXbXc", find: "X", replacement: "-"}})", "{}", R"({r: "a-bXc"})"},
      {R"({$replaceAll: {input: "aXbXc", find: "X", replacement: "-"}})", "{}", R"({r: "a-b-c"})"},
      {R"({$replaceAll: {input: null, find: "X", replacement: "-"}})", "{}", "{r: null}"},
      {R"({$strcasecmp: ["abc", "ABD"]})", "{}", "{r: -1}"},
  });
  CheckErrors({
      {R"({$concat: ["a", 1]})", "{}", 16702, "$concat only supports strings, not int"},
      {R"({$substrBytes: ["héllo", 2, 1]})", "{}", 28656,
       "$substrBytes:  Invalid range, starting index is a UTF-8 continuation byte."},
      {R"({$substrBytes: ["hello", -1, 1]})", "{}", 50752,
       "$substrBytes:  starting index must be non-negative (got: -1)"},
      {"{$strLenCP: 5}", "{}", 34471, "$strLenCP requires a string argument, found: int"},
      {R"({$split: ["abc", ""]})", "{}", 40087, "$split requires a non-empty separator"},
      {"{$trim: {input: 5}}", "{}", 50699,
       "$trim requires its input to be a string, got 5 (of type int) instead."},
      {R"({$trim: {chars: "x"}})", "{}", 50695, "$trim requires an 'input' field"},
      {R"({$indexOfBytes: ["a", "b", -1]})", "{}", 40097,
       "$indexOfBytes requires a nonnegative starting index, found: -1"},
      {R"({$regexMatch: {input: "a", regex: "("}})", "{}", 51111,
       "Invalid Regex in $regexMatch: missing closing parenthesis"},
      {R"({$regexMatch: {input: "a", regex: "a", options: "z"}})", "{}", 51108,
       "$regexMatch invalid flag in regex options: z"},
      {R"({$regexMatch: {input: 1, regex: "a"}})", "{}", 51104,
       "$regexMatch needs 'input' to be of type string"},
      {R"({$regexMatch: {regex: "a"}})", "{}", 31022, "$regexMatch requires 'input' parameter"},
  });
}

TEST_CASE("array and set operators", "[aggregate]") {
  CheckRows({
      {R"({$size: "$arr"})", "{arr: [1, 2]}", "{r: 2}"},
      {"{$size: [[1, 2, 3]]}", "{}", "{r: 3}"},
      {"{$arrayElemAt: [[1, 2, 3], -1]}", "{}", "{r: 3}"},
      {"{$arrayElemAt: [[1, 2, 3], 5]}", "{}", "{}"},
      {"{$arrayElemAt: [[1, 2, 3], -4]}", "{}", "{}"},
      {R"({$first: "$arr"})", "{arr: [4, 5]}", "{r: 4}"},
      {R"({$last: "$arr"})", "{arr: [4, 5]}", "{r: 5}"},
      {R"({$first: "$missing"})", "{}", "{r: null}"},
      {"{$in: [2, [1, 2, 3]]}", "{}", "{r: true}"},
      {R"({$in: ["2", [1, 2]]})", "{}", "{r: false}"},
      {"{$concatArrays: [[1], [2, 3]]}", "{}", "{r: [1, 2, 3]}"},
      {"{$concatArrays: [[1], null]}", "{}", "{r: null}"},
      {R"({$filter: {input: [1, 2, 3, 4], as: "x", cond: {$gt: ["$$x", 2]}}})", "{}",
       "{r: [3, 4]}"},
      {R"({$filter: {input: [1, 2, 3, 4], cond: {$gt: ["$$this", 1]}, limit: 2}})", "{}",
       "{r: [2, 3]}"},
      {R"({$map: {input: [1, 2], as: "x", in: {$add: ["$$x", 1]}}})", "{}", "{r: [2, 3]}"},
      {R"({$map: {input: "$missing", in: 1}})", "{}", "{r: null}"},
      {R"({$map: {input: [{a: 1}, {b: 2}], in: "$$this.a"}})", "{}", "{r: [1, null]}"},
      {R"({$reduce: {input: [1, 2, 3], initialValue: 0, in: {$add: ["$$value", "$$this"]}}})", "{}",
       "{r: 6}"},
      {R"({$reduce: {input: ["a", "b"], initialValue: "", in: {$concat: ["$$value", "$$this"]}}})",
       "{}", R"({r: "ab"})"},
      {"{$slice: [[1, 2, 3, 4], 2]}", "{}", "{r: [1, 2]}"},
      {"{$slice: [[1, 2, 3, 4], -2]}", "{}", "{r: [3, 4]}"},
      {"{$slice: [[1, 2, 3, 4], 1, 2]}", "{}", "{r: [2, 3]}"},
      {R"({$isArray: "$arr"})", "{arr: []}", "{r: true}"},
      {R"({$isArray: ["$a"]})", "{a: 1}", "{r: false}"},
      {"{$range: [0, 5, 2]}", "{}", "{r: [0, 2, 4]}"},
      {"{$range: [5, 0, -2]}", "{}", "{r: [5, 3, 1]}"},
      {"{$range: [0, -1]}", "{}", "{r: []}"},
      {"{$reverseArray: [[1, 2, 3]]}", "{}", "{r: [3, 2, 1]}"},
      {"{$indexOfArray: [[1, 2, 3, 2], 2]}", "{}", "{r: 1}"},
      {"{$indexOfArray: [[1, 2, 3, 2], 2, 2]}", "{}", "{r: 3}"},
      {"{$indexOfArray: [[1, 2], 5]}", "{}", "{r: -1}"},
      {R"({$zip: {inputs: [[1, 2], ["a", "b", "c"]]}})", "{}", R"({r: [[1, "a"], [2, "b"]]})"},
      {R"({$zip: {inputs: [[1], ["a", "b"]], useLongestLength: true, defaults: [0, "z"]}})", "{}",
       R"({r: [[1, "a"], [0, "b"]]})"},
      {"{$setUnion: [[3, 1], [1, 2]]}", "{}", "{r: [1, 2, 3]}"},
      {"{$setIntersection: [[1, 2, 3], [2, 3, 4]]}", "{}", "{r: [2, 3]}"},
      {"{$setDifference: [[1, 2, 3, 1], [2]]}", "{}", "{r: [1, 3]}"},
      {"{$setEquals: [[1, 2], [2, 1, 1]]}", "{}", "{r: true}"},
      {"{$setIsSubset: [[1], [1, 2]]}", "{}", "{r: true}"},
      {R"({$allElementsTrue: [[1, true, "x"]]})", "{}", "{r: true}"},
      {"{$anyElementTrue: [[0, null]]}", "{}", "{r: false}"},
      {"{$sortArray: {input: [3, 1, 2], sortBy: -1}}", "{}", "{r: [3, 2, 1]}"},
      {"{$sortArray: {input: [{a: 2}, {a: 1}], sortBy: {a: 1}}}", "{}", "{r: [{a: 1}, {a: 2}]}"},
  });
  CheckErrors({
      {R"({$size: "$missing"})", "{}", 17124,
       "The argument to $size must be an array, but was of type: missing"},
      {"{$arrayElemAt: [[1], 1.5]}", "{}", 28691,
       "$arrayElemAt's second argument must be representable as a 32-bit integer: 1.5"},
      {R"({$arrayElemAt: ["x", 0]})", "{}", 28689,
       "$arrayElemAt's first argument must be an array, but is string"},
      {R"({$in: [1, "x"]})", "{}", 40081,
       "$in requires an array as a second argument, found: string"},
      {"{$concatArrays: [[1], 2]}", "{}", 28664, "$concatArrays only supports arrays, not int"},
      {R"({$filter: {input: 1, cond: true}})", "{}", 28651,
       "input to $filter must be an array not int"},
      {R"({$filter: {input: [1]}})", "{}", 28650, "Missing 'cond' parameter to $filter"},
      {R"({$map: {input: [1], as: "X", in: 1}})", "{}", 16867,
       "'X' starts with an invalid character for a user variable name"},
      {R"({$reduce: {input: [1], in: 1}})", "{}", 40078,
       "$reduce requires 'initialValue' to be specified"},
      {"{$slice: [[1], 0, 0]}", "{}", 28729, "Third argument to $slice must be positive: 0"},
      {"{$range: [0, 1, 0]}", "{}", 34449, "$range requires a non-zero step value"},
      {"{$setUnion: [[1], 2]}", "{}", 17043,
       "All operands of $setUnion must be arrays. One argument is of type: int"},
      {R"({$zip: {inputs: [[1]], defaults: [1]}})", "{}", 34466,
       "cannot specify defaults unless useLongestLength is true"},
  });
}

TEST_CASE("type conversion operators", "[aggregate]") {
  CheckRows({
      {R"({"%type": "$a"})", "{a: 1}", R"({r: "int"})"},
      {R"({"%type": "$a"})", "{}", R"({r: "missing"})"},
      {R"({"%type": "$a"})", R"({a: {"$numberLong": "1"}})", R"({r: "long"})"},
      {R"({"%type": "$a"})", "{a: [1]}", R"({r: "array"})"},
      {R"({$isNumber: "$a"})", R"({a: "1"})", "{r: false}"},
      {R"({$isNumber: "$a"})", R"({a: {"$numberDecimal": "1"}})", "{r: true}"},
      {R"({$toInt: "42"})", "{}", "{r: 42}"},
      {"{$toInt: 4.9}", "{}", "{r: 4}"},
      {"{$toInt: true}", "{}", "{r: 1}"},
      {R"({$toLong: "7"})", "{}", R"({r: {"$numberLong": "7"}})"},
      {R"({$toDouble: "1.5"})", "{}", "{r: 1.5}"},
      {"{$toDouble: true}", "{}", "{r: 1.0}"},
      {"{$toString: 5}", "{}", R"({r: "5"})"},
      {"{$toString: 2.5}", "{}", R"({r: "2.5"})"},
      {"{$toString: true}", "{}", R"({r: "true"})"},
      {R"({$toString: {"$oid": "5ab9cbfa31c2ab715d42129e"}})", "{}",
       R"({r: "5ab9cbfa31c2ab715d42129e"})"},
      {WithDate("{$toString: ", "}").c_str(), "{}", R"({r: "2020-03-04T05:06:07.089Z"})"},
      {"{$toBool: 0}", "{}", "{r: false}"},
      {R"({$toBool: "false"})", "{}", "{r: true}"},
      {"{$toDecimal: 1}", "{}", R"({r: {"$numberDecimal": "1"}})"},
      {R"({$toObjectId: "5ab9cbfa31c2ab715d42129e"})", "{}",
       R"({r: {"$oid": "5ab9cbfa31c2ab715d42129e"}})"},
      {R"({$toDate: {"$numberLong": "0"}})", "{}", R"({r: {"$date": "1970-01-01T00:00:00Z"}})"},
      {R"({$toDate: "2020-01-02T03:04:05Z"})", "{}", R"({r: {"$date": "2020-01-02T03:04:05Z"}})"},
      {"{$toInt: null}", "{}", "{r: null}"},
      {R"({$convert: {input: "abc", to: "int", onError: -1}})", "{}", "{r: -1}"},
      {R"({$convert: {input: null, to: "int", onNull: 0}})", "{}", "{r: 0}"},
      {R"({$convert: {input: "1", to: 16}})", "{}", "{r: 1}"},
      {R"({$convert: {input: 1, to: null}})", "{}", "{r: null}"},
  });
  CheckErrors({
      {R"({$toInt: "12x"})", "{}", 241,
       "Failed to parse number '12x' in $convert with no onError value: Did not consume whole "
       "string."},
      {R"({$convert: {input: 1, to: "foo"}})", "{}", 2, "Unknown type name: foo"},
      {R"({$toInt: {"$numberLong": "9999999999"}})", "{}", 241,
       "Conversion would overflow target type in $convert with no onError value: "},
      {R"({$convert: {input: {a: 1}, to: "string"}})", "{}", 241,
       "Unsupported conversion from object to string in $convert with no onError value"},
      {R"({$toObjectId: "abc"})", "{}", 241,
       "Failed to parse objectId 'abc' in $convert with no onError value: Invalid string length "
       "for parsing to OID, expected 24 but found 3"},
      {R"({$convert: {input: 1}})", "{}", 9, "Missing 'to' parameter to $convert"},
      {"{$toInt: [1, 2]}", "{}", 50723, "$toInt requires a single argument, got 2"},
  });
}

TEST_CASE("date operators", "[aggregate]") {
  const std::string d = kDate;
  CheckRows({
      {("{$year: " + d + "}").c_str(), "{}", "{r: 2020}"},
      {("{$month: " + d + "}").c_str(), "{}", "{r: 3}"},
      {("{$dayOfMonth: " + d + "}").c_str(), "{}", "{r: 4}"},
      {("{$hour: " + d + "}").c_str(), "{}", "{r: 5}"},
      {("{$minute: " + d + "}").c_str(), "{}", "{r: 6}"},
      {("{$second: " + d + "}").c_str(), "{}", "{r: 7}"},
      {("{$millisecond: " + d + "}").c_str(), "{}", "{r: 89}"},
      {("{$dayOfWeek: " + d + "}").c_str(), "{}", "{r: 4}"},
      {("{$dayOfYear: " + d + "}").c_str(), "{}", "{r: 64}"},
      {("{$week: " + d + "}").c_str(), "{}", "{r: 9}"},
      {("{$isoWeek: " + d + "}").c_str(), "{}", "{r: 10}"},
      {("{$isoDayOfWeek: " + d + "}").c_str(), "{}", "{r: 3}"},
      {("{$year: [" + d + "]}").c_str(), "{}", "{r: 2020}"},
      {R"({$year: "$missing"})", "{}", "{r: null}"},
      {("{$hour: {date: " + d + R"(, timezone: "+05:30"}})").c_str(), "{}", "{r: 10}"},
      {("{$hour: {date: " + d + R"(, timezone: "America/New_York"}})").c_str(), "{}", "{r: 0}"},
      {R"({$hour: {date: {"$date": "2020-07-04T05:00:00Z"}, timezone: "America/New_York"}})", "{}",
       "{r: 1}"},
      {("{$dateToString: {date: " + d + R"(, format: "%Y-%m-%d %H:%M:%S.%L %j %w %u"}})").c_str(),
       "{}", R"({r: "2020-03-04 05:06:07.089 064 4 3"})"},
      {("{$dateToString: {date: " + d + "}}").c_str(), "{}", R"({r: "2020-03-04T05:06:07.089Z"})"},
      {("{$dateToString: {date: " + d + R"(, format: "%H:%M %z", timezone: "-0130"}})").c_str(),
       "{}", R"({r: "03:36 -0130"})"},
      {R"({$dateToString: {date: "$missing", onNull: "none"}})", "{}", R"({r: "none"})"},
      {R"({$dateFromString: {dateString: "2021-06-15T10:20:30Z"}})", "{}",
       R"({r: {"$date": "2021-06-15T10:20:30Z"}})"},
      {R"({$dateFromString: {dateString: "2021-06-15 10:20:30.5+01:00"}})", "{}",
       R"({r: {"$date": "2021-06-15T09:20:30.500Z"}})"},
      {R"({$dateFromString: {dateString: "15/06/2021", format: "%d/%m/%Y"}})", "{}",
       R"({r: {"$date": "2021-06-15T00:00:00Z"}})"},
      {R"({$dateFromString: {dateString: "junk", onError: "bad"}})", "{}", R"({r: "bad"})"},
      {("{$dateToParts: {date: " + d + "}}").c_str(), "{}",
       "{r: {year: 2020, month: 3, day: 4, hour: 5, minute: 6, second: 7, millisecond: 89}}"},
      {"{$dateFromParts: {year: 2020, month: 2, day: 30}}", "{}",
       R"({r: {"$date": "2020-03-01T00:00:00Z"}})"},
      {R"({$dateAdd: {startDate: {"$date": "2020-01-31T00:00:00Z"}, unit: "month", amount: 1}})",
       "{}", R"({r: {"$date": "2020-02-29T00:00:00Z"}})"},
      {("{$dateSubtract: {startDate: " + d + R"(, unit: "hour", amount: 6}})").c_str(), "{}",
       R"({r: {"$date": "2020-03-03T23:06:07.089Z"}})"},
      {R"({$dateDiff: {startDate: {"$date": "2020-01-31T00:00:00Z"}, endDate: {"$date": "2020-03-01T00:00:00Z"}, unit: "month"}})",
       "{}", R"({r: {"$numberLong": "2"}})"},
      {R"({$dateDiff: {startDate: {"$date": "2020-01-01T23:00:00Z"}, endDate: {"$date": "2020-01-02T01:00:00Z"}, unit: "day"}})",
       "{}", R"({r: {"$numberLong": "1"}})"},
      {("{$dateTrunc: {date: " + d + R"(, unit: "hour"}})").c_str(), "{}",
       R"({r: {"$date": "2020-03-04T05:00:00Z"}})"},
      {("{$dateTrunc: {date: " + d + R"(, unit: "month"}})").c_str(), "{}",
       R"({r: {"$date": "2020-03-01T00:00:00Z"}})"},
  });
  CheckErrors({
      {R"({$year: "x"})", "{}", 16006, "can't convert from BSON type string to Date"},
      {("{$year: {date: " + d + R"(, timezone: "Mars/Base"}})").c_str(), "{}", 40485,
       "unrecognized time zone identifier: \"Mars/Base\""},
      {("{$year: {date: " + d + ", timezone: 5}}").c_str(), "{}", 40533,
       "$year requires a string for the timezone argument, but was given a int (5)"},
      {("{$dateToString: {date: " + d + R"(, format: "%Q"}})").c_str(), "{}", 18536,
       "Invalid format character '%Q' in format string"},
      {R"({$dateToString: {format: "%Y"}})", "{}", 18628,
       "Missing 'date' parameter to $dateToString"},
      {"{$dateFromParts: {month: 1}}", "{}", 40516,
       "$dateFromParts requires either 'year' or 'isoWeekYear' to be present"},
      {R"({$dateAdd: {startDate: 1, unit: "day", amount: 1}})", "{}", 5166403,
       "$dateAdd requires startDate to be convertible to a date"},
  });
}

TEST_CASE("object operators and accumulator expressions", "[aggregate]") {
  CheckRows({
      {"{$mergeObjects: [{a: 1}, null, {b: 2, a: 3}]}", "{}", "{r: {a: 3, b: 2}}"},
      {"{$objectToArray: {a: 1, b: 2}}", "{}", R"({r: [{k: "a", v: 1}, {k: "b", v: 2}]})"},
      {R"({$arrayToObject: [[["a", 1], ["b", 2]]]})", "{}", "{r: {a: 1, b: 2}}"},
      {R"({$arrayToObject: [[{k: "a", v: 1}]]})", "{}", "{r: {a: 1}}"},
      {R"({$getField: "a.b"})", R"({"a.b": 5, a: {b: 6}})", "{r: 5}"},
      {R"({$getField: {field: "x", input: {x: 1}}})", "{}", "{r: 1}"},
      {R"({$getField: {field: "x", input: "$missing"}})", "{}", "{}"},
      {R"({$setField: {field: "x", input: {a: 1}, value: 2}})", "{}", "{r: {a: 1, x: 2}}"},
      {R"({$unsetField: {field: "a", input: {a: 1, b: 2}}})", "{}", "{r: {b: 2}}"},
      {R"({$sum: [1, 2, "x", 3.5]})", "{}", "{r: 6.5}"},
      {R"({$sum: "$arr"})", "{arr: [1, 2, 3]}", "{r: 6}"},
      {R"({$sum: "$missing"})", "{}", "{r: 0}"},
      {R"({$avg: "$arr"})", "{arr: [1, 2]}", "{r: 1.5}"},
      {R"({$avg: "$missing"})", "{}", "{r: null}"},
      {"{$max: [1, 5, null, 3]}", "{}", "{r: 5}"},
      {R"({$min: "$arr"})", R"({arr: [4, "a", 2]})", "{r: 2}"},
      {"{$stdDevPop: [[1, 2, 3, 4]]}", "{}", "{r: 1.118033988749895}"},
      {"{$stdDevSamp: [1]}", "{}", "{r: null}"},
      {"{$firstN: {n: 2, input: [1, 2, 3]}}", "{}", "{r: [1, 2]}"},
      {"{$maxN: {n: 2, input: [3, 1, 5, null]}}", "{}", "{r: [5, 3]}"},
      {"{$minN: {n: 2, input: [3, 1, 5]}}", "{}", "{r: [1, 3]}"},
      {"{$lastN: {n: 2, input: [1, 2, 3]}}", "{}", "{r: [2, 3]}"},
  });
  CheckErrors({
      {"{$mergeObjects: [{a: 1}, 5]}", "{}", 40400,
       "$mergeObjects requires object inputs, but input 5 is of type int"},
      {"{$objectToArray: 1}", "{}", 40390, "$objectToArray requires a document input, found: int"},
      {"{$arrayToObject: [[1]]}", "{}", 40398,
       "Unrecognised input type format for $arrayToObject: int"},
      {R"({$getField: {field: "$a"}})", "{}", 3041703,
       "$getField requires 'input' to be specified"},
      {R"({$getField: {field: "$a", input: {}}})", "{}", 5654600,
       "'$a' is a field path reference which is not allowed in this context. Did you mean "
       "{$literal: '$a'}?"},
      {"{$setField: {field: 1, input: {}, value: 1}}", "{}", 4161107,
       "$setField requires 'field' to evaluate to type String, but got int"},
      {"{$firstN: {n: 0, input: [1]}}", "{}", 5787908, "'n' must be greater than 0, found 0"},
  });
}

TEST_CASE("expression parse errors", "[aggregate]") {
  CheckErrors({
      {"{$foo: 1}", "{}", 168, "Unrecognized expression '$foo'"},
      {R"("$")", "{}", 16872, "'$' by itself is not a valid FieldPath"},
      {R"("$a..b")", "{}", 15998, "FieldPath field names may not be empty strings."},
      {R"("$a.")", "{}", 40353, "FieldPath must not end with a '.'."},
      {R"("$a.$b")", "{}", 16410,
       "FieldPath field names may not start with '$'. Consider using $getField or $setField."},
      {R"("$$undefinedVar")", "{}", 17276, "Use of undefined variable: undefinedVar"},
      {R"("$$1x")", "{}", 16867, "'1x' starts with an invalid character for a user variable name"},
      {"{$add: [1], $sub: 1}", "{}", 15983,
       "An object representing an expression must have exactly one field: { $add: [ 1 ], $sub: 1 "
       "}"},
      {"{$let: {vars: {X: 1}, in: 1}}", "{}", 16867,
       "'X' starts with an invalid character for a user variable name"},
      {"{$let: {vars: {x: 1}}}", "{}", 16877, "Missing 'in' parameter to $let"},
      {R"({"a.b": 1})", "{}", 16412,
       "FieldPath field names may not contain '.'. Consider using $getField or $setField."},
      {"{$add: [1, {$divide: [1, 0]}]}", "{a: 1}", 2, "can't $divide by zero"},
  });
}
