// bulkWrite (MongoDB 8.0, on admin): inserts, updates and deletes against
// several namespaces in one command, replied as mongod's BulkWriteCommandReply:
// {cursor: {id, firstBatch: [{ok, idx, code?, errmsg?, ...extra, n,
// nModified?, upserted?}], ns: "admin.$cmd.bulkWrite"}, nErrors, nInserted,
// nMatched, nModified, nUpserted, nDeleted, ok}. Each op runs through the same
// per-document insert, update statement and delete statement as the classic
// write commands, so duplicate keys and upsert retries behave identically.
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/cursor_manager.h"
#include "commands/cursor_reply.h"
#include "commands/families.h"
#include "commands/query_args.h"
#include "commands/update_exec.h"
#include "commands/write_util.h"
#include "query/sort.h"
#include "query/update.h"

namespace basalt::commands {
namespace {

constexpr const char* kCursorNs = "admin.$cmd.bulkWrite";

struct Namespace {
  std::string db;
  std::string coll;
  std::string full;
};

struct InsertOp {
  const bson_t* document = nullptr;
};

struct UpdateOp {
  const bson_t* entry = nullptr;  // the op itself, for filter/updateMods/arrayFilters
  bool multi = false;
  bool upsert = false;
  Bson hint;
  Bson sort;
};

struct DeleteOpSpec {
  const bson_t* filter = nullptr;
  bool multi = false;
  Bson hint;
};

struct BulkOp {
  int32_t ns_index = 0;
  std::variant<InsertOp, UpdateOp, DeleteOpSpec> op;
};

// The views below point into the request; they live as long as the command.
struct BulkRequest {
  bool ordered = true;
  bool errors_only = false;
  std::optional<int64_t> batch_size;
  std::vector<Namespace> namespaces;
  std::vector<BulkOp> ops;
  std::vector<std::unique_ptr<BsonView>> views;  // owners of the op documents
  Bson let;
};

Status OpWrongType(std::string_view field, bson_type_t actual, std::string_view expected) {
  return Status(ErrorCodes::TypeMismatch,
                "BSON field 'bulkWrite.ops." + std::string(field) + "' is the wrong type '" +
                    std::string(TypeName(actual)) + "', expected " + std::string(expected));
}

const bson_t* ViewOf(const bson_iter_t* it, BulkRequest* req) {
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(it, &len, &data);
  req->views.push_back(std::make_unique<BsonView>(data, len));
  return req->views.back()->get();
}

// The IDL's `bool` fields (multi, upsert) are strict booleans.
StatusWith<bool> StrictBool(const bson_iter_t* it) {
  if (!BSON_ITER_HOLDS_BOOL(it)) {
    return OpWrongType(KeyOf(it), bson_iter_type(it), "type 'bool'");
  }
  return bson_iter_bool(it);
}

// indexHint: a name or a key pattern, kept in the form the executors take.
Status ParseHint(const bson_iter_t* it, Bson* hint) {
  if (BSON_ITER_HOLDS_UTF8(it)) {
    AppendUtf8(hint->get(), "$hint", Utf8Of(it));
  } else if (BSON_ITER_HOLDS_DOCUMENT(it)) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(it, &len, &data);
    *hint = Bson::CopyBytes(data, len);
  } else {
    return Status(ErrorCodes::FailedToParse, "Hint must be a string or an object");
  }
  return Status::OK();
}

// Parses one element of `ops`. Like mongod's IDL variant, the first field
// (insert, update or delete) decides which struct the rest must fit.
Status ParseOp(const bson_t* doc, BulkRequest* req) {
  bson_iter_t it;
  if (!bson_iter_init(&it, doc) || !bson_iter_next(&it)) {
    return Status(ErrorCodes::FailedToParse, "Unrecognized bulkWrite operation: {}");
  }
  std::string kind(KeyOf(&it));
  if (kind != "insert" && kind != "update" && kind != "delete") {
    return Status(ErrorCodes::FailedToParse, "Unrecognized bulkWrite operation: '" + kind + "'");
  }
  if (!IsNumber(bson_iter_type(&it))) {
    return Status(ErrorCodes::TypeMismatch, "BSON field 'bulkWrite.ops." + kind +
                                                "' is the wrong type '" +
                                                std::string(TypeName(bson_iter_type(&it))) +
                                                "', expected types '[long, int, decimal, double']");
  }
  int64_t index = NumberAsInt64(&it);
  if (index < 0) {
    return Status(51024, "BSON field '" + kind + "' value must be >= 0, actual value '" +
                             std::to_string(index) + "'");
  }
  BulkOp op;
  op.ns_index = static_cast<int32_t>(index);
  InsertOp insert;
  UpdateOp update;
  DeleteOpSpec del;
  bool has_document = false, has_filter = false, has_mods = false;
  while (bson_iter_next(&it)) {
    std::string_view key = KeyOf(&it);
    bson_type_t type = bson_iter_type(&it);
    if (kind == "insert" && key == "document") {
      if (type != BSON_TYPE_DOCUMENT) return OpWrongType(key, type, "type 'object'");
      insert.document = ViewOf(&it, req);
      has_document = true;
    } else if (kind != "insert" && key == "filter") {
      if (type != BSON_TYPE_DOCUMENT) return OpWrongType(key, type, "type 'object'");
      del.filter = ViewOf(&it, req);
      has_filter = true;
    } else if (kind != "insert" && key == "multi") {
      auto value = StrictBool(&it);
      if (!value.ok()) return value.status();
      update.multi = del.multi = value.value();
    } else if (kind != "insert" && key == "hint") {
      if (Status s = ParseHint(&it, kind == "update" ? &update.hint : &del.hint); !s.ok()) {
        return s;
      }
    } else if (kind != "insert" && key == "collation") {
      if (Status s = RefuseCollationValue(&it); !s.ok()) return s;
    } else if (kind != "insert" && key == "sort") {
      if (type != BSON_TYPE_DOCUMENT) return OpWrongType(key, type, "type 'object'");
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&it, &len, &data);
      update.sort = Bson::CopyBytes(data, len);
    } else if (kind != "insert" && key == "let") {
      if (type != BSON_TYPE_DOCUMENT) return OpWrongType(key, type, "type 'object'");
    } else if (kind != "insert" && (key == "return" || key == "returnFields")) {
      // mongos' internal findAndModify-style fields; drivers never send them.
      return Status(ErrorCodes::NotImplemented,
                    "bulkWrite ops field '" + std::string(key) + "' is not supported");
    } else if (kind == "update" && key == "updateMods") {
      if (type != BSON_TYPE_DOCUMENT && type != BSON_TYPE_ARRAY) {
        return OpWrongType(key, type, "types '[object, array]'");
      }
      has_mods = true;
    } else if (kind == "update" && key == "upsert") {
      auto value = StrictBool(&it);
      if (!value.ok()) return value.status();
      update.upsert = value.value();
    } else if (kind == "update" && key == "constants") {
      if (type != BSON_TYPE_DOCUMENT) return OpWrongType(key, type, "type 'object'");
    } else if (kind == "update" && key == "upsertSupplied") {
      continue;
    } else if (kind == "update" && key == "arrayFilters") {
      if (type != BSON_TYPE_ARRAY) return OpWrongType(key, type, "type 'array'");
      bson_iter_t f;
      bson_iter_recurse(&it, &f);
      while (bson_iter_next(&f)) {
        if (!BSON_ITER_HOLDS_DOCUMENT(&f)) {
          return OpWrongType("arrayFilters." + std::string(KeyOf(&f)), bson_iter_type(&f),
                             "type 'object'");
        }
      }
    } else {
      return Status(40415,
                    "BSON field 'bulkWrite.ops." + std::string(key) + "' is an unknown field.");
    }
  }
  auto missing = [](std::string_view field) {
    return Status(40414, "BSON field 'bulkWrite.ops." + std::string(field) +
                             "' is missing but a required field");
  };
  if (kind == "insert") {
    if (!has_document) return missing("document");
    op.op = insert;
  } else if (kind == "update") {
    if (!has_filter) return missing("filter");
    if (!has_mods) return missing("updateMods");
    update.entry = doc;
    op.op = std::move(update);
  } else {
    if (!has_filter) return missing("filter");
    op.op = std::move(del);
  }
  req->ops.push_back(std::move(op));
  return Status::OK();
}

