// The field update operators, row by row from the MongoDB manual's examples
// (reference/operator/update/*) and mongod's jstests
// (jstests/core/write/update/update_mul_examples.js, update_min_max_examples.js,
// update_bit_examples.js, update_currentdate_examples.js) and unit tests
// (src/mongo/db/update/*_node_test.cpp): the resulting document, field order
// included, and whether mongod counts it as modified.
#include <catch2/catch.hpp>

#include "tests/unit/query/update_test_util.h"

using namespace basalt::update_test;

TEST_CASE("$set", "[update]") {
  CheckCases({
      // Manual: set top-level fields.
      {R"({_id: 100, quantity: 250, instock: true, details: {model: "14QQ", make: "Clothes Corp"}, tags: ["apparel", "clothing"]})",
       R"({$set: {quantity: 500, details: {model: "2600", make: "Fashionaires"}, tags: ["coats", "outerwear", "clothing"]}})",
       R"({_id: 100, quantity: 500, instock: true, details: {model: "2600", make: "Fashionaires"}, tags: ["coats", "outerwear", "clothing"]})"},
      // Manual: set fields in embedded documents.
      {R"({_id: 100, details: {model: "2600", make: "Fashionaires"}})",
       R"({$set: {"details.make": "Kustom Kidz"}})",
       R"({_id: 100, details: {model: "2600", make: "Kustom Kidz"}})"},
      // Manual: set elements in arrays.
      {R"({_id: 100, tags: ["coats", "outerwear", "clothing"], ratings: [{by: "Customer007", rating: 4}]})",
       R"({$set: {"tags.1": "rain gear", "ratings.0.rating": 2}})",
       R"({_id: 100, tags: ["coats", "rain gear", "clothing"], ratings: [{by: "Customer007", rating: 2}]})"},
      // A dotted path creates the documents it needs.
      {"{_id: 1}", R"({$set: {"a.b.c": 1}})", "{_id: 1, a: {b: {c: 1}}}"},
      {"{_id: 1, a: {}}", R"({$set: {"a.b": 1}})", "{_id: 1, a: {b: 1}}"},
      // A position past the end pads the array with nulls.
      {"{_id: 1, a: [1]}", R"({$set: {"a.3": 5}})", "{_id: 1, a: [1, null, null, 5]}"},
      {"{_id: 1, a: []}", R"({$set: {"a.0.b": 5}})", "{_id: 1, a: [{b: 5}]}"},
      // A numeric field of a document is a field name.
      {R"({_id: 1, a: {"0": 1}})", R"({$set: {"a.0": 2}})", R"({_id: 1, a: {"0": 2}})"},
      {"{_id: 1, a: {}}", R"({$set: {"a.0": 2}})", R"({_id: 1, a: {"0": 2}})"},
      // New fields are appended in lexicographic order; existing ones stay in place.
      {"{_id: 1}", "{$set: {c: 1, b: 2, a: 3}}", "{_id: 1, a: 3, b: 2, c: 1}"},
      {"{_id: 1, z: 1, a: 1}", "{$set: {b: 3, a: 2}}", "{_id: 1, z: 1, a: 2, b: 3}"},
      {"{_id: 1}", R"({$set: {B: 1, a: 2, "_a": 3}})", R"({_id: 1, B: 1, "_a": 3, a: 2})"},
      // ...and fields with numeric names in numeric order.
      {"{_id: 1}", R"({$set: {"10": 1, "9": 2, a: 3}})", R"({_id: 1, "9": 2, "10": 1, a: 3})"},
      {"{_id: 1, a: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]}", R"({$set: {"a.10": 1, "a.2": 2}})",
       "{_id: 1, a: [0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1]}"},
      {"{_id: 1}", R"({$set: {"x.b": 1, "x.a": 2}, $inc: {y: 1}})",
       "{_id: 1, x: {a: 2, b: 1}, y: 1}"},
      // The same value (same type, same bytes) is a no-op.
      {"{_id: 1, a: 1}", "{$set: {a: 1}}", "{_id: 1, a: 1}", false},
      {"{_id: 1, a: {b: [1, 2]}}", "{$set: {a: {b: [1, 2]}}}", "{_id: 1, a: {b: [1, 2]}}", false},
      {"{_id: 1, a: 1}", "{$set: {a: 1.0}}", "{_id: 1, a: 1.0}"},
      {"{_id: 1, a: {b: 1, c: 2}}", "{$set: {a: {c: 2, b: 1}}}", "{_id: 1, a: {c: 2, b: 1}}"},
      {"{_id: 1, a: null}", "{$set: {a: null}}", "{_id: 1, a: null}", false},
      // 5.0+: an empty operator document changes nothing.
      {"{_id: 1, a: 1}", "{$set: {}}", "{_id: 1, a: 1}", false},
      {"{_id: 1, a: 1}", "{$set: {}, $unset: {}}", "{_id: 1, a: 1}", false},
      // _id set to its own value is allowed.
      {"{_id: 1, a: 1}", "{$set: {_id: 1}}", "{_id: 1, a: 1}", false},
      // '$' field names below the top level are stored (5.0+).
      {"{_id: 1}", R"({$set: {a: {"$b": 1}}})", R"({_id: 1, a: {"$b": 1}})"},
      {"{_id: 1}", R"({$set: {"a.$b": 1}})", R"({_id: 1, a: {"$b": 1}})"},
  });
}

