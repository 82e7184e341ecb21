// Filters mongod refuses, with its codes and messages (verified in
// src/mongo/db/matcher/expression_parser.cpp, expression_leaf.cpp,
// matcher_type_set.cpp, src/mongo/util/pcre_util.cpp, bsonelement.h and
// jstests/core/query/regex/regex_error.js, regex_max_pattern_length.js).
#include <catch2/catch.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/unit/query/matcher_test_util.h"

using namespace basalt::query::testing;
using basalt::query::MatcherOptions;

TEST_CASE("unknown operators and malformed logical operators", "[matcher]") {
  CheckErrors({
      {R"({"a": {"$foo": 1}})", 2, "unknown operator: $foo"},
      {R"({"a": {"$gt": 1, "b": 2}})", 2, "unknown operator: b"},
      {R"({"$foo": 1})", 2,
       "unknown top level operator: $foo. If you have a field name that starts with a '$' "
       "symbol, consider using $getField or $setField."},
      {R"({"$not": {"a": 1}})", 2,
       "unknown top level operator: $not. If you are trying to negate an entire expression, use "
       "$nor."},
      {R"({"$and": []})", 2, "$and/$or/$nor must be a nonempty array"},
      {R"({"$or": []})", 2, "$and/$or/$nor must be a nonempty array"},
      {R"({"$or": 1})", 2, "$or must be an array"},
      {R"({"$nor": {}})", 2, "$nor must be an array"},
      {R"({"$and": {"a": 1}})", 2, "$and must be an array"},
      {R"({"$and": [1]})", 2, "$or/$and/$nor entries need to be full objects"},
      {R"({"$or": [{"a": {"$bad": 1}}]})", 2, "unknown operator: $bad"},
      {R"({"a": {"$not": 1}})", 2, "$not needs a regex or a document"},
      {R"({"a": {"$not": {}}})", 2, "$not cannot be empty"},
      {R"({"a": {"$not": {"b": 1}}})", 2, "unknown operator: b"},
      {R"({"a": {"$elemMatch": 1}})", 2, "$elemMatch needs an Object"},
      {R"({"a": {"$elemMatch": {"$gt": 1, "b": 1}}})", 2, "unknown operator: b"},
  });
}

TEST_CASE("comparison, $in, $all and $exists errors", "[matcher]") {
  const std::string re = Re("x");
  CheckErrors({
      {R"({"a": {"$in": 1}})", 2, "$in needs an array"},
      {R"({"a": {"$nin": {"b": 1}}})", 2, "$nin needs an array"},
      {R"({"a": {"$in": [{"$gt": 1}]}})", 2, "cannot nest $ under $in"},
      {R"({"a": {"$in": [1, {"$undefined": true}]}})", 2,
       "InMatchExpression equality cannot be undefined"},
      {R"({"a": {"$undefined": true}})", 2, "cannot compare to undefined"},
      {R"({"a": {"$lt": {"$undefined": true}}})", 2, "cannot compare to undefined"},
      {R"({"a": {"$ne": {"$undefined": true}}})", 2, "cannot compare to undefined"},
      {R"({"a": {"$gt": )" + re + "}}", 2, "Can't have RegEx as arg to predicate over field 'a'."},
      {R"({"a.b": {"$lte": )" + re + "}}", 2,
       "Can't have RegEx as arg to predicate over field 'a.b'."},
      {R"({"a": {"$ne": )" + re + "}}", 2, "Can't have regex as arg to $ne."},
      {R"({"a": {"$all": 1}})", 2, "$all needs an array"},
      {R"({"a": {"$all": [{"$elemMatch": {"b": 1}}, 1]}})", 2,
       "$all/$elemMatch has to be consistent"},
      {R"({"a": {"$all": [{"$elemMatch": {"b": 1}}, {"b": 1}]}})", 2,
       "$all/$elemMatch has to be consistent"},
      {R"({"a": {"$all": [{"$gt": 1}]}})", 2, "no $ expressions in $all"},
      {R"({"a": {"$all": [{"$undefined": true}]}})", 2, "cannot compare to undefined"},
  });
}

