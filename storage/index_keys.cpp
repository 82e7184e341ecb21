#include "storage/index_keys.h"

#include <algorithm>
#include <string_view>

#include "storage/key_string.h"

namespace basalt::storage {
namespace {

// Static one-element documents whose iterators stand for null (a missing
// field) and undefined (an empty array), so every key value is an iterator.
const bson_iter_t& ConstantValue(bson_type_t type) {
  static const auto make = [](bool undefined) {
    static bson_t docs[2];
    bson_t* doc = &docs[undefined ? 1 : 0];
    bson_init(doc);
    if (undefined) {
      BSON_APPEND_UNDEFINED(doc, "");
    } else {
      BSON_APPEND_NULL(doc, "");
    }
    bson_iter_t it;
    bson_iter_init(&it, doc);
    bson_iter_next(&it);
    return it;
  };
  static const bson_iter_t kNull = make(false);
  static const bson_iter_t kUndefined = make(true);
  return type == BSON_TYPE_UNDEFINED ? kUndefined : kNull;
}

struct PathValue {
  bson_iter_t it;
  bool missing;
};

struct FieldValues {
  std::vector<std::string_view> path;
  std::vector<PathValue> values;
  const uint8_t* array = nullptr;  // identity (bytes) of the first array expanded
  std::string array_name;          // its field name, for the parallel-arrays error
  size_t array_depth = 0;          // path components consumed to reach it
  // Bit i: an array was expanded at path component i (mongod's multikey
  // path components); the last bit stands for every component past it.
  uint64_t array_components = 0;
};

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

const uint8_t* ArrayIdentity(const bson_iter_t* it) {
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_array(it, &len, &data);
  return data;
}

void PushMissing(std::vector<PathValue>* out) {
  out->push_back({ConstantValue(BSON_TYPE_NULL), true});
}

bool FindChild(const bson_iter_t* container, std::string_view name, bson_iter_t* child) {
  bson_iter_t sub;
  if (!bson_iter_recurse(container, &sub)) return false;
  if (!bson_iter_find_w_len(&sub, name.data(), static_cast<int>(name.size()))) return false;
  *child = sub;
  return true;
}

// Records the array at `it`, reached after `depth` path components.
void NoteArray(const bson_iter_t* it, size_t depth, FieldValues* field) {
  field->array_components |= uint64_t{1} << std::min<size_t>(depth - 1, 63);
  if (field->array != nullptr) return;
  field->array = ArrayIdentity(it);
  field->array_name = std::string(KeyOf(it));
  field->array_depth = depth;
}

// Appends the values at path[i..] below `v`. `as_element`: `v` is an element
// of an array being expanded (such an element is indexed whole if it is
// itself an array, and is not traversed further if the path goes on).
void Eval(const bson_iter_t& v, size_t i, bool as_element, FieldValues* field,
          std::vector<PathValue>* out) {
  const auto& path = field->path;
  const bson_type_t type = bson_iter_type(&v);
  if (i == path.size()) {
    if (type == BSON_TYPE_ARRAY && !as_element) {
      NoteArray(&v, i, field);
      bson_iter_t e;
      bson_iter_recurse(&v, &e);
      size_t before = out->size();
      while (bson_iter_next(&e)) out->push_back({e, false});
      if (out->size() == before) out->push_back({ConstantValue(BSON_TYPE_UNDEFINED), false});
    } else {
      out->push_back({v, false});
    }
    return;
  }
  if (type == BSON_TYPE_DOCUMENT) {
    bson_iter_t child;
    if (FindChild(&v, path[i], &child)) {
      Eval(child, i + 1, false, field, out);
    } else {
      PushMissing(out);
    }
    return;
  }
  if (type == BSON_TYPE_ARRAY && !as_element) {
    if (AllDigits(path[i])) {
      bson_iter_t child;
      if (FindChild(&v, path[i], &child)) {
        // As mongod's key generator: an array picked out by position at the
        // end of the path is one value, not expanded ({"a.0": 1} on
        // {a: [[1]]} keys [1]).
        bool last = i + 1 == path.size();
        Eval(child, i + 1, last, field, out);
      } else {
        PushMissing(out);
      }
      return;
    }
    NoteArray(&v, i, field);
    size_t before = out->size();
    bson_iter_t e;
    bson_iter_recurse(&v, &e);
    while (bson_iter_next(&e)) {
      if (BSON_ITER_HOLDS_DOCUMENT(&e)) Eval(e, i, true, field, out);
    }
    if (out->size() == before) PushMissing(out);
    return;
  }
  PushMissing(out);
}

// Appends every combination of one value per list to `tuples`.
void Product(const std::vector<const std::vector<PathValue>*>& lists,
             std::vector<std::vector<PathValue>>* tuples) {
  std::vector<PathValue> current(lists.size());
  std::vector<size_t> pos(lists.size(), 0);
  for (const auto* list : lists) {
    if (list->empty()) return;
  }
  while (true) {
    for (size_t f = 0; f < lists.size(); ++f) current[f] = (*lists[f])[pos[f]];
    tuples->push_back(current);
    size_t f = lists.size();
    while (f-- > 0) {
      if (++pos[f] < lists[f]->size()) break;
      pos[f] = 0;
    }
    if (f == static_cast<size_t>(-1)) return;
  }
}

// The common case, without the general path's per-field lists and
// combinations: every key field a top-level name whose value (if any) is not
// an array, so the document has exactly one key (or none, if sparse and
// missing them all). False for any other document, which then takes the
// general path (`values` may hold a partial result by then).
bool GenerateSimpleKey(const IndexSpec& spec, const bson_t* doc, std::string* encoded,
                       std::vector<bson_iter_t>* values, bool* skip) {
  const auto& names = spec.fields();
  const size_t n = names.size();
  for (const auto& name : names) {
    if (name.find('.') != std::string::npos) return false;
  }
  values->reserve(n);
  bool any_present = false;
  for (const auto& name : names) {
    bson_iter_t it;
    if (bson_iter_init(&it, doc) &&
        bson_iter_find_w_len(&it, name.data(), static_cast<int>(name.size()))) {
      if (BSON_ITER_HOLDS_ARRAY(&it)) return false;
      any_present = true;
      values->push_back(it);
    } else {
      values->push_back(ConstantValue(BSON_TYPE_NULL));
    }
  }
  *skip = spec.sparse() && !any_present;
  if (*skip) return true;
  for (size_t f = 0; f < n; ++f) {
    AppendKeyValue(encoded, &(*values)[f], spec.descending()[f]);
  }
  return true;
}

}  // namespace

Bson IndexKeys::KeyValue(size_t i) const {
  Bson out;
  const Entry& entry = entries_[i];
  for (size_t f = 0; f < field_names_->size(); ++f) {
    const std::string& name = (*field_names_)[f];
    bson_append_iter(out.get(), name.data(), static_cast<int>(name.size()), &entry.values[f]);
  }
  return out;
}

Status GenerateIndexKeys(const IndexSpec& spec, const bson_t* doc, IndexKeys* out) {
  out->entries_.clear();
  out->multikey_paths_.clear();
  out->field_names_ = spec.shared_fields();
  const size_t n = spec.fields().size();
  {
    IndexKeys::Entry entry;
    bool skip = false;
    if (GenerateSimpleKey(spec, doc, &entry.encoded, &entry.values, &skip)) {
      out->multikey_paths_.assign(n, 0);
      if (!skip) out->entries_.push_back(std::move(entry));
      return Status::OK();
    }
  }
  std::vector<FieldValues> fields(n);

  // The document itself, as an iterator over a one-level "parent", so that
  // Eval treats the root like any embedded document.
  bson_iter_t root;
  bool any_present = false;
  for (size_t f = 0; f < n; ++f) {
    FieldValues& field = fields[f];
    field.path = SplitPath(spec.fields()[f]);
    bson_iter_t top;
    if (bson_iter_init(&root, doc) &&
        bson_iter_find_w_len(&root, field.path[0].data(), static_cast<int>(field.path[0].size()))) {
      top = root;
      Eval(top, 1, false, &field, &field.values);
    } else {
      PushMissing(&field.values);
    }
    for (const auto& v : field.values) any_present = any_present || !v.missing;
    out->multikey_paths_.push_back(field.array_components);
  }
  if (spec.sparse() && !any_present) return Status::OK();

  // At most one array may be expanded, unless several fields go through it.
  const uint8_t* array = nullptr;
  size_t array_field = 0;
  for (size_t f = 0; f < n; ++f) {
    if (fields[f].array == nullptr) continue;
    if (array == nullptr) {
      array = fields[f].array;
      array_field = f;
    } else if (fields[f].array != array) {
      return Status(ErrorCodes::CannotIndexParallelArrays,
                    "cannot index parallel arrays [" + fields[f].array_name + "] [" +
                        fields[array_field].array_name + "]");
    }
  }

  std::vector<std::vector<PathValue>> tuples;
  std::vector<size_t> sharing;
  for (size_t f = 0; f < n; ++f) {
    if (array != nullptr && fields[f].array == array) sharing.push_back(f);
  }
  if (sharing.size() <= 1) {
    std::vector<const std::vector<PathValue>*> lists;
    for (const auto& field : fields) lists.push_back(&field.values);
    Product(lists, &tuples);
  } else {
    // Fields sharing the array take their values from the same element.
    const size_t depth = fields[sharing[0]].array_depth;
    bson_iter_t array_it;
    {
      // Re-find the array through the first sharing field's path.
      bson_iter_t it;
      bson_iter_init(&it, doc);
      bson_iter_find_w_len(&it, fields[sharing[0]].path[0].data(),
                           static_cast<int>(fields[sharing[0]].path[0].size()));
      for (size_t i = 1; i < depth; ++i) {
        bson_iter_t child;
        FindChild(&it, fields[sharing[0]].path[i], &child);
        it = child;
      }
      array_it = it;
    }
    std::vector<std::vector<PathValue>> per_field(n);
    auto emit = [&](const bson_iter_t* element) {
      for (size_t f : sharing) {
        per_field[f].clear();
        FieldValues scratch = fields[f];
        scratch.array = array;  // nested arrays below the element expand freely
        if (element == nullptr) {
          if (fields[f].path.size() == depth) {
            per_field[f].push_back({ConstantValue(BSON_TYPE_UNDEFINED), false});
          } else {
            PushMissing(&per_field[f]);
          }
        } else if (fields[f].path.size() == depth) {
          per_field[f].push_back({*element, false});
        } else if (BSON_ITER_HOLDS_DOCUMENT(element)) {
          Eval(*element, depth, true, &scratch, &per_field[f]);
        } else {
          PushMissing(&per_field[f]);
        }
      }
      std::vector<const std::vector<PathValue>*> lists;
      for (size_t f = 0; f < n; ++f) {
        lists.push_back(fields[f].array == array ? &per_field[f] : &fields[f].values);
      }
      Product(lists, &tuples);
    };
    bson_iter_t e;
    bson_iter_recurse(&array_it, &e);
    bool any = false;
    while (bson_iter_next(&e)) {
      any = true;
      emit(&e);
    }
    if (!any) emit(nullptr);
  }

  const auto& descending = spec.descending();
  out->entries_.reserve(tuples.size());
  for (auto& tuple : tuples) {
    IndexKeys::Entry entry;
    entry.values.reserve(n);
    for (size_t f = 0; f < n; ++f) {
      AppendKeyValue(&entry.encoded, &tuple[f].it, descending[f]);
      entry.values.push_back(tuple[f].it);
    }
    out->entries_.push_back(std::move(entry));
  }
  if (out->entries_.size() > 1) {
    // Stable, so that the values kept for a duplicated key are the first the
    // document holds.
    std::stable_sort(out->entries_.begin(), out->entries_.end(),
                     [](const auto& a, const auto& b) { return a.encoded < b.encoded; });
    out->entries_.erase(
        std::unique(out->entries_.begin(), out->entries_.end(),
                    [](const auto& a, const auto& b) { return a.encoded == b.encoded; }),
        out->entries_.end());
  }
  return Status::OK();
}

}  // namespace basalt::storage
