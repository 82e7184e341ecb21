// Update parser: {u: <update>, q: <query>, arrayFilters: [...]} (or the
// document itself as the update), applied to sample documents and used to
// build an upsert document.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "query/update.h"
#include "tests/fuzz/fuzz_util.h"

using namespace basalt;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto doc = fuzz::DocumentOf(data, size);
  if (!doc) return 0;
  // arrayFilters: the documents of the `arrayFilters` array, if any.
  query::UpdateOptions options;
  std::vector<Bson> filters;
  bson_iter_t af;
  if (bson_iter_init_find(&af, doc->get(), "arrayFilters") && BSON_ITER_HOLDS_ARRAY(&af)) {
    bson_iter_t element;
    bson_iter_recurse(&af, &element);
    while (bson_iter_next(&element)) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&element)) continue;
      uint32_t len = 0;
      const uint8_t* bytes = nullptr;
      bson_iter_document(&element, &len, &bytes);
      filters.push_back(Bson::CopyBytes(bytes, len));
    }
  }
  for (const Bson& f : filters) options.array_filters.push_back(f.get());
  bson_iter_t u;
  auto driver = bson_iter_init_find(&u, doc->get(), "u")
                    ? query::UpdateDriver::ParseElement(&u, options)
                    : query::UpdateDriver::Parse(doc->get(), options);
  if (!driver.ok()) return 0;
  query::ApplyContext ctx;
  ctx.now_millis = 1;
  for (const Bson& sample : fuzz::SampleDocuments()) driver.value()->Apply(sample.get(), nullptr, ctx);
  bson_iter_t q;
  if (bson_iter_init_find(&q, doc->get(), "q") && BSON_ITER_HOLDS_DOCUMENT(&q)) {
    uint32_t len = 0;
    const uint8_t* bytes = nullptr;
    bson_iter_document(&q, &len, &bytes);
    Bson query = Bson::CopyBytes(bytes, len);
    query::MakeUpsertDocument(query.get(), *driver.value(), ctx);
  }
  return 0;
}
