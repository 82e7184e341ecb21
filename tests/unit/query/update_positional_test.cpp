// The positional operators `$`, `$[]` and `$[<identifier>]` with arrayFilters,
// row by row from the MongoDB manual's examples (reference/operator/update/
// positional, positional-all, positional-filtered) and mongod's jstests
// (jstests/core/write/update/update_arrayFilters.js,
// update_array_offset_positional.js) and unit tests (update_array_node_test.cpp).
#include <catch2/catch.hpp>

#include "tests/unit/query/update_test_util.h"

using namespace basalt::update_test;

TEST_CASE("positional $ with the query's match", "[update]") {
  CheckCases({
      // Manual: update values in an array.
      {"{_id: 1, grades: [85, 80, 80]}",
       R"({$set: {"grades.$": 82}})",
       "{_id: 1, grades: [85, 82, 80]}",
       true,
       {},
       "{_id: 1, grades: 80}"},
      // Manual: update documents in an array.
      {"{_id: 4, grades: [{grade: 80, mean: 75, std: 8}, {grade: 85, mean: 90, std: 5}, {grade: "
       "85, mean: 85, std: 8}]}",
       R"({$set: {"grades.$.std": 6}})",
       "{_id: 4, grades: [{grade: 80, mean: 75, std: 8}, {grade: 85, mean: 90, std: 6}, {grade: "
       "85, mean: 85, std: 8}]}",
       true,
       {},
       R"({_id: 4, "grades.grade": 85})"},
      // Manual: update embedded documents using multiple field matches.
      {"{_id: 5, grades: [{grade: 80, mean: 75, std: 8}, {grade: 85, mean: 90, std: 5}, {grade: "
       "90, mean: 85, std: 3}]}",
       R"({$set: {"grades.$.std": 6}})",
       "{_id: 5, grades: [{grade: 80, mean: 75, std: 8}, {grade: 85, mean: 90, std: 6}, {grade: "
       "90, mean: 85, std: 3}]}",
       true,
       {},
       "{_id: 5, grades: {$elemMatch: {grade: {$lte: 90}, mean: {$gt: 80}}}}"},
      // Other operators through $.
      {"{_id: 1, a: [{b: 1}, {b: 2}]}",
       R"({$inc: {"a.$.b": 10}})",
       "{_id: 1, a: [{b: 1}, {b: 12}]}",
       true,
       {},
       R"({"a.b": 2})"},
      {"{_id: 1, a: [{b: []}, {b: [1]}]}",
       R"({$push: {"a.$.b": 5}})",
       "{_id: 1, a: [{b: []}, {b: [1, 5]}]}",
       true,
       {},
       R"({"a.b": 1})"},
      {"{_id: 1, a: [1, 2, 3]}",
       R"({$unset: {"a.$": 1}})",
       "{_id: 1, a: [1, null, 3]}",
       true,
       {},
       "{a: 2}"},
      // The position is the outermost array's.
      {"{_id: 1, a: [{b: [1, 2]}, {b: [3, 4]}]}",
       R"({$set: {"a.$.c": 1}})",
       "{_id: 1, a: [{b: [1, 2]}, {b: [3, 4], c: 1}]}",
       true,
       {},
       R"({"a.b": 4})"},
      // "a.$" and another position of the same array apply both.
      {"{_id: 1, a: [1, 2, 3]}",
       R"({$set: {"a.$": 9, "a.2": 7}})",
       "{_id: 1, a: [9, 2, 7]}",
       true,
       {},
       "{a: 1}"},
      {"{_id: 1, a: [1, 2, 3]}",
       R"({$set: {"a.$": 2}})",
       "{_id: 1, a: [1, 2, 3]}",
       false,
       {},
       "{a: 2}"},
  });
}

