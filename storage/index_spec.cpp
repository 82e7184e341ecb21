#include "storage/index_spec.h"

#include <cmath>
#include <string_view>

#include "base/bson_shell.h"
#include "storage/key_string.h"

namespace basalt::storage {
namespace {

constexpr ErrorCodes::Error kCannotCreate = ErrorCodes::CannotCreateIndex;

// Every option mongod accepts in an index spec (IndexDescriptor field names).
constexpr std::string_view kAllowedFields[] = {"key",
                                               "name",
                                               "v",
                                               "ns",
                                               "unique",
                                               "sparse",
                                               "hidden",
                                               "partialFilterExpression",
                                               "background",
                                               "expireAfterSeconds",
                                               "collation",
                                               "weights",
                                               "default_language",
                                               "language_override",
                                               "textIndexVersion",
                                               "2dsphereIndexVersion",
                                               "bits",
                                               "min",
                                               "max",
                                               "bucketSize",
                                               "dropDups",
                                               "storageEngine",
                                               "wildcardProjection",
                                               "clustered",
                                               "prepareUnique",
                                               "coarsestIndexedLevel",
                                               "finestIndexedLevel",
                                               "originalSpec"};

}  // namespace

bool IsIndexSpecField(std::string_view name) {
  for (std::string_view f : kAllowedFields) {
    if (f == name) return true;
  }
  return false;
}

namespace {

// What an _id index spec may carry (mongod's allowedIdIndexFieldNames).
constexpr std::string_view kAllowedIdFields[] = {"collation", "name", "v", "key", "ns", "_id"};

// Plugins mongod knows; Basalt builds none of them yet.
constexpr std::string_view kKnownPlugins[] = {"text",     "2dsphere",   "2dsphere_bucket",
                                              "2d",       "hashed",     "geoHaystack",
                                              "wildcard", "columnstore"};

template <size_t N>
bool OneOf(std::string_view s, const std::string_view (&list)[N]) {
  for (auto item : list) {
    if (s == item) return true;
  }
  return false;
}

// Fields equal by name and by mongod's value comparison ({a: 1} == {a: 1.0}).
bool DocsEqual(const bson_t* a, const bson_t* b) {
  bson_iter_t ia, ib;
  if (!bson_iter_init(&ia, a) || !bson_iter_init(&ib, b)) return false;
  while (true) {
    bool more_a = bson_iter_next(&ia);
    bool more_b = bson_iter_next(&ib);
    if (more_a != more_b) return false;
    if (!more_a) return true;
    if (KeyOf(&ia) != KeyOf(&ib) || CompareBsonValues(&ia, &ib) != 0) return false;
  }
}

bool IsIdPattern(const bson_t* key) {
  bson_iter_t it;
  if (!bson_iter_init(&it, key) || !bson_iter_next(&it)) return false;
  bool id = KeyOf(&it) == "_id" && IsNumber(bson_iter_type(&it)) && NumberAsDouble(&it) == 1.0;
  return id && !bson_iter_next(&it);
}

// mongod's IndexNames::findPluginName: the first string value names the type.
std::string PluginName(const bson_t* key) {
  bson_iter_t it;
  bson_iter_init(&it, key);
  while (bson_iter_next(&it)) {
    if (BSON_ITER_HOLDS_UTF8(&it)) return std::string(Utf8Of(&it));
    if (KeyOf(&it) == "$**") return "wildcard";
  }
  return "";
}

Status ValidateKeyPattern(const bson_t* key) {
  if (key->len > 2048) return Status(kCannotCreate, "Index key pattern too large.");
  if (bson_count_keys(key) == 0) return Status(kCannotCreate, "Index keys cannot be empty.");
  const std::string plugin = PluginName(key);
  if (!plugin.empty()) {
    if (plugin == "geoHaystack") {
      return Status(kCannotCreate,
                    "GeoHaystack indexes cannot be created in version 5.0 and above");
    }
    if (!OneOf(plugin, kKnownPlugins)) {
      return Status(kCannotCreate, "Unknown index plugin '" + plugin + "'");
    }
  }
  bson_iter_t it;
  bson_iter_init(&it, key);
  while (bson_iter_next(&it)) {
    const bson_type_t type = bson_iter_type(&it);
    if (IsNumber(type)) {
      double v = NumberAsDouble(&it);
      if (std::isnan(v))
        return Status(kCannotCreate, "Values in the index key pattern cannot be NaN.");
      if (v == 0.0) return Status(kCannotCreate, "Values in the index key pattern cannot be 0.");
    } else if (type != BSON_TYPE_UTF8) {
      return Status(kCannotCreate, "Values in v:2 index key pattern cannot be of type " +
                                       std::string(TypeName(type)) +
                                       ". Only numbers > 0, numbers < 0, and strings are allowed.");
    } else if (Utf8Of(&it) != plugin) {
      return Status(kCannotCreate, "Can't use more than one index plugin for a single index.");
    }
    const std::string_view field = KeyOf(&it);
    if (field.empty()) return Status(kCannotCreate, "Index keys cannot be an empty field.");
    if (field == "$**") continue;
    if (field == "_fts" && plugin != "text") {
      return Status(kCannotCreate, "Index key contains an illegal field name: '_fts'");
    }
    size_t start = 0;
    for (size_t i = 0; start <= field.size(); ++i) {
      size_t dot = field.find('.', start);
      std::string_view part =
          field.substr(start, dot == std::string_view::npos ? dot : dot - start);
      if (part.empty()) return Status(kCannotCreate, "Index keys cannot contain an empty field.");
      if (part[0] == '$' && !(i > 0 && (part == "$db" || part == "$id" || part == "$ref"))) {
        return Status(kCannotCreate,
                      "Index key contains an illegal field name: field name starts with '$'.");
      }
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
  }
  if (!plugin.empty()) {
    // Accepted by mongod, not built by Basalt yet: say so rather than build
    // an ordinary index that would answer queries wrongly.
    return Status(kCannotCreate, "Index type '" + plugin + "' is not supported by Basalt yet");
  }
  if (bson_count_keys(key) > 32) return Status(13103, "too many compound keys");
  return Status::OK();
}

Status BoolOption(const bson_iter_t* it) {
  if (IsNumber(bson_iter_type(it)) || BSON_ITER_HOLDS_BOOL(it)) return Status::OK();
  return Status(ErrorCodes::TypeMismatch, "The field '" + std::string(KeyOf(it)) + " has value " +
                                              std::string(KeyOf(it)) + ": " + ShellValueString(it) +
                                              ", which is not convertible to bool");
}

Status TypeMismatch(std::string_view field, std::string_view want, bson_type_t got) {
  return Status(ErrorCodes::TypeMismatch, "The field '" + std::string(field) + "' must be " +
                                              std::string(want) + ", but got " +
                                              std::string(TypeName(got)));
}

}  // namespace

StatusWith<std::shared_ptr<const IndexSpec>> IndexSpec::Parse(const bson_t* spec) {
  bson_iter_t it;
  if (!bson_iter_init(&it, spec)) return Status(ErrorCodes::InvalidBSON, "invalid index spec");
  const bson_t* key = nullptr;
  std::optional<BsonView> key_view;
  bool has_name = false, id_pattern = false, unique = false, hidden = false;
  bool sparse = false, partial = false;
  int version = 2;
  while (bson_iter_next(&it)) {
    const std::string_view field = KeyOf(&it);
    const bson_type_t type = bson_iter_type(&it);
    if (!OneOf(field, kAllowedFields)) {
      return Status(
          ErrorCodes::InvalidIndexSpecificationOption,
          "The field '" + std::string(field) +
              "' is not valid for an index specification. Specification: " + ShellString(spec));
    }
    if (field == "key") {
      if (type != BSON_TYPE_DOCUMENT) return TypeMismatch("key", "an object", type);
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&it, &len, &data);
      key_view.emplace(data, len);
      key = key_view->get();
      bson_iter_t k;
      bson_iter_init(&k, key);
      std::vector<std::string_view> seen;
      while (bson_iter_next(&k)) {
        for (auto s : seen) {
          if (s == KeyOf(&k)) {
            return Status(ErrorCodes::BadValue, "The field '" + std::string(s) +
                                                    "' appears multiple times in the index key "
                                                    "pattern " +
                                                    ShellString(key));
          }
        }
        seen.push_back(KeyOf(&k));
      }
      Status st = ValidateKeyPattern(key);
      if (!st.ok()) return st;
      bson_iter_init(&k, key);
      while (bson_iter_next(&k)) {
        if (BSON_ITER_HOLDS_UTF8(&k) && Utf8Of(&k).empty()) {
          return Status(kCannotCreate, "Values in the index key pattern cannot be empty strings");
        }
      }
      id_pattern = IsIdPattern(key);
    } else if (field == "name") {
      if (type != BSON_TYPE_UTF8) return TypeMismatch("name", "a string", type);
      has_name = true;
    } else if (field == "hidden") {
      // mongod names 'name' in this message; kept as users see it.
      if (type != BSON_TYPE_BOOL) return TypeMismatch("name", "a bool", type);
      hidden = bson_iter_bool(&it);
    } else if (field == "v") {
      if (!IsNumber(type)) return TypeMismatch("v", "a number", type);
      double v = NumberAsDouble(&it);
      if (v != 1 && v != 2) {
        return Status(kCannotCreate,
                      "Invalid index specification " + ShellString(spec) +
                          "; cannot create an index with v=" + std::to_string(static_cast<int>(v)));
      }
      version = static_cast<int>(v);
    } else if (field == "partialFilterExpression") {
      if (type != BSON_TYPE_DOCUMENT) return TypeMismatch(field, "an object", type);
      partial = true;
    } else if (field == "collation") {
      if (type != BSON_TYPE_DOCUMENT) return TypeMismatch(field, "an object", type);
      bson_iter_t c;
      if (bson_iter_recurse(&it, &c) && bson_iter_find(&c, "locale") && BSON_ITER_HOLDS_UTF8(&c) &&
          Utf8Of(&c) == "simple") {
        continue;
      }
      return Status(kCannotCreate, "Index collations are not supported by Basalt yet");
    } else if (field == "unique" || field == "sparse" || field == "background" ||
               field == "dropDups" || field == "prepareUnique" || field == "clustered") {
      Status st = BoolOption(&it);
      if (!st.ok()) return st;
      if (field == "unique") unique = IsTruthy(&it);
      if (field == "sparse") sparse = IsTruthy(&it);
    }
  }
  if (key == nullptr) {
    return Status(ErrorCodes::FailedToParse,
                  "The 'key' field is a required property of an index specification");
  }
  if (!has_name) {
    return Status(ErrorCodes::FailedToParse,
                  "The 'name' field is a required property of an index specification");
  }
  if (id_pattern) {
    bson_iter_init(&it, spec);
    while (bson_iter_next(&it)) {
      if (!OneOf(KeyOf(&it), kAllowedIdFields)) {
        return Status(ErrorCodes::InvalidIndexSpecificationOption,
                      "The field '" + std::string(KeyOf(&it)) +
                          "' is not valid for an _id index specification. Specification: " +
                          ShellString(spec));
      }
    }
  }
  if (partial && sparse) {
    return Status(kCannotCreate, "cannot mix \"partialFilterExpression\" and \"sparse\" options");
  }

