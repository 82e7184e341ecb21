// The matcher's expression tree, node for node the tree mongod's
// MatchExpressionParser builds (src/mongo/db/matcher/expression*.h), so that
// results, the positional elemMatchKey and debug strings (which mongod puts in
// some error messages) come out the same.
//
// Contract: a tree is built by the parser (query/matcher.h) and never changes
// afterwards. Leaf operands are bson_iter_t positions into the filter copy the
// owning Matcher keeps, so a node must not outlive its Matcher.
//
// Thread-safety: every method is const and touches no shared mutable state;
// one tree may match documents on any number of threads at once.
#pragma once

#include <bson/bson.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace basalt::query {

// What a match found, for the positional `$` operator of projection and
// update: mongod's MatchDetails. Request the key before matching; after a
// successful match it holds the index ("0", "1"...) of the array element that
// satisfied the predicate (the outermost array traversed implicitly), if any.
// Not thread-safe: one MatchDetails per Matches call.
class MatchDetails {
 public:
  void RequestElemMatchKey() { requested_ = true; }
  bool needs_record() const { return requested_; }
  bool has_elem_match_key() const { return key_.has_value(); }
  const std::string& elem_match_key() const { return *key_; }

  // Used by the expressions while matching.
  void SetElemMatchKey(std::string_view key) {
    if (requested_) key_ = std::string(key);
  }
  void ResetOutput() { key_.reset(); }

 private:
  bool requested_ = false;
  std::optional<std::string> key_;
};

enum class MatchType {
  kAnd,
  kOr,
  kNor,
  kNot,
  kAlwaysTrue,
  kAlwaysFalse,
  kEq,
  kLt,
  kLte,
  kGt,
  kGte,
  kRegex,
  kMod,
  kExists,
  kIn,
  kType,
  kSize,
  kElemMatchObject,
  kElemMatchValue,
  kBitsAllSet,
  kBitsAllClear,
  kBitsAnySet,
  kBitsAnyClear,
  kSampleRate,
  kExtension,  // supplied through MatcherExtensions ($expr, $jsonSchema)
};

class MatchExpression {
 public:
  explicit MatchExpression(MatchType type) : type_(type) {}
  virtual ~MatchExpression() = default;
  MatchExpression(const MatchExpression&) = delete;
  MatchExpression& operator=(const MatchExpression&) = delete;

  MatchType type() const { return type_; }

  // True if the document `doc` satisfies this expression. `details` may be null.
  virtual bool Matches(const bson_t* doc, MatchDetails* details) const = 0;

  // mongod's matchesSingleElement: whether one value (null = missing)
  // satisfies the predicate without any path lookup. $elemMatch's value form
  // applies its operators to each array element this way.
  virtual bool MatchesSingleElement(const bson_iter_t* value, MatchDetails* details) const = 0;

  virtual size_t NumChildren() const { return 0; }
  virtual const MatchExpression* Child(size_t /*i*/) const { return nullptr; }

  // The dotted path a leaf or array expression applies to; empty otherwise
  // (and for the operators under $elemMatch's value form).
  virtual const std::string& path() const;

  // mongod's MatchExpression::debugString, e.g. "$not\n    a $eq 1\n".
  std::string DebugString() const;
  virtual void AppendDebugString(std::string* out, int indent) const = 0;

 protected:
  // mongod's _debugAddSpace: four spaces per level.
  static void AddIndent(std::string* out, int indent) { out->append(4 * indent, ' '); }

 private:
  const MatchType type_;
};

using ExprPtr = std::unique_ptr<MatchExpression>;

// $and / $or / $nor, and the implicit $and of a filter's fields.
class ListExpression : public MatchExpression {
 public:
  explicit ListExpression(MatchType type) : MatchExpression(type) {}
  void Add(ExprPtr child) { children_.push_back(std::move(child)); }
  std::vector<ExprPtr> TakeChildren() { return std::move(children_); }

  bool Matches(const bson_t* doc, MatchDetails* details) const override;
  bool MatchesSingleElement(const bson_iter_t* value, MatchDetails* details) const override;
  size_t NumChildren() const override { return children_.size(); }
  const MatchExpression* Child(size_t i) const override { return children_[i].get(); }
  void AppendDebugString(std::string* out, int indent) const override;

 private:
  std::vector<ExprPtr> children_;
};

class NotExpression : public MatchExpression {
 public:
  explicit NotExpression(ExprPtr child)
      : MatchExpression(MatchType::kNot), child_(std::move(child)) {}
  bool Matches(const bson_t* doc, MatchDetails* details) const override;
  bool MatchesSingleElement(const bson_iter_t* value, MatchDetails* details) const override;
  size_t NumChildren() const override { return 1; }
  const MatchExpression* Child(size_t) const override { return child_.get(); }
  void AppendDebugString(std::string* out, int indent) const override;

 private:
  const ExprPtr child_;
};

// $alwaysTrue / $alwaysFalse (and $all: [], which mongod turns into false).
class AlwaysExpression : public MatchExpression {
 public:
  explicit AlwaysExpression(bool value)
      : MatchExpression(value ? MatchType::kAlwaysTrue : MatchType::kAlwaysFalse), value_(value) {}
  bool Matches(const bson_t*, MatchDetails*) const override { return value_; }
  bool MatchesSingleElement(const bson_iter_t*, MatchDetails*) const override { return value_; }
  void AppendDebugString(std::string* out, int indent) const override;

 private:
  const bool value_;
};

// $sampleRate: each document matches with probability `rate` (0 < rate < 1;
// the parser turns 0 and 1 into $alwaysFalse / $alwaysTrue as mongod does).
class SampleRateExpression : public MatchExpression {
 public:
  explicit SampleRateExpression(double rate)
      : MatchExpression(MatchType::kSampleRate), rate_(rate) {}
  bool Matches(const bson_t*, MatchDetails*) const override { return Draw(); }
  bool MatchesSingleElement(const bson_iter_t*, MatchDetails*) const override { return Draw(); }
  void AppendDebugString(std::string* out, int indent) const override;

 private:
  bool Draw() const;
  const double rate_;
};

}  // namespace basalt::query
