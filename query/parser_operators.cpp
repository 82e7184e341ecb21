// One parser per operator: mongod's expression_parser.cpp (parseComparison,
// parseRegexElement, parseRegexDocument, parseInExpression, parseType,
// parseBitTest, parseMOD, $size, $exists, parseAlwaysBoolean,
// parseSampleRate, parseWhere, parseExpr, parseJSONSchema, parseText) and
// matcher_type_set.cpp, messages verbatim.

#include <algorithm>
#include <string_view>

#include "base/bson.h"
#include "query/match_leaf.h"
#include "query/numbers.h"
#include "query/parser.h"

namespace basalt::query {
namespace {

Status BadValue(std::string reason) { return Status(ErrorCodes::BadValue, std::move(reason)); }

// mongod's typeName() aliases accepted by $type.
constexpr std::pair<std::string_view, int> kTypeAliases[] = {
    {"double", 1},      {"string", 2},     {"object", 3},
    {"array", 4},       {"binData", 5},    {"undefined", 6},
    {"objectId", 7},    {"bool", 8},       {"date", 9},
    {"null", 10},       {"regex", 11},     {"dbPointer", 12},
    {"javascript", 13}, {"symbol", 14},    {"javascriptWithScope", 15},
    {"int", 16},        {"timestamp", 17}, {"long", 18},
    {"decimal", 19},    {"minKey", -1},    {"maxKey", 127},
};

bool IsValidTypeCode(int code) { return code == -1 || code == 127 || (code >= 1 && code <= 19); }

// MatcherTypeSet's parseSingleType.
Status AddType(const bson_iter_t* t, TypeSet* set) {
  if (!IsNumber(bson_iter_type(t)) && !BSON_ITER_HOLDS_UTF8(t)) {
    return Status(ErrorCodes::TypeMismatch, "type must be represented as a number or a string");
  }
  if (BSON_ITER_HOLDS_UTF8(t)) {
    const std::string_view alias = Utf8Of(t);
    if (alias == "number") {
      set->all_numbers = true;
      return Status::OK();
    }
    for (const auto& [name, code] : kTypeAliases) {
      if (name == alias) {
        set->codes.push_back(code);
        return Status::OK();
      }
    }
    if (alias == "missing") {
      return BadValue(
          "'missing' is not a legal type name. To query for non-existence of a field, use "
          "{$exists:false}.");
    }
    return BadValue("Unknown type name alias: " + std::string(alias));
  }
  const std::string shown = FormatDoubleG(ElementNumberDouble(t));
  auto code = ParseIntegerElementToInt(t);
  if (!code.ok()) return BadValue("Invalid numerical type code: " + shown);
  if (code.value() == 0) {
    return BadValue("Invalid numerical type code: " + shown + ". Instead use {$exists:false}.");
  }
  if (!IsValidTypeCode(code.value())) return BadValue("Invalid numerical type code: " + shown);
  set->codes.push_back(code.value());
  return Status::OK();
}

void BinDataBytes(const bson_iter_t* e, const uint8_t** data, uint32_t* len) {
  bson_subtype_t subtype;
  bson_iter_binary(e, &subtype, len, data);
  // mongod's binData() keeps the inner length of the old binary subtype.
  if (subtype == BSON_SUBTYPE_BINARY_DEPRECATED) *data -= 4, *len += 4;
}

}  // namespace

ParseResult Parser::ParseComparison(MatchType type, const std::string& name, const bson_iter_t* e) {
  if (BSON_ITER_HOLDS_UNDEFINED(e)) return BadValue("cannot compare to undefined");
  if (type != MatchType::kEq && BSON_ITER_HOLDS_REGEX(e)) {
    return BadValue("Can't have RegEx as arg to predicate over field '" + name + "'.");
  }
  return ExprPtr(std::make_unique<ComparisonExpression>(type, FieldPath::Parse(name), *e,
                                                        options_.null_matches_undefined));
}

ParseResult Parser::ParseRegexElement(const std::string& name, const bson_iter_t* e) {
  const char* flags = nullptr;
  const char* pattern = bson_iter_regex(e, &flags);
  auto regex = Regex::Compile(pattern, flags);
  if (!regex.ok()) return regex.status();
  return ExprPtr(std::make_unique<RegexExpression>(FieldPath::Parse(name), regex.value()));
}

ParseResult Parser::ParseRegexDocument(const std::string& name, const bson_t* context) {
  std::string_view pattern;
  std::string_view flags;
  bson_iter_t e;
  bson_iter_init(&e, context);
  while (bson_iter_next(&e)) {
    const std::string_view key = KeyOf(&e);
    if (key == "$regex") {
      if (BSON_ITER_HOLDS_UTF8(&e)) {
        pattern = Utf8Of(&e);
      } else if (BSON_ITER_HOLDS_REGEX(&e)) {
        const char* literal_flags = nullptr;
        pattern = bson_iter_regex(&e, &literal_flags);
        if (*literal_flags) {
          if (!flags.empty()) return Status(51074, "options set in both $regex and $options");
          flags = literal_flags;
        }
      } else {
        return BadValue("$regex has to be a string");
      }
    } else if (key == "$options") {
      if (!BSON_ITER_HOLDS_UTF8(&e)) return BadValue("$options has to be a string");
      if (!flags.empty()) return Status(51075, "options set in both $regex and $options");
      flags = Utf8Of(&e);
    }
  }
  auto regex = Regex::Compile(pattern, flags);
  if (!regex.ok()) return regex.status();
  return ExprPtr(std::make_unique<RegexExpression>(FieldPath::Parse(name), regex.value()));
}

ParseResult Parser::ParseIn(const std::string& name, const bson_iter_t* e, bool negate) {
  if (!BSON_ITER_HOLDS_ARRAY(e))
    return BadValue(negate ? "$nin needs an array" : "$in needs an array");
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_array(e, &len, &data);
  const BsonView array(data, len);
  std::vector<bson_iter_t> equalities;
  std::vector<std::unique_ptr<RegexExpression>> regexes;
  bson_iter_t it;
  bson_iter_init(&it, array.get());
  while (bson_iter_next(&it)) {
    // DBRefs are values; other $-documents are operators, which $in refuses.
    if (IsExpressionDocument(&it, false)) return BadValue("cannot nest $ under $in");
    if (BSON_ITER_HOLDS_REGEX(&it)) {
      const char* flags = nullptr;
      const char* pattern = bson_iter_regex(&it, &flags);
      auto regex = Regex::Compile(pattern, flags);
      if (!regex.ok()) return regex.status();
      regexes.push_back(std::make_unique<RegexExpression>(FieldPath::Parse(""), regex.value()));
    } else {
      equalities.push_back(it);
    }
  }
  for (const bson_iter_t& eq : equalities) {
    if (BSON_ITER_HOLDS_UNDEFINED(&eq)) {
      return BadValue("InMatchExpression equality cannot be undefined");
    }
  }
  ExprPtr in = std::make_unique<InExpression>(FieldPath::Parse(name), std::move(equalities),
                                              std::move(regexes), options_.null_matches_undefined);
  if (negate) return ExprPtr(std::make_unique<NotExpression>(std::move(in)));
  return in;
}

ParseResult Parser::ParseType(const std::string& name, const bson_iter_t* e) {
  TypeSet set;
  if (BSON_ITER_HOLDS_ARRAY(e)) {
    bson_iter_t it;
    bson_iter_recurse(e, &it);
    while (bson_iter_next(&it)) {
      Status st = AddType(&it, &set);
      if (!st.ok()) return st;
    }
  } else {
    Status st = AddType(e, &set);
    if (!st.ok()) return st;
  }
  if (set.codes.empty() && !set.all_numbers) {
    return Status(ErrorCodes::FailedToParse, name + " must match at least one type");
  }
  std::sort(set.codes.begin(), set.codes.end());
  set.codes.erase(std::unique(set.codes.begin(), set.codes.end()), set.codes.end());
  return ExprPtr(std::make_unique<TypeExpression>(FieldPath::Parse(name), std::move(set)));
}

ParseResult Parser::ParseBitTest(MatchType type, const std::string& name, const bson_iter_t* e) {
  if (BSON_ITER_HOLDS_ARRAY(e)) {
    std::vector<uint32_t> positions;
    bson_iter_t it;
    bson_iter_recurse(e, &it);
    while (bson_iter_next(&it)) {
      auto position = ParseIntegerElementToNonNegativeInt(&it);
      if (!position.ok()) {
        return BadValue("Failed to parse bit position. " + position.status().reason());
      }
      positions.push_back(static_cast<uint32_t>(position.value()));
    }
    return ExprPtr(
        std::make_unique<BitTestExpression>(type, FieldPath::Parse(name), std::move(positions)));
  }
  if (IsNumber(bson_iter_type(e))) {
    auto mask = ParseIntegerElementToNonNegativeLong(e);
    if (!mask.ok()) return mask.status();
    return ExprPtr(std::make_unique<BitTestExpression>(type, FieldPath::Parse(name),
                                                       static_cast<uint64_t>(mask.value())));
  }
  if (BSON_ITER_HOLDS_BINARY(e)) {
    const uint8_t* data = nullptr;
    uint32_t len = 0;
    BinDataBytes(e, &data, &len);
    return ExprPtr(std::make_unique<BitTestExpression>(type, FieldPath::Parse(name), data, len));
  }
  return BadValue(name +
                  " takes an Array, a number, or a BinData but received: " + ElementString(e));
}

ParseResult Parser::ParseMod(const std::string& name, const bson_iter_t* e) {
  if (!BSON_ITER_HOLDS_ARRAY(e)) return BadValue("malformed mod, needs to be an array");
  bson_iter_t it;
  bson_iter_recurse(e, &it);
  if (!bson_iter_next(&it)) return BadValue("malformed mod, not enough elements");
  const bson_iter_t divisor_elem = it;
  if (!IsNumber(bson_iter_type(&divisor_elem))) {
    return BadValue("malformed mod, divisor not a number");
  }
  if (!bson_iter_next(&it)) return BadValue("malformed mod, not enough elements");
  const bson_iter_t remainder_elem = it;
  if (!IsNumber(bson_iter_type(&remainder_elem))) {
    return BadValue("malformed mod, remainder not a number");
  }
  if (bson_iter_next(&it)) return BadValue("malformed mod, too many elements");
  auto divisor = CoerceToLong(&divisor_elem);
  if (!divisor.ok()) {
    return Status(
        divisor.status().code(),
        "malformed mod, divisor value is invalid :: caused by :: " + divisor.status().reason());
  }
  auto remainder = CoerceToLong(&remainder_elem);
  if (!remainder.ok()) {
    return Status(
        remainder.status().code(),
        "malformed mod, remainder value is invalid :: caused by :: " + remainder.status().reason());
  }
  if (divisor.value() == 0) return BadValue("divisor cannot be 0");
  return ExprPtr(
      std::make_unique<ModExpression>(FieldPath::Parse(name), divisor.value(), remainder.value()));
}

ParseResult Parser::ParseSize(const std::string& name, const bson_iter_t* e) {
  auto size = ParseIntegerElementToNonNegativeInt(e);
  if (!size.ok()) return BadValue("Failed to parse $size. " + size.status().reason());
  return ExprPtr(std::make_unique<SizeExpression>(FieldPath::Parse(name), size.value()));
}

ParseResult Parser::ParseExists(const std::string& name, const bson_iter_t* e) {
  ExprPtr exists = std::make_unique<ExistsExpression>(FieldPath::Parse(name));
  if (IsTruthy(e)) return exists;
  return ExprPtr(std::make_unique<NotExpression>(std::move(exists)));
}

ParseResult Parser::ParseAlwaysBoolean(std::string_view op, const bson_iter_t* e) {
  auto value = ParseIntegerElementToLong(e);
  if (!value.ok()) return value.status();
  if (value.value() != 1) {
    return Status(ErrorCodes::FailedToParse,
                  "$" + std::string(op) + " must be an integer value of 1");
  }
  return ExprPtr(std::make_unique<AlwaysExpression>(op == "alwaysTrue"));
}

ParseResult Parser::ParseSampleRate(const bson_iter_t* e, DocLevel level) {
  if (level == DocLevel::kUserSubDocument) {
    return BadValue("$sampleRate can only be applied to the top-level document");
  }
  if (!IsNumber(bson_iter_type(e)))
    return BadValue("argument to $sampleRate must be a numeric type");
  const double rate = ElementNumberDouble(e);
  // Written so that NaN fails too.
  if (!(rate >= 0.0 && rate <= 1.0)) {
    return BadValue("numeric argument to $sampleRate must be in [0, 1]");
  }
  if (rate == 0.0) return ExprPtr(std::make_unique<AlwaysExpression>(false));
  if (rate == 1.0) return ExprPtr(std::make_unique<AlwaysExpression>(true));
  return ExprPtr(std::make_unique<SampleRateExpression>(rate));
}

ParseResult Parser::ParseSpecial(std::string_view op, const bson_iter_t* e, DocLevel level) {
  const bool sub_document = level == DocLevel::kUserSubDocument;
  if (op == "where") {
    if (!options_.allow_where) return BadValue("$where is not allowed in this context");
    if (sub_document) return BadValue("$where can only be applied to the top-level document");
    if (!BSON_ITER_HOLDS_UTF8(e) && !BSON_ITER_HOLDS_CODE(e) && !BSON_ITER_HOLDS_CODEWSCOPE(e)) {
      return BadValue("$where got bad type");
    }
    // What a mongod without a JavaScript engine (--noscripting) answers.
    return Status(6108304, "no globalScriptEngine in $where parsing");
  }
  if (op == "expr") {
    if (sub_document) return BadValue("$expr can only be applied to the top-level document");
    if (!options_.allow_expr) {
      return Status(ErrorCodes::QueryFeatureNotAllowed, "$expr is not allowed in this context");
    }
    if (options_.extensions) return options_.extensions->ParseExpr(e);
    return Status(ErrorCodes::NotImplemented, "$expr is not supported by Basalt yet");
  }
  if (op == "jsonSchema") {
    if (!options_.allow_json_schema) {
      return Status(ErrorCodes::QueryFeatureNotAllowed,
                    "$jsonSchema is not allowed in this context");
    }
    if (!BSON_ITER_HOLDS_DOCUMENT(e)) {
      return Status(ErrorCodes::TypeMismatch, "$jsonSchema must be an object");
    }
    if (options_.extensions) return options_.extensions->ParseJsonSchema(e);
    return Status(ErrorCodes::NotImplemented, "$jsonSchema is not supported by Basalt yet");
  }
  // $text
  if (sub_document) return BadValue("$text can only be applied to the top-level document");
  if (!options_.allow_text) return BadValue("$text is not allowed in this context");
  // What mongod answers for a collection without a text index: Basalt has none.
  return Status(ErrorCodes::IndexNotFound, "text index required for $text query");
}

}  // namespace basalt::query
