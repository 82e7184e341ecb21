// $out and $merge over in-memory collections (FakeWriter): what the target
// holds afterwards for each mode, the errors mongod gives (codes, messages,
// the duplicate key's context) and their parse errors and placement rules
// (document_source_out.cpp, document_source_merge.cpp, merge_processor.cpp).

#include <catch2/catch.hpp>
#include <tuple>

#include "tests/unit/query/pipeline_test_util.h"

using namespace basalt;
using namespace basalt::test;

namespace {

// The documents of `coll` after running `pipeline` over `source` with the
// collections `others`, as canonical JSON; the run's status in `status`.
std::vector<std::string> After(const std::vector<std::string>& source, const std::string& pipeline,
                               Collections others, const std::string& coll, Status* status,
                               const Options& options = {}) {
  Collections after;
  auto result = Run(source, pipeline, options, std::move(others), &after);
  *status = result.status();
  if (result.ok()) CHECK(result.value() == Canonical(Doc("{r: []}").get()));
  // Documents never rewritten are still in shell notation.
  std::vector<std::string> docs;
  for (const std::string& d : after[coll]) docs.push_back(Canonical(Doc(d).get()));
  return docs;
}

std::vector<std::string> Canonicals(const std::vector<std::string>& shell) {
  std::vector<std::string> out;
  for (const std::string& d : shell) out.push_back(Canonical(Doc(d).get()));
  return out;
}

bool HasTempCollection(const std::vector<std::string>& source, const std::string& pipeline,
                       Collections others) {
  Collections after;
  (void)Run(source, pipeline, {}, std::move(others), &after);
  for (const auto& [name, docs] : after) {
    if (name.rfind("tmp.agg_out.", 0) == 0) return true;
  }
  return false;
}

const std::vector<std::string> kSource = {"{_id: 1, a: 2}", "{_id: 2, a: 3}"};
const Collections kTarget = {{"t", {"{_id: 1, a: 1, b: 1}"}}};

struct MergeRow {
  std::string stage;
  std::vector<std::string> expected;  // t afterwards, in storage order
  int code;                           // 0: success
  std::string message;
};

}  // namespace

TEST_CASE("$out replaces the target with the results", "[aggregate][out]") {
  Status status;
  auto t = After(kSource, R"([{$match: {a: {$gt: 2}}}, {$out: "t"}])", kTarget, "t", &status);
  REQUIRE(status.ok());
  CHECK(t == Canonicals({"{_id: 2, a: 3}"}));
  t = After(kSource, R"([{$out: {db: "test", coll: "t"}}])", {}, "t", &status);
  REQUIRE(status.ok());
  CHECK(t == Canonicals(kSource));
  CHECK_FALSE(HasTempCollection(kSource, R"([{$out: "t"}])", kTarget));
  // Replacing the collection being read.
  t = After(kSource, R"([{$set: {a: {$multiply: ["$a", 10]}}}, {$out: "c"}])", {}, "c", &status);
  REQUIRE(status.ok());
  CHECK(t == Canonicals({"{_id: 1, a: 20}", "{_id: 2, a: 30}"}));
}

TEST_CASE("a failing $out leaves the target as it was", "[aggregate][out]") {
  Status status;
  const std::string duplicates = R"([{$project: {_id: {$literal: 7}}}, {$out: "t"}])";
  auto t = After(kSource, duplicates, kTarget, "t", &status);
  CHECK(status.code() == 11000);
  CHECK(t == Canonicals(kTarget.at("t")));
  CHECK_FALSE(HasTempCollection(kSource, duplicates, kTarget));
}

TEST_CASE("$merge whenMatched and whenNotMatched modes", "[aggregate][merge]") {
  const std::vector<MergeRow> rows = {
      {R"("t")", {"{_id: 1, a: 2, b: 1}", "{_id: 2, a: 3}"}, 0, ""},
      {R"({into: "t", whenMatched: "replace"})", {"{_id: 1, a: 2}", "{_id: 2, a: 3}"}, 0, ""},
      {R"({into: "t", whenMatched: "keepExisting"})",
       {"{_id: 1, a: 1, b: 1}", "{_id: 2, a: 3}"},
       0,
       ""},
      {R"({into: "t", whenMatched: "merge", whenNotMatched: "discard"})",
       {"{_id: 1, a: 2, b: 1}"},
       0,
       ""},
      {R"({into: "t", whenMatched: "replace", whenNotMatched: "discard"})",
       {"{_id: 1, a: 2}"},
       0,
       ""},
      {R"({into: "t", whenMatched: [{$set: {a: {$add: ["$a", "$$new.a"]}}}]})",
       {"{_id: 1, a: 3, b: 1}", "{_id: 2, a: 3}"},
       0,
       ""},
      {R"({into: "t", let: {x: "$a"}, whenMatched: [{$set: {y: "$$x"}}],
           whenNotMatched: "discard"})",
       {"{_id: 1, a: 1, b: 1, y: 2}"},
       0,
       ""},
      // Fails at _id 2, after _id 1 was merged (mongod does not roll back).
      {R"({into: "t", whenNotMatched: "fail"})",
       {"{_id: 1, a: 2, b: 1}"},
       13113,
       "$merge could not find a matching document in the target collection for at least one "
       "document in the source collection"},
      {R"({into: "t", whenMatched: "fail"})",
       {"{_id: 1, a: 1, b: 1}"},
       11000,
       "$merge with whenMatched: fail found an existing document with the same values for the "
       "'on' fields :: caused by :: E11000 duplicate key"},
  };
  for (const MergeRow& row : rows) {
    INFO("$merge: " << row.stage);
    Status status;
    auto t = After(kSource, "[{$merge: " + row.stage + "}]", kTarget, "t", &status);
    CHECK(status.code() == row.code);
    if (row.code != 0) {
      CHECK(status.reason() == row.message);
    }
    CHECK(t == Canonicals(row.expected));
  }
}

