// Runs one command invocation against the registry and produces the reply
// document, success or failure, exactly as mongod shapes it.
#pragma once

#include "base/bson.h"
#include "base/status.h"
#include "commands/command.h"

namespace basalt::commands {

// Reads the command name (first field) and `$db` out of an OP_MSG body.
// Fails with 40571 when `$db` is absent, as mongod does.
Status ParseInvocation(const bson_t* body, CommandInvocation* out);

// {ok: 0, errmsg, code, codeName, ...extra info}.
Bson ErrorReply(const Status& status);

class Dispatcher {
 public:
  explicit Dispatcher(const CommandRegistry& registry) : registry_(registry) {}

  // Never fails: failures become error replies.
  Bson Run(OperationContext& op, const CommandInvocation& invocation) const;

  // A command that came as OP_QUERY on <db>.$cmd: mongod 5.1+ serves only the
  // handshake commands this way and refuses the rest (code 352).
  Bson RunLegacyHandshake(OperationContext& op, const CommandInvocation& invocation) const;

 private:
  const CommandRegistry& registry_;
};

}  // namespace basalt::commands
