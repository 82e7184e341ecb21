// The field operators: $set $setOnInsert $unset $inc $mul $min $max
// $currentDate $bit $rename, after mongod's set_node, unset_node,
// arithmetic_node, compare_node, current_date_node, bit_node and rename_node
// (src/mongo/db/update/), with their argument errors and messages.
#include <utility>
#include <vector>

#include "query/numbers.h"
#include "query/update_internal.h"
#include "storage/key_string.h"

namespace basalt::query::update_internal {
namespace {

bool IsNumberType(bson_type_t t) {
  return t == BSON_TYPE_INT32 || t == BSON_TYPE_INT64 || t == BSON_TYPE_DOUBLE ||
         t == BSON_TYPE_DECIMAL128;
}

Status BadValue(std::string reason) { return Status(ErrorCodes::BadValue, std::move(reason)); }

// $set and $setOnInsert.
class SetNode : public LeafNode {
 public:
  SetNode(const bson_iter_t& value, bool insert_only) : value_(value), insert_only_(insert_only) {}

 protected:
  bool InsertOnly() const override { return insert_only_; }
  bool AllowCreation() const override { return true; }
  StatusWith<bool> UpdateExisting(ApplyState* state, Cursor* cursor) const override {
    MValue* element = cursor->element();
    // Only the same type and the same bytes make a no-op (1 and 1.0 differ).
    ValueView current(*element);
    if (element->type == bson_iter_type(&value_) && RawValue(current.iter()) == RawValue(&value_)) {
      return false;
    }
    *element = MValue::Ref(value_, state->spec);
    return true;
  }
  StatusWith<MValue> NewValue(ApplyState* state) const override {
    return MValue::Ref(value_, state->spec);
  }

 private:
  const bson_iter_t value_;
  const bool insert_only_;
};

class UnsetNode : public LeafNode {
 protected:
  bool AllowNonViablePath() const override { return true; }
  bool ValidateResult() const override { return false; }
  StatusWith<bool> UpdateExisting(ApplyState*, Cursor* cursor) const override {
    MValue* parent = cursor->frames[cursor->frames.size() - 2].value;
    MValue* element = cursor->element();
    if (parent->IsArray()) {
      // An array element becomes null rather than shifting the others.
      *element = MValue::Null();
      return true;
    }
    for (size_t i = 0; i < parent->children.size(); ++i) {
      if (&parent->children[i]->value == element) {
        parent->children.erase(parent->children.begin() + static_cast<std::ptrdiff_t>(i));
        break;
      }
    }
    return true;
  }
};

// $inc and $mul.
class ArithmeticNode : public LeafNode {
 public:
  ArithmeticNode(bool multiply, const bson_iter_t& value)
      : multiply_(multiply), value_(value), operand_(Num::Of(&value)) {}

 protected:
  bool AllowCreation() const override { return true; }
  StatusWith<bool> UpdateExisting(ApplyState* state, Cursor* cursor) const override {
    MValue* element = cursor->element();
    if (!IsNumberType(element->type)) {
      return Status(ErrorCodes::TypeMismatch,
                    "Cannot apply " + Name() + " to a value of non-numeric type. {" +
                        IdString(*state->root, "no id") + "} has the field '" +
                        cursor->element_name() + "' of non-numeric type " +
                        std::string(TypeName(element->type)));
    }
    const Num original = Num::Of(&element->iter);
    const Num result = multiply_ ? NumMultiply(operand_, original) : NumAdd(operand_, original);
    if (result.IsIdentical(original)) return false;
    if (!result.valid()) {
      return BadValue("Failed to apply " + Name() + " operations to current value (" +
                      original.DebugString() + ") for document {" +
                      IdString(*state->root, "no id") + "}");
    }
    *element = result.ToValue();
    return true;
  }
  StatusWith<MValue> NewValue(ApplyState* state) const override {
    // $mul of a missing field gives a zero of the operand's type.
    if (multiply_) return NumMultiply(operand_, Num::Int32(0)).ToValue();
    return MValue::Ref(value_, state->spec);
  }

 private:
  std::string Name() const { return multiply_ ? "$mul" : "$inc"; }
  const bool multiply_;
  const bson_iter_t value_;
  const Num operand_;
};

// $min and $max, with mongod's order across types.
class CompareNode : public LeafNode {
 public:
  CompareNode(bool max, const bson_iter_t& value) : max_(max), value_(value) {}

