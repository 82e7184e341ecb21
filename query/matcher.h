// The query matcher: a MongoDB filter document ({a: {$gt: 1}, $or: [...]})
// parsed once into an expression tree, then tested against documents with
// mongod's exact semantics (type bracketing, numeric equivalence across
// int/long/double/decimal, null matching missing, implicit array traversal,
// dotted and positional paths). docs/matcher.md lists what is supported.
//
// Contract:
// - Parse either returns a Matcher or the Status mongod gives for the same
//   filter (code and message), e.g. BadValue "unknown operator: $foo".
// - Matches never fails: a document either matches or does not.
// - The Matcher keeps its own copy of the filter; the caller's bson_t may go.
//
// Thread-safety: a Matcher is immutable after Parse; Matches may be called
// from any number of threads at once.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <memory>
#include <string>

#include "base/status.h"
#include "query/match_expression.h"

namespace basalt::query {

// Parsers for operators whose language lives in another part of the query
// layer ($expr: aggregation expressions; $jsonSchema). Installed through
// MatcherOptions; without them those operators are refused with
// NotImplemented. `value` points into the filter the Matcher keeps.
class MatcherExtensions {
 public:
  virtual ~MatcherExtensions() = default;
  virtual StatusWith<ExprPtr> ParseExpr(const bson_iter_t* value) const = 0;
  virtual StatusWith<ExprPtr> ParseJsonSchema(const bson_iter_t* value) const = 0;
};

// Which special operators a context allows, as mongod's AllowedFeatureSet:
// find allows them all; partial index filters (and mongod's
// kBanAllSpecialFeatures contexts) none.
struct MatcherOptions {
  bool allow_where = true;        // $where (refused anyway: no JavaScript engine)
  bool allow_expr = true;         // $expr
  bool allow_json_schema = true;  // $jsonSchema
  bool allow_text = true;         // $text
  bool allow_geo_near = true;     // $near, $nearSphere, $geoNear
  // mongod 7.0: {a: null} and {a: {$in: [null]}} also match undefined.
  // mongod 8.0 (Basalt's compatibility version) turned this off.
  bool null_matches_undefined = false;
  // Not owned; used during Parse only.
  const MatcherExtensions* extensions = nullptr;

  static MatcherOptions BanAllSpecialFeatures() {
    MatcherOptions options;
    options.allow_where = options.allow_expr = options.allow_json_schema = false;
    options.allow_text = options.allow_geo_near = false;
    return options;
  }
};

class Matcher {
 public:
  static StatusWith<std::unique_ptr<Matcher>> Parse(const bson_t* filter,
                                                    const MatcherOptions& options = {});
  // filter_ is a static bson_t over bytes_ and the tree points into them.
  Matcher(const Matcher&) = delete;
  Matcher& operator=(const Matcher&) = delete;

  // True if `doc` satisfies the filter. `details` (optional) receives the
  // elemMatchKey for the positional operator when requested.
  bool Matches(const bson_t* doc, MatchDetails* details = nullptr) const {
    return root_->Matches(doc, details);
  }

  // The parsed tree (for index planning and explain).
  const MatchExpression& root() const { return *root_; }
  // The filter as given.
  const bson_t* filter() const { return &filter_; }
  // mongod's debugString of the tree.
  std::string DebugString() const { return root_->DebugString(); }

 private:
  Matcher() = default;
  // The filter's bytes: the tree's operands point into them.
  std::unique_ptr<uint8_t[]> bytes_;
  bson_t filter_;
  ExprPtr root_;
};

}  // namespace basalt::query
