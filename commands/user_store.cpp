#include "commands/user_store.h"

#include <algorithm>

#include "commands/service_context.h"
#include "storage/cursor.h"
#include "storage/engine.h"

namespace basalt::commands {
namespace {

using scram::Mechanism;

// A random (version 4) UUID for userId.
void AppendNewUserId(bson_t* doc) {
  std::string bytes = scram::RandomBytes(16);
  bytes[6] = static_cast<char>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<char>((bytes[8] & 0x3f) | 0x80);
  BSON_APPEND_BINARY(doc, "userId", BSON_SUBTYPE_UUID,
                     reinterpret_cast<const uint8_t*>(bytes.data()), 16);
}

void AppendCredentials(bson_t* doc, const std::map<Mechanism, scram::Credentials>& creds) {
  bson_t all;
  BSON_APPEND_DOCUMENT_BEGIN(doc, "credentials", &all);
  for (const auto& [mechanism, c] : creds) {
    bson_t one;
    std::string name(scram::MechanismName(mechanism));
    bson_append_document_begin(&all, name.c_str(), -1, &one);
    BSON_APPEND_INT32(&one, "iterationCount", c.iteration_count);
    AppendUtf8(&one, "salt", scram::Base64Encode(c.salt));
    AppendUtf8(&one, "storedKey", scram::Base64Encode(c.stored_key));
    AppendUtf8(&one, "serverKey", scram::Base64Encode(c.server_key));
    bson_append_document_end(&all, &one);
  }
  bson_append_document_end(doc, &all);
}

std::optional<std::string> Utf8Field(const bson_t* doc, const char* name) {
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, name) || !BSON_ITER_HOLDS_UTF8(&it)) return std::nullopt;
  return std::string(Utf8Of(&it));
}

StatusWith<scram::Credentials> ParseCredentials(const bson_t* doc) {
  scram::Credentials c;
  bson_iter_t it;
  if (!bson_iter_init_find(&it, doc, "iterationCount") || !BSON_ITER_HOLDS_NUMBER(&it)) {
    return Status(ErrorCodes::BadValue, "credentials need an iterationCount");
  }
  c.iteration_count = static_cast<int>(bson_iter_as_int64(&it));
  auto salt = Utf8Field(doc, "salt");
  auto stored = Utf8Field(doc, "storedKey");
  auto server = Utf8Field(doc, "serverKey");
  std::optional<std::string> salt_raw, stored_raw, server_raw;
  if (salt) salt_raw = scram::Base64Decode(*salt);
  if (stored) stored_raw = scram::Base64Decode(*stored);
  if (server) server_raw = scram::Base64Decode(*server);
  if (!salt_raw || !stored_raw || !server_raw || c.iteration_count <= 0) {
    return Status(ErrorCodes::BadValue, "malformed SCRAM credentials");
  }
  c.salt = std::move(*salt_raw);
  c.stored_key = std::move(*stored_raw);
  c.server_key = std::move(*server_raw);
  return c;
}

storage::Engine* EngineOf(ServiceContext& service) { return service.engine; }

}  // namespace

Status UserNotFound(const UserName& name) {
  return Status(ErrorCodes::UserNotFound,
                "Could not find user \"" + name.user + "\" for db \"" + name.db + "\"");
}

Bson UserDocument(const UserRecord& user) {
  Bson out;
  bson_t* doc = out.get();
  AppendUtf8(doc, "_id", user.name.Id());
  bson_iter_t it;
  if (user.user_id && bson_iter_init_find(&it, user.user_id->get(), "userId")) {
    bson_append_iter(doc, "userId", -1, &it);
  } else {
    AppendNewUserId(doc);
  }
  AppendUtf8(doc, "user", user.name.user);
  AppendUtf8(doc, "db", user.name.db);
  AppendCredentials(doc, user.credentials);
  if (user.custom_data) BSON_APPEND_DOCUMENT(doc, "customData", user.custom_data->get());
  bson_t roles;
  BSON_APPEND_ARRAY_BEGIN(doc, "roles", &roles);
  int i = 0;
  for (const auto& role : user.roles) {
    bson_t entry;
    std::string key = std::to_string(i++);
    bson_append_document_begin(&roles, key.c_str(), -1, &entry);
    AppendUtf8(&entry, "role", role.role);
    AppendUtf8(&entry, "db", role.db);
    bson_append_document_end(&roles, &entry);
  }
  bson_append_array_end(doc, &roles);
  return out;
}

