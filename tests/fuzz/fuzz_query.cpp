// Query parsers: a filter ({filter, projection, sort} in one document, or
// the document itself as a filter) parsed and run against sample documents.
#include <cstddef>
#include <cstdint>

#include "query/matcher.h"
#include "query/projection.h"
#include "query/sort.h"
#include "tests/fuzz/fuzz_util.h"

using namespace basalt;

namespace {

// The sub-document `name` of `doc`, or an empty one.
Bson Field(const bson_t* doc, const char* name) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, name) || !BSON_ITER_HOLDS_DOCUMENT(&it)) return Bson();
  uint32_t len = 0;
  const uint8_t* bytes = nullptr;
  bson_iter_document(&it, &len, &bytes);
  return Bson::CopyBytes(bytes, len);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = fuzz::DocumentOf(data, size);
  if (!doc) return 0;
  Bson filter = Field(doc->get(), "filter");
  auto matcher = query::Matcher::Parse(bson_empty(filter.get()) ? doc->get() : filter.get());
  Bson projection_spec = Field(doc->get(), "projection");
  auto projection = query::Projection::Parse(projection_spec.get());
  Bson sort_spec = Field(doc->get(), "sort");
  auto sort = query::SortPattern::Parse(sort_spec.get());
  for (const Bson& sample : fuzz::SampleDocuments()) {
    query::MatchDetails details;
    details.RequestElemMatchKey();
    if (matcher.ok()) matcher.value()->Matches(sample.get(), &details);
    if (projection.ok()) {
      Bson out;
      projection.value().Apply(sample.get(), &details, &out);
    }
    if (sort.ok()) sort.value().Compare(sample.get(), fuzz::SampleDocuments()[0].get());
  }
  return 0;
}
