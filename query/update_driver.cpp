// UpdateDriver: parsing of update documents and arrayFilters (mongod's
// UpdateDriver::parse, UpdateObjectNode::parseAndMerge and
// parsedUpdateArrayFilters) and application to one document.
#include <regex>
#include <set>
#include <string>

#include "base/bson_shell.h"
#include "query/match_leaf.h"
#include "query/numbers.h"
#include "query/update.h"
#include "query/update_internal.h"

namespace basalt::query {

using namespace update_internal;

namespace {

// BSONObjMaxUserSize.
constexpr uint32_t kMaxUserSize = 16 * 1024 * 1024;

using FilterMap = std::map<std::string, const ArrayFilter*>;

std::optional<Op> LookupModifier(std::string_view name) {
  static const std::pair<const char*, Op> kModifiers[] = {
      {"$addToSet", Op::kAddToSet},
      {"$bit", Op::kBit},
      {"$currentDate", Op::kCurrentDate},
      {"$inc", Op::kInc},
      {"$max", Op::kMax},
      {"$min", Op::kMin},
      {"$mul", Op::kMul},
      {"$pop", Op::kPop},
      {"$pull", Op::kPull},
      {"$pullAll", Op::kPullAll},
      {"$push", Op::kPush},
      {"$rename", Op::kRename},
      {"$set", Op::kSet},
      {"$setOnInsert", Op::kSetOnInsert},
      {"$unset", Op::kUnset},
  };
  for (const auto& [n, op] : kModifiers) {
    if (name == n) return op;
  }
  return std::nullopt;
}

bool IsArrayFilterIdentifier(std::string_view part) {
  return part.size() >= 3 && part[0] == '$' && part[1] == '[' && part.back() == ']';
}

NodePtr GetChild(const UpdateNode* node, const std::string& name) {
  if (node->kind() == UpdateNode::Kind::kObject) {
    return static_cast<const UpdateObjectNode*>(node)->GetChild(name);
  }
  const auto& children = static_cast<const UpdateArrayNode*>(node)->children;
  auto it = children.find(name);
  return it == children.end() ? nullptr : it->second;
}

void SetChild(UpdateNode* node, const std::string& name, NodePtr child, const FilterMap& filters) {
  if (node->kind() == UpdateNode::Kind::kObject) {
    static_cast<UpdateObjectNode*>(node)->SetChild(name, std::move(child));
    return;
  }
  auto* array = static_cast<UpdateArrayNode*>(node);
  array->children.emplace(name, std::move(child));
  if (!name.empty()) array->filters[name] = filters.at(name);
}

// The identifier of a "$[<identifier>]" path part ("" for "$[]").
StatusWith<std::string> ParseIdentifier(const std::string& part, size_t position,
                                        const std::string& dotted, const FilterMap& filters,
                                        std::set<std::string>* found) {
  if (position == 0) {
    return Status(ErrorCodes::BadValue,
                  "Cannot have array filter identifier (i.e. '$[<id>]') element in the first "
                  "position in path '" +
                      dotted + "'");
  }
  std::string identifier = part.substr(2, part.size() - 3);
  if (!identifier.empty() && filters.find(identifier) == filters.end()) {
    return Status(ErrorCodes::BadValue, "No array filter found for identifier '" + identifier +
                                            "' in path '" + dotted + "'");
  }
  if (!identifier.empty()) found->insert(identifier);
  return identifier;
}

// UpdateObjectNode::parseAndMerge: adds the operator `op` on `field` to the
// tree. Returns whether its path has a positional "$".
StatusWith<bool> ParseAndMerge(UpdateObjectNode* root, Op op, const bson_iter_t& field,
                               const FilterMap& filters, std::set<std::string>* found) {
  std::string dotted;
  if (op == Op::kRename) {
    // The source path gets a placeholder, so that other operators on it conflict.
    auto placeholder = ParseAndMerge(root, Op::kConflictPlaceholder, field, filters, found);
    if (!placeholder.ok()) return placeholder.status();
    if (!BSON_ITER_HOLDS_UTF8(&field)) {
      return Status(ErrorCodes::BadValue,
                    "The 'to' field for $rename must be a string: " + ElementString(&field));
    }
    dotted = std::string(Utf8Of(&field));
  } else {
    dotted.assign(bson_iter_key(&field), bson_iter_key_len(&field));
  }
  if (dotted.empty())
    return Status(ErrorCodes::EmptyFieldName, "An empty update path is not valid.");
  const std::vector<std::string> parts = SplitPath(dotted);
  size_t positional_count = 0, positional_index = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].empty()) {
      return Status(
          ErrorCodes::EmptyFieldName,
          "The update path '" + dotted + "' contains an empty field name, which is not allowed.");
    }
    if (parts[i] == "$" && positional_count++ == 0) positional_index = i;
  }
  if (positional_count > 1) {
    return Status(ErrorCodes::BadValue,
                  "Too many positional (i.e. '$') elements found in path '" + dotted + "'");
  }
  if (positional_count == 1 && positional_index == 0) {
    return Status(
        ErrorCodes::BadValue,
        "Cannot have positional (i.e. '$') element in the first position in path '" + dotted + "'");
  }
  auto leaf = MakeFieldOpNode(op, field);
  if (!leaf.ok()) return leaf.status();

  UpdateNode* current = root;
  auto conflict = [&](size_t upto) {
    std::vector<std::string> prefix(parts.begin(), parts.begin() + upto);
    return Status(
        ErrorCodes::ConflictingUpdateOperators,
        "Updating the path '" + dotted + "' would create a conflict at '" + JoinPath(prefix) + "'");
  };
  for (size_t i = 0; i < parts.size(); ++i) {
    std::string name = parts[i];
    if (IsArrayFilterIdentifier(parts[i])) {
      auto identifier = ParseIdentifier(parts[i], i, dotted, filters, found);
      if (!identifier.ok()) return identifier.status();
      name = identifier.value();
    }
    NodePtr child = GetChild(current, name);
    if (i + 1 == parts.size()) {
      if (child) return conflict(parts.size());
      SetChild(current, name, leaf.value(), filters);
      break;
    }
    const bool array_child = IsArrayFilterIdentifier(parts[i + 1]);
    const auto kind = array_child ? UpdateNode::Kind::kArray : UpdateNode::Kind::kObject;
    if (child && child->kind() != kind) return conflict(i + 1);
    if (!child) {
      child = array_child ? NodePtr(std::make_shared<UpdateArrayNode>())
                          : NodePtr(std::make_shared<UpdateObjectNode>());
      SetChild(current, name, child, filters);
    }
    current = child.get();
  }
  return positional_count > 0;
}