// One nsInfo entry {ns: "db.coll", collectionUUID?, ...}.
StatusWith<Namespace> ParseNamespace(const bson_t* entry) {
  std::optional<std::string> ns;
  bson_iter_t it;
  bson_iter_init(&it, entry);
  while (bson_iter_next(&it)) {
    std::string_view key = KeyOf(&it);
    if (key == "ns") {
      if (!BSON_ITER_HOLDS_UTF8(&it)) {
        return Status(ErrorCodes::TypeMismatch,
                      "BSON field 'bulkWrite.nsInfo.ns' is the wrong type '" +
                          std::string(TypeName(bson_iter_type(&it))) + "', expected type 'string'");
      }
      ns = std::string(Utf8Of(&it));
    } else if (key != "collectionUUID" && key != "encryptionInformation" &&
               key != "isTimeseriesNamespace" && key != "shardVersion" &&
               key != "databaseVersion") {
      return Status(40415,
                    "BSON field 'bulkWrite.nsInfo." + std::string(key) + "' is an unknown field.");
    }
  }
  if (!ns) return Status(40414, "BSON field 'bulkWrite.nsInfo.ns' is missing but a required field");
  Namespace out;
  out.full = *ns;
  size_t dot = ns->find('.');
  out.db = ns->substr(0, dot);
  if (dot != std::string::npos) out.coll = ns->substr(dot + 1);
  return out;
}

