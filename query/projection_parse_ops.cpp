// The operator forms of projection values, as mongod's
// parseSubObjectAsExpression handles them: find's $slice (falling back to the
// aggregation $slice expression), $elemMatch, and aggregation expressions, of
// which Basalt evaluates $literal and refuses the rest for now.

#include <algorithm>
#include <iterator>
#include <string>
#include <string_view>

#include "base/bson.h"
#include "base/bson_shell.h"
#include "query/projection_parser.h"
#include "query/spec_rules.h"

namespace basalt::query::projection_internal {
namespace {

constexpr std::string_view kExpressionNames[] = {"$abs",
                                                 "$acos",
                                                 "$acosh",
                                                 "$add",
                                                 "$allElementsTrue",
                                                 "$and",
                                                 "$anyElementTrue",
                                                 "$arrayElemAt",
                                                 "$arrayToObject",
                                                 "$asin",
                                                 "$asinh",
                                                 "$atan",
                                                 "$atan2",
                                                 "$atanh",
                                                 "$avg",
                                                 "$binarySize",
                                                 "$bitAnd",
                                                 "$bitNot",
                                                 "$bitOr",
                                                 "$bitXor",
                                                 "$bottom",
                                                 "$bottomN",
                                                 "$bsonSize",
                                                 "$ceil",
                                                 "$cmp",
                                                 "$concat",
                                                 "$concatArrays",
                                                 "$cond",
                                                 "$const",
                                                 "$convert",
                                                 "$cos",
                                                 "$cosh",
                                                 "$covariancePop",
                                                 "$covarianceSamp",
                                                 "$dateAdd",
                                                 "$dateDiff",
                                                 "$dateFromParts",
                                                 "$dateFromString",
                                                 "$dateSubtract",
                                                 "$dateToParts",
                                                 "$dateToString",
                                                 "$dateTrunc",
                                                 "$dayOfMonth",
                                                 "$dayOfWeek",
                                                 "$dayOfYear",
                                                 "$degreesToRadians",
                                                 "$denseRank",
                                                 "$derivative",
                                                 "$divide",
                                                 "$documentNumber",
                                                 "$eq",
                                                 "$exp",
                                                 "$expMovingAvg",
                                                 "$filter",
                                                 "$first",
                                                 "$firstN",
                                                 "$floor",
                                                 "$function",
                                                 "$getField",
                                                 "$gt",
                                                 "$gte",
                                                 "$hour",
                                                 "$ifNull",
                                                 "$in",
                                                 "$indexOfArray",
                                                 "$indexOfBytes",
                                                 "$indexOfCP",
                                                 "$integral",
                                                 "$isArray",
                                                 "$isNumber",
                                                 "$isoDayOfWeek",
                                                 "$isoWeek",
                                                 "$isoWeekYear",
                                                 "$last",
                                                 "$lastN",
                                                 "$let",
                                                 "$linearFill",
                                                 "$literal",
                                                 "$ln",
                                                 "$locf",
                                                 "$log",
                                                 "$log10",
                                                 "$lt",
                                                 "$lte",
                                                 "$ltrim",
                                                 "$map",
                                                 "$max",
                                                 "$maxN",
                                                 "$median",
                                                 "$mergeObjects",
                                                 "$meta",
                                                 "$millisecond",
                                                 "$min",
                                                 "$minN",
                                                 "$minute",
                                                 "$mod",
                                                 "$month",
                                                 "$multiply",
                                                 "$ne",
                                                 "$not",
                                                 "$objectToArray",
                                                 "$or",
                                                 "$percentile",
                                                 "$pow",
                                                 "$radiansToDegrees",
                                                 "$rand",
                                                 "$range",
                                                 "$rank",
                                                 "$reduce",
                                                 "$regexFind",
                                                 "$regexFindAll",
                                                 "$regexMatch",
                                                 "$replaceAll",
                                                 "$replaceOne",
                                                 "$reverseArray",
                                                 "$round",
                                                 "$rtrim",
                                                 "$sampleRate",
                                                 "$second",
                                                 "$setDifference",
                                                 "$setEquals",
                                                 "$setField",
                                                 "$setIntersection",
                                                 "$setIsSubset",
                                                 "$setUnion",
                                                 "$shift",
                                                 "$sin",
                                                 "$sinh",
                                                 "$size",
                                                 "$slice",
                                                 "$sortArray",
                                                 "$split",
                                                 "$sqrt",
                                                 "$stdDevPop",
                                                 "$stdDevSamp",
                                                 "$strLenBytes",
                                                 "$strLenCP",
                                                 "$strcasecmp",
                                                 "$substr",
                                                 "$substrBytes",
                                                 "$substrCP",
                                                 "$subtract",
                                                 "$sum",
                                                 "$switch",
                                                 "$tan",
                                                 "$tanh",
                                                 "$toBool",
                                                 "$toDate",
                                                 "$toDecimal",
                                                 "$toDouble",
                                                 "$toHashedIndexKey",
                                                 "$toInt",
                                                 "$toLong",
                                                 "$toLower",
                                                 "$toObjectId",
                                                 "$toString",
                                                 "$toUpper",
                                                 "$top",
                                                 "$topN",
                                                 "$trim",
                                                 "$trunc",
                                                 "$tsIncrement",
                                                 "$tsSecond",
                                                 "$type",
                                                 "$unsetField",
                                                 "$week",
                                                 "$year",
                                                 "$zip",
                                                 "$addToSet",
                                                 "$push",
                                                 "$count",
                                                 "$accumulator"};

bool IsExpressionName(std::string_view name) {
  return std::find(std::begin(kExpressionNames), std::end(kExpressionNames), name) !=
         std::end(kExpressionNames);
}

const bson_iter_t& NullConstant() {
  static const bson_iter_t kNull = [] {
    static bson_t doc;
    bson_init(&doc);
    BSON_APPEND_NULL(&doc, "");
    bson_iter_t it;
    bson_iter_init(&it, &doc);
    bson_iter_next(&it);
    return it;
  }();
  return kNull;
}

}  // namespace

Status NotSupported(const std::string& what) {
  return Status(ErrorCodes::NotImplemented,
                what + " in a projection is not supported by Basalt yet");
}

bool IsConstantOperand(const bson_iter_t* it, bool nested) {
  if (BSON_ITER_HOLDS_UTF8(it)) return Utf8Of(it).empty() || Utf8Of(it)[0] != '$';
  if (BSON_ITER_HOLDS_ARRAY(it) || (nested && BSON_ITER_HOLDS_DOCUMENT(it))) {
    const bool is_object = BSON_ITER_HOLDS_DOCUMENT(it);
    bson_iter_t child;
    bson_iter_recurse(it, &child);
    while (bson_iter_next(&child)) {
      // Object field names become ExpressionObject fields: "$x" is an
      // operator and "a.b" an error; neither is a plain constant.
      if (is_object && (KeyOf(&child).empty() || KeyOf(&child)[0] == '$' ||
                        KeyOf(&child).find('.') != std::string_view::npos)) {
        return false;
      }
      if (!IsConstantOperand(&child, true)) return false;
    }
  }
  return true;
}

std::shared_ptr<const Computed> Constant(const bson_iter_t& value) {
  auto c = std::make_shared<Computed>();
  c->kind = Computed::Kind::kConstant;
  c->constant = value;
  return c;
}

StatusWith<bool> Parser::ParseSubObjectAsExpression(const Path& path, const bson_iter_t* obj,
                                                    AstNode* parent) {
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(obj, &len, &data);
  const BsonView sub(data, len);
  bson_iter_t arg;
  bson_iter_init(&arg, sub.get());
  bson_iter_next(&arg);
  const std::string_view op = KeyOf(&arg);

  if (op == "$slice") {
    Status find_status = ParseFindSlice(path, &arg, parent);
    if (find_status.ok()) {
      has_find_slice_ = true;
      return true;
    }
    // Not the find() form: mongod tries the aggregation $slice expression,
    // and reports its failure with both explanations.
    Status generic = ParseGenericSlice(path, &arg, parent);
    if (generic.ok()) return true;
    if (generic.code() == ErrorCodes::NotImplemented) {
      return Status(generic.code(), "Invalid $slice syntax: " + find_status.ToString() +
                                        "; the aggregation form of $slice" +
                                        " in a projection is not supported by Basalt yet");
    }
    return Status(generic.code(),
                  "Invalid $slice syntax. The given syntax " + ShellString(sub.get()) +
                      " did not match the find() syntax because :: " + find_status.ToString() +
                      " :: The given syntax did not match the expression "
                      "$slice syntax. :: caused by :: " +
                      generic.reason());
  }
  if (op == "$elemMatch") {
    if (!BSON_ITER_HOLDS_DOCUMENT(&arg)) {
      return Status(31274, "elemMatch: Invalid argument, object required, but got " +
                               std::string(TypeName(bson_iter_type(&arg))));
    }
    if (has_positional_) {
      return Status(31255, "Cannot specify positional operator and $elemMatch.");
    }
    if (path.size() != 1 || parent != &root_) {
      return Status(31275, "Cannot use $elemMatch projection on a nested field.");
    }
    // The predicate is {<field>: {$elemMatch: ...}}, matched against the
    // whole document; its elemMatchKey picks the element.
    Bson filter;
    bson_append_document(filter.get(), path[0].data(), static_cast<int>(path[0].size()), sub.get());
    auto matcher = Matcher::Parse(filter.get(), MatcherOptions::BanAllSpecialFeatures());
    if (!matcher.ok()) return matcher.status();
    auto computed = std::make_shared<Computed>();
    computed->kind = Computed::Kind::kElemMatch;
    computed->matcher = std::move(matcher.value());
    computed->field = path[0];
    auto node = std::make_unique<AstNode>(AstNode::Kind::kComputed);
    node->computed = std::move(computed);
    Status st = AddNodeAtPath(parent, path, 0, std::move(node));
    if (!st.ok()) return st;
    has_elem_match_ = true;
    return true;
  }
  return ParseGenericExpression(path, obj, parent);
}

// mongod's attemptToParseFindSlice: n, or [skip, limit] with limit > 0.
Status Parser::ParseFindSlice(const Path& path, const bson_iter_t* arg, AstNode* parent) {
  auto node = std::make_unique<AstNode>(AstNode::Kind::kSlice);
  if (IsNumber(bson_iter_type(arg))) {
    node->limit = SafeNumberInt(arg);
  } else if (BSON_ITER_HOLDS_ARRAY(arg)) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_array(arg, &len, &data);
    const BsonView arr(data, len);
    if (bson_count_keys(arr.get()) != 2) {
      return Status(31272, "$slice array argument should be of form [skip, limit]");
    }
    bson_iter_t skip, limit;
    bson_iter_init(&skip, arr.get());
    bson_iter_next(&skip);
    limit = skip;
    bson_iter_next(&limit);
    if (!IsNumber(bson_iter_type(&skip))) {
      return Status(31257, "$slice expects the skip argument to be a number, got " +
                               std::string(TypeName(bson_iter_type(&skip))));
    }
    if (!IsNumber(bson_iter_type(&limit))) {
      return Status(31258, "$slice expects the limit argument to be a number, got " +
                               std::string(TypeName(bson_iter_type(&limit))));
    }
    const int32_t n = SafeNumberInt(&limit);
    if (n <= 0) return Status(31259, "$slice limit must be positive, got " + std::to_string(n));
    node->skip = SafeNumberInt(&skip);
    node->limit = n;
  } else {
    return Status(31273, "$slice only supports numbers and [skip, limit] arrays");
  }
  return AddNodeAtPath(parent, path, 0, std::move(node));
}

