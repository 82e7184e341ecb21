// Pipeline tables: each row is an input collection, a pipeline and the exact
// documents mongod 7.0 returns (in order), or its error code and message.
// Expected values follow the manual's stated behaviour for each stage and
// mongod's document_source_*.cpp; results are compared as canonical
// extended JSON, so numeric types are checked too.

#include "query/pipeline.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "tests/unit/query/pipeline_test_util.h"

using namespace basalt;
using namespace basalt::query;
using namespace basalt::test;

namespace {

const std::vector<std::string> kUsers = {
    R"({_id: 1, email: "a@x", n: 1})",   R"({_id: 2, email: "b@x", n: 2})",
    R"({_id: 3, email: "a@x", n: 3})",   R"({_id: 4, email: "c@x"})",
    R"({_id: 5, email: "a@x", n: 5.5})", R"({_id: 6, email: "b@x", n: null})"};

}  // namespace

TEST_CASE("$match, $limit, $skip, $sort, $count", "[aggregate]") {
  CheckRows({
      {{"{_id: 1, a: 1}", "{_id: 2, a: 2}"}, "[{$match: {a: {$gt: 1}}}]", "[{_id: 2, a: 2}]"},
      {{"{_id: 1, a: 1, b: 2}", "{_id: 2, a: 3, b: 2}"},
       R"([{$match: {$expr: {$gt: ["$a", "$b"]}}}])",
       "[{_id: 2, a: 3, b: 2}]"},
      {{"{_id: 1, a: 1, b: 2}", "{_id: 2, a: 3, b: 2}"},
       R"([{$match: {b: 2, $expr: {$lt: ["$a", "$b"]}}}])",
       "[{_id: 1, a: 1, b: 2}]"},
      {kUsers, "[{$skip: 4}]",
       R"([{_id: 5, email: "a@x", n: 5.5}, {_id: 6, email: "b@x", n: null}])"},
      {kUsers, "[{$limit: 1}]", R"([{_id: 1, email: "a@x", n: 1}])"},
      {kUsers, "[{$skip: 1}, {$limit: 1}, {$project: {_id: 1}}]", "[{_id: 2}]"},
      {kUsers, "[{$sort: {n: -1}}, {$project: {n: 1}}]",
       "[{_id: 5, n: 5.5}, {_id: 3, n: 3}, {_id: 2, n: 2}, {_id: 1, n: 1}, {_id: 4}, "
       "{_id: 6, n: null}]"},
      {kUsers, "[{$sort: {email: 1, n: -1}}, {$limit: 2}, {$project: {_id: 1}}]",
       "[{_id: 5}, {_id: 3}]"},
      {kUsers, "[{$sort: {n: 1}}, {$skip: 1}, {$limit: 2}, {$project: {_id: 1}}]",
       "[{_id: 6}, {_id: 1}]"},
      {{"{_id: 1, a: [3, 1]}", "{_id: 2, a: 2}"},
       "[{$sort: {a: 1}}]",
       "[{_id: 1, a: [3, 1]}, {_id: 2, a: 2}]"},
      {kUsers, R"([{$count: "total"}])", "[{total: 6}]"},
      {kUsers, R"([{$match: {n: {$gt: 100}}}, {$count: "total"}])", "[]"},
      {{}, R"([{$count: "total"}])", "[]"},
  });
  CheckErrors({
      {{}, "[{$limit: 0}]", 15958, "the limit must be positive"},
      {{},
       "[{$limit: -1}]",
       5107201,
       "invalid argument to $limit stage: Expected a non-negative number in: $limit: -1"},
      {{},
       "[{$limit: 1.5}]",
       5107201,
       "invalid argument to $limit stage: Expected an integer: $limit: 1.5"},
      {{},
       R"([{$skip: "a"}])",
       5107200,
       "invalid argument to $skip stage: Expected a number in: $skip: \"a\""},
      {{}, "[{$sort: {}}]", 15976, "$sort stage must have at least one sort key"},
      {{}, "[{$sort: 1}]", 15973, "the $sort key specification must be an object"},
      {{},
       "[{$sort: {a: 2}}]",
       15975,
       "$sort key ordering must be 1 (for ascending) or -1 (for descending)"},
      {{}, "[{$match: 1}]", 15959, "the match filter must be an expression in an object"},
      {{},
       "[{$match: {$foo: 1}}]",
       2,
       "unknown top level operator: $foo. If you have a field name that starts with a '$' "
       "symbol, consider using $getField or $setField."},
      {{"{_id: 1, a: 0}"},
       R"([{$match: {$expr: {$divide: [1, "$a"]}}}])",
       2,
       "can't $divide by zero"},
      {{}, R"([{$count: "$x"}])", 40158, "the count field cannot be a $-prefixed path"},
      {{}, R"([{$count: "a.b"}])", 40160, "the count field cannot contain '.'"},
      {{}, "[{$count: 1}]", 40156, "the count field must be a non-empty string"},
  });
}

