// findAndModify: update (or upsert) or remove one document and return it.
// Unlike the batch writes, any failure fails the whole command, so a
// duplicate key comes back as {ok: 0, errmsg: "E11000 ...", code: 11000,
// codeName: "DuplicateKey", keyPattern, keyValue}, as from mongod.
#include <memory>
#include <optional>
#include <vector>

#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/families.h"
#include "commands/query_args.h"
#include "commands/query_exec.h"
#include "commands/update_exec.h"

namespace basalt::commands {
namespace {

struct FindAndModifyRequest {
  std::string collection;
  Bson query;
  Bson sort;
  Bson fields;
  bool remove = false;
  bool return_new = false;
  bool upsert = false;
  std::optional<bson_iter_t> update;
  std::vector<std::unique_ptr<BsonView>> array_filters;
  Bson hint;
  Bson let;
};

StatusWith<FindAndModifyRequest> Parse(const CommandInvocation& cmd) {
  FindAndModifyRequest req;
  auto coll = CollectionArgument(cmd);
  if (!coll.ok()) return coll.status();
  req.collection = coll.value();
  if (Status s = CheckKnownFields(
          cmd, {"query", "sort", "remove", "update", "new", "fields", "upsert",
                "bypassDocumentValidation", "collation", "arrayFilters", "hint", "let"});
      !s.ok()) {
    return s;
  }
  if (Status s = RefuseCollation(cmd); !s.ok()) return s;
  for (auto [name, target] : {std::pair{"query", &req.query}, std::pair{"sort", &req.sort},
                              std::pair{"fields", &req.fields}, std::pair{"let", &req.let}}) {
    auto value = ObjectArgument(cmd, name);
    if (!value.ok()) return value.status();
    *target = std::move(value.value());
  }
  for (auto [name, target] : {std::pair{"remove", &req.remove}, std::pair{"new", &req.return_new},
                              std::pair{"upsert", &req.upsert}}) {
    auto value = BoolArgument(cmd, name, false);
    if (!value.ok()) return value.status();
    *target = value.value();
  }
  req.update = FindField(cmd.body, "update");
  auto hint = HintArgument(cmd);
  if (!hint.ok()) return hint.status();
  req.hint = std::move(hint.value());
  if (auto filters = FindField(cmd.body, "arrayFilters")) {
    if (!BSON_ITER_HOLDS_ARRAY(&*filters)) {
      return WrongType(cmd, "arrayFilters", bson_iter_type(&*filters), "array");
    }
    bson_iter_t element;
    bson_iter_recurse(&*filters, &element);
    while (bson_iter_next(&element)) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&element)) {
        return WrongType(cmd, "arrayFilters." + std::string(KeyOf(&element)),
                         bson_iter_type(&element), "object");
      }
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&element, &len, &data);
      req.array_filters.push_back(std::make_unique<BsonView>(data, len));
    }
  }
  // mongod's checks, in its order and words.
  if (req.remove) {
    if (req.update) {
      return Status(ErrorCodes::FailedToParse, "Cannot specify both an update and remove=true");
    }
    if (req.upsert) {
      return Status(ErrorCodes::FailedToParse, "Cannot specify both upsert=true and remove=true ");
    }
    if (req.return_new) {
      return Status(ErrorCodes::FailedToParse,
                    "Cannot specify both new=true and remove=true; 'remove' always returns the "
                    "deleted document");
    }
    if (!req.array_filters.empty()) {
      return Status(ErrorCodes::FailedToParse, "Cannot specify arrayFilters and remove=true");
    }
  } else if (!req.update) {
    return Status(ErrorCodes::FailedToParse, "Either an update or remove=true must be specified");
  }
  return req;
}

Status AppendValue(const FindAndModifyRequest& req, const std::optional<Bson>& doc, bson_t* reply) {
  if (!doc) {
    BSON_APPEND_NULL(reply, "value");
    return Status::OK();
  }
  if (bson_empty(req.fields.get())) {
    BSON_APPEND_DOCUMENT(reply, "value", doc->get());
    return Status::OK();
  }
  auto projection = query::Projection::Parse(req.fields.get());
  if (!projection.ok()) return projection.status();
  Bson projected;
  if (Status s = projection.value().Apply(doc->get(), nullptr, &projected); !s.ok()) return s;
  BSON_APPEND_DOCUMENT(reply, "value", projected.get());
  return Status::OK();
}