bool IsLogical(MatchType type) {
  return type == MatchType::kAnd || type == MatchType::kOr || type == MatchType::kNor ||
         type == MatchType::kNot;
}

bool HasPath(MatchType type) {
  switch (type) {
    case MatchType::kEq:
    case MatchType::kLt:
    case MatchType::kLte:
    case MatchType::kGt:
    case MatchType::kGte:
    case MatchType::kRegex:
    case MatchType::kMod:
    case MatchType::kExists:
    case MatchType::kIn:
    case MatchType::kType:
    case MatchType::kSize:
    case MatchType::kElemMatchObject:
    case MatchType::kElemMatchValue:
    case MatchType::kBitsAllSet:
    case MatchType::kBitsAllClear:
    case MatchType::kBitsAnySet:
    case MatchType::kBitsAnyClear:
      return true;
    default:
      return false;
  }
}

// ExpressionWithPlaceholder's parseTopLevelFieldName.
StatusWith<std::optional<std::string>> TopLevelFieldName(const MatchExpression& expr) {
  if (HasPath(expr.type())) {
    const std::string& path = expr.path();
    return std::optional<std::string>(path.substr(0, path.find('.')));
  }
  if (!IsLogical(expr.type())) return std::optional<std::string>();
  std::optional<std::string> placeholder;
  for (size_t i = 0; i < expr.NumChildren(); ++i) {
    auto child = TopLevelFieldName(*expr.Child(i));
    if (!child.ok()) return child.status();
    if (!placeholder) {
      placeholder = child.value();
      continue;
    }
    if (child.value() && *placeholder != *child.value()) {
      return Status(ErrorCodes::FailedToParse, "Expected a single top-level field name, found '" +
                                                   *placeholder + "' and '" + *child.value() + "'");
    }
  }
  return placeholder;
}

