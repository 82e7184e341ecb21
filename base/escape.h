// mongod's str::escape: text made safe inside a double-quoted JSON string, as
// mongod writes user input into error messages and JSON log lines (quotes,
// backslashes and control characters escaped; other bytes, UTF-8 included,
// unchanged).
#pragma once

#include <string>
#include <string_view>

namespace basalt {

std::string EscapeString(std::string_view text);

}  // namespace basalt
