// Element, array, logical and evaluation operators. Expected results follow
// mongod 7.0 (its matcher source and jstests/core/query: bittest.js,
// type_array.js, type_operator_on_missing_values.js, existsb.js,
// regex_options.js) and the MongoDB manual's operator pages.
#include <catch2/catch.hpp>

#include "tests/unit/query/matcher_test_util.h"

using namespace basalt::query::testing;

TEST_CASE("$exists", "[matcher]") {
  CheckRows({
      {R"({"a": {"$exists": true}})", R"({"a": 1})", true},
      {R"({"a": {"$exists": true}})", "{}", false},
      {R"({"a": {"$exists": true}})", R"({"a": null})", true},
      {R"({"a": {"$exists": true}})", R"({"a": []})", true},
      {R"({"a": {"$exists": false}})", "{}", true},
      {R"({"a": {"$exists": false}})", R"({"a": null})", false},
      {R"({"a": {"$exists": 0}})", "{}", true},
      {R"({"a": {"$exists": 1}})", R"({"a": 1})", true},
      {R"({"a": {"$exists": null}})", "{}", true},
      {R"({"a": {"$exists": "false"}})", "{}", false},
      {R"({"a": {"$not": {"$exists": true}}})", R"({"b": 1})", true},
      {R"({"a": 1, "b": {"$exists": false}})", R"({"a": 1, "b": null})", false},
      {R"({"a": {"$exists": false}, "b": 1})", R"({"b": 1})", true},
  });
}

TEST_CASE("$type: names, numbers, number alias, arrays of types", "[matcher]") {
  CheckRows({
      {R"({"a": {"%type": "number"}})", R"({"a": 1})", true},
      {R"({"a": {"%type": "number"}})", R"({"a": 1.5})", true},
      {R"({"a": {"%type": "number"}})", R"({"a": {"$numberDecimal": "1"}})", true},
      {R"({"a": {"%type": "number"}})", R"({"a": "1"})", false},
      {R"({"a": {"%type": "number"}})", R"({"a": [1, "foo"]})", true},
      {R"({"a": {"%type": 2}})", R"({"a": "x"})", true},
      {R"({"a": {"%type": 2.0}})", R"({"a": "x"})", true},
      {R"({"a": {"%type": "string"}})", R"({"a": ["x"]})", true},
      {R"({"a": {"%type": "string"}})", R"({"a": {"$symbol": "x"}})", false},
      {R"({"a": {"%type": "symbol"}})", R"({"a": {"$symbol": "x"}})", true},
      {R"({"a": {"%type": "array"}})", R"({"a": []})", true},
      {R"({"a": {"%type": "array"}})", R"({"a": [1]})", true},
      {R"({"a": {"%type": "array"}})", R"({"a": [[]]})", true},
      {R"({"a": {"%type": "array"}})", R"({"a": 1})", false},
      {R"({"a.0": {"%type": "array"}})", R"({"a": [[]]})", true},
      {R"({"a.0": {"%type": "array"}})", R"({"a": [1]})", false},
      {R"({"a.0.0": {"%type": "array"}})", R"({"a": [[[]]]})", true},
      {R"({"a.0.0": {"%type": "array"}})", R"({"a": [[]]})", false},
      {R"({"a": {"%type": ["long", 2]}})", R"({"a": {"$numberLong": "1"}})", true},
      {R"({"a": {"%type": ["long", 2]}})", R"({"a": 1})", false},
      {R"({"a": {"%type": ["long", 2]}})", R"({"a": [1, "str"]})", true},
      {R"({"a": {"%type": ["long", 2]}})", "{}", false},
      {R"({"a": {"%type": ["long", "array", 18, 4]}})", R"({"a": []})", true},
      {R"({"a": {"%type": "null"}})", R"({"a": null})", true},
      {R"({"a": {"%type": "null"}})", "{}", false},
      {R"({"a": {"%type": "undefined"}})", R"({"a": {"$undefined": true}})", true},
      {R"({"a": {"%type": ["null", "undefined"]}})", R"({"a": [1, {"$undefined": true}]})", true},
      {R"({"a": {"%type": "minKey"}})", R"({"a": {"$minKey": 1}})", true},
      {R"({"a": {"%type": -1}})", R"({"a": {"$minKey": 1}})", true},
      {R"({"a": {"%type": 127}})", R"({"a": {"$maxKey": 1}})", true},
      {R"({"a": {"%type": "maxKey"}})", R"({"a": {"$minKey": 1}})", false},
      {R"({"a": {"%type": "object"}})", R"({"a": [{"b": 1}]})", true},
      {R"({"a": {"%type": "int"}})", R"({"a": 1})", true},
      {R"({"a": {"%type": "int"}})", R"({"a": 1.0})", false},
      {R"({"a": {"%type": 1}})", R"({"a": 1.0})", true},
      {R"({"a": {"%type": "double"}})", R"({"a": 1.0})", true},
      {R"({"a": {"%type": "long"}})", R"({"a": {"$numberLong": "5"}})", true},
      {R"({"a": {"%type": "decimal"}})", R"({"a": {"$numberDecimal": "5"}})", true},
      {R"({"a": {"%type": "bool"}})", R"({"a": false})", true},
      {R"({"a": {"%type": "date"}})", R"({"a": {"$date": "2020-01-01T00:00:00Z"}})", true},
      {R"({"a": {"%type": "timestamp"}})", R"({"a": {"$timestamp": {"t": 1, "i": 1}}})", true},
      {R"({"a": {"%type": "objectId"}})", R"({"a": {"$oid": "5f0000000000000000000001"}})", true},
      {R"({"a": {"%type": "binData"}})", R"({"a": {"$binary": {"base64": "", "subType": "00"}}})",
       true},
      {R"({"a": {"%type": "regex"}})", R"({"a": )" + Re("x") + "}", true},
      {R"({"a": {"%type": "javascript"}})", R"({"a": {"$code": "return 1"}})", true},
      {R"({"a": {"$not": {"%type": "string"}}})", "{}", true},
      {R"({"a": {"$not": {"%type": "string"}}})", R"({"a": "x"})", false},
  });
}

