#include "commands/dispatcher.h"

#include <string>

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
  Bson reply;
  Status status = def->run(op, invocation, reply.get());
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
