// The structure of a filter: top-level fields and pathless operators, a
// field's operator document, $and/$or/$nor, $not, $elemMatch and $all.
// Mirrors mongod's expression_parser.cpp (parse, parseSub, parseSubField,
// parseTreeTopLevel, parseNot, parseElemMatch, parseAll) and keeps its
// messages verbatim.

#include "query/parser.h"

#include <algorithm>
#include <optional>

#include "base/bson.h"
#include "base/bson_shell.h"
#include "query/match_leaf.h"

namespace basalt::query {
namespace {

// mongod's BSONDepth::getMaxDepthForUserStorage(): 200 - 20.
constexpr size_t kMaxPathComponents = 180;

enum class Keyword {
  kLt,
  kLte,
  kGt,
  kGte,
  kNe,
  kEq,
  kIn,
  kNin,
  kSize,
  kExists,
  kType,
  kMod,
  kOptions,
  kRegex,
  kElemMatch,
  kAll,
  kWithin,
  kGeoIntersects,
  kGeoNear,
  kBitsAllSet,
  kBitsAllClear,
  kBitsAnySet,
  kBitsAnyClear,
};

// mongod's parsePathAcceptingKeyword: the operator a "$name" field is, if any.
std::optional<Keyword> PathAcceptingKeyword(std::string_view field) {
  static constexpr std::pair<std::string_view, Keyword> kOperators[] = {
      {"all", Keyword::kAll},
      {"bitsAllClear", Keyword::kBitsAllClear},
      {"bitsAllSet", Keyword::kBitsAllSet},
      {"bitsAnyClear", Keyword::kBitsAnyClear},
      {"bitsAnySet", Keyword::kBitsAnySet},
      {"elemMatch", Keyword::kElemMatch},
      {"eq", Keyword::kEq},
      {"exists", Keyword::kExists},
      {"geoIntersects", Keyword::kGeoIntersects},
      {"geoNear", Keyword::kGeoNear},
      {"geoWithin", Keyword::kWithin},
      {"gt", Keyword::kGt},
      {"gte", Keyword::kGte},
      {"in", Keyword::kIn},
      {"lt", Keyword::kLt},
      {"lte", Keyword::kLte},
      {"mod", Keyword::kMod},
      {"ne", Keyword::kNe},
      {"near", Keyword::kGeoNear},
      {"nearSphere", Keyword::kGeoNear},
      {"nin", Keyword::kNin},
      {"options", Keyword::kOptions},
      {"regex", Keyword::kRegex},
      {"size", Keyword::kSize},
      {"type", Keyword::kType},
      {"within", Keyword::kWithin},
  };
  if (field.size() < 2 || field[0] != '$') return std::nullopt;
  const std::string_view name = field.substr(1);
  for (const auto& [op, keyword] : kOperators) {
    if (op == name) return keyword;
  }
  return std::nullopt;
}

BsonView SubDocument(const bson_iter_t* e) {
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  if (BSON_ITER_HOLDS_ARRAY(e)) {
    bson_iter_array(e, &len, &data);
  } else {
    bson_iter_document(e, &len, &data);
  }
  return BsonView(data, len);
}

// The first field of a document, if any.
bool FirstField(const bson_t* doc, bson_iter_t* it) {
  return bson_iter_init(it, doc) && bson_iter_next(it);
}

Status BadValue(std::string reason) { return Status(ErrorCodes::BadValue, std::move(reason)); }

}  // namespace

bool IsPathlessOperator(std::string_view name) {
  static constexpr std::string_view kPathless[] = {
      "alwaysFalse", "alwaysTrue", "and", "comment", "db",         "expr", "id",
      "jsonSchema",  "nor",        "or",  "ref",     "sampleRate", "text", "where",
  };
  return std::find(std::begin(kPathless), std::end(kPathless), name) != std::end(kPathless);
}

bool IsExpressionDocument(const bson_iter_t* e, bool allow_incomplete_dbref) {
  if (!BSON_ITER_HOLDS_DOCUMENT(e)) return false;
  const BsonView obj = SubDocument(e);
  bson_iter_t it;
  if (!FirstField(obj.get(), &it) || KeyOf(&it).empty() || KeyOf(&it)[0] != '$') return false;
  bool has_ref = false, has_id = false, has_db = false;
  do {
    const std::string_view key = KeyOf(&it);
    has_ref |= key == "$ref";
    has_id |= key == "$id";
    has_db |= key == "$db";
  } while (!(has_ref && has_id) && bson_iter_next(&it));
  const bool is_dbref =
      allow_incomplete_dbref ? (has_ref || has_id || has_db) : (has_ref && has_id);
  return !is_dbref;
}

ParseResult Parser::Parse(const bson_t* obj, DocLevel level) {
  auto root = std::make_unique<ListExpression>(MatchType::kAnd);
  const DocLevel next_level = level == DocLevel::kPredicateTop ? DocLevel::kUserDocumentTop : level;
  bson_iter_t e;
  if (!bson_iter_init(&e, obj)) return BadValue("invalid filter document");
  while (bson_iter_next(&e)) {
    const std::string_view key = KeyOf(&e);
    if (!key.empty() && key[0] == '$') {
      const std::string_view op = key.substr(1);
      if (!IsPathlessOperator(op)) {
        const char* hint = op == "not"
                               ? ". If you are trying to negate an entire expression, use $nor."
                               : ". If you have a field name that starts with a '$' symbol, "
                                 "consider using $getField or $setField.";
        return BadValue("unknown top level operator: " + std::string(key) + hint);
      }
      auto parsed = ParsePathless(op, &e, level);
      if (!parsed.ok()) return parsed;
      // $comment yields no expression.
      if (parsed.value()) root->Add(std::move(parsed.value()));
      continue;
    }
    if (static_cast<size_t>(std::count(key.begin(), key.end(), '.')) + 1 > kMaxPathComponents) {
      return Status(5729100, "FieldPath is too long");
    }
    const std::string name(key);
    if (IsExpressionDocument(&e, false)) {
      const BsonView sub = SubDocument(&e);
      Status st = ParseSub(name, sub.get(), root.get(), next_level);
      if (!st.ok()) return st;
      continue;
    }
    auto parsed = BSON_ITER_HOLDS_REGEX(&e) ? ParseRegexElement(name, &e)
                                            : ParseComparison(MatchType::kEq, name, &e);
    if (!parsed.ok()) return parsed;
    root->Add(std::move(parsed.value()));
  }
  if (root->NumChildren() == 1) return std::move(root->TakeChildren()[0]);
  return ExprPtr(std::move(root));
}

Status Parser::ParseSub(const std::string& name, const bson_t* sub, ListExpression* root,
                        DocLevel level) {
  // $near takes sibling modifiers ($maxDistance...), so it owns the whole
  // document when it comes first.
  bson_iter_t first;
  if (FirstField(sub, &first) &&
      (BSON_ITER_HOLDS_DOCUMENT(&first) || BSON_ITER_HOLDS_ARRAY(&first)) &&
      PathAcceptingKeyword(KeyOf(&first)) == Keyword::kGeoNear) {
    if (!options_.allow_geo_near) {
      return Status(5626500, "$geoNear, $near, and $nearSphere are not allowed in this context");
    }
    return Status(ErrorCodes::NotImplemented,
                  std::string(KeyOf(&first)) + " is not supported by Basalt yet");
  }
  bson_iter_t e;
  bson_iter_init(&e, sub);
  while (bson_iter_next(&e)) {
    auto parsed = ParseSubField(sub, name, &e, level);
    if (!parsed.ok()) return parsed.status();
    if (parsed.value()) root->Add(std::move(parsed.value()));
  }
  return Status::OK();
}

ParseResult Parser::ParseSubField(const bson_t* context, const std::string& name,
                                  const bson_iter_t* e, DocLevel level) {
  const std::string_view key = KeyOf(e);
  if (key == "$not") return ParseNot(name, e, level);
  const std::optional<Keyword> keyword = PathAcceptingKeyword(key);
  if (!keyword) {
    if (key == "$where") return BadValue("$where cannot be applied to a field");
    return BadValue("unknown operator: " + std::string(key));
  }
  switch (*keyword) {
    case Keyword::kLt:
      return ParseComparison(MatchType::kLt, name, e);
    case Keyword::kLte:
      return ParseComparison(MatchType::kLte, name, e);
    case Keyword::kGt:
      return ParseComparison(MatchType::kGt, name, e);
    case Keyword::kGte:
      return ParseComparison(MatchType::kGte, name, e);
    case Keyword::kEq:
      return ParseComparison(MatchType::kEq, name, e);
    case Keyword::kNe: {
      // SERVER-1705: $ne is $not of $eq, but not for regexes.
      if (BSON_ITER_HOLDS_REGEX(e)) return BadValue("Can't have regex as arg to $ne.");
      auto eq = ParseComparison(MatchType::kEq, name, e);
      if (!eq.ok()) return eq;
      return ExprPtr(std::make_unique<NotExpression>(std::move(eq.value())));
    }
    case Keyword::kIn:
      return ParseIn(name, e, false);
    case Keyword::kNin:
      return ParseIn(name, e, true);
    case Keyword::kSize:
      return ParseSize(name, e);
    case Keyword::kExists:
      return ParseExists(name, e);
    case Keyword::kType:
      return ParseType(name, e);
    case Keyword::kMod:
      return ParseMod(name, e);
    case Keyword::kOptions: {
      // $options may come before or after its $regex, which does the work.
      bson_iter_t it;
      bson_iter_init(&it, context);
      while (bson_iter_next(&it)) {
        if (PathAcceptingKeyword(KeyOf(&it)) == Keyword::kRegex) return ExprPtr();
      }
      return BadValue("$options needs a $regex");
    }
    case Keyword::kRegex:
      return ParseRegexDocument(name, context);
    case Keyword::kElemMatch:
      return ParseElemMatch(name, e);
    case Keyword::kAll:
      return ParseAll(name, e);
    case Keyword::kWithin:
    case Keyword::kGeoIntersects:
      return Status(ErrorCodes::NotImplemented,
                    std::string(key) + " is not supported by Basalt yet");
    case Keyword::kGeoNear:
      return BadValue("near must be first in: " + ShellString(context));
    case Keyword::kBitsAllSet:
      return ParseBitTest(MatchType::kBitsAllSet, name, e);
    case Keyword::kBitsAllClear:
      return ParseBitTest(MatchType::kBitsAllClear, name, e);
    case Keyword::kBitsAnySet:
      return ParseBitTest(MatchType::kBitsAnySet, name, e);
    case Keyword::kBitsAnyClear:
      return ParseBitTest(MatchType::kBitsAnyClear, name, e);
  }
  return BadValue("not handled: " + std::string(key));
}

ParseResult Parser::ParsePathless(std::string_view op, const bson_iter_t* e, DocLevel level) {
  if (op == "and" || op == "or" || op == "nor") return ParseTree(op, e, level);
  if (op == "comment") return ExprPtr();
  if (op == "alwaysTrue" || op == "alwaysFalse") return ParseAlwaysBoolean(op, e);
  if (op == "sampleRate") return ParseSampleRate(e, level);
  if (op == "db" || op == "id" || op == "ref") {
    // DBRef fields queried directly: an equality on the "$id" field itself.
    return ParseComparison(MatchType::kEq, std::string(KeyOf(e)), e);
  }
  return ParseSpecial(op, e, level);
}

ParseResult Parser::ParseTree(std::string_view op, const bson_iter_t* e, DocLevel level) {
  const MatchType type = op == "and"  ? MatchType::kAnd
                         : op == "or" ? MatchType::kOr
                                      : MatchType::kNor;
  if (!BSON_ITER_HOLDS_ARRAY(e)) return BadValue("$" + std::string(op) + " must be an array");
  const BsonView array = SubDocument(e);
  if (bson_count_keys(array.get()) == 0) return BadValue("$and/$or/$nor must be a nonempty array");
  auto list = std::make_unique<ListExpression>(type);
  bson_iter_t it;
  bson_iter_init(&it, array.get());
  while (bson_iter_next(&it)) {
    if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
      return BadValue("$or/$and/$nor entries need to be full objects");
    }
    const BsonView sub = SubDocument(&it);
    auto parsed = Parse(sub.get(), level);
    if (!parsed.ok()) return parsed;
    list->Add(std::move(parsed.value()));
  }
  return ExprPtr(std::move(list));
}

