// Internals shared by projection_parse.cpp (spec -> executor tree) and
// projection_apply.cpp (executor tree x document -> document); not for other
// callers. The structures mirror mongod's so that the order in which it
// builds and applies a projection, which is observable in field order and in
// edge cases, carries over:
// - ExecNode is mongod's ProjectionNode (inclusion or exclusion): the fields
//   projected at one level, the child nodes below it, and the computed fields
//   ($elemMatch, literals) with the order in which they were added.
// - Replacement is a find-only "root replacement" expression ($slice and the
//   positional `$`), applied after the node to the projected document, in
//   the order the spec names them.
// - Value is mongod's Document/Value as far as projection needs: an output
//   tree whose leaves point into the input document (or the spec), and in
//   which array slots may be missing, as mongod's are until serialized.
// Thread-safety: a State is immutable once parsed and shared by copies of a
// Projection; a Value tree belongs to one Apply call.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "query/matcher.h"

namespace basalt::query::projection_internal {

struct Field;

// A value of the document being built.
struct Value {
  enum class Kind : uint8_t { kMissing, kRaw, kDocument, kArray };
  Kind kind = Kind::kMissing;
  // kRaw: an element of the input or of the spec; its pointers borrow that
  // document's bytes. (Not a bson_iter_t: that one is 128-byte aligned.)
  bson_value_t raw{};
  std::vector<Field> fields;    // kDocument, in output order
  std::vector<Value> elements;  // kArray; missing elements vanish when serialized

  // Defined below Field: a Value's destructor needs Field complete.
  static Value Raw(const bson_iter_t& it);
  static Value Document();
  bool missing() const { return kind == Kind::kMissing; }
  bool IsDocument() const {
    return kind == Kind::kDocument || (kind == Kind::kRaw && raw.value_type == BSON_TYPE_DOCUMENT);
  }
  bool IsArray() const {
    return kind == Kind::kArray || (kind == Kind::kRaw && raw.value_type == BSON_TYPE_ARRAY);
  }
  // Turns a raw document or array into kDocument / kArray of raw children, so
  // that it can be changed; a no-op for the other kinds.
  void Expand();
  // mongod's MutableDocument::setField: replaces the first field of that
  // name, else appends. Requires kDocument.
  void SetField(std::string_view name, Value value);
  // The field's value, or nullptr. Requires kDocument.
  Value* FindField(std::string_view name);
};

struct Field {
  std::string_view name;  // points into the input, the spec or the executor tree
  Value value;
};

inline Value Value::Raw(const bson_iter_t& it) {
  Value v;
  v.kind = Kind::kRaw;
  bson_iter_t copy = it;
  v.raw = *bson_iter_value(&copy);
  return v;
}

inline Value Value::Document() {
  Value v;
  v.kind = Kind::kDocument;
  return v;
}

// Appends `value` under `name` to `out` (nothing if it is missing).
void AppendValue(bson_t* out, std::string_view name, const Value& value);

// A computed field: mongod's ExpressionASTNode / ProjectionElemMatchASTNode.
struct Computed {
  enum class Kind { kConstant, kElemMatch, kError };
  Kind kind = Kind::kConstant;
  bson_iter_t constant{};            // kConstant: points into the spec copy
  std::unique_ptr<Matcher> matcher;  // kElemMatch: {<field>: {$elemMatch: ...}}
  std::string field;                 // kElemMatch: the array's (top-level) field
  Status error;                      // kError: what evaluating it raises
};

// mongod's ProjectionNode, for one level of the output document.
struct ExecNode {
  std::vector<std::string> projected;  // included (or excluded) entirely, in order
  std::vector<std::pair<std::string, std::unique_ptr<ExecNode>>> children;
  std::vector<std::pair<std::string, std::shared_ptr<const Computed>>> expressions;
  // Children and expressions in the order they were added: the order in
  // which computed fields are (re)set, hence their place in the output.
  std::vector<std::string> order;
  bool subtree_has_computed = false;

  bool IsProjected(std::string_view name) const;
  const ExecNode* Child(std::string_view name) const;
  const Computed* Expression(std::string_view name) const;
  ExecNode* AddOrGetChild(const std::string& name);
  // mongod's addProjectionForPath / addExpressionForPath, from this node.
  void AddProjection(const std::vector<std::string>& path, size_t from = 0);
  void AddExpression(const std::vector<std::string>& path, std::shared_ptr<const Computed> expr,
                     size_t from = 0);
};

struct Replacement {
  enum class Kind { kSlice, kPositional };
  Kind kind = Kind::kSlice;
  std::vector<std::string> path;
  std::optional<int32_t> skip;  // kSlice: [skip, limit] form
  int32_t limit = 0;            // kSlice
};

struct State {
  std::unique_ptr<uint8_t[]> spec_bytes;  // constants point into it
  uint32_t spec_len = 0;
  bool inclusion = false;
  bool positional = false;
  bool identity = false;
  ExecNode root;
  std::vector<Replacement> replacements;
};

// Parses a spec into an executor tree (projection_parse.cpp).
StatusWith<std::shared_ptr<State>> ParseProjection(const bson_t* spec);

// Applies `state` to `doc`: the projection node, then the replacements.
Status ApplyProjection(const State& state, const bson_t* doc, const MatchDetails* match,
                       bson_t* out);

}  // namespace basalt::query::projection_internal
