// Internals of the update engine (query/update.h), shared by update_*.cpp and
// their tests; not for other callers.
//
// - MValue/MField: a document being updated. Values an update does not touch
//   stay references to the original bytes (a bson_iter_t); a document or
//   array the update descends into is expanded into heap-allocated fields, so
//   a pointer to a field stays valid while its siblings are added or removed.
// - UpdateNode: the parsed update, node for node mongod's UpdateNode tree
//   (update_object_node, update_array_node, modifier_node and the operator
//   nodes), so that application order, conflicts and errors come out the same.
//
// Files: update_doc.cpp (MValue), update_number.cpp (Num), update_driver.cpp
// (parsing), update_apply.cpp (tree walk, LeafNode), update_ops.cpp and
// update_array_ops.cpp (operators), update_storage.cpp (validation,
// replacement), update_upsert.cpp (upsert documents).
//
// Thread-safety: the node tree is immutable after parsing; MValue trees belong
// to one Apply call.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "query/matcher.h"
#include "query/update.h"

namespace basalt::query {
class Pipeline;
}  // namespace basalt::query

namespace basalt::query::update_internal {

// ---------------------------------------------------------------------------
// The document being updated.

struct MField;
using FieldList = std::vector<std::unique_ptr<MField>>;

struct MValue {
  bson_type_t type = BSON_TYPE_NULL;
  // When true the value is `children` (a document or an array); else `iter`.
  bool expanded = false;
  // Points at an element holding the value (its key is irrelevant).
  bson_iter_t iter{};
  // Keeps the bytes `iter` points into alive; null when they belong to the
  // caller (the document being updated, the query of an upsert).
  std::shared_ptr<const Bson> owner;
  FieldList children;

  bool IsDocument() const { return type == BSON_TYPE_DOCUMENT; }
  bool IsArray() const { return type == BSON_TYPE_ARRAY; }

  // A reference to the value `it` points at.
  static MValue Ref(const bson_iter_t& it, std::shared_ptr<const Bson> owner);
  // The value of the only element of `holder`, which the MValue keeps.
  static MValue Own(Bson holder);
  static MValue Null();
  static MValue EmptyDocument();
  static MValue EmptyArray();
  // A deep copy (the bytes referenced are shared, not copied).
  MValue Clone() const;
};

struct MField {
  std::string name;  // for array elements: unused (positions are names)
  MValue value;
};

// Turns a document or array value into fields that can be changed.
void Expand(MValue* v);
// The first field named `name` of a document (expanding it), or null.
MField* FindField(MValue* doc, std::string_view name);
// The index of `field` among the children of `parent`, or -1.
int IndexOf(const MValue* parent, const MField* field);

// Appends `v` under `key` (array children get their positions as keys).
void AppendValue(bson_t* dst, std::string_view key, const MValue& v);
// The fields of a document value as a document.
Bson Serialize(const MValue& doc);
// A document value over the fields of `doc` (not copied; `owner` may be null).
MValue DocumentRoot(const bson_t* doc, std::shared_ptr<const Bson> owner);

// An iterator over any value; expanded values are serialized first.
class ValueView {
 public:
  explicit ValueView(const MValue& v);
  ValueView(const ValueView&) = delete;
  ValueView& operator=(const ValueView&) = delete;
  const bson_iter_t* iter() const { return &iter_; }

 private:
  std::unique_ptr<Bson> temp_;
  bson_iter_t iter_;
};

// The value's bytes as stored after the key (for binary comparisons).
std::string_view RawValue(const bson_iter_t* it);
// mongod's Element::toString(): "name: <value in shell notation>".
std::string ElementString(std::string_view name, const MValue& v);
// "_id: <value>" for messages that name the document, or `missing` without _id.
std::string IdString(const MValue& root, std::string_view missing);
// mongod's str::parseUnsignedBase10Integer (array positions in paths).
std::optional<size_t> ParseArrayIndex(std::string_view s);
// "a.b.c" from parts.
std::string JoinPath(const std::vector<std::string>& parts, size_t begin = 0);
std::vector<std::string> SplitPath(std::string_view dotted);

// ---------------------------------------------------------------------------
// Numbers with mongod's SafeNum arithmetic: int32 results that overflow become
// int64, int64 overflow is an error, doubles and decimals never fail.

struct Num {
  enum class Kind { kInvalid, kInt32, kInt64, kDouble, kDecimal };
  Kind kind = Kind::kInvalid;
  int32_t i32 = 0;
  int64_t i64 = 0;
  double d = 0;
  bson_decimal128_t dec{};

