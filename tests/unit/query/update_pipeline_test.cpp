// Pipeline-style updates (u: [stages]): the documents they produce, mongod's
// no-op rule (an unchanged document is matched, not modified), the stages
// allowed, `_id` immutability, the command's variables and `c` constants,
// and upserts seeded from the query (mongod's PipelineExecutor and
// jstests/core/write/update/update_pipeline_shell_helpers.js behaviour).
#include <catch2/catch.hpp>

#include "query/command_variables.h"
#include "tests/unit/query/update_test_util.h"

using namespace basalt::update_test;
using basalt::Bson;
using basalt::query::CommandVariables;
using basalt::query::UpdateDriver;
using basalt::query::UpdateOptions;

namespace {

// Shell notation with single-quoted strings, which read better in C++ literals.
Bson D(std::string shell) {
  for (char& c : shell) {
    if (c == '\'') c = '"';
  }
  return Doc(shell);
}

// The fixed $$NOW of these tests and a let variable.
std::shared_ptr<const CommandVariables> TestVariables() {
  Bson let = D("{limit: 10, tag: 'T'}");
  auto vars = CommandVariables::Make(let.get(), kNowMillis);
  REQUIRE(vars.ok());
  return vars.value();
}

// Parses `pipeline` (an array in shell notation) as the `u` of a statement.
basalt::StatusWith<std::unique_ptr<UpdateDriver>> ParsePipeline(const std::string& pipeline,
                                                                const std::string& constants = "") {
  Bson holder = D("{u: " + pipeline + "}");
  bson_iter_t u;
  REQUIRE(bson_iter_init_find(&u, holder.get(), "u"));
  UpdateOptions options;
  options.variables = TestVariables();
  Bson c;
  if (!constants.empty()) {
    c = D(constants);
    options.constants = c.get();
  }
  return UpdateDriver::ParseElement(&u, options);
}

Applied RunPipeline(const std::string& doc, const std::string& pipeline,
                    const std::string& constants = "") {
  Applied out;
  auto driver = ParsePipeline(pipeline, constants);
  if (!driver.ok()) {
    out.status = driver.status();
    return out;
  }
  Bson input = D(doc);
  auto result = driver.value()->Apply(input.get(), nullptr, TestContext());
  if (!result.ok()) {
    out.status = result.status();
    return out;
  }
  out.doc = std::move(result.value().doc);
  out.modified = result.value().modified;
  return out;
}

struct PipelineCase {
  std::string doc;
  std::string pipeline;
  std::string expected;
  bool modified = true;
  std::string constants = "";
};

}  // namespace

