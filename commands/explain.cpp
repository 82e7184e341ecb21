// explain for find, count and distinct: the plan the query layer chose, shaped as
// mongod 8.0's explain output (queryPlanner.winningPlan with IDHACK, IXSCAN,
// FETCH, COLLSCAN, SKIP, LIMIT stages; executionStats with nReturned,
// totalKeysExamined, totalDocsExamined, executionTimeMillis), so users can
// see whether their index is used.
#include <algorithm>
#include <chrono>

#include "commands/aggregate.h"
#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/families.h"
#include "commands/query_exec.h"
#include "commands/read_request.h"
#include "commands/server_version.h"
#include "query/find_plan.h"

namespace basalt::commands {
namespace {

enum class Verbosity { kQueryPlanner, kExecutionStats, kAllPlansExecution };

StatusWith<Verbosity> ParseVerbosity(const bson_t* body) {
  auto field = FindField(body, "verbosity");
  if (!field) return Verbosity::kAllPlansExecution;  // mongod's default
  if (!BSON_ITER_HOLDS_UTF8(&*field)) {
    return Status(ErrorCodes::FailedToParse, "verbosity must be a string");
  }
  std::string_view v = Utf8Of(&*field);
  if (v == "queryPlanner") return Verbosity::kQueryPlanner;
  if (v == "executionStats") return Verbosity::kExecutionStats;
  if (v == "allPlansExecution") return Verbosity::kAllPlansExecution;
  return Status(ErrorCodes::BadValue,
                "verbosity string must be one of {'queryPlanner', 'executionStats', "
                "'allPlansExecution'}");
}

// multiKeyPaths as mongod shows it: per key field, the prefixes of its path
// at which documents have held arrays ({"a.b": ["a"]}).
void AppendMultiKeyPaths(const storage::IndexSpec& index, const std::vector<uint64_t>& paths,
                         bson_t* out) {
  bson_t doc;
  BSON_APPEND_DOCUMENT_BEGIN(out, "multiKeyPaths", &doc);
  for (size_t f = 0; f < index.fields().size(); ++f) {
    const std::string& field = index.fields()[f];
    uint64_t bits = f < paths.size() ? paths[f] : 0;
    std::vector<std::string> prefixes;
    size_t component = 0;
    for (size_t dot = field.find('.');; dot = field.find('.', dot + 1), ++component) {
      if (bits & (uint64_t{1} << std::min<size_t>(component, 63))) {
        prefixes.push_back(field.substr(0, dot));
      }
      if (dot == std::string::npos) break;
    }
    AppendStringArray(&doc, field, prefixes);
  }
  bson_append_document_end(out, &doc);
}

// The access stage: IDHACK, COLLSCAN, FETCH over IXSCAN, or EOF.
void AppendAccessStage(const query::FindPlan& plan, const bson_t* filter, bson_t* out) {
  using Kind = query::FindPlan::Kind;
  bool has_filter = filter && !bson_empty(filter);
  switch (plan.kind) {
    case Kind::kEof:
      AppendUtf8(out, "stage", "EOF");
      return;
    case Kind::kIdLookup:
      AppendUtf8(out, "stage", "IDHACK");
      return;
    case Kind::kCollectionScan:
      AppendUtf8(out, "stage", "COLLSCAN");
      if (has_filter) BSON_APPEND_DOCUMENT(out, "filter", filter);
      AppendUtf8(out, "direction", plan.forward ? "forward" : "backward");
      return;
    case Kind::kIndexScan: {
      AppendUtf8(out, "stage", "FETCH");
      if (has_filter) BSON_APPEND_DOCUMENT(out, "filter", filter);
      bson_t ixscan;
      BSON_APPEND_DOCUMENT_BEGIN(out, "inputStage", &ixscan);
      AppendUtf8(&ixscan, "stage", "IXSCAN");
      BSON_APPEND_DOCUMENT(&ixscan, "keyPattern", plan.index->key_pattern());
      AppendUtf8(&ixscan, "indexName", plan.index->name());
      BSON_APPEND_BOOL(&ixscan, "isMultiKey", query::IsMultikey(plan.multikey_paths));
      AppendMultiKeyPaths(*plan.index, plan.multikey_paths, &ixscan);
      BSON_APPEND_BOOL(&ixscan, "isUnique", plan.index->unique());
      BSON_APPEND_BOOL(&ixscan, "isSparse", plan.index->sparse());
      BSON_APPEND_BOOL(&ixscan, "isPartial", plan.index->partial_filter() != nullptr);
      BSON_APPEND_INT32(&ixscan, "indexVersion", 2);
      AppendUtf8(&ixscan, "direction", plan.forward ? "forward" : "backward");
      if (!plan.min_max) BSON_APPEND_DOCUMENT(&ixscan, "indexBounds", plan.index_bounds.get());
      bson_append_document_end(out, &ixscan);
      return;
    }
  }
}

// The access stage, under a blocking SORT stage when the find sorts.
void AppendSortOverAccess(const ReadRequest& req, const query::FindPlan& plan, bson_t* out) {
  // An index scan in the sort's order needs no blocking SORT stage.
  if (!req.options.sort || plan.provides_sort) {
    return AppendAccessStage(plan, req.filter.get(), out);
  }
  AppendUtf8(out, "stage", "SORT");
  BSON_APPEND_DOCUMENT(out, "sortPattern", req.sort_spec.get());
  BSON_APPEND_INT64(out, "memLimit", query::SorterOptions::kDefaultMaxMemoryBytes);
  AppendUtf8(out, "type", "simple");
  bson_t input;
  BSON_APPEND_DOCUMENT_BEGIN(out, "inputStage", &input);
  AppendAccessStage(plan, req.filter.get(), &input);
  bson_append_document_end(out, &input);
}

// mongod's PROJECTION_SIMPLE applies to inclusions and exclusions of
// top-level fields; anything else (dotted paths, $slice, expressions...)
// runs as PROJECTION_DEFAULT.
bool IsSimpleProjection(const bson_t* spec) {
  bson_iter_t it;
  bson_iter_init(&it, spec);
  while (bson_iter_next(&it)) {
    if (KeyOf(&it).find('.') != std::string_view::npos) return false;
    if (!BSON_ITER_HOLDS_NUMBER(&it) && !BSON_ITER_HOLDS_BOOL(&it)) return false;
  }
  return true;
}

void AppendLimitSkipSort(const ReadRequest& req, const query::FindPlan& plan, bson_t* out);

// The whole plan: RETURN_KEY or a projection stage over the rest, as mongod
// puts them at the top.
void AppendWinningPlan(const ReadRequest& req, const query::FindPlan& plan, bson_t* out) {
  const char* top = nullptr;
  if (req.options.return_key) {
    top = "RETURN_KEY";
  } else if (!bson_empty(req.projection_spec.get())) {
    top = IsSimpleProjection(req.projection_spec.get()) ? "PROJECTION_SIMPLE"
                                                        : "PROJECTION_DEFAULT";
  }
  if (top == nullptr) return AppendLimitSkipSort(req, plan, out);
  AppendUtf8(out, "stage", top);
  if (!req.options.return_key) {
    BSON_APPEND_DOCUMENT(out, "transformBy", req.projection_spec.get());
  }
  bson_t input;
  BSON_APPEND_DOCUMENT_BEGIN(out, "inputStage", &input);
  AppendLimitSkipSort(req, plan, &input);
  bson_append_document_end(out, &input);
}

// Wraps the access stage in SKIP and LIMIT stages as mongod's plan shows them.
void AppendLimitSkipSort(const ReadRequest& req, const query::FindPlan& plan, bson_t* out) {
  int64_t limit = req.options.limit.value_or(0);
  int64_t skip = req.options.skip;
  bson_t* level = out;
  bson_t limit_doc, skip_doc;
  if (limit > 0) {
    AppendUtf8(level, "stage", "LIMIT");
    BSON_APPEND_INT64(level, "limitAmount", limit);
    BSON_APPEND_DOCUMENT_BEGIN(level, "inputStage", &limit_doc);
  }
  bson_t* inner = limit > 0 ? &limit_doc : level;
  if (skip > 0) {
    AppendUtf8(inner, "stage", "SKIP");
    BSON_APPEND_INT64(inner, "skipAmount", skip);
    BSON_APPEND_DOCUMENT_BEGIN(inner, "inputStage", &skip_doc);
    AppendSortOverAccess(req, plan, &skip_doc);
    bson_append_document_end(inner, &skip_doc);
  } else {
    AppendSortOverAccess(req, plan, inner);
  }
  if (limit > 0) bson_append_document_end(level, &limit_doc);
}

Status RunExplain(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  bson_iter_t it;
  bson_iter_init(&it, cmd.body);
  bson_iter_next(&it);
  if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
    return WrongType(cmd, "explain", bson_iter_type(&it), "object");
  }
  auto verbosity = ParseVerbosity(cmd.body);
  if (!verbosity.ok()) return verbosity.status();
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(&it, &len, &data);
  BsonView inner(data, len);
  CommandInvocation inner_cmd;
  inner_cmd.body = inner.get();
  inner_cmd.db = cmd.db;
  bson_iter_t first;
  if (!bson_iter_init(&first, inner.get()) || !bson_iter_next(&first)) {
    return Status(ErrorCodes::FailedToParse, "explain command requires a nested object");
  }
  inner_cmd.name = KeyOf(&first);
  if (inner_cmd.name == "aggregate") {
    // The same as {aggregate: ..., explain: true}.
    Bson body = Bson::Copy(inner.get());
    BSON_APPEND_BOOL(body.get(), "explain", true);
    inner_cmd.body = body.get();
    bson_iter_init(&first, body.get());
    bson_iter_next(&first);
    inner_cmd.name = KeyOf(&first);
    return RunAggregate(op, inner_cmd, reply);
  }
  StatusWith<ReadRequest> parsed = Status(ErrorCodes::CommandNotFound, "");
  if (inner_cmd.name == "find") {
    parsed = ParseFindRequest(inner_cmd);
  } else if (inner_cmd.name == "count") {
    parsed = ParseCountRequest(inner_cmd);
  } else if (inner_cmd.name == "distinct") {
    parsed = ParseDistinctRequest(inner_cmd);
  } else {
    return Status(ErrorCodes::CommandNotFound,
                  "Explain failed due to unknown command: " + std::string(inner_cmd.name));
  }
  if (!parsed.ok()) return parsed.status();
  ReadRequest& req = parsed.value();