StatusWith<BulkRequest> ParseRequest(const CommandInvocation& cmd) {
  if (Status s = CheckKnownFields(
          cmd, {"ops", "nsInfo", "cursor", "bypassDocumentValidation", "ordered", "errorsOnly",
                "let", "stmtId", "stmtIds", "bypassEmptyTsReplacement"});
      !s.ok()) {
    return s;
  }
  BulkRequest req;
  auto ordered = OrderedArgument(cmd);
  if (!ordered.ok()) return ordered.status();
  req.ordered = ordered.value();
  if (auto field = FindField(cmd.body, "errorsOnly")) {
    if (!BSON_ITER_HOLDS_BOOL(&*field)) {
      return WrongType(cmd, "errorsOnly", bson_iter_type(&*field), "bool");
    }
    req.errors_only = bson_iter_bool(&*field);
  }
  auto bypass = BoolArgument(cmd, "bypassDocumentValidation", false);
  if (!bypass.ok()) return bypass.status();
  auto let = ObjectArgument(cmd, "let");
  if (!let.ok()) return let.status();
  req.let = std::move(let.value());
  if (Status s = CheckCursorOptions(cmd); !s.ok()) return s;
  if (auto cursor = FindField(cmd.body, "cursor")) {
    bson_iter_t size;
    if (bson_iter_recurse(&*cursor, &size) && bson_iter_find(&size, "batchSize")) {
      req.batch_size = NumberAsInt64(&size);
    }
  }
  auto ops = DocumentListArgument(cmd, "ops");
  if (!ops.ok()) return ops.status();
  auto ns_info = DocumentListArgument(cmd, "nsInfo");
  if (!ns_info.ok()) return ns_info.status();
  if (Status s = CheckBatchSize(ops.value().size()); !s.ok()) return s;
  for (const auto& entry : ns_info.value()) {
    BsonView view = entry.bson();
    auto ns = ParseNamespace(view.get());
    if (!ns.ok()) return ns.status();
    req.namespaces.push_back(std::move(ns.value()));
  }
  for (const auto& entry : ops.value()) {
    BsonView view = entry.bson();
    req.views.push_back(std::make_unique<BsonView>(bson_get_data(view.get()), view.get()->len));
    if (Status s = ParseOp(req.views.back()->get(), &req); !s.ok()) return s;
  }
  // mongod checks every op's namespace index before running any of them.
  for (size_t i = 0; i < req.ops.size(); ++i) {
    if (static_cast<size_t>(req.ops[i].ns_index) >= req.namespaces.size()) {
      return Status(ErrorCodes::BadValue,
                    "BulkWrite ops entry " + std::to_string(i) + " has an invalid nsInfo index.");
    }
  }
  return req;
}

