// hello / isMaster: the first command of every connection and the one drivers
// poll to monitor the server. Basalt answers as a standalone, writable mongod.
#include <sys/time.h>

#include "commands/authentication.h"
#include "commands/command.h"
#include "commands/families.h"
#include "commands/server_version.h"
#include "protocol/compression.h"

namespace basalt::commands {
namespace {

int64_t NowMillis() {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  return static_cast<int64_t>(tv.tv_sec) * 1000 + tv.tv_usec / 1000;
}

// The first hello of a connection may carry client metadata, which later ones
// may not change; any hello may (re)negotiate compression.
Status ApplyHandshakeFields(OperationContext& op, const bson_t* body,
                            std::vector<std::string>* compression_names) {
  bson_iter_t it;
  if (bson_iter_init_find(&it, body, "client")) {
    if (op.connection.handshake_done) {
      return Status(186, "The client metadata document may only be sent in the first hello");
    }
    if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
      return Status(ErrorCodes::TypeMismatch, "BSON field 'client' is the wrong type '" +
                                                  std::string(TypeName(bson_iter_type(&it))) +
                                                  "', expected type 'object'");
    }
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&it, &len, &data);
    op.connection.client_metadata = std::make_shared<const Bson>(Bson::CopyBytes(data, len));
  }
  std::optional<std::vector<std::string_view>> offered;
  if (bson_iter_init_find(&it, body, "compression")) {
    if (!BSON_ITER_HOLDS_ARRAY(&it)) {
      return Status(ErrorCodes::TypeMismatch, "BSON field 'compression' is the wrong type '" +
                                                  std::string(TypeName(bson_iter_type(&it))) +
                                                  "', expected type 'array'");
    }
    offered.emplace();
    bson_iter_t child;
    bson_iter_recurse(&it, &child);
    while (bson_iter_next(&child)) {
      if (BSON_ITER_HOLDS_UTF8(&child)) offered->push_back(Utf8Of(&child));
    }
  }
  if (!op.connection.compression) op.connection.compression.emplace(op.service.compressors);
  *compression_names = op.connection.compression->Negotiate(offered);
  op.connection.handshake_done = true;
  return Status::OK();
}

Status RunHello(OperationContext& op, const CommandInvocation& cmd, bson_t* reply,
                bool legacy_name) {
  std::vector<std::string> compression;
  if (Status s = ApplyHandshakeFields(op, cmd.body, &compression); !s.ok()) return s;
  bson_iter_t it;
  if (legacy_name && bson_iter_init_find(&it, cmd.body, "helloOk") && IsTruthy(&it)) {
    BSON_APPEND_BOOL(reply, "helloOk", true);
  }
  BSON_APPEND_BOOL(reply, legacy_name ? "ismaster" : "isWritablePrimary", true);
  // topologyVersion is left out on purpose: with it, drivers switch to the
  // streaming (awaitable hello) monitoring protocol, which Basalt does not
  // serve yet; without it they poll, as they do with servers before 4.4.
  BSON_APPEND_INT32(reply, "maxBsonObjectSize", kMaxBsonObjectSize);
  BSON_APPEND_INT32(reply, "maxMessageSizeBytes", kMaxMessageSizeBytes);
  BSON_APPEND_INT32(reply, "maxWriteBatchSize", kMaxWriteBatchSize);
  BSON_APPEND_DATE_TIME(reply, "localTime", NowMillis());
  BSON_APPEND_INT32(reply, "logicalSessionTimeoutMinutes", kLogicalSessionTimeoutMinutes);
  AppendNumber(reply, "connectionId", op.connection.id);
  BSON_APPEND_INT32(reply, "minWireVersion", kMinWireVersion);
  BSON_APPEND_INT32(reply, "maxWireVersion", kMaxWireVersion);
  BSON_APPEND_BOOL(reply, "readOnly", false);
  if (!compression.empty()) AppendStringArray(reply, "compression", compression);
  return AppendHelloAuthFields(op, cmd, reply);
}

}  // namespace

void RegisterHandshakeCommands(CommandRegistry* registry) {
  registry->Register({.name = "hello",
                      .run = [](OperationContext& op, const CommandInvocation& cmd,
                                bson_t* reply) { return RunHello(op, cmd, reply, false); },
                      .help = "Check if this server is primary for a replica set",
                      .allowed_on_op_query = true});
  registry->Register({.name = "isMaster",
                      .aliases = {"ismaster"},
                      .run = [](OperationContext& op, const CommandInvocation& cmd,
                                bson_t* reply) { return RunHello(op, cmd, reply, true); },
                      .help = "Check if this server is primary for a replica set",
                      .allowed_on_op_query = true});
}

}  // namespace basalt::commands