TEST_CASE("$project, $addFields, $set, $unset", "[aggregate]") {
  CheckRows({
      {{"{b: 2, _id: 1, a: 1}"}, "[{$project: {a: 1}}]", "[{_id: 1, a: 1}]"},
      {{"{_id: 1, a: 1, b: 2}"}, "[{$project: {_id: 0, a: 1}}]", "[{a: 1}]"},
      {{"{_id: 1, a: 1, b: 2}"}, "[{$project: {a: 0}}]", "[{_id: 1, b: 2}]"},
      {{"{_id: 1, a: [{b: 1, c: 2}, {c: 3}, 5]}"},
       R"([{$project: {"a.b": 1}}])",
       "[{_id: 1, a: [{b: 1}, {}]}]"},
      {{"{_id: 1, a: [{b: 1, c: 2}, 5]}"},
       R"([{$project: {"a.c": 0}}])",
       "[{_id: 1, a: [{b: 1}, 5]}]"},
      {{"{_id: 1, a: 2}"}, R"([{$project: {x: {$add: ["$a", 1]}}}])", "[{_id: 1, x: 3}]"},
      {{"{_id: 1, a: 1}"}, R"([{$project: {"a.b": {$literal: 1}}}])", "[{_id: 1, a: {b: 1}}]"},
      {{"{_id: 1, a: {b: 1, c: 2}}"},
       R"([{$project: {a: {b: 1, d: "$a.c"}}}])",
       "[{_id: 1, a: {b: 1, d: 2}}]"},
      {{"{_id: 1, a: 1}"},
       R"([{$project: {_id: 0, s: "literal", n: null, arr: [1, "$a"]}}])",
       R"([{s: "literal", n: null, arr: [1, 1]}])"},
      {{"{_id: 1, a: 1}"}, R"([{$project: {x: "$missing"}}])", "[{_id: 1}]"},
      {{"{_id: 1}"}, "[{$project: {_id: 0}}]", "[{}]"},
      {{"{_id: 1, a: 1, b: 1}"},
       R"([{$addFields: {b: {$add: ["$a", 1]}, c: 5, a: 9}}])",
       "[{_id: 1, a: 9, b: 2, c: 5}]"},
      {{"{_id: 1, x: [{z: 1}, 2]}"},
       R"([{$set: {"x.y": 1}}])",
       "[{_id: 1, x: [{z: 1, y: 1}, {y: 1}]}]"},
      {{"{_id: 1, x: {y: 1}}"}, "[{$set: {x: {z: 2}}}]", "[{_id: 1, x: {y: 1, z: 2}}]"},
      {{"{_id: 1, a: 1}"},
       R"([{$set: {a: "$$REMOVE", b: "$$ROOT"}}])",
       "[{_id: 1, b: {_id: 1, a: 1}}]"},
      {{"{_id: 1, a: 1, b: {c: 1, d: 2}}"}, R"([{$unset: ["a", "b.c"]}])", "[{_id: 1, b: {d: 2}}]"},
      {{"{_id: 1, a: 1}"}, R"([{$unset: "_id"}])", "[{a: 1}]"},
  });
  CheckErrors({
      {{},
       "[{$project: {a: 1, b: 0}}]",
       31254,
       "Invalid $project :: caused by :: Cannot do exclusion on field b in inclusion projection"},
      {{},
       "[{$project: {a: 0, b: 1}}]",
       31253,
       "Invalid $project :: caused by :: Cannot do inclusion on field b in exclusion projection"},
      {{},
       "[{$project: {}}]",
       51272,
       "Invalid $project :: caused by :: projection specification must have at least one field"},
      {{},
       "[{$project: {a: {$foo: 1}}}]",
       168,
       "Invalid $project :: caused by :: Unrecognized expression '$foo'"},
      {{},
       "[{$project: {a: 0, b: {$literal: 1}}}]",
       31252,
       "Invalid $project :: caused by :: Cannot use expression other than $meta in exclusion "
       "projection"},
      {{},
       R"([{$project: {a: 1, "a.b": 1}}])",
       31249,
       "Invalid $project :: caused by :: Path collision at a.b remaining portion b"},
      {{},
       R"([{$project: {"a.b": 1, a: 1}}])",
       31250,
       "Invalid $project :: caused by :: Path collision at a"},
      {{},
       R"([{$project: {"$a": 1}}])",
       16410,
       "Invalid $project :: caused by :: FieldPath field names may not start with '$'. "
       "Consider using $getField or $setField."},
      {{}, "[{$project: 5}]", 15969, "$project specification must be an object"},
      {{}, "[{$addFields: 1}]", 40272, "$addFields specification stage must be an object, got int"},
      {{},
       "[{$set: {a: {}}}]",
       40180,
       "Invalid $set :: caused by :: an empty object is not a valid value. Found empty object at "
       "path a"},
      {{}, "[{$unset: 1}]", 31002, "$unset specification must be a string or an array"},
      {{},
       "[{$unset: [1]}]",
       31120,
       "$unset specification must be a string or an array containing only string values"},
      {{"{_id: 1, a: 0}"},
       R"([{$project: {x: {$divide: [1, "$a"]}}}])",
       2,
       "can't $divide by zero"},
      {{}, "[{$project: {x: {$divide: [1, 0]}}}]", 2, "can't $divide by zero"},
  });
}

