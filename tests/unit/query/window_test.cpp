// $setWindowFields tables: each window function over documents and range
// windows, partitions, ranks with ties, and mongod's errors for bad specs.
// Expected values follow the manual's examples and mongod's
// window_function_*.cpp; results are compared with their numeric types.

#include <catch2/catch.hpp>

#include "tests/unit/query/pipeline_test_util.h"

using namespace basalt;
using namespace basalt::test;

namespace {

// Two partitions: "a" with t = 1, 2, 3 and "b" with t = 1, 2 (given out of
// order, so that sorting is needed).
const std::vector<std::string> kTwoGroups = {
    "{_id: 5, g: \"b\", t: 2, x: 20}", "{_id: 1, g: \"a\", t: 1, x: 1}",
    "{_id: 3, g: \"a\", t: 3, x: 3}",  "{_id: 4, g: \"b\", t: 1, x: 10}",
    "{_id: 2, g: \"a\", t: 2, x: 2}",
};

// {$setWindowFields: {partitionBy: "$g", sortBy: {t: 1}, output: {o: <fn>}}}
// keeping only _id and o.
std::string ByGroup(const std::string& fn) {
  return "[{$setWindowFields: {partitionBy: \"$g\", sortBy: {t: 1}, output: {o: " + fn +
         "}}}, {$project: {o: 1}}]";
}

std::string Outputs(const std::vector<std::string>& values) {
  const int ids[] = {1, 2, 3, 4, 5};
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += "{_id: " + std::to_string(ids[i]) + ", o: " + values[i] + "}";
  }
  return out + "]";
}

}  // namespace

TEST_CASE("$setWindowFields accumulators over documents windows", "[aggregate][window]") {
  CheckRows({
      // Running total: [unbounded, current].
      {kTwoGroups, ByGroup(R"({$sum: "$x", window: {documents: ["unbounded", "current"]}})"),
       Outputs({"1", "3", "6", "10", "30"})},
      // Moving sum over the neighbours.
      {kTwoGroups, ByGroup(R"({$sum: "$x", window: {documents: [-1, 1]}})"),
       Outputs({"3", "6", "5", "30", "30"})},
      // No window: the whole partition.
      {kTwoGroups, ByGroup(R"({$sum: "$x"})"), Outputs({"6", "6", "6", "30", "30"})},
      {kTwoGroups, ByGroup(R"({$avg: "$x", window: {documents: [-1, 0]}})"),
       Outputs({"1.0", "1.5", "2.5", "10.0", "15.0"})},
      {kTwoGroups, ByGroup(R"({$min: "$x", window: {documents: [-1, 1]}})"),
       Outputs({"1", "1", "2", "10", "10"})},
      {kTwoGroups, ByGroup(R"({$max: "$x", window: {documents: [-1, 1]}})"),
       Outputs({"2", "3", "3", "20", "20"})},
      {kTwoGroups, ByGroup(R"({$count: {}})"), Outputs({"3", "3", "3", "2", "2"})},
      {kTwoGroups, ByGroup(R"({$count: {}, window: {documents: ["current", 1]}})"),
       Outputs({"2", "2", "1", "2", "1"})},
      {kTwoGroups, ByGroup(R"({$push: "$x", window: {documents: [0, 1]}})"),
       Outputs({"[1, 2]", "[2, 3]", "[3]", "[10, 20]", "[20]"})},
      // A window entirely after the current document; empty at the end.
      {kTwoGroups, ByGroup(R"({$push: "$x", window: {documents: [1, 2]}})"),
       Outputs({"[2, 3]", "[3]", "[]", "[20]", "[]"})},
      {kTwoGroups, ByGroup(R"({$sum: "$x", window: {documents: [1, 2]}})"),
       Outputs({"5", "3", "0", "20", "0"})},
      {kTwoGroups, ByGroup(R"({$first: "$x", window: {documents: [-1, 1]}})"),
       Outputs({"1", "1", "2", "10", "10"})},
      {kTwoGroups, ByGroup(R"({$last: "$x", window: {documents: [-1, 1]}})"),
       Outputs({"2", "3", "3", "20", "20"})},
      {kTwoGroups, ByGroup(R"({$last: "$x", window: {documents: [1, 1]}})"),
       Outputs({"2", "3", "null", "20", "null"})},
      {kTwoGroups, ByGroup(R"({$first: "$x"})"), Outputs({"1", "1", "1", "10", "10"})},
  });
}

