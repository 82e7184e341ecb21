// The array operators: $push (with $each $position $sort $slice), $addToSet
// (with $each), $pop, $pull and $pullAll, after mongod's push_node,
// addtoset_node, pop_node, pull_node, pullall_node, array_culling_node and
// pattern_cmp (src/mongo/db/update/), with their argument errors and messages.
#include <algorithm>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "base/bson_shell.h"
#include "query/numbers.h"
#include "query/update_internal.h"
#include "storage/key_string.h"

namespace basalt::query::update_internal {
namespace {

Status BadValue(std::string reason) { return Status(ErrorCodes::BadValue, std::move(reason)); }

int Compare(const MValue& a, const bson_iter_t* b) {
  ValueView view(a);
  return storage::CompareBsonValues(view.iter(), b);
}

// std::abs(LLONG_MIN) is undefined; mongod uses abs(LLONG_MIN + 1).
int64_t SafeAbs(int64_t v) {
  return v == std::numeric_limits<int64_t>::min() ? std::numeric_limits<int64_t>::max()
                                                  : (v < 0 ? -v : v);
}

// PatternElementCmp: a whole-value sort (pattern {"": 1/-1}) or a sort on
// fields of the elements (missing fields and non-documents sort as null).
class PushSort {
 public:
  // `whole` > 0 or < 0 for a whole-value sort; else `pattern` is a document.
  PushSort(int whole, const bson_iter_t& pattern) : whole_(whole), pattern_(pattern) {}

  void Sort(FieldList* elements) const {
    // Keys are extracted once; the sort is stable, as mongod's sortChildren.
    struct Keyed {
      std::unique_ptr<MField> field;
      std::vector<std::optional<bson_iter_t>> keys;
      std::unique_ptr<ValueView> view;
    };
    std::vector<Keyed> keyed;
    for (auto& field : *elements) {
      Keyed k;
      k.view = std::make_unique<ValueView>(field->value);
      if (whole_ == 0) k.keys = ExtractKeys(*k.view->iter());
      k.field = std::move(field);
      keyed.push_back(std::move(k));
    }
    std::stable_sort(keyed.begin(), keyed.end(), [this](const Keyed& a, const Keyed& b) {
      if (whole_ != 0) {
        const int c = storage::CompareBsonValues(a.view->iter(), b.view->iter());
        return whole_ < 0 ? c > 0 : c < 0;
      }
      bson_iter_t it;
      bson_iter_recurse(&pattern_, &it);
      for (size_t i = 0; i < a.keys.size() && bson_iter_next(&it); ++i) {
        int c = CompareKeys(a.keys[i], b.keys[i]);
        if (NumberAsDouble(&it) < 0) c = -c;
        if (c != 0) return c < 0;
      }
      return false;
    });
    elements->clear();
    for (auto& k : keyed) elements->push_back(std::move(k.field));
  }

 private:
  std::vector<std::optional<bson_iter_t>> ExtractKeys(const bson_iter_t& value) const {
    std::vector<std::optional<bson_iter_t>> keys;
    bson_iter_t it;
    bson_iter_recurse(&pattern_, &it);
    while (bson_iter_next(&it)) {
      std::optional<bson_iter_t> key;
      if (BSON_ITER_HOLDS_DOCUMENT(&value)) {
        bson_iter_t child, found;
        if (bson_iter_recurse(&value, &child) &&
            bson_iter_find_descendant(&child, bson_iter_key(&it), &found)) {
          key = found;
        }
      }
      keys.push_back(key);
    }
    return keys;
  }

  static int CompareKeys(const std::optional<bson_iter_t>& a, const std::optional<bson_iter_t>& b) {
    static const Bson null_holder = [] {
      Bson doc;
      bson_append_null(doc.get(), "", 0);
      return doc;
    }();
    bson_iter_t null_iter;
    bson_iter_init(&null_iter, null_holder.get());
    bson_iter_next(&null_iter);
    return storage::CompareBsonValues(a ? &*a : &null_iter, b ? &*b : &null_iter);
  }

