// Runs a pipeline over in-memory documents for the window, $densify and
// $fill tables: the same harness as pipeline_test.cpp's (no collection
// reads besides the input, no filter pushdown checks), results compared as
// canonical extended JSON so numeric types are checked too.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "query/pipeline.h"
#include "tests/unit/query/query_test_util.h"

namespace basalt::test {

class InputReader : public query::CollectionReader {
 public:
  explicit InputReader(std::vector<std::string> docs) : docs_(std::move(docs)) {}
  StatusWith<std::unique_ptr<query::DocumentStream>> Open(const std::string&, const bson_t*,
                                                          const bson_t*) override {
    std::vector<Bson> docs;
    for (const std::string& d : docs_) docs.push_back(Doc(d));
    return std::unique_ptr<query::DocumentStream>(
        std::make_unique<query::VectorStream>(std::move(docs)));
  }
  StatusWith<Bson> ExplainPlan(const std::string&, const bson_t*, const bson_t*) override {
    return Bson();
  }

 private:
  std::vector<std::string> docs_;
};

inline std::string Canonical(const bson_t* doc) {
  size_t len = 0;
  char* json = bson_as_canonical_extended_json(doc, &len);
  std::string out(json, len);
  bson_free(json);
  return out;
}

struct RunOptions {
  bool allow_disk_use = false;
  uint64_t max_memory = 100 * 1024 * 1024;
};

// `pipeline` in shell notation; the results as {r: [...]}.
inline StatusWith<std::string> RunPipeline(const std::vector<std::string>& input,
                                           const std::string& pipeline,
                                           const RunOptions& options = {}) {
  auto ctx = std::make_shared<query::PipelineContext>();
  ctx->db = "test";
  ctx->collection = "c";
  ctx->reader = std::make_shared<InputReader>(input);
  ctx->allow_disk_use = options.allow_disk_use;
  ctx->max_memory_bytes = options.max_memory;
  Bson wrapper = Doc("{p: " + pipeline + "}");
  bson_iter_t it;
  bson_iter_init(&it, wrapper.get());
  bson_iter_next(&it);
  Bson stages = query::DocumentOf(&it);
  auto parsed = query::Pipeline::Parse(stages.get(), ctx);
  if (!parsed.ok()) return parsed.status();
  if (Status s = parsed.value()->Optimize(); !s.ok()) return s;
  auto stream = parsed.value()->Execute(nullptr);
  if (!stream.ok()) return stream.status();
  Bson out;
  bson_t array;
  bson_append_array_begin(out.get(), "r", 1, &array);
  Bson doc;
  for (uint32_t i = 0;; ++i) {
    auto more = stream.value()->Next(&doc);
    if (!more.ok()) return more.status();
    if (!more.value()) break;
    const std::string key = std::to_string(i);
    bson_append_document(&array, key.c_str(), -1, doc.get());
  }
  bson_append_array_end(out.get(), &array);
  return Canonical(out.get());
}

struct PipelineRow {
  std::vector<std::string> input;
  std::string pipeline;
  std::string expected;  // shell-notation array of documents
};

struct PipelineErrorRow {
  std::vector<std::string> input;
  std::string pipeline;
  int code;
  std::string message;
};

inline void CheckPipelineRows(const std::vector<PipelineRow>& rows) {
  for (const PipelineRow& row : rows) {
    INFO("pipeline " << row.pipeline);
    auto result = RunPipeline(row.input, row.pipeline);
    INFO(result.status().ToString());
    REQUIRE(result.ok());
    CHECK(result.value() == Canonical(Doc("{r: " + row.expected + "}").get()));
  }
}

inline void CheckPipelineErrors(const std::vector<PipelineErrorRow>& rows) {
  for (const PipelineErrorRow& row : rows) {
    INFO("pipeline " << row.pipeline);
    auto result = RunPipeline(row.input, row.pipeline);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == row.code);
    CHECK(result.status().reason() == row.message);
  }
}

}  // namespace basalt::test