  // mongod's _fixIndexSpec: v, unique/hidden as bools (only when true), key,
  // name (always "_id_" for the _id pattern), then the rest as given.
  Bson out;
  BSON_APPEND_INT32(out.get(), "v", version);
  if (unique) BSON_APPEND_BOOL(out.get(), "unique", true);
  if (hidden) BSON_APPEND_BOOL(out.get(), "hidden", true);
  if (id_pattern) {
    bson_t id_key;
    BSON_APPEND_DOCUMENT_BEGIN(out.get(), "key", &id_key);
    BSON_APPEND_INT32(&id_key, "_id", 1);
    bson_append_document_end(out.get(), &id_key);
    BSON_APPEND_UTF8(out.get(), "name", "_id_");
  } else {
    BSON_APPEND_DOCUMENT(out.get(), "key", key);
    bson_iter_init_find(&it, spec, "name");
    AppendUtf8(out.get(), "name", Utf8Of(&it));
  }
  bson_iter_init(&it, spec);
  while (bson_iter_next(&it)) {
    std::string_view f = KeyOf(&it);
    if (f == "_id" || f == "dropDups" || f == "ns" || f == "v" || f == "unique" || f == "key" ||
        f == "name" || f == "hidden" || f == "prepareUnique") {
      continue;
    }
    bson_append_iter(out.get(), f.data(), static_cast<int>(f.size()), &it);
  }
  return Build(std::move(out));
}

StatusWith<std::shared_ptr<const IndexSpec>> IndexSpec::FromStored(const bson_t* spec) {
  return Build(Bson::Copy(spec));
}

std::shared_ptr<const IndexSpec> IndexSpec::IdIndex() {
  static const std::shared_ptr<const IndexSpec> kId = [] {
    Bson spec;
    BSON_APPEND_INT32(spec.get(), "v", 2);
    bson_t key;
    BSON_APPEND_DOCUMENT_BEGIN(spec.get(), "key", &key);
    BSON_APPEND_INT32(&key, "_id", 1);
    bson_append_document_end(spec.get(), &key);
    BSON_APPEND_UTF8(spec.get(), "name", "_id_");
    return Build(std::move(spec)).value();
  }();
  return kId;
}

StatusWith<std::shared_ptr<const IndexSpec>> IndexSpec::Build(Bson normalized) {
  auto out = std::make_shared<IndexSpec>();
  bson_iter_t it;
  if (!bson_iter_init(&it, normalized.get())) {
    return Status(ErrorCodes::InvalidBSON, "invalid stored index spec");
  }
  while (bson_iter_next(&it)) {
    std::string_view f = KeyOf(&it);
    if (f == "name" && BSON_ITER_HOLDS_UTF8(&it)) {
      out->name_ = std::string(Utf8Of(&it));
    } else if (f == "key" && BSON_ITER_HOLDS_DOCUMENT(&it)) {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&it, &len, &data);
      out->key_pattern_ = Bson::CopyBytes(data, len);
    } else if (f == "unique") {
      out->unique_ = IsTruthy(&it);
    } else if (f == "sparse") {
      out->sparse_ = IsTruthy(&it);
    } else if (f == "hidden") {
      out->hidden_ = IsTruthy(&it);
    } else if (f == "partialFilterExpression" && BSON_ITER_HOLDS_DOCUMENT(&it)) {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&it, &len, &data);
      out->partial_filter_ = Bson::CopyBytes(data, len);
    }
  }
  auto fields = std::make_shared<std::vector<std::string>>();
  bson_iter_init(&it, out->key_pattern_.get());
  while (bson_iter_next(&it)) {
    fields->emplace_back(KeyOf(&it));
    out->descending_.push_back(IsNumber(bson_iter_type(&it)) && NumberAsDouble(&it) < 0);
  }
  if (fields->empty()) return Status(ErrorCodes::InvalidBSON, "index spec without key");
  out->fields_ = std::move(fields);
  out->is_id_ = IsIdPattern(out->key_pattern_.get()) && !out->partial_filter_;
  // The _id index is unique without saying so.
  if (out->is_id_) out->unique_ = true;
  out->spec_ = std::move(normalized);
  return std::shared_ptr<const IndexSpec>(std::move(out));
}