TEST_CASE("all positional $[]", "[update]") {
  CheckCases({
      // Manual: update all elements in an array.
      {"{_id: 1, grades: [85, 82, 80]}", R"({$inc: {"grades.$[]": 10}})",
       "{_id: 1, grades: [95, 92, 90]}"},
      // Manual: update all documents in an array.
      {"{_id: 1, grades: [{grade: 80, mean: 75, std: 8}, {grade: 85, mean: 90, std: 6}, {grade: "
       "85, mean: 85, std: 8}]}",
       R"({$inc: {"grades.$[].std": -2}})",
       "{_id: 1, grades: [{grade: 80, mean: 75, std: 6}, {grade: 85, mean: 90, std: 4}, {grade: "
       "85, mean: 85, std: 6}]}"},
      // Manual: update nested arrays in conjunction with $[<identifier>].
      {R"({_id: 1, grades: [{type: "quiz", questions: [10, 8, 5]}, {type: "quiz", questions: [8, 9, 6]}, {type: "hw", questions: [5, 4, 3]}, {type: "exam", questions: [25, 10, 23, 0]}]})",
       R"({$inc: {"grades.$[].questions.$[score]": 2}})",
       R"({_id: 1, grades: [{type: "quiz", questions: [12, 10, 5]}, {type: "quiz", questions: [10, 11, 6]}, {type: "hw", questions: [5, 4, 3]}, {type: "exam", questions: [27, 12, 25, 0]}]})",
       true,
       {"{score: {$gte: 8}}"}},
      // Fields are created in every element; an empty array is a no-op.
      {"{_id: 1, a: [{}, {b: 1}]}", R"({$set: {"a.$[].c": 0}})",
       "{_id: 1, a: [{c: 0}, {b: 1, c: 0}]}"},
      {"{_id: 1, a: []}", R"({$set: {"a.$[]": 0}})", "{_id: 1, a: []}", false},
      {"{_id: 1, a: [1, 1]}", R"({$set: {"a.$[]": 1}})", "{_id: 1, a: [1, 1]}", false},
      {"{_id: 1, a: [[1], [2, 3]]}", R"({$push: {"a.$[]": 0}})",
       "{_id: 1, a: [[1, 0], [2, 3, 0]]}"},
      {"{_id: 1, a: [[1, 2], [2, 3]]}", R"({$pull: {"a.$[]": 2}})", "{_id: 1, a: [[1], [3]]}"},
  });
}

TEST_CASE("filtered positional $[<identifier>]", "[update]") {
  CheckCases({
      // Manual: update all array elements that match arrayFilters.
      {"{_id: 1, grades: [95, 92, 90]}",
       R"({$set: {"grades.$[element]": 100}})",
       "{_id: 1, grades: [95, 92, 90]}",
       false,
       {"{element: {$gte: 100}}"}},
      {"{_id: 2, grades: [98, 100, 102]}",
       R"({$set: {"grades.$[element]": 100}})",
       "{_id: 2, grades: [98, 100, 100]}",
       true,
       {"{element: {$gte: 100}}"}},
      {"{_id: 3, grades: [95, 110, 100]}",
       R"({$set: {"grades.$[element]": 100}})",
       "{_id: 3, grades: [95, 100, 100]}",
       true,
       {"{element: {$gte: 100}}"}},
      // Manual: update specific elements of an array of documents.
      {"{_id: 1, grades: [{grade: 80, mean: 75, std: 6}, {grade: 85, mean: 90, std: 4}, {grade: "
       "85, mean: 85, std: 6}]}",
       R"({$set: {"grades.$[elem].mean": 100}})",
       "{_id: 1, grades: [{grade: 80, mean: 75, std: 6}, {grade: 85, mean: 100, std: 4}, {grade: "
       "85, mean: 100, std: 6}]}",
       true,
       {R"({"elem.grade": {$gte: 85}})"}},
      // Manual: update all array elements that match multiple conditions.
      {"{_id: 2, grades: [{grade: 90, mean: 75, std: 6}, {grade: 87, mean: 90, std: 3}, {grade: "
       "85, mean: 85, std: 4}]}",
       R"({$inc: {"grades.$[elem].std": -1}})",
       "{_id: 2, grades: [{grade: 90, mean: 75, std: 5}, {grade: 87, mean: 90, std: 3}, {grade: "
       "85, mean: 85, std: 4}]}",
       true,
       {R"({"elem.grade": {$gte: 80}, "elem.std": {$gt: 5}})"}},
      // Manual: update array elements using a negation operator.
      {R"({_id: 1, name: "Christine Franklin", degrees: [{level: "Master"}, {level: "Bachelor"}]})",
       R"({$set: {"degrees.$[degree].gradcampaign": 1}})",
       R"({_id: 1, name: "Christine Franklin", degrees: [{level: "Master", gradcampaign: 1}, {level: "Bachelor"}]})",
       true,
       {R"({"degree.level": {$ne: "Bachelor"}})"}},
      // Manual: update nested arrays in conjunction with $[].
      {R"({_id: 1, grades: [{type: "quiz", questions: [10, 8, 5]}, {type: "quiz", questions: [8, 9, 6]}, {type: "hw", questions: [5, 4, 3]}, {type: "exam", questions: [25, 10, 23, 0]}]})",
       R"({$inc: {"grades.$[t].questions.$[score]": 2}})",
       R"({_id: 1, grades: [{type: "quiz", questions: [12, 10, 5]}, {type: "quiz", questions: [10, 11, 6]}, {type: "hw", questions: [5, 4, 3]}, {type: "exam", questions: [25, 10, 23, 0]}]})",
       true,
       {R"({"t.type": "quiz"})", "{score: {$gte: 8}}"}},
      // Several filters on one array whose elements do not overlap.
      {"{_id: 1, a: [1, 2, 3]}",
       R"({$set: {"a.$[i]": 0, "a.$[j]": 9}})",
       "{_id: 1, a: [0, 2, 9]}",
       true,
       {"{i: 1}", "{j: 3}"}},
      // Different fields of one element from two filters merge.
      {"{_id: 1, a: [{x: 1}]}",
       R"({$set: {"a.$[i].b": 1, "a.$[j].c": 2}})",
       "{_id: 1, a: [{x: 1, b: 1, c: 2}]}",
       true,
       {"{\"i.x\": 1}", "{\"j.x\": 1}"}},
      // Filters on array elements that are arrays traverse them.
      {"{_id: 1, a: [[1, 5], [2]]}",
       R"({$set: {"a.$[i]": 0}})",
       "{_id: 1, a: [0, [2]]}",
       true,
       {"{i: 5}"}},
      {"{_id: 1, a: [1, null]}",
       R"({$set: {"a.$[i]": 0}})",
       "{_id: 1, a: [1, 0]}",
       true,
       {"{i: null}"}},
  });
}