  const int whole_;
  const bson_iter_t pattern_;
};

class PushNode : public LeafNode {
 public:
  PushNode(std::vector<bson_iter_t> values, std::optional<int64_t> slice,
           std::optional<PushSort> sort, std::optional<int64_t> position)
      : values_(std::move(values)), slice_(slice), sort_(std::move(sort)), position_(position) {}

 protected:
  bool AllowCreation() const override { return true; }
  StatusWith<bool> UpdateExisting(ApplyState* state, Cursor* cursor) const override {
    MValue* element = cursor->element();
    if (!element->IsArray()) {
      return BadValue("The field '" + cursor->PathTaken() + "' must be an array but is of type " +
                      std::string(TypeName(element->type)) + " in document {" +
                      IdString(*state->root, "no id") + "}");
    }
    return Push(state, element);
  }
  StatusWith<MValue> NewValue(ApplyState* state) const override {
    MValue array = MValue::EmptyArray();
    Push(state, &array);
    return array;
  }

 private:
  bool Push(ApplyState* state, MValue* array) const {
    Expand(array);
    FieldList& children = array->children;
    bool changed = false;
    if (!values_.empty()) {
      changed = true;
      const int64_t size = static_cast<int64_t>(children.size());
      int64_t at = size;  // append, unless a $position says otherwise
      if (size > 0 && position_ && *position_ <= size) {
        if (*position_ > 0) {
          at = *position_;
        } else if (*position_ < 0 && SafeAbs(*position_) < size) {
          at = size - SafeAbs(*position_);
        } else {
          at = 0;
        }
      }
      FieldList inserted;
      for (const auto& v : values_) {
        inserted.push_back(std::make_unique<MField>(MField{"", MValue::Ref(v, state->spec)}));
      }
      children.insert(children.begin() + at, std::make_move_iterator(inserted.begin()),
                      std::make_move_iterator(inserted.end()));
    }
    if (sort_) {
      changed = true;
      sort_->Sort(&children);
    }
    if (slice_) {
      const int64_t keep = SafeAbs(*slice_);
      if (static_cast<int64_t>(children.size()) > keep) {
        changed = true;
        const size_t drop = children.size() - static_cast<size_t>(keep);
        if (*slice_ >= 0) {
          children.erase(children.end() - static_cast<std::ptrdiff_t>(drop), children.end());
        } else {
          children.erase(children.begin(), children.begin() + static_cast<std::ptrdiff_t>(drop));
        }
      }
    }
    return changed;
  }

  const std::vector<bson_iter_t> values_;
  const std::optional<int64_t> slice_;
  const std::optional<PushSort> sort_;
  const std::optional<int64_t> position_;
};

class AddToSetNode : public LeafNode {
 public:
  explicit AddToSetNode(std::vector<bson_iter_t> values) : values_(std::move(values)) {}

 protected:
  bool AllowCreation() const override { return true; }
  StatusWith<bool> UpdateExisting(ApplyState* state, Cursor* cursor) const override {
    MValue* element = cursor->element();
    if (!element->IsArray()) {
      return BadValue("Cannot apply $addToSet to non-array field. Field named '" +
                      cursor->element_name() + "' has non-array type " +
                      std::string(TypeName(element->type)));
    }
    Expand(element);
    std::vector<const bson_iter_t*> to_add;
    for (const auto& v : values_) {
      const bool present = std::any_of(element->children.begin(), element->children.end(),
                                       [&](const auto& f) { return Compare(f->value, &v) == 0; });
      if (!present) to_add.push_back(&v);
    }
    if (to_add.empty()) return false;
    for (const bson_iter_t* v : to_add) {
      element->children.push_back(
          std::make_unique<MField>(MField{"", MValue::Ref(*v, state->spec)}));
    }
    return true;
  }
  StatusWith<MValue> NewValue(ApplyState* state) const override {
    MValue array = MValue::EmptyArray();
    for (const auto& v : values_) {
      array.children.push_back(std::make_unique<MField>(MField{"", MValue::Ref(v, state->spec)}));
    }
    return array;
  }

