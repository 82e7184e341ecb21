// $bucket and $bucketAuto tables: results as the manual describes them
// (bucket _id is the lower boundary, or {min, max} for $bucketAuto; the
// default output is count: {$sum: 1}), checked against hand-worked
// bucketings, and each bad argument's mongod code and message
// (document_source_bucket.cpp, document_source_bucket_auto.cpp,
// granularity_rounder_*.cpp).

#include <catch2/catch.hpp>

#include "tests/unit/query/pipeline_test_util.h"

using namespace basalt;
using namespace basalt::test;

namespace {

const std::vector<std::string> kPrices = {
    "{_id: 1, p: 5}", "{_id: 2, p: 15}",     "{_id: 3, p: 25}",  "{_id: 4, p: 100}",
    "{_id: 5}",       R"({_id: 6, p: "x"})", "{_id: 7, p: 12.5}"};

std::vector<std::string> OneToTen() {
  std::vector<std::string> docs;
  for (int i = 1; i <= 10; ++i) {
    docs.push_back("{_id: " + std::to_string(i) + ", p: " + std::to_string(i) + "}");
  }
  return docs;
}

}  // namespace

TEST_CASE("$bucket groups by boundaries", "[aggregate][bucket]") {
  CheckRows({
      {kPrices, R"([{$bucket: {groupBy: "$p", boundaries: [0, 10, 20, 30], default: "Other"}}])",
       R"([{_id: 0, count: 1}, {_id: 10, count: 2}, {_id: 20, count: 1},
           {_id: "Other", count: 3}])"},
      {kPrices,
       R"([{$bucket: {groupBy: "$p", boundaries: [0, 10, 20], default: 99,
                      output: {total: {$sum: "$p"}, ids: {$push: "$_id"}}}}])",
       R"([{_id: 0, total: 5, ids: [1]}, {_id: 10, total: 27.5, ids: [2, 7]},
           {_id: 99, total: 125, ids: [3, 4, 5, 6]}])"},
      // Boundaries of one canonical type (numbers) may mix int and double.
      {kPrices, R"([{$match: {p: {$type: "number"}}},
                    {$bucket: {groupBy: "$p", boundaries: [0, 12.5, 1000]}}])",
       "[{_id: 0, count: 1}, {_id: 12.5, count: 4}]"},
      // A constant expression is a valid boundary; a "$"-string default is a literal.
      {kPrices, R"([{$bucket: {groupBy: {$add: ["$_id", 0]}, boundaries: [{$add: [0, 0]}, 5],
                               default: {$literal: "$none"}}}])",
       R"([{_id: 0, count: 4}, {_id: "$none", count: 3}])"},
      {{R"({_id: 1, s: "apple"})", R"({_id: 2, s: "kiwi"})", R"({_id: 3, s: "pear"})"},
       R"([{$bucket: {groupBy: "$s", boundaries: ["a", "m", "z"]}}])",
       R"([{_id: "a", count: 2}, {_id: "m", count: 1}])"},
      {{}, R"([{$bucket: {groupBy: "$p", boundaries: [0, 10]}}])", "[]"},
  });
}

