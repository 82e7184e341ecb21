// Logical sessions. Drivers attach an `lsid` to every command and end their
// sessions on close; without transactions the only state a session owns is
// its open cursors, which ending or killing it closes.
#include "commands/command.h"
#include "commands/families.h"
#include "commands/server_version.h"

namespace basalt::commands {
namespace {

// endSessions / killSessions / refreshSessions take an array of session ids.
Status RequireArrayArgument(const CommandInvocation& cmd) {
  bson_iter_t it;
  bson_iter_init(&it, cmd.body);
  bson_iter_next(&it);
  if (!BSON_ITER_HOLDS_ARRAY(&it)) {
    return Status(ErrorCodes::TypeMismatch,
                  "BSON field '" + std::string(cmd.name) + "' is the wrong type '" +
                      std::string(TypeName(bson_iter_type(&it))) + "', expected type 'array'");
  }
  return Status::OK();
}

// Ending or killing a session closes the cursors opened under it, as mongod does.
Status RunEndSessions(OperationContext& op, const CommandInvocation& cmd, bson_t*) {
  if (Status s = RequireArrayArgument(cmd); !s.ok()) return s;
  bson_iter_t it, element;
  bson_iter_init(&it, cmd.body);
  bson_iter_next(&it);
  bson_iter_recurse(&it, &element);
  while (bson_iter_next(&element)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&element)) continue;
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&element, &len, &data);
    op.service.cursors.KillSession(std::string(reinterpret_cast<const char*>(data), len));
  }
  return Status::OK();
}

Status RunSessionListCommand(OperationContext&, const CommandInvocation& cmd, bson_t*) {
  return RequireArrayArgument(cmd);
}

Status RunStartSession(OperationContext&, const CommandInvocation&, bson_t* reply) {
  bson_t id;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "id", &id);
  uint8_t uuid[16];
  bson_oid_t a, b;  // 16 random-enough bytes from two ObjectIds' counters/random parts
  bson_oid_init(&a, nullptr);
  bson_oid_init(&b, nullptr);
  std::copy(a.bytes + 4, a.bytes + 12, uuid);
  std::copy(b.bytes + 4, b.bytes + 12, uuid + 8);
  uuid[6] = (uuid[6] & 0x0f) | 0x40;  // version 4
  uuid[8] = (uuid[8] & 0x3f) | 0x80;  // RFC 4122 variant
  BSON_APPEND_BINARY(&id, "id", BSON_SUBTYPE_UUID, uuid, sizeof uuid);
  bson_append_document_end(reply, &id);
  BSON_APPEND_INT32(reply, "timeoutMinutes", kLogicalSessionTimeoutMinutes);
  return Status::OK();
}

}  // namespace

void RegisterSessionCommands(CommandRegistry* registry) {
  registry->Register({.name = "endSessions",
                      .run = RunEndSessions,
                      .help = "end a set of logical sessions"});
  registry->Register({.name = "killSessions",
                      .run = RunEndSessions,
                      .help = "kill a logical session and its operations"});
  registry->Register({.name = "refreshSessions",
                      .run = RunSessionListCommand,
                      .help = "renew a set of logical sessions"});
  registry->Register({.name = "killAllSessions",
                      .run = RunSessionListCommand,
                      .help = "kill all logical sessions, for a user, and their operations"});
  registry->Register(
      {.name = "startSession", .run = RunStartSession, .help = "start a logical session"});
}

}  // namespace basalt::commands
