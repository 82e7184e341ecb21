// Who a connection is: the users it authenticated as (with their roles, read
// when each authenticated) and the SASL conversation in progress. Owned by
// the connection's ConnectionState and touched only by its own thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

namespace basalt::commands {

namespace scram {
class ServerConversation;
}  // namespace scram

struct UserName {
  std::string user;
  std::string db;
  // "user@db", as mongod prints a UserName in messages.
  std::string Display() const { return user + "@" + db; }
  // "db.user", the _id of the user's document in admin.system.users.
  std::string Id() const { return db + "." + user; }
  bool operator==(const UserName&) const = default;
};

struct RoleName {
  std::string role;
  std::string db;
  std::string Display() const { return role + "@" + db; }
  bool operator==(const RoleName&) const = default;
  bool operator<(const RoleName& o) const { return std::tie(db, role) < std::tie(o.db, o.role); }
};

struct AuthenticatedUser {
  UserName name;
  std::vector<RoleName> roles;
};

// A saslStart that awaits its saslContinue.
struct SaslConversation {
  std::string mechanism;
  UserName user;
  std::shared_ptr<scram::ServerConversation> scram;
  bool proof_checked = false;  // server-final sent; only the empty exchange remains
  bool speculative = false;
  bool skip_empty_exchange = false;  // saslStart's options.skipEmptyExchange
};

struct AuthState {
  std::vector<AuthenticatedUser> users;
  uint64_t users_generation = 0;  // ServiceContext::users_generation when `users` was read
  std::unique_ptr<SaslConversation> conversation;
};

}  // namespace basalt::commands
