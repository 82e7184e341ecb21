// The namespace $out and $merge write to, and mongod's rules for it
// (NamespaceString::isValid, isOnInternalDb).
#pragma once

#include <string>
#include <string_view>

namespace basalt::query {

struct OutTarget {
  std::string db;
  std::string coll;
};

inline bool IsValidTarget(const OutTarget& t) {
  if (t.db.empty() || t.coll.empty()) return false;
  for (char c : t.db) {
    if (c == '/' || c == '\\' || c == '.' || c == ' ' || c == '"' || c == '$' || c == '\0') {
      return false;
    }
  }
  return t.coll.find('\0') == std::string::npos && t.coll.find('$') == std::string::npos &&
         t.coll[0] != '.';
}

inline bool IsInternalDb(std::string_view db) {
  return db == "admin" || db == "local" || db == "config";
}

}  // namespace basalt::query