TEST_CASE("$setOnInsert outside an upsert's insert", "[update]") {
  CheckCases({
      {"{_id: 1, a: 1}", "{$setOnInsert: {b: 1}}", "{_id: 1, a: 1}", false},
      {"{_id: 1, a: 1}", "{$setOnInsert: {b: 1}, $set: {a: 2}}", "{_id: 1, a: 2}"},
  });
}

TEST_CASE("$unset", "[update]") {
  CheckCases({
      // Manual example.
      {R"({_id: 1, sku: "abc123", quantity: 10, instock: true})",
       R"({$unset: {quantity: "", instock: ""}})", R"({_id: 1, sku: "abc123"})"},
      {"{_id: 1, a: {b: 1, c: 2}}", R"({$unset: {"a.b": 1}})", "{_id: 1, a: {c: 2}}"},
      // An array element becomes null: positions do not move.
      {"{_id: 1, a: [1, 2, 3]}", R"({$unset: {"a.1": 1}})", "{_id: 1, a: [1, null, 3]}"},
      {"{_id: 1, a: [{b: 1}, {b: 2}]}", R"({$unset: {"a.0.b": 1}})", "{_id: 1, a: [{}, {b: 2}]}"},
      // Missing fields, even through scalars, are no-ops.
      {"{_id: 1, a: 1}", "{$unset: {b: 1}}", "{_id: 1, a: 1}", false},
      {"{_id: 1, a: 1}", R"({$unset: {"a.b": 1}})", "{_id: 1, a: 1}", false},
      {"{_id: 1, a: [1]}", R"({$unset: {"a.b": 1}})", "{_id: 1, a: [1]}", false},
      {"{_id: 1, a: [1]}", R"({$unset: {"a.5": 1}})", "{_id: 1, a: [1]}", false},
  });
}

