// The parsed $densify stage (stage_densify_parse.cpp parses it with
// mongod's RangeStatement::parse errors; stage_densify.cpp runs it).
#pragma once

#include <string>
#include <vector>

#include "query/pipeline.h"
#include "query/sort.h"
#include "query/value_formula.h"

namespace basalt::query {

class DensifySpec : public StageSpec {
 public:
  enum class Bounds { kExplicit, kPartition, kFull };

  std::string_view name() const override { return "$densify"; }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override;
  // v + step ($add), or v + step units ($dateAdd in UTC).
  StatusWith<Value> Increment(const Value& v) const { return increment_.Eval({v, step}); }

  std::vector<std::string> field_path;
  std::vector<std::vector<std::string>> partition_paths;
  Value step;
  std::string unit;  // empty for numbers
  Bounds bounds = Bounds::kFull;
  Value lower, upper;  // kExplicit
  // (partitionByFields..., field) ascending; field alone for "full".
  SortPattern sort_pattern;
  ValueFormula increment_;
};

StatusWith<StagePtr> ParseDensify(const bson_iter_t* arg, PipelineContext& ctx);

}  // namespace basalt::query
