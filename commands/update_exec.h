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
#include "query/matcher.h"
#include "query/projection.h"
#include "query/sort.h"
#include "query/update.h"

namespace basalt::commands {

struct UpdateSpec {
  const bson_t* query = nullptr;
  std::unique_ptr<query::Matcher> matcher;
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