  static Num Of(const bson_iter_t* it);  // int32/int64/double/decimal128, else invalid
  static Num Int32(int32_t v);
  static Num Int64(int64_t v);
  bool valid() const { return kind != Kind::kInvalid; }
  bool IsIdentical(const Num& other) const;
  // mongod's SafeNum::debugString(), e.g. "(NumberLong)9223372036854775807".
  std::string DebugString() const;
  MValue ToValue() const;
};

Num NumAdd(const Num& a, const Num& b);
Num NumMultiply(const Num& a, const Num& b);
enum class BitOp { kAnd, kOr, kXor };
Num NumBit(BitOp op, const Num& a, const Num& b);

// ---------------------------------------------------------------------------
// Application.

struct ArrayFilter {
  std::string placeholder;
  std::unique_ptr<Matcher> matcher;
};

struct ApplyState {
  const ApplyContext* ctx = nullptr;
  bool is_insert = false;
  // The array position the query matched, for `$`; empty when none.
  std::string matched_field;
  MValue* root = nullptr;
  // Owner of values taken from the update document.
  std::shared_ptr<const Bson> spec;

  int64_t NowMillis() const;
  void NextTimestamp(uint32_t* seconds, uint32_t* increment) const;
};

// Where an update node applies: the existing part of its path (`frames`, the
// root first; frames.back() is mongod's "element") and the part that does not
// exist yet (`to_create`, mongod's pathToCreate).
struct Frame {
  MValue* value;
  std::string name;
};
struct Cursor {
  std::vector<Frame> frames;
  std::vector<std::string> to_create;

  MValue* element() const { return frames.back().value; }
  const std::string& element_name() const { return frames.back().name; }
  // mongod's pathTaken, dotted.
  std::string PathTaken() const;
  bool PathTakenStartsWithId() const { return frames.size() > 1 && frames[1].name == "_id"; }
};

class UpdateNode {
 public:
  enum class Kind { kObject, kArray, kLeaf };
  explicit UpdateNode(Kind kind) : kind_(kind) {}
  virtual ~UpdateNode() = default;
  UpdateNode(const UpdateNode&) = delete;
  UpdateNode& operator=(const UpdateNode&) = delete;
  Kind kind() const { return kind_; }

  // Applies the node at `cursor`; sets `*noop` to false when it changed anything.
  virtual Status Apply(ApplyState* state, Cursor* cursor, bool* noop) const = 0;

 private:
  const Kind kind_;
};
using NodePtr = std::shared_ptr<UpdateNode>;

// mongod's cmpPathsAndArrayIndexes: field names in byte order, array
// positions in numeric order. Fields an update creates appear in this order.
struct PathLess {
  bool operator()(const std::string& a, const std::string& b) const;
};
using ChildMap = std::map<std::string, NodePtr, PathLess>;

class UpdateObjectNode : public UpdateNode {
 public:
  UpdateObjectNode() : UpdateNode(Kind::kObject) {}
  NodePtr GetChild(const std::string& name) const;
  void SetChild(const std::string& name, NodePtr child);
  Status Apply(ApplyState* state, Cursor* cursor, bool* noop) const override;

  ChildMap children;
  NodePtr positional;  // the "$" child
};

class UpdateArrayNode : public UpdateNode {
 public:
  UpdateArrayNode() : UpdateNode(Kind::kArray) {}
  Status Apply(ApplyState* state, Cursor* cursor, bool* noop) const override;

  ChildMap children;  // by identifier; "" for $[]
  std::map<std::string, const ArrayFilter*> filters;
};

// mongod's UpdateNode::createUpdateNodeByMerging: the union of two nodes that
// apply to one element, or ConflictingUpdateOperators "Update created a
// conflict at '<path>'".
StatusWith<NodePtr> MergeNodes(const NodePtr& left, const NodePtr& right,
                               std::vector<std::string>* path);

// mongod's ModifierNode: the common logic of the operators that change one
// value (creating the path when allowed, viability, immutable _id, storage
// validation).
class LeafNode : public UpdateNode {
 public:
  LeafNode() : UpdateNode(Kind::kLeaf) {}
  Status Apply(ApplyState* state, Cursor* cursor, bool* noop) const override;

