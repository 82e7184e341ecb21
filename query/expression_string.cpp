// String operators. Strings are UTF-8 bytes; the *CP variants count code
// points, the *Bytes variants bytes, as mongod's.

#include <algorithm>

#include "query/expression.h"

namespace basalt::query {
namespace {

std::string TypeOf(const Value& v) { return std::string(ValueTypeName(v)); }

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// mongod's str::getCodePointLength: the length a leading byte announces.
size_t CodePointLength(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u < 0x80) return 1;
  if ((u & 0xE0) == 0xC0) return 2;
  if ((u & 0xF0) == 0xE0) return 3;
  if ((u & 0xF8) == 0xF0) return 4;
  return 5;  // invalid, as mongod counts leading ones
}

size_t LengthInCodePoints(std::string_view s) {
  size_t n = 0;
  for (char c : s) {
    if (!IsContinuation(c)) ++n;
  }
  return n;
}

StatusWith<Value> ConcatFn(const Args& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    BASALT_EVAL(v, args[i]);
    if (v.nullish()) return Value::Null();
    if (!v.IsString()) {
      return Status(16702, "$concat only supports strings, not " + TypeOf(v));
    }
    out += v.str();
  }
  return Value::String(std::move(out));
}

StatusWith<Value> SubstrBytesFn(const Args& args) {
  BASALT_EVAL(s, args[0]);
  BASALT_EVAL(lower, args[1]);
  BASALT_EVAL(length, args[2]);
  auto coerced = s.CoerceToString();
  if (!coerced.ok()) return coerced.status();
  const std::string& str = coerced.value();
  const std::string op = "$substrBytes";
  if (!lower.numeric()) {
    return Status(16034, op + ":  starting index must be a numeric type (is BSON type " +
                             TypeOf(lower) + ")");
  }
  if (!length.numeric()) {
    return Status(16035,
                  op + ":  length must be a numeric type (is BSON type " + TypeOf(length) + ")");
  }
  int64_t signed_lower = lower.CoerceToLong();
  if (signed_lower < 0) {
    return Status(50752, op + ":  starting index must be non-negative (got: " +
                             std::to_string(signed_lower) + ")");
  }
  size_t lo = static_cast<size_t>(signed_lower);
  int64_t signed_length = length.CoerceToLong();
  size_t len = signed_length < 0 ? str.size() : static_cast<size_t>(signed_length);
  if (lo < str.size() && IsContinuation(str[lo])) {
    return Status(28656, op + ":  Invalid range, starting index is a UTF-8 continuation byte.");
  }
  if (lo + len < str.size() && IsContinuation(str[lo + len])) {
    return Status(28657,
                  op + ":  Invalid range, ending index is in the middle of a UTF-8 character.");
  }
  if (lo >= str.size()) return Value::String("");
  return Value::String(str.substr(lo, len));
}

StatusWith<Value> SubstrCPFn(const Args& args) {
  BASALT_EVAL(input, args[0]);
  BASALT_EVAL(lower, args[1]);
  BASALT_EVAL(length, args[2]);
  auto coerced = input.CoerceToString();
  if (!coerced.ok()) return coerced.status();
  const std::string& str = coerced.value();
  const std::string op = "$substrCP";
  if (!lower.numeric()) {
    return Status(
        34450, op + ": starting index must be a numeric type (is BSON type " + TypeOf(lower) + ")");
  }
  if (!lower.Integral()) {
    return Status(34451, op +
                             ": starting index cannot be represented as a 32-bit integral "
                             "value: " +
                             lower.ToString());
  }
  if (!length.numeric()) {
    return Status(34452,
                  op + ": length must be a numeric type (is BSON type " + TypeOf(length) + ")");
  }
  if (!length.Integral()) {
    return Status(34453, op + ": length cannot be represented as a 32-bit integral value: " +
                             length.ToString());
  }
  int start = lower.CoerceToInt(), count = length.CoerceToInt();
  if (count < 0) return Status(34454, op + ": length must be a nonnegative integer.");
  if (start < 0) return Status(34455, op + ": the starting index must be nonnegative integer.");
  size_t begin = 0;
  for (int i = 0; i < start; ++i) {
    if (begin >= str.size()) return Value::String("");
    if (IsContinuation(str[begin])) return Status(34456, op + ": invalid UTF-8 string");
    size_t cp = CodePointLength(str[begin]);
    if (cp > 4) return Status(34457, op + ": invalid UTF-8 string");
    begin += cp;
  }
  size_t end = begin;
  for (int i = 0; i < count && end < str.size(); ++i) {
    if (IsContinuation(str[end])) return Status(34458, op + ": invalid UTF-8 string");
    size_t cp = CodePointLength(str[end]);
    if (cp > 4) return Status(34459, op + ": invalid UTF-8 string");
    end += cp;
  }
  return Value::String(str.substr(begin, std::min(end, str.size()) - begin));
}

