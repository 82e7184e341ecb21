#include "query/matcher.h"

#include <cstring>

#include "base/bson.h"
#include "query/parser.h"

namespace basalt::query {
namespace {

// mongod's maxBSONDepth: the wire layer already refuses deeper commands, and
// checking here too keeps the recursive parser safe for filters that arrive
// by other routes (the catalog's partial filters).
constexpr int kMaxDepth = 200;

// True if no document or array in `doc` nests deeper than kMaxDepth (the
// filter itself is depth 1). Stops descending at the limit, so its own
// recursion is bounded.
bool DepthWithinLimit(const bson_t* doc, int depth) {
  if (depth > kMaxDepth) return false;
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return true;
  while (bson_iter_next(&it)) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
      bson_iter_document(&it, &len, &data);
    } else if (BSON_ITER_HOLDS_ARRAY(&it)) {
      bson_iter_array(&it, &len, &data);
    } else {
      continue;
    }
    const BsonView sub(data, len);
    if (!DepthWithinLimit(sub.get(), depth + 1)) return false;
  }
  return true;
}

}  // namespace

StatusWith<std::unique_ptr<Matcher>> Matcher::Parse(const bson_t* filter,
                                                    const MatcherOptions& options) {
  std::unique_ptr<Matcher> matcher(new Matcher());
  const uint32_t len = filter->len;
  matcher->bytes_ = std::make_unique<uint8_t[]>(len);
  std::memcpy(matcher->bytes_.get(), bson_get_data(filter), len);
  if (!bson_init_static(&matcher->filter_, matcher->bytes_.get(), len)) {
    return Status(ErrorCodes::InvalidBSON, "invalid filter document");
  }
  if (!DepthWithinLimit(&matcher->filter_, 1)) {
    return Status(ErrorCodes::Overflow,
                  "BSONObj exceeded maximum nested object depth: " + std::to_string(kMaxDepth));
  }
  Parser parser(options);
  auto root = parser.Parse(&matcher->filter_, DocLevel::kPredicateTop);
  if (!root.ok()) return root.status();
  matcher->root_ = std::move(root.value());
  return matcher;
}

}  // namespace basalt::query
