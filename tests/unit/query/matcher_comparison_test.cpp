// Equality and comparisons across BSON types, null and missing, arrays and
// dotted paths. Expected results follow mongod 7.0 (its matcher source and
// jstests/core/query: array_match4.js, exists8.js, null_undefined.js,
// type_array.js) and the MongoDB manual's query pages.
#include <catch2/catch.hpp>

#include "tests/unit/query/matcher_test_util.h"

using namespace basalt::query::testing;

TEST_CASE("equality: numbers compare by value across int, long, double and decimal", "[matcher]") {
  CheckRows({
      {R"({"a": 1})", R"({"a": 1})", true},
      {R"({"a": 1})", R"({"a": 1.0})", true},
      {R"({"a": 1})", R"({"a": {"$numberLong": "1"}})", true},
      {R"({"a": 1})", R"({"a": {"$numberDecimal": "1.00"}})", true},
      {R"({"a": {"$numberDecimal": "1"}})", R"({"a": 1.0})", true},
      {R"({"a": {"$numberLong": "1"}})", R"({"a": {"$numberDecimal": "1.0000"}})", true},
      {R"({"a": 1})", R"({"a": 2})", false},
      {R"({"a": 1})", R"({"a": "1"})", false},
      {R"({"a": 1})", R"({"a": true})", false},
      {R"({"a": 0})", R"({"a": -0.0})", true},
      {R"({"a": 9007199254740993})", R"({"a": 9007199254740992.0})", false},
      {R"({"a": {"$numberDouble": "NaN"}})", R"({"a": {"$numberDouble": "NaN"}})", true},
      {R"({"a": {"$numberDouble": "NaN"}})", R"({"a": 1})", false},
      {R"({"a": {"$numberDouble": "Infinity"}})", R"({"a": {"$numberDouble": "Infinity"}})", true},
      {R"({"_id": 1})", R"({"_id": 1.0})", true},
  });
}

TEST_CASE("equality: strings, documents, arrays and other types", "[matcher]") {
  CheckRows({
      {R"({"a": "x"})", R"({"a": "x"})", true},
      {R"({"a": "x"})", R"({"a": "X"})", false},
      {R"({"a": "x"})", R"({"a": {"$symbol": "x"}})", true},
      {R"({"a": {"b": 1}})", R"({"a": {"b": 1}})", true},
      {R"({"a": {"b": 1}})", R"({"a": {"b": 1.0}})", true},
      {R"({"a": {"b": 1}})", R"({"a": {"b": 1, "c": 2}})", false},
      {R"({"a": {"b": 1, "c": 2}})", R"({"a": {"c": 2, "b": 1}})", false},
      {R"({"a": {"b": 1}})", R"({"a": [{"b": 1}]})", true},
      {R"({"a": {}})", R"({"a": {}})", true},
      {R"({"a": true})", R"({"a": true})", true},
      {R"({"a": true})", R"({"a": false})", false},
      {R"({"a": {"$oid": "5f0000000000000000000001"}})",
       R"({"a": {"$oid": "5f0000000000000000000001"}})", true},
      {R"({"a": {"$oid": "5f0000000000000000000001"}})",
       R"({"a": {"$oid": "5f0000000000000000000002"}})", false},
      {R"({"a": {"$date": "2020-01-01T00:00:00Z"}})", R"({"a": {"$date": "2020-01-01T00:00:00Z"}})",
       true},
      {R"({"a": {"$date": "2020-01-01T00:00:00Z"}})", R"({"a": {"$timestamp": {"t": 1, "i": 1}}})",
       false},
      {R"({"a": {"$binary": {"base64": "AQI=", "subType": "00"}}})",
       R"({"a": {"$binary": {"base64": "AQI=", "subType": "00"}}})", true},
      {R"({"a": {"$binary": {"base64": "AQI=", "subType": "00"}}})",
       R"({"a": {"$binary": {"base64": "AQI=", "subType": "05"}}})", false},
      {R"({"a": {"$minKey": 1}})", R"({"a": {"$minKey": 1}})", true},
      {R"({"a": {"$maxKey": 1}})", R"({"a": {"$minKey": 1}})", false},
      {"{}", "{}", true},
      {"{}", R"({"a": 1})", true},
      {R"({"a": 1, "b": 2})", R"({"a": 1, "b": 2})", true},
      {R"({"a": 1, "b": 2})", R"({"a": 1})", false},
  });
}

