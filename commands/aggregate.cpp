// aggregate: parses the command as mongod's AggregateCommandRequest (and
// aggregation_request_helper::validate), runs the query layer's pipeline
// over the collection (a leading $match through MakeFindExecutor, so that
// indexes serve it), and returns mongod's cursor reply, continued by
// getMore through the CursorManager.
#include "commands/aggregate.h"

#include <chrono>
#include <memory>

#include "commands/aggregate_writer.h"
#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/cursor_manager.h"
#include "commands/cursor_reply.h"
#include "commands/families.h"
#include "commands/query_args.h"
#include "commands/query_exec.h"
#include "commands/server_version.h"
#include "query/command_variables.h"
#include "query/find_plan.h"
#include "query/pipeline.h"

namespace basalt::commands {
namespace {

// Reads collections for the pipeline with the same executor find uses. It
// outlives the command (a cursor keeps it), so it holds the service, not the
// operation.
class CommandCollectionReader : public query::CollectionReader {
 public:
  CommandCollectionReader(ServiceContext* service, std::string db, int64_t connection_id)
      : service_(service), db_(std::move(db)) {
    connection_.id = connection_id;
  }

  StatusWith<std::unique_ptr<query::DocumentStream>> Open(const std::string& collection,
                                                          const bson_t* filter,
                                                          const bson_t* hint) override {
    OperationContext op{*service_, connection_};
    auto executor = MakeFindExecutor(op, db_, collection, filter, hint, query::FindOptions());
    if (!executor.ok()) return executor.status();
    return std::unique_ptr<query::DocumentStream>(std::move(executor.value()));
  }

  StatusWith<Bson> ExplainPlan(const std::string& collection, const bson_t* filter,
                               const bson_t* hint) override {
    auto coll = service_->engine->GetCollection(db_, collection);
    auto plan = query::ChooseFindPlan(coll.get(), filter, hint);
    if (!plan.ok()) return plan.status();
    Bson out;
    const query::FindPlan& p = plan.value();
    const bool has_filter = filter != nullptr && !bson_empty(filter);
    if (p.kind == query::FindPlan::Kind::kIndexScan) {
      AppendUtf8(out.get(), "stage", "FETCH");
      if (has_filter) BSON_APPEND_DOCUMENT(out.get(), "filter", filter);
      bson_t ixscan;
      BSON_APPEND_DOCUMENT_BEGIN(out.get(), "inputStage", &ixscan);
      AppendUtf8(&ixscan, "stage", "IXSCAN");
      BSON_APPEND_DOCUMENT(&ixscan, "keyPattern", p.index->key_pattern());
      AppendUtf8(&ixscan, "indexName", p.index->name());
      AppendUtf8(&ixscan, "direction", p.forward ? "forward" : "backward");
      bson_append_document_end(out.get(), &ixscan);
    } else {
      AppendUtf8(out.get(), "stage", query::PlanStageName(p));
      if (p.kind == query::FindPlan::Kind::kCollectionScan) {
        if (has_filter) BSON_APPEND_DOCUMENT(out.get(), "filter", filter);
        AppendUtf8(out.get(), "direction", p.forward ? "forward" : "backward");
      }
    }
    return out;
  }

 private:
  ServiceContext* service_;
  std::string db_;
  ConnectionState connection_;
};

// The cursor's source: owns the pipeline its stream points into, and words
// errors as mongod does for the first batch and for getMore.
class AggregateStream : public query::DocumentStream {
 public:
  AggregateStream(std::unique_ptr<query::Pipeline> pipeline,
                  std::unique_ptr<query::DocumentStream> stream)
      : pipeline_(std::move(pipeline)), stream_(std::move(stream)) {}
  ~AggregateStream() override { stream_.reset(); }

  StatusWith<bool> Next(Bson* out) override {
    auto more = stream_->Next(out);
    if (more.ok()) return more;
    // Extra fields (a $merge duplicate's keyPattern/keyValue) go with the error.
    const Status& s = more.status();
    if (const bson_t* extra = s.extraInfo()) {
      return Status(s.code(), context_ + s.reason(), Bson::Copy(extra));
    }
    return Status(s.code(), context_ + s.reason());
  }

  // After the first batch: maxTimeMS covers the command only, and errors
  // come from getMore.
  void FirstBatchDone() {
    pipeline_->context().deadline.reset();
    context_ = "Executor error during getMore :: caused by :: ";
  }

