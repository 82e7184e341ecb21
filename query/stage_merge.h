// Internal to $merge: its parsed specification, shared by the parser
// (stage_merge_parse.cpp) and the writer (stage_merge.cpp).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "query/out_target.h"
#include "query/pipeline_stages.h"

namespace basalt::query {

enum class WhenMatched { kReplace, kKeepExisting, kMerge, kFail, kPipeline };
enum class WhenNotMatched { kInsert, kDiscard, kFail };

class MergeSpec : public StageSpec {
 public:
  std::string_view name() const override { return "$merge"; }
  bool IsWriter() const override { return true; }
  Status Optimize() override;
  Bson Serialize() const override;
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override;

  OutTarget target;
  std::vector<std::string> on{"_id"};  // dotted paths, as given
  WhenMatched when_matched = WhenMatched::kMerge;
  WhenNotMatched when_not_matched = WhenNotMatched::kInsert;
  // whenMatched: pipeline: the stages run on the matched document, with
  // `let` (default {new: "$$ROOT"}) evaluated on the result document.
  std::vector<std::pair<VariableId, ExpressionPtr>> let;
  std::vector<StagePtr> pipeline;
  std::shared_ptr<PipelineContext> sub;
  Bson let_spec;  // as given, for explain
};

std::string_view WhenMatchedName(WhenMatched m);
std::string_view WhenNotMatchedName(WhenNotMatched m);

// Parses {$merge: <arg>} (stage_merge_parse.cpp).
StatusWith<StagePtr> ParseMerge(const bson_iter_t* arg, PipelineContext& ctx);

}  // namespace basalt::query