ParseResult Parser::ParseNot(const std::string& name, const bson_iter_t* e, DocLevel level) {
  if (BSON_ITER_HOLDS_REGEX(e)) {
    auto regex = ParseRegexElement(name, e);
    if (!regex.ok()) return regex;
    return ExprPtr(std::make_unique<NotExpression>(std::move(regex.value())));
  }
  if (!BSON_ITER_HOLDS_DOCUMENT(e)) return BadValue("$not needs a regex or a document");
  const BsonView sub = SubDocument(e);
  if (bson_count_keys(sub.get()) == 0) return BadValue("$not cannot be empty");
  auto list = std::make_unique<ListExpression>(MatchType::kAnd);
  Status st = ParseSub(name, sub.get(), list.get(), level);
  if (!st.ok()) return st;
  return ExprPtr(std::make_unique<NotExpression>(std::move(list)));
}

ParseResult Parser::ParseElemMatch(const std::string& name, const bson_iter_t* e) {
  if (!BSON_ITER_HOLDS_DOCUMENT(e)) return BadValue("$elemMatch needs an Object");
  const BsonView obj = SubDocument(e);
  // The value form applies operators to each element ({$gt: 1}); a
  // document of fields or of $and/$or... is the query form.
  bool value_form = false;
  if (IsExpressionDocument(e, true)) {
    bson_iter_t first;
    FirstField(obj.get(), &first);
    value_form = !IsPathlessOperator(KeyOf(&first).substr(1));
  }
  if (value_form) {
    ListExpression list(MatchType::kAnd);
    Status st = ParseSub("", obj.get(), &list, DocLevel::kUserSubDocument);
    if (!st.ok()) return st;
    return ExprPtr(
        std::make_unique<ElemMatchValueExpression>(FieldPath::Parse(name), list.TakeChildren()));
  }
  auto sub = Parse(obj.get(), DocLevel::kUserSubDocument);
  if (!sub.ok()) return sub;
  return ExprPtr(
      std::make_unique<ElemMatchObjectExpression>(FieldPath::Parse(name), std::move(sub.value())));
}