 private:
  std::unique_ptr<query::Pipeline> pipeline_;
  std::unique_ptr<query::DocumentStream> stream_;
  std::string context_ = "PlanExecutor error during aggregation :: caused by :: ";
};

struct AggregateRequest {
  std::string collection;  // empty for {aggregate: 1}
  std::optional<bson_iter_t> pipeline;
  bool explain = false;
  bool has_cursor = false;
  int64_t batch_size = kDefaultFirstBatchSize;
  bool allow_disk_use = false;
  Bson hint;
  Bson let;
  std::optional<std::chrono::steady_clock::time_point> deadline;
};

// mongod's parseNs for the first field.
StatusWith<std::string> AggregateNamespace(const CommandInvocation& cmd) {
  bson_iter_t first;
  bson_iter_init(&first, cmd.body);
  bson_iter_next(&first);
  if (IsNumber(bson_iter_type(&first))) {
    if (NumberAsDouble(&first) != 1) {
      return Status(ErrorCodes::FailedToParse, "Invalid command format: the '" +
                                                   std::string(KeyOf(&first)) +
                                                   "' field must specify a collection name or 1");
    }
    return std::string();
  }
  if (!BSON_ITER_HOLDS_UTF8(&first)) {
    return Status(ErrorCodes::TypeMismatch, "collection name has invalid type: " +
                                                std::string(TypeName(bson_iter_type(&first))));
  }
  return CollectionArgument(cmd);
}

Status ParseCursorOption(const bson_iter_t* cursor, AggregateRequest* req) {
  if (!BSON_ITER_HOLDS_DOCUMENT(cursor)) {
    return Status(ErrorCodes::TypeMismatch, "cursor field must be missing or an object");
  }
  bson_iter_t it;
  bson_iter_recurse(cursor, &it);
  while (bson_iter_next(&it)) {
    std::string_view key = KeyOf(&it);
    if (key != "batchSize") {
      return Status(40415, "BSON field 'cursor." + std::string(key) + "' is an unknown field.");
    }
    if (!IsNumber(bson_iter_type(&it))) {
      return Status(ErrorCodes::TypeMismatch,
                    "BSON field 'cursor.batchSize' is the wrong type '" +
                        std::string(TypeName(bson_iter_type(&it))) +
                        "', expected types '[long, int, decimal, double']");
    }
    int64_t n = NumberAsInt64(&it);
    if (n < 0) {
      return Status(51024, "BSON field 'batchSize' value must be >= 0, actual value '" +
                               std::to_string(n) + "'");
    }
    req->batch_size = n;
  }
  return Status::OK();
}

StatusWith<AggregateRequest> ParseAggregate(const CommandInvocation& cmd) {
  AggregateRequest req;
  auto ns = AggregateNamespace(cmd);
  if (!ns.ok()) return ns.status();
  req.collection = ns.value();
  if (Status s =
          CheckKnownFields(cmd, {"pipeline", "explain", "allowDiskUse", "cursor", "hint",
                                 "collation", "bypassDocumentValidation", "let", "fromMongos",
                                 "needsMerge", "exchange", "isMapReduceCommand", "collectionUUID",
                                 "encryptionInformation", "$_requestReshardingResumeToken",
                                 "$_generateV2ResumeTokens", "$_passthroughToShard"});
      !s.ok()) {
    return s;
  }
  bson_iter_t it;
  bson_iter_init(&it, cmd.body);
  bson_iter_next(&it);
  while (bson_iter_next(&it)) {
    const std::string_view key = KeyOf(&it);
    if (key == "pipeline") {
      if (!BSON_ITER_HOLDS_ARRAY(&it)) {
        return WrongType(cmd, "pipeline", bson_iter_type(&it), "array");
      }
      req.pipeline = it;
    } else if (key == "explain") {
      if (!BSON_ITER_HOLDS_BOOL(&it)) {
        return Status(ErrorCodes::TypeMismatch, "explain must be a boolean");
      }
      req.explain = bson_iter_bool(&it);
    } else if (key == "cursor") {
      req.has_cursor = true;
      if (Status s = ParseCursorOption(&it, &req); !s.ok()) return s;
    }
  }
  if (!req.pipeline) {
    return Status(40414, "BSON field 'aggregate.pipeline' is missing but a required field");
  }
  auto allow_disk_use = BoolArgument(cmd, "allowDiskUse", false);
  if (!allow_disk_use.ok()) return allow_disk_use.status();
  req.allow_disk_use = allow_disk_use.value();
  auto bypass = BoolArgument(cmd, "bypassDocumentValidation", false);
  if (!bypass.ok()) return bypass.status();
  if (Status s = RefuseCollation(cmd); !s.ok()) return s;
  auto hint = HintArgument(cmd);
  if (!hint.ok()) return hint.status();
  req.hint = std::move(hint.value());
  auto let = ObjectArgument(cmd, "let");
  if (!let.ok()) return let.status();
  req.let = std::move(let.value());
  auto deadline = DeadlineArgument(cmd);
  if (!deadline.ok()) return deadline.status();
  req.deadline = deadline.value();
  // aggregation_request_helper::validate.
  if (!req.has_cursor && !FindField(cmd.body, "explain")) {
    return Status(ErrorCodes::FailedToParse,
                  "The 'cursor' option is required, except for aggregate with the explain "
                  "argument");
  }
  if (req.explain && FindField(cmd.body, "writeConcern")) {
    return Status(ErrorCodes::FailedToParse,
                  "Aggregation explain does not support the'writeConcern' option");
  }
  return req;
}

Status AppendExplain(OperationContext& op, const CommandInvocation& cmd, query::Pipeline& pipeline,
                     const std::string& ns, bson_t* reply) {
  query::PipelineContext& ctx = pipeline.context();
  AppendUtf8(reply, "explainVersion", "1");
  const bool from_collection = !ctx.collection.empty() &&
                               !(pipeline.stages().size() > 0 && pipeline.stages()[0]->IsSource());
  Bson planner;
  if (from_collection) {
    const bson_t* filter =
        bson_empty(pipeline.pushed_filter().get()) ? nullptr : pipeline.pushed_filter().get();
    const bson_t* hint = ctx.hint && !bson_empty(ctx.hint->get()) ? ctx.hint->get() : nullptr;
    auto plan = ctx.reader->ExplainPlan(ctx.collection, filter, hint);
    if (!plan.ok()) return plan.status();
    AppendUtf8(planner.get(), "namespace", ns);
    BSON_APPEND_BOOL(planner.get(), "indexFilterSet", false);
    Bson empty;
    BSON_APPEND_DOCUMENT(planner.get(), "parsedQuery", filter ? filter : empty.get());
    BSON_APPEND_DOCUMENT(planner.get(), "winningPlan", plan.value().get());
    bson_t rejected;
    BSON_APPEND_ARRAY_BEGIN(planner.get(), "rejectedPlans", &rejected);
    bson_append_array_end(planner.get(), &rejected);
  }
  bson_t stages;
  BSON_APPEND_ARRAY_BEGIN(reply, "stages", &stages);
  uint32_t i = 0;
  if (from_collection) {
    bson_t cursor_stage, cursor;
    std::string key = std::to_string(i++);
    BSON_APPEND_DOCUMENT_BEGIN(&stages, key.c_str(), &cursor_stage);
    BSON_APPEND_DOCUMENT_BEGIN(&cursor_stage, "$cursor", &cursor);
    BSON_APPEND_DOCUMENT(&cursor, "queryPlanner", planner.get());
    bson_append_document_end(&cursor_stage, &cursor);
    bson_append_document_end(&stages, &cursor_stage);
  }
  for (size_t s = 0; s < pipeline.stages().size(); ++s) {
    if (s == 0 && from_collection && pipeline.stages()[0]->name() == "$match" &&
        !bson_empty(pipeline.pushed_filter().get())) {
      continue;  // served by the $cursor stage
    }
    std::string key = std::to_string(i++);
    Bson stage = pipeline.stages()[s]->Serialize();
    BSON_APPEND_DOCUMENT(&stages, key.c_str(), stage.get());
  }
  bson_append_array_end(reply, &stages);
  BSON_APPEND_DOCUMENT(reply, "command", cmd.body);
  bson_t server_info;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "serverInfo", &server_info);
  AppendUtf8(&server_info, "host", op.service.host);
  AppendUtf8(&server_info, "version", kMongoVersion);
  AppendUtf8(&server_info, "gitVersion", "basalt");
  bson_append_document_end(reply, &server_info);
  return Status::OK();
}

// $out and $merge finish their writes before the reply, whatever the batch
// size (the reply is then an empty, closed cursor), and honour `j: true`.
Status DrainWrites(OperationContext& op, AggregateStream& stream, const WriteConcern& concern) {
  Bson ignored;
  while (true) {
    auto more = stream.Next(&ignored);
    if (!more.ok()) return more.status();
    if (!more.value()) break;
  }
  if (concern.journal) return op.service.engine->Flush();
  return Status::OK();
}

}  // namespace

