#include "commands/dispatcher.h"

#include <chrono>
#include <string>

#include "base/interrupt.h"
#include "base/log.h"
#include "commands/authentication.h"
#include "commands/authorization.h"
#include "commands/command_util.h"

namespace basalt::commands {

Status ParseInvocation(const bson_t* body, CommandInvocation* out) {
  out->body = body;
  bson_iter_t it;
  if (!bson_iter_init(&it, body) || !bson_iter_next(&it)) {
    // mongod's message when a request has no command name at all.
    return Status(ErrorCodes::InvalidOptions, "no such command: ''");
  }
  out->name = KeyOf(&it);
  bson_iter_t db;
  if (!bson_iter_init_find(&db, body, "$db")) {
    return Status(40571, "OP_MSG requests require a $db argument");
  }
  if (!BSON_ITER_HOLDS_UTF8(&db)) {
    return Status(ErrorCodes::TypeMismatch, "BSON field '$db' is the wrong type '" +
                                                std::string(TypeName(bson_iter_type(&db))) +
                                                "', expected type 'string'");
  }
  out->db = std::string(Utf8Of(&db));
  // mongod checks the database name of every command before running it.
  return ValidateCommandDatabase(out->db);
}

Bson ErrorReply(const Status& status) {
  Bson reply;
  bson_t* doc = reply.get();
  BSON_APPEND_DOUBLE(doc, "ok", 0.0);
  AppendUtf8(doc, "errmsg", status.reason());
  BSON_APPEND_INT32(doc, "code", status.code());
  AppendUtf8(doc, "codeName", status.codeName());
  if (const bson_t* extra = status.extraInfo()) bson_concat(doc, extra);
  return reply;
}

// mongod's slow operation log line (id 51803), for commands over slowms.
void LogIfSlow(OperationContext& op, const CommandInvocation& invocation, const Status& status,
               std::chrono::steady_clock::time_point started) {
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::steady_clock::now() - started)
                    .count();
  if (millis < op.service.slow_op_threshold_ms) return;
  Bson attr;
  AppendUtf8(attr.get(), "type", "command");
  std::string ns = invocation.db;
  bson_iter_t first;
  if (bson_iter_init(&first, invocation.body) && bson_iter_next(&first) &&
      BSON_ITER_HOLDS_UTF8(&first)) {
    ns += "." + std::string(Utf8Of(&first));
  }
  AppendUtf8(attr.get(), "ns", ns);
  // Never a password or a SASL payload in the log.
  BSON_APPEND_DOCUMENT(attr.get(), "command", RedactedBody(invocation.body).get());
  if (!status.ok()) {
    AppendUtf8(attr.get(), "errName", status.codeName());
    BSON_APPEND_INT32(attr.get(), "errCode", status.code());
  }
  BSON_APPEND_INT64(attr.get(), "durationMillis", millis);
  log::Info("COMMAND", 51803, "conn" + std::to_string(op.connection.id), "Slow query", attr.get());
}

namespace {

// Runs the command registered in currentOp's table, interruptible by killOp.
Status RunTracked(OperationContext& op, const CommandInvocation& invocation,
                  const CommandDefinition& def, bson_t* reply) {
  auto active = std::make_shared<ActiveOperation>();
  active->connection_id = op.connection.id;
  active->client = op.connection.remote;
  OpTypeAndNs kind = ClassifyCommand(invocation.name, invocation.db, invocation.body);
  active->op = std::move(kind.op);
  active->ns = std::move(kind.ns);
  active->command = Bson::Copy(invocation.body);
  active->client_metadata = op.connection.client_metadata;
  active->started = std::chrono::steady_clock::now();
  op.service.operations.Add(active);
  Status status;
  {
    InterruptScope interruptible(&active->killed);
    status = def.run(op, invocation, reply);
  }
  op.service.operations.Remove(active->opid);
  return status;
}

}  // namespace

Bson Dispatcher::Run(OperationContext& op, const CommandInvocation& invocation) const {
  const CommandDefinition* def = registry_.Find(invocation.name);
  if (!def) {
    return ErrorReply(Status(ErrorCodes::CommandNotFound,
                             "no such command: '" + std::string(invocation.name) + "'"));
  }
  if (def->counts_as_command) op.service.opcounters.command.fetch_add(1);
  if (def->admin_only && invocation.db != "admin") {
    return ErrorReply(Status(ErrorCodes::Unauthorized,
                             def->name + " may only be run against the admin database."));
  }
  if (op.service.auth_enabled) {
    RefreshAuthenticatedUsers(op);
    if (Status allowed = CheckAuthorization(op, *def, invocation); !allowed.ok()) {
      return ErrorReply(allowed);
    }
  }
  if (log::ShouldLogDebug("COMMAND", 2)) {
    Bson attr;
    AppendUtf8(attr.get(), "db", invocation.db);
    AppendUtf8(attr.get(), "client", op.connection.remote);
    // Passwords and SASL payloads never reach the log.
    BSON_APPEND_DOCUMENT(attr.get(), "commandArgs", RedactedBody(invocation.body).get());
    log::Debug(2, "COMMAND", 21965, "conn" + std::to_string(op.connection.id),
               "About to run the command", attr.get());
  }
  Bson reply;
  auto started = std::chrono::steady_clock::now();
  Status status = RunTracked(op, invocation, *def, reply.get());
  op.service.latencies.Record(def->name, std::chrono::steady_clock::now() - started);
  NoteCommandRan(op, invocation);
  LogIfSlow(op, invocation, status, started);
  if (!status.ok()) return ErrorReply(status);
  BSON_APPEND_DOUBLE(reply.get(), "ok", 1.0);
  return reply;
}

Bson Dispatcher::RunLegacyHandshake(OperationContext& op,
                                    const CommandInvocation& invocation) const {
  const CommandDefinition* def = registry_.Find(invocation.name);
  if (!def || !def->allowed_on_op_query) {
    return ErrorReply(Status(ErrorCodes::UnsupportedOpQueryCommand,
                             "Unsupported OP_QUERY command: " + std::string(invocation.name) +
                                 ". The client driver may require an upgrade. For more details "
                                 "see https://dochub.mongodb.org/core/legacy-opcode-removal"));
  }
  return Run(op, invocation);
}

}  // namespace basalt::commands
