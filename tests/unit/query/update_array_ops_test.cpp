// The array update operators, row by row from the MongoDB manual's examples
// (reference/operator/update/push, each, position, slice, sort, addToSet,
// pop, pull, pullAll) and mongod's unit tests (push_node_test.cpp,
// addtoset_node_test.cpp, pull_node_test.cpp, pullall_node_test.cpp,
// pop_node_test.cpp): the resulting document and whether it was modified.
#include <catch2/catch.hpp>

#include "tests/unit/query/update_test_util.h"

using namespace basalt::update_test;

TEST_CASE("$push", "[update]") {
  CheckCases({
      // Manual: append a value.
      {"{_id: 1, scores: [44, 78, 38, 80]}", "{$push: {scores: 89}}",
       "{_id: 1, scores: [44, 78, 38, 80, 89]}"},
      // Manual: append several values with $each.
      {"{_id: 1, scores: [44, 78, 38, 80, 89]}", "{$push: {scores: {$each: [90, 92, 85]}}}",
       "{_id: 1, scores: [44, 78, 38, 80, 89, 90, 92, 85]}"},
      // Manual: $each, $sort and $slice together (the sort is stable).
      {"{_id: 5, quizzes: [{wk: 1, score: 10}, {wk: 2, score: 8}, {wk: 3, score: 5}, {wk: 4, "
       "score: 6}]}",
       "{$push: {quizzes: {$each: [{wk: 5, score: 8}, {wk: 6, score: 7}, {wk: 7, score: 6}], "
       "$sort: {score: -1}, $slice: 3}}}",
       "{_id: 5, quizzes: [{wk: 1, score: 10}, {wk: 2, score: 8}, {wk: 5, score: 8}]}"},
      // A missing field becomes an array; an array value is one element.
      {"{_id: 1}", "{$push: {a: 1}}", "{_id: 1, a: [1]}"},
      {"{_id: 1}", R"({$push: {"a.b": {$each: [1, 2]}}})", "{_id: 1, a: {b: [1, 2]}}"},
      {"{_id: 1, a: [1]}", "{$push: {a: [2, 3]}}", "{_id: 1, a: [1, [2, 3]]}"},
      {"{_id: 1, a: []}", "{$push: {a: {b: 1}}}", "{_id: 1, a: [{b: 1}]}"},
      // Without $each, a document holding '$' fields is pushed as it is.
      {"{_id: 1, a: []}", "{$push: {a: {$position: 0}}}", "{_id: 1, a: [{$position: 0}]}"},
      // Nothing to push and nothing to sort or cut: a no-op.
      {"{_id: 1, a: [1]}", "{$push: {a: {$each: []}}}", "{_id: 1, a: [1]}", false},
      {"{_id: 1, a: [1, 2]}", "{$push: {a: {$each: [], $slice: 5}}}", "{_id: 1, a: [1, 2]}", false},
      // A sort counts as a change even when the order stays.
      {"{_id: 1, a: [1, 2]}", "{$push: {a: {$each: [], $sort: 1}}}", "{_id: 1, a: [1, 2]}"},
      {"{_id: 1}", "{$push: {a: {$each: []}}}", "{_id: 1, a: []}"},
  });
}

TEST_CASE("$push with $position", "[update]") {
  CheckCases({
      // Manual: add elements at the start of the array.
      {"{_id: 1, scores: [100]}", "{$push: {scores: {$each: [50, 60, 70], $position: 0}}}",
       "{_id: 1, scores: [50, 60, 70, 100]}"},
      // Manual: add elements to the middle of the array.
      {"{_id: 1, scores: [50, 60, 70, 100]}", "{$push: {scores: {$each: [20, 30], $position: 2}}}",
       "{_id: 1, scores: [50, 60, 20, 30, 70, 100]}"},
      // Manual: a negative index counts from the end.
      {"{_id: 1, scores: [50, 60, 20, 30, 70, 100]}",
       "{$push: {scores: {$each: [90, 80], $position: -2}}}",
       "{_id: 1, scores: [50, 60, 20, 30, 90, 80, 70, 100]}"},
      // Past the end appends; before the start prepends.
      {"{_id: 1, a: [1, 2]}", "{$push: {a: {$each: [3], $position: 10}}}",
       "{_id: 1, a: [1, 2, 3]}"},
      {"{_id: 1, a: [1, 2]}", "{$push: {a: {$each: [3], $position: -10}}}",
       "{_id: 1, a: [3, 1, 2]}"},
      {"{_id: 1, a: [1, 2]}", "{$push: {a: {$each: [3], $position: 2}}}", "{_id: 1, a: [1, 2, 3]}"},
      {"{_id: 1, a: [1, 2]}", "{$push: {a: {$each: [3], $position: 2.0}}}",
       "{_id: 1, a: [1, 2, 3]}"},
  });
}

