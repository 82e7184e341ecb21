// Applying one update statement (q, u, upsert, multi) to a collection, as the
// update and findAndModify commands both need it: matching, applying the
// update engine, writing each changed document atomically (re-reading and
// re-applying when a concurrent writer got there first), and upserting with
// mongod's retry of an upsert that lost a race on a unique key.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/bson.h"
#include "base/status.h"
#include "commands/command.h"
#include "query/command_variables.h"
#include "query/expression_match.h"
#include "query/matcher.h"
#include "query/projection.h"
#include "query/sort.h"
#include "query/update.h"

namespace basalt::commands {

struct UpdateSpec {
  const bson_t* query = nullptr;
  // The query, $expr included (see PrepareUpdateSpec), and where $expr
  // reports its evaluation errors.
  std::unique_ptr<query::Matcher> matcher;
  std::shared_ptr<query::ExprMatcherExtensions> filter_errors;
  // What $expr and a pipeline update see: $$NOW and the command's let.
  std::shared_ptr<const query::CommandVariables> variables;
  std::unique_ptr<query::UpdateDriver> driver;
  bool upsert = false;
  bool multi = false;
  Bson hint;
  // findAndModify: which matching document comes first.
  std::optional<query::SortPattern> sort;
};

struct UpdateOutcome {
  int64_t matched = 0;
  int64_t modified = 0;
  std::optional<Bson> upserted_id;  // {_id: v} when a document was inserted
  // The one document touched (single updates), before and after the update.
  std::optional<Bson> before;
  std::optional<Bson> after;
};

// Parses `query` (into spec->matcher, with $expr) and the update `u` (a
// document or a pipeline) with `options`, both seeing `variables`.
// Failures are the statement's errors, as mongod reports them.
Status PrepareUpdateSpec(const bson_t* query, const bson_iter_t* u, query::UpdateOptions options,
                         std::shared_ptr<const query::CommandVariables> variables,
                         UpdateSpec* spec);

// Runs `spec` against `db`.`collection`, creating the collection on upsert.
// Failures (duplicate key, update errors) come back as the Status mongod
// reports for that statement.
StatusWith<UpdateOutcome> ExecuteUpdate(OperationContext& op, const std::string& db,
                                        const std::string& collection, const UpdateSpec& spec);

// mongod's rule (SERVER-37124) for retrying, as an update, an upsert that
// failed with DuplicateKey: the query is only equalities joined by AND, on
// exactly the duplicate index's key fields, with the values the error names.
bool ShouldRetryUpsert(const bson_t* query, const Status& duplicate);

}  // namespace basalt::commands
