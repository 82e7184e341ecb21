// Helpers for the query-layer tables: documents written in shell notation
// ({a: 1, "b.c": [2]}: bare keys are quoted, the rest is extended JSON) and
// compared as mongod would print them (ShellString keeps 1 and 1.0 apart).
#pragma once

#include <bson/bson.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <string>
#include <string_view>

#include "base/bson.h"
#include "base/bson_shell.h"

namespace basalt::test {

inline std::string ShellToJson(std::string_view s) {
  std::string out;
  bool in_string = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < s.size()) {
        out += s[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      out += c;
      continue;
    }
    auto ident = [](char ch) {
      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '$';
    };
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$') {
      size_t j = i;
      while (j < s.size() && ident(s[j])) ++j;
      size_t k = j;
      while (k < s.size() && s[k] == ' ') ++k;
      const std::string_view word = s.substr(i, j - i);
      if (k < s.size() && s[k] == ':') {
        out += '"';
        out += word;
        out += '"';
      } else {
        out += word;  // true, false, null
      }
      i = j - 1;
      continue;
    }
    out += c;
  }
  return out;
}

inline Bson Doc(std::string_view shell) {
  const std::string json = ShellToJson(shell);
  bson_error_t error;
  bson_t* doc = bson_new_from_json(reinterpret_cast<const uint8_t*>(json.data()),
                                   static_cast<ssize_t>(json.size()), &error);
  INFO(shell << " -> " << json << ": " << error.message);
  REQUIRE(doc != nullptr);
  Bson out = Bson::Copy(doc);
  bson_destroy(doc);
  return out;
}

// The document as mongod prints it, for comparisons.
inline std::string Shell(std::string_view shell) { return ShellString(Doc(shell).get()); }

}  // namespace basalt::test