TEST_CASE("$push with $slice", "[update]") {
  CheckCases({
      // Manual: slice from the end.
      {"{_id: 1, scores: [40, 50, 60]}", "{$push: {scores: {$each: [80, 78, 86], $slice: -5}}}",
       "{_id: 1, scores: [50, 60, 80, 78, 86]}"},
      // Manual: slice from the front.
      {"{_id: 2, scores: [89, 90]}", "{$push: {scores: {$each: [100, 20], $slice: 3}}}",
       "{_id: 2, scores: [89, 90, 100]}"},
      // Manual: only slice.
      {"{_id: 3, scores: [89, 70, 100, 20]}", "{$push: {scores: {$each: [], $slice: -3}}}",
       "{_id: 3, scores: [70, 100, 20]}"},
      {"{_id: 1, a: [1, 2]}", "{$push: {a: {$each: [3], $slice: 0}}}", "{_id: 1, a: []}"},
      {"{_id: 1}", "{$push: {a: {$each: [1, 2, 3], $slice: -2}}}", "{_id: 1, a: [2, 3]}"},
  });
}

TEST_CASE("$push with $sort", "[update]") {
  CheckCases({
      // Manual: sort documents by a field.
      {"{_id: 1, quizzes: [{id: 1, score: 6}, {id: 2, score: 9}]}",
       "{$push: {quizzes: {$each: [{id: 3, score: 8}, {id: 4, score: 7}, {id: 5, score: 6}], "
       "$sort: {score: 1}}}}",
       "{_id: 1, quizzes: [{id: 1, score: 6}, {id: 5, score: 6}, {id: 4, score: 7}, {id: 3, score: "
       "8}, {id: 2, score: 9}]}"},
      // Manual: sort values.
      {"{_id: 2, tests: [89, 70, 89, 50]}", "{$push: {tests: {$each: [40, 60], $sort: 1}}}",
       "{_id: 2, tests: [40, 50, 60, 70, 89, 89]}"},
      // Manual: only sort.
      {"{_id: 3, tests: [89, 70, 100, 20]}", "{$push: {tests: {$each: [], $sort: -1}}}",
       "{_id: 3, tests: [100, 89, 70, 20]}"},
      // Values of several types sort in BSON order.
      {"{_id: 1, a: [\"b\", 2, null, {x: 1}]}", "{$push: {a: {$each: [1.5], $sort: 1}}}",
       "{_id: 1, a: [null, 1.5, 2, \"b\", {x: 1}]}"},
      // On fields, non-documents and missing fields sort as null.
      {"{_id: 1, a: [{x: 2}, 5, {y: 1}, {x: 1}]}", "{$push: {a: {$each: [], $sort: {x: 1}}}}",
       "{_id: 1, a: [5, {y: 1}, {x: 1}, {x: 2}]}"},
      // Dotted sort fields and several fields.
      {"{_id: 1, a: [{b: {c: 2}, d: 1}, {b: {c: 1}, d: 2}, {b: {c: 1}, d: 1}]}",
       R"({$push: {a: {$each: [], $sort: {"b.c": 1, d: -1}}}})",
       "{_id: 1, a: [{b: {c: 1}, d: 2}, {b: {c: 1}, d: 1}, {b: {c: 2}, d: 1}]}"},
      // $sort applies after $position, $slice after $sort.
      {"{_id: 1, a: [5, 1]}", "{$push: {a: {$each: [3], $position: 0, $sort: -1, $slice: 2}}}",
       "{_id: 1, a: [5, 3]}"},
  });
}