TEST_CASE("equality: an operand matches any element or the whole array", "[matcher]") {
  CheckRows({
      {R"({"a": 1})", R"({"a": [1, 2]})", true},
      {R"({"a": 1})", R"({"a": [2, 3]})", false},
      {R"({"a": 1})", R"({"a": [[1], 2]})", false},
      {R"({"a": [1, 2]})", R"({"a": [1, 2]})", true},
      {R"({"a": [1, 2]})", R"({"a": [2, 1]})", false},
      {R"({"a": [1, 2]})", R"({"a": [[1, 2], 3]})", true},
      {R"({"a": [1, 2]})", R"({"a": [1, 2, 3]})", false},
      {R"({"a": [1, 2]})", R"({"a": 1})", false},
      {R"({"a": []})", R"({"a": []})", true},
      {R"({"a": []})", R"({"a": [[]]})", true},
      {R"({"a": []})", R"({"a": [1]})", false},
      {R"({"a": [1]})", R"({"a": [1.0]})", true},
  });
}

TEST_CASE("null matches null, missing and (as mongod 7.0) undefined", "[matcher]") {
  basalt::query::MatcherOptions mongod7;
  mongod7.null_matches_undefined = true;
  CheckRows(
      {
          {R"({"a": null})", "{}", true},
          {R"({"a": null})", R"({"a": null})", true},
          {R"({"a": null})", R"({"a": {"$undefined": true}})", true},
          {R"({"a": null})", R"({"a": 0})", false},
          {R"({"a": null})", R"({"a": false})", false},
          {R"({"a": null})", R"({"a": [1, null]})", true},
          {R"({"a": null})", R"({"a": [1, {"$undefined": true}]})", true},
          {R"({"a": null})", R"({"a": [1, 2]})", false},
          {R"({"a": null})", R"({"a": []})", false},
          {R"({"a.b": null})", R"({"a": {}})", true},
          {R"({"a.b": null})", R"({"a": 1})", true},
          {R"({"a.b": null})", R"({"a": [{"c": 1}]})", true},
          {R"({"a.b": null})", R"({"a": [1, 2]})", false},
          {R"({"a.b": null})", R"({"a": [{"b": 1}]})", false},
          {R"({"a.b": null})", R"({"a": [{"b": 1}, {"c": 1}]})", true},
          {R"({"a": {"$eq": null}})", "{}", true},
          {R"({"a": {"$ne": null}})", "{}", false},
          {R"({"a": {"$ne": null}})", R"({"a": 1})", true},
          {R"({"a": {"$ne": null}})", R"({"a": [null, 1]})", false},
          {R"({"a": {"$gte": null}})", "{}", true},
          {R"({"a": {"$lte": null}})", "{}", true},
          {R"({"a": {"$gte": null}})", R"({"a": null})", true},
          {R"({"a": {"$gt": null}})", "{}", false},
          {R"({"a": {"$lt": null}})", R"({"a": null})", false},
          {R"({"a": {"$gt": null}})", R"({"a": 1})", false},
          {R"({"a": {"$in": [null]}})", "{}", true},
          {R"({"a": {"$in": [null]}})", R"({"a": {"$undefined": true}})", true},
          {R"({"a": {"$in": [null, 1]}})", R"({"a": 2})", false},
          {R"({"a": {"$nin": [null]}})", "{}", false},
          {R"({"a": {"$nin": [null]}})", R"({"a": 1})", true},
          {R"({"$or": [{"a": {"$exists": false}}, {"a": null}]})", "{}", true},
      },
      mongod7);
}

TEST_CASE("by default null does not match undefined, as mongod 8.0", "[matcher]") {
  CheckRows({
      {R"({"a": null})", R"({"a": {"$undefined": true}})", false},
      {R"({"a": null})", "{}", true},
      {R"({"a": {"$in": [null]}})", R"({"a": {"$undefined": true}})", false},
      {R"({"a": {"$in": [null]}})", "{}", true},
  });
}

