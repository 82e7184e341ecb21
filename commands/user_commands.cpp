// User management: createUser, updateUser, dropUser,
// dropAllUsersFromDatabase, grantRolesToUser, revokeRolesFromUser, usersInfo.
// Users live in admin.system.users (user_store.h); every change bumps
// ServiceContext::users_generation so open connections see it at once.
#include <algorithm>
#include <functional>

#include "commands/authorization.h"
#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/families.h"
#include "commands/user_store.h"

namespace basalt::commands {
namespace {

using scram::Mechanism;

// The user named by the command field. createUser also refuses an empty name;
// the others just find no such user.
StatusWith<std::string> UserNameArgument(const CommandInvocation& cmd, bool creating = false) {
  bson_iter_t it;
  bson_iter_init(&it, cmd.body);
  bson_iter_next(&it);
  if (!BSON_ITER_HOLDS_UTF8(&it)) {
    return WrongType(cmd, cmd.name, bson_iter_type(&it), "string");
  }
  std::string name(Utf8Of(&it));
  if (creating && name.empty()) {
    return Status(ErrorCodes::BadValue, "User document needs 'user' field to be non-empty");
  }
  if (name.find('\0') != std::string::npos) {
    return Status(ErrorCodes::BadValue, "Username cannot contain NULL characters");
  }
  return name;
}

// `roles`: names (in the command's database) or {role, db} documents; every
// role must exist.
StatusWith<std::vector<RoleName>> RolesArgument(const CommandInvocation& cmd, bool required) {
  std::vector<RoleName> roles;
  auto field = FindField(cmd.body, "roles");
  if (!field) {
    if (!required) return roles;
    return Status(
        40414, "BSON field '" + std::string(cmd.name) + ".roles' is missing but a required field");
  }
  bson_iter_t it = *field, child;
  if (!BSON_ITER_HOLDS_ARRAY(&it)) return WrongType(cmd, "roles", bson_iter_type(&it), "array");
  bson_iter_recurse(&it, &child);
  while (bson_iter_next(&child)) {
    RoleName role{"", cmd.db};
    if (BSON_ITER_HOLDS_UTF8(&child)) {
      role.role = Utf8Of(&child);
    } else if (BSON_ITER_HOLDS_DOCUMENT(&child)) {
      bson_iter_t part;
      bool has_role = false, has_db = false;
      bson_iter_recurse(&child, &part);
      while (bson_iter_next(&part)) {
        std::string_view key = KeyOf(&part);
        if ((key == "role" || key == "db") && !BSON_ITER_HOLDS_UTF8(&part)) {
          return Status(ErrorCodes::TypeMismatch, "BSON field '" + std::string(key) +
                                                      "' is the wrong type '" +
                                                      std::string(TypeName(bson_iter_type(&part))) +
                                                      "', expected type 'string'");
        }
        if (key == "role") {
          role.role = Utf8Of(&part);
          has_role = true;
        } else if (key == "db") {
          role.db = Utf8Of(&part);
          has_db = true;
        }
      }
      if (!has_role || !has_db) {
        return Status(40414, std::string("BSON field '") + (has_role ? "db" : "role") +
                                 "' is missing but a required field");
      }
    } else {
      return Status(ErrorCodes::TypeMismatch, "BSON field '" + std::string(cmd.name) + ".roles." +
                                                  std::string(KeyOf(&child)) +
                                                  "' is the wrong type '" +
                                                  std::string(TypeName(bson_iter_type(&child))) +
                                                  "', expected types '[string, object']");
    }
    if (!IsBuiltinRole(role)) {
      return Status(ErrorCodes::RoleNotFound, "Could not find role: " + role.Display());
    }
    if (std::find(roles.begin(), roles.end(), role) == roles.end()) roles.push_back(role);
  }
  return roles;
}

// `mechanisms`, or both SCRAM mechanisms by default.
StatusWith<std::vector<Mechanism>> MechanismsArgument(const CommandInvocation& cmd) {
  auto field = FindField(cmd.body, "mechanisms");
  if (!field) return std::vector<Mechanism>{Mechanism::kSha1, Mechanism::kSha256};
  bson_iter_t it = *field, child;
  if (!BSON_ITER_HOLDS_ARRAY(&it)) {
    return WrongType(cmd, "mechanisms", bson_iter_type(&it), "array");
  }
  std::vector<Mechanism> out;
  bson_iter_recurse(&it, &child);
  while (bson_iter_next(&child)) {
    if (!BSON_ITER_HOLDS_UTF8(&child)) {
      return WrongType(cmd, "mechanisms." + std::string(KeyOf(&child)), bson_iter_type(&child),
                       "string");
    }
    auto mechanism = scram::ParseMechanism(Utf8Of(&child));
    if (!mechanism) {
      return Status(ErrorCodes::BadValue,
                    "Unknown auth mechanism '" + std::string(Utf8Of(&child)) + "'");
    }
    if (std::find(out.begin(), out.end(), *mechanism) == out.end()) out.push_back(*mechanism);
  }
  if (out.empty()) return Status(ErrorCodes::BadValue, "mechanisms field must not be empty");
  return out;
}

// pwd, digestPassword and mechanisms together: the credentials to store.
StatusWith<std::map<Mechanism, scram::Credentials>> CredentialsArgument(
    const CommandInvocation& cmd, const UserName& name) {
  auto pwd = FindField(cmd.body, "pwd");
  bson_iter_t it = *pwd;
  if (!BSON_ITER_HOLDS_UTF8(&it)) return WrongType(cmd, "pwd", bson_iter_type(&it), "string");
  std::string_view password = Utf8Of(&it);
  auto digest = BoolArgument(cmd, "digestPassword", true);
  if (!digest.ok()) return digest.status();
  auto mechanisms = MechanismsArgument(cmd);
  if (!mechanisms.ok()) return mechanisms.status();
  bool wants_sha256 = std::find(mechanisms.value().begin(), mechanisms.value().end(),
                                Mechanism::kSha256) != mechanisms.value().end();
  if (!digest.value() && wants_sha256) {
    return Status(ErrorCodes::BadValue, "Use of SCRAM-SHA-256 requires undigested passwords");
  }
  // SCRAM-SHA-256's SASLprep rejects an empty password with its own error.
  if (password.empty() && !wants_sha256) {
    return Status(ErrorCodes::BadValue, "Password cannot be empty");
  }
  return MakeUserCredentials(name, password, digest.value(), mechanisms.value());
}

StatusWith<std::optional<Bson>> CustomDataArgument(const CommandInvocation& cmd) {
  auto field = FindField(cmd.body, "customData");
  if (!field) return std::optional<Bson>();
  bson_iter_t it = *field;
  if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
    return WrongType(cmd, "customData", bson_iter_type(&it), "object");
  }
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(&it, &len, &data);
  return std::optional<Bson>(Bson::CopyBytes(data, len));
}

Status CheckUserDatabase(const CommandInvocation& cmd) {
  if (cmd.db == "local") {
    return Status(ErrorCodes::BadValue, "Cannot create users in the local database");
  }
  return Status::OK();
}

void UsersChanged(OperationContext& op) { op.service.users_generation.fetch_add(1); }

// Reads the user, applies `modify` and writes it back only if nobody changed
// it meanwhile; a concurrent change makes it start over, so no update is lost.
Status ModifyUser(OperationContext& op, const UserName& name, bool durable, const Status& not_found,
                  const std::function<Status(UserRecord*)>& modify) {
  constexpr int kMaxAttempts = 100;
  for (int attempt = 1;; ++attempt) {
    auto found = FindUser(op.service, name);
    if (!found.ok()) return found.status();
    if (!found.value()) return not_found;
    UserRecord user = std::move(*found.value());
    if (Status s = modify(&user); !s.ok()) return s;
    Status st = ReplaceUser(op.service, user, durable);
    if (st.code() == ErrorCodes::WriteConflict && attempt < kMaxAttempts) continue;
    if (st.ok()) UsersChanged(op);
    return st;
  }
}

Status RunCreateUser(OperationContext& op, const CommandInvocation& cmd, bson_t*) {
  if (Status s = CheckKnownFields(cmd, {"pwd", "customData", "roles", "digestPassword",
                                        "authenticationRestrictions", "mechanisms"});
      !s.ok()) {
    return s;
  }
  auto name = UserNameArgument(cmd, true);
  if (!name.ok()) return name.status();
  if (Status s = CheckUserDatabase(cmd); !s.ok()) return s;
  if (!FindField(cmd.body, "roles")) {
    return Status(40414, "BSON field 'createUser.roles' is missing but a required field");
  }
  auto wc = WriteConcernArgument(cmd);
  if (!wc.ok()) return wc.status();
  UserRecord user;
  user.name = {name.value(), cmd.db};
  if (!FindField(cmd.body, "pwd")) {
    return Status(ErrorCodes::BadValue,
                  "Must provide a 'pwd' field for all user documents, except those with "
                  "'$external' as the user's source db");
  }
  auto roles = RolesArgument(cmd, true);
  if (!roles.ok()) return roles.status();
  user.roles = std::move(roles.value());
  auto custom = CustomDataArgument(cmd);
  if (!custom.ok()) return custom.status();
  user.custom_data = std::move(custom.value());
  auto creds = CredentialsArgument(cmd, user.name);
  if (!creds.ok()) return creds.status();
  user.credentials = std::move(creds.value());
  Status st = InsertUser(op.service, user, wc.value().journal);
  if (st.ok()) UsersChanged(op);
  return st;
}

Status RunUpdateUser(OperationContext& op, const CommandInvocation& cmd, bson_t*) {
  if (Status s = CheckKnownFields(cmd, {"pwd", "customData", "roles", "digestPassword",
                                        "authenticationRestrictions", "mechanisms"});
      !s.ok()) {
    return s;
  }
  auto name = UserNameArgument(cmd);
  if (!name.ok()) return name.status();
  auto wc = WriteConcernArgument(cmd);
  if (!wc.ok()) return wc.status();
  bool has_pwd = FindField(cmd.body, "pwd").has_value();
  bool has_roles = FindField(cmd.body, "roles").has_value();
  bool has_custom = FindField(cmd.body, "customData").has_value();
  bool has_mechanisms = FindField(cmd.body, "mechanisms").has_value();
  if (!has_pwd && !has_roles && !has_custom && !has_mechanisms &&
      !FindField(cmd.body, "authenticationRestrictions")) {
    return Status(ErrorCodes::BadValue, "Must specify at least one field to update in updateUser");
  }
  // Everything that does not depend on the stored user is parsed (and the
  // password hashed) once, outside the read-modify-write.
  std::optional<std::vector<RoleName>> roles;
  if (has_roles) {
    auto parsed = RolesArgument(cmd, true);
    if (!parsed.ok()) return parsed.status();
    roles = std::move(parsed.value());
  }
  auto custom = CustomDataArgument(cmd);
  if (!custom.ok()) return custom.status();
  std::optional<std::map<Mechanism, scram::Credentials>> credentials;
  std::vector<Mechanism> kept_mechanisms;
  if (has_pwd) {
    auto creds = CredentialsArgument(cmd, {name.value(), cmd.db});
    if (!creds.ok()) return creds.status();
    credentials = std::move(creds.value());
  } else if (has_mechanisms) {
    auto mechanisms = MechanismsArgument(cmd);
    if (!mechanisms.ok()) return mechanisms.status();
    kept_mechanisms = std::move(mechanisms.value());
  }
  UserName user_name{name.value(), cmd.db};
  Status not_found(ErrorCodes::UserNotFound, "User " + user_name.Display() + " not found");
  return ModifyUser(op, user_name, wc.value().journal, not_found, [&](UserRecord* user) {
    if (roles) user->roles = *roles;
    if (has_custom) user->custom_data = Bson::Copy(custom.value()->get());
    if (credentials) {
      user->credentials = *credentials;
    } else if (has_mechanisms) {
      // Without a password, mechanisms can only drop credentials already there.
      std::map<Mechanism, scram::Credentials> kept;
      for (Mechanism m : kept_mechanisms) {
        auto it = user->credentials.find(m);
        if (it == user->credentials.end()) {
          return Status(ErrorCodes::BadValue,
                        "mechanisms field must be a subset of previously set mechanisms");
        }
        kept.insert(*it);
      }
      user->credentials = std::move(kept);
    }
    return Status::OK();
  });
}

Status RunDropUser(OperationContext& op, const CommandInvocation& cmd, bson_t*) {
  if (Status s = CheckKnownFields(cmd, {}); !s.ok()) return s;
  auto name = UserNameArgument(cmd);
  if (!name.ok()) return name.status();
  auto wc = WriteConcernArgument(cmd);
  if (!wc.ok()) return wc.status();
  UserName user_name{name.value(), cmd.db};
  Status st = DeleteUser(op.service, user_name, wc.value().journal);
  if (st.code() == ErrorCodes::UserNotFound) {
    return Status(ErrorCodes::UserNotFound, "User '" + user_name.Display() + "' not found");
  }
  if (st.ok()) UsersChanged(op);
  return st;
}

Status RunDropAllUsers(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  if (Status s = CheckKnownFields(cmd, {}); !s.ok()) return s;
  auto wc = WriteConcernArgument(cmd);
  if (!wc.ok()) return wc.status();
  auto users = AllUsers(op.service);
  if (!users.ok()) return users.status();
  int32_t n = 0;
  for (const auto& user : users.value()) {
    if (user.name.db != cmd.db) continue;
    Status st = DeleteUser(op.service, user.name, wc.value().journal);
    if (st.code() == ErrorCodes::UserNotFound) continue;  // dropped meanwhile
    if (!st.ok()) return st;
    ++n;
  }
  if (n > 0) UsersChanged(op);
  BSON_APPEND_INT32(reply, "n", n);
  return Status::OK();
}

// grantRolesToUser (grant = true) and revokeRolesFromUser.
Status ChangeRoles(OperationContext& op, const CommandInvocation& cmd, bool grant) {
  if (Status s = CheckKnownFields(cmd, {"roles"}); !s.ok()) return s;
  auto name = UserNameArgument(cmd);
  if (!name.ok()) return name.status();
  auto wc = WriteConcernArgument(cmd);
  if (!wc.ok()) return wc.status();
  auto roles = RolesArgument(cmd, true);
  if (!roles.ok()) return roles.status();
  if (roles.value().empty()) {
    return Status(ErrorCodes::BadValue,
                  std::string(cmd.name) + " command requires a non-empty \"roles\" array");
  }
  UserName user_name{name.value(), cmd.db};
  return ModifyUser(op, user_name, wc.value().journal, UserNotFound(user_name),
                    [&](UserRecord* user) {
                      for (const auto& role : roles.value()) {
                        auto at = std::find(user->roles.begin(), user->roles.end(), role);
                        if (grant && at == user->roles.end()) user->roles.push_back(role);
                        if (!grant && at != user->roles.end()) user->roles.erase(at);
                      }
                      return Status::OK();
                    });
}

}  // namespace

void RegisterUserCommands(CommandRegistry* registry) {
  registry->Register(
      {.name = "createUser", .run = RunCreateUser, .help = "Adds a user to the system"});
  registry->Register({.name = "updateUser", .run = RunUpdateUser, .help = "Used to update a user"});
  registry->Register({.name = "dropUser", .run = RunDropUser, .help = "Drops a single user."});
  registry->Register({.name = "dropAllUsersFromDatabase",
                      .run = RunDropAllUsers,
                      .help = "Drops all users for a single database."});
  registry->Register({.name = "grantRolesToUser",
                      .run = [](OperationContext& op, const CommandInvocation& cmd,
                                bson_t*) { return ChangeRoles(op, cmd, true); },
                      .help = "Grants roles to a user."});
  registry->Register({.name = "revokeRolesFromUser",
                      .run = [](OperationContext& op, const CommandInvocation& cmd,
                                bson_t*) { return ChangeRoles(op, cmd, false); },
                      .help = "Revokes roles from a user."});
}

}  // namespace basalt::commands
