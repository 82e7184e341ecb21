// Application of the parsed update tree, after mongod's UpdateObjectNode,
// UpdateArrayNode and ModifierNode (src/mongo/db/update/): the order in which
// children apply, the positional operators, and the common logic of the
// operators that change one value.
#include <atomic>
#include <chrono>
#include <ctime>

#include "query/update_internal.h"

namespace basalt::query::update_internal {
namespace {

// pathsupport::kMaxPaddingAllowed.
constexpr size_t kMaxPaddingAllowed = 1500000;

Status BadValue(std::string reason) { return Status(ErrorCodes::BadValue, std::move(reason)); }

// The child of `element` that `name` designates: a field of a document, a
// position of an array (mongod's applyChild lookup).
MField* ChildAt(MValue* element, const std::string& name) {
  if (element->IsDocument()) return FindField(element, name);
  if (element->IsArray()) {
    const auto index = ParseArrayIndex(name);
    if (!index) return nullptr;
    Expand(element);
    return *index < element->children.size() ? element->children[*index].get() : nullptr;
  }
  return nullptr;
}

// mongod's applyChild: applies `child` to the field `field` of the element at
// the cursor, or marks the field as to be created.
Status ApplyChild(const UpdateNode& child, const std::string& field, ApplyState* state,
                  Cursor* cursor, bool* noop) {
  MField* found = cursor->to_create.empty() ? ChildAt(cursor->element(), field) : nullptr;
  if (found) {
    cursor->frames.push_back({&found->value, field});
  } else {
    cursor->to_create.push_back(field);
  }
  bool child_noop = true;
  Status status = child.Apply(state, cursor, &child_noop);
  if (!status.ok()) return status;
  *noop = *noop && child_noop;
  if (!cursor->to_create.empty()) {
    cursor->to_create.pop_back();
  } else {
    cursor->frames.pop_back();
  }
  // A child may have created the rest of our own path: the next children
  // then apply below it rather than creating it again.
  if (!cursor->to_create.empty()) {
    MField* first = ChildAt(cursor->element(), cursor->to_create[0]);
    if (first) {
      cursor->frames.push_back({&first->value, cursor->to_create[0]});
      for (size_t i = 1; i < cursor->to_create.size(); ++i) {
        MField* next = ChildAt(cursor->element(), cursor->to_create[i]);
        if (!next) return Status(ErrorCodes::InternalError, "update created part of a path");
        cursor->frames.push_back({&next->value, cursor->to_create[i]});
      }
      cursor->to_create.clear();
    }
  }
  return Status::OK();
}

std::vector<std::string> FullPath(const Cursor& cursor) {
  std::vector<std::string> path;
  for (size_t i = 1; i < cursor.frames.size(); ++i) path.push_back(cursor.frames[i].name);
  for (const auto& part : cursor.to_create) path.push_back(part);
  return path;
}

}  // namespace

int64_t ApplyState::NowMillis() const {
  if (ctx && ctx->now_millis != 0) return ctx->now_millis;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void ApplyState::NextTimestamp(uint32_t* seconds, uint32_t* increment) const {
  if (ctx && ctx->next_timestamp) {
    ctx->next_timestamp(seconds, increment);
    return;
  }
  static std::atomic<uint32_t> counter{0};
  *seconds = static_cast<uint32_t>(std::time(nullptr));
  *increment = ++counter;
}

Status UpdateObjectNode::Apply(ApplyState* state, Cursor* cursor, bool* noop) const {
  bool apply_positional = positional != nullptr;
  const std::string& matched = state->matched_field;
  if (apply_positional && matched.empty()) {
    return BadValue("The positional operator did not find the match needed from the query.");
  }
  for (const auto& [name, child] : children) {
    Status status;
    if (apply_positional && name == matched) {
      // "a.$" and "a.<matched position>" update one element: merged, or a conflict.
      std::vector<std::string> path = FullPath(*cursor);
      path.push_back(matched);
      auto merged = MergeNodes(positional, child, &path);
      if (!merged.ok()) return merged.status();
      status = ApplyChild(*merged.value(), name, state, cursor, noop);
      if (!status.ok()) return status;
      apply_positional = false;
      continue;
    }
    // The positional child takes the place its position would have (compared as strings).
    if (apply_positional && matched < name) {
      status = ApplyChild(*positional, matched, state, cursor, noop);
      if (!status.ok()) return status;
      apply_positional = false;
    }
    status = ApplyChild(*child, name, state, cursor, noop);
    if (!status.ok()) return status;
  }
  if (apply_positional) return ApplyChild(*positional, matched, state, cursor, noop);
  return Status::OK();
}

Status UpdateArrayNode::Apply(ApplyState* state, Cursor* cursor, bool* noop) const {
  if (!cursor->to_create.empty()) {
    return BadValue("The path '" + JoinPath(FullPath(*cursor)) +
                    "' must exist in the document in order to apply array updates.");
  }
  MValue* array = cursor->element();
  if (!array->IsArray()) {
    return BadValue("Cannot apply array updates to non-array element " +
                    ElementString(cursor->element_name(), *array));
  }
  Expand(array);
  // Elements are matched against the filters before any of them changes.
  std::vector<std::vector<NodePtr>> updates(array->children.size());
  for (size_t i = 0; i < array->children.size(); ++i) {
    for (const auto& [identifier, child] : children) {
      if (identifier.empty()) {
        updates[i].push_back(child);
        continue;
      }
      const ArrayFilter* filter = filters.at(identifier);
      Bson wrapped;
      AppendValue(wrapped.get(), filter->placeholder, array->children[i]->value);
      if (filter->matcher->Matches(wrapped.get())) updates[i].push_back(child);
    }
  }
  for (size_t i = 0; i < updates.size(); ++i) {
    if (updates[i].empty()) continue;
    const std::string index = std::to_string(i);
    NodePtr merged = updates[i][0];
    for (size_t j = 1; j < updates[i].size(); ++j) {
      std::vector<std::string> path = FullPath(*cursor);
      path.push_back(index);
      auto result = MergeNodes(merged, updates[i][j], &path);
      if (!result.ok()) return result.status();
      merged = result.value();
    }
    cursor->frames.push_back({&array->children[i]->value, index});
    bool child_noop = true;
    Status status = merged->Apply(state, cursor, &child_noop);
    if (!status.ok()) return status;
    cursor->frames.pop_back();
    *noop = *noop && child_noop;
  }
  return Status::OK();
}

namespace {

Status MergeMaps(const ChildMap& left, const ChildMap& right, bool array_identifiers,
                 std::vector<std::string>* path, ChildMap* out) {
  *out = left;
  for (const auto& [name, node] : right) {
    auto it = out->find(name);
    if (it == out->end()) {
      out->emplace(name, node);
      continue;
    }
    path->push_back(array_identifiers ? "$[" + name + "]" : name);
    auto merged = MergeNodes(it->second, node, path);
    path->pop_back();
    if (!merged.ok()) return merged.status();
    it->second = merged.value();
  }
  return Status::OK();
}

}  // namespace

StatusWith<NodePtr> MergeNodes(const NodePtr& left, const NodePtr& right,
                               std::vector<std::string>* path) {
  if (left->kind() == UpdateNode::Kind::kObject && right->kind() == UpdateNode::Kind::kObject) {
    const auto& l = static_cast<const UpdateObjectNode&>(*left);
    const auto& r = static_cast<const UpdateObjectNode&>(*right);
    auto merged = std::make_shared<UpdateObjectNode>();
    Status status = MergeMaps(l.children, r.children, false, path, &merged->children);
    if (!status.ok()) return status;
    if (l.positional && r.positional) {
      path->push_back("$");
      auto positional = MergeNodes(l.positional, r.positional, path);
      path->pop_back();
      if (!positional.ok()) return positional.status();
      merged->positional = positional.value();
    } else {
      merged->positional = l.positional ? l.positional : r.positional;
    }
    return NodePtr(merged);
  }
  if (left->kind() == UpdateNode::Kind::kArray && right->kind() == UpdateNode::Kind::kArray) {
    const auto& l = static_cast<const UpdateArrayNode&>(*left);
    const auto& r = static_cast<const UpdateArrayNode&>(*right);
    auto merged = std::make_shared<UpdateArrayNode>();
    Status status = MergeMaps(l.children, r.children, true, path, &merged->children);
    if (!status.ok()) return status;
    merged->filters = l.filters;
    merged->filters.insert(r.filters.begin(), r.filters.end());
    return NodePtr(merged);
  }
  return Status(ErrorCodes::ConflictingUpdateOperators,
                "Update created a conflict at '" + JoinPath(*path) + "'");
}

StatusWith<MValue> LeafNode::NewValue(ApplyState*) const {
  return Status(ErrorCodes::InternalError, "update operator cannot create fields");
}

Status LeafNode::Apply(ApplyState* state, Cursor* cursor, bool* noop) const {
  if (InsertOnly() && !state->is_insert) return Status::OK();
  if (!cursor->to_create.empty()) return ApplyToNonexistent(state, cursor, noop);
  return ApplyToExisting(state, cursor, noop);
}

Status LeafNode::ApplyToExisting(ApplyState* state, Cursor* cursor, bool* noop) const {
  auto changed = UpdateExisting(state, cursor);
  if (!changed.ok()) return changed.status();
  if (!changed.value()) return Status::OK();
  *noop = false;
  if (cursor->PathTakenStartsWithId()) {
    return Status(ErrorCodes::ImmutableField, "Performing an update on the path '" +
                                                  cursor->PathTaken() +
                                                  "' would modify the immutable field '_id'");
  }
  if (ValidateResult()) {
    const MValue& parent = *cursor->frames[cursor->frames.size() - 2].value;
    for (size_t i = 0; i < parent.children.size(); ++i) {
      if (&parent.children[i]->value != cursor->element()) continue;
      return ValidateField(parent, i, static_cast<uint32_t>(cursor->frames.size() - 1), true);
    }
  }
  return Status::OK();
}

Status LeafNode::ApplyToNonexistent(ApplyState* state, Cursor* cursor, bool* noop) const {
  if (!AllowCreation()) {
    if (AllowNonViablePath()) return Status::OK();
    // Nothing to do where the path could be created; an error where it could not.
    const MValue* element = cursor->element();
    if (element->IsDocument() ||
        (element->IsArray() && ParseArrayIndex(cursor->to_create[0]).has_value())) {
      return Status::OK();
    }
    return Status(ErrorCodes::PathNotViable,
                  "Cannot use the part (" + cursor->to_create[0] + ") of (" + cursor->PathTaken() +
                      "." + JoinPath(cursor->to_create) + ") to traverse the element ({" +
                      ElementString(cursor->element_name(), *element) + "})");
  }
  auto value = NewValue(state);
  if (!value.ok()) return value.status();
  auto created = CreatePath(cursor, std::move(value).value());
  if (!created.ok()) return created.status();
  *noop = false;
  const MValue& parent = *cursor->element();
  const int index = IndexOf(&parent, created.value());
  Status status = ValidateField(parent, static_cast<size_t>(index),
                                static_cast<uint32_t>(cursor->frames.size()), parent.IsDocument());
  if (!status.ok()) return status;
  if (cursor->PathTakenStartsWithId()) {
    return Status(ErrorCodes::ImmutableField,
                  "Updating the path '" + cursor->PathTaken() + "' to " +
                      ElementString(cursor->element_name(), *cursor->element()) +
                      " would modify the immutable field '_id'");
  }
  return Status::OK();
}

StatusWith<MField*> CreatePath(Cursor* cursor, MValue value) {
  MValue* element = cursor->element();
  const auto& parts = cursor->to_create;
  auto not_viable = [&] {
    return Status(ErrorCodes::PathNotViable, "Cannot create field '" + parts[0] + "' in element {" +
                                                 ElementString(cursor->element_name(), *element) +
                                                 "}");
  };
  if (!element->IsDocument() && !element->IsArray()) return not_viable();
  Expand(element);
  if (element->IsArray()) {
    const auto index = ParseArrayIndex(parts[0]);
    if (!index) return not_viable();
    if (*index > element->children.size()) {
      const size_t pad = *index - element->children.size();
      if (pad > kMaxPaddingAllowed) {
        return Status(
            ErrorCodes::CannotBackfillArray,
            "can't backfill more than " + std::to_string(kMaxPaddingAllowed) + " elements");
      }
      for (size_t i = 0; i < pad; ++i) {
        element->children.push_back(std::make_unique<MField>(MField{"", MValue::Null()}));
      }
    }
  }
  // The rest of the path becomes nested documents around the value.
  for (size_t i = parts.size() - 1; i > 0; --i) {
    MValue doc = MValue::EmptyDocument();
    doc.children.push_back(std::make_unique<MField>(MField{parts[i], std::move(value)}));
    value = std::move(doc);
  }
  element->children.push_back(std::make_unique<MField>(MField{parts[0], std::move(value)}));
  return element->children.back().get();
}

}  // namespace basalt::query::update_internal