TEST_CASE("$group and its accumulators", "[aggregate]") {
  CheckRows({
      {kUsers,
       R"([{$group: {_id: "$email", count: {$sum: 1}, docs: {$push: "$_id"}}}, {$match: {count: {$gt: 1}}}])",
       R"([{_id: "a@x", count: 3, docs: [1, 3, 5]}, {_id: "b@x", count: 2, docs: [2, 6]}])"},
      {kUsers,
       R"([{$group: {_id: null, avg: {$avg: "$n"}, min: {$min: "$n"}, max: {$max: "$n"}, first: {$first: "$n"}, last: {$last: "$n"}, sum: {$sum: "$n"}}}])",
       "[{_id: null, avg: 2.875, min: 1, max: 5.5, first: 1, last: null, sum: 11.5}]"},
      {{"{_id: 1}", "{_id: 2, k: null}", "{_id: 3, k: 1}"},
       R"([{$group: {_id: "$k", ids: {$push: "$_id"}}}])",
       "[{_id: null, ids: [1, 2]}, {_id: 1, ids: [3]}]"},
      {{"{_id: 1, a: 1, b: 2}", "{_id: 2, a: 1, b: 2}", "{_id: 3, a: 1}"},
       R"([{$group: {_id: {a: "$a", b: "$b"}, n: {$count: {}}}}])",
       "[{_id: {a: 1, b: 2}, n: 2}, {_id: {a: 1}, n: 1}]"},
      {{"{_id: 1, k: 1}", R"({_id: 2, k: 1.0})", R"({_id: 3, k: {"$numberLong": "1"}})"},
       R"([{$group: {_id: "$k", n: {$sum: 1}}}])",
       "[{_id: 1, n: 3}]"},
      {{"{_id: 1, t: 2}", "{_id: 2, t: 1}", "{_id: 3, t: 2}", "{_id: 4}"},
       R"([{$group: {_id: null, s: {$addToSet: "$t"}}}])",
       "[{_id: null, s: [2, 1]}]"},
      {{"{_id: 1, o: {a: 1}}", "{_id: 2, o: {b: 2, a: 3}}", "{_id: 3, o: null}"},
       R"([{$group: {_id: null, m: {$mergeObjects: "$o"}}}])",
       "[{_id: null, m: {a: 3, b: 2}}]"},
      {{"{_id: 1, n: 5}"},
       R"([{$group: {_id: null, s: {$stdDevSamp: "$n"}, p: {$stdDevPop: "$n"}}}])",
       "[{_id: null, s: null, p: 0.0}]"},
      {{"{_id: 1, n: 2147483647}", "{_id: 2, n: 1}"},
       R"([{$group: {_id: null, s: {$sum: "$n"}}}])",
       R"([{_id: null, s: {"$numberLong": "2147483648"}}])"},
      {{"{_id: 1}", "{_id: 2, v: 1}"},
       R"([{$group: {_id: null, f: {$first: "$v"}}}])",
       "[{_id: null, f: null}]"},
      {{"{_id: 1, v: 3}", "{_id: 2, v: 1}", "{_id: 3, v: 2}"},
       R"([{$group: {_id: null, top: {$top: {sortBy: {v: 1}, output: "$_id"}}, bottom2: {$bottomN: {n: 2, sortBy: {v: 1}, output: "$v"}}}}])",
       "[{_id: null, top: 2, bottom2: [2, 3]}]"},
      {{"{_id: 1, v: 3}", "{_id: 2, v: 1}", "{_id: 3, v: 2}"},
       R"([{$group: {_id: null, f: {$firstN: {n: 2, input: "$v"}}, mx: {$maxN: {n: 2, input: "$v"}}}}])",
       "[{_id: null, f: [3, 1], mx: [3, 2]}]"},
      {{"{_id: 1, n: 1}", "{_id: 2, n: 2}"},
       R"([{$group: {_id: {$mod: ["$n", 2]}}}])",
       "[{_id: 1}, {_id: 0}]"},
      {kUsers, R"([{$sortByCount: "$email"}])",
       R"([{_id: "a@x", count: 3}, {_id: "b@x", count: 2}, {_id: "c@x", count: 1}])"},
      {{}, R"([{$group: {_id: null, n: {$sum: 1}}}])", "[]"},
      {{"{_id: 1, a: 1}", "{_id: 2, a: 1}"},
       R"([{$match: {a: 1}}, {$skip: 0}, {$limit: 5}, {$group: {_id: 1, n: {$sum: 1}}}])",
       "[{_id: 1, n: 2}]"},
  });
  CheckErrors({
      {{}, R"([{$group: {n: {$sum: 1}}}])", 15955, "a group specification must include an _id"},
      {{},
       R"([{$group: {_id: null, a: 1}}])",
       40234,
       "The field 'a' must be an accumulator object"},
      {{}, R"([{$group: {_id: null, a: {$foo: 1}}}])", 15952, "unknown group operator '$foo'"},
      {{},
       R"([{$group: {_id: null, a: {$sum: 1, $avg: 1}}}])",
       40238,
       "The field 'a' must specify one accumulator"},
      {{},
       R"([{$group: {_id: {a: 1}}}])",
       17390,
       "$group does not support inclusion-style expressions"},
      {{},
       R"([{$group: {_id: null, a: {$push: [1]}}}])",
       40237,
       "The $push accumulator is a unary operator"},
      {{},
       R"([{$group: {_id: null, "a.b": {$sum: 1}}}])",
       40235,
       "The field name 'a.b' cannot contain '.'"},
      {{}, "[{$group: 1}]", 15947, "a group's fields must be specified in an object"},
      {{},
       R"([{$group: {_id: null, c: {$count: 1}}}])",
       14,
       "$count takes no arguments, i.e. $count:{}"},
      {{"{_id: 1, o: 5}"},
       R"([{$group: {_id: null, m: {$mergeObjects: "$o"}}}])",
       40400,
       "$mergeObjects requires object inputs, but input 5 is of type int"},
      {{},
       R"([{$sortByCount: "email"}])",
       40148,
       "the sortByCount field must be defined as a $-prefixed path or an expression inside an "
       "object"},
  });
}

