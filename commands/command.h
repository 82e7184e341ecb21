// What a command handler sees, and how handlers are registered.
//
// A handler appends its reply fields to `reply` and returns OK; the dispatcher
// appends `ok: 1`. A handler that fails returns a Status; the dispatcher
// replaces whatever it appended with {ok: 0, errmsg, code, codeName, ...extra}.
#pragma once

#include <bson/bson.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "commands/auth_state.h"
#include "commands/service_context.h"
#include "protocol/compression.h"
#include "protocol/encode.h"

namespace basalt::commands {

// A kind-1 OP_MSG section: documents the driver sent beside the body
// (e.g. `documents` for insert). Views into the request's bytes.
struct DocumentSequence {
  std::string_view identifier;
  std::vector<protocol::DocView> documents;
};

// One command as received. All views stay valid while the command runs.
struct CommandInvocation {
  const bson_t* body = nullptr;
  std::string_view name;  // the body's first field name, as the client spelled it
  std::string db;         // `$db` (OP_MSG) or the database of `<db>.$cmd` (OP_QUERY)
  std::vector<DocumentSequence> sequences;
  bool via_op_query = false;  // the legacy handshake path
};

// Per-connection state that outlives one command.
struct ConnectionState {
  int64_t id = 0;
  std::string remote;  // "ip:port"
  std::string local;
  // Network compression as negotiated by this connection's hello/isMaster.
  std::optional<protocol::CompressionNegotiator> compression;
  bool handshake_done = false;
  // The `client` document of the first hello (null if none); shared with the
  // currentOp entry of every command rather than copied into each.
  std::shared_ptr<const Bson> client_metadata;
  AuthState auth;        // authenticated users, SASL conversation (auth_state.h)
};

// The context of one running command.
struct OperationContext {
  ServiceContext& service;
  ConnectionState& connection;
};

using CommandHandler =
    std::function<Status(OperationContext&, const CommandInvocation&, bson_t* reply)>;

struct CommandDefinition {
  std::string name;
  std::vector<std::string> aliases;  // other spellings mongod accepts (isMaster/ismaster)
  CommandHandler run;
  std::string help;
  bool admin_only = false;           // must run against the admin database
  bool allowed_on_op_query = false;  // part of the OP_QUERY handshake
  bool counts_as_command = true;     // serverStatus opcounters.command
};

// The table of commands, filled explicitly at start-up (no static self-registration).
class CommandRegistry {
 public:
  void Register(CommandDefinition definition);
  // Exact-case lookup, as mongod's.
  const CommandDefinition* Find(std::string_view name) const;
  // Each command once, under its primary name, sorted.
  std::vector<const CommandDefinition*> All() const;

 private:
  std::vector<std::unique_ptr<CommandDefinition>> definitions_;
  std::map<std::string, const CommandDefinition*, std::less<>> by_name_;
};

// Fills `registry` with every command family Basalt supports.
void RegisterAllCommands(CommandRegistry* registry);

}  // namespace basalt::commands