TEST_CASE("comparisons only within a canonical type (type bracketing)", "[matcher]") {
  CheckRows({
      {R"({"a": {"$gt": 1}})", R"({"a": 2})", true},
      {R"({"a": {"$gt": 1}})", R"({"a": 1})", false},
      {R"({"a": {"$gte": 1}})", R"({"a": 1.0})", true},
      {R"({"a": {"$gt": 1}})", R"({"a": "2"})", false},
      {R"({"a": {"$lt": 1}})", R"({"a": "0"})", false},
      {R"({"a": {"$lt": 1}})", R"({"a": null})", false},
      {R"({"a": {"$lt": 1}})", "{}", false},
      {R"({"a": {"$lte": 1}})", R"({"a": {"$numberDecimal": "0.5"}})", true},
      {R"({"a": {"$gt": {"$numberDecimal": "1.5"}}})", R"({"a": 2})", true},
      {R"({"a": {"$gt": {"$numberDecimal": "1.5"}}})", R"({"a": 1})", false},
      {R"({"a": {"$gt": {"$numberLong": "9007199254740992"}}})",
       R"({"a": {"$numberLong": "9007199254740993"}})", true},
      {R"({"a": {"$lt": "b"}})", R"({"a": "a"})", true},
      {R"({"a": {"$lt": "b"}})", R"({"a": 1})", false},
      {R"({"a": {"$gt": "a"}})", R"({"a": {"$symbol": "b"}})", true},
      {R"({"a": {"$gt": false}})", R"({"a": true})", true},
      {R"({"a": {"$lt": true}})", R"({"a": 0})", false},
      {R"({"a": {"$gt": {"$date": "2020-01-01T00:00:00Z"}}})",
       R"({"a": {"$date": "2021-01-01T00:00:00Z"}})", true},
      {R"({"a": {"$gt": {"$date": "2020-01-01T00:00:00Z"}}})", R"({"a": 1})", false},
      {R"({"a": {"$gt": {"b": 1}}})", R"({"a": {"b": 2}})", true},
      {R"({"a": {"$gt": 1}})", R"({"a": {"b": 2}})", false},
      {R"({"a": {"$gte": [1, 2]}})", R"({"a": [1, 2]})", true},
      {R"({"a": {"$gt": [1]}})", R"({"a": [1, 2]})", true},
      {R"({"a": {"$lt": [1]}})", R"({"a": [1, 2]})", false},
      {R"({"a": {"$gt": 1}})", R"({"a": [0, 5]})", true},
      {R"({"a": {"$gt": 1}})", R"({"a": [0, 1]})", false},
      {R"({"a": {"$gt": 1, "$lt": 5}})", R"({"a": [0, 10]})", true},
      {R"({"a": {"$gt": 1, "$lt": 5}})", R"({"a": 3})", true},
      {R"({"a": {"$gt": 1, "$lt": 5}})", R"({"a": 7})", false},
      {R"({"a": {"$eq": 5}})", R"({"a": [4, 5]})", true},
  });
}

TEST_CASE("NaN only equals NaN; MinKey and MaxKey bound every value", "[matcher]") {
  const std::string nan = R"({"$numberDouble": "NaN"})";
  CheckRows({
      {R"({"a": {"$gt": )" + nan + "}}", R"({"a": 1})", false},
      {R"({"a": {"$lt": )" + nan + "}}", R"({"a": 1})", false},
      {R"({"a": {"$lt": )" + nan + "}}", R"({"a": )" + nan + "}", false},
      {R"({"a": {"$gte": )" + nan + "}}", R"({"a": )" + nan + "}", true},
      {R"({"a": {"$lte": )" + nan + "}}", R"({"a": )" + nan + "}", true},
      {R"({"a": {"$lt": 1}})", R"({"a": )" + nan + "}", false},
      {R"({"a": {"$gt": {"$numberDouble": "-Infinity"}}})", R"({"a": )" + nan + "}", false},
      {R"({"a": {"$gt": {"$numberDouble": "-Infinity"}}})", R"({"a": -1e300})", true},
      {R"({"a": {"$lt": {"$maxKey": 1}}})", R"({"a": "x"})", true},
      {R"({"a": {"$lt": {"$maxKey": 1}}})", "{}", true},
      {R"({"a": {"$lte": {"$maxKey": 1}}})", R"({"a": {"$maxKey": 1}})", true},
      {R"({"a": {"$lt": {"$maxKey": 1}}})", R"({"a": {"$maxKey": 1}})", false},
      {R"({"a": {"$gt": {"$minKey": 1}}})", R"({"a": 1})", true},
      {R"({"a": {"$gte": {"$minKey": 1}}})", R"({"a": null})", true},
      {R"({"a": {"$gt": {"$maxKey": 1}}})", R"({"a": 1})", false},
      {R"({"a": {"$eq": {"$minKey": 1}}})", R"({"a": null})", false},
  });
}

