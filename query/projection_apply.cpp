// Applying a parsed projection to one document, step for step as mongod's
// ProjectionNode::applyToDocument (projections in document order, then the
// computed fields) followed by the find-only root replacements
// (projection_executor_utils.cpp: applyFindSliceProjection,
// applyFindPositionalProjection), each on the previous step's output.

#include <algorithm>
#include <charconv>
#include <string>

#include "base/bson.h"
#include "query/projection_internal.h"

namespace basalt::query::projection_internal {

void Value::Expand() {
  if (kind != Kind::kRaw) return;
  const bool is_document = raw.value_type == BSON_TYPE_DOCUMENT;
  if (!is_document && raw.value_type != BSON_TYPE_ARRAY) return;
  // v_doc and v_array share their layout in bson_value_t.
  const BsonView container(raw.value.v_doc.data, raw.value.v_doc.data_len);
  bson_iter_t child;
  bson_iter_init(&child, container.get());
  kind = is_document ? Kind::kDocument : Kind::kArray;
  while (bson_iter_next(&child)) {
    if (is_document) {
      fields.push_back({KeyOf(&child), Raw(child)});
    } else {
      elements.push_back(Raw(child));
    }
  }
}

Value* Value::FindField(std::string_view name) {
  for (Field& f : fields) {
    if (f.name == name) return &f.value;
  }
  return nullptr;
}

void Value::SetField(std::string_view name, Value value) {
  if (Value* existing = FindField(name)) {
    *existing = std::move(value);
  } else {
    fields.push_back({name, std::move(value)});
  }
}

void AppendValue(bson_t* out, std::string_view name, const Value& value) {
  const int name_len = static_cast<int>(name.size());
  switch (value.kind) {
    case Value::Kind::kMissing:
      return;
    case Value::Kind::kRaw:
      bson_append_value(out, name.data(), name_len, &value.raw);
      return;
    case Value::Kind::kDocument: {
      bson_t child;
      bson_append_document_begin(out, name.data(), name_len, &child);
      for (const Field& f : value.fields) AppendValue(&child, f.name, f.value);
      bson_append_document_end(out, &child);
      return;
    }
    case Value::Kind::kArray: {
      bson_t child;
      bson_append_array_begin(out, name.data(), name_len, &child);
      uint32_t index = 0;
      char buf[16];
      for (const Value& e : value.elements) {
        // Missing slots (scalars an inclusion dropped) vanish and the rest
        // are renumbered, as when mongod serializes a Value array.
        if (e.missing()) continue;
        const char* key = nullptr;
        const size_t key_len = bson_uint32_to_string(index++, &key, buf, sizeof buf);
        AppendValue(&child, std::string_view(key, key_len), e);
      }
      bson_append_array_end(out, &child);
      return;
    }
  }
}

namespace {

struct DocBytes {
  const uint8_t* data;
  uint32_t len;
};

DocBytes BytesOf(const bson_iter_t* it) {
  DocBytes b{nullptr, 0};
  if (BSON_ITER_HOLDS_DOCUMENT(it)) {
    bson_iter_document(it, &b.len, &b.data);
  } else {
    bson_iter_array(it, &b.len, &b.data);
  }
  return b;
}

Value InclusionToValue(const ExecNode& node, const bson_iter_t* it);

// ProjectionNode::applyProjections for an inclusion: the fields named at
// this level, in the input's order.
Value InclusionToDocument(const ExecNode& node, DocBytes doc) {
  Value out = Value::Document();
  const BsonView view(doc.data, doc.len);
  bson_iter_t it;
  bson_iter_init(&it, view.get());
  while (bson_iter_next(&it)) {
    const std::string_view name = KeyOf(&it);
    if (node.IsProjected(name)) {
      out.fields.push_back({name, Value::Raw(it)});
    } else if (const ExecNode* child = node.Child(name)) {
      out.fields.push_back({name, InclusionToValue(*child, &it)});
    }
  }
  return out;
}

// applyProjectionsToValue: documents are projected, arrays element by
// element (nested arrays too), and anything else cannot hold the subfields.
Value InclusionToValue(const ExecNode& node, const bson_iter_t* it) {
  if (BSON_ITER_HOLDS_DOCUMENT(it)) return InclusionToDocument(node, BytesOf(it));
  if (!BSON_ITER_HOLDS_ARRAY(it)) return Value();
  Value out;
  out.kind = Value::Kind::kArray;
  bson_iter_t e;
  bson_iter_recurse(it, &e);
  while (bson_iter_next(&e)) out.elements.push_back(InclusionToValue(node, &e));
  return out;
}

Value ExclusionToValue(const ExecNode& node, const bson_iter_t* it);

Value ExclusionToDocument(const ExecNode& node, DocBytes doc) {
  Value out = Value::Document();
  const BsonView view(doc.data, doc.len);
  bson_iter_t it;
  bson_iter_init(&it, view.get());
  while (bson_iter_next(&it)) {
    const std::string_view name = KeyOf(&it);
    if (node.IsProjected(name)) continue;
    if (const ExecNode* child = node.Child(name)) {
      out.fields.push_back({name, ExclusionToValue(*child, &it)});
    } else {
      out.fields.push_back({name, Value::Raw(it)});
    }
  }
  return out;
}

// An exclusion keeps what it cannot descend into.
Value ExclusionToValue(const ExecNode& node, const bson_iter_t* it) {
  if (BSON_ITER_HOLDS_DOCUMENT(it)) return ExclusionToDocument(node, BytesOf(it));
  if (!BSON_ITER_HOLDS_ARRAY(it)) return Value::Raw(*it);
  Value out;
  out.kind = Value::Kind::kArray;
  bson_iter_t e;
  bson_iter_recurse(it, &e);
  while (bson_iter_next(&e)) out.elements.push_back(ExclusionToValue(node, &e));
  return out;
}

std::optional<size_t> ParseIndex(std::string_view key) {
  size_t index = 0;
  auto [end, ec] = std::from_chars(key.data(), key.data() + key.size(), index);
  if (ec != std::errc() || end != key.data() + key.size()) return std::nullopt;
  return index;
}

// The element of an array value at `index`, or missing.
Value ElementAt(Value* array, size_t index) {
  array->Expand();
  return index < array->elements.size() ? array->elements[index] : Value();
}

Status Evaluate(const Computed& expr, const bson_t* root, Value* out) {
  switch (expr.kind) {
    case Computed::Kind::kConstant:
      *out = Value::Raw(expr.constant);
      return Status::OK();
    case Computed::Kind::kError:
      return expr.error;
    case Computed::Kind::kElemMatch: {
      // applyFindElemMatchProjection: the first element the predicate
      // matches, as a one-element array; nothing when none does.
      MatchDetails details;
      details.RequestElemMatchKey();
      *out = Value();
      if (!expr.matcher->Matches(root, &details) || !details.has_elem_match_key()) {
        return Status::OK();
      }
      bson_iter_t it;
      if (!bson_iter_init_find_w_len(&it, root, expr.field.data(),
                                     static_cast<int>(expr.field.size())) ||
          !BSON_ITER_HOLDS_ARRAY(&it)) {
        return Status::OK();
      }
      const std::optional<size_t> index = ParseIndex(details.elem_match_key());
      if (!index) return Status::OK();
      Value array = Value::Raw(it);
      Value element = ElementAt(&array, *index);
      if (element.missing()) return Status::OK();
      out->kind = Value::Kind::kArray;
      out->elements.push_back(std::move(element));
      return Status::OK();
    }
  }
  return Status::OK();
}

// The computed fields of one level, set in the order they were added.
// (Exclusions have them too: a top-level $elemMatch beside {b: 0}.)
struct ExpressionPass {
  const bson_t* root;
  bool inclusion;

