// usersInfo: the users of a database, named users, or every user
// ({forAllDBs: true}), without credentials unless showCredentials is set.
//   {usersInfo: 1}   {usersInfo: "name"}   {usersInfo: {user, db}}
//   {usersInfo: ["a", {user: "b", db: "x"}]}   {usersInfo: {forAllDBs: true}}
#include <algorithm>

#include "commands/authorization.h"
#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/families.h"
#include "commands/user_store.h"

namespace basalt::commands {
namespace {

// Which users the command asks for: all of one database, all of every
// database, or a list of names.
struct UsersSelection {
  bool all_in_db = false;
  bool all_dbs = false;
  std::vector<UserName> names;
};

Status BadUserArgument() {
  return Status(ErrorCodes::BadValue, "UserName must be either a string or an object");
}

// "name" (in the command's database) or {user, db}, with mongod's messages.
StatusWith<UserName> ParseUserName(const bson_iter_t* it, const std::string& db) {
  if (BSON_ITER_HOLDS_UTF8(it)) return UserName{std::string(Utf8Of(it)), db};
  if (!BSON_ITER_HOLDS_DOCUMENT(it)) return BadUserArgument();
  bson_iter_t part;
  bson_iter_recurse(it, &part);
  std::optional<std::string> user, user_db;
  while (bson_iter_next(&part)) {
    std::string_view key = KeyOf(&part);
    if (key != "user" && key != "db") {
      // (sic: mongod leaves the quote open)
      return Status(ErrorCodes::BadValue,
                    "UserName contains an unknown field named: '" + std::string(key));
    }
    if (!BSON_ITER_HOLDS_UTF8(&part)) {
      return Status(ErrorCodes::BadValue,
                    "UserName must contain a string field named: " + std::string(key) +
                        ". But, has type " + std::string(TypeName(bson_iter_type(&part))));
    }
    (key == "user" ? user : user_db) = std::string(Utf8Of(&part));
  }
  if (!user) return Status(ErrorCodes::BadValue, "UserName must contain a field named: user");
  if (!user_db) return Status(ErrorCodes::BadValue, "UserName must contain a field named: db");
  return UserName{*user, *user_db};
}

StatusWith<UsersSelection> ParseSelection(const CommandInvocation& cmd) {
  UsersSelection selection;
  bson_iter_t it;
  bson_iter_init(&it, cmd.body);
  bson_iter_next(&it);
  if (BSON_ITER_HOLDS_NUMBER(&it)) {
    if (bson_iter_as_int64(&it) != 1) {
      return Status(ErrorCodes::BadValue, "usersInfo=1 is the only numeric value supported");
    }
    selection.all_in_db = true;
    return selection;
  }
  if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
    bson_iter_t all;
    if (bson_iter_recurse(&it, &all) && bson_iter_find(&all, "forAllDBs")) {
      if (!BSON_ITER_HOLDS_BOOL(&all) || !bson_iter_bool(&all)) {
        return Status(ErrorCodes::BadValue, "forAllDBs must be true");
      }
      selection.all_dbs = true;
      return selection;
    }
  }
  if (BSON_ITER_HOLDS_ARRAY(&it)) {
    bson_iter_t child;
    bson_iter_recurse(&it, &child);
    while (bson_iter_next(&child)) {
      auto name = ParseUserName(&child, cmd.db);
      if (!name.ok()) return name.status();
      selection.names.push_back(std::move(name.value()));
    }
    return selection;
  }
  auto name = ParseUserName(&it, cmd.db);
  if (!name.ok()) return name.status();
  selection.names.push_back(std::move(name.value()));
  return selection;
}

// One user as usersInfo shows it: the stored document without credentials
// (unless asked), then its mechanisms.
Bson UserInfoDocument(const UserRecord& user, bool show_credentials, bool show_privileges) {
  Bson stored = UserDocument(user);
  Bson out;
  bson_iter_t it;
  bson_iter_init(&it, stored.get());
  while (bson_iter_next(&it)) {
    if (KeyOf(&it) == "credentials" && !show_credentials) continue;
    bson_append_iter(out.get(), nullptr, 0, &it);
  }
  AppendStringArray(out.get(), "mechanisms", MechanismNames(user));
  if (show_privileges) {
    // Built-in roles inherit no other roles: the inherited ones are the roles themselves.
    std::vector<Privilege> privileges;
    bson_t inherited;
    BSON_APPEND_ARRAY_BEGIN(out.get(), "inheritedRoles", &inherited);
    int i = 0;
    for (const auto& role : user.roles) {
      bson_t entry;
      std::string key = std::to_string(i++);
      bson_append_document_begin(&inherited, key.c_str(), -1, &entry);
      AppendUtf8(&entry, "role", role.role);
      AppendUtf8(&entry, "db", role.db);
      bson_append_document_end(&inherited, &entry);
      for (auto& p : PrivilegesOfRole(role)) privileges.push_back(std::move(p));
    }
    bson_append_array_end(out.get(), &inherited);
    AppendPrivileges("inheritedPrivileges", privileges, out.get());
  }
  return out;
}

Status RunUsersInfo(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  if (Status s = CheckKnownFields(cmd, {"showCredentials", "showCustomData", "showPrivileges",
                                        "showAuthenticationRestrictions", "filter"});
      !s.ok()) {
    return s;
  }
  auto selection = ParseSelection(cmd);
  if (!selection.ok()) return selection.status();
  auto show_credentials = BoolArgument(cmd, "showCredentials", false);
  if (!show_credentials.ok()) return show_credentials.status();
  auto show_privileges = BoolArgument(cmd, "showPrivileges", false);
  if (!show_privileges.ok()) return show_privileges.status();
  auto filter = FilterArgument(cmd);
  if (!filter.ok()) return filter.status();
  const auto& wanted = selection.value();
  if (FindField(cmd.body, "filter") && !wanted.all_in_db && !wanted.all_dbs) {
    return Status(ErrorCodes::BadValue,
                  "Filter is only allowed when retrieving all users, or all users on a database");
  }

  std::vector<UserRecord> users;
  if (wanted.all_in_db || wanted.all_dbs) {
    auto all = AllUsers(op.service);
    if (!all.ok()) return all.status();
    for (auto& user : all.value()) {
      if (wanted.all_dbs || user.name.db == cmd.db) users.push_back(std::move(user));
    }
  } else {
    for (const auto& name : wanted.names) {
      bool seen = std::any_of(users.begin(), users.end(),
                              [&](const UserRecord& u) { return u.name == name; });
      if (seen) continue;
      auto found = FindUser(op.service, name);
      if (!found.ok()) return found.status();
      if (found.value()) users.push_back(std::move(*found.value()));
    }
  }
  // mongod sorts by user name first, then database, whatever was asked.
  std::stable_sort(users.begin(), users.end(), [](const UserRecord& a, const UserRecord& b) {
    return std::tie(a.name.user, a.name.db) < std::tie(b.name.user, b.name.db);
  });

  bson_t array;
  BSON_APPEND_ARRAY_BEGIN(reply, "users", &array);
  int i = 0;
  for (const auto& user : users) {
    Bson doc = UserInfoDocument(user, show_credentials.value(), show_privileges.value());
    if (!filter.value().Matches(doc.get())) continue;
    std::string key = std::to_string(i++);
    bson_append_document(&array, key.c_str(), -1, doc.get());
  }
  bson_append_array_end(reply, &array);
  return Status::OK();
}

}  // namespace

void RegisterUsersInfoCommand(CommandRegistry* registry) {
  registry->Register(
      {.name = "usersInfo", .run = RunUsersInfo, .help = "Returns information about users."});
}

}  // namespace basalt::commands