TEST_CASE("$addToSet", "[update]") {
  CheckCases({
      // Manual: an array value is one element.
      {R"({_id: 1, letters: ["a", "b"]})", R"({$addToSet: {letters: ["c", "d"]}})",
       R"({_id: 1, letters: ["a", "b", ["c", "d"]]})"},
      // Manual: add a value; an existing value is a no-op.
      {R"({_id: 1, tags: ["electronics", "camera"]})", R"({$addToSet: {tags: "accessories"}})",
       R"({_id: 1, tags: ["electronics", "camera", "accessories"]})"},
      {R"({_id: 1, tags: ["electronics", "camera"]})", R"({$addToSet: {tags: "camera"}})",
       R"({_id: 1, tags: ["electronics", "camera"]})", false},
      // Manual: $each adds the values not there yet.
      {R"({_id: 2, tags: ["electronics", "supplies"]})",
       R"({$addToSet: {tags: {$each: ["camera", "electronics", "accessories"]}}})",
       R"({_id: 2, tags: ["electronics", "supplies", "camera", "accessories"]})"},
      // A missing field becomes the set; duplicates within $each go once.
      {"{_id: 1}", "{$addToSet: {a: 1}}", "{_id: 1, a: [1]}"},
      {"{_id: 1}", "{$addToSet: {a: {$each: [3, 3, 1, 3.0]}}}", "{_id: 1, a: [3, 1]}"},
      {"{_id: 1, a: []}", "{$addToSet: {a: {$each: []}}}", "{_id: 1, a: []}", false},
      // Numbers compare by value; documents by fields in order.
      {"{_id: 1, a: [1]}", "{$addToSet: {a: 1.0}}", "{_id: 1, a: [1]}", false},
      {"{_id: 1, a: [{b: 1, c: 2}]}", "{$addToSet: {a: {c: 2, b: 1}}}",
       "{_id: 1, a: [{b: 1, c: 2}, {c: 2, b: 1}]}"},
      {"{_id: 1, a: [{b: 1, c: 2}]}", "{$addToSet: {a: {b: 1, c: 2}}}",
       "{_id: 1, a: [{b: 1, c: 2}]}", false},
      // A document whose first field is not $each is a value.
      {"{_id: 1, a: []}", "{$addToSet: {a: {b: 1, $each: [1]}}}",
       "{_id: 1, a: [{b: 1, $each: [1]}]}"},
  });
}

TEST_CASE("$pop", "[update]") {
  CheckCases({
      // Manual: remove the first and the last element.
      {"{_id: 1, scores: [8, 9, 10]}", "{$pop: {scores: -1}}", "{_id: 1, scores: [9, 10]}"},
      {"{_id: 10, scores: [9, 10]}", "{$pop: {scores: 1}}", "{_id: 10, scores: [9]}"},
      {"{_id: 1, a: [1]}", "{$pop: {a: 1.0}}", "{_id: 1, a: []}"},
      {R"({_id: 1, a: [1]})", R"({$pop: {a: {$numberLong: "-1"}}})", "{_id: 1, a: []}"},
      // Empty or missing arrays are no-ops.
      {"{_id: 1, a: []}", "{$pop: {a: 1}}", "{_id: 1, a: []}", false},
      {"{_id: 1}", "{$pop: {a: 1}}", "{_id: 1}", false},
      {"{_id: 1, a: {}}", R"({$pop: {"a.b": 1}})", "{_id: 1, a: {}}", false},
      {"{_id: 1, a: [{b: 1}]}", R"({$pop: {"a.3.b": 1}})", "{_id: 1, a: [{b: 1}]}", false},
  });
}