template <bool kUpper>
StatusWith<Value> CaseFn(const Args& args) {
  BASALT_EVAL(v, args[0]);
  auto s = v.CoerceToString();
  if (!s.ok()) return s.status();
  std::string out = std::move(s.value());
  for (char& c : out) {
    if (kUpper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!kUpper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return Value::String(std::move(out));
}

StatusWith<Value> StrLenBytesFn(const Args& args) {
  BASALT_EVAL(v, args[0]);
  if (!v.IsString()) {
    return Status(34473, "$strLenBytes requires a string argument, found: " + TypeOf(v));
  }
  return Value::Int32(static_cast<int32_t>(v.str().size()));
}

StatusWith<Value> StrLenCPFn(const Args& args) {
  BASALT_EVAL(v, args[0]);
  if (!v.IsString()) {
    return Status(34471, "$strLenCP requires a string argument, found: " + TypeOf(v));
  }
  return Value::Int32(static_cast<int32_t>(LengthInCodePoints(v.str())));
}

StatusWith<Value> StrcasecmpFn(const Args& args) {
  BASALT_EVAL(a, args[0]);
  BASALT_EVAL(b, args[1]);
  auto sa = a.CoerceToString();
  if (!sa.ok()) return sa.status();
  auto sb = b.CoerceToString();
  if (!sb.ok()) return sb.status();
  auto upper = [](std::string s) {
    for (char& c : s) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return s;
  };
  int c = upper(sa.value()).compare(upper(sb.value()));
  return Value::Int32(c < 0 ? -1 : (c > 0 ? 1 : 0));
}

StatusWith<Value> SplitFn(const Args& args) {
  BASALT_EVAL(input, args[0]);
  BASALT_EVAL(sep, args[1]);
  if (input.nullish() || sep.nullish()) return Value::Null();
  if (!input.IsString()) {
    return Status(40085,
                  "$split requires an expression that evaluates to a string as a first "
                  "argument, found: " +
                      TypeOf(input));
  }
  if (!sep.IsString()) {
    return Status(40086,
                  "$split requires an expression that evaluates to a string as a second "
                  "argument, found: " +
                      TypeOf(sep));
  }
  std::string_view s = input.str(), d = sep.str();
  if (d.empty()) return Status(40087, "$split requires a non-empty separator");
  std::vector<Value> out;
  size_t pos = 0;
  while (true) {
    size_t found = s.find(d, pos);
    if (found == std::string_view::npos) break;
    out.push_back(Value::String(std::string(s.substr(pos, found - pos))));
    pos = found + d.size();
  }
  out.push_back(Value::String(std::string(s.substr(pos))));
  return Value::Array(std::move(out));
}

// mongod's uassertIfNotIntegralAndNonNegative (its first message lacks a space).
Status CheckIndexArg(const Value& v, std::string_view op, std::string_view what) {
  if (!v.Integral()) {
    return Status(40096, std::string(op) + "requires an integral " + std::string(what) +
                             ", found a value of type: " + TypeOf(v) +
                             ", with value: " + v.ToString());
  }
  if (v.CoerceToInt() < 0) {
    return Status(40097, std::string(op) + " requires a nonnegative " + std::string(what) +
                             ", found: " + v.ToString());
  }
  return Status::OK();
}

StatusWith<Value> IndexOfBytesFn(const Args& args) {
  BASALT_EVAL(str, args[0]);
  if (str.nullish()) return Value::Null();
  if (!str.IsString()) {
    return Status(40091,
                  "$indexOfBytes requires a string as the first argument, found: " + TypeOf(str));
  }
  BASALT_EVAL(token, args[1]);
  if (!token.IsString()) {
    return Status(
        40092, "$indexOfBytes requires a string as the second argument, found: " + TypeOf(token));
  }
  std::string_view input = str.str();
  size_t start = 0, end = input.size();
  if (args.size() > 2) {
    BASALT_EVAL(s, args[2]);
    if (Status st = CheckIndexArg(s, "$indexOfBytes", "starting index"); !st.ok()) return st;
    start = static_cast<size_t>(s.CoerceToInt());
  }
  if (args.size() > 3) {
    BASALT_EVAL(e, args[3]);
    if (Status st = CheckIndexArg(e, "$indexOfBytes", "ending index"); !st.ok()) return st;
    end = std::min(input.size(), static_cast<size_t>(e.CoerceToInt()));
  }
  if (start > input.size() || end < start) return Value::Int32(-1);
  size_t pos = input.substr(0, end).find(token.str(), start);
  return Value::Int32(pos == std::string_view::npos ? -1 : static_cast<int32_t>(pos));
}

StatusWith<Value> IndexOfCPFn(const Args& args) {
  BASALT_EVAL(str, args[0]);
  if (str.nullish()) return Value::Null();
  if (!str.IsString()) {
    return Status(40093,
                  "$indexOfCP requires a string as the first argument, found: " + TypeOf(str));
  }
  BASALT_EVAL(token_value, args[1]);
  if (!token_value.IsString()) {
    return Status(40094, "$indexOfCP requires a string as the second argument, found: " +
                             TypeOf(token_value));
  }
  std::string_view input = str.str(), token = token_value.str();
  size_t start_cp = 0;
  if (args.size() > 2) {
    BASALT_EVAL(s, args[2]);
    if (Status st = CheckIndexArg(s, "$indexOfCP", "starting index"); !st.ok()) return st;
    start_cp = static_cast<size_t>(s.CoerceToInt());
  }
  size_t length_cp = 0, start_byte = 0;
  for (size_t i = 0; i < input.size(); ++length_cp) {
    if (length_cp == start_cp) start_byte = i;
    if (IsContinuation(input[i])) return Status(40095, "$indexOfCP found bad UTF-8 in the input");
    i += CodePointLength(input[i]);
  }
  size_t end_cp = length_cp;
  if (args.size() > 3) {
    BASALT_EVAL(e, args[3]);
    if (Status st = CheckIndexArg(e, "$indexOfCP", "ending index"); !st.ok()) return st;
    end_cp = std::min(length_cp, static_cast<size_t>(e.CoerceToInt()));
  }
  if (end_cp < start_cp) return Value::Int32(-1);
  if (start_byte == 0 && input.empty() && token.empty()) return Value::Int32(0);
  size_t byte = start_byte;
  for (size_t cp = start_cp; cp < end_cp; ++cp) {
    if (input.substr(byte, token.size()) == token && byte + token.size() <= input.size()) {
      return Value::Int32(static_cast<int32_t>(cp));
    }
    byte += CodePointLength(input[byte]);
  }
  return Value::Int32(-1);
}

// $trim's default characters: mongod's kDefaultTrimWhitespaceChars.
const std::vector<std::string>& DefaultTrimChars() {
  static const std::vector<std::string> chars = {std::string(1, '\0'),
                                                 " ",
                                                 "\t",
                                                 "\n",
                                                 "\v",
                                                 "\f",
                                                 "\r",
                                                 "\xC2\xA0",
                                                 "\xE1\x9A\x80",
                                                 "\xE2\x80\x80",
                                                 "\xE2\x80\x81",
                                                 "\xE2\x80\x82",
                                                 "\xE2\x80\x83",
                                                 "\xE2\x80\x84",
                                                 "\xE2\x80\x85",
                                                 "\xE2\x80\x86",
                                                 "\xE2\x80\x87",
                                                 "\xE2\x80\x88",
                                                 "\xE2\x80\x89",
                                                 "\xE2\x80\x8A"};
  return chars;
}

StatusWith<Value> TrimFn(const NamedArgsExpression& self, EvalContext& ctx) {
  const std::string& name = self.name();
  BASALT_EVAL(input, self.arg(0)->Evaluate(ctx));
  if (input.nullish()) return Value::Null();
  if (!input.IsString()) {
    return Status(50699, name + " requires its input to be a string, got " + input.ToString() +
                             " (of type " + TypeOf(input) + ") instead.");
  }
  std::vector<std::string> chars;
  if (self.arg(1) == nullptr) {
    chars = DefaultTrimChars();
  } else {
    BASALT_EVAL(c, self.arg(1)->Evaluate(ctx));
    if (c.nullish()) return Value::Null();
    if (!c.IsString()) {
      return Status(50700, name + " requires 'chars' to be a string, got " + c.ToString() +
                               " (of type " + TypeOf(c) + ") instead.");
    }
    std::string_view s = c.str();
    for (size_t i = 0; i < s.size();) {
      if (IsContinuation(s[i])) {
        return Status(50698, "Failed to parse \"chars\" argument to " + name +
                                 ": Detected invalid UTF-8. Got continuation byte when "
                                 "expecting the start of a new code point.");
      }
      size_t n =
          std::min<size_t>(CodePointLength(s[i]) > 4 ? 1 : CodePointLength(s[i]), s.size() - i);
      chars.emplace_back(s.substr(i, n));
      i += n;
    }
  }
  std::string_view s = input.str();
  const int64_t mode = self.ints[0];  // 0 both, 1 left, 2 right
  if (mode != 2) {
    bool trimmed = true;
    while (trimmed && !s.empty()) {
      trimmed = false;
      for (const std::string& c : chars) {
        if (s.substr(0, c.size()) == c) {
          s.remove_prefix(c.size());
          trimmed = true;
          break;
        }
      }
    }
  }
  if (mode != 1) {
    bool trimmed = true;
    while (trimmed && !s.empty()) {
      trimmed = false;
      for (const std::string& c : chars) {
        if (s.size() >= c.size() && s.substr(s.size() - c.size()) == c) {
          s.remove_suffix(c.size());
          trimmed = true;
          break;
        }
      }
    }
  }
  return Value::String(std::string(s));
}

StatusWith<ExpressionPtr> ParseTrim(std::string_view name, const bson_iter_t* arg,
                                    const VariablesParseState& vps) {
  const std::string op(name);
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(50696, op + " only supports an object as an argument, found " +
                             std::string(TypeName(bson_iter_type(arg))));
  }
  std::vector<ExpressionPtr> parts;
  Status s = ParseNamedArgs(
      arg, {"input", "chars"}, vps, &parts,
      [](std::string_view o, std::string_view f) {
        return Status(50694, std::string(o) + " found an unknown argument: " + std::string(f));
      },
      name);
  if (!s.ok()) return s;
  if (!parts[0]) return Status(50695, op + " requires an 'input' field");
  auto e = std::make_unique<NamedArgsExpression>(op, TrimFn);
  e->ints.push_back(name == "$ltrim" ? 1 : name == "$rtrim" ? 2 : 0);
  e->Add(std::move(parts[0]));
  e->Add(std::move(parts[1]));
  return ExpressionPtr(std::move(e));
}

StatusWith<Value> ReplaceFn(const NamedArgsExpression& self, EvalContext& ctx) {
  const std::string& op = self.name();
  BASALT_EVAL(input, self.arg(0)->Evaluate(ctx));
  BASALT_EVAL(find, self.arg(1)->Evaluate(ctx));
  BASALT_EVAL(replacement, self.arg(2)->Evaluate(ctx));
  if (!input.IsString() && !input.nullish()) {
    return Status(51746, op + " requires that 'input' be a string, found: " + input.ToString());
  }
  if (!find.IsString() && !find.nullish()) {
    return Status(51745, op + " requires that 'find' be a string, found: " + find.ToString());
  }
  if (!replacement.IsString() && !replacement.nullish()) {
    return Status(
        51744, op + " requires that 'replacement' be a string, found: " + replacement.ToString());
  }
  if (input.nullish() || find.nullish() || replacement.nullish()) return Value::Null();
  std::string_view in = input.str(), f = find.str(), r = replacement.str();
  std::string out;
  if (op == "$replaceOne") {
    size_t pos = in.find(f);
    if (pos == std::string_view::npos) return Value::String(std::string(in));
    out.append(in.substr(0, pos)).append(r).append(in.substr(pos + f.size()));
    return Value::String(std::move(out));
  }
  if (f.empty()) {
    for (char c : in) out.append(r).push_back(c);
    out.append(r);
    return Value::String(std::move(out));
  }
  while (true) {
    size_t pos = in.find(f);
    if (pos == std::string_view::npos) break;
    out.append(in.substr(0, pos)).append(r);
    in.remove_prefix(pos + f.size());
  }
  out.append(in);
  return Value::String(std::move(out));
}

StatusWith<ExpressionPtr> ParseReplace(std::string_view name, const bson_iter_t* arg,
                                       const VariablesParseState& vps) {
  const std::string op(name);
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(51751, op + " requires an object as an argument, found: " +
                             std::string(TypeName(bson_iter_type(arg))));
  }
  std::vector<ExpressionPtr> parts;
  Status s = ParseNamedArgs(
      arg, {"input", "find", "replacement"}, vps, &parts,
      [](std::string_view o, std::string_view f) {
        return Status(51750, std::string(o) + " found an unknown argument: " + std::string(f));
      },
      name);
  if (!s.ok()) return s;
  if (!parts[0]) return Status(51749, op + " requires 'input' to be specified");
  if (!parts[1]) return Status(51748, op + " requires 'find' to be specified");
  if (!parts[2]) return Status(51747, op + " requires 'replacement' to be specified");
  auto e = std::make_unique<NamedArgsExpression>(op, ReplaceFn);
  for (auto& p : parts) e->Add(std::move(p));
  return ExpressionPtr(std::move(e));
}