 protected:
  bool AllowCreation() const override { return true; }
  StatusWith<bool> UpdateExisting(ApplyState* state, Cursor* cursor) const override {
    ValueView current(*cursor->element());
    const int cmp = storage::CompareBsonValues(current.iter(), &value_);
    if (cmp == 0 || (max_ ? cmp > 0 : cmp < 0)) return false;
    *cursor->element() = MValue::Ref(value_, state->spec);
    return true;
  }
  StatusWith<MValue> NewValue(ApplyState* state) const override {
    return MValue::Ref(value_, state->spec);
  }

 private:
  const bool max_;
  const bson_iter_t value_;
};

class CurrentDateNode : public LeafNode {
 public:
  explicit CurrentDateNode(bool date) : date_(date) {}

 protected:
  bool AllowCreation() const override { return true; }
  StatusWith<bool> UpdateExisting(ApplyState* state, Cursor* cursor) const override {
    *cursor->element() = Now(state);
    return true;
  }
  StatusWith<MValue> NewValue(ApplyState* state) const override { return Now(state); }

 private:
  MValue Now(ApplyState* state) const {
    Bson holder;
    if (date_) {
      bson_append_date_time(holder.get(), "", 0, state->NowMillis());
    } else {
      uint32_t seconds = 0, increment = 0;
      state->NextTimestamp(&seconds, &increment);
      bson_append_timestamp(holder.get(), "", 0, seconds, increment);
    }
    return MValue::Own(std::move(holder));
  }
  const bool date_;
};

class BitNode : public LeafNode {
 public:
  explicit BitNode(std::vector<std::pair<BitOp, Num>> ops) : ops_(std::move(ops)) {}

 protected:
  bool AllowCreation() const override { return true; }
  StatusWith<bool> UpdateExisting(ApplyState* state, Cursor* cursor) const override {
    MValue* element = cursor->element();
    if (element->type != BSON_TYPE_INT32 && element->type != BSON_TYPE_INT64) {
      // mongod prints the _id element right after the period.
      return BadValue("Cannot apply $bit to a value of non-integral type." +
                      IdString(*state->root, "INVALID-MUTABLE-ELEMENT") + " has the field " +
                      cursor->element_name() + " of non-integer type " +
                      std::string(TypeName(element->type)));
    }
    const Num original = Num::Of(&element->iter);
    const Num result = ApplyOps(original);
    if (result.IsIdentical(original)) return false;
    *element = result.ToValue();
    return true;
  }
  StatusWith<MValue> NewValue(ApplyState*) const override {
    return ApplyOps(Num::Int32(0)).ToValue();
  }

 private:
  Num ApplyOps(Num value) const {
    for (const auto& [op, operand] : ops_) value = NumBit(op, value, operand);
    return value;
  }
  const std::vector<std::pair<BitOp, Num>> ops_;
};

// Sets a given value (the $set half of $rename).
class SetValueNode : public LeafNode {
 public:
  explicit SetValueNode(const MValue& value) : value_(value) {}

 protected:
  bool AllowCreation() const override { return true; }
  StatusWith<bool> UpdateExisting(ApplyState*, Cursor* cursor) const override {
    *cursor->element() = value_.Clone();
    return true;
  }
  StatusWith<MValue> NewValue(ApplyState*) const override { return value_.Clone(); }

 private:
  const MValue& value_;
};

// The node at the source path of a $rename: it only reserves the path, so
// that another operator on it is a conflict.
class ConflictPlaceholderNode : public UpdateNode {
 public:
  ConflictPlaceholderNode() : UpdateNode(Kind::kLeaf) {}
  Status Apply(ApplyState*, Cursor*, bool*) const override { return Status::OK(); }
};

// $rename, applied at its destination path: a $set there of the source
// value, then an $unset of the source.
class RenameNode : public UpdateNode {
 public:
  RenameNode(std::string from, std::string to)
      : UpdateNode(Kind::kLeaf), from_(std::move(from)), to_(std::move(to)) {}