TEST_CASE("pipeline updates produce mongod's documents", "[update][pipeline]") {
  const std::vector<PipelineCase> cases = {
      {"{_id: 1, a: 2, b: 3}", "[{$set: {total: {$add: ['$a', '$b']}}}]",
       "{_id: 1, a: 2, b: 3, total: 5}"},
      {"{_id: 1, a: 2, b: 3}", "[{$addFields: {a: '$b'}}, {$unset: 'b'}]", "{_id: 1, a: 3}"},
      {"{_id: 1, a: 2, b: 3}", "[{$unset: ['a', 'b']}]", "{_id: 1}"},
      {"{_id: 1, a: 2, b: 3}", "[{$project: {b: 1}}]", "{_id: 1, b: 3}"},
      // Without _id in the output, the document keeps its own, first.
      {"{_id: 1, a: 2, b: 3}", "[{$project: {_id: 0, a: 1}}]", "{_id: 1, a: 2}"},
      {"{_id: 1, a: {x: 1, y: 2}}", "[{$replaceRoot: {newRoot: '$a'}}]", "{_id: 1, x: 1, y: 2}"},
      {"{_id: 1, a: 2}", "[{$replaceWith: {v: {$multiply: ['$a', 10]}}}]", "{_id: 1, v: 20}"},
      {"{_id: 1, a: 2}", "[{$replaceWith: {_id: 1, z: true}}]", "{_id: 1, z: true}"},
      // The stages run in order, each on the last one's output.
      {"{_id: 1, n: 1}", "[{$set: {n: {$add: ['$n', 1]}}}, {$set: {n: {$multiply: ['$n', 3]}}}]",
       "{_id: 1, n: 6}"},
      // The command's variables: $$NOW and let.
      {"{_id: 1}", "[{$set: {at: '$$NOW', t: '$$tag'}}]",
       "{_id: 1, at: {$date: {$numberLong: '1700000000000'}}, t: 'T'}"},
      {"{_id: 1, n: 12}", "[{$set: {over: {$gt: ['$n', '$$limit']}}}]",
       "{_id: 1, n: 12, over: true}"},
      // `c`: constants for this statement only.
      {"{_id: 1}", "[{$set: {k: '$$k'}}]", "{_id: 1, k: 7}", true, "{k: 7}"},
      {"{_id: 1, a: 1}", "[{$set: {a: '$$tag'}}]", "{_id: 1, a: 'shadow'}", true,
       "{tag: 'shadow'}"},
      // No change at all: matched, not modified.
      {"{_id: 1, a: 1, b: 2}", "[{$set: {a: '$a'}}]", "{_id: 1, a: 1, b: 2}", false},
      {"{_id: 1, a: 1}", "[{$addFields: {a: 1}}]", "{_id: 1, a: 1}", false},
      {"{_id: 1, a: 1}", "[]", "{_id: 1, a: 1}", false},
      {"{_id: 1, a: 1}", "[{$project: {_id: 1, a: 1}}]", "{_id: 1, a: 1}", false},
      // A different numeric type is a change, as mongod compares bytes.
      {"{_id: 1, a: 1}", "[{$set: {a: 1.0}}]", "{_id: 1, a: 1.0}", true},
  };
  for (const auto& c : cases) {
    INFO("document " << c.doc << "\npipeline " << c.pipeline);
    Applied applied = RunPipeline(c.doc, c.pipeline, c.constants);
    INFO(applied.status.ToString());
    REQUIRE(applied.status.ok());
    CHECK(Canonical(applied.doc.get()) == Canonical(D(c.expected).get()));
    CHECK(applied.modified == c.modified);
  }
}

TEST_CASE("pipeline update errors are mongod's", "[update][pipeline]") {
  struct PipelineError {
    std::string doc;
    std::string pipeline;
    int code;
    std::string message;
    std::string constants = "";
  };
  const std::vector<PipelineError> cases = {
      {"{_id: 1}", "[{$match: {a: 1}}]", 72, "$match is not allowed to be used within an update"},
      {"{_id: 1}", "[{$set: {a: 1}}, {$limit: 1}]", 72,
       "$limit is not allowed to be used within an update"},
      {"{_id: 1}", "[{$group: {_id: null}}]", 72,
       "$group is not allowed to be used within an update"},
      {"{_id: 1}", "[{$facet: {a: [{$match: {x: 1}}]}}]", 72,
       "$facet is not allowed to be used within an update"},
      {"{_id: 1}", "[{$lookup: {from: 'f', as: 'as', localField: 'a', foreignField: 'b'}}]", 72,
       "$lookup is not allowed to be used within an update"},
      {"{_id: 1}", "[{$set: {a: 1}}, {$bucket: {groupBy: '$a', boundaries: [0, 1]}}]", 72,
       "$bucket is not allowed to be used within an update"},
      {"{_id: 1}",
       "[{$graphLookup: {from: 'f', startWith: '$a', connectFromField: 'a', connectToField: 'b', "
       "as: 'as'}}]",
       72, "$graphLookup is not allowed to be used within an update"},
      {"{_id: 1}", "[{$documents: [{a: 1}]}]", 72,
       "$documents is not allowed to be used within an update"},
      // Parse errors of the stages come first, as mongod parses the whole pipeline.
      {"{_id: 1}", "[{$bogus: 1}]", 40324, "Unrecognized pipeline stage name: '$bogus'"},
      {"{_id: 1}", "[{$match: {}}, {$bogus: 1}]", 40324,
       "Unrecognized pipeline stage name: '$bogus'"},
      {"{_id: 1}", "[1]", 14, "Each element of the 'pipeline' array must be an object"},
      // Update operators are not stages.
      {"{_id: 1}", "[{$setOnInsert: {a: 1}}]", 40324,
       "Unrecognized pipeline stage name: '$setOnInsert'"},
      {"{_id: 1}", "[{$set: {a: '$$nope'}}]", 17276,
       "Invalid $set :: caused by :: Use of undefined variable: nope"},
      {"{_id: 1}", "[{$set: {a: 1}}]", 16866, "empty variable names are not allowed", "{'': 1}"},
      // _id may not change.
      {"{_id: 1, a: 2}", "[{$set: {_id: 2}}]", 66,
       "After applying the update, the (immutable) field '_id' was found to have been altered "
       "to _id: 2"},
      {"{_id: 1, a: 2}", "[{$replaceWith: {_id: '$a'}}]", 66,
       "After applying the update, the (immutable) field '_id' was found to have been altered "
       "to _id: 2"},
      // Errors evaluating the expressions on the document.
      {"{_id: 1, a: 'x'}", "[{$set: {b: {$add: ['$a', 1]}}}]", 14,
       "$add only supports numeric or date types, not string"},
  };
  for (const auto& c : cases) {
    INFO("document " << c.doc << "\npipeline " << c.pipeline);
    Applied applied = RunPipeline(c.doc, c.pipeline, c.constants);
    INFO("result " << (applied.status.ok() ? Canonical(applied.doc.get()) : ""));
    REQUIRE_FALSE(applied.status.ok());
    CHECK(applied.status.code() == c.code);
    CHECK(applied.status.reason() == c.message);
  }
}