Status WithContext(const Status& status) {
  return Status(status.code(), "Error parsing array filter :: caused by :: " + status.reason());
}

StatusWith<std::unique_ptr<ArrayFilter>> ParseArrayFilter(const bson_t* raw) {
  auto matcher = Matcher::Parse(raw, MatcherOptions::BanAllSpecialFeatures());
  if (!matcher.ok()) return WithContext(matcher.status());
  auto name = TopLevelFieldName(matcher.value()->root());
  if (!name.ok()) return WithContext(name.status());
  if (!name.value()) {
    return Status(ErrorCodes::FailedToParse,
                  "Cannot use an expression without a top-level field name in arrayFilters");
  }
  static const std::regex kPlaceholder("^[a-z][a-zA-Z0-9]*$");
  if (!std::regex_match(*name.value(), kPlaceholder)) {
    return WithContext(Status(ErrorCodes::BadValue,
                              "The top-level field name must be an alphanumeric string beginning "
                              "with a lowercase letter, found '" +
                                  *name.value() + "'"));
  }
  auto filter = std::make_unique<ArrayFilter>();
  filter->placeholder = *name.value();
  filter->matcher = std::move(matcher).value();
  return filter;
}

}  // namespace

UpdateDriver::UpdateDriver() = default;
UpdateDriver::~UpdateDriver() = default;

StatusWith<std::unique_ptr<UpdateDriver>> UpdateDriver::ParseElement(const bson_iter_t* u,
                                                                     const UpdateOptions& options) {
  if (BSON_ITER_HOLDS_DOCUMENT(u)) {
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_document(u, &len, &data);
    BsonView doc(data, len);
    return Parse(doc.get(), options);
  }
  if (BSON_ITER_HOLDS_ARRAY(u)) {
    // As mongod: the arrayFilters are parsed first, and a pipeline takes none.
    for (const bson_t* raw : options.array_filters) {
      auto filter = ParseArrayFilter(raw);
      if (!filter.ok()) return filter.status();
    }
    if (!options.array_filters.empty()) {
      return Status(ErrorCodes::FailedToParse,
                    "arrayFilters may not be specified for pipeline-style updates");
    }
    uint32_t len = 0;
    const uint8_t* data = nullptr;
    bson_iter_array(u, &len, &data);
    BsonView stages(data, len);
    std::unique_ptr<UpdateDriver> driver(new UpdateDriver());
    driver->spec_ = std::make_shared<const Bson>(Bson::Copy(stages.get()));
    driver->type_ = Type::kPipeline;
    auto pipeline = UpdatePipeline::Parse(stages.get(), options);
    if (!pipeline.ok()) return pipeline.status();
    driver->pipeline_ = std::move(pipeline.value());
    return driver;
  }
  return Status(ErrorCodes::FailedToParse, "Update argument must be either an object or an array");
}