TEST_CASE("$setWindowFields N-family functions", "[aggregate][window]") {
  CheckRows({
      {kTwoGroups, ByGroup(R"({$firstN: {input: "$x", n: 2}, window: {documents: [-1, 1]}})"),
       Outputs({"[1, 2]", "[1, 2]", "[2, 3]", "[10, 20]", "[10, 20]"})},
      {kTwoGroups, ByGroup(R"({$lastN: {input: "$x", n: 2}, window: {documents: [-1, 1]}})"),
       Outputs({"[1, 2]", "[2, 3]", "[2, 3]", "[10, 20]", "[10, 20]"})},
      {kTwoGroups,
       ByGroup(R"({$maxN: {input: "$x", n: 2}, window: {documents: ["unbounded", "current"]}})"),
       Outputs({"[1]", "[2, 1]", "[3, 2]", "[10]", "[20, 10]"})},
      {kTwoGroups, ByGroup(R"({$topN: {n: 1, sortBy: {x: -1}, output: "$x"}})"),
       Outputs({"[3]", "[3]", "[3]", "[20]", "[20]"})},
      {kTwoGroups, ByGroup(R"({$bottom: {sortBy: {x: 1}, output: "$_id"}})"),
       Outputs({"3", "3", "3", "5", "5"})},
  });
  CheckErrors({
      {{}, ByGroup(R"({$firstN: {input: "$x"}})"), 5787906, "Missing value for 'n'"},
      {{},
       ByGroup(R"({$minN: {input: "$x", n: 1}, foo: 1})"),
       9,
       "$minN got unexpected argument: foo"},
  });
}

TEST_CASE("$setWindowFields sets, deviations and covariance", "[aggregate][window]") {
  const std::vector<std::string> values = {"{_id: 1, t: 1, v: 3}", "{_id: 2, t: 2, v: 1}",
                                           "{_id: 3, t: 3, v: 3}"};
  const std::vector<std::string> odd = {"{_id: 1, t: 1, v: 1}", "{_id: 2, t: 2, v: 3}",
                                        "{_id: 3, t: 3, v: 5}"};
  const std::vector<std::string> pairs = {
      "{_id: 1, t: 1, x: 1, y: 2}", "{_id: 2, t: 2, x: 2, y: 4}", "{_id: 3, t: 3, x: 3, y: 6}"};
  auto sorted = [](const std::string& fn) {
    return "[{$setWindowFields: {sortBy: {t: 1}, output: {o: " + fn + "}}}, {$project: {o: 1}}]";
  };
  CheckRows({
      // A removable $addToSet returns its distinct values in ascending order.
      {values, sorted(R"({$addToSet: "$v", window: {documents: ["current", "unbounded"]}})"),
       "[{_id: 1, o: [1, 3]}, {_id: 2, o: [1, 3]}, {_id: 3, o: [3]}]"},
      // Values leave the window one by one.
      {odd, sorted(R"({$stdDevPop: "$v", window: {documents: [-1, 0]}})"),
       "[{_id: 1, o: 0.0}, {_id: 2, o: 1.0}, {_id: 3, o: 1.0}]"},
      {odd, sorted(R"({$stdDevSamp: "$v", window: {documents: [-1, 0]}})"),
       "[{_id: 1, o: null}, {_id: 2, o: 1.4142135623730951}, {_id: 3, o: 1.4142135623730951}]"},
      {odd, sorted(R"({$stdDevSamp: "$v"})"),
       "[{_id: 1, o: 2.0}, {_id: 2, o: 2.0}, {_id: 3, o: 2.0}]"},
      {pairs, sorted(R"({$covarianceSamp: ["$x", "$y"]})"),
       "[{_id: 1, o: 2.0}, {_id: 2, o: 2.0}, {_id: 3, o: 2.0}]"},
      {pairs, sorted(R"({$covarianceSamp: ["$x", "$y"], window: {documents: [-1, 0]}})"),
       "[{_id: 1, o: null}, {_id: 2, o: 1.0}, {_id: 3, o: 1.0}]"},
      // Types: integers summed in a sliding window stay integers once a
      // double has left it.
      {{"{_id: 1, t: 1, v: 1.5}", "{_id: 2, t: 2, v: 2}", "{_id: 3, t: 3, v: 3}"},
       sorted(R"({$sum: "$v", window: {documents: [-1, 0]}})"),
       "[{_id: 1, o: 1.5}, {_id: 2, o: 3.5}, {_id: 3, o: 5}]"},
      // Non-numbers are ignored by $sum and $avg; null and missing by $min.
      {{"{_id: 1, t: 1, v: \"s\"}", "{_id: 2, t: 2, v: null}", "{_id: 3, t: 3}"},
       sorted(R"({$sum: "$v", window: {documents: [-1, 1]}})"),
       "[{_id: 1, o: 0}, {_id: 2, o: 0}, {_id: 3, o: 0}]"},
      {{"{_id: 1, t: 1, v: \"s\"}", "{_id: 2, t: 2, v: null}", "{_id: 3, t: 3}"},
       sorted(R"({$avg: "$v", window: {documents: [-1, 1]}})"),
       "[{_id: 1, o: null}, {_id: 2, o: null}, {_id: 3, o: null}]"},
      {{"{_id: 1, t: 1, v: null}", "{_id: 2, t: 2, v: 4}", "{_id: 3, t: 3}"},
       sorted(R"({$min: "$v", window: {documents: [-1, 1]}})"),
       "[{_id: 1, o: 4}, {_id: 2, o: 4}, {_id: 3, o: 4}]"},
  });
}