TEST_CASE("$size", "[matcher]") {
  CheckRows({
      {R"({"a": {"$size": 2}})", R"({"a": [1, 2]})", true},
      {R"({"a": {"$size": 2}})", R"({"a": [1]})", false},
      {R"({"a": {"$size": 1}})", R"({"a": 1})", false},
      {R"({"a": {"$size": 0}})", R"({"a": []})", true},
      {R"({"a": {"$size": 0}})", "{}", false},
      {R"({"a": {"$size": 1}})", R"({"a": [[1, 2]]})", true},
      {R"({"a": {"$size": 2}})", R"({"a": [[1, 2]]})", false},
      {R"({"a": {"$size": 2.0}})", R"({"a": [1, 2]})", true},
      {R"({"a": {"$size": {"$numberLong": "2"}}})", R"({"a": [1, 2]})", true},
      {R"({"a.b": {"$size": 2}})", R"({"a": [{"b": [1, 2]}]})", true},
      {R"({"a.b": {"$size": 2}})", R"({"a": {"b": [1, 2]}})", true},
      {R"({"a": {"$not": {"$size": 2}}})", R"({"a": 1})", true},
  });
}

TEST_CASE("$all", "[matcher]") {
  const std::string em_b = R"({"$elemMatch": {"b": 1}})";
  const std::string em_c = R"({"$elemMatch": {"c": 2}})";
  CheckRows({
      {R"({"a": {"$all": [1, 2]}})", R"({"a": [1, 2, 3]})", true},
      {R"({"a": {"$all": [1, 2]}})", R"({"a": [1, 3]})", false},
      {R"({"a": {"$all": [1, 2]}})", R"({"a": 1})", false},
      {R"({"a": {"$all": [1]}})", R"({"a": 1})", true},
      {R"({"a": {"$all": []}})", R"({"a": []})", false},
      {R"({"a": {"$all": []}})", R"({"a": [1]})", false},
      {R"({"a": {"$all": [[1, 2]]}})", R"({"a": [1, 2]})", true},
      {R"({"a": {"$all": [[1, 2]]}})", R"({"a": [[1, 2], 3]})", true},
      {R"({"a": {"$all": [)" + Re("^a") + R"(, "b"]}})", R"({"a": ["ax", "b"]})", true},
      {R"({"a": {"$all": [)" + Re("^a") + R"(, "b"]}})", R"({"a": ["x", "b"]})", false},
      {R"({"a": {"$all": [)" + em_b + ", " + em_c + "]}}", R"({"a": [{"b": 1}, {"c": 2}]})", true},
      {R"({"a": {"$all": [)" + em_b + ", " + em_c + "]}}", R"({"a": [{"b": 1}]})", false},
      {R"({"a.b": {"$all": [1, 2]}})", R"({"a": [{"b": 1}, {"b": 2}]})", true},
      {R"({"a": {"$all": [null]}})", "{}", true},
      {R"({"a": {"$all": [{"$foo": 1}]}})", R"({"a": [{"$foo": 1}]})", true},
  });
}

