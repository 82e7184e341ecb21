// $unwind: one output document per element of an array field, as mongod's
// DocumentSourceUnwind (the path goes through documents only, a non-array
// value counts as a one-element array, and preserveNullAndEmptyArrays keeps
// documents whose array is missing, null or empty).

#include "query/pipeline_stages.h"
#include "query/spec_rules.h"

namespace basalt::query {

// A copy of `doc` with the field at parts[from..] set to `v` (removed when v
// is missing): mongod's MutableDocument::setNestedField. Existing fields
// keep their place; a missing or non-document field on the way becomes a
// document.
Bson SetPath(const bson_t* doc, const std::vector<std::string>& parts, size_t from,
             const Value& v) {
  Bson out;
  bool found = false;
  const std::string& name = parts[from];
  bson_iter_t it;
  bson_iter_init(&it, doc);
  while (bson_iter_next(&it)) {
    if (found || KeyOf(&it) != name) {
      bson_append_iter(out.get(), nullptr, 0, &it);
      continue;
    }
    found = true;
    if (from + 1 == parts.size()) {
      v.AppendTo(out.get(), name);
    } else {
      Bson sub = BSON_ITER_HOLDS_DOCUMENT(&it) ? DocumentOf(&it) : Bson();
      Bson updated = SetPath(sub.get(), parts, from + 1, v);
      bson_append_document(out.get(), name.data(), static_cast<int>(name.size()), updated.get());
    }
  }
  if (!found) {
    if (from + 1 == parts.size()) {
      v.AppendTo(out.get(), name);
    } else if (!v.missing()) {
      Bson empty;
      Bson updated = SetPath(empty.get(), parts, from + 1, v);
      bson_append_document(out.get(), name.data(), static_cast<int>(name.size()), updated.get());
    }
  }
  return out;
}

namespace {

// Document::getNestedField: through documents only.
Value NestedField(const bson_t* doc, const std::vector<std::string>& parts) {
  bson_iter_t it;
  if (!bson_iter_init(&it, doc)) return Value();
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!bson_iter_find_w_len(&it, parts[i].data(), static_cast<int>(parts[i].size()))) {
      return Value();
    }
    if (i + 1 == parts.size()) return Value::FromIter(&it);
    if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return Value();
    bson_iter_t child;
    bson_iter_recurse(&it, &child);
    it = child;
  }
  return Value();
}

class UnwindSpec : public StageSpec {
 public:
  std::string_view name() const override { return "$unwind"; }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext&) const override;
  std::vector<std::string> path;
  std::optional<std::vector<std::string>> index_path;
  bool preserve = false;
};

class UnwindStream : public DocumentStream {
 public:
  UnwindStream(std::unique_ptr<DocumentStream> source, const UnwindSpec& spec)
      : source_(std::move(source)), spec_(spec) {}

  StatusWith<bool> Next(Bson* out) override {
    while (true) {
      if (current_.IsArray() && next_ < current_.array().size()) {
        Bson doc = SetPath(input_.get(), spec_.path, 0, current_.array()[next_]);
        if (spec_.index_path) {
          doc = SetPath(doc.get(), *spec_.index_path, 0, Value::Int64(static_cast<int64_t>(next_)));
        }
        ++next_;
        *out = std::move(doc);
        return true;
      }
      auto more = source_->Next(&input_);
      if (!more.ok() || !more.value()) return more;
      current_ = NestedField(input_.get(), spec_.path);
      next_ = 0;
      if (current_.IsArray() && !current_.array().empty()) continue;
      if (current_.IsArray() || current_.nullish()) {
        if (!spec_.preserve) continue;
        // An empty array disappears; null and missing stay as they are.
        Bson doc = current_.IsArray() ? SetPath(input_.get(), spec_.path, 0, Value())
                                      : Bson::Copy(input_.get());
        if (spec_.index_path) doc = SetPath(doc.get(), *spec_.index_path, 0, Value::Null());
        current_ = Value();
        *out = std::move(doc);
        return true;
      }
      // A scalar or document is a one-element array.
      Bson doc = Bson::Copy(input_.get());
      if (spec_.index_path) doc = SetPath(doc.get(), *spec_.index_path, 0, Value::Null());
      current_ = Value();
      *out = std::move(doc);
      return true;
    }
  }

 private:
  std::unique_ptr<DocumentStream> source_;
  const UnwindSpec& spec_;
  Bson input_;
  Value current_;
  size_t next_ = 0;
};

StatusWith<std::unique_ptr<DocumentStream>> UnwindSpec::Instantiate(
    std::unique_ptr<DocumentStream> source, PipelineContext&) const {
  return std::unique_ptr<DocumentStream>(std::make_unique<UnwindStream>(std::move(source), *this));
}

StatusWith<StagePtr> ParseUnwind(const bson_iter_t* arg, PipelineContext&) {
  auto spec = std::make_shared<UnwindSpec>();
  std::string path;
  std::optional<std::string> index;
  if (BSON_ITER_HOLDS_DOCUMENT(arg)) {
    bson_iter_t it;
    bson_iter_recurse(arg, &it);
    while (bson_iter_next(&it)) {
      std::string_view field = KeyOf(&it);
      if (field == "preserveNullAndEmptyArrays") {
        if (!BSON_ITER_HOLDS_BOOL(&it)) {
          return Status(28809,
                        "expected a boolean for the preserveNullAndEmptyArrays option to $unwind "
                        "stage, got " +
                            TypeNameOf(&it));
        }
        spec->preserve = bson_iter_bool(&it);
      } else if (field == "includeArrayIndex") {
        if (!BSON_ITER_HOLDS_UTF8(&it) || Utf8Of(&it).empty()) {
          return Status(28810,
                        "expected a non-empty string for the includeArrayIndex option to $unwind "
                        "stage, got " +
                            TypeNameOf(&it));
        }
        index = std::string(Utf8Of(&it));
        if ((*index)[0] == '$') {
          return Status(28822,
                        "includeArrayIndex option to $unwind stage should not be prefixed with a "
                        "'$': " +
                            *index);
        }
      } else if (field == "path") {
        if (!BSON_ITER_HOLDS_UTF8(&it)) {
          return Status(28808,
                        "expected a string as the path for $unwind stage, got " + TypeNameOf(&it));
        }
        path = std::string(Utf8Of(&it));
      } else {
        return Status(28811, "unrecognized option to $unwind stage: " + std::string(field));
      }
    }
  } else if (BSON_ITER_HOLDS_UTF8(arg)) {
    path = std::string(Utf8Of(arg));
  } else {
    return Status(15981,
                  "expected either a string or an object as specification for $unwind stage, "
                  "got " +
                      TypeNameOf(arg));
  }
  if (path.empty()) return Status(28812, "no path specified to $unwind stage");
  if (path[0] != '$') {
    return Status(28818, "path option to $unwind stage should be prefixed with a '$': " + path);
  }
  if (Status s = ValidateFieldPath(path.substr(1), &spec->path); !s.ok()) return s;
  if (index) {
    std::vector<std::string> parts;
    if (Status s = ValidateFieldPath(*index, &parts); !s.ok()) return s;
    spec->index_path = std::move(parts);
  }
  return StagePtr(std::move(spec));
}

}  // namespace

std::vector<StageEntry> UnwindStages() { return {{"$unwind", ParseUnwind}}; }

}  // namespace basalt::query