TEST_CASE("$group and $sort memory limits", "[aggregate]") {
  std::vector<std::string> many;
  for (int i = 0; i < 200; ++i) {
    many.push_back("{_id: " + std::to_string(i) +
                   R"(, s: "0123456789012345678901234567890123456789"})");
  }
  Options small;
  small.max_memory = 4000;
  CheckErrors({{many, R"([{$group: {_id: "$_id", s: {$push: "$s"}}}])", 292,
                "Exceeded memory limit for $group, but didn't allow external sort. Pass "
                "allowDiskUse:true to opt in."},
               {many, "[{$sort: {s: 1}}]", 292,
                "Sort exceeded memory limit of 4000 bytes, but did not opt in to external "
                "sorting."}},
              small);
  Options disk = small;
  disk.allow_disk_use = true;
  auto grouped = Run(many, R"([{$group: {_id: "$_id", s: {$push: "$s"}}}, {$count: "n"}])", disk);
  REQUIRE(grouped.ok());
  CHECK(grouped.value() == Canonical(Doc("{r: [{n: 200}]}").get()));
}

TEST_CASE("$group past its memory limit with allowDiskUse spills and loses nothing",
          "[aggregate]") {
  // 300 documents over 40 groups, keys of mixed types (1, 1.0 and
  // NumberLong(1) are one group), each group seen early (in memory) and
  // late (spilled): every accumulator must see its documents in input order.
  std::vector<std::string> input;
  for (int i = 0; i < 300; ++i) {
    int g = (i * 7) % 40;
    std::string key = g % 3 == 0   ? std::to_string(g)
                      : g % 3 == 1 ? "{$numberLong: \"" + std::to_string(g) + "\"}"
                                   : "\"k" + std::to_string(g) + "\"";
    if (g == 1 && i % 2 == 0) key = "1.0";
    input.push_back("{_id: " + std::to_string(i) + ", g: " + key + ", v: " + std::to_string(i) +
                    R"(, pad: "0123456789012345678901234567890123456789"})");
  }
  const std::string pipeline = R"([{$group: {_id: "$g", n: {$sum: 1}, total: {$sum: "$v"},
      first: {$first: "$v"}, last: {$last: "$v"}, all: {$push: "$v"}, big: {$max: "$v"}}},
      {$sort: {first: 1}}])";
  auto in_memory = Run(input, pipeline);
  REQUIRE(in_memory.ok());
  Options spilling;
  spilling.max_memory = 6000;  // a handful of groups fit; the rest spills
  spilling.allow_disk_use = true;
  Options no_disk = spilling;
  no_disk.allow_disk_use = false;
  CHECK(Run(input, pipeline, no_disk).status().code() == 292);  // so it does spill below
  auto spilled = Run(input, pipeline, spilling);
  REQUIRE(spilled.ok());
  CHECK(spilled.value() == in_memory.value());
  // Without the final $sort, spilled groups come out in key order, each once.
  auto counted = Run(input, R"([{$group: {_id: "$g", n: {$sum: 1}}},
      {$group: {_id: null, groups: {$sum: 1}, docs: {$sum: "$n"}}}])", spilling);
  REQUIRE(counted.ok());
  CHECK(counted.value() == Canonical(Doc("{r: [{_id: null, groups: 40, docs: 300}]}").get()));
}