Status Parser::CheckExpressionAllowed() {
  if (inclusion_ && !*inclusion_) {
    return Status(31252, "Cannot use expression other than $meta in exclusion projection");
  }
  inclusion_ = true;
  return Status::OK();
}

// The aggregation $slice expression, {$slice: [array, n]} or [array, pos, n],
// as far as constants decide its value: null when an argument is nullish,
// else error 28724 on every document when the first is not an array.
Status Parser::ParseGenericSlice(const Path& path, const bson_iter_t* arg, AstNode* parent) {
  Status st = CheckExpressionAllowed();
  if (!st.ok()) return st;
  uint32_t nargs = 1;
  // Not an array of two: bson_iter_t is over-aligned for arrays.
  bson_iter_t first, second;
  if (BSON_ITER_HOLDS_ARRAY(arg)) {
    bson_iter_t it;
    bson_iter_recurse(arg, &it);
    nargs = 0;
    while (bson_iter_next(&it)) {
      if (nargs == 0) first = it;
      if (nargs == 1) second = it;
      ++nargs;
    }
  }
  if (nargs < 2 || nargs > 3) {
    return Status(28667, "Expression $slice takes at least 2 arguments, and at most 3, but " +
                             std::to_string(nargs) + " were passed in.");
  }
  for (const bson_iter_t* a : {&first, &second}) {
    // Objects among the arguments are ExpressionObjects: constant if their
    // fields are.
    if (!IsConstantOperand(a, true)) {
      return NotSupported("the aggregation expression $slice");
    }
  }
  auto nullish = [](const bson_iter_t& a) {
    return BSON_ITER_HOLDS_NULL(&a) || BSON_ITER_HOLDS_UNDEFINED(&a);
  };
  std::shared_ptr<const Computed> computed;
  if (nullish(first) || nullish(second)) {
    computed = Constant(NullConstant());
  } else if (!BSON_ITER_HOLDS_ARRAY(&first)) {
    auto error = std::make_shared<Computed>();
    error->kind = Computed::Kind::kError;
    error->error = Status(28724, "First argument to $slice must be an array, but is of type: " +
                                     std::string(TypeName(bson_iter_type(&first))));
    computed = std::move(error);
  } else {
    return NotSupported("the aggregation expression $slice");
  }
  auto node = std::make_unique<AstNode>(AstNode::Kind::kComputed);
  node->computed = std::move(computed);
  return AddNodeAtPath(parent, path, 0, std::move(node));
}

// mongod's attemptToParseGenericExpression: false if {$name: ...} does not
// name an expression.
StatusWith<bool> Parser::ParseGenericExpression(const Path& path, const bson_iter_t* obj,
                                                AstNode* parent) {
  bson_iter_t arg;
  bson_iter_recurse(obj, &arg);
  bson_iter_next(&arg);
  const std::string_view op = KeyOf(&arg);
  if (!IsExpressionName(op)) return false;
  if (op == "$meta") {
    return NotSupported("$meta (text search and other metadata)");
  }
  Status st = CheckExpressionAllowed();
  if (!st.ok()) return st;
  if (op != "$literal") return NotSupported("the aggregation expression " + std::string(op));
  auto node = std::make_unique<AstNode>(AstNode::Kind::kComputed);
  node->computed = Constant(arg);
  st = AddNodeAtPath(parent, path, 0, std::move(node));
  if (!st.ok()) return st;
  return true;
}

}  // namespace basalt::query::projection_internal
