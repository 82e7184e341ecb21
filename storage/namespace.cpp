#include "storage/namespace.h"

#include <string>

namespace basalt::storage {
namespace {

std::string Ns(std::string_view db, std::string_view coll) {
  std::string ns(db);
  ns.push_back('.');
  ns.append(coll);
  return ns;
}

bool HasChar(std::string_view s, std::string_view chars) {
  return s.find_first_of(chars) != std::string_view::npos;
}

}  // namespace

Status ValidateDatabaseName(std::string_view db) {
  if (db.find('\0') != std::string_view::npos) {
    return Status(ErrorCodes::InvalidNamespace,
                  "database names cannot have embedded null characters");
  }
  if (db.size() > kMaxDatabaseNameLength) {
    return Status(ErrorCodes::InvalidNamespace,
                  "db name must be at most " + std::to_string(kMaxDatabaseNameLength) +
                      " characters, found: " + std::to_string(db.size()));
  }
  if (db.find('.') != std::string_view::npos) {
    return Status(ErrorCodes::InvalidNamespace,
                  "'.' is an invalid character in a db name: " + std::string(db));
  }
  if (db.empty() || HasChar(db, "/\\ \"$")) {
    return Status(ErrorCodes::InvalidNamespace, "Invalid database name: '" + std::string(db) + "'");
  }
  return Status::OK();
}

Status ValidateNamespaceForCreate(std::string_view db, std::string_view coll) {
  // mongod checks the database part while building the NamespaceString, then
  // the whole namespace, then the collection part; the order decides which
  // message a name with several problems gets.
  if (db.find('\0') != std::string_view::npos || coll.find('\0') != std::string_view::npos) {
    return Status(ErrorCodes::InvalidNamespace, "namespaces cannot have embedded null characters");
  }
  if (db.size() > kMaxDatabaseNameLength) {
    return Status(ErrorCodes::InvalidNamespace,
                  "db name must be at most " + std::to_string(kMaxDatabaseNameLength) +
                      " characters, found: " + std::to_string(db.size()));
  }
  if (db.find('.') != std::string_view::npos) {
    return Status(ErrorCodes::InvalidNamespace,
                  "'.' is an invalid character in a db name: " + std::string(db));
  }
  if (db.empty() || coll.empty() || HasChar(db, "/\\ \"")) {
    return Status(ErrorCodes::InvalidNamespace,
                  "Invalid namespace specified '" + Ns(db, coll) + "'");
  }
  if (coll.front() == '.') {
    return Status(ErrorCodes::InvalidNamespace,
                  "Collection names cannot start with '.': " + std::string(coll));
  }
  if (db.find('$') != std::string_view::npos) {
    return Status(ErrorCodes::InvalidNamespace, "Invalid namespace: " + Ns(db, coll));
  }
  if (coll.find('$') != std::string_view::npos) {
    return Status(ErrorCodes::InvalidNamespace, "Invalid collection name: " + std::string(coll));
  }
  if (coll.starts_with("system.")) {
    // The system collections a client may create itself (mongod's
    // isLegalClientSystemNS, less the ones tied to features Basalt lacks).
    static constexpr std::string_view kAllowed[] = {"system.js", "system.profile"};
    bool allowed = false;
    for (auto name : kAllowed) allowed = allowed || coll == name;
    // admin holds the users (mongod's isLegalClientSystemNS allows these too).
    allowed = allowed || (db == "admin" && coll == "system.users");
    if (!allowed) {
      return Status(ErrorCodes::InvalidNamespace, "Invalid system namespace: " + Ns(db, coll));
    }
  }
  if (db.size() + 1 + coll.size() > kMaxNamespaceLength) {
    return Status(ErrorCodes::InvalidNamespace,
                  "Fully qualified namespace is too long. Namespace: " + Ns(db, coll) +
                      " Max: " + std::to_string(kMaxNamespaceLength));
  }
  return Status::OK();
}

}  // namespace basalt::storage