Status CheckWritableNamespace(const Namespace& ns) {
  if (Status s = ValidateCommandDatabase(ns.db); !s.ok()) return s;
  if (ns.coll.empty() || ns.coll[0] == '.' || ns.coll.find('\0') != std::string::npos) {
    return Status(ErrorCodes::InvalidNamespace, "Invalid namespace specified '" + ns.full + "'");
  }
  return Status::OK();
}

// The results of one op, as mongod's BulkWriteReplyItem holds them.
struct ReplyItem {
  int32_t idx = 0;
  Status status;
  int64_t n = 0;
  std::optional<int64_t> n_modified;  // updates only
  std::optional<Bson> upserted;       // {_id: v}
};

Bson SerializeItem(const ReplyItem& item) {
  Bson out;
  BSON_APPEND_DOUBLE(out.get(), "ok", item.status.ok() ? 1.0 : 0.0);
  BSON_APPEND_INT32(out.get(), "idx", item.idx);
  if (!item.status.ok()) {
    BSON_APPEND_INT32(out.get(), "code", item.status.code());
    AppendUtf8(out.get(), "errmsg", item.status.reason());
    if (const bson_t* extra = item.status.extraInfo()) bson_concat(out.get(), extra);
  }
  BSON_APPEND_INT32(out.get(), "n", static_cast<int32_t>(item.n));
  if (item.n_modified)
    BSON_APPEND_INT32(out.get(), "nModified", static_cast<int32_t>(*item.n_modified));
  if (item.upserted) {
    // write_ops::Upserted: the index within this op's statements (always 0) and _id.
    bson_t upserted;
    BSON_APPEND_DOCUMENT_BEGIN(out.get(), "upserted", &upserted);
    BSON_APPEND_INT32(&upserted, "index", 0);
    bson_concat(&upserted, item.upserted->get());
    bson_append_document_end(out.get(), &upserted);
  }
  return out;
}

struct Totals {
  int64_t errors = 0, inserted = 0, matched = 0, modified = 0, upserted = 0, deleted = 0;
};

// Consecutive inserts into one namespace, ops [begin, end), go through the
// batched insert path together; each gets the item it would get alone. An
// ordered request gets items up to its first failure.
void RunInsertOps(OperationContext& op, const BulkRequest& req, size_t begin, size_t end,
                  std::vector<ReplyItem>* items, Totals* totals) {
  const Namespace& ns = req.namespaces[req.ops[begin].ns_index];
  auto add = [&](size_t i, Status status) {
    ReplyItem item;
    item.idx = static_cast<int32_t>(i);
    item.status = std::move(status);
    item.n = item.status.ok() ? 1 : 0;
    if (item.status.ok()) ++totals->inserted;
    items->push_back(std::move(item));
    op.service.opcounters.insert.fetch_add(1, std::memory_order_relaxed);
  };
  Status usable = CheckWritableNamespace(ns);
  std::shared_ptr<storage::Collection> coll;
  if (usable.ok()) {
    auto found = op.service.engine->GetOrCreateCollection(ns.db, ns.coll, false);
    if (found.ok()) coll = std::move(found.value());
    if (!found.ok()) usable = found.status();
  }
  if (!usable.ok()) {
    for (size_t i = begin; i < end && (i == begin || !req.ordered); ++i) add(i, usable);
    return;
  }
  std::vector<protocol::DocView> docs;
  docs.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) {
    docs.emplace_back(std::get<InsertOp>(req.ops[i].op).document);
  }
  std::vector<WriteError> errors;
  InsertDocuments(*coll, docs, req.ordered, &errors);
  const size_t attempted =
      req.ordered && !errors.empty() ? static_cast<size_t>(errors.back().index) + 1 : docs.size();
  auto error = errors.begin();
  for (size_t k = 0; k < attempted; ++k) {
    const bool failed = error != errors.end() && error->index == static_cast<int32_t>(k);
    add(begin + k, failed ? (error++)->status : Status::OK());
  }
}