StatusWith<UserRecord> ParseUserDocument(const bson_t* doc) {
  UserRecord user;
  auto name = Utf8Field(doc, "user");
  auto db = Utf8Field(doc, "db");
  if (!name || !db) return Status(ErrorCodes::BadValue, "user document needs user and db");
  user.name = {*name, *db};
  bson_iter_t it;
  if (bson_iter_init_find(&it, doc, "userId")) {
    Bson id;
    bson_append_iter(id.get(), "userId", -1, &it);
    user.user_id = std::move(id);
  }
  if (bson_iter_init_find(&it, doc, "credentials") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
    bson_iter_t child;
    bson_iter_recurse(&it, &child);
    while (bson_iter_next(&child)) {
      auto mechanism = scram::ParseMechanism(KeyOf(&child));
      if (!mechanism || !BSON_ITER_HOLDS_DOCUMENT(&child)) continue;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&child, &len, &data);
      Bson creds = Bson::CopyBytes(data, len);
      auto parsed = ParseCredentials(creds.get());
      if (!parsed.ok()) return parsed.status();
      user.credentials[*mechanism] = std::move(parsed.value());
    }
  }
  if (bson_iter_init_find(&it, doc, "customData") && BSON_ITER_HOLDS_DOCUMENT(&it)) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(&it, &len, &data);
    user.custom_data = Bson::CopyBytes(data, len);
  }
  if (bson_iter_init_find(&it, doc, "roles") && BSON_ITER_HOLDS_ARRAY(&it)) {
    bson_iter_t child;
    bson_iter_recurse(&it, &child);
    while (bson_iter_next(&child)) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&child)) continue;
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(&child, &len, &data);
      Bson entry = Bson::CopyBytes(data, len);
      auto role = Utf8Field(entry.get(), "role");
      auto role_db = Utf8Field(entry.get(), "db");
      if (role && role_db) user.roles.push_back({*role, *role_db});
    }
  }
  return user;
}

bool AnyUserExists(ServiceContext& service) {
  if (!service.engine) return false;
  auto coll = EngineOf(service)->GetCollection(kUsersDb, kUsersCollection);
  return coll && coll->Count() > 0;
}

StatusWith<std::optional<UserRecord>> FindUser(ServiceContext& service, const UserName& name) {
  auto coll = EngineOf(service)->GetCollection(kUsersDb, kUsersCollection);
  if (!coll) return std::optional<UserRecord>();
  Bson key;
  AppendUtf8(key.get(), "_id", name.Id());
  bson_iter_t id;
  bson_iter_init_find(&id, key.get(), "_id");
  auto found = coll->FindById(&id);
  if (!found.ok()) return found.status();
  if (!found.value()) return std::optional<UserRecord>();
  auto parsed = ParseUserDocument(found.value()->get());
  if (!parsed.ok()) return parsed.status();
  parsed.value().stored = std::move(*found.value());
  return std::optional<UserRecord>(std::move(parsed.value()));
}

StatusWith<std::vector<UserRecord>> AllUsers(ServiceContext& service) {
  std::vector<UserRecord> users;
  auto coll = EngineOf(service)->GetCollection(kUsersDb, kUsersCollection);
  if (!coll) return users;
  auto cursor = coll->Scan(true);
  Bson doc;
  while (true) {
    auto next = cursor->Next(&doc);
    if (!next.ok()) return next.status();
    if (!next.value()) break;
    auto parsed = ParseUserDocument(doc.get());
    if (parsed.ok()) users.push_back(std::move(parsed.value()));
  }
  std::sort(users.begin(), users.end(), [](const UserRecord& a, const UserRecord& b) {
    return std::tie(a.name.db, a.name.user) < std::tie(b.name.db, b.name.user);
  });
  return users;
}

Status InsertUser(ServiceContext& service, const UserRecord& user, bool durable) {
  auto coll = EngineOf(service)->GetOrCreateCollection(kUsersDb, kUsersCollection, durable);
  if (!coll.ok()) return coll.status();
  Bson doc = UserDocument(user);
  Status st = coll.value()->Insert(doc.get(), durable);
  if (st.code() == ErrorCodes::DuplicateKey) {
    return Status(51003, "User \"" + user.name.Display() + "\" already exists");
  }
  return st;
}

Status ReplaceUser(ServiceContext& service, const UserRecord& user, bool durable) {
  auto coll = EngineOf(service)->GetCollection(kUsersDb, kUsersCollection);
  if (!coll) return UserNotFound(user.name);
  Bson doc = UserDocument(user);
  Status st = coll->Replace(user.stored ? user.stored->get() : nullptr, doc.get(), durable);
  if (st.code() == ErrorCodes::NoSuchKey) return UserNotFound(user.name);
  return st;
}

Status DeleteUser(ServiceContext& service, const UserName& name, bool durable) {
  auto coll = EngineOf(service)->GetCollection(kUsersDb, kUsersCollection);
  if (!coll) return UserNotFound(name);
  Bson key;
  AppendUtf8(key.get(), "_id", name.Id());
  bson_iter_t id;
  bson_iter_init_find(&id, key.get(), "_id");
  Status st = coll->Delete(&id, nullptr, durable, nullptr);
  if (st.code() == ErrorCodes::NoSuchKey) return UserNotFound(name);
  return st;
}

StatusWith<std::map<Mechanism, scram::Credentials>> MakeUserCredentials(
    const UserName& name, std::string_view password, bool digest_password,
    const std::vector<Mechanism>& mechanisms) {
  std::map<Mechanism, scram::Credentials> out;
  for (Mechanism mechanism : mechanisms) {
    auto prepared = scram::MechanismPassword(mechanism, name.user, password, !digest_password);
    if (!prepared.ok()) return prepared.status();
    out[mechanism] = scram::MakeCredentials(mechanism, prepared.value());
  }
  return out;
}

std::vector<std::string> MechanismNames(const UserRecord& user) {
  std::vector<std::string> names;
  for (const auto& entry : user.credentials) {
    names.emplace_back(scram::MechanismName(entry.first));
  }
  return names;
}

}  // namespace basalt::commands