TEST_CASE("$inc", "[update]") {
  CheckCases({
      // Manual example.
      {R"({_id: 1, sku: "abc123", quantity: 10, metrics: {orders: 2, ratings: 3.5}})",
       R"({$inc: {quantity: -2, "metrics.orders": 1}})",
       R"({_id: 1, sku: "abc123", quantity: 8, metrics: {orders: 3, ratings: 3.5}})"},
      // A missing field takes the increment, with its type.
      {"{_id: 1}", "{$inc: {a: 5}}", "{_id: 1, a: 5}"},
      {"{_id: 1}", R"({$inc: {"a.b": {$numberLong: "5"}}})",
       "{_id: 1, a: {b: {$numberLong: \"5\"}}}"},
      {"{_id: 1}", "{$inc: {a: 2.5}}", "{_id: 1, a: 2.5}"},
      // int32 + int32 that overflows becomes int64, as mongod's SafeNum.
      {"{_id: 1, a: 2147483647}", "{$inc: {a: 1}}", R"({_id: 1, a: {$numberLong: "2147483648"}})"},
      {"{_id: 1, a: -2147483648}", "{$inc: {a: -1}}",
       R"({_id: 1, a: {$numberLong: "-2147483649"}})"},
      {"{_id: 1, a: 1}", R"({$inc: {a: {$numberLong: "1"}}})",
       R"({_id: 1, a: {$numberLong: "2"}})"},
      {"{_id: 1, a: 1}", "{$inc: {a: 0.5}}", "{_id: 1, a: 1.5}"},
      {R"({_id: 1, a: {$numberLong: "1"}})", "{$inc: {a: 1.5}}", "{_id: 1, a: 2.5}"},
      {R"({_id: 1, a: {$numberDecimal: "1.5"}})", "{$inc: {a: 1}}",
       R"({_id: 1, a: {$numberDecimal: "2.5"}})"},
      {"{_id: 1, a: 1}", R"({$inc: {a: {$numberDecimal: "0.25"}}})",
       R"({_id: 1, a: {$numberDecimal: "1.25"}})"},
      // A double joins a decimal with 15 significant digits.
      {"{_id: 1, a: 0.1}", R"({$inc: {a: {$numberDecimal: "1"}}})",
       R"({_id: 1, a: {$numberDecimal: "1.100000000000000"}})"},
      // No change of value and type is a no-op; 0.0 on an int changes the type.
      {"{_id: 1, a: 1}", "{$inc: {a: 0}}", "{_id: 1, a: 1}", false},
      {"{_id: 1, a: 1}", "{$inc: {a: 0.0}}", "{_id: 1, a: 1.0}"},
      {"{_id: 1, a: 1.5}", "{$inc: {a: 0}}", "{_id: 1, a: 1.5}", false},
      {"{_id: 1, a: [1, 2]}", R"({$inc: {"a.1": 10}})", "{_id: 1, a: [1, 12]}"},
  });
}

TEST_CASE("$mul", "[update]") {
  CheckCases({
      // Manual: multiply the value of a field.
      {R"({_id: 1, item: "Hats", price: {$numberDecimal: "10.99"}, quantity: 25})",
       R"({$mul: {price: {$numberDecimal: "1.25"}, quantity: 2}})",
       R"({_id: 1, item: "Hats", price: {$numberDecimal: "13.7375"}, quantity: 50})"},
      // Manual: a missing field is set to zero of the multiplier's type.
      {R"({_id: 2, item: "Unknown"})", R"({$mul: {price: {$numberDecimal: "100"}}})",
       R"({_id: 2, item: "Unknown", price: {$numberDecimal: "0"}})"},
      {"{_id: 1}", "{$mul: {a: 5}}", "{_id: 1, a: 0}"},
      {"{_id: 1}", R"({$mul: {a: {$numberLong: "5"}}})", R"({_id: 1, a: {$numberLong: "0"}})"},
      {"{_id: 1}", "{$mul: {a: 2.5}}", "{_id: 1, a: 0.0}"},
      {"{_id: 1}", "{$mul: {a: -2.5}}", R"({_id: 1, a: {$numberDouble: "-0.0"}})"},
      // Manual: mixed types (int64 * int32 is int64).
      {R"({_id: 3, item: "Scarf", price: {$numberLong: "10"}})", "{$mul: {price: 5}}",
       R"({_id: 3, item: "Scarf", price: {$numberLong: "50"}})"},
      {"{_id: 1, a: 65536}", "{$mul: {a: 65536}}", R"({_id: 1, a: {$numberLong: "4294967296"}})"},
      {"{_id: 1, a: 3}", "{$mul: {a: 0.5}}", "{_id: 1, a: 1.5}"},
      {"{_id: 1, a: 3}", "{$mul: {a: 1}}", "{_id: 1, a: 3}", false},
      {"{_id: 1, a: 0.0}", "{$mul: {a: -1.0}}", "{_id: 1, a: 0.0}", false},
  });
}