TEST_CASE("$ne and $nin: no element may match", "[matcher]") {
  CheckRows({
      {R"({"a": {"$ne": 1}})", R"({"a": 2})", true},
      {R"({"a": {"$ne": 1}})", R"({"a": 1})", false},
      {R"({"a": {"$ne": 1}})", "{}", true},
      {R"({"a": {"$ne": 1}})", R"({"a": [1, 2]})", false},
      {R"({"a": {"$ne": 1}})", R"({"a": [2, 3]})", true},
      {R"({"a": {"$ne": "x"}})", R"({"a": 1})", true},
      {R"({"a": {"$ne": [1, 2]}})", R"({"a": [1, 2]})", false},
      {R"({"a": {"$ne": [1, 2]}})", R"({"a": [[1, 2]]})", false},
      {R"({"a": {"$nin": [1, 2]}})", R"({"a": 3})", true},
      {R"({"a": {"$nin": [1, 2]}})", R"({"a": [3, 1]})", false},
      {R"({"a": {"$nin": [1, 2]}})", "{}", true},
      {R"({"a": {"$nin": []}})", R"({"a": 1})", true},
  });
}

TEST_CASE("$in: any value, regexes included", "[matcher]") {
  CheckRows({
      {R"({"a": {"$in": [1, 2]}})", R"({"a": 2})", true},
      {R"({"a": {"$in": [1, 2]}})", R"({"a": 2.0})", true},
      {R"({"a": {"$in": [1, 2]}})", R"({"a": 3})", false},
      {R"({"a": {"$in": [1, 2]}})", R"({"a": [3, 2]})", true},
      {R"({"a": {"$in": [1, 2]}})", R"({"a": [3, 4]})", false},
      {R"({"a": {"$in": [2, 1, 2, "x"]}})", R"({"a": "x"})", true},
      {R"({"a": {"$in": []}})", R"({"a": 1})", false},
      {R"({"a": {"$in": []}})", "{}", false},
      {R"({"a": {"$in": [[1, 2]]}})", R"({"a": [1, 2]})", true},
      {R"({"a": {"$in": [[1, 2]]}})", R"({"a": [[1, 2]]})", true},
      {R"({"a": {"$in": [{"b": 1}]}})", R"({"a": [{"b": 1}]})", true},
      {R"({"a": {"$in": [)" + Re("^x") + "]}}", R"({"a": "xyz"})", true},
      {R"({"a": {"$in": [)" + Re("^x") + "]}}", R"({"a": "axy"})", false},
      {R"({"a": {"$in": [)" + Re("^x", "i") + ", 5]}}", R"({"a": 5})", true},
      {R"({"a": {"$in": [)" + Re("^x", "i") + ", 5]}}", R"({"a": ["q", "XY"]})", true},
      {R"({"a": {"$in": [{"$ref": "c", "$id": 1}]}})", R"({"a": {"$ref": "c", "$id": 1}})", true},
      {R"({"a.b": {"$in": [1]}})", R"({"a": [{"b": [0, 1]}]})", true},
  });
}