TEST_CASE("$unwind, $replaceRoot, $replaceWith, $sample, $facet", "[aggregate]") {
  CheckRows({
      {{"{_id: 1, a: [1, 2]}", "{_id: 2, a: []}", "{_id: 3}", "{_id: 4, a: null}",
        "{_id: 5, a: 7}"},
       R"([{$unwind: "$a"}])",
       "[{_id: 1, a: 1}, {_id: 1, a: 2}, {_id: 5, a: 7}]"},
      {{"{_id: 1, a: [1, 2]}", "{_id: 2, a: []}", "{_id: 3}", "{_id: 4, a: null}",
        "{_id: 5, a: 7}"},
       R"([{$unwind: {path: "$a", includeArrayIndex: "i", preserveNullAndEmptyArrays: true}}])",
       R"([{_id: 1, a: 1, i: {"$numberLong": "0"}}, {_id: 1, a: 2, i: {"$numberLong": "1"}},
           {_id: 2, i: null}, {_id: 3, i: null}, {_id: 4, a: null, i: null}, {_id: 5, a: 7, i: null}])"},
      {{"{_id: 1, x: {y: [1, 2], z: 0}}"},
       R"([{$unwind: "$x.y"}])",
       "[{_id: 1, x: {y: 1, z: 0}}, {_id: 1, x: {y: 2, z: 0}}]"},
      {{"{_id: 1, x: [{y: [1]}]}"}, R"([{$unwind: "$x.y"}])", "[]"},
      {{"{_id: 1, a: {b: 1}}"}, R"([{$replaceRoot: {newRoot: "$a"}}])", "[{b: 1}]"},
      {{"{_id: 1, a: {b: 1}}"},
       R"([{$replaceWith: {$mergeObjects: ["$a", {c: 2}]}}])",
       "[{b: 1, c: 2}]"},
      {{"{_id: 1}"}, "[{$sample: {size: 5}}]", "[{_id: 1}]"},
      {kUsers, "[{$sample: {size: 0}}]", "[]"},
      {kUsers,
       R"([{$facet: {n: [{$count: "n"}], firstTwo: [{$limit: 2}, {$project: {_id: 1}}], none: [{$match: {x: 1}}]}}])",
       "[{n: [{n: 6}], firstTwo: [{_id: 1}, {_id: 2}], none: []}]"},
  });
  CheckErrors({
      {{},
       R"([{$unwind: "a"}])",
       28818,
       "path option to $unwind stage should be prefixed with a '$': a"},
      {{},
       "[{$unwind: 1}]",
       15981,
       "expected either a string or an object as specification for $unwind stage, got int"},
      {{}, R"([{$unwind: {path: "$a", x: 1}}])", 28811, "unrecognized option to $unwind stage: x"},
      {{},
       R"([{$unwind: {path: "$a", preserveNullAndEmptyArrays: 1}}])",
       28809,
       "expected a boolean for the preserveNullAndEmptyArrays option to $unwind stage, got int"},
      {{}, R"([{$unwind: {includeArrayIndex: "i"}}])", 28812, "no path specified to $unwind stage"},
      {{"{_id: 1}"},
       R"([{$replaceRoot: {newRoot: "$a"}}])",
       40228,
       "'newRoot' expression must evaluate to an object, but resulting value was: MISSING. Type of "
       "resulting value: 'missing'. Input document: {_id: 1}"},
      {{"{_id: 1, a: 5}"},
       R"([{$replaceWith: "$a"}])",
       40228,
       "'replacement document' must evaluate to an object, but resulting value was: 5. Type of "
       "resulting value: 'int'. Input document: {_id: 1, a: 5}"},
      {{},
       R"([{$replaceRoot: {root: 1}}])",
       40415,
       "BSON field '$replaceRoot.root' is an unknown field."},
      {{}, "[{$sample: {size: -1}}]", 28747, "size argument to $sample must not be negative"},
      {{}, "[{$sample: {}}]", 28749, "$sample stage must specify a size"},
      {{}, "[{$facet: {}}]", 40169, "the $facet specification must be a non-empty object"},
      {{}, "[{$facet: {a: 1}}]", 40170, "arguments to $facet must be arrays, a is type int"},
      {{},
       "[{$facet: {a: [{$facet: {b: []}}]}}]",
       40600,
       "$facet is not allowed to be used within a $facet stage"},
  });
}