 protected:
  virtual bool InsertOnly() const { return false; }
  virtual bool AllowCreation() const { return false; }
  virtual bool AllowNonViablePath() const { return false; }
  // Whether the changed value is checked for storage ($unset, $pop, $pull
  // cannot make a document invalid).
  virtual bool ValidateResult() const { return true; }
  // Changes the existing value cursor->element(); returns whether it changed.
  virtual StatusWith<bool> UpdateExisting(ApplyState* state, Cursor* cursor) const = 0;
  // The value of a field created by the operator (when AllowCreation).
  virtual StatusWith<MValue> NewValue(ApplyState* state) const;

 private:
  Status ApplyToExisting(ApplyState* state, Cursor* cursor, bool* noop) const;
  Status ApplyToNonexistent(ApplyState* state, Cursor* cursor, bool* noop) const;
};

// Creates cursor->to_create under cursor->element() with `value` at its end
// (mongod's pathsupport::createPathAt), padding arrays with nulls. Returns the
// first field created.
StatusWith<MField*> CreatePath(Cursor* cursor, MValue value);

// Storage validation of the changed field parent.children[index] at depth
// `level` (1 = top level): nesting depth, and (with `check_top_level_dollar`)
// a '$'-prefixed top-level name, allowed only for DBRef fields in order.
Status ValidateField(const MValue& parent, size_t index, uint32_t level,
                     bool check_top_level_dollar);
// Whole-document validation of a replacement or an inserted document: `_id`
// type, nesting depth and (unless `allow_top_level_dollar`) top-level '$'.
Status ValidateDocument(const MValue& root, bool allow_top_level_dollar);
// How a whole document replaces state->root: a replacement update, or the
// output of an update pipeline (mongod's applyReplacementUpdate). The old
// `_id` stays when the new document has none; changing it is ImmutableField.
struct ReplaceMode {
  // Keeps the bytes of the new document alive in the values referencing them.
  std::shared_ptr<const Bson> owner;
  // A replacement's zero timestamps take the current time; a pipeline's do not.
  bool fill_zero_timestamps = true;
  // Pipelines may produce '$'-prefixed top-level fields ($setField).
  bool allow_top_level_dollar = false;
};
Status ReplaceDocument(const bson_t* replacement, const ReplaceMode& mode, ApplyState* state,
                       bool* noop);

// The stages of a pipeline-style update (update_pipeline.cpp): $addFields/$set,
// $project, $unset, $replaceRoot/$replaceWith, run over the one document.
class UpdatePipeline {
 public:
  // `stages`: the array's elements as a document. Errors as mongod's
  // PipelineExecutor: the stages' parse errors, then 72 InvalidOptions
  // "<stage> is not allowed to be used within an update".
  static StatusWith<std::unique_ptr<UpdatePipeline>> Parse(const bson_t* stages,
                                                           const UpdateOptions& options);
  ~UpdatePipeline();
  // Replaces state->root with the pipeline's output for it.
  Status Apply(ApplyState* state, bool* noop) const;

 private:
  UpdatePipeline();
  std::unique_ptr<Pipeline> pipeline_;
};

// Moves `_id` to the front; adds a new ObjectId when missing and `generate`.
void EnsureIdFirst(MValue* root, bool generate);

// The operator nodes (update_ops.cpp, update_array_ops.cpp). `field` is the
// element of the operator document: its key is the path, its value the
// argument; it points into `spec`, which outlives the node.
enum class Op {
  kSet,
  kSetOnInsert,
  kUnset,
  kInc,
  kMul,
  kMin,
  kMax,
  kRename,
  kCurrentDate,
  kBit,
  kPush,
  kAddToSet,
  kPop,
  kPull,
  kPullAll,
  kConflictPlaceholder,
};
StatusWith<NodePtr> MakeFieldOpNode(Op op, const bson_iter_t& field);
StatusWith<NodePtr> MakeArrayOpNode(Op op, const bson_iter_t& field);

// Applies a replacement document to state->root (mongod's ObjectReplaceExecutor).
Status ApplyReplacement(const bson_t* replacement, ApplyState* state, bool* noop);

}  // namespace basalt::query::update_internal
