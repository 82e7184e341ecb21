// Commands that operate the running server: currentOp and killOp (over the
// operation registry), logRotate, and setParameter for the log verbosity
// (logLevel, logComponentVerbosity).
#include <cmath>

#include "base/log.h"
#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/families.h"
#include "query/matcher.h"

namespace basalt::commands {
namespace {

// currentOp's own options; every other non-generic field is a filter on the op documents.
bool IsCurrentOpOption(std::string_view name) {
  return name == "$all" || name == "$ownOps" || name == "$truncateOps" || name == "$allUsers" ||
         name == "$localOps" || name == "$idleConnections" || name == "$idleSessions";
}

Status RunCurrentOp(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  Bson filter;
  bson_iter_t it;
  bson_iter_init(&it, cmd.body);
  bson_iter_next(&it);  // the command field
  while (bson_iter_next(&it)) {
    std::string_view key = KeyOf(&it);
    if (IsCurrentOpOption(key) || IsGenericArgument(key)) continue;
    bson_append_iter(filter.get(), bson_iter_key(&it), -1, &it);
  }
  auto matcher = query::Matcher::Parse(filter.get());
  if (!matcher.ok()) return matcher.status();
  bson_t inprog;
  BSON_APPEND_ARRAY_BEGIN(reply, "inprog", &inprog);
  int index = 0;
  for (const auto& active : op.service.operations.Snapshot()) {
    Bson doc;
    AppendCurrentOpDocument(*active, op.service.host, doc.get());
    if (!matcher.value()->Matches(doc.get())) continue;
    std::string key = std::to_string(index++);
    BSON_APPEND_DOCUMENT(&inprog, key.c_str(), doc.get());
  }
  bson_append_array_end(reply, &inprog);
  return Status::OK();
}

// killOp {op: <opid>}: marks the operation killed; it stops at its next
// interruption check with 11601. An unknown opid is not an error, as with mongod.
Status RunKillOp(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, cmd.body, "op")) {
    return Status(ErrorCodes::BadValue, "Did not provide \"op\" field");
  }
  if (!BSON_ITER_HOLDS_NUMBER(&it)) {
    return Status(ErrorCodes::TypeMismatch, "Expected \"op\" field to be a number, got: " +
                                                std::string(TypeName(bson_iter_type(&it))));
  }
  double value = bson_iter_as_double(&it);
  if (std::trunc(value) != value) {
    return Status(ErrorCodes::BadValue, "\"op\" field must be an integer");
  }
  auto opid = static_cast<int64_t>(value);
  Bson attr;
  BSON_APPEND_INT64(attr.get(), "opId", opid);
  log::Info("COMMAND", 20482, "conn" + std::to_string(op.connection.id), "Going to kill op",
            attr.get());
  op.service.operations.Kill(opid);
  AppendUtf8(reply, "info", "attempting to kill op");
  return Status::OK();
}

// logRotate: 1 (or "server") rotates the server log as SIGUSR1 does; "audit"
// names the audit log, which this server does not write.
Status RunLogRotate(OperationContext&, const CommandInvocation& cmd, bson_t*) {
  bson_iter_t it;
  bson_iter_init(&it, cmd.body);
  bson_iter_next(&it);
  if (BSON_ITER_HOLDS_UTF8(&it)) {
    std::string_view which = Utf8Of(&it);
    if (which == "audit") return Status::OK();
    if (which != "server") {
      return Status(ErrorCodes::NoSuchKey, "Unknown log type for rotate: " + std::string(which));
    }
  }
  return log::Rotate();
}

StatusWith<int> VerbosityValue(const bson_iter_t* it, const std::string& name, int min) {
  if (!BSON_ITER_HOLDS_NUMBER(it)) {
    return Status(ErrorCodes::TypeMismatch, "Invalid value for " + name + ": expected a number");
  }
  double level = bson_iter_as_double(it);
  if (std::trunc(level) != level || level < min || level > log::kMaxVerbosity) {
    return Status(ErrorCodes::BadValue, "Invalid value for " + name + ": must be an integer from " +
                                            std::to_string(min) + " to 5");
  }
  return static_cast<int>(level);
}