  Status ApplyToDocument(const ExecNode& node, Value* doc) const;
  Status ApplyToValue(const ExecNode& node, Value* value) const;
};

// applyExpressionsToValue: into documents, through arrays, and where there is
// nothing to descend into, a new document of the computed fields replaces it.
Status ExpressionPass::ApplyToValue(const ExecNode& node, Value* value) const {
  if (value->IsDocument()) {
    value->Expand();
    return ApplyToDocument(node, value);
  }
  if (value->IsArray()) {
    value->Expand();
    for (Value& e : value->elements) {
      Status st = ApplyToValue(node, &e);
      if (!st.ok()) return st;
    }
    return Status::OK();
  }
  if (node.subtree_has_computed) {
    *value = Value::Document();
    return ApplyToDocument(node, value);
  }
  // transformSkippedValueForOutput: an inclusion drops it, an exclusion keeps it.
  if (inclusion) *value = Value();
  return Status::OK();
}

Status ExpressionPass::ApplyToDocument(const ExecNode& node, Value* doc) const {
  for (const std::string& name : node.order) {
    Value value;
    if (const ExecNode* child = node.Child(name)) {
      if (Value* existing = doc->FindField(name)) value = std::move(*existing);
      Status st = ApplyToValue(*child, &value);
      if (!st.ok()) return st;
    } else {
      Status st = Evaluate(*node.Expression(name), root, &value);
      if (!st.ok()) return st;
    }
    doc->SetField(name, std::move(value));
  }
  return Status::OK();
}

// mongod's sliceArray.
void SliceElements(std::vector<Value>* elements, std::optional<int32_t> skip, int32_t limit) {
  const int64_t len = static_cast<int64_t>(elements->size());
  int64_t start = 0;
  int64_t forward = 0;
  if (!skip) {
    if (limit < 0) {
      start = std::max<int64_t>(0, len + limit);
      forward = len - start;
    } else {
      forward = std::min<int64_t>(len, limit);
    }
  } else if (*skip < 0) {
    start = std::max<int64_t>(0, len + *skip);
    forward = std::min<int64_t>(len - start, limit);
  } else {
    start = std::min<int64_t>(len, *skip);
    forward = std::min<int64_t>(len - start, limit);
  }
  std::vector<Value> kept(std::make_move_iterator(elements->begin() + start),
                          std::make_move_iterator(elements->begin() + start + forward));
  *elements = std::move(kept);
}

// applyFindSliceProjectionHelper on the document `doc`, from component `i`.
void Slice(const Replacement& r, size_t i, Value* doc) {
  const std::string& name = r.path[i++];
  Value value;
  if (Value* existing = doc->FindField(name)) value = std::move(*existing);
  if (value.IsArray()) {
    value.Expand();
    if (i == r.path.size()) {
      SliceElements(&value.elements, r.skip, r.limit);
    } else {
      // Arrays directly inside the array are not descended into.
      for (Value& e : value.elements) {
        if (e.IsDocument()) {
          e.Expand();
          Slice(r, i, &e);
        }
      }
    }
  } else if (value.IsDocument() && i < r.path.size()) {
    value.Expand();
    Slice(r, i, &value);
  }
  doc->SetField(name, std::move(value));
}

// applyFindPositionalProjection: the first array met along the path, in the
// projected document, is replaced by its element at the matched index.
Status Positional(const Replacement& r, const MatchDetails* match, Value* post) {
  Value* sub = post;
  for (size_t ind = 0; ind < r.path.size(); ++ind) {
    Value* value = sub->FindField(r.path[ind]);
    if (value != nullptr && value->IsArray()) {
      if (match == nullptr || !match->has_elem_match_key()) {
        return Status(51246,
                      "positional operator '.$' couldn't find a matching element in the array");
      }
      const std::optional<size_t> index = ParseIndex(match->elem_match_key());
      Value element = index ? ElementAt(value, *index) : Value();
      if (element.missing()) return Status(51247, "positional operator '.$' element mismatch");
      Value replacement;
      replacement.kind = Value::Kind::kArray;
      replacement.elements.push_back(std::move(element));
      // setNestedField of the path's first ind+1 components, from the root:
      // a component skipped below (not a document) becomes one.
      Value* target = post;
      for (size_t k = 0; k < ind; ++k) {
        Value* next = target->FindField(r.path[k]);
        if (next == nullptr || !next->IsDocument()) {
          target->SetField(r.path[k], Value::Document());
          next = target->FindField(r.path[k]);
        }
        next->Expand();
        target = next;
      }
      target->SetField(r.path[ind], std::move(replacement));
      return Status::OK();
    }
    // mongod's loop only moves down through documents; past a scalar or a
    // missing field it looks the next component up at the same level.
    if (value != nullptr && value->IsDocument()) {
      value->Expand();
      sub = value;
    }
  }
  return Status::OK();
}

}  // namespace

Status ApplyProjection(const State& state, const bson_t* doc, const MatchDetails* match,
                       bson_t* out) {
  if (state.identity) {
    bson_concat(out, doc);
    return Status::OK();
  }
  const DocBytes bytes{bson_get_data(doc), doc->len};
  Value post = state.inclusion ? InclusionToDocument(state.root, bytes)
                               : ExclusionToDocument(state.root, bytes);
  if (state.root.subtree_has_computed) {
    Status st = ExpressionPass{doc, state.inclusion}.ApplyToDocument(state.root, &post);
    if (!st.ok()) return st;
  }
  for (const Replacement& r : state.replacements) {
    if (r.kind == Replacement::Kind::kSlice) {
      Slice(r, 0, &post);
    } else {
      Status st = Positional(r, match, &post);
      if (!st.ok()) return st;
    }
  }
  for (const Field& f : post.fields) AppendValue(out, f.name, f.value);
  return Status::OK();
}

}  // namespace basalt::query::projection_internal