TEST_CASE("$min and $max", "[update]") {
  CheckCases({
      // Manual: $min with numbers.
      {"{_id: 1, highScore: 800, lowScore: 200}", "{$min: {lowScore: 150}}",
       "{_id: 1, highScore: 800, lowScore: 150}"},
      {"{_id: 1, highScore: 800, lowScore: 150}", "{$min: {lowScore: 250}}",
       "{_id: 1, highScore: 800, lowScore: 150}", false},
      // Manual: $max with numbers.
      {"{_id: 1, highScore: 800, lowScore: 200}", "{$max: {highScore: 950}}",
       "{_id: 1, highScore: 950, lowScore: 200}"},
      {"{_id: 1, highScore: 950, lowScore: 200}", "{$max: {highScore: 870}}",
       "{_id: 1, highScore: 950, lowScore: 200}", false},
      // Manual: $min with dates.
      {R"({_id: 1, desc: "crafts", dateEntered: {$date: "2013-10-01T05:00:00Z"}})",
       R"({$min: {dateEntered: {$date: "2013-09-25T00:00:00Z"}}})",
       R"({_id: 1, desc: "crafts", dateEntered: {$date: "2013-09-25T00:00:00Z"}})"},
      // Manual: $max with dates.
      {R"({_id: 1, dateExpired: {$date: "2013-10-01T16:38:16Z"}})",
       R"({$max: {dateExpired: {$date: "2013-09-30T00:00:00Z"}}})",
       R"({_id: 1, dateExpired: {$date: "2013-10-01T16:38:16Z"}})", false},
      // Values of different types compare in BSON order; equal numbers are no-ops.
      {"{_id: 1, a: 1}", R"({$max: {a: "x"}})", R"({_id: 1, a: "x"})"},
      {"{_id: 1, a: 1}", "{$min: {a: null}}", "{_id: 1, a: null}"},
      {"{_id: 1, a: 1}", "{$min: {a: 1.0}}", "{_id: 1, a: 1}", false},
      {"{_id: 1, a: 1}", R"({$max: {a: {$numberLong: "1"}}})", "{_id: 1, a: 1}", false},
      {"{_id: 1, a: [1, 2]}", "{$max: {a: 5}}", "{_id: 1, a: [1, 2]}", false},
      {"{_id: 1, a: {b: 1}}", "{$min: {a: 5}}", "{_id: 1, a: 5}"},
      // A missing field is created.
      {"{_id: 1}", R"({$max: {"a.b": 3}})", "{_id: 1, a: {b: 3}}"},
      {"{_id: 1}", "{$min: {a: 3}}", "{_id: 1, a: 3}"},
  });
}

TEST_CASE("$currentDate", "[update]") {
  CheckCases({
      // Manual example (the clock is fixed in these tests).
      {R"({_id: 1, status: "a", lastModified: {$date: "2013-10-02T01:11:18.965Z"}})",
       R"({$currentDate: {lastModified: true, "cancellation.date": {"%type": "timestamp"}}, $set: {"cancellation.reason": "user request", status: "D"}})",
       R"({_id: 1, status: "D", lastModified: {$date: {$numberLong: "1700000000000"}}, cancellation: {date: {$timestamp: {t: 1700000000, i: 1}}, reason: "user request"}})"},
      {"{_id: 1}", R"({$currentDate: {a: {"%type": "date"}}})",
       R"({_id: 1, a: {$date: {$numberLong: "1700000000000"}}})"},
      // Any boolean, even false, means a date.
      {"{_id: 1}", "{$currentDate: {a: false}}",
       R"({_id: 1, a: {$date: {$numberLong: "1700000000000"}}})"},
  });
}