TEST_CASE("dotted paths through documents, arrays and array indexes", "[matcher]") {
  CheckRows({
      {R"({"a.b": 1})", R"({"a": {"b": 1}})", true},
      {R"({"a.b": 1})", R"({"a": [{"b": 1}]})", true},
      {R"({"a.b": 1})", R"({"a": [{"b": [1]}]})", true},
      {R"({"a.b": 1})", R"({"a": {"b": [1]}})", true},
      {R"({"a.b": 1})", R"({"a": [[{"b": 1}]]})", false},
      {R"({"a.b": 2})", R"({"a": [{"b": 1}, {"b": 2}]})", true},
      {R"({"a.b": [1]})", R"({"a": [{"b": [1]}]})", true},
      {R"({"a.b.c": 1})", R"({"a": {"b": {"c": 1}}})", true},
      {R"({"a.b.c": 1})", R"({"a": [{"b": [{"c": 1}]}]})", true},
      {R"({"a.b.c.d": 1})", R"({"a": [{"b": [{"c": [{"d": 1}]}]}]})", true},
      {R"({"a.0": 1})", R"({"a": [1, 2]})", true},
      {R"({"a.0": 1})", R"({"a": [2, 1]})", false},
      {R"({"a.1": 2})", R"({"a": [1, 2]})", true},
      {R"({"a.2": 3})", R"({"a": [1, 2]})", false},
      {R"({"a.0": 1})", R"({"a": {"0": 1}})", true},
      {R"({"a.0": 5})", R"({"a": [[5]]})", false},
      {R"({"a.0": [5]})", R"({"a": [[5]]})", true},
      {R"({"a.0.b": 1})", R"({"a": [{"b": 1}]})", true},
      {R"({"a.0.b": 1})", R"({"a": [{"b": 0}, {"b": 1}]})", false},
      {R"({"a.1.b": 1})", R"({"a": [{"b": 0}, {"b": 1}]})", true},
      {R"({"a.0": 1})", R"({"a": [{"0": 1}]})", true},
      {R"({"a.00": 1})", R"({"a": [1]})", false},
      {R"({"a.00": 1})", R"({"a": {"00": 1}})", true},
      {R"({"a.-1": 1})", R"({"a": [1]})", false},
      {R"({"a.b": 1})", R"({"a": 1})", false},
      {R"({"a.b": 1})", "{}", false},
  });
}

TEST_CASE("$exists through arrays and positions (jstests exists8.js)", "[matcher]") {
  CheckRows({
      {R"({"a.0": {"$exists": true}})", R"({"a": [1]})", true},
      {R"({"a.1": {"$exists": false}})", R"({"a": [1]})", true},
      {R"({"a.0": {"$exists": false}})", R"({"a": [1]})", false},
      {R"({"a.1": {"$exists": true}})", R"({"a": [1]})", false},
      {R"({"a.0": {"$exists": true}})", R"({"a": [{}]})", true},
      {R"({"a.1": {"$exists": true}})", R"({"a": [{}, {}]})", true},
      {R"({"a.a": {"$exists": true}})", R"({"a": [{"b": 2}, {"a": 1}]})", true},
      {R"({"a.1.a": {"$exists": true}})", R"({"a": [{"b": 2}, {"a": 1}]})", true},
      {R"({"a.0.a": {"$exists": false}})", R"({"a": [{"b": 2}, {"a": 1}]})", true},
      {R"({"a.0.0": {"$exists": true}})", R"({"a": [[1]]})", true},
      {R"({"a.0.0": {"$exists": false}})", R"({"a": [[1]]})", false},
      {R"({"a.0.0.0": {"$exists": true}})", R"({"a": [[1]]})", false},
      {R"({"a.0.0.0": {"$exists": false}})", R"({"a": [[1]]})", true},
      {R"({"a.0.0.0": {"$exists": true}})", R"({"a": [[[1]]]})", true},
      {R"({"a.b": {"$exists": true}})", R"({"a": [[{"b": 1}]]})", false},
      {R"({"a.b": {"$exists": false}})", R"({"a": [[{"b": 1}]]})", true},
      {R"({"a.0.b": {"$exists": true}})", R"({"a": [[{"b": 1}]]})", true},
      {R"({"a.0.b": {"$exists": true}})", R"({"a": [[], [{"b": 1}]]})", false},
      {R"({"a.1.b": {"$exists": true}})", R"({"a": [[], [{"b": 1}]]})", true},
      {R"({"a.1.0.b": {"$exists": true}})", R"({"a": [[], [{"b": 1}]]})", true},
      {R"({"a.1.1.b": {"$exists": false}})", R"({"a": [[], [{"b": 1}]]})", true},
  });
}