TEST_CASE("$size, $type and bit test errors", "[matcher]") {
  CheckErrors({
      {R"({"a": {"$size": "x"}})", 2, R"(Failed to parse $size. Expected a number in: $size: "x")"},
      {R"({"a": {"$size": {"$gte": 3}}})", 2,
       "Failed to parse $size. Expected a number in: $size: { $gte: 3 }"},
      {R"({"a": {"$size": -1}})", 2,
       "Failed to parse $size. Expected a positive number in: $size: -1"},
      {R"({"a": {"$size": 1.5}})", 2, "Failed to parse $size. Expected an integer: $size: 1.5"},
      {R"({"a": {"$size": {"$numberDouble": "NaN"}}})", 2,
       "Failed to parse $size. Expected an integer, but found NaN in: $size: nan.0"},
      {R"({"a": {"$size": 3000000000}})", 2,
       "Failed to parse $size. Cannot represent $size: 3000000000 in an int"},
      {R"({"a": {"%type": "foo"}})", 2, "Unknown type name alias: foo"},
      {R"({"a": {"%type": "missing"}})", 2,
       "'missing' is not a legal type name. To query for non-existence of a field, use "
       "{$exists:false}."},
      {R"({"a": {"%type": 100}})", 2, "Invalid numerical type code: 100"},
      {R"({"a": {"%type": 0}})", 2, "Invalid numerical type code: 0. Instead use {$exists:false}."},
      {R"({"a": {"%type": 1.5}})", 2, "Invalid numerical type code: 1.5"},
      {R"({"a": {"%type": null}})", 14, "type must be represented as a number or a string"},
      {R"({"a": {"%type": ["string", {}]}})", 14,
       "type must be represented as a number or a string"},
      {R"({"a": {"%type": []}})", 9, "a must match at least one type"},
      {R"({"a": {"$bitsAllSet": "x"}})", 2,
       R"(a takes an Array, a number, or a BinData but received: $bitsAllSet: "x")"},
      {R"({"a": {"$bitsAnySet": -1}})", 9, "Expected a positive number in: $bitsAnySet: -1"},
      {R"({"a": {"$bitsAllClear": 1.5}})", 9, "Expected an integer: $bitsAllClear: 1.5"},
      {R"({"a": {"$bitsAnyClear": [-1]}})", 2,
       "Failed to parse bit position. Expected a positive number in: 0: -1"},
      {R"({"a": {"$bitsAllSet": [1, "x"]}})", 2,
       R"(Failed to parse bit position. Expected a number in: 1: "x")"},
  });
}

TEST_CASE("$mod errors", "[matcher]") {
  CheckErrors({
      {R"({"a": {"$mod": 1}})", 2, "malformed mod, needs to be an array"},
      {R"({"a": {"$mod": []}})", 2, "malformed mod, not enough elements"},
      {R"({"a": {"$mod": [1]}})", 2, "malformed mod, not enough elements"},
      {R"({"a": {"$mod": ["a", 1]}})", 2, "malformed mod, divisor not a number"},
      {R"({"a": {"$mod": [1, "a"]}})", 2, "malformed mod, remainder not a number"},
      {R"({"a": {"$mod": [1, 2, 3]}})", 2, "malformed mod, too many elements"},
      {R"({"a": {"$mod": [0, 1]}})", 2, "divisor cannot be 0"},
      {R"({"a": {"$mod": [0.5, 0]}})", 2, "divisor cannot be 0"},
      {R"({"a": {"$mod": [{"$numberDouble": "NaN"}, 1]}})", 2,
       "malformed mod, divisor value is invalid :: caused by :: Unable to coerce NaN/Inf to "
       "integral type"},
      {R"({"a": {"$mod": [1e30, 1]}})", 2,
       "malformed mod, divisor value is invalid :: caused by :: Out of bounds coercing to "
       "integral value"},
      {R"({"a": {"$mod": [2, {"$numberDecimal": "Infinity"}]}})", 2,
       "malformed mod, remainder value is invalid :: caused by :: Unable to coerce NaN/Inf to "
       "integral type"},
  });
}

