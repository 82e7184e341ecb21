// Users as mongod stores them: one document per user in admin.system.users,
//   {_id: "<db>.<user>", userId: UUID, user, db,
//    credentials: {"SCRAM-SHA-1": {iterationCount, salt, storedKey, serverKey},
//                  "SCRAM-SHA-256": {...}},
//    customData?, roles: [{role, db}]}
// with base64 salts and keys, never a password. Reads and writes go through
// the storage engine like any collection's, so users survive restarts.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "commands/auth_state.h"
#include "commands/scram.h"

namespace basalt::commands {

struct ServiceContext;

inline constexpr std::string_view kUsersDb = "admin";
inline constexpr std::string_view kUsersCollection = "system.users";

struct UserRecord {
  UserName name;
  std::vector<RoleName> roles;
  std::map<scram::Mechanism, scram::Credentials> credentials;
  std::optional<Bson> custom_data;
  std::optional<Bson> user_id;  // {userId: UUID} as stored, copied through updates
  std::optional<Bson> stored;   // the document as read, for conflict-checked replaces
};

// The stored document of `user` (field order as mongod's).
Bson UserDocument(const UserRecord& user);
// BadValue when the document is not a well-formed user document.
StatusWith<UserRecord> ParseUserDocument(const bson_t* doc);

// Whether admin.system.users holds any user (the localhost exception ends
// with the first one).
bool AnyUserExists(ServiceContext& service);

// nullopt when there is no such user.
StatusWith<std::optional<UserRecord>> FindUser(ServiceContext& service, const UserName& name);

// Every stored user, sorted by (db, user).
StatusWith<std::vector<UserRecord>> AllUsers(ServiceContext& service);

// 51003 "User \"u@db\" already exists" when taken.
Status InsertUser(ServiceContext& service, const UserRecord& user, bool durable);
// UserNotFound "Could not find user \"u\" for db \"db\"" when absent;
// WriteConflict (112) when `user` was read (`stored`) and has changed since.
Status ReplaceUser(ServiceContext& service, const UserRecord& user, bool durable);
Status DeleteUser(ServiceContext& service, const UserName& name, bool durable);

// mongod's UserNotFound status for `name`.
Status UserNotFound(const UserName& name);

// Credentials for each of `mechanisms` from the client's password.
StatusWith<std::map<scram::Mechanism, scram::Credentials>> MakeUserCredentials(
    const UserName& name, std::string_view password, bool digest_password,
    const std::vector<scram::Mechanism>& mechanisms);

// The mechanisms a user can authenticate with, in mongod's order.
std::vector<std::string> MechanismNames(const UserRecord& user);

}  // namespace basalt::commands
