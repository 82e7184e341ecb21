// Storage validation of updated documents (mongod's storage_validation.cpp),
// `_id` placement, and replacement documents (object_replace_executor.cpp).
#include <algorithm>
#include <cstring>

#include "query/update_internal.h"
#include "storage/key_string.h"

namespace basalt::query::update_internal {
namespace {

// BSONDepth::getMaxDepthForUserStorage(): 200 allowed, 20 kept for the system.
constexpr uint32_t kMaxStorageDepth = 180;

// BSONObj::storageValidEmbedded for an `_id` document: no '$' field names
// except a leading DBRef.
std::optional<std::string> FirstInvalidDollarField(const bson_iter_t* doc) {
  bson_iter_t it;
  if (!bson_iter_recurse(doc, &it)) return std::nullopt;
  bool first = true;
  while (bson_iter_next(&it)) {
    std::string name(bson_iter_key(&it), bson_iter_key_len(&it));
    if (!name.empty() && name[0] == '$') {
      bson_iter_t next = it;
      if (first && name == "$ref" && BSON_ITER_HOLDS_UTF8(&it) && bson_iter_next(&next) &&
          std::string_view(bson_iter_key(&next)) == "$id") {
        first = false;
        it = next;
        bson_iter_t db = it;
        if (bson_iter_next(&db)) {
          std::string db_name(bson_iter_key(&db), bson_iter_key_len(&db));
          if (db_name == "$db" && BSON_ITER_HOLDS_UTF8(&db)) {
            it = db;
          } else if (!db_name.empty() && db_name[0] == '$') {
            return db_name;
          }
        }
        continue;
      }
      return name;
    }
    first = false;
    if (BSON_ITER_HOLDS_DOCUMENT(&it) || BSON_ITER_HOLDS_ARRAY(&it)) {
      auto inner = FirstInvalidDollarField(&it);
      if (inner) return inner;
    }
  }
  return std::nullopt;
}

// mongod's storageValidIdField.
Status ValidateId(const MValue& id) {
  switch (id.type) {
    case BSON_TYPE_REGEX:
    case BSON_TYPE_ARRAY:
    case BSON_TYPE_UNDEFINED:
      return Status(ErrorCodes::InvalidIdField,
                    "The '_id' value cannot be of type " + std::string(TypeName(id.type)));
    case BSON_TYPE_DOCUMENT: {
      ValueView view(id);
      if (auto bad = FirstInvalidDollarField(view.iter())) {
        return Status(ErrorCodes::DollarPrefixedFieldName,
                      "_id fields may not contain '$'-prefixed fields: " + *bad +
                          " is not valid for storage.");
      }
      return Status::OK();
    }
    default:
      return Status::OK();
  }
}

// The nesting below a value: 0 for a scalar or an empty container.
uint32_t NestingOfIter(const bson_iter_t* it) {
  if (!BSON_ITER_HOLDS_DOCUMENT(it) && !BSON_ITER_HOLDS_ARRAY(it)) return 0;
  bson_iter_t child;
  uint32_t deepest = 0;
  bool any = false;
  if (bson_iter_recurse(it, &child)) {
    while (bson_iter_next(&child)) {
      any = true;
      deepest = std::max(deepest, NestingOfIter(&child));
    }
  }
  return any ? deepest + 1 : 0;
}

uint32_t Nesting(const MValue& v) {
  if (!v.expanded) return NestingOfIter(&v.iter);
  if (v.children.empty()) return 0;
  uint32_t deepest = 0;
  for (const auto& child : v.children) deepest = std::max(deepest, Nesting(child->value));
  return deepest + 1;
}

// mongod's validateDollarPrefixElement: a top-level '$' field is refused
// unless it is part of a DBRef ($ref, $id, then optionally $db).
Status ValidateDollarPrefixed(const MValue& parent, size_t index) {
  auto name_at = [&](int i) -> std::string_view {
    return i >= 0 && i < static_cast<int>(parent.children.size())
               ? std::string_view(parent.children[i]->name)
               : std::string_view();
  };
  int curr = static_cast<int>(index);
  std::string_view name = name_at(curr);
  if (name == "$db") {
    if (parent.children[curr]->value.type != BSON_TYPE_UTF8) {
      return Status(ErrorCodes::InvalidDBRef,
                    "The DBRef $db field must be a String, not a " +
                        std::string(TypeName(parent.children[curr]->value.type)));
    }
    --curr;
    if (name_at(curr) != "$id") {
      return Status(ErrorCodes::InvalidDBRef,
                    "Found $db field without a $id before it, which is invalid.");
    }
    name = name_at(curr);
  }
  if (name == "$id") {
    --curr;
    if (name_at(curr) != "$ref") {
      return Status(ErrorCodes::InvalidDBRef,
                    "Found $id field without a $ref before it, which is invalid.");
    }
    name = name_at(curr);
  }
  if (name == "$ref") {
    if (parent.children[curr]->value.type != BSON_TYPE_UTF8) {
      return Status(ErrorCodes::InvalidDBRef,
                    "The DBRef $ref field must be a String, not a " +
                        std::string(TypeName(parent.children[curr]->value.type)));
    }
    if (name_at(curr + 1) != "$id") {
      return Status(ErrorCodes::InvalidDBRef,
                    "The DBRef $ref field must be followed by a $id field");
    }
    return Status::OK();
  }
  const std::string& field = parent.children[index]->name;
  return Status(ErrorCodes::DollarPrefixedFieldName,
                "The dollar ($) prefixed field '" + field + "' in '" + field +
                    "' is not allowed in the context of an update's replacement document. "
                    "Consider using an aggregation pipeline with $replaceWith.");
}

}  // namespace

Status ValidateField(const MValue& parent, size_t index, uint32_t level, bool check_top_dollar) {
  const MField& field = *parent.children[index];
  if (level == 1 && check_top_dollar && !field.name.empty() && field.name[0] == '$') {
    Status status = ValidateDollarPrefixed(parent, index);
    if (!status.ok()) return status;
  }
  if (level + Nesting(field.value) > kMaxStorageDepth) {
    return Status(ErrorCodes::Overflow,
                  "Document exceeds maximum nesting depth of " + std::to_string(kMaxStorageDepth));
  }
  return Status::OK();
}

Status ValidateDocument(const MValue& root, bool allow_top_level_dollar) {
  for (size_t i = 0; i < root.children.size(); ++i) {
    if (root.children[i]->name == "_id") {
      Status status = ValidateId(root.children[i]->value);
      if (!status.ok()) return status;
    }
    Status status = ValidateField(root, i, 1, !allow_top_level_dollar);
    if (!status.ok()) return status;
  }
  return Status::OK();
}

void EnsureIdFirst(MValue* root, bool generate) {
  for (size_t i = 0; i < root->children.size(); ++i) {
    if (root->children[i]->name != "_id") continue;
    if (i > 0) {
      auto id = std::move(root->children[i]);
      root->children.erase(root->children.begin() + static_cast<std::ptrdiff_t>(i));
      root->children.insert(root->children.begin(), std::move(id));
    }
    return;
  }
  if (!generate) return;
  Bson holder;
  bson_oid_t oid;
  bson_oid_init(&oid, nullptr);
  bson_append_oid(holder.get(), "", 0, &oid);
  root->children.insert(root->children.begin(),
                        std::make_unique<MField>(MField{"_id", MValue::Own(std::move(holder))}));
}

Status ApplyReplacement(const bson_t* replacement, ApplyState* state, bool* noop) {
  return ReplaceDocument(replacement, {.owner = state->spec}, state, noop);
}

Status ReplaceDocument(const bson_t* replacement, const ReplaceMode& mode, ApplyState* state,
                       bool* noop) {
  MValue* root = state->root;
  {
    Bson original = Serialize(*root);
    if (original.size() == replacement->len &&
        std::memcmp(original.data(), bson_get_data(replacement), replacement->len) == 0) {
      return Status::OK();
    }
  }
  bson_iter_t it;
  bool has_id = bson_iter_init_find(&it, replacement, "_id");
  std::optional<MValue> old_id;
  if (MField* id = FindField(root, "_id")) old_id = id->value.Clone();
  // The old _id stays (in its place) when the replacement has none.
  FieldList kept;
  for (auto& field : root->children) {
    if (!has_id && field->name == "_id") kept.push_back(std::move(field));
  }
  root->children = std::move(kept);
  bson_iter_init(&it, replacement);
  while (bson_iter_next(&it)) {
    std::string name(bson_iter_key(&it), bson_iter_key_len(&it));
    MValue value = MValue::Ref(it, mode.owner);
    // A zero timestamp outside _id takes the current time, as mongod's replacement does.
    uint32_t t = 0, i = 0;
    if (mode.fill_zero_timestamps && name != "_id" && BSON_ITER_HOLDS_TIMESTAMP(&it)) {
      bson_iter_timestamp(&it, &t, &i);
      if (t == 0 && i == 0) {
        state->NextTimestamp(&t, &i);
        Bson holder;
        bson_append_timestamp(holder.get(), "", 0, t, i);
        value = MValue::Own(std::move(holder));
      }
    }
    root->children.push_back(std::make_unique<MField>(MField{std::move(name), std::move(value)}));
  }
  *noop = false;
  Status status = ValidateDocument(*root, mode.allow_top_level_dollar);
  if (!status.ok()) return status;
  if (old_id) {
    MField* new_id = FindField(root, "_id");
    ValueView before(*old_id);
    ValueView after(new_id->value);
    if (storage::CompareBsonValues(before.iter(), after.iter()) != 0) {
      return Status(ErrorCodes::ImmutableField,
                    "After applying the update, the (immutable) field '_id' was found to have "
                    "been altered to " +
                        ElementString("_id", new_id->value));
    }
  }
  return Status::OK();
}

}  // namespace basalt::query::update_internal
