#include "query/partial_filter.h"

#include <string>

#include "query/matcher.h"

namespace basalt::query {
namespace {

Status Check(const MatchExpression& node, int level) {
  if (level + 1 > kPartialFilterMaxDepth) {
    return Status(ErrorCodes::CannotCreateIndex, "partialFilterExpression depth may not exceed " +
                                                     std::to_string(kPartialFilterMaxDepth));
  }
  switch (node.type()) {
    case MatchType::kAnd:
    case MatchType::kOr:
      for (size_t i = 0; i < node.NumChildren(); ++i) {
        Status st = Check(*node.Child(i), level + 1);
        if (!st.ok()) return st;
      }
      return Status::OK();
    case MatchType::kIn:
    case MatchType::kEq:
    case MatchType::kLt:
    case MatchType::kLte:
    case MatchType::kGt:
    case MatchType::kGte:
    case MatchType::kExists:
    case MatchType::kType:
      return Status::OK();
    default:
      return Status(ErrorCodes::CannotCreateIndex,
                    "Expression not supported in partial index: " + node.DebugString());
  }
}

class PartialFilter final : public storage::PartialFilterMatcher {
 public:
  explicit PartialFilter(std::unique_ptr<Matcher> matcher) : matcher_(std::move(matcher)) {}
  bool Matches(const bson_t* doc) const override { return matcher_->Matches(doc); }

 private:
  const std::unique_ptr<Matcher> matcher_;
};

class Factory final : public storage::PartialFilterFactory {
 public:
  StatusWith<storage::PartialFilter> Make(const bson_t* filter_expression) const override {
    auto matcher = Matcher::Parse(filter_expression, MatcherOptions::BanAllSpecialFeatures());
    if (!matcher.ok()) return matcher.status();
    Status st = CheckPartialFilterExpression(matcher.value()->root());
    if (!st.ok()) return st;
    return storage::PartialFilter(std::make_shared<PartialFilter>(std::move(matcher.value())));
  }
};

}  // namespace

Status CheckPartialFilterExpression(const MatchExpression& root) { return Check(root, 0); }

std::shared_ptr<const storage::PartialFilterFactory> MakePartialFilterFactory() {
  return std::make_shared<Factory>();
}

}  // namespace basalt::query