TEST_CASE("$bucket argument errors", "[aggregate][bucket]") {
  CheckErrors({
      {{},
       "[{$bucket: 1}]",
       40201,
       "Argument to $bucket stage must be an object, but found type: int."},
      {{},
       R"([{$bucket: {groupBy: "p", boundaries: [0, 1]}}])",
       40202,
       "The $bucket 'groupBy' field must be defined as a $-prefixed path or an expression, but "
       "found: \"p\"."},
      {{},
       R"([{$bucket: {groupBy: "$p", boundaries: "x"}}])",
       40200,
       "The $bucket 'boundaries' field must be an array, but found type: string."},
      {{},
       R"([{$bucket: {groupBy: "$p", boundaries: ["$x", 1]}}])",
       40191,
       "The $bucket 'boundaries' field must be an array of constant values, but found value: "
       "\"$x\"."},
      {{},
       R"([{$bucket: {groupBy: "$p", boundaries: [1]}}])",
       40192,
       "The $bucket 'boundaries' field must have at least 2 values, but found 1 value(s)."},
      {{},
       R"([{$bucket: {groupBy: "$p", boundaries: [1, "a"]}}])",
       40193,
       "All values in the the 'boundaries' option to $bucket must have the same type. Found "
       "conflicting types int and string."},
      {{},
       R"([{$bucket: {groupBy: "$p", boundaries: [5, 1]}}])",
       40194,
       "The 'boundaries' option to $bucket must be sorted, but elements 0 and 1 are not in "
       "ascending order (5 is not less than 1)."},
      {{},
       R"([{$bucket: {groupBy: "$p", boundaries: [1, 1]}}])",
       40194,
       "The 'boundaries' option to $bucket must be sorted, but elements 0 and 1 are not in "
       "ascending order (1 is not less than 1)."},
      {{},
       R"([{$bucket: {groupBy: "$p", boundaries: [0, 1], default: "$x"}}])",
       40195,
       "The $bucket 'default' field must be a constant expression, but found: \"$x\"."},
      {{},
       R"([{$bucket: {groupBy: "$p", boundaries: [0, 1], output: 1}}])",
       40196,
       "The $bucket 'output' field must be an object, but found type: int."},
      {{},
       R"([{$bucket: {groupBy: "$p", boundaries: [0, 1], foo: 1}}])",
       40197,
       "Unrecognized option to $bucket: foo."},
      {{},
       R"([{$bucket: {groupBy: "$p"}}])",
       40198,
       "$bucket requires 'groupBy' and 'boundaries' to be specified."},
      {{},
       R"([{$bucket: {boundaries: [0, 1]}}])",
       40198,
       "$bucket requires 'groupBy' and 'boundaries' to be specified."},
      {{},
       R"([{$bucket: {groupBy: "$p", boundaries: [0, 10], default: 5}}])",
       40199,
       "The $bucket 'default' field must be less than the lowest boundary or greater than or "
       "equal to the highest boundary."},
      {{},
       R"([{$bucket: {groupBy: "$p", boundaries: [0, 1], output: {n: 1}}}])",
       40234,
       "The field 'n' must be an accumulator object"},
      // A value outside every bucket, without a default: $switch's error.
      {kPrices, R"([{$bucket: {groupBy: "$p", boundaries: [0, 10]}}])", 40066,
       "$switch could not find a matching branch for an input, and no default was specified."},
  });
}

TEST_CASE("$bucket follows $group's memory limit", "[aggregate][bucket]") {
  std::vector<std::string> many;
  for (int i = 0; i < 200; ++i) {
    many.push_back("{_id: " + std::to_string(i) + R"(, s: "0123456789012345678901234567890"})");
  }
  Options small;
  small.max_memory = 4000;
  const std::string pipeline =
      R"([{$bucket: {groupBy: "$_id", boundaries: [0, 100, 200], output: {s: {$push: "$s"}}}}])";
  CheckErrors({{many, pipeline, 292,
                "Exceeded memory limit for $group, but didn't allow external sort. Pass "
                "allowDiskUse:true to opt in."}},
              small);
  small.allow_disk_use = true;
  REQUIRE(Run(many, pipeline, small).ok());
}

