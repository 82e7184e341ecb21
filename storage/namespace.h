// Database and collection name rules, as mongod applies them when a
// namespace is created or written (code 73 InvalidNamespace, with mongod's
// messages). Pure functions; thread-safe.
#pragma once

#include <string_view>

#include "base/status.h"

namespace basalt::storage {

// mongod's longest database name.
inline constexpr size_t kMaxDatabaseNameLength = 63;
// mongod's longest "<db>.<collection>".
inline constexpr size_t kMaxNamespaceLength = 255;

// A database name on its own (dropDatabase, listCollections, $db):
//   "db name must be at most 63 characters, found: 64"
//   "'.' is an invalid character in a db name: a.b"
//   "Invalid database name: 'a b'"   (/ \ space " $ NUL, or empty)
Status ValidateDatabaseName(std::string_view db);

// A namespace about to be created or written (create, insert, rename target):
//   "Invalid namespace specified 'a b.c'"   (/ \ space " in the db name, empty parts)
//   "Invalid namespace: a$b.c"              ($ in the db name)
//   "Invalid collection name: c$"           ($ in the collection name)
//   "Collection names cannot start with '.': .c"
//   "namespaces cannot have embedded null characters"
//   "Fully qualified namespace is too long. Namespace: d.c Max: 255"
//   "Invalid system namespace: d.system.foo" (system.* other than the ones clients may create)
Status ValidateNamespaceForCreate(std::string_view db, std::string_view coll);

}  // namespace basalt::storage
