// $densify and $fill tables, from the manual's examples and mongod's
// document_source_densify.cpp / document_source_fill.cpp errors.

#include <catch2/catch.hpp>

#include "tests/unit/query/pipeline_test_util.h"

using namespace basalt;
using namespace basalt::test;

TEST_CASE("$densify numbers and dates", "[aggregate][densify]") {
  CheckRows({
      // Explicit bounds: the upper bound is excluded; documents are kept.
      {{"{_id: 2, v: 4}", "{_id: 1, v: 1}"},
       "[{$densify: {field: \"v\", range: {step: 1, bounds: [0, 6]}}}]",
       "[{v: 0}, {_id: 1, v: 1}, {v: 2}, {v: 3}, {_id: 2, v: 4}, {v: 5}]"},
      // Values off the grid stay; the grid continues from the lower bound.
      {{"{_id: 1, v: 3}"},
       "[{$densify: {field: \"v\", range: {step: 2, bounds: [0, 5]}}}]",
       "[{v: 0}, {v: 2}, {_id: 1, v: 3}, {v: 4}]"},
      // Documents outside the bounds pass through.
      {{"{_id: 1, v: -5}", "{_id: 2, v: 9}"},
       "[{$densify: {field: \"v\", range: {step: 1, bounds: [0, 2]}}}]",
       "[{_id: 1, v: -5}, {v: 0}, {v: 1}, {_id: 2, v: 9}]"},
      // No documents: the whole explicit range.
      {{},
       "[{$densify: {field: \"v\", range: {step: 1.5, bounds: [0.0, 4.0]}}}]",
       "[{v: 0.0}, {v: 1.5}, {v: 3.0}]"},
      // "full": from the smallest to the largest value; missing and null
      // values pass through first.
      {{"{_id: 1, v: 4}", "{_id: 2}", "{_id: 3, v: 1}", "{_id: 4, v: null}"},
       "[{$densify: {field: \"v\", range: {step: 1, bounds: \"full\"}}}]",
       "[{_id: 2}, {_id: 4, v: null}, {_id: 3, v: 1}, {v: 2}, {v: 3}, {_id: 1, v: 4}]"},
      // "partition": each partition's own range.
      {{"{_id: 1, g: \"a\", v: 1}", "{_id: 2, g: \"a\", v: 3}", "{_id: 3, g: \"b\", v: 10}",
        "{_id: 4, g: \"b\", v: 12}"},
       "[{$densify: {field: \"v\", partitionByFields: [\"g\"], range: {step: 1, bounds: "
       "\"partition\"}}}]",
       "[{_id: 1, g: \"a\", v: 1}, {g: \"a\", v: 2}, {_id: 2, g: \"a\", v: 3}, "
       "{_id: 3, g: \"b\", v: 10}, {g: \"b\", v: 11}, {_id: 4, g: \"b\", v: 12}]"},
      // "full" with partitions: every partition spans the overall range.
      {{"{_id: 1, g: \"a\", v: 1}", "{_id: 2, g: \"a\", v: 3}", "{_id: 3, g: \"b\", v: 2}"},
       "[{$densify: {field: \"v\", partitionByFields: [\"g\"], range: {step: 1, bounds: "
       "\"full\"}}}]",
       "[{_id: 1, g: \"a\", v: 1}, {g: \"b\", v: 1}, {_id: 3, g: \"b\", v: 2}, {g: \"a\", v: 2}, "
       "{_id: 2, g: \"a\", v: 3}, {g: \"b\", v: 3}]"},
      // Explicit bounds per partition.
      {{"{_id: 1, g: 1, v: 1}", "{_id: 2, g: 2, v: 0}"},
       "[{$densify: {field: \"v\", partitionByFields: [\"g\"], range: {step: 1, bounds: [0, "
       "2]}}}]",
       "[{g: 1, v: 0}, {_id: 1, g: 1, v: 1}, {_id: 2, g: 2, v: 0}, {g: 2, v: 1}]"},
      // Dates step by calendar units.
      {{R"({_id: 1, d: {$date: "2021-01-31T00:00:00Z"}})",
        R"({_id: 2, d: {$date: "2021-04-30T00:00:00Z"}})"},
       R"([{$densify: {field: "d", range: {step: 1, unit: "month", bounds: "full"}}}])",
       R"([{_id: 1, d: {$date: "2021-01-31T00:00:00Z"}}, {d: {$date: "2021-02-28T00:00:00Z"}},
           {d: {$date: "2021-03-28T00:00:00Z"}}, {d: {$date: "2021-04-28T00:00:00Z"}},
           {_id: 2, d: {$date: "2021-04-30T00:00:00Z"}}])"},
      {{R"({_id: 1, d: {$date: "2021-01-01T00:00:00Z"}})"},
       R"([{$densify: {field: "d", range: {step: 12, unit: "hour", bounds: [{$date: "2021-01-01T00:00:00Z"}, {$date: "2021-01-02T12:00:00Z"}]}}}])",
       R"([{_id: 1, d: {$date: "2021-01-01T00:00:00Z"}}, {d: {$date: "2021-01-01T12:00:00Z"}},
           {d: {$date: "2021-01-02T00:00:00Z"}}])"},
      // A nested field.
      {{"{_id: 1, a: {v: 1}}", "{_id: 2, a: {v: 3}}"},
       "[{$densify: {field: \"a.v\", range: {step: 1, bounds: \"full\"}}}]",
       "[{_id: 1, a: {v: 1}}, {a: {v: 2}}, {_id: 2, a: {v: 3}}]"},
  });
}