ParseResult Parser::ParseAll(const std::string& name, const bson_iter_t* e) {
  if (!BSON_ITER_HOLDS_ARRAY(e)) return BadValue("$all needs an array");
  const BsonView array = SubDocument(e);
  auto list = std::make_unique<ListExpression>(MatchType::kAnd);
  bson_iter_t it;
  bson_iter_t first;
  const bool elem_match_form =
      FirstField(array.get(), &first) && BSON_ITER_HOLDS_DOCUMENT(&first) && [&] {
        const BsonView doc = SubDocument(&first);
        bson_iter_t f;
        return FirstField(doc.get(), &f) && KeyOf(&f) == "$elemMatch";
      }();
  bson_iter_init(&it, array.get());
  while (bson_iter_next(&it)) {
    if (elem_match_form) {
      // $all: [{$elemMatch: ...}, ...] requires every entry to be one.
      bson_iter_t inner;
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) return BadValue("$all/$elemMatch has to be consistent");
      const BsonView doc = SubDocument(&it);
      if (!FirstField(doc.get(), &inner) || KeyOf(&inner) != "$elemMatch") {
        return BadValue("$all/$elemMatch has to be consistent");
      }
      auto parsed = ParseElemMatch(name, &inner);
      if (!parsed.ok()) return parsed;
      list->Add(std::move(parsed.value()));
      continue;
    }
    if (BSON_ITER_HOLDS_REGEX(&it)) {
      auto parsed = ParseRegexElement(name, &it);
      if (!parsed.ok()) return parsed;
      list->Add(std::move(parsed.value()));
      continue;
    }
    if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
      const BsonView doc = SubDocument(&it);
      bson_iter_t f;
      if (FirstField(doc.get(), &f) && PathAcceptingKeyword(KeyOf(&f))) {
        return BadValue("no $ expressions in $all");
      }
    }
    auto parsed = ParseComparison(MatchType::kEq, name, &it);
    if (!parsed.ok()) return parsed;
    list->Add(std::move(parsed.value()));
  }
  if (list->NumChildren() == 0) return ExprPtr(std::make_unique<AlwaysExpression>(false));
  return ExprPtr(std::move(list));
}

}  // namespace basalt::query