  Status Apply(ApplyState* state, Cursor* cursor, bool* noop) const override {
    const std::vector<std::string> from = SplitPath(from_);
    // mongod's findLongestPrefix over the source path.
    std::vector<MValue*> chain{state->root};
    std::vector<std::string> names{""};
    MField* source = nullptr;
    for (size_t i = 0; i < from.size(); ++i) {
      MValue* curr = chain.back();
      MField* next = nullptr;
      if (curr->IsDocument()) {
        next = FindField(curr, from[i]);
      } else if (curr->IsArray() && IsAllDigitsPart(from[i])) {
        Expand(curr);
        const size_t index = std::stoull(from[i]);
        next = index < curr->children.size() ? curr->children[index].get() : nullptr;
      } else {
        return Status(ErrorCodes::PathNotViable, "cannot use the part (" + from[i - 1] + " of " +
                                                     from_ + ") to traverse the element ({" +
                                                     ElementString(names.back(), *curr) + "})");
      }
      if (!next) return Status::OK();  // the source does not exist: nothing to do
      if (i + 1 == from.size()) source = next;
      chain.push_back(&next->value);
      names.push_back(from[i]);
    }
    // Neither the source nor the destination may be inside an array.
    for (size_t i = chain.size() - 2; i > 0; --i) {
      if (chain[i]->IsArray()) {
        return BadValue("The source field cannot be an array element, '" + from_ +
                        "' in doc with " + IdString(*state->root, "no id") +
                        " has an array field called '" + names[i] + "'");
      }
    }
    const size_t first =
        cursor->to_create.empty() ? cursor->frames.size() - 2 : cursor->frames.size() - 1;
    for (size_t i = first; i > 0; --i) {
      if (cursor->frames[i].value->IsArray()) {
        return BadValue("The destination field cannot be an array element, '" + to_ +
                        "' in doc with " + IdString(*state->root, "no id") +
                        " has an array field called '" + cursor->frames[i].name + "'");
      }
    }
    SetValueNode set(source->value);
    Status status = set.Apply(state, cursor, noop);
    if (!status.ok()) return status;
    MValue* parent = chain[chain.size() - 2];
    parent->children.erase(parent->children.begin() + IndexOf(parent, source));
    *noop = false;
    if (from[0] == "_id") {
      return Status(ErrorCodes::ImmutableField, "Performing an update on the path '" + from_ +
                                                    "' would modify the immutable field '_id'");
    }
    return Status::OK();
  }