TEST_CASE("$bit", "[update]") {
  CheckCases({
      // Manual: bitwise and, or, xor.
      {"{_id: 1, expdata: 13}", "{$bit: {expdata: {and: 10}}}", "{_id: 1, expdata: 8}"},
      {R"({_id: 2, expdata: {$numberLong: "3"}})", "{$bit: {expdata: {or: 5}}}",
       R"({_id: 2, expdata: {$numberLong: "7"}})"},
      {"{_id: 3, expdata: 1}", "{$bit: {expdata: {xor: 5}}}", "{_id: 3, expdata: 4}"},
      {"{_id: 1, a: 1}", R"({$bit: {a: {or: {$numberLong: "2"}}}})",
       R"({_id: 1, a: {$numberLong: "3"}})"},
      // Operations apply in order; a missing field starts from 0.
      {"{_id: 1, a: 12}", "{$bit: {a: {and: 4, or: 3}}}", "{_id: 1, a: 7}"},
      {"{_id: 1}", "{$bit: {a: {or: 5}}}", "{_id: 1, a: 5}"},
      {"{_id: 1}", "{$bit: {a: {and: 5}}}", "{_id: 1, a: 0}"},
      {"{_id: 1, a: 5}", "{$bit: {a: {and: -1}}}", "{_id: 1, a: 5}", false},
  });
}

TEST_CASE("$rename", "[update]") {
  CheckCases({
      // Manual: rename a field (the new name goes last).
      {R"({_id: 1, alias: ["The American Cincinnatus", "The American Fabius"], mobile: "555-555-5555", nmae: {first: "george", last: "washington"}})",
       R"({$rename: {nmae: "name"}})",
       R"({_id: 1, alias: ["The American Cincinnatus", "The American Fabius"], mobile: "555-555-5555", name: {first: "george", last: "washington"}})"},
      // Manual: rename a field in an embedded document.
      {R"({_id: 1, name: {first: "george", last: "washington"}})",
       R"({$rename: {"name.first": "name.fname"}})",
       R"({_id: 1, name: {last: "washington", fname: "george"}})"},
      // Manual: a missing source is a no-op.
      {R"({_id: 1, name: "x"})", R"({$rename: {wife: "spouse"}})", R"({_id: 1, name: "x"})", false},
      // An existing target is replaced where it stands.
      {"{_id: 1, a: 1, b: 2, c: 3}", R"({$rename: {c: "a"}})", "{_id: 1, a: 3, b: 2}"},
      {"{_id: 1, a: 1}", R"({$rename: {a: "b.c"}})", "{_id: 1, b: {c: 1}}"},
      {"{_id: 1, a: {b: 1}}", R"({$rename: {"a.b": "c"}})", "{_id: 1, a: {}, c: 1}"},
      // The same value under the new name still counts as a change.
      {"{_id: 1, a: 1, b: 1}", R"({$rename: {a: "b"}})", "{_id: 1, b: 1}"},
      {"{_id: 1, a: [1, 2]}", R"({$rename: {a: "b"}})", "{_id: 1, b: [1, 2]}"},
      {"{_id: 1}", R"({$rename: {"a.b": "c"}})", "{_id: 1}", false},
  });
}

TEST_CASE("several operators in one update", "[update]") {
  CheckCases({
      {"{_id: 1, a: 1, b: [1]}", "{$inc: {a: 1}, $push: {b: 2}, $set: {c: 3}}",
       "{_id: 1, a: 2, b: [1, 2], c: 3}"},
      // All children of a node apply in field order, whatever the operators' order.
      {"{_id: 1}", "{$set: {b: 1}, $inc: {a: 1}}", "{_id: 1, a: 1, b: 1}"},
      {"{_id: 1, a: {x: 1}}", R"({$unset: {"a.x": 1}, $set: {"a.y": 2}})", "{_id: 1, a: {y: 2}}"},
      // One no-op and one change: modified.
      {"{_id: 1, a: 1, b: 1}", "{$set: {a: 1, b: 2}}", "{_id: 1, a: 1, b: 2}"},
      {"{_id: 1, a: 1, b: 1}", "{$set: {a: 1}, $unset: {z: 1}, $inc: {b: 0}}",
       "{_id: 1, a: 1, b: 1}", false},
  });
}
