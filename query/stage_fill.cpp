// $fill, which mongod (document_source_fill.cpp) rewrites as
// $setWindowFields with $locf / $linearFill for `method` outputs, followed by
// $addFields with $ifNull for `value` outputs. Basalt does the same.

#include "query/pipeline_stages.h"

namespace basalt::query {
namespace {

constexpr std::string_view kStage = "$fill";

class FillSpec : public StageSpec {
 public:
  explicit FillSpec(std::vector<StagePtr> stages) : stages_(std::move(stages)) {}
  std::string_view name() const override { return kStage; }
  Status Optimize() override {
    for (const StagePtr& stage : stages_) {
      if (Status s = stage->Optimize(); !s.ok()) return s;
    }
    return Status::OK();
  }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override {
    return ExecuteStages(stages_, std::move(source), ctx);
  }

 private:
  std::vector<StagePtr> stages_;
};

Status UnknownField(std::string_view field) {
  return Status(40415, "BSON field '$fill." + std::string(field) + "' is an unknown field.");
}

Status WrongType(std::string_view field, const bson_iter_t* it, std::string_view expected) {
  return Status(ErrorCodes::TypeMismatch, "BSON field '$fill." + std::string(field) +
                                              "' is the wrong type '" + TypeNameOf(it) +
                                              "', expected type '" + std::string(expected) + "'");
}

// Adds each output field's rewrite to `window_output` ({$locf: "$f"}) or
// `add_fields` ({$ifNull: ["$f", value]}).
Status RewriteOutputs(const bson_iter_t* output, bson_t* window_output, bson_t* add_fields,
                      bool* need_window) {
  bson_iter_t it;
  bson_iter_recurse(output, &it);
  bool any = false;
  while (bson_iter_next(&it)) {
    any = true;
    const std::string field(KeyOf(&it));
    if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
      return Status(6050200,
                    "Each fill output specification must be an object with exactly one "
                    "field");
    }
    bson_iter_t f, method, value;
    bool has_method = false, has_value = false;
    bson_iter_recurse(&it, &f);
    while (bson_iter_next(&f)) {
      const std::string_view key = KeyOf(&f);
      if (key == "method") {
        if (!BSON_ITER_HOLDS_UTF8(&f)) return WrongType(key, &f, "string");
        method = f;
        has_method = true;
      } else if (key == "value") {
        value = f;
        has_value = true;
      } else {
        return UnknownField(key);
      }
    }
    const std::string path = "$" + field;
    if (has_method) {
      if (has_value) {
        return Status(6050201,
                      "Each fill output specification must have exactly one of 'method' or "
                      "'value' fields, not both");
      }
      const std::string_view m = Utf8Of(&method);
      if (m != "locf" && m != "linear") {
        return Status(6050202, "Method must be either locf or linear");
      }
      const std::string fn = m == "locf" ? "$locf" : "$linearFill";
      bson_t spec;
      bson_append_document_begin(window_output, field.data(), static_cast<int>(field.size()),
                                 &spec);
      bson_append_utf8(&spec, fn.data(), static_cast<int>(fn.size()), path.data(),
                       static_cast<int>(path.size()));
      bson_append_document_end(window_output, &spec);
      *need_window = true;
    }
    if (has_value) {
      bson_t expr, args;
      bson_append_document_begin(add_fields, field.data(), static_cast<int>(field.size()), &expr);
      BSON_APPEND_ARRAY_BEGIN(&expr, "$ifNull", &args);
      bson_append_utf8(&args, "0", 1, path.data(), static_cast<int>(path.size()));
      bson_append_iter(&args, "1", 1, &value);
      bson_append_array_end(&expr, &args);
      bson_append_document_end(add_fields, &expr);
    }
  }
  if (!any) {
    return Status(6050203,
                  "The output field in '$fill' must contain an object with at least one element");
  }
  return Status::OK();
}

StatusWith<StagePtr> ParseFill(const bson_iter_t* arg, PipelineContext& ctx) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(ErrorCodes::FailedToParse,
                  "The $fill stage specification must be an object, found " + TypeNameOf(arg));
  }
  bson_iter_t it, sort_by, partition_by, partition_fields, output;
  bool has_sort = false, has_partition = false, has_fields = false, has_output = false;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    const std::string_view key = KeyOf(&it);
    if (key == "sortBy") {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return WrongType(key, &it, "object");
      sort_by = it;
      has_sort = true;
    } else if (key == "partitionBy") {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it) && !BSON_ITER_HOLDS_UTF8(&it)) {
        return Status(ErrorCodes::TypeMismatch,
                      "BSON field '$fill.partitionBy' is the wrong type '" + TypeNameOf(&it) +
                          "', expected types '[string, object]'");
      }
      partition_by = it;
      has_partition = true;
    } else if (key == "partitionByFields") {
      if (!BSON_ITER_HOLDS_ARRAY(&it)) return WrongType(key, &it, "array");
      partition_fields = it;
      has_fields = true;
    } else if (key == "output") {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return WrongType(key, &it, "object");
      output = it;
      has_output = true;
    } else {
      return UnknownField(key);
    }
  }
  if (!has_output) {
    return Status(40414, "BSON field '$fill.output' is missing but a required field");
  }
  Bson window_output, add_fields;
  bool need_window = false;
  if (Status s = RewriteOutputs(&output, window_output.get(), add_fields.get(), &need_window);
      !s.ok()) {
    return s;
  }
  Bson window;
  if (has_sort) bson_append_iter(window.get(), "sortBy", 6, &sort_by);
  if (has_partition) {
    if (has_fields) {
      return Status(6050204,
                    "Maximum one of 'partitionBy' and 'partitionByFields can be specified in "
                    "'$fill'");
    }
    bson_append_iter(window.get(), "partitionBy", 11, &partition_by);
  }
  if (has_fields) {
    // {partitionBy: {f: "$f", ...}}
    bson_t by;
    BSON_APPEND_DOCUMENT_BEGIN(window.get(), "partitionBy", &by);
    bson_iter_t f;
    bson_iter_recurse(&partition_fields, &f);
    while (bson_iter_next(&f)) {
      if (!BSON_ITER_HOLDS_UTF8(&f)) {
        return Status(ErrorCodes::TypeMismatch,
                      "BSON field '$fill.partitionByFields." + std::string(KeyOf(&f)) +
                          "' is the wrong type '" + TypeNameOf(&f) + "', expected type 'string'");
      }
      const std::string name(Utf8Of(&f));
      const std::string path = "$" + name;
      bson_append_utf8(&by, name.data(), static_cast<int>(name.size()), path.data(),
                       static_cast<int>(path.size()));
    }
    bson_append_document_end(window.get(), &by);
  }
  BSON_APPEND_DOCUMENT(window.get(), "output", window_output.get());
  std::vector<StagePtr> stages;
  auto add = [&](const char* name, const bson_t* body) -> Status {
    Bson stage;
    BSON_APPEND_DOCUMENT(stage.get(), name, body);
    auto parsed = ParseStage(stage.get(), ctx);
    if (!parsed.ok()) return parsed.status();
    stages.push_back(std::move(parsed.value()));
    return Status::OK();
  };
  if (need_window) {
    if (Status s = add("$setWindowFields", window.get()); !s.ok()) return s;
  }
  if (!add_fields.empty()) {
    if (Status s = add("$addFields", add_fields.get()); !s.ok()) return s;
  }
  return StagePtr(std::make_shared<FillSpec>(std::move(stages)));
}

}  // namespace

std::vector<StageEntry> FillStages() { return {{kStage, ParseFill}}; }

}  // namespace basalt::query