TEST_CASE("positional errors", "[update]") {
  CheckErrors({
      {"{_id: 1, a: [1]}", R"({$set: {"a.$": 1}})", 2,
       "The positional operator did not find the match needed from the query."},
      {"{_id: 1, a: [1, 2]}",
       R"({$set: {"a.$": 5}, $inc: {"a.1": 1}})",
       40,
       "Update created a conflict at 'a.1'",
       {},
       "{a: 2}"},
      {"{_id: 1, a: [1]}",
       R"({$set: {"a.$[i]": 1, "a.$[j]": 2}})",
       40,
       "Update created a conflict at 'a.0'",
       {"{i: 1}", "{j: 1}"}},
      {"{_id: 1, a: [{b: 1}]}",
       R"({$set: {"a.$[i].b": 1, "a.$[j]": 2}})",
       40,
       "Update created a conflict at 'a.0'",
       {"{\"i.b\": 1}", "{j: {b: 1}}"}},
      {"{_id: 1, a: 1}", R"({$set: {"a.$[]": 1}})", 2,
       "Cannot apply array updates to non-array element a: 1"},
      {"{_id: 1, a: {b: 1}}", R"({$set: {"a.$[].c": 1}})", 2,
       "Cannot apply array updates to non-array element a: { b: 1 }"},
      {"{_id: 1}", R"({$set: {"b.$[]": 1}})", 2,
       "The path 'b' must exist in the document in order to apply array updates."},
      {"{_id: 1, a: {}}", R"({$set: {"a.b.$[].c": 1}})", 2,
       "The path 'a.b' must exist in the document in order to apply array updates."},
      {"{_id: 1, a: [1]}", R"({$set: {"a.$[x]": 1}})", 2,
       "No array filter found for identifier 'x' in path 'a.$[x]'"},
      {"{_id: 1, a: [1]}",
       R"({$set: {a: 1}})",
       9,
       "The array filter for identifier 'x' was not used in the update { $set: { a: 1 } }",
       {"{x: 1}"}},
      {"{_id: 1, a: [1]}", R"({$set: {"$[].a": 1}})", 2,
       "Cannot have array filter identifier (i.e. '$[<id>]') element in the first position in "
       "path '$[].a'"},
      {"{_id: 1, a: [1]}",
       R"({$set: {"a.$[i]": 1}})",
       2,
       "Error parsing array filter :: caused by :: unknown operator: $foo",
       {"{i: {$foo: 1}}"}},
      {"{_id: 1, a: [1]}",
       R"({$set: {"a.$[i]": 1}})",
       9,
       "Error parsing array filter :: caused by :: Expected a single top-level field name, found "
       "'i' and 'j'",
       {"{i: 1, j: 1}"}},
      {"{_id: 1, a: [1]}",
       R"({$set: {"a.$[i]": 1}})",
       2,
       "Error parsing array filter :: caused by :: The top-level field name must be an "
       "alphanumeric string beginning with a lowercase letter, found 'I'",
       {"{I: 1}"}},
      {"{_id: 1, a: [1]}",
       R"({$set: {"a.$[i]": 1}})",
       9,
       "Found multiple array filters with the same top-level field name i",
       {"{i: 1}", "{i: 2}"}},
      {"{_id: 1, a: [1]}",
       R"({$set: {"a.$[i]": 1}})",
       9,
       "Cannot use an expression without a top-level field name in arrayFilters",
       {"{}"}},
      {"{_id: 1, a: [1]}", R"({$set: {"a.$.b.$": 1}})", 2,
       "Too many positional (i.e. '$') elements found in path 'a.$.b.$'"},
      {"{_id: 1, a: [1]}", R"({$set: {"$.a": 1}})", 2,
       "Cannot have positional (i.e. '$') element in the first position in path '$.a'"},
  });
}
