// A find projection ({a: 1, "b.c": 0, d: {$slice: 2}, ...}) parsed once and
// applied to documents with mongod 7.0's semantics: the projection AST of
// src/mongo/db/query/projection_parser.cpp and the executors of
// src/mongo/db/exec/{inclusion,exclusion}_projection_executor.cpp,
// projection_node.cpp and projection_executor_utils.cpp.
// docs/projection_and_sort.md describes what is supported and the rules.
//
// Contract:
// - Parse returns a Projection or the Status mongod gives for the same spec
//   (e.g. 31254 "Cannot do exclusion on field b in inclusion projection").
//   Aggregation expressions other than $literal (and constant values) are
//   refused with NotImplemented (238), as is $meta, until Basalt has them.
// - Apply builds the projected document. It fails only where mongod fails
//   per document: the positional `$` without a matched array element (51246,
//   51247) and the aggregation form of $slice on a constant non-array (28724).
// - The Projection keeps its own copy of the spec; the caller's may go.
//
// Thread-safety: immutable after Parse; copies share the parsed state, and
// Apply may run on any number of threads at once.
#pragma once

#include <bson/bson.h>

#include <memory>

#include "base/bson.h"
#include "base/status.h"
#include "query/match_expression.h"

namespace basalt::query {

namespace projection_internal {
struct State;
}

class Projection {
 public:
  // Parses a find/findAndModify projection. An empty spec is valid and
  // returns documents unchanged.
  static StatusWith<Projection> Parse(const bson_t* spec);

  // Projects `doc` into `*out` (replacing its content). `match` is what the
  // query's Matcher reported for `doc` with RequestElemMatchKey() set; only
  // the positional `$` reads it (see needs_match_details), and it may be
  // null otherwise.
  Status Apply(const bson_t* doc, const MatchDetails* match, Bson* out) const;

  // True for an inclusion projection ({a: 1}, computed fields, $elemMatch,
  // positional), false for an exclusion one ({a: 0}, {}, {b: {$slice: 1}}).
  bool is_inclusion() const;
  // True when the spec has a positional `$`: the caller must match each
  // document with a MatchDetails that requested the elemMatchKey.
  bool needs_match_details() const;
  // True when Apply returns documents unchanged (the spec was {}).
  bool is_identity() const;

 private:
  explicit Projection(std::shared_ptr<const projection_internal::State> state)
      : state_(std::move(state)) {}
  std::shared_ptr<const projection_internal::State> state_;
};

}  // namespace basalt::query