Status RunAggregate(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto parsed = ParseAggregate(cmd);
  if (!parsed.ok()) return parsed.status();
  AggregateRequest& req = parsed.value();

  auto ctx = std::make_shared<query::PipelineContext>();
  ctx->db = cmd.db;
  ctx->collection = req.collection;
  ctx->reader = std::make_shared<CommandCollectionReader>(&op.service, cmd.db, op.connection.id);
  ctx->writer = MakeAggregateWriter(&op.service, op.connection.id);
  ctx->allow_disk_use = req.allow_disk_use;
  const storage::EngineOptions& engine_options = op.service.engine->options();
  if (engine_options.kind == storage::EngineOptions::Kind::kRocksDb) {
    ctx->temp_dir = engine_options.db_path + "/_tmp";
  }
  ctx->deadline = req.deadline;
  ctx->current_operations = [service = &op.service] {
    std::vector<Bson> rows;
    for (const auto& active : service->operations.Snapshot()) {
      rows.emplace_back();
      AppendCurrentOpDocument(*active, service->host, rows.back().get());
    }
    return rows;
  };
  if (!bson_empty(req.hint.get())) ctx->hint = std::make_shared<const Bson>(std::move(req.hint));
  // The command's `let`, each variable evaluated once, and $$NOW.
  auto variables = query::CommandVariables::Make(req.let.get(), query::CurrentTimeMillis());
  if (!variables.ok()) return variables.status();
  ctx->vps = variables.value()->vps();
  ctx->variables = variables.value()->NewValues();

  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_array(&*req.pipeline, &len, &data);
  BsonView stages(data, len);
  auto pipeline = query::Pipeline::Parse(stages.get(), ctx);
  if (!pipeline.ok()) return pipeline.status();
  if (Status s = pipeline.value()->Optimize(); !s.ok()) return s;

  const std::string ns =
      cmd.db + "." + (req.collection.empty() ? std::string("$cmd.aggregate") : req.collection);
  if (req.explain) return AppendExplain(op, cmd, *pipeline.value(), ns, reply);
  // A writing pipeline checks its writeConcern before any write, as mongod.
  WriteConcern concern;
  if (pipeline.value()->writes()) {
    auto parsed_concern = WriteConcernArgument(cmd);
    if (!parsed_concern.ok()) return parsed_concern.status();
    concern = parsed_concern.value();
  }

  auto stream = pipeline.value()->Execute(nullptr);
  if (!stream.ok()) {
    return Status(stream.status().code(), "PlanExecutor error during aggregation :: caused by :: " +
                                              stream.status().reason());
  }
  const bool writes = pipeline.value()->writes();
  auto source =
      std::make_unique<AggregateStream>(std::move(pipeline.value()), std::move(stream.value()));
  AggregateStream* aggregate = source.get();
  CursorState state;
  state.ns = ns;
  state.connection_id = op.connection.id;
  state.lsid = SessionIdOf(cmd);
  if (writes) {
    if (Status s = DrainWrites(op, *source, concern); !s.ok()) return s;
    state.source = std::make_unique<query::EmptyStream>();
    return AppendFirstBatchCursor(op, std::move(state), req.batch_size, /*single_batch=*/true,
                                  reply);
  }
  state.source = std::move(source);
  return AppendFirstBatchCursor(op, std::move(state), req.batch_size, false, reply,
                                [aggregate] { aggregate->FirstBatchDone(); });
}

void RegisterAggregateCommands(CommandRegistry* registry) {
  registry->Register({.name = "aggregate",
                      .run = RunAggregate,
                      .help = "Runs the aggregation command. See "
                              "http://dochub.mongodb.org/core/aggregation for more details."});
}

}  // namespace basalt::commands
