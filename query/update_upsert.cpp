// The document an upsert inserts: mongod's produceDocumentForUpsert and
// UpdateDriver::populateDocumentWithQueryFields (src/mongo/db/update/,
// src/mongo/db/update/path_support.cpp extractEqualityMatches).
#include <algorithm>

#include "base/bson_shell.h"
#include "query/match_leaf.h"
#include "query/update.h"
#include "query/update_internal.h"

namespace basalt::query {

using namespace update_internal;

namespace {

struct Equality {
  std::string path;
  bson_iter_t value;
};

// The equality predicates mongod's normalized query would have at the top:
// {a: v} and $eq, inside $and, a one-clause $or, a one-value $in, $all.
void CollectEqualities(const MatchExpression& expr, std::vector<Equality>* out) {
  switch (expr.type()) {
    case MatchType::kEq:
      out->push_back({expr.path(), static_cast<const ComparisonExpression&>(expr).operand()});
      return;
    case MatchType::kIn: {
      const auto& in = static_cast<const InExpression&>(expr);
      if (in.equalities().size() != 1) return;
      // mongod turns $in into an equality only when it holds no regex.
      const std::string only_equality =
          in.path() + " $in [ " + ShellValueString(&in.equalities()[0]) + " ]\n";
      if (in.DebugString() == only_equality) out->push_back({in.path(), in.equalities()[0]});
      return;
    }
    case MatchType::kAnd:
      for (size_t i = 0; i < expr.NumChildren(); ++i) CollectEqualities(*expr.Child(i), out);
      return;
    case MatchType::kOr:
      if (expr.NumChildren() == 1) CollectEqualities(*expr.Child(0), out);
      return;
    default:
      return;
  }
}

// Parses $expr as a clause that constrains no field.
class IgnoredExprExtensions : public MatcherExtensions {
 public:
  StatusWith<ExprPtr> ParseExpr(const bson_iter_t*) const override {
    return ExprPtr(std::make_unique<AlwaysExpression>(true));
  }
  StatusWith<ExprPtr> ParseJsonSchema(const bson_iter_t*) const override {
    return Status(ErrorCodes::NotImplemented, "$jsonSchema is not supported by Basalt yet");
  }
};

bool IsPathPrefix(const std::string& prefix, const std::string& path) {
  return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
         path[prefix.size()] == '.';
}

// extractEqualityMatches' conflict rules. mongod sorts the clauses of the
// query by path before extracting, so a shorter path is always met first.
Status CheckConflicts(std::vector<Equality> equalities) {
  std::stable_sort(equalities.begin(), equalities.end(),
                   [](const Equality& a, const Equality& b) { return a.path < b.path; });
  for (size_t i = 0; i < equalities.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      const std::string& path = equalities[i].path;
      const std::string& earlier = equalities[j].path;
      if (path == earlier) {
        return Status(ErrorCodes::NotSingleValueField,
                      "cannot infer query fields to set, path '" + path + "' is matched twice");
      }
      if (IsPathPrefix(earlier, path)) {
        return Status(ErrorCodes::NotSingleValueField,
                      "cannot infer query fields to set, both paths '" + path + "' and '" +
                          earlier + "' are matched");
      }
    }
  }
  return Status::OK();
}

// pathsupport::setElementAtPath into the document being built.
Status SetAtPath(MValue* root, const std::string& dotted, const bson_iter_t& value) {
  Cursor cursor;
  cursor.frames.push_back({root, ""});
  for (const auto& part : SplitPath(dotted)) {
    MField* child = nullptr;
    if (cursor.to_create.empty()) {
      MValue* element = cursor.element();
      if (element->IsDocument()) {
        child = FindField(element, part);
      } else if (element->IsArray()) {
        const auto index = ParseArrayIndex(part);
        Expand(element);
        if (index && *index < element->children.size()) child = element->children[*index].get();
      }
    }
    if (child) {
      cursor.frames.push_back({&child->value, part});
    } else {
      cursor.to_create.push_back(part);
    }
  }
  if (cursor.to_create.empty()) {
    *cursor.element() = MValue::Ref(value, nullptr);
    return Status::OK();
  }
  auto created = CreatePath(&cursor, MValue::Ref(value, nullptr));
  return created.ok() ? Status::OK() : created.status();
}

}  // namespace

StatusWith<Bson> MakeUpsertDocument(const bson_t* query, const UpdateDriver& driver,
                                    const ApplyContext& ctx) {
  // $expr says nothing about which values to insert: mongod leaves it out
  // (the update already parsed and ran it as part of the query).
  IgnoredExprExtensions ignore_expr;
  MatcherOptions options;
  options.extensions = &ignore_expr;
  auto matcher = Matcher::Parse(query, options);
  if (!matcher.ok()) return matcher.status();

  std::vector<Equality> equalities;
  CollectEqualities(matcher.value()->root(), &equalities);
  if (driver.is_replacement()) {
    // A replacement takes only `_id` from the query, which must name it whole.
    std::vector<Equality> id;
    for (const auto& eq : equalities) {
      if (IsPathPrefix("_id", eq.path)) {
        return Status(
            ErrorCodes::NotExactValueField,
            "field at '_id' must be exactly specified, field at sub-path '" + eq.path + "'found");
      }
      if (eq.path == "_id") id.push_back(eq);
    }
    equalities = std::move(id);
  }
  Status status = CheckConflicts(equalities);
  if (!status.ok()) return status;

  MValue root = MValue::EmptyDocument();
  for (const auto& eq : equalities) {
    status = SetAtPath(&root, eq.path, eq.value);
    if (!status.ok()) return status;
  }

  ApplyContext insert_ctx = ctx;
  insert_ctx.is_insert = true;
  ApplyState state;
  state.ctx = &insert_ctx;
  state.is_insert = true;
  state.root = &root;
  state.spec = driver.spec_;
  bool noop = true;
  status = driver.Run(&state, &noop);
  if (!status.ok()) return status;

  EnsureIdFirst(&root, true);
  status = ValidateDocument(root, true);
  if (!status.ok()) return status;
  Bson doc = Serialize(root);
  constexpr uint32_t kMaxUserSize = 16 * 1024 * 1024;
  if (doc.size() > kMaxUserSize) {
    return Status(17420, "Document to upsert is larger than " + std::to_string(kMaxUserSize));
  }
  return doc;
}

}  // namespace basalt::query
