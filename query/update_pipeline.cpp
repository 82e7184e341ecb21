// Pipeline-style updates (mongod's PipelineExecutor): the stages run over the
// one document being updated, then their output replaces it as a
// replacement update would, keeping the old `_id` when the output has none.
#include <string>
#include <string_view>

#include "query/command_variables.h"
#include "query/pipeline.h"
#include "query/update_internal.h"

namespace basalt::query::update_internal {
namespace {

// mongod's StageConstraints::isAllowedWithinUpdatePipeline.
bool AllowedWithinUpdate(std::string_view stage) {
  for (std::string_view allowed :
       {"$addFields", "$set", "$project", "$unset", "$replaceRoot", "$replaceWith"}) {
    if (stage == allowed) return true;
  }
  return false;
}

Status NotAllowed(const std::string& stage) {
  return Status(ErrorCodes::InvalidOptions, stage + " is not allowed to be used within an update");
}

}  // namespace

UpdatePipeline::UpdatePipeline() = default;
UpdatePipeline::~UpdatePipeline() = default;

StatusWith<std::unique_ptr<UpdatePipeline>> UpdatePipeline::Parse(const bson_t* stages,
                                                                  const UpdateOptions& options) {
  std::shared_ptr<const CommandVariables> vars =
      options.variables ? options.variables : CommandVariables::Now();
  auto ctx = std::make_shared<PipelineContext>();
  // Not read: no stage allowed here reads a collection. Non-empty so that
  // the pipeline is not taken for {aggregate: 1}.
  ctx->collection = "update";
  ctx->vps = vars->vps();
  ctx->variables = vars->NewValues();
  bson_iter_t it;
  if (options.constants && bson_iter_init(&it, options.constants)) {
    while (bson_iter_next(&it)) {
      const std::string name(bson_iter_key(&it), bson_iter_key_len(&it));
      if (Status s = ValidateVariableNameForRead(name); !s.ok()) return s;
      ctx->variables->Set(ctx->vps.Define(name), Value::FromIter(&it));
    }
  }
  auto pipeline = Pipeline::Parse(stages, ctx);
  if (!pipeline.ok()) {
    // Stages Basalt does not run at all ($bucket, $graphLookup...) are parsed
    // by mongod and then refused here: report them as mongod does.
    if (pipeline.status().code() == ErrorCodes::NotImplemented) {
      if (bson_iter_init(&it, stages)) {
        while (bson_iter_next(&it)) {
          bson_iter_t stage;
          if (!BSON_ITER_HOLDS_DOCUMENT(&it) || !bson_iter_recurse(&it, &stage) ||
              !bson_iter_next(&stage)) {
            continue;
          }
          std::string name(bson_iter_key(&stage), bson_iter_key_len(&stage));
          if (!AllowedWithinUpdate(name)) return NotAllowed(name);
        }
      }
    }
    return pipeline.status();
  }
  for (const StagePtr& stage : pipeline.value()->stages()) {
    bson_iter_t spec;
    Bson serialized = stage->Serialize();
    // The name as written ($set, $replaceWith), which stage->name() may normalize.
    std::string name = bson_iter_init(&spec, serialized.get()) && bson_iter_next(&spec)
                           ? std::string(bson_iter_key(&spec))
                           : std::string(stage->name());
    if (!AllowedWithinUpdate(name) && !AllowedWithinUpdate(stage->name())) {
      return NotAllowed(std::string(stage->name()));
    }
  }
  if (Status s = pipeline.value()->Optimize(); !s.ok()) return s;
  std::unique_ptr<UpdatePipeline> out(new UpdatePipeline());
  out->pipeline_ = std::move(pipeline.value());
  return out;
}

Status UpdatePipeline::Apply(ApplyState* state, bool* noop) const {
  std::vector<Bson> input;
  input.push_back(Serialize(*state->root));
  auto stream = pipeline_->Execute(std::make_unique<VectorStream>(std::move(input)));
  if (!stream.ok()) return stream.status();
  auto output = std::make_shared<Bson>();
  auto more = stream.value()->Next(output.get());
  if (!more.ok()) return more.status();
  if (!more.value()) {
    return Status(ErrorCodes::InternalError, "the update pipeline produced no document");
  }
  // mongod's applyReplacementUpdate: a byte-equal output is a no-op.
  return ReplaceDocument(
      output->get(),
      {.owner = output, .fill_zero_timestamps = false, .allow_top_level_dollar = true}, state,
      noop);
}

}  // namespace basalt::query::update_internal