TEST_CASE("$merge on other unique fields", "[aggregate][merge]") {
  Options options;
  options.unique["t"] = {{"k"}, {"k", "j"}};
  const Collections target = {{"t", {R"({_id: 1, k: "x", j: 1, v: 0})"}}};
  Status status;
  // A result without _id keeps the matched document's.
  auto t = After({R"({k: "x", v: 1})"}, R"([{$project: {_id: 0, k: 1, v: 1}},
      {$merge: {into: "t", on: "k", whenMatched: "replace"}}])",
                 target, "t", &status, options);
  REQUIRE(status.ok());
  CHECK(t == Canonicals({R"({_id: 1, k: "x", v: 1})"}));
  // ...but may not change it.
  t = After({R"({_id: 5, k: "x", j: 1, v: 1})"}, R"([{$merge: {into: "t", on: ["j", "k"]}}])",
            target, "t", &status, options);
  CHECK(status.code() == 66);
  CHECK(status.reason() ==
        "$merge failed to update the matching document, did you attempt to modify the _id or the "
        "shard key? :: caused by :: Performing an update on the path '_id' would modify the "
        "immutable field '_id'");
  CHECK(t == Canonicals(target.at("t")));
  options.unique["t"].push_back({"k.x"});
  const std::string missing =
      "$merge write error: 'on' field 'k.x' cannot be missing, null, undefined or an array";
  const std::vector<std::tuple<std::string, int, std::string>> bad_on = {
      {R"({_id: 5, v: 1})", 51132, missing},
      {R"({_id: 5, k: null})", 51132, missing},
      {R"({_id: 5, k: {x: null}})", 51132, missing},
      {R"({_id: 5, k: {x: {"$undefined": true}}})", 51132, missing},
      // An array on the way to the field leaves it missing; at the field it is 51185.
      {R"({_id: 5, k: [{x: 1}]})", 51132, missing},
      {R"({_id: 5, k: {x: [1]}})", 51185, "$merge write error: 'on' field 'k.x' is an array"},
  };
  for (const auto& [doc, code, message] : bad_on) {
    INFO(doc);
    After({doc}, R"([{$merge: {into: "t", on: "k.x"}}])", target, "t", &status, options);
    CHECK(status.code() == code);
    CHECK(status.reason() == message);
  }
}