 private:
  const std::vector<bson_iter_t> values_;  // without duplicates
};

class PopNode : public LeafNode {
 public:
  explicit PopNode(bool front) : front_(front) {}

 protected:
  bool ValidateResult() const override { return false; }
  StatusWith<bool> UpdateExisting(ApplyState*, Cursor* cursor) const override {
    MValue* element = cursor->element();
    if (!element->IsArray()) {
      return Status(ErrorCodes::TypeMismatch, "Path '" + cursor->PathTaken() +
                                                  "' contains an element of non-array type '" +
                                                  std::string(TypeName(element->type)) + "'");
    }
    Expand(element);
    if (element->children.empty()) return false;
    element->children.erase(front_ ? element->children.begin() : element->children.end() - 1);
    return true;
  }

 private:
  const bool front_;
};

// $pull and $pullAll: remove the elements a predicate accepts.
class ArrayCullingNode : public LeafNode {
 protected:
  bool ValidateResult() const override { return false; }
  virtual bool Matches(const MValue& element) const = 0;
  StatusWith<bool> UpdateExisting(ApplyState*, Cursor* cursor) const override {
    MValue* element = cursor->element();
    if (!element->IsArray()) return BadValue("Cannot apply $pull to a non-array value");
    Expand(element);
    auto& children = element->children;
    const size_t before = children.size();
    children.erase(std::remove_if(children.begin(), children.end(),
                                  [this](const auto& f) { return Matches(f->value); }),
                   children.end());
    return children.size() != before;
  }
};

class PullNode : public ArrayCullingNode {
 public:
  enum class Mode { kObject, kWrapped, kEquality };
  PullNode(Mode mode, std::unique_ptr<Matcher> matcher, const bson_iter_t& value)
      : mode_(mode), matcher_(std::move(matcher)), value_(value) {}

 protected:
  bool Matches(const MValue& element) const override {
    switch (mode_) {
      case Mode::kObject: {
        // A condition on fields matches only documents.
        if (!element.IsDocument()) return false;
        ValueView view(element);
        uint32_t len = 0;
        const uint8_t* data = nullptr;
        bson_iter_document(view.iter(), &len, &data);
        BsonView doc(data, len);
        return matcher_->Matches(doc.get());
      }
      case Mode::kWrapped: {
        Bson wrapped;
        AppendValue(wrapped.get(), "", element);
        return matcher_->Matches(wrapped.get());
      }
      case Mode::kEquality:
        return Compare(element, &value_) == 0;
    }
    return false;
  }

 private:
  const Mode mode_;
  const std::unique_ptr<Matcher> matcher_;
  const bson_iter_t value_;
};

class PullAllNode : public ArrayCullingNode {
 public:
  explicit PullAllNode(std::vector<bson_iter_t> values) : values_(std::move(values)) {}

 protected:
  bool Matches(const MValue& element) const override {
    return std::any_of(values_.begin(), values_.end(),
                       [&](const bson_iter_t& v) { return Compare(element, &v) == 0; });
  }