TEST_CASE("$elemMatch: value form and query form", "[matcher]") {
  CheckRows({
      {R"({"a": {"$elemMatch": {"$gt": 1, "$lt": 5}}})", R"({"a": [0, 3]})", true},
      {R"({"a": {"$elemMatch": {"$gt": 1, "$lt": 5}}})", R"({"a": [0, 10]})", false},
      {R"({"a": {"$elemMatch": {"$gt": 1, "$lt": 5}}})", R"({"a": 3})", false},
      {R"({"a": {"$elemMatch": {"b": 1, "c": 2}}})", R"({"a": [{"b": 1, "c": 2}]})", true},
      {R"({"a": {"$elemMatch": {"b": 1, "c": 2}}})", R"({"a": [{"b": 1}, {"c": 2}]})", false},
      {R"({"a": {"$elemMatch": {"b": 1}}})", R"({"a": {"b": 1}})", false},
      {R"({"a": {"$elemMatch": {"b": {"$gt": 1}}}})", R"({"a": [{"b": [0, 5]}]})", true},
      {R"({"a": {"$elemMatch": {"$eq": 1}}})", R"({"a": [[1]]})", false},
      {R"({"a": {"$elemMatch": {"$in": [1]}}})", R"({"a": [1]})", true},
      {R"({"a": {"$elemMatch": {}}})", R"({"a": [1]})", false},
      {R"({"a": {"$elemMatch": {}}})", R"({"a": [{}]})", true},
      {R"({"a": {"$elemMatch": {}}})", R"({"a": [[]]})", true},
      {R"({"a": {"$elemMatch": {"0": 1}}})", R"({"a": [[1]]})", true},
      {R"({"a": {"$elemMatch": {"$or": [{"b": 1}, {"c": 1}]}}})", R"({"a": [{"c": 1}]})", true},
      {R"({"a": {"$elemMatch": {"$or": [{"b": 1}, {"c": 1}]}}})", R"({"a": [{"d": 1}]})", false},
      {R"({"a.b": {"$elemMatch": {"$gt": 2}}})", R"({"a": [{"b": [1, 3]}]})", true},
      {R"({"a": {"$elemMatch": {"$not": {"$gt": 5}}}})", R"({"a": [10, 1]})", true},
      {R"({"a": {"$elemMatch": {"$not": {"$gt": 5}}}})", R"({"a": [10]})", false},
      {R"({"a": {"$elemMatch": {"$elemMatch": {"$gt": 1}}}})", R"({"a": [[0, 2]]})", true},
      {R"({"a": {"$elemMatch": {"$elemMatch": {"$gt": 1}}}})", R"({"a": [[0, 1]]})", false},
      {R"({"a": {"$elemMatch": {"b": {"$elemMatch": {"c": 1}}}}})", R"({"a": [{"b": [{"c": 1}]}]})",
       true},
      {R"({"a": {"$elemMatch": {"$exists": true}}})", R"({"a": []})", false},
      {R"({"a": {"$elemMatch": {"$exists": true}}})", R"({"a": [null]})", true},
      {R"({"a": {"$elemMatch": {"$size": 1}}})", R"({"a": [[5]]})", true},
      {R"({"a": {"$elemMatch": {"%type": "string"}}})", R"({"a": [1, "x"]})", true},
      {R"({"a": {"$elemMatch": {"%regex": "^x"}}})", R"({"a": ["y", "xa"]})", true},
      {R"({"a": {"$elemMatch": {"$comment": "c", "b": 1}}})", R"({"a": [{"b": 1}]})", true},
  });
}

