// $regexMatch, $regexFind and $regexFindAll (mongod's ExpressionRegex):
// PCRE2 in UTF mode with the i, m, s, x and u flags. A constant pattern is
// compiled once, when the expression is parsed.

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "query/expression.h"

namespace basalt::query {
namespace {

struct Compiled {
  ~Compiled() {
    if (code != nullptr) pcre2_code_free(code);
  }
  pcre2_code* code = nullptr;
};

enum class Mode { kMatch, kFind, kFindAll };

// The pattern and options as mongod's _extractRegexAndOptions reads them;
// nullopt pattern when nullish.
struct PatternSpec {
  std::optional<std::string> pattern;
  std::string options;
};

StatusWith<PatternSpec> ExtractPattern(const std::string& op, const Value& regex,
                                       const Value& options) {
  if (!regex.nullish() && !regex.IsString() && regex.type() != BSON_TYPE_REGEX) {
    return Status(51105, op + " needs 'regex' to be of type string or regex");
  }
  if (!options.nullish() && !options.IsString()) {
    return Status(51106, op + " needs 'options' to be of type string");
  }
  PatternSpec spec;
  if (regex.type() == BSON_TYPE_REGEX) {
    spec.pattern = std::string(regex.regex_pattern());
    std::string flags(regex.regex_options());
    if (!options.nullish() && !flags.empty()) {
      return Status(51107,
                    op + ": found regex option(s) specified in both 'regex' and 'option' fields");
    }
    spec.options = flags;
  } else if (regex.IsString()) {
    spec.pattern = std::string(regex.str());
  }
  if (!options.nullish()) spec.options = std::string(options.str());
  if (spec.pattern && spec.pattern->find('\0') != std::string::npos) {
    return Status(51109, op + ": regular expression cannot contain an embedded null byte");
  }
  if (spec.options.find('\0') != std::string::npos) {
    return Status(51110, op + ": regular expression options cannot contain an embedded null byte");
  }
  return spec;
}

StatusWith<std::shared_ptr<const Compiled>> Compile(const std::string& op,
                                                    const PatternSpec& spec) {
  uint32_t flags = PCRE2_UTF;
  for (char c : spec.options) {
    switch (c) {
      case 'i':
        flags |= PCRE2_CASELESS;
        break;
      case 'm':
        flags |= PCRE2_MULTILINE;
        break;
      case 's':
        flags |= PCRE2_DOTALL;
        break;
      case 'x':
        flags |= PCRE2_EXTENDED;
        break;
      case 'u':
        break;
      default:
        return Status(51108, op + " invalid flag in regex options: " + std::string(1, c));
    }
  }
  auto compiled = std::make_shared<Compiled>();
  int error = 0;
  PCRE2_SIZE offset = 0;
  compiled->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(spec.pattern->data()),
                                 spec.pattern->size(), flags, &error, &offset, nullptr);
  if (compiled->code == nullptr) {
    PCRE2_UCHAR message[256];
    int n = pcre2_get_error_message(error, message, sizeof message);
    return Status(51111, "Invalid Regex in " + op + ": " +
                             std::string(reinterpret_cast<const char*>(message), n > 0 ? n : 0));
  }
  return std::shared_ptr<const Compiled>(std::move(compiled));
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

size_t CodePointLength(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u < 0x80) return 1;
  if ((u & 0xE0) == 0xC0) return 2;
  if ((u & 0xF0) == 0xE0) return 3;
  return 4;
}

// One match starting at byte `start`: {match, idx, captures}, or null.
StatusWith<Value> NextMatch(const std::string& op, const Compiled& re, std::string_view input,
                            size_t start_byte, size_t start_cp, size_t* match_begin,
                            size_t* match_size) {
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(re.code, nullptr);
  int rc = pcre2_match(re.code, reinterpret_cast<PCRE2_SPTR>(input.data()), input.size(),
                       start_byte, 0, md, nullptr);
  if (rc == PCRE2_ERROR_NOMATCH) {
    pcre2_match_data_free(md);
    return Value::Null();
  }
  if (rc < 0) {
    pcre2_match_data_free(md);
    return Status(51156, "Error occurred while executing the regular expression in " + op +
                             ". Result code: " + std::to_string(rc));
  }
  PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
  uint32_t groups = 0;
  pcre2_pattern_info(re.code, PCRE2_INFO_CAPTURECOUNT, &groups);
  *match_begin = ov[0];
  *match_size = ov[1] - ov[0];
  std::vector<Value> captures;
  for (uint32_t g = 1; g <= groups; ++g) {
    if (static_cast<int>(g) >= rc || ov[2 * g] == PCRE2_UNSET) {
      captures.push_back(Value::Null());
    } else {
      captures.push_back(
          Value::String(std::string(input.substr(ov[2 * g], ov[2 * g + 1] - ov[2 * g]))));
    }
  }
  pcre2_match_data_free(md);
  size_t idx = start_cp + CodePoints(input.substr(start_byte, *match_begin - start_byte));
  DocumentBuilder out;
  out.Set("match", Value::String(std::string(input.substr(*match_begin, *match_size))));
  out.Set("idx", Value::Int32(static_cast<int32_t>(idx)));
  out.Set("captures", Value::Array(std::move(captures)));
  return out.BuildValue();
}

StatusWith<Value> RegexFn(const NamedArgsExpression& self, EvalContext& ctx) {
  const std::string& op = self.name();
  const Mode mode = static_cast<Mode>(self.ints[0]);
  BASALT_EVAL(input, self.arg(0)->Evaluate(ctx));
  BASALT_EVAL(regex, self.arg(1)->Evaluate(ctx));
  BASALT_EVAL(options, EvalOr(self.arg(2), ctx, Value::Null()));
  if (!input.nullish() && !input.IsString()) {
    return Status(51104, op + " needs 'input' to be of type string");
  }
  std::shared_ptr<const Compiled> re = std::static_pointer_cast<const Compiled>(self.extra);
  bool pattern_null = false;
  if (re == nullptr) {
    auto spec = ExtractPattern(op, regex, options);
    if (!spec.ok()) return spec.status();
    if (!spec.value().pattern) {
      pattern_null = true;
    } else {
      auto compiled = Compile(op, spec.value());
      if (!compiled.ok()) return compiled.status();
      re = compiled.value();
    }
  }
  if (input.nullish() || pattern_null) {
    if (mode == Mode::kMatch) return Value::Bool(false);
    if (mode == Mode::kFind) return Value::Null();
    return Value::Array({});
  }
  std::string_view in = input.str();
  size_t begin = 0, size = 0;
  if (mode != Mode::kFindAll) {
    auto m = NextMatch(op, *re, in, 0, 0, &begin, &size);
    if (!m.ok()) return m.status();
    if (mode == Mode::kMatch) return Value::Bool(!m.value().nullish());
    return m;
  }
  std::vector<Value> out;
  size_t byte = 0, cp = 0;
  do {
    auto m = NextMatch(op, *re, in, byte, cp, &begin, &size);
    if (!m.ok()) return m.status();
    if (m.value().nullish()) break;
    cp += CodePoints(in.substr(byte, begin - byte));
    byte = begin;
    out.push_back(std::move(m.value()));
    if (size == 0) {
      // An empty match: move on one code point so the search progresses.
      byte += CodePointLength(in[byte]);
      ++cp;
      continue;
    }
    byte += size;
    cp += CodePoints(in.substr(begin, size));
  } while (byte < in.size());
  return Value::Array(std::move(out));
}

StatusWith<ExpressionPtr> ParseRegex(std::string_view name, const bson_iter_t* arg,
                                     const VariablesParseState& vps) {
  const std::string op(name);
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(51103, op + " expects an object of named arguments but found: " +
                             std::string(TypeName(bson_iter_type(arg))));
  }
  std::vector<ExpressionPtr> parts;
  Status s = ParseNamedArgs(
      arg, {"input", "regex", "options"}, vps, &parts,
      [](std::string_view o, std::string_view f) {
        return Status(31024, std::string(o) + " found an unknown argument: " + std::string(f));
      },
      name);
  if (!s.ok()) return s;
  if (!parts[0]) return Status(31022, op + " requires 'input' parameter");
  if (!parts[1]) return Status(31023, op + " requires 'regex' parameter");
  for (auto& p : parts) {
    if (p != nullptr) {
      if (Status st = Optimize(&p); !st.ok()) return st;
    }
  }
  auto e = std::make_unique<NamedArgsExpression>(op, RegexFn, /*foldable=*/false);
  e->ints.push_back(static_cast<int64_t>(name == "$regexMatch"  ? Mode::kMatch
                                         : name == "$regexFind" ? Mode::kFind
                                                                : Mode::kFindAll));
  const Value* regex = parts[1]->constant();
  const Value* options = parts[2] ? parts[2]->constant() : nullptr;
  if (regex != nullptr && (parts[2] == nullptr || options != nullptr)) {
    auto spec = ExtractPattern(op, *regex, options ? *options : Value::Null());
    if (!spec.ok()) return spec.status();
    if (spec.value().pattern) {
      auto compiled = Compile(op, spec.value());
      if (!compiled.ok()) return compiled.status();
      e->extra = compiled.value();
    }
  }
  for (auto& p : parts) e->Add(std::move(p));
  return ExpressionPtr(std::move(e));
}

}  // namespace

std::vector<OperatorEntry> RegexOperators() {
  return {
      {"$regexMatch", ParseRegex},
      {"$regexFind", ParseRegex},
      {"$regexFindAll", ParseRegex},
  };
}

}  // namespace basalt::query
