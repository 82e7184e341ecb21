#include "commands/write_util.h"

#include <cmath>
#include <deque>

#include "commands/command_util.h"
#include "commands/insert_document.h"
#include "commands/query_args.h"
#include "commands/query_exec.h"
#include "commands/server_version.h"
#include "query/expression_match.h"

namespace basalt::commands {

void AppendWriteErrors(bson_t* reply, const std::vector<WriteError>& errors) {
  if (errors.empty()) return;
  bson_t array;
  BSON_APPEND_ARRAY_BEGIN(reply, "writeErrors", &array);
  for (size_t i = 0; i < errors.size(); ++i) {
    bson_t entry;
    bson_append_document_begin(&array, std::to_string(i).c_str(), -1, &entry);
    BSON_APPEND_INT32(&entry, "index", errors[i].index);
    BSON_APPEND_INT32(&entry, "code", errors[i].status.code());
    AppendUtf8(&entry, "errmsg", errors[i].status.reason());
    if (const bson_t* extra = errors[i].status.extraInfo()) bson_concat(&entry, extra);
    bson_append_document_end(&array, &entry);
  }
  bson_append_array_end(reply, &array);
}

std::string FormatNumber(double value) {
  if (value == std::floor(value) && std::abs(value) < 1e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

Status CheckBatchSize(size_t count) {
  if (count == 0 || count > static_cast<size_t>(kMaxWriteBatchSize)) {
    return Status(ErrorCodes::InvalidLength, "Write batch sizes must be between 1 and " +
                                                 std::to_string(kMaxWriteBatchSize) + ". Got " +
                                                 std::to_string(count) + " operations.");
  }
  return Status::OK();
}

StatusWith<bool> OrderedArgument(const CommandInvocation& cmd) {
  auto field = FindField(cmd.body, "ordered");
  if (!field) return true;
  if (!BSON_ITER_HOLDS_BOOL(&*field)) {
    return WrongType(cmd, "ordered", bson_iter_type(&*field), "bool");
  }
  return bson_iter_bool(&*field);
}

Status InsertDocument(storage::Collection& coll, const bson_t* doc) {
  auto prepared = PrepareForInsert(doc);
  if (!prepared.ok()) return prepared.status();
  const bson_t* to_store = prepared.value() ? prepared.value()->get() : doc;
  return coll.Insert(to_store, false);
}

int32_t InsertDocuments(storage::Collection& coll, const std::vector<protocol::DocView>& docs,
                        bool ordered, std::vector<WriteError>* errors) {
  // Deques: the documents handed to storage must not move as more arrive.
  std::deque<BsonView> views;
  std::deque<Bson> rebuilt;
  std::vector<const bson_t*> to_store;
  std::vector<int32_t> positions;  // of each stored document in `docs`
  to_store.reserve(docs.size());
  positions.reserve(docs.size());
  std::vector<WriteError> unfit;  // documents PrepareForInsert refused
  for (size_t i = 0; i < docs.size(); ++i) {
    const bson_t* doc = views.emplace_back(docs[i].data(), docs[i].size()).get();
    auto prepared = PrepareForInsert(doc);
    if (!prepared.ok()) {
      unfit.push_back({static_cast<int32_t>(i), prepared.status()});
      if (ordered) break;
      continue;
    }
    if (prepared.value()) doc = rebuilt.emplace_back(std::move(*prepared.value())).get();
    to_store.push_back(doc);
    positions.push_back(static_cast<int32_t>(i));
  }
  const std::vector<Status> results = coll.InsertMany(to_store, false, ordered);
  int32_t inserted = 0;
  auto next_unfit = unfit.begin();
  for (size_t k = 0; k < results.size(); ++k) {
    if (results[k].ok()) {
      ++inserted;
      continue;
    }
    while (next_unfit != unfit.end() && next_unfit->index < positions[k]) {
      errors->push_back(*next_unfit++);
    }
    errors->push_back({positions[k], results[k]});
  }
  // When ordered, an unfit document comes after every stored one, and is
  // reached only if none of them failed.
  const bool stopped = ordered && static_cast<size_t>(inserted) < results.size();
  if (!stopped) errors->insert(errors->end(), next_unfit, unfit.end());
  return inserted;
}

StatusWith<int64_t> ExecuteDelete(OperationContext& ctx, const std::string& db,
                                  const std::string& coll_name, const DeleteOp& op) {
  std::shared_ptr<storage::Collection> coll = ctx.service.engine->GetCollection(db, coll_name);
  if (!coll) return int64_t{0};
  std::shared_ptr<const query::CommandVariables> now;
  const query::CommandVariables* variables = op.variables;
  if (!variables) {
    now = query::CommandVariables::Now();
    variables = now.get();
  }
  auto executor = MakeFindExecutor(ctx, db, coll_name, op.query_view.get(), op.hint.get(),
                                   query::FindOptions(), variables);
  if (!executor.ok()) return executor.status();
  // For re-checking a document that changed under us.
  auto filter = query::ParseExprFilter(op.query_view.get(), *variables);
  if (!filter.ok()) return filter.status();
  const query::Matcher& matcher = *filter.value().matcher;
  int64_t deleted = 0;
  Bson doc;
  while (true) {
    auto more = executor.value()->Next(&doc);
    if (!more.ok()) return more.status();
    if (!more.value()) break;
    bson_iter_t id;
    if (!bson_iter_init_find(&id, doc.get(), "_id")) continue;
    Status st = coll->Delete(&id, doc.get(), false, nullptr);
    while (st.code() == ErrorCodes::WriteConflict) {
      auto current = coll->FindById(&id);
      if (!current.ok()) return current.status();
      const bool still_matches = current.value() && matcher.Matches(current.value()->get());
      if (Status s = filter.value().TakeError(); !s.ok()) return s;
      if (!still_matches) break;
      doc = std::move(*current.value());
      bson_iter_init_find(&id, doc.get(), "_id");
      st = coll->Delete(&id, doc.get(), false, nullptr);
    }
    if (st.code() == ErrorCodes::NoSuchKey) continue;  // deleted by someone else meanwhile
    if (!st.ok() && st.code() != ErrorCodes::WriteConflict) return st;
    if (st.ok()) ++deleted;
    if (st.ok() && !op.multi) break;
  }
  return deleted;
}

StatusWith<WriteBatch> ParseWriteBatch(const CommandInvocation& cmd, std::string_view list_field) {
  WriteBatch batch;
  auto coll = CollectionArgument(cmd);
  if (!coll.ok()) return coll.status();
  batch.collection = std::move(coll.value());
  if (Status s = CheckKnownFields(cmd, {list_field, "ordered", "bypassDocumentValidation", "let"});
      !s.ok()) {
    return s;
  }
  auto ordered = OrderedArgument(cmd);
  if (!ordered.ok()) return ordered.status();
  batch.ordered = ordered.value();
  // Accepted (and type-checked) until document validation exists to bypass.
  auto bypass = BoolArgument(cmd, "bypassDocumentValidation", false);
  if (!bypass.ok()) return bypass.status();
  auto concern = WriteConcernArgument(cmd);
  if (!concern.ok()) return concern.status();
  batch.concern = concern.value();
  auto let = ObjectArgument(cmd, "let");
  if (!let.ok()) return let.status();
  batch.let = std::move(let.value());
  auto entries = DocumentListArgument(cmd, list_field);
  if (!entries.ok()) return entries.status();
  if (Status s = CheckBatchSize(entries.value().size()); !s.ok()) return s;
  batch.entries = std::move(entries.value());
  return batch;
}

}  // namespace basalt::commands
