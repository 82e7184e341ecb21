#include "base/escape.h"

#include <catch2/catch.hpp>
#include <string>

using basalt::EscapeString;

TEST_CASE("EscapeString escapes as mongod's str::escape", "[escape]") {
  struct Row {
    std::string in, out;
  };
  for (const Row& row : {
           Row{"plain text", "plain text"},
           Row{"a\"b\\c", "a\\\"b\\\\c"},
           Row{"\b\f\n\r\t", "\\b\\f\\n\\r\\t"},
           Row{std::string("\x01\x1f", 2), "\\u0001\\u001f"},
           Row{std::string(1, '\0'), "\\u0000"},
           Row{"caf\xc3\xa9 \x7f", "caf\xc3\xa9 \x7f"},  // UTF-8 and DEL pass through
       }) {
    INFO(row.in);
    CHECK(EscapeString(row.in) == row.out);
  }
}