template <NaryFunction kFn, int kMin, int kMax>
StatusWith<ExpressionPtr> Nary(std::string_view name, const bson_iter_t* arg,
                               const VariablesParseState& vps) {
  return MakeNary(name, arg, vps, kMin, kMax, kFn);
}

}  // namespace

// Regular expression operators live in expression_regex.cpp.
std::vector<OperatorEntry> RegexOperators();

std::vector<OperatorEntry> StringOperators() {
  std::vector<OperatorEntry> ops = {
      {"$concat", Nary<ConcatFn, 0, -1>},
      {"$substr", Nary<SubstrBytesFn, 3, 3>},
      {"$substrBytes", Nary<SubstrBytesFn, 3, 3>},
      {"$substrCP", Nary<SubstrCPFn, 3, 3>},
      {"$toLower", Nary<CaseFn<false>, 1, 1>},
      {"$toUpper", Nary<CaseFn<true>, 1, 1>},
      {"$strLenBytes", Nary<StrLenBytesFn, 1, 1>},
      {"$strLenCP", Nary<StrLenCPFn, 1, 1>},
      {"$strcasecmp", Nary<StrcasecmpFn, 2, 2>},
      {"$split", Nary<SplitFn, 2, 2>},
      {"$indexOfBytes", Nary<IndexOfBytesFn, 2, 4>},
      {"$indexOfCP", Nary<IndexOfCPFn, 2, 4>},
      {"$trim", ParseTrim},
      {"$ltrim", ParseTrim},
      {"$rtrim", ParseTrim},
      {"$replaceOne", ParseReplace},
      {"$replaceAll", ParseReplace},
  };
  for (const OperatorEntry& e : RegexOperators()) ops.push_back(e);
  return ops;
}

}  // namespace basalt::query
