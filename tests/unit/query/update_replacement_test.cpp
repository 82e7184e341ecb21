// Replacement documents, after mongod's ObjectReplaceExecutor
// (src/mongo/db/update/object_replace_executor.cpp and its tests) and
// jstests/core/field_name_validation.js, update_replace.js: `_id` kept or
// checked, `_id` first, storage validation, zero timestamps, no-op detection.
#include <catch2/catch.hpp>

#include "tests/unit/query/update_test_util.h"

using namespace basalt::update_test;

TEST_CASE("replacement documents", "[update]") {
  CheckCases({
      {"{_id: 1, a: 1, b: 2}", "{c: 3}", "{_id: 1, c: 3}"},
      {"{_id: 1, a: 1}", "{}", "{_id: 1}"},
      // Only a byte-identical replacement is a no-op; one without _id is a change.
      {"{_id: 1, a: 1}", "{_id: 1, a: 1}", "{_id: 1, a: 1}", false},
      {"{_id: 1, a: 1}", "{a: 1}", "{_id: 1, a: 1}"},
      {"{_id: 1, a: 1}", "{_id: 1, a: 1.0}", "{_id: 1, a: 1.0}"},
      // _id goes first; an equal value of another numeric type is allowed.
      {"{_id: 1, a: 1}", "{a: 2, _id: 1}", "{_id: 1, a: 2}"},
      {"{_id: 1, a: 1}", "{_id: 1.0, a: 1}", "{_id: 1.0, a: 1}"},
      {R"({_id: {$numberLong: "1"}})", "{b: 1}", R"({_id: {$numberLong: "1"}, b: 1})"},
      // Dotted names are field names; '$' names below the top level are stored.
      {"{_id: 1}", R"({"a.b": 1})", R"({_id: 1, "a.b": 1})"},
      {"{_id: 1}", R"({a: {"$c": 1}, foo: {"$c": 1, bar: {"$d": 4}}})",
       R"({_id: 1, a: {"$c": 1}, foo: {"$c": 1, bar: {"$d": 4}}})"},
      {"{_id: 1}", R"({a: {"$ref": 1}, b: {"$id": 1}, c: {"$db": 1}})",
       R"({_id: 1, a: {"$ref": 1}, b: {"$id": 1}, c: {"$db": 1}})"},
      // A DBRef at the top level is valid.
      {"{_id: 1}", R"({a: 1, "$ref": "c", "$id": 2, "$db": "d"})",
       R"({_id: 1, a: 1, "$ref": "c", "$id": 2, "$db": "d"})"},
      // A zero timestamp outside _id takes the current time.
      {"{_id: 1}", "{t: {$timestamp: {t: 0, i: 0}}, u: {$timestamp: {t: 5, i: 1}}}",
       "{_id: 1, t: {$timestamp: {t: 1700000000, i: 1}}, u: {$timestamp: {t: 5, i: 1}}}"},
      {"{_id: 1}", "{a: {t: {$timestamp: {t: 0, i: 0}}}}",
       "{_id: 1, a: {t: {$timestamp: {t: 0, i: 0}}}}"},
  });
}

TEST_CASE("replacement errors", "[update]") {
  const std::string hint =
      "' is not allowed in the context of an update's replacement document. Consider using an "
      "aggregation pipeline with $replaceWith.";
  CheckErrors({
      {"{_id: 1, a: 1}", "{_id: 2}", 66,
       "After applying the update, the (immutable) field '_id' was found to have been altered to "
       "_id: 2"},
      {"{_id: 1, a: 1}", R"({_id: "1", a: 1})", 66,
       R"(After applying the update, the (immutable) field '_id' was found to have been altered to _id: "1")"},
      {"{_id: {a: 1}}", "{_id: {a: 1, b: 2}}", 66,
       "After applying the update, the (immutable) field '_id' was found to have been altered to "
       "_id: { a: 1, b: 2 }"},
      {"{_id: 1}", R"({a: 1, "$b": 1})", 52, "The dollar ($) prefixed field '$b' in '$b" + hint},
      {"{_id: 1}", R"({_id: 1, "$invalid": 1})", 52,
       "The dollar ($) prefixed field '$invalid' in '$invalid" + hint},
      {"{_id: 1}", R"({_id: 1, "$ref": 1})", 55,
       "The DBRef $ref field must be a String, not a int"},
      {"{_id: 1}", R"({_id: 1, "$id": 1})", 55,
       "Found $id field without a $ref before it, which is invalid."},
      {"{_id: 1}", R"({_id: 1, "$db": 1})", 55, "The DBRef $db field must be a String, not a int"},
      {"{_id: 1}", R"({_id: 1, "$db": "x"})", 55,
       "Found $db field without a $id before it, which is invalid."},
      {"{_id: 1}", "{_id: [9]}", 53, "The '_id' value cannot be of type array"},
      {"{_id: 1}", R"({_id: {$regularExpression: {pattern: "a", options: ""}}})", 53,
       "The '_id' value cannot be of type regex"},
      {"{_id: 1}", R"({_id: {"$b": 1}})", 52,
       "_id fields may not contain '$'-prefixed fields: $b is not valid for storage."},
      {"{_id: 1}", R"({_id: {a: 1, "$b": 1}})", 52,
       "_id fields may not contain '$'-prefixed fields: $b is not valid for storage."},
  });
}
