#include "commands/update_exec.h"

#include <set>

#include "commands/query_exec.h"
#include "storage/key_string.h"

namespace basalt::commands {
namespace {

// Enough for any realistic contention on one document; past it the update
// reports the conflict rather than spinning.
constexpr int kMaxConflictRetries = 100;
constexpr int kMaxUpsertRetries = 3;

Status TakeFilterError(const UpdateSpec& spec) {
  return spec.filter_errors ? spec.filter_errors->TakeError() : Status::OK();
}

// Applies the update to `doc` and writes it if it changed. On a concurrent
// change, re-reads the document and, if it still matches, tries again.
StatusWith<bool> UpdateDocument(storage::Collection& coll, const UpdateSpec& spec, Bson doc,
                                UpdateOutcome* outcome) {
  for (int attempt = 0; attempt < kMaxConflictRetries; ++attempt) {
    query::MatchDetails details;
    const query::MatchDetails* match = nullptr;
    if (spec.driver->needs_match_details()) {
      details.RequestElemMatchKey();
      spec.matcher->Matches(doc.get(), &details);
      if (Status s = TakeFilterError(spec); !s.ok()) return s;
      match = &details;
    }
    auto result = spec.driver->Apply(doc.get(), match);
    if (!result.ok()) return result.status();
    if (!result.value().modified) {
      outcome->before = std::move(doc);
      outcome->after = Bson::Copy(outcome->before->get());
      return false;
    }
    Status st = coll.Replace(doc.get(), result.value().doc.get(), false);
    if (st.ok()) {
      outcome->before = std::move(doc);
      outcome->after = std::move(result.value().doc);
      return true;
    }
    if (st.code() != ErrorCodes::WriteConflict && st.code() != ErrorCodes::NoSuchKey) return st;
    // Someone changed or removed it since we read it: start from what is there now.
    bson_iter_t id;
    bson_iter_init_find(&id, doc.get(), "_id");
    auto current = coll.FindById(&id);
    if (!current.ok()) return current.status();
    const bool still_matches = current.value() && spec.matcher->Matches(current.value()->get());
    if (Status s = TakeFilterError(spec); !s.ok()) return s;
    if (!still_matches) return Status(ErrorCodes::NoSuchKey, "the document no longer matches");
    doc = std::move(*current.value());
  }
  return Status(ErrorCodes::WriteConflict, "too many concurrent changes to one document");
}

StatusWith<UpdateOutcome> UpdateExisting(OperationContext& op, const std::string& db,
                                         const std::string& collection, const UpdateSpec& spec,
                                         storage::Collection& coll) {
  UpdateOutcome outcome;
  query::FindOptions options;
  if (spec.sort) {
    options.sort = *spec.sort;
    options.limit = 1;
  }
  auto executor = MakeFindExecutor(op, db, collection, spec.query, spec.hint.get(), options,
                                   spec.variables.get());
  if (!executor.ok()) return executor.status();
  Bson doc;
  while (true) {
    auto more = executor.value()->Next(&doc);
    if (!more.ok()) return more.status();
    if (!more.value()) break;
    auto changed = UpdateDocument(coll, spec, std::move(doc), &outcome);
    if (changed.status().code() == ErrorCodes::NoSuchKey) continue;  // gone or no longer matching
    if (!changed.ok()) return changed.status();
    ++outcome.matched;
    if (changed.value()) ++outcome.modified;
    if (!spec.multi) break;
  }
  return outcome;
}

}  // namespace

Status PrepareUpdateSpec(const bson_t* query, const bson_iter_t* u, query::UpdateOptions options,
                         std::shared_ptr<const query::CommandVariables> variables,
                         UpdateSpec* spec) {
  if (!variables) variables = query::CommandVariables::Now();
  auto filter = query::ParseExprFilter(query, *variables);
  if (!filter.ok()) return filter.status();
  spec->matcher = std::move(filter.value().matcher);
  spec->filter_errors = std::move(filter.value().extensions);
  spec->query = spec->matcher->filter();
  spec->variables = variables;
  options.variables = std::move(variables);
  auto driver = query::UpdateDriver::ParseElement(u, options);
  if (!driver.ok()) return driver.status();
  spec->driver = std::move(driver.value());
  return Status::OK();
}

bool ShouldRetryUpsert(const bson_t* query, const Status& duplicate) {
  const bson_t* extra = duplicate.extraInfo();
  bson_iter_t pattern_it, value_it;
  if (!extra || !bson_iter_init_find(&pattern_it, extra, "keyPattern") ||
      !bson_iter_init_find(&value_it, extra, "keyValue")) {
    return false;
  }
  // The query's equality fields: {a: v} or {a: {$eq: v}}, nothing else.
  std::set<std::string, std::less<>> query_fields;
  bson_iter_t q;
  bson_iter_init(&q, query);
  while (bson_iter_next(&q)) {
    std::string_view field = KeyOf(&q);
    if (field.empty() || field[0] == '$') return false;
    if (BSON_ITER_HOLDS_REGEX(&q)) return false;
    if (BSON_ITER_HOLDS_DOCUMENT(&q)) {
      bson_iter_t op;
      bson_iter_recurse(&q, &op);
      if (bson_iter_next(&op) && bson_iter_key(&op)[0] == '$') {
        if (KeyOf(&op) != "$eq" || bson_iter_next(&op)) return false;
      }
    }
    query_fields.emplace(field);
  }
  bson_iter_t pattern_fields, values;
  bson_iter_recurse(&pattern_it, &pattern_fields);
  bson_iter_recurse(&value_it, &values);
  size_t count = 0;
  while (bson_iter_next(&pattern_fields)) {
    if (!bson_iter_next(&values)) return false;
    std::string_view field = KeyOf(&pattern_fields);
    if (!query_fields.count(field)) return false;
    // The query's value for the field must be the duplicate value itself.
    bson_iter_t in_query;
    if (!bson_iter_init_find_w_len(&in_query, query, field.data(),
                                   static_cast<int>(field.size()))) {
      return false;
    }
    if (BSON_ITER_HOLDS_DOCUMENT(&in_query)) {
      bson_iter_t eq;
      bson_iter_recurse(&in_query, &eq);
      if (bson_iter_next(&eq) && KeyOf(&eq) == "$eq") in_query = eq;
    }
    if (storage::CompareBsonValues(&in_query, &values) != 0) return false;
    ++count;
  }
  return count == query_fields.size();
}

StatusWith<UpdateOutcome> ExecuteUpdate(OperationContext& op, const std::string& db,
                                        const std::string& collection, const UpdateSpec& spec) {
  for (int attempt = 0;; ++attempt) {
    std::shared_ptr<storage::Collection> coll = op.service.engine->GetCollection(db, collection);
    if (coll) {
      auto outcome = UpdateExisting(op, db, collection, spec, *coll);
      if (!outcome.ok() || outcome.value().matched > 0 || !spec.upsert) return outcome;
    } else if (!spec.upsert) {
      return UpdateOutcome{};
    }
    auto created = op.service.engine->GetOrCreateCollection(db, collection, false);
    if (!created.ok()) return created.status();
    auto doc = query::MakeUpsertDocument(spec.query, *spec.driver, {.is_insert = true});
    if (!doc.ok()) return doc.status();
    Status inserted = created.value()->Insert(doc.value().get(), false);
    if (inserted.ok()) {
      UpdateOutcome outcome;
      bson_iter_t id;
      bson_iter_init_find(&id, doc.value().get(), "_id");
      Bson id_doc;
      bson_append_iter(id_doc.get(), "_id", 3, &id);
      outcome.upserted_id = std::move(id_doc);
      outcome.after = std::move(doc.value());
      return outcome;
    }
    // Another writer inserted the same key first: mongod retries as an update
    // when the query pins exactly that key, so racing upserts all succeed.
    if (inserted.code() != ErrorCodes::DuplicateKey || spec.multi ||
        attempt + 1 >= kMaxUpsertRetries || !ShouldRetryUpsert(spec.query, inserted)) {
      return inserted;
    }
  }
}

}  // namespace basalt::commands