IndexSpec::Comparison IndexSpec::Compare(const IndexSpec& existing) const {
  if (!DocsEqual(key_pattern(), existing.key_pattern())) return Comparison::kDifferent;
  if (unique_ != existing.unique_ || sparse_ != existing.sparse_) return Comparison::kDifferent;
  if ((partial_filter() == nullptr) != (existing.partial_filter() == nullptr)) {
    return Comparison::kDifferent;
  }
  // mongod compares the parsed filters for equivalence; Basalt compares the
  // documents, so {a: 1} and {a: {$eq: 1}} count as different filters.
  if (partial_filter() && !DocsEqual(partial_filter(), existing.partial_filter())) {
    return Comparison::kDifferent;
  }
  // The remaining options decide between identical and merely equivalent.
  auto options = [](const IndexSpec& s) {
    std::vector<std::pair<std::string_view, bson_iter_t>> out;
    bson_iter_t it;
    bson_iter_init(&it, s.spec());
    while (bson_iter_next(&it)) {
      std::string_view f = KeyOf(&it);
      if (f == "v" || f == "key" || f == "name" || f == "ns" || f == "background" ||
          f == "unique" || f == "sparse" || f == "partialFilterExpression" || f == "collation") {
        continue;
      }
      out.emplace_back(f, it);
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return out;
  };
  auto mine = options(*this);
  auto theirs = options(existing);
  if (mine.size() != theirs.size()) return Comparison::kEquivalent;
  for (size_t i = 0; i < mine.size(); ++i) {
    if (mine[i].first != theirs[i].first ||
        CompareBsonValues(&mine[i].second, &theirs[i].second) != 0) {
      return Comparison::kEquivalent;
    }
  }
  return Comparison::kIdentical;
}

Status CheckIndexConflicts(const IndexSpec& candidate,
                           const std::vector<std::shared_ptr<const IndexSpec>>& existing) {
  for (const auto& other : existing) {
    if (other->name() != candidate.name()) continue;
    switch (candidate.Compare(*other)) {
      case IndexSpec::Comparison::kDifferent:
        return Status(ErrorCodes::IndexKeySpecsConflict,
                      "An existing index has the same name as the requested index. When index "
                      "names are not specified, they are auto generated and can cause "
                      "conflicts. Please refer to our documentation. Requested index: " +
                          ShellString(candidate.spec()) +
                          ", existing index: " + ShellString(other->spec()));
      case IndexSpec::Comparison::kEquivalent:
        return Status(ErrorCodes::IndexOptionsConflict,
                      "An equivalent index already exists with the same name but different "
                      "options. Requested index: " +
                          ShellString(candidate.spec()) +
                          ", existing index: " + ShellString(other->spec()));
      case IndexSpec::Comparison::kIdentical:
        return Status(ErrorCodes::IndexAlreadyExists,
                      "Identical index already exists: " + candidate.name());
    }
  }
  for (const auto& other : existing) {
    switch (candidate.Compare(*other)) {
      case IndexSpec::Comparison::kDifferent:
        continue;
      case IndexSpec::Comparison::kEquivalent:
        return Status(ErrorCodes::IndexOptionsConflict,
                      "An equivalent index already exists with a different name and options. "
                      "Requested index: " +
                          ShellString(candidate.spec()) +
                          ", existing index: " + ShellString(other->spec()));
      case IndexSpec::Comparison::kIdentical:
        return Status(ErrorCodes::IndexOptionsConflict,
                      "Index already exists with a different name: " + other->name());
    }
  }
  return Status::OK();
}

}  // namespace basalt::storage
