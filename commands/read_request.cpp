#include "commands/read_request.h"

#include "commands/command_util.h"
#include "commands/query_args.h"

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
  }
  // mongod 6.0+ (allowDiskUseByDefault): only an explicit false forbids spilling.
  auto allow_disk_use = BoolArgument(cmd, "allowDiskUse", true);
  if (!allow_disk_use.ok()) return allow_disk_use.status();
  req.options.allow_disk_use = allow_disk_use.value();
  auto no_timeout = BoolArgument(cmd, "noCursorTimeout", false);
  if (!no_timeout.ok()) return no_timeout.status();
  req.no_cursor_timeout = no_timeout.value();
  // Accepted by name but not implemented yet: refused rather than ignored.
  for (const char* option : {"returnKey", "showRecordId"}) {
    auto flag = BoolArgument(cmd, option, false);
    if (!flag.ok()) return flag.status();
    if (flag.value()) {
      return Status(ErrorCodes::NotImplemented, std::string(option) + " is not supported yet");
    }
  }
  for (const char* option : {"min", "max"}) {
    if (FindField(cmd.body, option)) {
      return Status(ErrorCodes::NotImplemented, std::string(option) + " is not supported yet");
    }
  }
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

}  // namespace basalt::commands