TEST_CASE("constants are only for pipeline updates", "[update][pipeline]") {
  Bson update = Doc("{$set: {a: 1}}");
  Bson constants = Doc("{k: 1}");
  UpdateOptions options;
  options.constants = constants.get();
  auto driver = UpdateDriver::Parse(update.get(), options);
  REQUIRE_FALSE(driver.ok());
  CHECK(driver.status().code() == 51198);
  CHECK(driver.status().reason() == "Constant values may only be specified for pipeline updates");
}

TEST_CASE("a pipeline upsert starts from the query's equalities", "[update][pipeline]") {
  struct UpsertCase {
    std::string query;
    std::string pipeline;
    std::string expected;  // without _id: a new ObjectId comes first
  };
  const std::vector<UpsertCase> cases = {
      {"{_id: 3, a: 1}", "[{$set: {b: {$add: ['$a', 1]}}}]", "{_id: 3, a: 1, b: 2}"},
      {"{a: 1, 'x.y': 2}", "[{$set: {c: '$x.y'}}]", "{a: 1, x: {y: 2}, c: 2}"},
      {"{a: {$gt: 1}, b: 5}", "[{$set: {seen: '$$tag'}}]", "{b: 5, seen: 'T'}"},
      {"{_id: 3, $expr: {$eq: ['$a', 1]}}", "[{$set: {z: 1}}]", "{_id: 3, z: 1}"},
      {"{_id: 3}", "[{$replaceWith: {only: 1}}]", "{_id: 3, only: 1}"},
  };
  for (const auto& c : cases) {
    INFO("query " << c.query << "\npipeline " << c.pipeline);
    auto driver = ParsePipeline(c.pipeline);
    REQUIRE(driver.ok());
    Bson query = D(c.query);
    auto doc = basalt::query::MakeUpsertDocument(query.get(), *driver.value(), TestContext());
    INFO(doc.status().ToString());
    REQUIRE(doc.ok());
    Bson expected = D(c.expected);
    if (bson_has_field(expected.get(), "_id")) {
      CHECK(Canonical(doc.value().get()) == Canonical(expected.get()));
      continue;
    }
    bson_iter_t it;
    REQUIRE(bson_iter_init(&it, doc.value().get()));
    REQUIRE(bson_iter_next(&it));
    CHECK(std::string(bson_iter_key(&it)) == "_id");
    CHECK(BSON_ITER_HOLDS_OID(&it));
    Bson rest;
    while (bson_iter_next(&it)) bson_append_iter(rest.get(), nullptr, 0, &it);
    CHECK(Canonical(rest.get()) == Canonical(expected.get()));
  }
  // The pipeline may not change an _id the query set.
  auto driver = ParsePipeline("[{$set: {_id: 4}}]");
  REQUIRE(driver.ok());
  Bson query = Doc("{_id: 3}");
  auto doc = basalt::query::MakeUpsertDocument(query.get(), *driver.value(), TestContext());
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.status().code() == 66);
}