TEST_CASE("$not", "[matcher]") {
  CheckRows({
      {R"({"a": {"$not": {"$gt": 1}}})", R"({"a": 0})", true},
      {R"({"a": {"$not": {"$gt": 1}}})", R"({"a": 2})", false},
      {R"({"a": {"$not": {"$gt": 1}}})", "{}", true},
      {R"({"a": {"$not": {"$gt": 1}}})", R"({"a": "x"})", true},
      {R"({"a": {"$not": {"$gt": 1, "$lt": 5}}})", R"({"a": 3})", false},
      {R"({"a": {"$not": {"$gt": 1, "$lt": 5}}})", R"({"a": 7})", true},
      {R"({"a": {"$not": )" + Re("^x") + "}}", R"({"a": "xy"})", false},
      {R"({"a": {"$not": )" + Re("^x") + "}}", R"({"a": "y"})", true},
      {R"({"a": {"$not": )" + Re("^x") + "}}", R"({"a": 1})", true},
      {R"({"a": {"$not": {"%regex": "^x"}}})", R"({"a": "xy"})", false},
      {R"({"a": {"$not": {"$in": [1, 2]}}})", R"({"a": [3, 2]})", false},
      {R"({"a": {"$not": {"$elemMatch": {"$gt": 1}}}})", R"({"a": [0]})", true},
  });
}

TEST_CASE("$and, $or, $nor and the implicit $and", "[matcher]") {
  CheckRows({
      {R"({"$and": [{"a": 1}, {"b": 2}]})", R"({"a": 1, "b": 2})", true},
      {R"({"$and": [{"a": 1}, {"b": 2}]})", R"({"a": 1})", false},
      {R"({"$or": [{"a": 1}, {"b": 2}]})", R"({"b": 2})", true},
      {R"({"$or": [{"a": 1}, {"b": 2}]})", R"({"c": 1})", false},
      {R"({"$nor": [{"a": 1}, {"b": 2}]})", R"({"c": 1})", true},
      {R"({"$nor": [{"a": 1}, {"b": 2}]})", R"({"a": 1})", false},
      {R"({"$nor": [{"a": {"$exists": true}}]})", "{}", true},
      {R"({"$and": [{"a": {"$gt": 1}}, {"a": {"$lt": 5}}]})", R"({"a": [0, 10]})", true},
      {R"({"$or": [{"$and": [{"a": 1}, {"b": 1}]}, {"c": 1}]})", R"({"a": 1, "b": 1})", true},
      {R"({"$or": [{"$and": [{"a": 1}, {"b": 1}]}, {"c": 1}]})", R"({"a": 1})", false},
      {R"({"a": 1, "$or": [{"b": 1}, {"c": 1}]})", R"({"a": 1, "c": 1})", true},
      {R"({"a": 1, "$or": [{"b": 1}, {"c": 1}]})", R"({"a": 2, "c": 1})", false},
      {R"({"$and": [{"$comment": "only a comment"}]})", R"({"a": 1})", true},
      {R"({"$or": [{}]})", R"({"a": 1})", true},
  });
}