Status RunRemove(OperationContext& op, const CommandInvocation& cmd,
                 const FindAndModifyRequest& req,
                 const std::shared_ptr<const query::CommandVariables>& variables, bson_t* reply) {
  std::optional<Bson> removed;
  if (auto coll = op.service.engine->GetCollection(cmd.db, req.collection)) {
    query::FindOptions options;
    if (!bson_empty(req.sort.get())) {
      auto sort = query::SortPattern::Parse(req.sort.get());
      if (!sort.ok()) return sort.status();
      options.sort = std::move(sort.value());
    }
    auto executor = MakeFindExecutor(op, cmd.db, req.collection, req.query.get(), req.hint.get(),
                                     options, variables.get());
    if (!executor.ok()) return executor.status();
    Bson doc;
    while (!removed) {
      auto more = executor.value()->Next(&doc);
      if (!more.ok()) return more.status();
      if (!more.value()) break;
      bson_iter_t id;
      bson_iter_init_find(&id, doc.get(), "_id");
      Bson deleted;
      Status st = coll->Delete(&id, doc.get(), false, &deleted);
      // A document changed or removed concurrently is passed over for the next match.
      if (st.code() == ErrorCodes::WriteConflict || st.code() == ErrorCodes::NoSuchKey) continue;
      if (!st.ok()) return st;
      removed = std::move(deleted);
    }
  }
  bson_t last_error;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "lastErrorObject", &last_error);
  BSON_APPEND_INT32(&last_error, "n", removed ? 1 : 0);
  bson_append_document_end(reply, &last_error);
  return AppendValue(req, removed, reply);
}

Status RunModify(OperationContext& op, const CommandInvocation& cmd,
                 const FindAndModifyRequest& req,
                 const std::shared_ptr<const query::CommandVariables>& variables, bson_t* reply) {
  UpdateSpec spec;
  query::UpdateOptions options;
  for (const auto& filter : req.array_filters) options.array_filters.push_back(filter->get());
  if (Status s =
          PrepareUpdateSpec(req.query.get(), &*req.update, std::move(options), variables, &spec);
      !s.ok()) {
    return s;
  }
  spec.upsert = req.upsert;
  spec.hint = Bson::Copy(req.hint.get());
  if (!bson_empty(req.sort.get())) {
    auto sort = query::SortPattern::Parse(req.sort.get());
    if (!sort.ok()) return sort.status();
    spec.sort = std::move(sort.value());
  }
  auto outcome = ExecuteUpdate(op, cmd.db, req.collection, spec);
  if (!outcome.ok()) return outcome.status();
  const UpdateOutcome& result = outcome.value();
  bool found = result.matched > 0;
  bson_t last_error;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "lastErrorObject", &last_error);
  BSON_APPEND_INT32(&last_error, "n", found || result.upserted_id ? 1 : 0);
  BSON_APPEND_BOOL(&last_error, "updatedExisting", found);
  if (result.upserted_id) {
    bson_iter_t id;
    bson_iter_init_find(&id, result.upserted_id->get(), "_id");
    bson_append_iter(&last_error, "upserted", -1, &id);
  }
  bson_append_document_end(reply, &last_error);
  // Without new: true an upsert returns null: there was no document before.
  return AppendValue(req, req.return_new ? result.after : result.before, reply);
}

Status RunFindAndModify(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto req = Parse(cmd);
  if (!req.ok()) return req.status();
  auto concern = WriteConcernArgument(cmd);
  if (!concern.ok()) return concern.status();
  auto variables = query::CommandVariables::Make(req.value().let.get(), query::CurrentTimeMillis());
  if (!variables.ok()) return variables.status();
  Status st = req.value().remove ? RunRemove(op, cmd, req.value(), variables.value(), reply)
                                 : RunModify(op, cmd, req.value(), variables.value(), reply);
  if (st.ok() && concern.value().journal) st = op.service.engine->Flush();
  return st;
}

}  // namespace

void RegisterFindAndModifyCommands(CommandRegistry* registry) {
  registry->Register({.name = "findAndModify",
                      .aliases = {"findandmodify"},
                      .run = RunFindAndModify,
                      .help = "atomically update or remove one document and return it"});
}

}  // namespace basalt::commands