Status RunUpdateOp(OperationContext& op, const Namespace& ns, const UpdateOp& update,
                   const std::shared_ptr<const query::CommandVariables>& variables, ReplyItem* item,
                   Totals* totals) {
  op.service.opcounters.update.fetch_add(1, std::memory_order_relaxed);
  item->n_modified = 0;
  if (Status s = CheckWritableNamespace(ns); !s.ok()) return s;
  UpdateSpec spec;
  spec.upsert = update.upsert;
  spec.multi = update.multi;
  spec.hint = Bson::Copy(update.hint.get());
  bson_iter_t filter, mods, constants;
  bson_iter_init_find(&filter, update.entry, "filter");
  bson_iter_init_find(&mods, update.entry, "updateMods");
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(&filter, &len, &data);
  BsonView query(data, len);
  query::UpdateOptions options;
  options.multi = spec.multi;
  // These views live through PrepareUpdateSpec, whose driver copies them.
  std::optional<BsonView> constants_view;
  if (bson_iter_init_find(&constants, update.entry, "constants")) {
    bson_iter_document(&constants, &len, &data);
    constants_view.emplace(data, len);
    options.constants = constants_view->get();
  }
  std::vector<std::unique_ptr<BsonView>> filters;
  bson_iter_t af;
  if (bson_iter_init_find(&af, update.entry, "arrayFilters")) {
    bson_iter_t element;
    bson_iter_recurse(&af, &element);
    while (bson_iter_next(&element)) {
      bson_iter_document(&element, &len, &data);
      filters.push_back(std::make_unique<BsonView>(data, len));
      options.array_filters.push_back(filters.back()->get());
    }
  }
  if (Status s = PrepareUpdateSpec(query.get(), &mods, std::move(options), variables, &spec);
      !s.ok()) {
    return s;
  }
  if (!bson_empty(update.sort.get())) {
    auto sort = query::SortPattern::Parse(update.sort.get());
    if (!sort.ok()) return sort.status();
    spec.sort = std::move(sort.value());
  }
  auto outcome = ExecuteUpdate(op, ns.db, ns.coll, spec);
  if (!outcome.ok()) return outcome.status();
  item->n_modified = outcome.value().modified;
  totals->modified += outcome.value().modified;
  if (outcome.value().upserted_id) {
    item->n = 1;
    item->upserted = std::move(*outcome.value().upserted_id);
    ++totals->upserted;
  } else {
    item->n = outcome.value().matched;
    totals->matched += outcome.value().matched;
  }
  return Status::OK();
}

Status RunDeleteOp(OperationContext& op, const Namespace& ns, const DeleteOpSpec& del,
                   const query::CommandVariables* variables, ReplyItem* item, Totals* totals) {
  op.service.opcounters.remove.fetch_add(1, std::memory_order_relaxed);
  if (Status s = CheckWritableNamespace(ns); !s.ok()) return s;
  DeleteOp spec{BsonView(bson_get_data(del.filter), del.filter->len), del.multi,
                Bson::Copy(del.hint.get()), variables};
  auto n = ExecuteDelete(op, ns.db, ns.coll, spec);
  if (!n.ok()) return n.status();
  item->n = n.value();
  totals->deleted += n.value();
  return Status::OK();
}