TEST_CASE("$regex with $options i, m, s, x and regex literals", "[matcher]") {
  CheckRows({
      {R"({"a": {"%regex": "^ab"}})", R"({"a": "abc"})", true},
      {R"({"a": {"%regex": "^ab"}})", R"({"a": "cab"})", false},
      {R"({"a": {"%regex": "ab"}})", R"({"a": "cab"})", true},
      {R"({"a": {"%regex": "^ab"}})", R"({"a": 1})", false},
      {R"({"a": {"%regex": "^ab"}})", "{}", false},
      {R"({"a": {"%regex": "^ab"}})", R"({"a": ["x", "abz"]})", true},
      {R"({"a": {"%regex": "AB", "%options": "i"}})", R"({"a": "xaby"})", true},
      {R"({"a": {"%options": "i", "%regex": "^X"}})", R"({"a": "xy"})", true},
      {R"({"a": )" + Re("AB", "i") + "}", R"({"a": "ab"})", true},
      {R"({"a": )" + Re("AB") + "}", R"({"a": "ab"})", false},
      {R"({"a": {"%regex": "^b", "%options": "m"}})", R"({"a": "a\nb"})", true},
      {R"({"a": {"%regex": "^b"}})", R"({"a": "a\nb"})", false},
      {R"({"a": {"%regex": "a.b", "%options": "s"}})", R"({"a": "a\nb"})", true},
      {R"({"a": {"%regex": "a.b"}})", R"({"a": "a\nb"})", false},
      {R"({"a": {"%regex": "a b # comment\n c", "%options": "x"}})", R"({"a": "abc"})", true},
      {R"({"a": {"%regex": "a b c"}})", R"({"a": "abc"})", false},
      {R"({"a": {"%regex": "^x", "%options": "u"}})", R"({"a": "xy"})", true},
      {R"({"a": {"%regex": )" + Re("^x", "i") + "}}", R"({"a": "XY"})", true},
      {R"({"a": {"%regex": )" + Re("^x") + R"(, "%options": "i"}})", R"({"a": "XY"})", true},
      {R"({"a": )" + Re("^x") + "}", R"({"a": )" + Re("^x") + "}", true},
      {R"({"a": )" + Re("^x") + "}", R"({"a": )" + Re("^x", "i") + "}", false},
      {R"({"a": {"$eq": )" + Re("^x") + "}}", R"({"a": "xy"})", false},
      {R"({"a": {"$eq": )" + Re("^x") + "}}", R"({"a": )" + Re("^x") + "}", true},
      {R"({"a": )" + Re("caf\u00e9") + "}", R"({"a": "un caf\u00e9"})", true},
      {R"({"a": )" + Re("^.$") + "}", R"({"a": "\u00e9"})", true},
      {R"({"a": )" + Re("^s") + "}", R"({"a": {"$symbol": "sym"}})", true},
      {R"({"a.b": )" + Re("^x") + "}", R"({"a": [{"b": "xy"}]})", true},
      {R"({"a": {"%regex": "^x", "$ne": "xz"}})", R"({"a": "xy"})", true},
      {R"({"a": {"%regex": "^x", "$ne": "xz"}})", R"({"a": "xz"})", false},
  });
}

TEST_CASE("$mod truncates toward zero", "[matcher]") {
  CheckRows({
      {R"({"a": {"$mod": [4, 0]}})", R"({"a": 8})", true},
      {R"({"a": {"$mod": [4, 0]}})", R"({"a": 9})", false},
      {R"({"a": {"$mod": [4, 0]}})", R"({"a": 8.9})", true},
      {R"({"a": {"$mod": [4, 0]}})", R"({"a": -8})", true},
      {R"({"a": {"$mod": [4, -1]}})", R"({"a": -5})", true},
      {R"({"a": {"$mod": [4, 0]}})", R"({"a": "8"})", false},
      {R"({"a": {"$mod": [4, 0]}})", R"({"a": {"$numberDouble": "NaN"}})", false},
      {R"({"a": {"$mod": [4, 0]}})", R"({"a": {"$numberDouble": "Infinity"}})", false},
      {R"({"a": {"$mod": [4, 0]}})", R"({"a": 1e30})", false},
      {R"({"a": {"$mod": [4.5, 1]}})", R"({"a": 5})", true},
      {R"({"a": {"$mod": [{"$numberLong": "4"}, 0]}})", R"({"a": {"$numberDecimal": "8.7"}})",
       true},
      {R"({"a": {"$mod": [{"$numberDecimal": "3.9"}, 1]}})", R"({"a": 4})", true},
      {R"({"a": {"$mod": [-1, 0]}})", R"({"a": {"$numberLong": "-9223372036854775808"}})", true},
      {R"({"a": {"$mod": [2, 1]}})", R"({"a": [2, 3]})", true},
      {R"({"a": {"$mod": [2, 1]}})", "{}", false},
  });
}

TEST_CASE("bit tests on numbers and binData", "[matcher]") {
  const std::string bin02 = R"({"$binary": {"base64": "Ag==", "subType": "00"}})";  // 0x02
  const std::string bin80 = R"({"$binary": {"base64": "gA==", "subType": "00"}})";  // 0x80
  CheckRows({
      // 54 = 0b110110
      {R"({"a": {"$bitsAllSet": 6}})", R"({"a": 54})", true},
      {R"({"a": {"$bitsAllSet": 1}})", R"({"a": 54})", false},
      {R"({"a": {"$bitsAllSet": 0}})", R"({"a": 54})", true},
      {R"({"a": {"$bitsAllClear": 9}})", R"({"a": 54})", true},
      {R"({"a": {"$bitsAllClear": 6}})", R"({"a": 54})", false},
      {R"({"a": {"$bitsAnySet": 9}})", R"({"a": 54})", false},
      {R"({"a": {"$bitsAnySet": 3}})", R"({"a": 54})", true},
      {R"({"a": {"$bitsAnySet": 0}})", R"({"a": 54})", false},
      {R"({"a": {"$bitsAnyClear": 6}})", R"({"a": 54})", false},
      {R"({"a": {"$bitsAnyClear": 7}})", R"({"a": 54})", true},
      {R"({"a": {"$bitsAllSet": [1, 2]}})", R"({"a": 54})", true},
      {R"({"a": {"$bitsAllSet": []}})", R"({"a": 0})", true},
      {R"({"a": {"$bitsAnySet": []}})", R"({"a": 5})", false},
      {R"({"a": {"$bitsAllSet": [1, 100]}})", R"({"a": -1})", true},
      {R"({"a": {"$bitsAllSet": [1, 100]}})", R"({"a": 6})", false},
      {R"({"a": {"$bitsAllSet": 2}})", R"({"a": 2.0})", true},
      {R"({"a": {"$bitsAllSet": 2}})", R"({"a": 2.5})", false},
      {R"({"a": {"$bitsAllClear": 2}})", R"({"a": {"$numberDouble": "NaN"}})", false},
      {R"({"a": {"$bitsAllSet": 2}})", R"({"a": {"$numberDecimal": "2"}})", true},
      {R"({"a": {"$bitsAllSet": 2}})", R"({"a": {"$numberDecimal": "2.5"}})", false},
      {R"({"a": {"$bitsAllSet": 2}})", R"({"a": {"$numberLong": "6"}})", true},
      {R"({"a": {"$bitsAllSet": 2}})", R"({"a": "2"})", false},
      {R"({"a": {"$bitsAllSet": [0]}})", R"({"a": [2, 1]})", true},
      {R"({"a": {"$bitsAllSet": )" + bin02 + "}}", R"({"a": 54})", true},
      {R"({"a": {"$bitsAllSet": )" + bin02 + "}}", R"({"a": )" + bin02 + "}", true},
      {R"({"a": {"$bitsAnySet": [1]}})", R"({"a": )" + bin02 + "}", true},
      {R"({"a": {"$bitsAnySet": [0]}})", R"({"a": )" + bin02 + "}", false},
      {R"({"a": {"$bitsAnySet": [100]}})", R"({"a": )" + bin02 + "}", false},
      {R"({"a": {"$bitsAllClear": [100]}})", R"({"a": )" + bin02 + "}", true},
      // mongod sign-extends a mask byte >= 0x80 when testing numbers.
      {R"({"a": {"$bitsAllSet": )" + bin80 + "}}", R"({"a": 128})", false},
      {R"({"a": {"$bitsAllSet": )" + bin80 + "}}", R"({"a": -128})", true},
  });
}

TEST_CASE("$comment, $alwaysTrue, $alwaysFalse, $sampleRate", "[matcher]") {
  CheckRows({
      {R"({"$comment": "find it", "a": 1})", R"({"a": 1})", true},
      {R"({"$comment": {"any": "value"}})", R"({"a": 1})", true},
      {R"({"$alwaysTrue": 1})", "{}", true},
      {R"({"$alwaysTrue": 1.0})", "{}", true},
      {R"({"$alwaysFalse": 1})", "{}", false},
      {R"({"$or": [{"$alwaysFalse": 1}, {"a": 1}]})", R"({"a": 1})", true},
      {R"({"$sampleRate": 0})", "{}", false},
      {R"({"$sampleRate": 1})", "{}", true},
      {R"({"$id": 1})", R"({"$id": 1})", true},
  });
}