StatusWith<std::unique_ptr<UpdateDriver>> UpdateDriver::Parse(const bson_t* update,
                                                              const UpdateOptions& options) {
  std::unique_ptr<UpdateDriver> driver(new UpdateDriver());
  driver->spec_ = std::make_shared<const Bson>(Bson::Copy(update));
  // arrayFilters are parsed first, as mongod's ParsedUpdate does.
  FilterMap filters;
  for (const bson_t* raw : options.array_filters) {
    auto filter = ParseArrayFilter(raw);
    if (!filter.ok()) return filter.status();
    const std::string& name = filter.value()->placeholder;
    if (filters.count(name)) {
      return Status(ErrorCodes::FailedToParse,
                    "Found multiple array filters with the same top-level field name " + name);
    }
    filters[name] = filter.value().get();
    driver->array_filters_.push_back(std::move(filter).value());
  }
  if (options.constants) {
    return Status(51198, "Constant values may only be specified for pipeline updates");
  }

  bson_iter_t it;
  bson_iter_init(&it, driver->spec_->get());
  // A document whose first field does not start with '$' (or an empty one) replaces.
  if (!bson_iter_next(&it) || bson_iter_key(&it)[0] != '$') {
    if (options.multi) {
      return Status(ErrorCodes::FailedToParse,
                    "multi update is not supported for replacement-style update");
    }
    driver->type_ = Type::kReplacement;
    return driver;
  }
  driver->root_ = std::make_unique<UpdateObjectNode>();
  std::set<std::string> found;
  bson_iter_init(&it, driver->spec_->get());
  while (bson_iter_next(&it)) {
    const std::string_view name(bson_iter_key(&it), bson_iter_key_len(&it));
    const auto op = LookupModifier(name);
    if (!op) {
      return Status(ErrorCodes::FailedToParse,
                    "Unknown modifier: " + std::string(name) +
                        ". Expected a valid update modifier or pipeline-style update specified "
                        "as an array");
    }
    if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
      return Status(ErrorCodes::FailedToParse,
                    "Modifiers operate on fields but we found type " +
                        std::string(TypeName(bson_iter_type(&it))) +
                        " instead. For example: {$mod: {<field>: ...}} not {" + ElementString(&it) +
                        "}");
    }
    bson_iter_t field;
    bson_iter_recurse(&it, &field);
    while (bson_iter_next(&field)) {
      auto positional = ParseAndMerge(driver->root_.get(), *op, field, filters, &found);
      if (!positional.ok()) return positional.status();
      driver->positional_ = driver->positional_ || positional.value();
    }
  }
  for (const auto& [name, filter] : filters) {
    if (!found.count(name)) {
      return Status(ErrorCodes::FailedToParse, "The array filter for identifier '" + name +
                                                   "' was not used in the update " +
                                                   ShellString(driver->spec_->get()));
    }
  }
  return driver;
}

Status UpdateDriver::Run(ApplyState* state, bool* noop) const {
  if (type_ == Type::kReplacement) return ApplyReplacement(spec_->get(), state, noop);
  if (type_ == Type::kPipeline) return pipeline_->Apply(state, noop);
  Cursor cursor;
  cursor.frames.push_back({state->root, ""});
  return root_->Apply(state, &cursor, noop);
}

StatusWith<UpdateResult> UpdateDriver::Apply(const bson_t* doc, const MatchDetails* match,
                                             const ApplyContext& ctx) const {
  MValue root = DocumentRoot(doc, nullptr);
  ApplyState state;
  state.ctx = &ctx;
  state.is_insert = ctx.is_insert;
  state.root = &root;
  state.spec = spec_;
  if (match && match->has_elem_match_key()) state.matched_field = match->elem_match_key();
  bool noop = true;
  Status status = Run(&state, &noop);
  if (!status.ok()) return status;
  UpdateResult result;
  result.modified = !noop;
  if (noop) {
    result.doc = Bson::Copy(doc);
    return result;
  }
  EnsureIdFirst(&root, false);
  result.doc = Serialize(root);
  if (result.doc.size() > kMaxUserSize) {
    return Status(17419,
                  "Resulting document after update is larger than " + std::to_string(kMaxUserSize));
  }
  return result;
}

NodePtr UpdateObjectNode::GetChild(const std::string& name) const {
  if (name == "$") return positional;
  auto it = children.find(name);
  return it == children.end() ? nullptr : it->second;
}

void UpdateObjectNode::SetChild(const std::string& name, NodePtr child) {
  if (name == "$") {
    positional = std::move(child);
  } else {
    children.emplace(name, std::move(child));
  }
}

}  // namespace basalt::query
