#include "commands/read_request.h"

#include "commands/command_util.h"
#include "commands/query_args.h"
#include "commands/query_exec.h"
#include "query/matcher.h"

namespace basalt::commands {
namespace {

Status ParseCommon(const CommandInvocation& cmd, const char* filter_field, ReadRequest* req) {
  auto coll = CollectionArgument(cmd);
  if (!coll.ok()) return coll.status();
  req->collection = coll.value();
  if (Status s = RefuseCollation(cmd); !s.ok()) return s;
  auto filter = ObjectArgument(cmd, filter_field);
  if (!filter.ok()) return filter.status();
  req->filter = std::move(filter.value());
  auto hint = HintArgument(cmd);
  if (!hint.ok()) return hint.status();
  req->hint = std::move(hint.value());
  auto skip = NonNegativeArgument(cmd, "skip");
  if (!skip.ok()) return skip.status();
  req->options.skip = skip.value().value_or(0);
  auto deadline = DeadlineArgument(cmd);
  if (!deadline.ok()) return deadline.status();
  req->options.deadline = deadline.value();
  return Status::OK();
}

}  // namespace

StatusWith<ReadRequest> ParseFindRequest(const CommandInvocation& cmd) {
  if (Status s = CheckKnownFields(cmd, {"filter",
                                        "projection",
                                        "sort",
                                        "hint",
                                        "skip",
                                        "limit",
                                        "batchSize",
                                        "singleBatch",
                                        "max",
                                        "min",
                                        "returnKey",
                                        "showRecordId",
                                        "tailable",
                                        "oplogReplay",
                                        "noCursorTimeout",
                                        "awaitData",
                                        "allowPartialResults",
                                        "collation",
                                        "allowDiskUse",
                                        "let",
                                        "readOnce",
                                        "ntoreturn"});
      !s.ok()) {
    return s;
  }
  ReadRequest req;
  if (Status s = ParseCommon(cmd, "filter", &req); !s.ok()) return s;
  auto limit = NonNegativeArgument(cmd, "limit");
  if (!limit.ok()) return limit.status();
  req.options.limit = limit.value();
  auto batch_size = NonNegativeArgument(cmd, "batchSize");
  if (!batch_size.ok()) return batch_size.status();
  req.batch_size = batch_size.value();
  auto single_batch = BoolArgument(cmd, "singleBatch", false);
  if (!single_batch.ok()) return single_batch.status();
  req.single_batch = single_batch.value();
  auto sort = ObjectArgument(cmd, "sort");
  if (!sort.ok()) return sort.status();
  if (!bson_empty(sort.value().get())) {
    auto pattern = query::SortPattern::Parse(sort.value().get());
    if (!pattern.ok()) return pattern.status();
    req.options.sort = std::move(pattern.value());
    req.sort_spec = std::move(sort.value());
  }
  auto projection = ObjectArgument(cmd, "projection");
  if (!projection.ok()) return projection.status();
  if (!bson_empty(projection.value().get())) {
    auto parsed = query::Projection::Parse(projection.value().get());
    if (!parsed.ok()) return parsed.status();
    req.options.projection = std::move(parsed.value());
    req.projection_spec = Bson::Copy(projection.value().get());
  }
  // mongod 6.0+ (allowDiskUseByDefault): only an explicit false forbids spilling.
  auto allow_disk_use = BoolArgument(cmd, "allowDiskUse", true);
  if (!allow_disk_use.ok()) return allow_disk_use.status();
  req.options.allow_disk_use = allow_disk_use.value();
  auto no_timeout = BoolArgument(cmd, "noCursorTimeout", false);
  if (!no_timeout.ok()) return no_timeout.status();
  req.no_cursor_timeout = no_timeout.value();
  auto return_key = BoolArgument(cmd, "returnKey", false);
  if (!return_key.ok()) return return_key.status();
  req.options.return_key = return_key.value();
  auto show_record_id = BoolArgument(cmd, "showRecordId", false);
  if (!show_record_id.ok()) return show_record_id.status();
  req.options.show_record_id = show_record_id.value();
  auto let = ObjectArgument(cmd, "let");
  if (!let.ok()) return let.status();
  req.let = std::move(let.value());
  auto min = ObjectArgument(cmd, "min");
  if (!min.ok()) return min.status();
  req.min = std::move(min.value());
  auto max = ObjectArgument(cmd, "max");
  if (!max.ok()) return max.status();
  req.max = std::move(max.value());
  for (const char* unsupported : {"tailable", "awaitData"}) {
    auto flag = BoolArgument(cmd, unsupported, false);
    if (!flag.ok()) return flag.status();
    if (flag.value()) {
      return Status(ErrorCodes::BadValue,
                    "error processing query: ns=" + cmd.db + "." + req.collection +
                        " planner returned error :: caused by :: tailable cursor requested on non "
                        "capped collection");
    }
  }
  return req;
}

StatusWith<ReadRequest> ParseCountRequest(const CommandInvocation& cmd) {
  if (Status s = CheckKnownFields(cmd, {"query", "limit", "skip", "hint", "collation", "fields"});
      !s.ok()) {
    return s;
  }
  ReadRequest req;
  if (Status s = ParseCommon(cmd, "query", &req); !s.ok()) return s;
  // count takes a negative limit as its absolute value, as mongod does.
  if (auto field = FindField(cmd.body, "limit")) {
    if (!IsNumber(bson_iter_type(&*field))) {
      return WrongType(cmd, "limit", bson_iter_type(&*field), "long");
    }
    int64_t limit = std::abs(NumberAsInt64(&*field));
    if (limit > 0) req.options.limit = limit;
  }
  return req;
}

StatusWith<ReadRequest> ParseDistinctRequest(const CommandInvocation& cmd) {
  auto coll = CollectionArgument(cmd);
  if (!coll.ok()) return coll.status();
  if (Status s = CheckKnownFields(cmd, {"key", "query", "collation", "hint"}); !s.ok()) return s;
  if (Status s = RefuseCollation(cmd); !s.ok()) return s;
  ReadRequest req;
  req.collection = coll.value();
  auto key = FindField(cmd.body, "key");
  if (!key) return Status(40414, "BSON field 'distinct.key' is missing but a required field");
  if (!BSON_ITER_HOLDS_UTF8(&*key)) return WrongType(cmd, "key", bson_iter_type(&*key), "string");
  req.distinct_key = std::string(Utf8Of(&*key));
  auto query = ObjectArgument(cmd, "query");
  if (!query.ok()) return query.status();
  req.filter = std::move(query.value());
  auto hint = HintArgument(cmd);
  if (!hint.ok()) return hint.status();
  req.hint = std::move(hint.value());
  auto deadline = DeadlineArgument(cmd);
  if (!deadline.ok()) return deadline.status();
  req.options.deadline = deadline.value();
  return req;
}

StatusWith<std::unique_ptr<query::FindExecutor>> MakeReadExecutor(OperationContext& op,
                                                                  const std::string& db,
                                                                  const ReadRequest& req) {
  query::FindPlanRequest plan_request;
  plan_request.filter = req.filter.get();
  plan_request.hint = req.hint.get();
  plan_request.sort = req.options.sort ? &*req.options.sort : nullptr;
  plan_request.min = req.min.get();
  plan_request.max = req.max.get();
  auto variables = query::CommandVariables::Make(req.let.get(), query::CurrentTimeMillis());
  if (!variables.ok()) return variables.status();
  return MakeFindExecutor(op, db, req.collection, plan_request, req.options,
                          variables.value().get());
}

}  // namespace basalt::commands