TEST_CASE("$merge and $out argument errors", "[aggregate][merge][out]") {
  CheckErrors({
      {{}, "[{$merge: 1}]", 14, "$merge requires a string or object argument, but found int"},
      {{}, "[{$merge: {}}]", 40414, "BSON field '$merge.into' is missing but a required field"},
      {{}, R"([{$merge: {into: "t", x: 1}}])", 40415, "BSON field '$merge.x' is an unknown field."},
      {{},
       "[{$merge: {into: 1}}]",
       51178,
       "$merge 'into' field  must be either a string or an object, but found int"},
      {{},
       R"([{$merge: {into: "t", on: 1}}])",
       51186,
       "$merge 'on' field  must be either a string or an array of strings, but found int"},
      {{},
       R"([{$merge: {into: "t", on: [1]}}])",
       51134,
       "$merge 'on' array elements must be strings, but found int"},
      {{},
       R"([{$merge: {into: "t", on: ["_id", "_id"]}}])",
       31465,
       "Found a duplicate field '_id'"},
      {{},
       R"([{$merge: {into: "t", on: []}}])",
       51187,
       "If explicitly specifying $merge 'on', must include at least one field"},
      {{}, R"([{$merge: {into: ""}}])", 5786800, "$merge 'into' field cannot be an empty string"},
      {{},
       R"([{$merge: {into: {db: "x"}}}])",
       5786801,
       "$merge 'into' field must specify a 'coll' that is not empty, null or undefined"},
      {{},
       R"([{$merge: {into: {coll: "y", x: 1}}}])",
       40415,
       "BSON field 'into.x' is an unknown field."},
      {{},
       R"([{$merge: {into: "t", on: "a"}}])",
       51183,
       "Cannot find index to verify that join fields will be unique"},
      {{},
       R"([{$merge: {into: "t", whenMatched: 1}}])",
       51191,
       "$merge 'whenMatched' field  must be either a string or an array, but found int"},
      {{},
       R"([{$merge: {into: "t", whenMatched: "x"}}])",
       2,
       "Enumeration value 'x' for field 'whenMatched' is not a valid value."},
      {{},
       R"([{$merge: {into: "t", whenNotMatched: "x"}}])",
       2,
       "Enumeration value 'x' for field '$merge.whenNotMatched' is not a valid value."},
      {{},
       R"([{$merge: {into: "t", whenMatched: "fail", whenNotMatched: "discard"}}])",
       51181,
       "Combination of $merge modes 'whenMatched: fail' and 'whenNotMatched: discard' is not "
       "supported"},
      {{},
       R"([{$merge: {into: "t", whenMatched: "keepExisting", whenNotMatched: "fail"}}])",
       51181,
       "Combination of $merge modes 'whenMatched: keepExisting' and 'whenNotMatched: fail' is not "
       "supported"},
      {{},
       R"([{$merge: {into: "t", let: {a: 1}}}])",
       51199,
       "Cannot use 'let' variables with 'whenMatched: merge' mode"},
      {{},
       R"([{$merge: {into: "t", whenMatched: [], let: {new: 1}}}])",
       51273,
       "'let' may not define a value for the reserved 'new' variable other than '$$ROOT'"},
      {{},
       R"([{$merge: {into: "t", whenMatched: [{$set: {a: 1}}, {$match: {}}]}}])",
       72,
       "$match is not allowed to be used within an update"},
      {{}, R"([{$merge: "system.x"}])", 31319, "Cannot $merge to special collection: system.x"},
      {{},
       R"([{$merge: {into: {db: "admin", coll: "x"}}}])",
       31320,
       "Cannot $merge to internal database: admin"},
      {{}, R"([{$merge: ""}])", 73, "Invalid $merge target namespace: 'test.'"},
      {{}, "[{$out: 1}]", 16990, "$out only supports a string or object argument, but found int"},
      {{},
       R"([{$out: {db: "x"}}])",
       40414,
       "BSON field '$out.coll' is missing but a required field"},
      {{},
       R"([{$out: {coll: "x"}}])",
       40414,
       "BSON field '$out.db' is missing but a required field"},
      {{},
       R"([{$out: {db: "x", coll: 1}}])",
       14,
       "BSON field '$out.coll' is the wrong type 'int', expected type 'string'"},
      {{},
       R"([{$out: {db: "x", coll: "y", z: 1}}])",
       40415,
       "BSON field '$out.z' is an unknown field."},
      {{}, R"([{$out: "system.x"}])", 17385, "Can't $out to special collection: system.x"},
      {{},
       R"([{$out: {db: "local", coll: "x"}}])",
       31321,
       "Can't $out to internal database: local"},
      {{}, R"([{$out: ""}])", 73, "Invalid $out target namespace, test."},
  });
}

TEST_CASE("$out and $merge come last and not in sub-pipelines", "[aggregate][merge][out]") {
  CheckErrors({
      {{},
       R"([{$out: "a"}, {$limit: 1}])",
       40601,
       "$out can only be the final stage in the pipeline"},
      {{},
       R"([{$merge: "a"}, {$match: {}}])",
       40601,
       "$merge can only be the final stage in the pipeline"},
      {{},
       R"([{$facet: {f: [{$out: "x"}]}}])",
       40600,
       "$out is not allowed to be used within a $facet stage"},
      {{},
       R"([{$facet: {f: [{$merge: "x"}]}}])",
       40600,
       "$merge is not allowed to be used within a $facet stage"},
      {{},
       R"([{$lookup: {from: "x", as: "y", pipeline: [{$merge: "z"}]}}])",
       51047,
       "$merge is not allowed within a $lookup's sub-pipeline"},
      {{},
       R"([{$unionWith: {coll: "x", pipeline: [{$out: "y"}]}}])",
       31441,
       "$out is not allowed within a $unionWith's sub-pipeline"},
      {{},
       R"([{$unionWith: {coll: "x", pipeline: [{$merge: "y"}]}}])",
       31441,
       "$merge is not allowed within a $unionWith's sub-pipeline"},
  });
}

TEST_CASE("$merge on _id gives results without _id a new ObjectId", "[aggregate][merge]") {
  Status status;
  auto t = After(kSource, R"([{$project: {_id: 0, a: 1}}, {$merge: "t"}])", kTarget, "t", &status);
  REQUIRE(status.ok());
  REQUIRE(t.size() == 3);
  for (size_t i = 1; i < t.size(); ++i) {
    Bson doc = Doc(t[i]);
    bson_iter_t it;
    REQUIRE(bson_iter_init(&it, doc.get()));
    REQUIRE(bson_iter_next(&it));
    CHECK(KeyOf(&it) == "_id");
    CHECK(BSON_ITER_HOLDS_OID(&it));
  }
}