TEST_CASE("$setWindowFields range windows", "[aggregate][window]") {
  const std::vector<std::string> times = {"{_id: 1, t: 1}", "{_id: 2, t: 2}", "{_id: 3, t: 4}",
                                          "{_id: 4, t: 7}"};
  const std::vector<std::string> days = {R"({_id: 1, d: {$date: "2020-01-01T00:00:00Z"}})",
                                         R"({_id: 2, d: {$date: "2020-01-02T00:00:00Z"}})",
                                         R"({_id: 3, d: {$date: "2020-01-05T00:00:00Z"}})"};
  CheckRows({
      // "current" in a range window includes the documents tied with it.
      {{"{_id: 1, t: 1}", "{_id: 2, t: 1}", "{_id: 3, t: 2}"},
       R"([{$setWindowFields: {sortBy: {t: 1}, output: {o: {$count: {}, window: {range: ["current", "current"]}}}}}])",
       "[{_id: 1, t: 1, o: 2}, {_id: 2, t: 1, o: 2}, {_id: 3, t: 2, o: 1}]"},
      {times,
       R"([{$setWindowFields: {sortBy: {t: 1}, output: {o: {$sum: "$t", window: {range: [-2, 0]}}}}}])",
       "[{_id: 1, t: 1, o: 1}, {_id: 2, t: 2, o: 3}, {_id: 3, t: 4, o: 6}, {_id: 4, t: 7, o: 7}]"},
      {times,
       R"([{$setWindowFields: {sortBy: {t: 1}, output: {o: {$push: "$t", window: {range: ["current", 2.5]}}}}}])",
       "[{_id: 1, t: 1, o: [1, 2]}, {_id: 2, t: 2, o: [2, 4]}, {_id: 3, t: 4, o: [4]}, "
       "{_id: 4, t: 7, o: [7]}]"},
      {times,
       R"([{$setWindowFields: {sortBy: {t: 1}, output: {o: {$count: {}, window: {range: ["unbounded", -3]}}}}}])",
       "[{_id: 1, t: 1, o: 0}, {_id: 2, t: 2, o: 0}, {_id: 3, t: 4, o: 1}, {_id: 4, t: 7, o: 3}]"},
      {days,
       R"([{$setWindowFields: {sortBy: {d: 1}, output: {o: {$count: {}, window: {range: [-1, 0], unit: "day"}}}}}, {$project: {o: 1}}])",
       "[{_id: 1, o: 1}, {_id: 2, o: 2}, {_id: 3, o: 1}]"},
  });
}