TEST_CASE("$densify errors", "[aggregate][densify]") {
  auto densify = [](const std::string& range) {
    return "[{$densify: {field: \"v\", range: " + range + "}}]";
  };
  CheckErrors({
      {{}, "[{$densify: 1}]", 9, "The $densify stage specification must be an object, found int"},
      {{},
       "[{$densify: {range: {step: 1, bounds: \"full\"}}}]",
       40414,
       "BSON field '$densify.field' is missing but a required field"},
      {{},
       "[{$densify: {field: \"v\"}}]",
       40414,
       "BSON field '$densify.range' is missing but a required field"},
      {{},
       "[{$densify: {field: \"v\", foo: 1, range: {step: 1, bounds: \"full\"}}}]",
       40415,
       "BSON field '$densify.foo' is an unknown field."},
      {{},
       densify("{bounds: \"full\"}"),
       40414,
       "BSON field '$densify.range.step' is missing but a required field"},
      {{},
       densify("{step: 0, bounds: \"full\"}"),
       5733401,
       "The step parameter in a range statement must be a strictly positive numeric value"},
      {{},
       densify("{step: 1.5, unit: \"day\", bounds: \"full\"}"),
       6586400,
       "The step parameter in a range statement must be a whole number when densifying a date "
       "range"},
      {{},
       densify("{step: 1, bounds: [5, 1]}"),
       5733402,
       "A bounding array must be an ascending array of either two dates or two numbers"},
      {{},
       densify("{step: 1, bounds: [1]}"),
       5733403,
       "A bounding array in a range statement must have exactly two elements"},
      {{},
       densify("{step: 1, bounds: 1}"),
       5733404,
       "The bounds in a range statement must be the string 'full', 'partition', or an ascending "
       "array of two numbers or two dates"},
      {{},
       densify("{step: 1, bounds: [0, 5.5]}"),
       5876900,
       "Upper bound, lower bound, and step must all have the same type"},
      {{},
       densify("{step: 1, unit: \"day\", bounds: [0, 5]}"),
       5733409,
       "Numeric bounds may not have unit parameter"},
      {{},
       densify(
           R"({step: 1, bounds: [{$date: "2021-01-01T00:00:00Z"}, {$date: "2021-01-02T00:00:00Z"}]})"),
       5733410,
       "A bounding array of dates must specify a unit"},
      {{},
       densify("{step: 1, bounds: \"all\"}"),
       5946802,
       "Bounds string must either be 'full' or 'partition'"},
      {{},
       densify("{step: 1, bounds: \"partition\"}"),
       5733408,
       "One cannot specify the bounds as 'partition' without specifying a non-empty array of "
       "partitionByFields. You may have meant to specify 'full' bounds."},
      {{"{v: \"a\"}"},
       densify("{step: 1, bounds: \"full\"}"),
       5733201,
       "Densify field type must be numeric or a date"},
      {{"{v: 1}"},
       densify("{step: 1, unit: \"day\", bounds: \"full\"}"),
       6053600,
       "Encountered numeric densify value in collection when step has a date unit."},
      {{},
       densify("{step: 1, bounds: [0, 1000000]}"),
       5897900,
       "Generated 500001 documents in $densify, which is over the limit of 500000. Increase the "
       "'internalQueryMaxAllowedDensifyDocs' parameter to allow more generated documents"},
  });
}

