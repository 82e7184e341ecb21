#include "query/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace basalt::query {
namespace {

// One match-data block per thread: pcre2_match needs somewhere to write, and
// allocating it per call would cost more than most matches.
// mongod's pcre::detail::kMaxPatternLength: longer patterns fail with PCRE2's
// "pattern string is longer than the limit set by the application".
constexpr PCRE2_SIZE kMaxPatternLength = 32764;

struct MatchData {
  MatchData() : data(pcre2_match_data_create(1, nullptr)) {}
  ~MatchData() { pcre2_match_data_free(data); }
  pcre2_match_data* data;
};

}  // namespace

StatusWith<std::shared_ptr<const Regex>> Regex::Compile(std::string_view pattern,
                                                        std::string_view flags) {
  // mongod's pcre_util::flagsToOptions.
  uint32_t options = PCRE2_UTF;
  for (char flag : flags) {
    switch (flag) {
      case 'i':
        options |= PCRE2_CASELESS;
        break;
      case 'm':
        options |= PCRE2_MULTILINE;
        break;
      case 's':
        options |= PCRE2_DOTALL;
        break;
      case 'x':
        options |= PCRE2_EXTENDED;
        break;
      case 'u':
        break;
      default:
        return Status(51108, std::string(" invalid flag in regex options: ") + flag);
    }
  }
  if (pattern.find('\0') != std::string_view::npos) {
    return Status(ErrorCodes::BadValue, "Regular expression cannot contain an embedded null byte");
  }
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_compile_context* context = pcre2_compile_context_create(nullptr);
  if (context) pcre2_set_max_pattern_length(context, kMaxPatternLength);
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                   options, &error, &offset, context);
  pcre2_compile_context_free(context);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    const int n = pcre2_get_error_message(error, message, sizeof message);
    std::string text = n > 0 ? std::string(reinterpret_cast<const char*>(message), n) : "error";
    return Status(51091, "Regular expression is invalid: " + text);
  }
  return std::shared_ptr<const Regex>(new Regex(std::string(pattern), std::string(flags), code));
}

Regex::~Regex() { pcre2_code_free(code_); }

bool Regex::Search(std::string_view subject) const {
  thread_local MatchData match_data;
  if (match_data.data == nullptr) return false;
  const int rc = pcre2_match(code_, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                             0, match_data.data, nullptr);
  // 0 means "matched, but the ovector is too small": still a match.
  return rc >= 0;
}

}  // namespace basalt::query