TEST_CASE("$setWindowFields ranks, $shift and partitions", "[aggregate][window]") {
  const std::vector<std::string> scores = {"{_id: 1, s: 8}", "{_id: 2, s: 10}", "{_id: 3, s: 5}",
                                           "{_id: 4, s: 8}"};
  auto ranked = [](const std::string& fn) {
    return "[{$setWindowFields: {sortBy: {s: -1}, output: {o: " + fn + "}}}, {$project: {o: 1}}]";
  };
  CheckRows({
      {scores, ranked("{$rank: {}}"),
       "[{_id: 2, o: 1}, {_id: 1, o: 2}, {_id: 4, o: 2}, {_id: 3, o: 4}]"},
      {scores, ranked("{$denseRank: {}}"),
       "[{_id: 2, o: 1}, {_id: 1, o: 2}, {_id: 4, o: 2}, {_id: 3, o: 3}]"},
      {scores, ranked("{$documentNumber: {}}"),
       "[{_id: 2, o: 1}, {_id: 1, o: 2}, {_id: 4, o: 3}, {_id: 3, o: 4}]"},
      {scores, ranked(R"({$shift: {output: "$_id", by: 1, default: "none"}})"),
       R"([{_id: 2, o: 1}, {_id: 1, o: 4}, {_id: 4, o: 3}, {_id: 3, o: "none"}])"},
      {scores, ranked(R"({$shift: {output: "$_id", by: -1}})"),
       "[{_id: 2, o: null}, {_id: 1, o: 2}, {_id: 4, o: 1}, {_id: 3, o: 4}]"},
      // Ranks restart in each partition; a missing key is the null partition.
      {{"{_id: 1, g: 1, s: 3}", "{_id: 2, s: 1}", "{_id: 3, g: 1, s: 1}",
        "{_id: 4, g: null, s: 2}"},
       R"([{$setWindowFields: {partitionBy: "$g", sortBy: {s: 1}, output: {o: {$rank: {}}}}}, {$project: {o: 1}}])",
       "[{_id: 2, o: 1}, {_id: 4, o: 2}, {_id: 3, o: 1}, {_id: 1, o: 2}]"},
      // An expression as the partition key, several outputs, a dotted one.
      {kTwoGroups,
       R"([{$setWindowFields: {partitionBy: {$concat: ["$g", "!"]}, sortBy: {t: -1}, output: {"r.n": {$documentNumber: {}}, c: {$count: {}}}}}, {$project: {r: 1, c: 1}}])",
       "[{_id: 3, r: {n: 1}, c: 3}, {_id: 2, r: {n: 2}, c: 3}, {_id: 1, r: {n: 3}, c: 3}, "
       "{_id: 5, r: {n: 1}, c: 2}, {_id: 4, r: {n: 2}, c: 2}]"},
      // A constant partition key is one partition, without a sort.
      {{"{_id: 2, x: 1}", "{_id: 1, x: 2}"},
       R"([{$setWindowFields: {partitionBy: "k", output: {o: {$sum: "$x"}}}}])",
       "[{_id: 2, x: 1, o: 3}, {_id: 1, x: 2, o: 3}]"},
      {{}, R"([{$setWindowFields: {output: {o: {$sum: "$x"}}}}])", "[]"},
  });
}

TEST_CASE("$setWindowFields $locf, $linearFill and $expMovingAvg", "[aggregate][window]") {
  CheckRows({
      {{"{_id: 1, t: 1, x: null}", "{_id: 2, t: 2, x: 1}", "{_id: 3, t: 3, x: null}",
        "{_id: 4, t: 4}", "{_id: 5, t: 5, x: 4}"},
       R"([{$setWindowFields: {sortBy: {t: 1}, output: {x: {$locf: "$x"}}}}])",
       "[{_id: 1, t: 1, x: null}, {_id: 2, t: 2, x: 1}, {_id: 3, t: 3, x: 1}, "
       "{_id: 4, t: 4, x: 1}, {_id: 5, t: 5, x: 4}]"},
      {{"{_id: 1, t: 1, x: 10}", "{_id: 2, t: 2, x: null}", "{_id: 3, t: 3}",
        "{_id: 4, t: 4, x: 40}", "{_id: 5, t: 5}"},
       R"([{$setWindowFields: {sortBy: {t: 1}, output: {x: {$linearFill: "$x"}}}}])",
       "[{_id: 1, t: 1, x: 10}, {_id: 2, t: 2, x: 20.0}, {_id: 3, t: 3, x: 30.0}, "
       "{_id: 4, t: 4, x: 40}, {_id: 5, t: 5, x: null}]"},
      {{"{_id: 1, t: 1, x: 1}", "{_id: 2, t: 2, x: 3}", "{_id: 3, t: 3, x: \"s\"}",
        "{_id: 4, t: 4, x: 5}"},
       R"([{$setWindowFields: {sortBy: {t: 1}, output: {o: {$expMovingAvg: {input: "$x", alpha: 0.5}}}}}, {$project: {o: 1}}])",
       "[{_id: 1, o: 1.0}, {_id: 2, o: 2.0}, {_id: 3, o: 2.0}, {_id: 4, o: 3.5}]"},
      {{"{_id: 1, t: 1, x: 1}", "{_id: 2, t: 2, x: 4}"},
       R"([{$setWindowFields: {sortBy: {t: 1}, output: {o: {$expMovingAvg: {input: "$x", N: 1}}}}}, {$project: {o: 1}}])",
       "[{_id: 1, o: 1.0}, {_id: 2, o: 4.0}]"},
  });
}