 private:
  static bool IsAllDigitsPart(const std::string& s) {
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return !s.empty() && s.size() < 19;
  }
  const std::string from_;
  const std::string to_;
};

bool HasDynamicPart(const std::string& path) {
  for (const auto& part : SplitPath(path)) {
    if (part == "$" ||
        (part.size() >= 3 && part[0] == '$' && part[1] == '[' && part.back() == ']')) {
      return true;
    }
  }
  return false;
}

bool IsPrefixPath(const std::string& prefix, const std::string& path) {
  return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
         path[prefix.size()] == '.';
}

StatusWith<NodePtr> MakeRename(const bson_iter_t& field) {
  const std::string from(bson_iter_key(&field), bson_iter_key_len(&field));
  uint32_t len = 0;
  const char* to_data = bson_iter_utf8(&field, &len);
  const std::string to(to_data, len);
  if (to.find('\0') != std::string::npos) {
    return BadValue("The 'to' field for $rename cannot contain an embedded null byte");
  }
  if (from == to) {
    return BadValue("The source and target field for $rename must differ: " +
                    query::ElementString(&field));
  }
  if (IsPrefixPath(from, to) || IsPrefixPath(to, from)) {
    return BadValue("The source and target field for $rename must not be on the same path: " +
                    query::ElementString(&field));
  }
  if (HasDynamicPart(from)) {
    return BadValue("The source field for $rename may not be dynamic: " + from);
  }
  if (HasDynamicPart(to)) {
    return BadValue("The destination field for $rename may not be dynamic: " + to);
  }
  return NodePtr(std::make_shared<RenameNode>(from, to));
}

StatusWith<NodePtr> MakeCurrentDate(const bson_iter_t& field) {
  if (BSON_ITER_HOLDS_BOOL(&field)) return NodePtr(std::make_shared<CurrentDateNode>(true));
  if (!BSON_ITER_HOLDS_DOCUMENT(&field)) {
    return BadValue(std::string(TypeName(bson_iter_type(&field))) +
                    " is not valid type for $currentDate. Please use a boolean ('true') or a "
                    "$type expression ({$type: 'timestamp/date'}).");
  }
  bool found = false;
  bool date = true;
  bson_iter_t it;
  bson_iter_recurse(&field, &it);
  while (bson_iter_next(&it)) {
    const std::string_view key(bson_iter_key(&it), bson_iter_key_len(&it));
    if (key != "$type") return BadValue("Unrecognized $currentDate option: " + std::string(key));
    if (!BSON_ITER_HOLDS_UTF8(&it)) continue;
    const std::string_view type = Utf8Of(&it);
    if (type == "date" || type == "timestamp") {
      date = type == "date";
      found = true;
    }
  }
  if (!found) {
    return BadValue(
        "The '$type' string field is required to be 'date' or 'timestamp': "
        "{$currentDate: {field : {$type: 'date'}}}");
  }
  return NodePtr(std::make_shared<CurrentDateNode>(date));
}

StatusWith<NodePtr> MakeBit(const bson_iter_t& field) {
  if (!BSON_ITER_HOLDS_DOCUMENT(&field)) {
    return BadValue("The $bit modifier is not compatible with a " +
                    std::string(TypeName(bson_iter_type(&field))) +
                    ". You must pass in an embedded document: {$bit: {field: {and/or/xor: #}}");
  }
  std::vector<std::pair<BitOp, Num>> ops;
  bson_iter_t it;
  bson_iter_recurse(&field, &it);
  while (bson_iter_next(&it)) {
    const std::string_view name(bson_iter_key(&it), bson_iter_key_len(&it));
    BitOp op;
    if (name == "and") {
      op = BitOp::kAnd;
    } else if (name == "or") {
      op = BitOp::kOr;
    } else if (name == "xor") {
      op = BitOp::kXor;
    } else {
      return BadValue("The $bit modifier only supports 'and', 'or', and 'xor', not '" +
                      std::string(name) + "' which is an unknown operator: {" +
                      query::ElementString(&it) + "}");
    }
    if (!BSON_ITER_HOLDS_INT32(&it) && !BSON_ITER_HOLDS_INT64(&it)) {
      return BadValue("The $bit modifier field must be an Integer(32/64 bit); a '" +
                      std::string(TypeName(bson_iter_type(&it))) + "' is not supported here: {" +
                      query::ElementString(&it) + "}");
    }
    ops.emplace_back(op, Num::Of(&it));
  }
  if (ops.empty()) {
    return BadValue(
        "You must pass in at least one bitwise operation. The format is: "
        "{$bit: {field: {and/or/xor: #}}");
  }
  return NodePtr(std::make_shared<BitNode>(std::move(ops)));
}

}  // namespace

StatusWith<NodePtr> MakeFieldOpNode(Op op, const bson_iter_t& field) {
  switch (op) {
    case Op::kSet:
    case Op::kSetOnInsert:
      return NodePtr(std::make_shared<SetNode>(field, op == Op::kSetOnInsert));
    case Op::kUnset:
      return NodePtr(std::make_shared<UnsetNode>());
    case Op::kInc:
    case Op::kMul:
      if (!IsNumberType(bson_iter_type(&field))) {
        return Status(ErrorCodes::TypeMismatch,
                      std::string(op == Op::kInc ? "Cannot increment" : "Cannot multiply") +
                          " with non-numeric argument: {" + query::ElementString(&field) + "}");
      }
      return NodePtr(std::make_shared<ArithmeticNode>(op == Op::kMul, field));
    case Op::kMin:
    case Op::kMax:
      return NodePtr(std::make_shared<CompareNode>(op == Op::kMax, field));
    case Op::kCurrentDate:
      return MakeCurrentDate(field);
    case Op::kBit:
      return MakeBit(field);
    case Op::kRename:
      return MakeRename(field);
    case Op::kConflictPlaceholder:
      return NodePtr(std::make_shared<ConflictPlaceholderNode>());
    default:
      return MakeArrayOpNode(op, field);
  }
}

}  // namespace basalt::query::update_internal