Status AppendResultsCursor(OperationContext& op, const CommandInvocation& cmd,
                           std::vector<Bson> items, std::optional<int64_t> batch_size,
                           bson_t* reply) {
  CursorState state;
  state.ns = kCursorNs;
  state.source = std::make_unique<VectorSource>(std::move(items));
  state.connection_id = op.connection.id;
  state.lsid = SessionIdOf(cmd);
  // batchSize 0 asks for an empty first batch; otherwise all results fit the
  // first batch unless they pass the batch size or 16 MiB.
  return AppendFirstBatchCursor(op, std::move(state), batch_size, false, reply);
}

Status RunBulkWrite(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto parsed = ParseRequest(cmd);
  if (!parsed.ok()) return parsed.status();
  auto concern = WriteConcernArgument(cmd);
  if (!concern.ok()) return concern.status();
  const BulkRequest& req = parsed.value();
  // One $$NOW and one evaluation of `let` for every op, as mongod.
  auto variables = query::CommandVariables::Make(req.let.get(), query::CurrentTimeMillis());
  if (!variables.ok()) return variables.status();

  Totals totals;
  std::vector<Bson> items;
  std::vector<ReplyItem> done;
  for (size_t i = 0; i < req.ops.size();) {
    const BulkOp& bulk_op = req.ops[i];
    const Namespace& ns = req.namespaces[bulk_op.ns_index];
    done.clear();
    if (std::holds_alternative<InsertOp>(bulk_op.op)) {
      size_t end = i + 1;
      while (end < req.ops.size() && std::holds_alternative<InsertOp>(req.ops[end].op) &&
             req.ops[end].ns_index == bulk_op.ns_index) {
        ++end;
      }
      RunInsertOps(op, req, i, end, &done, &totals);
      i = end;
    } else {
      ReplyItem& item = done.emplace_back();
      item.idx = static_cast<int32_t>(i);
      if (const auto* update = std::get_if<UpdateOp>(&bulk_op.op)) {
        item.status = RunUpdateOp(op, ns, *update, variables.value(), &item, &totals);
      } else {
        item.status = RunDeleteOp(op, ns, std::get<DeleteOpSpec>(bulk_op.op),
                                  variables.value().get(), &item, &totals);
      }
      ++i;
    }
    bool stop = false;
    for (ReplyItem& item : done) {
      const bool failed = !item.status.ok();
      if (failed) {
        ++totals.errors;
        item.n = 0;
        item.upserted.reset();
      }
      if (failed || !req.errors_only) items.push_back(SerializeItem(item));
      stop = failed && req.ordered;
      if (stop) break;
    }
    if (stop) break;
  }
  bool wrote = totals.inserted + totals.modified + totals.upserted + totals.deleted > 0;
  if (concern.value().journal && wrote) {
    if (Status s = op.service.engine->Flush(); !s.ok()) return s;
  }
  if (Status s = AppendResultsCursor(op, cmd, std::move(items), req.batch_size, reply); !s.ok()) {
    return s;
  }
  BSON_APPEND_INT32(reply, "nErrors", static_cast<int32_t>(totals.errors));
  BSON_APPEND_INT32(reply, "nInserted", static_cast<int32_t>(totals.inserted));
  BSON_APPEND_INT32(reply, "nMatched", static_cast<int32_t>(totals.matched));
  BSON_APPEND_INT32(reply, "nModified", static_cast<int32_t>(totals.modified));
  BSON_APPEND_INT32(reply, "nUpserted", static_cast<int32_t>(totals.upserted));
  BSON_APPEND_INT32(reply, "nDeleted", static_cast<int32_t>(totals.deleted));
  return Status::OK();
}

}  // namespace

void RegisterBulkWriteCommands(CommandRegistry* registry) {
  registry->Register({.name = "bulkWrite",
                      .run = RunBulkWrite,
                      .help = "insert, update and delete across namespaces in one command",
                      .admin_only = true});
}

}  // namespace basalt::commands