TEST_CASE("$setWindowFields $derivative and $integral", "[aggregate][window]") {
  const std::vector<std::string> curve = {"{_id: 1, t: 0, x: 0}", "{_id: 2, t: 1, x: 2}",
                                          "{_id: 3, t: 2, x: 6}", "{_id: 4, t: 3, x: 12}"};
  const std::vector<std::string> hours = {R"({_id: 1, t: {$date: "2020-01-01T00:00:00Z"}, x: 0})",
                                          R"({_id: 2, t: {$date: "2020-01-01T00:30:00Z"}, x: 5})",
                                          R"({_id: 3, t: {$date: "2020-01-01T02:00:00Z"}, x: 20})"};
  auto sorted = [](const std::string& fn) {
    return "[{$setWindowFields: {sortBy: {t: 1}, output: {o: " + fn + "}}}, {$project: {o: 1}}]";
  };
  CheckRows({
      {curve, sorted(R"({$derivative: {input: "$x"}, window: {documents: [-1, 0]}})"),
       "[{_id: 1, o: null}, {_id: 2, o: 2.0}, {_id: 3, o: 4.0}, {_id: 4, o: 6.0}]"},
      {curve, sorted(R"({$derivative: {input: "$x"}, window: {range: [-2, 0]}})"),
       "[{_id: 1, o: null}, {_id: 2, o: 2.0}, {_id: 3, o: 3.0}, {_id: 4, o: 5.0}]"},
      {hours,
       sorted(R"({$derivative: {input: "$x", unit: "millisecond"}, window: {documents: [-1, 0]}})"),
       "[{_id: 1, o: null}, {_id: 2, o: 2.777777777777778e-06}, {_id: 3, o: "
       "2.777777777777778e-06}]"},
      // Trapezoids: 1.0 between t = 0 and 1, 4.0 between 1 and 2, 9.0 between 2 and 3.
      {curve, sorted(R"({$integral: {input: "$x"}})"),
       "[{_id: 1, o: 14.0}, {_id: 2, o: 14.0}, {_id: 3, o: 14.0}, {_id: 4, o: 14.0}]"},
      {curve,
       sorted(R"({$integral: {input: "$x"}, window: {documents: ["unbounded", "current"]}})"),
       "[{_id: 1, o: 0}, {_id: 2, o: 1.0}, {_id: 3, o: 5.0}, {_id: 4, o: 14.0}]"},
      {curve, sorted(R"({$integral: {input: "$x"}, window: {documents: [-1, 0]}})"),
       "[{_id: 1, o: 0}, {_id: 2, o: 1.0}, {_id: 3, o: 4.0}, {_id: 4, o: 9.0}]"},
      {hours, sorted(R"({$integral: {input: "$x", unit: "hour"}})"),
       "[{_id: 1, o: 20.0}, {_id: 2, o: 20.0}, {_id: 3, o: 20.0}]"},
  });
}

TEST_CASE("$setWindowFields memory limit", "[aggregate][window]") {
  std::vector<std::string> docs;
  for (int i = 0; i < 50; ++i)
    docs.push_back("{_id: " + std::to_string(i) + ", s: \"" + std::string(100, 'x') + "\"}");
  const std::string pipeline = R"([{$setWindowFields: {output: {o: {$count: {}}}}}])";
  Options small;
  small.max_memory = 2000;
  auto result = Run(docs, pipeline, small);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == 5414201);
  CHECK(result.status().reason().rfind(
            "Exceeded memory limit in DocumentSourceSetWindowFields, used ", 0) == 0);
  CHECK(result.status().reason().find("bytes but max allowed is 2000") != std::string::npos);
  // With allowDiskUse the partition is kept and the stage finishes.
  small.allow_disk_use = true;
  auto allowed = Run(docs, pipeline, small);
  REQUIRE(allowed.ok());
  CHECK(allowed.value().find("\"o\" : { \"$numberInt\" : \"50\" }") != std::string::npos);
  // What the functions compute counts even with allowDiskUse: a running
  // $push grows quadratically.
  auto pushed = Run(
      docs,
      R"([{$setWindowFields: {sortBy: {_id: 1}, output: {o: {$push: "$s", window: {documents: ["unbounded", "current"]}}}}}])",
      small);
  REQUIRE_FALSE(pushed.ok());
  CHECK(pushed.status().code() == 5414201);
  auto sliding = Run(
      docs,
      R"([{$setWindowFields: {sortBy: {_id: 1}, output: {o: {$push: "$s", window: {documents: [-5, 5]}}}}}])",
      small);
  REQUIRE_FALSE(sliding.ok());
  CHECK(sliding.status().code() == 5414201);
  // With a sortBy, the sort reports $sort's error first, as mongod's.
  small.allow_disk_use = false;
  auto sorted = Run(
      docs, R"([{$setWindowFields: {sortBy: {_id: 1}, output: {o: {$count: {}}}}}])", small);
  REQUIRE_FALSE(sorted.ok());
  CHECK(sorted.status().code() == 292);
}
