// Parsing {$merge: ...} as mongod's DocumentSourceMerge::LiteParsed::parse
// and createFromBson, in their order: the argument's shape (IDL errors
// 40414/40415 and the custom 51178/51186/51134/51191), the target
// namespace (5786800/5786801, 73), the mode combination (51181), duplicate `on` fields
// (31465), the unique index `on` needs (51183), special targets
// (31319/31320), then `let` (51273, 51199).

#include <algorithm>

#include "query/stage_merge.h"

namespace basalt::query {
namespace {

StatusWith<OutTarget> ParseInto(const bson_iter_t* it, const std::string& default_db) {
  if (BSON_ITER_HOLDS_UTF8(it)) {
    if (Utf8Of(it).empty()) return Status(5786800, "$merge 'into' field cannot be an empty string");
    return OutTarget{default_db, std::string(Utf8Of(it))};
  }
  if (!BSON_ITER_HOLDS_DOCUMENT(it)) {
    return Status(51178, "$merge 'into' field  must be either a string or an object, but found " +
                             TypeNameOf(it));
  }
  OutTarget target{default_db, ""};
  bool has_coll = false;
  bson_iter_t f;
  bson_iter_recurse(it, &f);
  while (bson_iter_next(&f)) {
    const std::string field(KeyOf(&f));
    if (field != "db" && field != "coll") {
      return Status(40415, "BSON field 'into." + field + "' is an unknown field.");
    }
    if (!BSON_ITER_HOLDS_UTF8(&f)) {
      return Status(ErrorCodes::TypeMismatch, "BSON field 'into." + field +
                                                  "' is the wrong type '" + TypeNameOf(&f) +
                                                  "', expected type 'string'");
    }
    (field == "db" ? target.db : target.coll) = std::string(Utf8Of(&f));
    if (field == "coll") has_coll = true;
  }
  if (!has_coll || target.coll.empty()) {
    return Status(5786801,
                  "$merge 'into' field must specify a 'coll' that is not empty, null or undefined");
  }
  return target;
}

StatusWith<std::vector<std::string>> ParseOn(const bson_iter_t* it) {
  if (BSON_ITER_HOLDS_UTF8(it)) return std::vector<std::string>{std::string(Utf8Of(it))};
  if (!BSON_ITER_HOLDS_ARRAY(it)) {
    return Status(51186,
                  "$merge 'on' field  must be either a string or an array of strings, but found " +
                      TypeNameOf(it));
  }
  std::vector<std::string> fields;
  bson_iter_t e;
  bson_iter_recurse(it, &e);
  while (bson_iter_next(&e)) {
    if (!BSON_ITER_HOLDS_UTF8(&e)) {
      return Status(51134,
                    "$merge 'on' array elements must be strings, but found " + TypeNameOf(&e));
    }
    fields.emplace_back(Utf8Of(&e));
  }
  if (fields.empty()) {
    return Status(51187, "If explicitly specifying $merge 'on', must include at least one field");
  }
  return fields;
}

Status BadEnum(std::string_view value, std::string_view field) {
  return Status(ErrorCodes::BadValue, "Enumeration value '" + std::string(value) + "' for field '" +
                                          std::string(field) + "' is not a valid value.");
}

StatusWith<WhenMatched> ParseWhenMatchedMode(std::string_view mode) {
  for (WhenMatched m : {WhenMatched::kReplace, WhenMatched::kKeepExisting, WhenMatched::kMerge,
                        WhenMatched::kFail}) {
    if (WhenMatchedName(m) == mode) return m;
  }
  return BadEnum(mode, "whenMatched");
}

StatusWith<WhenNotMatched> ParseWhenNotMatched(const bson_iter_t* it) {
  if (!BSON_ITER_HOLDS_UTF8(it)) {
    return Status(ErrorCodes::TypeMismatch,
                  "BSON field '$merge.whenNotMatched' is the wrong type '" + TypeNameOf(it) +
                      "', expected type 'string'");
  }
  const std::string_view mode = Utf8Of(it);
  for (WhenNotMatched m :
       {WhenNotMatched::kInsert, WhenNotMatched::kDiscard, WhenNotMatched::kFail}) {
    if (WhenNotMatchedName(m) == mode) return m;
  }
  return BadEnum(mode, "$merge.whenNotMatched");
}

// mongod's getMergeStrategyDescriptors(): keepExisting and fail only insert.
bool SupportedModes(WhenMatched m, WhenNotMatched n) {
  if (m == WhenMatched::kKeepExisting || m == WhenMatched::kFail) {
    return n == WhenNotMatched::kInsert;
  }
  return true;
}

// `let` and the whenMatched pipeline, parsed in a scope of their own.
Status ParsePipelineMode(MergeSpec* spec, const bson_iter_t* pipeline, PipelineContext& ctx) {
  spec->sub = std::make_shared<PipelineContext>(ctx);
  bool defines_new = false;
  if (!bson_empty(spec->let_spec.get())) {
    bson_iter_t v;
    bson_iter_init(&v, spec->let_spec.get());
    while (bson_iter_next(&v)) {
      const std::string name(KeyOf(&v));
      if (name == "new") {
        if (!BSON_ITER_HOLDS_UTF8(&v) || Utf8Of(&v) != "$$ROOT") {
          return Status(51273,
                        "'let' may not define a value for the reserved 'new' variable other than "
                        "'$$ROOT'");
        }
        defines_new = true;
      }
      if (Status s = ValidateVariableNameForWrite(name); !s.ok()) return s;
      auto expr = ParseOperand(&v, ctx.vps);
      if (!expr.ok()) return expr.status();
      spec->let.emplace_back(spec->sub->vps.Define(name), std::move(expr.value()));
    }
  }
  // mongod's default let is {new: "$$ROOT"}; with a let of its own, `new`
  // is added only when unmatched documents are inserted.
  if (!defines_new &&
      (bson_empty(spec->let_spec.get()) || spec->when_not_matched == WhenNotMatched::kInsert)) {
    auto root = ParseFieldPathExpression("$$ROOT", ctx.vps);
    if (!root.ok()) return root.status();
    spec->let.emplace_back(spec->sub->vps.Define("new"), std::move(root.value()));
  }
  auto stages = ParseSubPipeline(pipeline, *spec->sub, "$merge");
  if (!stages.ok()) return stages.status();
  // The pipeline is an update pipeline (mongod's PipelineExecutor).
  constexpr std::string_view kUpdateStages[] = {"$addFields", "$set",         "$project",
                                                "$unset",     "$replaceRoot", "$replaceWith"};
  for (const StagePtr& stage : stages.value()) {
    if (std::find(std::begin(kUpdateStages), std::end(kUpdateStages), stage->name()) ==
        std::end(kUpdateStages)) {
      return Status(ErrorCodes::InvalidOptions,
                    std::string(stage->name()) + " is not allowed to be used within an update");
    }
  }
  spec->pipeline = std::move(stages.value());
  return Status::OK();
}

}  // namespace

StatusWith<StagePtr> ParseMerge(const bson_iter_t* arg, PipelineContext& ctx) {
  auto spec = std::make_shared<MergeSpec>();
  std::optional<bson_iter_t> pipeline;
  bool has_on = false, has_let = false;
  if (BSON_ITER_HOLDS_UTF8(arg)) {
    spec->target = {ctx.db, std::string(Utf8Of(arg))};
  } else if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(ErrorCodes::TypeMismatch,
                  "$merge requires a string or object argument, but found " + TypeNameOf(arg));
  } else {
    bool has_into = false;
    bson_iter_t it;
    bson_iter_recurse(arg, &it);
    while (bson_iter_next(&it)) {
      const std::string field(KeyOf(&it));
      if (field == "into") {
        auto into = ParseInto(&it, ctx.db);
        if (!into.ok()) return into.status();
        spec->target = std::move(into.value());
        has_into = true;
      } else if (field == "on") {
        auto on = ParseOn(&it);
        if (!on.ok()) return on.status();
        spec->on = std::move(on.value());
        has_on = true;
      } else if (field == "let") {
        if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
          return Status(ErrorCodes::TypeMismatch, "BSON field '$merge.let' is the wrong type '" +
                                                      TypeNameOf(&it) +
                                                      "', expected type 'object'");
        }
        spec->let_spec = DocumentOf(&it);
        has_let = true;
      } else if (field == "whenMatched") {
        if (BSON_ITER_HOLDS_ARRAY(&it)) {
          spec->when_matched = WhenMatched::kPipeline;
          pipeline = it;
        } else if (BSON_ITER_HOLDS_UTF8(&it)) {
          auto mode = ParseWhenMatchedMode(Utf8Of(&it));
          if (!mode.ok()) return mode.status();
          spec->when_matched = mode.value();
        } else {
          return Status(
              51191, "$merge 'whenMatched' field  must be either a string or an array, but found " +
                         TypeNameOf(&it));
        }
      } else if (field == "whenNotMatched") {
        auto mode = ParseWhenNotMatched(&it);
        if (!mode.ok()) return mode.status();
        spec->when_not_matched = mode.value();
      } else if (field != "targetCollectionVersion" && field != "allowMergeOnNullishValues") {
        return Status(40415, "BSON field '$merge." + field + "' is an unknown field.");
      }
    }
    if (!has_into) return Status(40414, "BSON field '$merge.into' is missing but a required field");
  }
  const std::string ns = spec->target.db + "." + spec->target.coll;
  if (!IsValidTarget(spec->target)) {
    return Status(ErrorCodes::InvalidNamespace, "Invalid $merge target namespace: '" + ns + "'");
  }
  if (!SupportedModes(spec->when_matched, spec->when_not_matched)) {
    return Status(
        51181, "Combination of $merge modes 'whenMatched: " +
                   std::string(WhenMatchedName(spec->when_matched)) + "' and 'whenNotMatched: " +
                   std::string(WhenNotMatchedName(spec->when_not_matched)) + "' is not supported");
  }
  for (size_t i = 0; i < spec->on.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (spec->on[i] == spec->on[j]) {
        return Status(31465, "Found a duplicate field '" + spec->on[i] + "'");
      }
    }
  }
  if (has_on && ctx.writer &&
      !ctx.writer->HasUniqueIndexOn(spec->target.db, spec->target.coll, spec->on)) {
    return Status(51183, "Cannot find index to verify that join fields will be unique");
  }
  if (spec->target.coll.rfind("system.", 0) == 0) {
    return Status(31319, "Cannot $merge to special collection: " + spec->target.coll);
  }
  if (IsInternalDb(spec->target.db)) {
    return Status(31320, "Cannot $merge to internal database: " + spec->target.db);
  }
  if (spec->when_matched == WhenMatched::kPipeline) {
    if (Status s = ParsePipelineMode(spec.get(), &*pipeline, ctx); !s.ok()) return s;
  } else if (has_let) {
    return Status(51199, "Cannot use 'let' variables with 'whenMatched: " +
                             std::string(WhenMatchedName(spec->when_matched)) + "' mode");
  }
  return StagePtr(std::move(spec));
}

}  // namespace basalt::query