TEST_CASE("$pull", "[update]") {
  CheckCases({
      // Manual: remove all items that equal a specified value.
      {R"({_id: 1, fruits: ["apples", "pears", "oranges", "grapes", "bananas"], vegetables: ["carrots", "celery", "squash", "carrots"]})",
       R"({$pull: {fruits: {$in: ["apples", "oranges"]}, vegetables: "carrots"}})",
       R"({_id: 1, fruits: ["pears", "grapes", "bananas"], vegetables: ["celery", "squash"]})"},
      // Manual: remove all items that match a condition.
      {"{_id: 1, votes: [3, 5, 6, 7, 7, 8]}", "{$pull: {votes: {$gte: 6}}}",
       "{_id: 1, votes: [3, 5]}"},
      // Manual: remove documents that match fields.
      {R"({_id: 1, results: [{item: "A", score: 5}, {item: "B", score: 8}]})",
       R"({$pull: {results: {score: 8, item: "B"}}})",
       R"({_id: 1, results: [{item: "A", score: 5}]})"},
      // Manual: remove documents from nested arrays.
      {R"({_id: 1, results: [{item: "A", score: 5, answers: [{q: 1, a: 4}, {q: 2, a: 6}]}, {item: "B", score: 8, answers: [{q: 1, a: 8}, {q: 2, a: 9}]}]})",
       "{$pull: {results: {answers: {$elemMatch: {q: 2, a: {$gte: 8}}}}}}",
       R"({_id: 1, results: [{item: "A", score: 5, answers: [{q: 1, a: 4}, {q: 2, a: 6}]}]})"},
      // A field condition matches documents that merely contain the fields.
      {"{_id: 1, a: [{b: 1, c: 2}, {b: 2}, 1]}", "{$pull: {a: {b: 1}}}",
       "{_id: 1, a: [{b: 2}, 1]}"},
      {"{_id: 1, a: [{b: 1}, 5, [1]]}", "{$pull: {a: {}}}", "{_id: 1, a: [5, [1]]}"},
      // A regex or an operator applies to the element itself (arrays traversed).
      {R"({_id: 1, a: ["apple", "banana", "avocado"]})",
       R"({$pull: {a: {$regularExpression: {pattern: "^a", options: ""}}}})",
       R"({_id: 1, a: ["banana"]})"},
      {"{_id: 1, a: [[0, 5], 0, [1]]}", "{$pull: {a: {$gt: 1}}}", "{_id: 1, a: [0, [1]]}"},
      {"{_id: 1, a: [[1, 2], [3]]}", "{$pull: {a: {$size: 2}}}", "{_id: 1, a: [[3]]}"},
      // Any other value is an exact match (numbers by value).
      {"{_id: 1, a: [[1, 2], [3], [2, 1]]}", "{$pull: {a: [1, 2]}}", "{_id: 1, a: [[3], [2, 1]]}"},
      {"{_id: 1, a: [1, 1.0, 2]}", "{$pull: {a: 1}}", "{_id: 1, a: [2]}"},
      {"{_id: 1, a: [null, 1]}", "{$pull: {a: null}}", "{_id: 1, a: [1]}"},
      // Nothing removed, or nothing there: no-ops.
      {"{_id: 1, a: [1, 2]}", "{$pull: {a: 3}}", "{_id: 1, a: [1, 2]}", false},
      {"{_id: 1}", "{$pull: {a: 3}}", "{_id: 1}", false},
      {"{_id: 1, a: {b: [1]}}", R"({$pull: {"a.b": 1}})", "{_id: 1, a: {b: []}}"},
  });
}

TEST_CASE("$pullAll", "[update]") {
  CheckCases({
      // Manual example.
      {"{_id: 1, scores: [0, 2, 5, 5, 1, 0]}", "{$pullAll: {scores: [0, 5]}}",
       "{_id: 1, scores: [2, 1]}"},
      {"{_id: 1, a: [1, 1.0, 2, {b: 1}]}", "{$pullAll: {a: [1, {b: 1}]}}", "{_id: 1, a: [2]}"},
      {"{_id: 1, a: [1, 2]}", "{$pullAll: {a: []}}", "{_id: 1, a: [1, 2]}", false},
      {"{_id: 1}", "{$pullAll: {a: [1]}}", "{_id: 1}", false},
  });
}