// logComponentVerbosity: {verbosity: N, <component>: {verbosity: N}, ...}, as
// mongosh's db.setLogLevel(level, component) sends it. Validated whole before any change.
Status SetComponentVerbosity(const bson_iter_t* value) {
  if (!BSON_ITER_HOLDS_DOCUMENT(value)) {
    return Status(ErrorCodes::TypeMismatch,
                  "Invalid value for logComponentVerbosity: expected an "
                  "object");
  }
  std::vector<std::pair<std::string, int>> changes;  // log component ("" = global), level
  bson_iter_t field;
  bson_iter_recurse(value, &field);
  while (bson_iter_next(&field)) {
    std::string key(KeyOf(&field));
    if (key == "verbosity") {
      auto level = VerbosityValue(&field, "logComponentVerbosity.verbosity", 0);
      if (!level.ok()) return level.status();
      changes.emplace_back("", level.value());
      continue;
    }
    const log::ComponentName* component = nullptr;
    for (const auto& c : log::Components()) {
      if (c.mongod == key) component = &c;
    }
    if (!component) {
      return Status(ErrorCodes::BadValue, "Invalid component name logComponentVerbosity." + key);
    }
    bson_iter_t level_it;
    if (!BSON_ITER_HOLDS_DOCUMENT(&field) || !bson_iter_recurse(&field, &level_it) ||
        !bson_iter_find(&level_it, "verbosity")) {
      return Status(ErrorCodes::BadValue,
                    "Invalid value for logComponentVerbosity." + key + ": expected {verbosity: N}");
    }
    auto level = VerbosityValue(&level_it, "logComponentVerbosity." + key + ".verbosity", -1);
    if (!level.ok()) return level.status();
    changes.emplace_back(std::string(component->log), level.value());
  }
  for (const auto& [component, level] : changes) {
    if (component.empty()) {
      log::SetVerbosity(level);
    } else {
      log::SetComponentVerbosity(component, level);
    }
  }
  return Status::OK();
}

// setParameter: logLevel and logComponentVerbosity are settable at runtime;
// the reply carries the old value as `was`.
Status RunSetParameter(OperationContext&, const CommandInvocation& cmd, bson_t* reply) {
  bson_iter_t it;
  bson_iter_init(&it, cmd.body);
  bson_iter_next(&it);
  bool found = false;
  while (bson_iter_next(&it)) {
    std::string_view key = KeyOf(&it);
    if (IsGenericArgument(key)) continue;
    if (key == "logComponentVerbosity") {
      bson_t was;
      BSON_APPEND_DOCUMENT_BEGIN(reply, "was", &was);
      log::AppendComponentVerbosity(&was);
      bson_append_document_end(reply, &was);
      if (Status s = SetComponentVerbosity(&it); !s.ok()) return s;
      found = true;
      continue;
    }
    if (key != "logLevel") {
      return Status(ErrorCodes::InvalidOptions, "attempted to set unrecognized parameter [" +
                                                    std::string(key) +
                                                    "], use help:true to see options ");
    }
    auto level = VerbosityValue(&it, "logLevel", 0);
    if (!level.ok()) return level.status();
    BSON_APPEND_INT32(reply, "was", log::Verbosity());
    log::SetVerbosity(level.value());
    found = true;
  }
  if (!found) {
    return Status(ErrorCodes::InvalidOptions,
                  "no option found to set, use help:true to see options ");
  }
  return Status::OK();
}

}  // namespace

void RegisterOperationCommands(CommandRegistry* registry) {
  registry->Register({.name = "currentOp",
                      .run = RunCurrentOp,
                      .help = "in-progress operations",
                      .admin_only = true});
  registry->Register({.name = "killOp",
                      .run = RunKillOp,
                      .help = "interrupt a running operation",
                      .admin_only = true});
  registry->Register({.name = "logRotate",
                      .aliases = {"logrotate"},
                      .run = RunLogRotate,
                      .help = "rotate the server's log file",
                      .admin_only = true});
  registry->Register({.name = "setParameter",
                      .run = RunSetParameter,
                      .help = "set administrative option(s)",
                      .admin_only = true});
}

}  // namespace basalt::commands