TEST_CASE("$lookup, $unionWith and $documents", "[aggregate]") {
  const std::map<std::string, std::vector<std::string>> others = {
      {"orders",
       {R"({_id: 10, user: 1, total: 5})", R"({_id: 11, user: 1, total: 7})",
        R"({_id: 12, user: 2, total: 1})", R"({_id: 13, total: 9})"}}};
  CheckRows(
      {
          {{"{_id: 1}", "{_id: 2}", "{_id: 3}"},
           R"([{$lookup: {from: "orders", localField: "_id", foreignField: "user", as: "o"}}, {$project: {ids: "$o._id"}}])",
           "[{_id: 1, ids: [10, 11]}, {_id: 2, ids: [12]}, {_id: 3, ids: []}]"},
          {{"{_id: 1, u: [1, 2]}", "{_id: 2}"},
           R"([{$lookup: {from: "orders", localField: "u", foreignField: "user", as: "o"}}, {$project: {ids: "$o._id"}}])",
           "[{_id: 1, ids: [10, 11, 12]}, {_id: 2, ids: [13]}]"},
          {{"{_id: 1, min: 6}"},
           R"([{$lookup: {from: "orders", let: {m: "$min"}, pipeline: [{$match: {$expr: {$gt: ["$total", "$$m"]}}}, {$project: {_id: 1}}], as: "big"}}])",
           "[{_id: 1, min: 6, big: [{_id: 11}, {_id: 13}]}]"},
          {{"{_id: 1}"},
           R"([{$unionWith: {coll: "orders", pipeline: [{$match: {user: 2}}]}}])",
           "[{_id: 1}, {_id: 12, user: 2, total: 1}]"},
          {{"{_id: 1}"}, R"([{$unionWith: "nothing"}])", "[{_id: 1}]"},
      },
      {}, others);
  Options collectionless;
  collectionless.collection = "";
  CheckRows({{{},
              R"([{$documents: [{a: 1}, {a: 2}]}, {$set: {b: {$add: ["$a", 1]}}}])",
              "[{a: 1, b: 2}, {a: 2, b: 3}]"},
             {{},
              "[{$documents: [{t: \"$$NOW\"}]}]",
              R"([{t: {"$date": {"$numberLong": "1600000000000"}}}])"}},
            collectionless);
  CheckErrors({{{},
                "[{$match: {}}]",
                73,
                "{aggregate: 1} is not valid for '$match'; a collection is required."},
               {{}, "[]", 73, "{aggregate: 1} is not valid for an empty pipeline."}},
              collectionless);
  CheckErrors({
      {{},
       R"([{$lookup: {from: "orders", as: "x"}}])",
       9,
       "$lookup requires either 'pipeline' or both 'localField' and 'foreignField' to be "
       "specified"},
      {{},
       R"([{$lookup: {from: "orders", localField: "a", foreignField: "b"}}])",
       9,
       "must specify 'as' field for a $lookup"},
      {{},
       R"([{$lookup: {from: "o", localField: "a", foreignField: "b", as: "x", y: "z"}}])",
       9,
       "unknown argument to $lookup: y"},
      {{},
       R"([{$match: {}}, {$documents: []}])",
       40602,
       "$documents is only valid as the first stage in a pipeline"},
  });
}

