// Array expressions: mongod's expression_array.cpp (ArrayMatchingMatchExpression,
// ElemMatchObjectMatchExpression, ElemMatchValueMatchExpression,
// SizeMatchExpression).

#include "base/bson.h"
#include "query/match_leaf.h"

namespace basalt::query {

bool ArrayMatchingExpression::Matches(const bson_t* doc, MatchDetails* details) const {
  return VisitPath(doc, field_path(), LeafArrays::kNoTraversal,
                   [&](const bson_iter_t* value, std::string_view offset) {
                     if (!value || bson_iter_type(value) != BSON_TYPE_ARRAY) return false;
                     // An array reached through another array reports the outer index as
                     // the elemMatchKey, not the inner element's.
                     const bool is_root = offset.empty();
                     if (!MatchesArray(value, is_root ? details : nullptr)) return false;
                     if (!is_root && details && details->needs_record())
                       details->SetElemMatchKey(offset);
                     return true;
                   });
}

bool ArrayMatchingExpression::MatchesSingleElement(const bson_iter_t* value,
                                                   MatchDetails* details) const {
  return value && bson_iter_type(value) == BSON_TYPE_ARRAY && MatchesArray(value, details);
}

bool SizeExpression::MatchesArray(const bson_iter_t* array, MatchDetails*) const {
  if (size_ < 0) return false;
  bson_iter_t elem;
  if (!bson_iter_recurse(array, &elem)) return false;
  int count = 0;
  while (bson_iter_next(&elem)) ++count;
  return count == size_;
}

void SizeExpression::AppendDebugString(std::string* out, int indent) const {
  AddIndent(out, indent);
  out->append(path()).append(" $size : ").append(std::to_string(size_)).append("\n");
}

bool ElemMatchObjectExpression::MatchesArray(const bson_iter_t* array,
                                             MatchDetails* details) const {
  bson_iter_t elem;
  if (!bson_iter_recurse(array, &elem)) return false;
  while (bson_iter_next(&elem)) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    if (BSON_ITER_HOLDS_DOCUMENT(&elem)) {
      bson_iter_document(&elem, &len, &data);
    } else if (BSON_ITER_HOLDS_ARRAY(&elem)) {
      // mongod's isABSONObj: an array element is matched as {"0": .., "1": ..}.
      bson_iter_array(&elem, &len, &data);
    } else {
      continue;
    }
    const BsonView sub(data, len);
    if (sub_->Matches(sub.get(), nullptr)) {
      if (details && details->needs_record()) details->SetElemMatchKey(KeyOf(&elem));
      return true;
    }
  }
  return false;
}

void ElemMatchObjectExpression::AppendDebugString(std::string* out, int indent) const {
  AddIndent(out, indent);
  out->append(path()).append(" $elemMatch (obj)\n");
  sub_->AppendDebugString(out, indent + 1);
}

bool ElemMatchValueExpression::MatchesArray(const bson_iter_t* array, MatchDetails* details) const {
  bson_iter_t elem;
  if (!bson_iter_recurse(array, &elem)) return false;
  while (bson_iter_next(&elem)) {
    bool all = true;
    for (const auto& sub : subs_) {
      if (!sub->MatchesSingleElement(&elem, nullptr)) {
        all = false;
        break;
      }
    }
    if (all) {
      if (details && details->needs_record()) details->SetElemMatchKey(KeyOf(&elem));
      return true;
    }
  }
  return false;
}

void ElemMatchValueExpression::AppendDebugString(std::string* out, int indent) const {
  AddIndent(out, indent);
  out->append(path()).append(" $elemMatch (value)\n");
  for (const auto& sub : subs_) sub->AppendDebugString(out, indent + 1);
}

}  // namespace basalt::query
