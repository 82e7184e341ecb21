// Internal to the pipeline: the projection tree behind $project, $addFields
// / $set and $unset, mongod's ProjectionNode (inclusion and exclusion
// nodes, computed fields) with aggregation's rules. Shared by
// stage_project.cpp (stages, execution) and stage_project_parse.cpp (spec
// parsing). Not for other callers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "query/expression.h"

namespace basalt::query::project {

struct Node {
  enum class Kind { kInclude, kExclude, kComputed, kChild };
  struct Entry {
    std::string name;
    Kind kind;
    ExpressionPtr expr;           // kComputed
    std::unique_ptr<Node> child;  // kChild
  };
  std::vector<Entry> entries;  // in the order the spec adds them
  bool subtree_computed = false;

  Entry* Find(std::string_view name);
  const Entry* Find(std::string_view name) const;
  Status Optimize();
};

enum class Mode { kInclusion, kExclusion, kAddFields };

struct Projection {
  Mode mode = Mode::kInclusion;
  Node root;
};

// Parses a $project spec (aggregation projection policies) or an
// $addFields/$set spec; errors are mongod's, without the stage's
// "Invalid $project :: caused by :: " context (the caller adds it).
StatusWith<std::unique_ptr<Projection>> ParseProject(const bson_t* spec,
                                                     const VariablesParseState& vps);
StatusWith<std::unique_ptr<Projection>> ParseAddFields(const bson_t* spec,
                                                       const VariablesParseState& vps);

// Applies the projection to `doc`.
StatusWith<Bson> Apply(const Projection& projection, const bson_t* doc, Variables* vars);

}  // namespace basalt::query::project