TEST_CASE("pipeline structure errors", "[aggregate]") {
  CheckErrors({
      {{}, "[{$foo: 1}]", 40324, "Unrecognized pipeline stage name: '$foo'"},
      {{},
       "[{$match: {}, $limit: 1}]",
       40323,
       "A pipeline stage specification object must contain exactly one field."},
      {{}, "[{}]", 40323, "A pipeline stage specification object must contain exactly one field."},
      {{}, "[1]", 14, "Each element of the 'pipeline' array must be an object"},
      {{},
       "[{$graphLookup: {}}]",
       238,
       "The $graphLookup stage is not supported by Basalt yet"},
  });
}

TEST_CASE("a leading $match is handed to the collection read", "[aggregate]") {
  auto reader = std::make_shared<FakeReader>();
  reader->collections["c"] = {"{_id: 1, a: 1}", "{_id: 2, a: 2}"};
  auto ctx = std::make_shared<PipelineContext>();
  ctx->db = "test";
  ctx->collection = "c";
  ctx->reader = reader;
  Bson stages =
      Doc(R"({"0": {$match: {a: 2, $expr: {$eq: ["$_id", 2]}}}, "1": {$project: {_id: 1}}})");
  auto pipeline = Pipeline::Parse(stages.get(), ctx);
  REQUIRE(pipeline.ok());
  REQUIRE(pipeline.value()->Optimize().ok());
  auto stream = pipeline.value()->Execute(nullptr);
  REQUIRE(stream.ok());
  Bson doc;
  auto more = stream.value()->Next(&doc);
  REQUIRE(more.ok());
  REQUIRE(more.value());
  CHECK(ShellString(doc.get()) == "{ _id: 2 }");
  // The read got the part without $expr; the $match stage still applies $expr.
  REQUIRE(reader->filters_seen.size() == 1);
  CHECK(reader->filters_seen[0] == "{ a: 2 }");
}