TEST_CASE("$bucketAuto cuts sorted input into even buckets", "[aggregate][bucketAuto]") {
  CheckRows({
      {OneToTen(), R"([{$bucketAuto: {groupBy: "$p", buckets: 3}}])",
       "[{_id: {min: 1, max: 4}, count: 3}, {_id: {min: 4, max: 7}, count: 3},"
       " {_id: {min: 7, max: 10}, count: 4}]"},
      // Equal values never straddle buckets.
      {{"{_id: 1, p: 1}", "{_id: 2, p: 1}", "{_id: 3, p: 2}", "{_id: 4, p: 2}", "{_id: 5, p: 2}",
        "{_id: 6, p: 3}"},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 3}}])",
       "[{_id: {min: 1, max: 2}, count: 2}, {_id: {min: 2, max: 3}, count: 3},"
       " {_id: {min: 3, max: 3}, count: 1}]"},
      // More buckets than documents: one document each.
      {{"{_id: 1, p: 2}", "{_id: 2, p: 1}"},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 5}}])",
       "[{_id: {min: 1, max: 2}, count: 1}, {_id: {min: 2, max: 2}, count: 1}]"},
      // Missing groups with null, which sorts first; output replaces count.
      {{"{_id: 1, p: 3}", "{_id: 2}", "{_id: 3, p: 1}"},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 2,
                          output: {ids: {$push: "$_id"}, first: {$first: "$_id"}}}}])",
       "[{_id: {min: null, max: 3}, ids: [2, 3], first: 2},"
       " {_id: {min: 3, max: 3}, ids: [1], first: 1}]"},
      {{}, R"([{$bucketAuto: {groupBy: "$p", buckets: 2}}])", "[]"},
      // buckets may be any integral number.
      {OneToTen(), R"([{$bucketAuto: {groupBy: {$mod: ["$p", 2]}, buckets: 2.0}}])",
       "[{_id: {min: 0, max: 1}, count: 5}, {_id: {min: 1, max: 1}, count: 5}]"},
  });
}

TEST_CASE("$bucketAuto granularity", "[aggregate][bucketAuto]") {
  CheckRows({
      // Powers of two: integers round to int powers, 1 rounds down to 0.5.
      {OneToTen(), R"([{$bucketAuto: {groupBy: "$p", buckets: 3, granularity: "POWERSOF2"}}])",
       "[{_id: {min: 0.5, max: 4}, count: 3}, {_id: {min: 4, max: 8}, count: 4},"
       " {_id: {min: 8, max: 16}, count: 3}]"},
      {{"{_id: 1, p: 3}", "{_id: 2, p: 7}", "{_id: 3, p: 30}", "{_id: 4, p: 40}"},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 2, granularity: "1-2-5"}}])",
       "[{_id: {min: 2.0, max: 10.0}, count: 2}, {_id: {min: 10.0, max: 50.0}, count: 2}]"},
      {{"{_id: 1, p: 0}", "{_id: 2, p: 0}", "{_id: 3, p: 14}", "{_id: 4, p: 23}"},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 2, granularity: "E6"}}])",
       "[{_id: {min: 0, max: 10.0}, count: 2}, {_id: {min: 10.0, max: 33.0}, count: 2}]"},
  });
  // Decimal inputs stay decimal; infinity rounds to itself rather than looping.
  CheckRows({
      {{R"({_id: 1, p: {"$numberDecimal": "7"}})", R"({_id: 2, p: {"$numberDecimal": "30"}})"},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 2, granularity: "1-2-5"}},
           {$project: {_id: 0, type: {$type: "$_id.min"}, min: {$toDouble: "$_id.min"},
                       max: {$toDouble: "$_id.max"}}}])",
       R"([{type: "decimal", min: 5.0, max: 10.0}, {type: "decimal", min: 10.0, max: 50.0}])"},
      {{"{_id: 1, p: 1}", R"({_id: 2, p: {"$numberDouble": "Infinity"}})"},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 2, granularity: "POWERSOF2"}}])",
       R"([{_id: {min: 0.5, max: 2}, count: 1},
           {_id: {min: 2, max: {"$numberDouble": "Infinity"}}, count: 1}])"},
  });
  CheckErrors({
      {{R"({_id: 1, p: "a"})"},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 2, granularity: "R5"}}])",
       40258,
       "$bucketAuto can specify a 'granularity' with numeric boundaries only, but found a value "
       "with type: string"},
      {{"{_id: 1, p: -1}"},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 2, granularity: "R5"}}])",
       40260,
       "$bucketAuto can specify a 'granularity' with non-negative numbers only, but found a "
       "negative number"},
      {{"{_id: 1}"},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 2, granularity: "R10"}}])",
       40258,
       "$bucketAuto can specify a 'granularity' with numeric boundaries only, but found a value "
       "with type: missing"},
  });
}

