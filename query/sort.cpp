// The sort pattern and sort keys. Keys of documents without arrays on the
// pattern's paths are built directly (mongod's fast path); the others go
// through the index key generator, which expands arrays as a multikey index
// would, and the first of its keys is the sort key, as in mongod's
// SortKeyGenerator::computeSortKeyFromDocument.

#include "query/sort.h"

#include <algorithm>
#include <cstring>

#include "query/numbers.h"
#include "query/spec_rules.h"
#include "storage/index_keys.h"
#include "storage/index_spec.h"
#include "storage/key_string.h"

namespace basalt::query {
namespace {

// The $meta names mongod accepts in a sort.
bool IsValidMetaSort(std::string_view name) {
  return name == "textScore" || name == "randVal" || name == "geoNearDistance" ||
         name == "searchScore" || name == "vectorSearchScore";
}

// mongod's parseMetaExpression, up to the point where Basalt would need the
// metadata itself.
Status ParseMetaSort(const bson_iter_t* value) {
  bson_iter_t meta;
  bson_iter_recurse(value, &meta);
  const bool has_first = bson_iter_next(&meta);
  if (!has_first || KeyOf(&meta) != "$meta") {
    return Status(17312, "$meta is the only expression supported by $sort right now");
  }
  bson_iter_t rest = meta;
  if (bson_iter_next(&rest)) {
    return Status(ErrorCodes::FailedToParse,
                  "Cannot have additional keys in a $meta sort specification");
  }
  const std::string_view name = BSON_ITER_HOLDS_UTF8(&meta) ? Utf8Of(&meta) : "";
  if (!IsValidMetaSort(name)) return Status(31138, "Illegal $meta sort: " + ElementString(&meta));
  return Status(ErrorCodes::NotImplemented,
                "sorting by {$meta: \"" + std::string(name) + "\"} is not supported by Basalt yet");
}

// The value at `path` in a document without arrays along it: false (and
// `*found` unset) when an array is met, so that the slow path takes over.
bool FindWithoutArrays(const bson_t* doc, const std::vector<std::string>& path, bson_iter_t* found,
                       bool* missing) {
  const uint8_t* data = bson_get_data(doc);
  uint32_t len = doc->len;
  for (size_t i = 0; i < path.size(); ++i) {
    bson_t view;
    bson_iter_t it;
    if (!bson_init_static(&view, data, len) || !bson_iter_init(&it, &view) ||
        !bson_iter_find_w_len(&it, path[i].data(), static_cast<int>(path[i].size()))) {
      *missing = true;
      return true;
    }
    if (BSON_ITER_HOLDS_ARRAY(&it)) return false;
    if (i + 1 == path.size()) {
      *found = it;
      *missing = false;
      return true;
    }
    if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
      // A path through a scalar: null, as the index key generator says.
      *missing = true;
      return true;
    }
    bson_iter_document(&it, &len, &data);
  }
  *missing = true;
  return true;
}

}  // namespace

StatusWith<SortPattern> SortPattern::Parse(const bson_t* spec) {
  SortPattern pattern;
  bson_iter_t it;
  bson_iter_init(&it, spec);
  while (bson_iter_next(&it)) {
    if (BSON_ITER_HOLDS_DOCUMENT(&it)) return ParseMetaSort(&it);
    if (!IsNumber(bson_iter_type(&it))) {
      return Status(15974, "Illegal key in $sort specification: " + ElementString(&it));
    }
    const int64_t direction = SafeNumberLong(&it);
    if (direction != 1 && direction != -1) {
      return Status(15975, "$sort key ordering must be 1 (for ascending) or -1 (for descending)");
    }
    const std::string name(KeyOf(&it));
    std::vector<std::string> parts;
    Status st = ValidateFieldPath(name, &parts);
    if (!st.ok()) return st;
    if (std::find(pattern.fields_.begin(), pattern.fields_.end(), name) != pattern.fields_.end()) {
      return Status(7472500,
                    "$sort key must not contain duplicate keys (duplicate: '" + name + "')");
    }
    pattern.fields_.push_back(name);
    pattern.paths_.push_back(std::move(parts));
    pattern.descending_.push_back(direction < 0);
  }
  if (pattern.fields_.empty()) return pattern;

  // The same key pattern as an index spec, for the index key generator.
  Bson index;
  bson_t key;
  BSON_APPEND_DOCUMENT_BEGIN(index.get(), "key", &key);
  for (size_t i = 0; i < pattern.fields_.size(); ++i) {
    const std::string& f = pattern.fields_[i];
    bson_append_int32(&key, f.data(), static_cast<int>(f.size()), pattern.descending_[i] ? -1 : 1);
  }
  bson_append_document_end(index.get(), &key);
  BSON_APPEND_UTF8(index.get(), "name", "sort");
  auto spec_or = storage::IndexSpec::FromStored(index.get());
  if (!spec_or.ok()) return spec_or.status();
  pattern.index_spec_ = std::move(spec_or.value());
  return pattern;
}

Status SortPattern::AppendKey(const bson_t* doc, std::string* out) const {
  const size_t start = out->size();
  bool fast = true;
  for (size_t i = 0; i < paths_.size() && fast; ++i) {
    bson_iter_t value;
    bool missing = false;
    fast = FindWithoutArrays(doc, paths_[i], &value, &missing);
    if (!fast) break;
    if (missing) {
      storage::AppendKeyNull(out, descending_[i]);
    } else {
      storage::AppendKeyValue(out, &value, descending_[i]);
    }
  }
  if (fast) return Status::OK();

  out->resize(start);
  storage::IndexKeys keys;
  Status st = storage::GenerateIndexKeys(*index_spec_, doc, &keys);
  if (st.code() == ErrorCodes::CannotIndexParallelArrays) {
    return Status(ErrorCodes::BadValue, "cannot sort with keys that are parallel arrays");
  }
  if (!st.ok()) return st;
  // Not sparse: there is always at least the all-null key.
  out->append(keys.key(0));
  return Status::OK();
}

StatusWith<std::string> SortPattern::Key(const bson_t* doc) const {
  std::string key;
  Status st = AppendKey(doc, &key);
  if (!st.ok()) return st;
  return key;
}

StatusWith<int> SortPattern::Compare(const bson_t* a, const bson_t* b) const {
  auto ka = Key(a);
  if (!ka.ok()) return ka.status();
  auto kb = Key(b);
  if (!kb.ok()) return kb.status();
  const int c = ka.value().compare(kb.value());
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace basalt::query
