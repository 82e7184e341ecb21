// killOp reaches the query layer through base/interrupt.h: a killed
// operation's pipeline stops with 11601 where maxTimeMS would stop it; and
// $currentOp reads the rows the command layer supplies.
#include "base/interrupt.h"

#include <catch2/catch.hpp>

#include "query/pipeline.h"
#include "tests/unit/query/query_test_util.h"

using namespace basalt;
using namespace basalt::query;
using basalt::test::Doc;

namespace {

// A collection of `count` documents {i: n}.
class CountingReader : public CollectionReader {
 public:
  explicit CountingReader(int count) : count_(count) {}
  StatusWith<std::unique_ptr<DocumentStream>> Open(const std::string&, const bson_t*,
                                                   const bson_t*) override {
    std::vector<Bson> docs;
    for (int i = 0; i < count_; ++i) docs.push_back(Doc("{i: " + std::to_string(i) + "}"));
    return std::unique_ptr<DocumentStream>(std::make_unique<VectorStream>(std::move(docs)));
  }
  StatusWith<Bson> ExplainPlan(const std::string&, const bson_t*, const bson_t*) override {
    return Bson();
  }

 private:
  int count_;
};

// Runs `pipeline` to the end; the number of results, or the error.
StatusWith<int> Drain(const std::string& pipeline, std::shared_ptr<PipelineContext> ctx) {
  Bson wrapper = Doc("{p: " + pipeline + "}");
  bson_iter_t it;
  bson_iter_init(&it, wrapper.get());
  bson_iter_next(&it);
  Bson stages = DocumentOf(&it);
  auto parsed = Pipeline::Parse(stages.get(), ctx);
  if (!parsed.ok()) return parsed.status();
  auto stream = parsed.value()->Execute(nullptr);
  if (!stream.ok()) return stream.status();
  int n = 0;
  Bson doc;
  for (;;) {
    auto more = stream.value()->Next(&doc);
    if (!more.ok()) return more.status();
    if (!more.value()) return n;
    ++n;
  }
}

std::shared_ptr<PipelineContext> CollectionContext(int docs) {
  auto ctx = std::make_shared<PipelineContext>();
  ctx->db = "test";
  ctx->collection = "c";
  ctx->reader = std::make_shared<CountingReader>(docs);
  return ctx;
}

}  // namespace

TEST_CASE("a killed operation's collection read stops with Interrupted") {
  std::atomic<bool> killed{false};
  InterruptScope scope(&killed);
  for (const char* pipeline :
       {"[]", "[{$sort: {i: -1}}]", "[{$group: {_id: null, n: {$sum: 1}}}]"}) {
    INFO(pipeline);
    killed.store(false);
    CHECK(Drain(pipeline, CollectionContext(100)).ok());
    killed.store(true);
    auto interrupted = Drain(pipeline, CollectionContext(100));
    REQUIRE_FALSE(interrupted.ok());
    CHECK(interrupted.status().code() == ErrorCodes::Interrupted);
    CHECK(interrupted.status().reason() == "operation was interrupted");
  }
}

TEST_CASE("$currentOp lists what the command layer supplies, and nothing without it") {
  auto ctx = std::make_shared<PipelineContext>();
  ctx->db = "admin";
  auto none = Drain("[{$currentOp: {}}]", ctx);
  REQUIRE(none.ok());
  CHECK(none.value() == 0);
  ctx = std::make_shared<PipelineContext>();
  ctx->db = "admin";
  ctx->current_operations = [] {
    std::vector<Bson> rows;
    rows.push_back(Doc("{opid: 1, active: true}"));
    rows.push_back(Doc("{opid: 2, active: true}"));
    return rows;
  };
  auto two = Drain("[{$currentOp: {}}, {$match: {opid: 2}}]", ctx);
  REQUIRE(two.ok());
  CHECK(two.value() == 1);
}