TEST_CASE("$bucketAuto argument errors", "[aggregate][bucketAuto]") {
  CheckErrors({
      {{},
       "[{$bucketAuto: 1}]",
       40240,
       "The argument to $bucketAuto must be an object, but found type: int"},
      {{},
       R"([{$bucketAuto: {groupBy: "p", buckets: 2}}])",
       40239,
       "The $bucketAuto 'groupBy' field must be defined as a $-prefixed path or an expression "
       "object, but found: \"p\""},
      {{},
       R"([{$bucketAuto: {groupBy: "$", buckets: 2}}])",
       40239,
       "The $bucketAuto 'groupBy' field must be defined as a $-prefixed path or an expression "
       "object, but found: \"$\""},
      {{},
       R"([{$bucketAuto: {groupBy: "$p", buckets: "2"}}])",
       40241,
       "The $bucketAuto 'buckets' field must be a numeric value, but found type: string"},
      {{},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 2.5}}])",
       40242,
       "The $bucketAuto 'buckets' field must be representable as a 32-bit integer, but found 2.5"},
      {{},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 0}}])",
       40243,
       "The $bucketAuto 'buckets' field must be greater than 0, but found: 0"},
      {{},
       R"([{$bucketAuto: {groupBy: "$p", buckets: -3}}])",
       40243,
       "The $bucketAuto 'buckets' field must be greater than 0, but found: -3"},
      {{},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 2, output: []}}])",
       40244,
       "The $bucketAuto 'output' field must be an object, but found type: array"},
      {{},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 2, x: 1}}])",
       40245,
       "Unrecognized option to $bucketAuto: x"},
      {{},
       R"([{$bucketAuto: {groupBy: "$p"}}])",
       40246,
       "$bucketAuto requires 'groupBy' and 'buckets' to be specified"},
      {{},
       R"([{$bucketAuto: {buckets: 1}}])",
       40246,
       "$bucketAuto requires 'groupBy' and 'buckets' to be specified"},
      {{},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 2, granularity: "R7"}}])",
       40257,
       "Unknown rounding granularity 'R7'"},
      {{},
       R"([{$bucketAuto: {groupBy: "$p", buckets: 2, granularity: 5}}])",
       40261,
       "The $bucketAuto 'granularity' field must be a string, but found type: int"},
  });
}

TEST_CASE("$bucketAuto memory limit", "[aggregate][bucketAuto]") {
  std::vector<std::string> many;
  for (int i = 0; i < 200; ++i) {
    many.push_back("{_id: " + std::to_string(i) + R"(, s: "0123456789012345678901234567890"})");
  }
  Options small;
  small.max_memory = 4000;
  const std::string pipeline = R"([{$bucketAuto: {groupBy: "$_id", buckets: 4}}])";
  CheckErrors({{many, pipeline, 292,
                "Sort exceeded memory limit of 4000 bytes, but did not opt in to external "
                "sorting."}},
              small);
  small.allow_disk_use = true;
  auto result = Run(many, pipeline, small);
  REQUIRE(result.ok());
  CHECK(result.value() ==
        Canonical(Doc("{r: [{_id: {min: 0, max: 50}, count: 50}, {_id: {min: 50, max: 100}, "
                      "count: 50}, {_id: {min: 100, max: 150}, count: 50}, {_id: {min: 150, "
                      "max: 199}, count: 50}]}")
                      .get()));
}
