#include "storage/namespace.h"

#include <catch2/catch.hpp>
#include <string>

using namespace basalt;
using namespace basalt::storage;

namespace {
std::string Reason(const Status& st) { return st.ok() ? "OK" : st.reason(); }
}  // namespace

TEST_CASE("collection namespaces follow mongod's rules and messages", "[namespace]") {
  CHECK(ValidateNamespaceForCreate("test", "users").ok());
  CHECK(ValidateNamespaceForCreate("--", "a.b").ok());
  CHECK(ValidateNamespaceForCreate("test", " ").ok());
  CHECK(ValidateNamespaceForCreate("test", "system.js").ok());
  CHECK(ValidateNamespaceForCreate(std::string(63, 'a'), "c").ok());

  Status st = ValidateNamespaceForCreate("test", "collection_name_with_a-$");
  CHECK(st.code() == ErrorCodes::InvalidNamespace);
  CHECK(Reason(st) == "Invalid collection name: collection_name_with_a-$");
  CHECK(Reason(ValidateNamespaceForCreate("short-db", "")) ==
        "Invalid namespace specified 'short-db.'");
  CHECK(Reason(ValidateNamespaceForCreate("test", std::string("a\0b", 3))) ==
        "namespaces cannot have embedded null characters");
  CHECK(Reason(ValidateNamespaceForCreate("test", ".collection..")) ==
        "Collection names cannot start with '.': .collection..");
  CHECK(Reason(ValidateNamespaceForCreate(std::string(64, 'a'), "c")) ==
        "db name must be at most 63 characters, found: 64");
  CHECK(Reason(ValidateNamespaceForCreate("/", "c")) == "Invalid namespace specified '/.c'");
  CHECK(Reason(ValidateNamespaceForCreate("data base", "c")) ==
        "Invalid namespace specified 'data base.c'");
  CHECK(Reason(ValidateNamespaceForCreate("name_with_a-$", "c")) ==
        "Invalid namespace: name_with_a-$.c");
  CHECK(Reason(ValidateNamespaceForCreate("database.test", "c")) ==
        "'.' is an invalid character in a db name: database.test");
  CHECK(Reason(ValidateNamespaceForCreate("test", "system.foo")) ==
        "Invalid system namespace: test.system.foo");
  const std::string long_coll(300, 'c');
  CHECK(Reason(ValidateNamespaceForCreate("short-db", long_coll)) ==
        "Fully qualified namespace is too long. Namespace: short-db." + long_coll + " Max: 255");
}

TEST_CASE("database names follow mongod's rules", "[namespace]") {
  CHECK(ValidateDatabaseName("test").ok());
  CHECK(Reason(ValidateDatabaseName("a b")) == "Invalid database name: 'a b'");
  CHECK(Reason(ValidateDatabaseName("a.b")) == "'.' is an invalid character in a db name: a.b");
  CHECK(ValidateDatabaseName("").code() == ErrorCodes::InvalidNamespace);
}