 private:
  const std::vector<bson_iter_t> values_;
};

std::vector<bson_iter_t> ArrayValues(const bson_iter_t& array) {
  std::vector<bson_iter_t> values;
  bson_iter_t it;
  if (bson_iter_recurse(&array, &it)) {
    while (bson_iter_next(&it)) values.push_back(it);
  }
  return values;
}

// pattern_cmp::checkSortClause.
Status CheckSortPattern(const bson_iter_t& pattern) {
  bson_iter_t it;
  bson_iter_recurse(&pattern, &it);
  bool any = false;
  while (bson_iter_next(&it)) {
    any = true;
    const double order = IsNumber(bson_iter_type(&it)) ? NumberAsDouble(&it) : 0;
    if (order != -1 && order != 1) return BadValue("The sort element value must be either 1 or -1");
    const std::string name(bson_iter_key(&it), bson_iter_key_len(&it));
    if (name.empty()) return BadValue("The sort field cannot be empty");
    for (const auto& part : SplitPath(name)) {
      if (part.empty()) {
        return BadValue("The sort field is a dotted field but has an empty part: " + name);
      }
    }
  }
  if (!any) return BadValue("The sort pattern is empty when it should be a set of fields.");
  return Status::OK();
}

StatusWith<NodePtr> MakePush(const bson_iter_t& field) {
  bson_iter_t each;
  if (!BSON_ITER_HOLDS_DOCUMENT(&field) || !bson_iter_recurse(&field, &each) ||
      !bson_iter_find(&each, "$each")) {
    // Without $each the value itself is pushed.
    std::vector<bson_iter_t> values;
    values.push_back(field);
    return NodePtr(
        std::make_shared<PushNode>(std::move(values), std::nullopt, std::nullopt, std::nullopt));
  }
  std::optional<bson_iter_t> each_clause, slice_clause, sort_clause, position_clause;
  bson_iter_t it;
  bson_iter_recurse(&field, &it);
  while (bson_iter_next(&it)) {
    const std::string name(bson_iter_key(&it), bson_iter_key_len(&it));
    std::optional<bson_iter_t>* slot = name == "$each"       ? &each_clause
                                       : name == "$slice"    ? &slice_clause
                                       : name == "$sort"     ? &sort_clause
                                       : name == "$position" ? &position_clause
                                                             : nullptr;
    if (!slot) return BadValue("Unrecognized clause in $push: " + name);
    if (slot->has_value()) return BadValue("Only one " + name + " is supported.");
    *slot = it;
  }
  if (!BSON_ITER_HOLDS_ARRAY(&*each_clause)) {
    return BadValue("The argument to $each in $push must be an array but it was of type: " +
                    std::string(TypeName(bson_iter_type(&*each_clause))));
  }
  std::optional<int64_t> slice, position;
  if (slice_clause) {
    auto parsed = ParseIntegerElementToLong(&*slice_clause);
    if (!parsed.ok()) {
      return BadValue("The value for $slice must be an integer value but was given type: " +
                      std::string(TypeName(bson_iter_type(&*slice_clause))));
    }
    slice = parsed.value();
  }
  std::optional<PushSort> sort;
  if (sort_clause) {
    if (BSON_ITER_HOLDS_DOCUMENT(&*sort_clause)) {
      Status status = CheckSortPattern(*sort_clause);
      if (!status.ok()) return status;
      sort.emplace(0, *sort_clause);
    } else if (IsNumber(bson_iter_type(&*sort_clause))) {
      const double order = NumberAsDouble(&*sort_clause);
      if (order != 1 && order != -1) {
        return BadValue("The $sort element value must be either 1 or -1");
      }
      sort.emplace(order > 0 ? 1 : -1, *sort_clause);
    } else {
      return BadValue(
          "The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort "
          "embedded fields");
    }
  }
  if (position_clause) {
    auto parsed = ParseIntegerElementToLong(&*position_clause);
    if (!parsed.ok()) {
      return BadValue("The value for $position must be an integer value, not of type: " +
                      std::string(TypeName(bson_iter_type(&*position_clause))));
    }
    position = parsed.value();
  }
  return NodePtr(
      std::make_shared<PushNode>(ArrayValues(*each_clause), slice, std::move(sort), position));
}

StatusWith<NodePtr> MakeAddToSet(const bson_iter_t& field) {
  std::vector<bson_iter_t> candidates;
  candidates.push_back(field);
  bson_iter_t first;
  if (BSON_ITER_HOLDS_DOCUMENT(&field) && bson_iter_recurse(&field, &first) &&
      bson_iter_next(&first) && std::string_view(bson_iter_key(&first)) == "$each") {
    if (!BSON_ITER_HOLDS_ARRAY(&first)) {
      return Status(ErrorCodes::TypeMismatch,
                    "The argument to $each in $addToSet must be an array but it was of type " +
                        std::string(TypeName(bson_iter_type(&first))));
    }
    bson_iter_t rest = first;
    if (bson_iter_next(&rest)) {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&field, &len, &data);
      BsonView doc(data, len);
      return BadValue("Found unexpected fields after $each in $addToSet: " +
                      ShellString(doc.get()));
    }
    candidates = ArrayValues(first);
  }
  // Duplicates among the values are dropped, keeping the first of each.
  std::vector<bson_iter_t> values;
  for (const auto& c : candidates) {
    const bool seen = std::any_of(values.begin(), values.end(), [&](const bson_iter_t& v) {
      return storage::CompareBsonValues(&v, &c) == 0;
    });
    if (!seen) values.push_back(c);
  }
  return NodePtr(std::make_shared<AddToSetNode>(std::move(values)));
}

// MatchExpressionParser::parsePathAcceptingKeyword: operators that apply to a
// path, which make a $pull condition a condition on the element itself.
bool IsPathAcceptingKeyword(std::string_view name) {
  static const char* const kKeywords[] = {
      "$all",           "$bitsAllClear", "$bitsAllSet", "$bitsAnyClear",
      "$bitsAnySet",    "$elemMatch",    "$eq",         "$exists",
      "$geoIntersects", "$geoNear",      "$geoWithin",  "$gt",
      "$gte",           "$in",           "$lt",         "$lte",
      "$maxDistance",   "$minDistance",  "$mod",        "$ne",
      "$near",          "$nearSphere",   "$nin",        "$not",
      "$options",       "$regex",        "$size",       "$type",
      "$within"};
  if (name.rfind("$_internal", 0) == 0) return true;
  return std::any_of(std::begin(kKeywords), std::end(kKeywords),
                     [&](const char* k) { return name == k; });
}

StatusWith<NodePtr> MakePull(const bson_iter_t& field) {
  const MatcherOptions options = MatcherOptions::BanAllSpecialFeatures();
  bson_iter_t first;
  const bool is_document = BSON_ITER_HOLDS_DOCUMENT(&field);
  const bool operator_first = is_document && bson_iter_recurse(&field, &first) &&
                              bson_iter_next(&first) &&
                              IsPathAcceptingKeyword(bson_iter_key(&first));
  if (is_document && !operator_first) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&field, &len, &data);
    BsonView condition(data, len);
    auto matcher = Matcher::Parse(condition.get(), options);
    if (!matcher.ok()) return matcher.status();
    return NodePtr(
        std::make_shared<PullNode>(PullNode::Mode::kObject, std::move(matcher).value(), field));
  }
  if (is_document || BSON_ITER_HOLDS_REGEX(&field)) {
    // The condition applies to the element itself: both go under the field "".
    Bson wrapped;
    bson_append_iter(wrapped.get(), "", 0, &field);
    auto matcher = Matcher::Parse(wrapped.get(), options);
    if (!matcher.ok()) return matcher.status();
    return NodePtr(
        std::make_shared<PullNode>(PullNode::Mode::kWrapped, std::move(matcher).value(), field));
  }
  return NodePtr(std::make_shared<PullNode>(PullNode::Mode::kEquality, nullptr, field));
}

}  // namespace

StatusWith<NodePtr> MakeArrayOpNode(Op op, const bson_iter_t& field) {
  switch (op) {
    case Op::kPush:
      return MakePush(field);
    case Op::kAddToSet:
      return MakeAddToSet(field);
    case Op::kPop: {
      auto value = ParseIntegerElementToLong(&field);
      if (!value.ok()) return value.status();
      if (value.value() != 1 && value.value() != -1) {
        return Status(ErrorCodes::FailedToParse,
                      "$pop expects 1 or -1, found: " + std::to_string(value.value()));
      }
      return NodePtr(std::make_shared<PopNode>(value.value() == -1));
    }
    case Op::kPull:
      return MakePull(field);
    case Op::kPullAll:
      if (!BSON_ITER_HOLDS_ARRAY(&field)) {
        return BadValue("$pullAll requires an array argument but was given a " +
                        std::string(TypeName(bson_iter_type(&field))));
      }
      return NodePtr(std::make_shared<PullAllNode>(ArrayValues(field)));
    default:
      return Status(ErrorCodes::InternalError, "not an array update operator");
  }
}

}  // namespace basalt::query::update_internal