TEST_CASE("$regex errors", "[matcher]") {
  CheckErrors({
      {R"({"a": {"%regex": 1}})", 2, "$regex has to be a string"},
      {R"({"a": {"%regex": "x", "%options": 1}})", 2, "$options has to be a string"},
      {R"({"a": {"%options": "i"}})", 2, "$options needs a $regex"},
      {R"({"a": {"%regex": "x", "%options": "z"}})", 51108, " invalid flag in regex options: z"},
      {R"({"a": {"%regex": "x", "%options": "g"}})", 51108, " invalid flag in regex options: g"},
      {R"x({"a": {"%regex": "[)"}})x", 51091,
       "Regular expression is invalid: missing terminating ] for character class"},
      {R"({"a": {"%regex": "(a"}})", 51091,
       "Regular expression is invalid: missing closing parenthesis"},
      {R"({"a": {"%regex": "ab\u0000c"}})", 2,
       "Regular expression cannot contain an embedded null byte"},
      {R"({"a": {"%regex": )" + Re("x", "i") + R"(, "%options": "m"}})", 51075,
       "options set in both $regex and $options"},
      {R"({"a": {"%options": "m", "%regex": )" + Re("x", "i") + "}}", 51074,
       "options set in both $regex and $options"},
      {R"({"a": {"%regex": ")" + std::string(32767, 'y') + R"("}})", 51091,
       "Regular expression is invalid: pattern string is longer than the limit set by the "
       "application"},
  });
}

namespace {

// libbson drops unknown regex flags when it builds a regex, but a client may
// send any: this rewrites the flag "i" that follows the pattern "FLAG" in
// `json` into `flag`, in the BSON bytes.
basalt::Bson WithRegexFlag(const std::string& json, char flag) {
  basalt::Bson doc = Doc(json);
  std::string bytes(reinterpret_cast<const char*>(doc.data()), doc.size());
  const std::string marker("FLAG\0i\0", 7);
  const size_t at = bytes.find(marker);
  REQUIRE(at != std::string::npos);
  bytes[at + 5] = flag;
  return basalt::Bson::CopyBytes(reinterpret_cast<const uint8_t*>(bytes.data()),
                                 static_cast<uint32_t>(bytes.size()));
}

}  // namespace

TEST_CASE("regex literals with flags mongod does not know", "[matcher]") {
  for (const auto& [json, flag] : std::vector<std::pair<std::string, char>>{
           {R"({"a": )" + Re("FLAG", "i") + "}", 'g'},
           {R"({"a": {"$in": [1, )" + Re("FLAG", "i") + "]}}", 'q'},
           {R"({"a": {"$all": [)" + Re("FLAG", "i") + "]}}", 'z'},
           {R"({"a": {"$not": )" + Re("FLAG", "i") + "}}", 'l'},
       }) {
    INFO(json << " with flag " << flag);
    basalt::Bson filter = WithRegexFlag(json, flag);
    auto matcher = basalt::query::Matcher::Parse(filter.get());
    REQUIRE_FALSE(matcher.ok());
    CHECK(matcher.status().code() == 51108);
    CHECK(matcher.status().reason() == std::string(" invalid flag in regex options: ") + flag);
  }
}

TEST_CASE("special operators: $where, $expr, $jsonSchema, $text, geo", "[matcher]") {
  CheckErrors({
      {R"({"$where": "this.a == 1"})", 6108304, "no globalScriptEngine in $where parsing"},
      {R"({"$where": 1})", 2, "$where got bad type"},
      {R"({"a": {"$where": "x"}})", 2, "$where cannot be applied to a field"},
      {R"({"a": {"$elemMatch": {"$where": "x"}}})", 2,
       "$where can only be applied to the top-level document"},
      {R"({"$expr": {"$eq": ["$a", 1]}})", 238, "$expr is not supported by Basalt yet"},
      {R"({"a": {"$elemMatch": {"$expr": 1}}})", 2,
       "$expr can only be applied to the top-level document"},
      {R"({"$jsonSchema": 1})", 14, "$jsonSchema must be an object"},
      {R"({"$jsonSchema": {}})", 238, "$jsonSchema is not supported by Basalt yet"},
      {R"({"$text": {"$search": "x"}})", 27, "text index required for $text query"},
      {R"({"a": {"$elemMatch": {"$text": {"$search": "x"}}}})", 2,
       "$text can only be applied to the top-level document"},
      {R"({"a": {"$near": [0, 0]}})", 238, "$near is not supported by Basalt yet"},
      {R"({"a": {"$geoWithin": {}}})", 238, "$geoWithin is not supported by Basalt yet"},
      {R"({"a": {"$gt": 1, "$near": 5}})", 2, "near must be first in: { $gt: 1, $near: 5 }"},
      {R"({"$alwaysTrue": 2})", 9, "$alwaysTrue must be an integer value of 1"},
      {R"({"$alwaysFalse": "x"})", 9, R"(Expected a number in: $alwaysFalse: "x")"},
      {R"({"$sampleRate": 2})", 2, "numeric argument to $sampleRate must be in [0, 1]"},
      {R"({"$sampleRate": "x"})", 2, "argument to $sampleRate must be a numeric type"},
      {R"({"a": {"$elemMatch": {"$sampleRate": 0.5}}})", 2,
       "$sampleRate can only be applied to the top-level document"},
  });
}

TEST_CASE("contexts that ban special features answer as mongod's kBanAllSpecialFeatures",
          "[matcher]") {
  CheckErrors(
      {
          {R"({"$where": "1"})", 2, "$where is not allowed in this context"},
          {R"({"$expr": {"$eq": ["$a", 1]}})", 224, "$expr is not allowed in this context"},
          {R"({"$jsonSchema": {}})", 224, "$jsonSchema is not allowed in this context"},
          {R"({"$text": {"$search": "x"}})", 2, "$text is not allowed in this context"},
          {R"({"a": {"$near": [0, 0]}})", 5626500,
           "$geoNear, $near, and $nearSphere are not allowed in this context"},
      },
      MatcherOptions::BanAllSpecialFeatures());
}

namespace {

// {$and: [{$and: [... {a: value} ...]}]} with `levels` $ands, built directly:
// libbson's JSON reader stops at 100 levels of nesting.
void AppendNestedAnd(bson_t* out, int levels, int value) {
  if (levels == 0) {
    BSON_APPEND_INT32(out, "a", value);
    return;
  }
  bson_t array, element;
  BSON_APPEND_ARRAY_BEGIN(out, "$and", &array);
  BSON_APPEND_DOCUMENT_BEGIN(&array, "0", &element);
  AppendNestedAnd(&element, levels - 1, value);
  bson_append_document_end(&array, &element);
  bson_append_array_end(out, &array);
}

}  // namespace

TEST_CASE("path length and nesting depth are bounded as in mongod", "[matcher]") {
  std::string path = "a";
  for (int i = 1; i < 181; ++i) path += ".a";
  CheckErrors({{R"({")" + path + R"(": 1})", 5729100, "FieldPath is too long"}});
  path.resize(path.size() - 2);  // 180 components are allowed
  CheckRows({{R"({")" + path + R"(": null})", "{}", true}});

  // Each $and adds a document and an array: 100 of them nest 201 deep.
  basalt::Bson deep;
  AppendNestedAnd(deep.get(), 100, 1);
  auto refused = basalt::query::Matcher::Parse(deep.get());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == 15);
  CHECK(refused.status().reason() == "BSONObj exceeded maximum nested object depth: 200");

  basalt::Bson ok;
  AppendNestedAnd(ok.get(), 99, 1);
  auto parsed = basalt::query::Matcher::Parse(ok.get());
  REQUIRE(parsed.ok());
  basalt::Bson one = Doc(R"({"a": 1})");
  basalt::Bson two = Doc(R"({"a": 2})");
  CHECK(parsed.value()->Matches(one.get()));
  CHECK_FALSE(parsed.value()->Matches(two.get()));
}