  auto started = std::chrono::steady_clock::now();
  auto executor = MakeReadExecutor(op, cmd.db, req);
  if (!executor.ok()) return executor.status();
  query::FindExecutor& exec = *executor.value();
  if (verbosity.value() != Verbosity::kQueryPlanner) {
    Bson doc;
    while (true) {
      auto more = exec.Next(&doc);
      if (!more.ok()) return more.status();
      if (!more.value()) break;
    }
  }
  auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::steady_clock::now() - started)
                     .count();

  AppendUtf8(reply, "explainVersion", "1");
  bson_t planner, winning, rejected;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "queryPlanner", &planner);
  AppendUtf8(&planner, "namespace", cmd.db + "." + req.collection);
  BSON_APPEND_BOOL(&planner, "indexFilterSet", false);
  BSON_APPEND_DOCUMENT(&planner, "parsedQuery", req.filter.get());
  BSON_APPEND_DOCUMENT_BEGIN(&planner, "winningPlan", &winning);
  AppendWinningPlan(req, exec.plan(), &winning);
  bson_append_document_end(&planner, &winning);
  BSON_APPEND_ARRAY_BEGIN(&planner, "rejectedPlans", &rejected);
  bson_append_array_end(&planner, &rejected);
  bson_append_document_end(reply, &planner);

  if (verbosity.value() != Verbosity::kQueryPlanner) {
    const query::ExecutionStats& stats = exec.stats();
    bson_t execution, stages;
    BSON_APPEND_DOCUMENT_BEGIN(reply, "executionStats", &execution);
    BSON_APPEND_BOOL(&execution, "executionSuccess", true);
    AppendNumber(&execution, "nReturned", stats.returned);
    AppendNumber(&execution, "executionTimeMillis", elapsed);
    AppendNumber(&execution, "totalKeysExamined", stats.keys_examined);
    AppendNumber(&execution, "totalDocsExamined", stats.docs_examined);
    BSON_APPEND_DOCUMENT_BEGIN(&execution, "executionStages", &stages);
    AppendWinningPlan(req, exec.plan(), &stages);
    AppendNumber(&stages, "nReturned", stats.returned);
    bson_append_document_end(&execution, &stages);
    if (verbosity.value() == Verbosity::kAllPlansExecution) {
      bson_t all;
      BSON_APPEND_ARRAY_BEGIN(&execution, "allPlansExecution", &all);
      bson_append_array_end(&execution, &all);
    }
    bson_append_document_end(reply, &execution);
  }
  BSON_APPEND_DOCUMENT(reply, "command", inner.get());
  bson_t server_info;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "serverInfo", &server_info);
  AppendUtf8(&server_info, "host", op.service.host);
  AppendUtf8(&server_info, "version", kMongoVersion);
  AppendUtf8(&server_info, "gitVersion", "basalt");
  bson_append_document_end(reply, &server_info);
  return Status::OK();
}

}  // namespace

void RegisterExplainCommands(CommandRegistry* registry) {
  registry->Register({.name = "explain", .run = RunExplain, .help = "explain how a query runs"});
}

}  // namespace basalt::commands