TEST_CASE("$fill values, locf and linear", "[aggregate][fill]") {
  CheckRows({
      {{"{_id: 1, x: 1}", "{_id: 2, x: null}", "{_id: 3}"},
       "[{$fill: {output: {x: {value: 0}}}}]",
       "[{_id: 1, x: 1}, {_id: 2, x: 0}, {_id: 3, x: 0}]"},
      // The manual's example: last observation carried forward per partition.
      {{"{_id: 1, g: \"a\", t: 2, p: null}", "{_id: 2, g: \"a\", t: 1, p: 5}",
        "{_id: 3, g: \"b\", t: 1}", "{_id: 4, g: \"b\", t: 2, p: 7}", "{_id: 5, g: \"b\", t: 3}"},
       "[{$fill: {sortBy: {t: 1}, partitionByFields: [\"g\"], output: {p: {method: \"locf\"}}}}]",
       "[{_id: 2, g: \"a\", t: 1, p: 5}, {_id: 1, g: \"a\", t: 2, p: 5}, "
       "{_id: 3, g: \"b\", t: 1, p: null}, {_id: 4, g: \"b\", t: 2, p: 7}, "
       "{_id: 5, g: \"b\", t: 3, p: 7}]"},
      {{"{_id: 1, t: 1, x: 0}", "{_id: 2, t: 3}", "{_id: 3, t: 5, x: 8}"},
       "[{$fill: {sortBy: {t: 1}, output: {x: {method: \"linear\"}, y: {value: \"none\"}}}}]",
       "[{_id: 1, t: 1, x: 0, y: \"none\"}, {_id: 2, t: 3, x: 4.0, y: \"none\"}, "
       "{_id: 3, t: 5, x: 8, y: \"none\"}]"},
      {{"{_id: 1, g: 1, t: 1, x: 3}", "{_id: 2, g: 2, t: 2}"},
       "[{$fill: {sortBy: {t: 1}, partitionBy: \"$g\", output: {x: {method: \"locf\"}}}}]",
       "[{_id: 1, g: 1, t: 1, x: 3}, {_id: 2, g: 2, t: 2, x: null}]"},
  });
  CheckErrors({
      {{}, "[{$fill: 1}]", 9, "The $fill stage specification must be an object, found int"},
      {{}, "[{$fill: {}}]", 40414, "BSON field '$fill.output' is missing but a required field"},
      {{},
       "[{$fill: {output: {}}}]",
       6050203,
       "The output field in '$fill' must contain an object with at least one element"},
      {{},
       "[{$fill: {output: {x: 1}}}]",
       6050200,
       "Each fill output specification must be an object with exactly one field"},
      {{},
       "[{$fill: {output: {x: {method: \"locf\", value: 1}}}}]",
       6050201,
       "Each fill output specification must have exactly one of 'method' or 'value' fields, not "
       "both"},
      {{},
       "[{$fill: {output: {x: {method: \"mean\"}}}}]",
       6050202,
       "Method must be either locf or linear"},
      {{},
       "[{$fill: {partitionBy: \"$g\", partitionByFields: [\"g\"], output: {x: {value: 1}}}}]",
       6050204,
       "Maximum one of 'partitionBy' and 'partitionByFields can be specified in '$fill'"},
      {{},
       "[{$fill: {output: {x: {method: \"linear\"}}}}]",
       605001,
       "$linearFill must be specified with a top level sortBy expression with exactly one "
       "element"},
      {{},
       "[{$fill: {output: {x: {foo: 1}}}}]",
       40415,
       "BSON field '$fill.foo' is an unknown field."},
  });
}
