// Internal to the query layer: the filter parser, mongod's
// MatchExpressionParser (src/mongo/db/matcher/expression_parser.cpp) function
// for function, so that the tree and every error match mongod's.
//
// Contract: every bson_t and bson_iter_t handed to the parser points into
// storage that outlives the returned tree (the Matcher's copy of the filter).
// Thread-safety: a Parser is used by one thread for one Parse.
#pragma once

#include <bson/bson.h>

#include <string>
#include <string_view>

#include "base/status.h"
#include "query/match_expression.h"
#include "query/matcher.h"

namespace basalt::query {

class ListExpression;

using ParseResult = StatusWith<ExprPtr>;

// mongod's DocumentParseLevel: where in the filter the parser is.
enum class DocLevel {
  kPredicateTop,     // the filter itself
  kUserDocumentTop,  // operators applied to the top-level document
  kUserSubDocument,  // inside $elemMatch: applied to array elements
};

class Parser {
 public:
  explicit Parser(const MatcherOptions& options) : options_(options) {}

  // mongod's parse(): a document of predicates, ANDed.
  ParseResult Parse(const bson_t* obj, DocLevel level);

 private:
  // parser.cpp: structure.
  Status ParseSub(const std::string& name, const bson_t* sub, ListExpression* root, DocLevel level);
  ParseResult ParseSubField(const bson_t* context, const std::string& name, const bson_iter_t* e,
                            DocLevel level);
  ParseResult ParsePathless(std::string_view op, const bson_iter_t* e, DocLevel level);
  ParseResult ParseTree(std::string_view op, const bson_iter_t* e, DocLevel level);
  ParseResult ParseNot(const std::string& name, const bson_iter_t* e, DocLevel level);
  ParseResult ParseElemMatch(const std::string& name, const bson_iter_t* e);
  ParseResult ParseAll(const std::string& name, const bson_iter_t* e);

  // parser_operators.cpp: one operator each.
  ParseResult ParseComparison(MatchType type, const std::string& name, const bson_iter_t* e);
  ParseResult ParseRegexElement(const std::string& name, const bson_iter_t* e);
  ParseResult ParseRegexDocument(const std::string& name, const bson_t* context);
  ParseResult ParseIn(const std::string& name, const bson_iter_t* e, bool negate);
  ParseResult ParseType(const std::string& name, const bson_iter_t* e);
  ParseResult ParseBitTest(MatchType type, const std::string& name, const bson_iter_t* e);
  ParseResult ParseMod(const std::string& name, const bson_iter_t* e);
  ParseResult ParseSize(const std::string& name, const bson_iter_t* e);
  ParseResult ParseExists(const std::string& name, const bson_iter_t* e);
  ParseResult ParseAlwaysBoolean(std::string_view op, const bson_iter_t* e);
  ParseResult ParseSampleRate(const bson_iter_t* e, DocLevel level);
  ParseResult ParseSpecial(std::string_view op, const bson_iter_t* e, DocLevel level);

  const MatcherOptions& options_;
};

// True if `name` (without its '$') is an operator that takes no path
// ($and, $or, $comment, $expr...): mongod's retrievePathlessParser != null.
bool IsPathlessOperator(std::string_view name);

// mongod's isExpressionDocument: a non-empty document whose first field
// starts with '$' and that is not a DBRef ({$ref, $id}, or with
// `allow_incomplete_dbref` any of $ref, $id, $db).
bool IsExpressionDocument(const bson_iter_t* e, bool allow_incomplete_dbref);

}  // namespace basalt::query
