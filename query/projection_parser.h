// The projection spec parser's internals, shared by projection_parse.cpp
// (elements, inclusion/exclusion, the executor build) and
// projection_parse_ops.cpp ($slice, $elemMatch, expressions). Not for other
// callers. The AST is mongod's projection_ast: inner path nodes, boolean
// inclusions/exclusions, computed fields, find $slice and positional nodes.
#pragma once

#include <bson/bson.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "query/projection_internal.h"

namespace basalt::query::projection_internal {

// One node of the spec's tree; only kPath nodes have children, in spec order.
struct AstNode {
  enum class Kind { kPath, kBool, kComputed, kSlice, kPositional };
  explicit AstNode(Kind k) : kind(k) {}
  Kind kind;
  std::vector<std::pair<std::string, std::unique_ptr<AstNode>>> children;  // kPath
  bool value = false;                                                      // kBool
  std::shared_ptr<const Computed> computed;                                // kComputed
  std::optional<int32_t> skip;                                             // kSlice
  int32_t limit = 0;                                                       // kSlice

  AstNode* Child(std::string_view name) const {
    for (const auto& [n, c] : children) {
      if (n == name) return c.get();
    }
    return nullptr;
  }
};

using Path = std::vector<std::string>;

// "a.b.c" from path[from..].
std::string JoinPath(const Path& path, size_t from = 0);

// NotImplemented: "<what> in a projection is not supported by Basalt yet".
Status NotSupported(const std::string& what);

// A computed field with a constant value (pointing into the spec copy).
std::shared_ptr<const Computed> Constant(const bson_iter_t& value);

// Whether an operand (mongod's Expression::parseOperand) is a constant Basalt
// can evaluate: anything but a "$..." string; arrays (and, inside arrays or
// as expression arguments, objects) only if their contents are constants.
bool IsConstantOperand(const bson_iter_t* it, bool nested);

// mongod's ParseContext and parse functions: parses one spec into `state`.
// Single use, one thread.
class Parser {
 public:
  explicit Parser(State* state) : state_(state) {}

  Status Run(const bson_t* spec);

 private:
  Status ParseElement(const bson_iter_t* elem, const Path* path_to_parent, AstNode* parent);
  Status ParseSubObject(std::string_view name, const Path* path_to_parent, const bson_iter_t* obj,
                        AstNode* parent);
  StatusWith<bool> ParseSubObjectAsExpression(const Path& path, const bson_iter_t* obj,
                                              AstNode* parent);
  Status ParseFindSlice(const Path& path, const bson_iter_t* arg, AstNode* parent);
  Status ParseGenericSlice(const Path& path, const bson_iter_t* arg, AstNode* parent);
  StatusWith<bool> ParseGenericExpression(const Path& path, const bson_iter_t* obj,
                                          AstNode* parent);
  Status ParseInclusion(const bson_iter_t* elem, AstNode* parent);
  Status ParseExclusion(const bson_iter_t* elem, AstNode* parent);
  Status ParseLiteral(const bson_iter_t* elem, AstNode* parent);
  Status CheckExpressionAllowed();
  void ComputeType();
  void Build(const AstNode& node, Path* path);

  // mongod's addNodeAtPath: 31250 when the path is taken, 31249 when a
  // prefix of it is a leaf.
  static Status AddNodeAtPath(AstNode* root, const Path& path, size_t i,
                              std::unique_ptr<AstNode> node);
  // mongod's findLastInnerNodeOnPath.
  static AstNode* FindInnerNode(AstNode* root, const Path& path);

  State* state_;
  AstNode root_{AstNode::Kind::kPath};
  std::optional<bool> inclusion_;  // unset until an element decides
  bool id_specified_ = false;
  bool has_positional_ = false;
  bool has_elem_match_ = false;
  bool has_find_slice_ = false;
  bool id_included_entirely_ = false;
  bool id_excluded_entirely_ = false;
};

}  // namespace basalt::query::projection_internal
