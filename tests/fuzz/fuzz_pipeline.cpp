// Aggregation pipelines: {p: [stages...]} parsed, optimized and run over the
// sample documents (reads of other collections see the same documents;
// $out/$merge have no writer here and are refused).
#include <cstddef>
#include <cstdint>

#include "query/pipeline.h"
#include "tests/fuzz/fuzz_util.h"

using namespace basalt;

namespace {

class SampleReader : public query::CollectionReader {
 public:
  StatusWith<std::unique_ptr<query::DocumentStream>> Open(const std::string&, const bson_t*,
                                                          const bson_t*) override {
    std::vector<Bson> docs;
    for (const Bson& d : fuzz::SampleDocuments()) docs.push_back(Bson::Copy(d.get()));
    return std::unique_ptr<query::DocumentStream>(
        std::make_unique<query::VectorStream>(std::move(docs)));
  }
  StatusWith<Bson> ExplainPlan(const std::string&, const bson_t*, const bson_t*) override {
    return Bson();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = fuzz::DocumentOf(data, size);
  if (!doc) return 0;
  bson_iter_t p;
  if (!bson_iter_init_find(&p, doc->get(), "p") || !BSON_ITER_HOLDS_ARRAY(&p)) return 0;
  Bson stages = query::DocumentOf(&p);
  auto ctx = std::make_shared<query::PipelineContext>();
  ctx->db = "fuzz";
  ctx->collection = "c";
  ctx->reader = std::make_shared<SampleReader>();
  // Small limits keep $densify, $bucketAuto and friends from running long.
  ctx->max_memory_bytes = 1 << 20;
  auto pipeline = query::Pipeline::Parse(stages.get(), ctx);
  if (!pipeline.ok() || !pipeline.value()->Optimize().ok()) return 0;
  auto stream = pipeline.value()->Execute(nullptr);
  if (!stream.ok()) return 0;
  Bson out;
  for (int i = 0; i < 10000; ++i) {
    auto more = stream.value()->Next(&out);
    if (!more.ok() || !more.value()) break;
  }
  return 0;
}
