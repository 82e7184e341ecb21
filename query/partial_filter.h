// The matcher of partialFilterExpression, handed to the storage engine
// (storage::EngineOptions::partial_filter_factory) so that indexes hold only
// the documents their filter accepts.
//
// Contract: Make() parses the filter as mongod's createIndexes does
// (MatchExpressionParser with kBanAllSpecialFeatures: $where, $expr,
// $jsonSchema, $text, $near refused with mongod's codes; other parse errors as
// for find), then accepts only what mongod 6.0+ allows in a partial index
// (IndexCatalogImpl::_checkValidFilterExpressions with the time-series metric
// indexes flag, on by default): $and and $or at any level, equality, $lt
// $lte $gt $gte, $exists, $type, $in, and a tree at most 4 deep
// (internalPartialFilterExpressionMaxDepth). Anything else fails with
// CannotCreateIndex (67) "Expression not supported in partial index: <mongod's
// debug string of the offending node>", or "partialFilterExpression depth may
// not exceed 4".
//
// Thread-safety: the factory and the filters it makes are immutable and may be
// used from any number of threads.
#pragma once

#include <memory>

#include "base/status.h"
#include "query/match_expression.h"
#include "storage/collection.h"

namespace basalt::query {

// mongod's internalPartialFilterExpressionMaxDepth default.
inline constexpr int kPartialFilterMaxDepth = 4;

// Whether a parsed tree may serve as a partial index filter (see above).
Status CheckPartialFilterExpression(const MatchExpression& root);

std::shared_ptr<const storage::PartialFilterFactory> MakePartialFilterFactory();

}  // namespace basalt::query
