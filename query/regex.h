// A compiled regular expression with mongod's $regex semantics: PCRE2 in UTF
// mode, options i (caseless), m (multiline), s (dotall), x (extended) and u
// (accepted, no effect), an unanchored search (mongod's pcre::Regex).
//
// Thread-safety: immutable after Compile; Search may run concurrently (each
// thread uses its own PCRE2 match data).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

struct pcre2_real_code_8;

namespace basalt::query {

class Regex {
 public:
  // Errors as mongod's RegexMatchExpression: Location51108 " invalid flag in
  // regex options: z" (mongod prints an empty operator name before the
  // space), BadValue "Regular expression cannot contain an embedded null
  // byte", Location51091 "Regular expression is invalid: <PCRE2 message>".
  static StatusWith<std::shared_ptr<const Regex>> Compile(std::string_view pattern,
                                                          std::string_view flags);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // True if the pattern matches somewhere in `subject`; false on no match or
  // on a subject PCRE2 refuses (invalid UTF-8), as mongod.
  bool Search(std::string_view subject) const;

  const std::string& pattern() const { return pattern_; }
  const std::string& flags() const { return flags_; }

 private:
  Regex(std::string pattern, std::string flags, pcre2_real_code_8* code)
      : pattern_(std::move(pattern)), flags_(std::move(flags)), code_(code) {}
  const std::string pattern_;
  const std::string flags_;
  pcre2_real_code_8* const code_;
};

}  // namespace basalt::query
