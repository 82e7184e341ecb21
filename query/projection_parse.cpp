// Parsing a projection spec the way mongod's projection_ast::parseAndAnalyze
// does (src/mongo/db/query/projection_parser.cpp): element by element, with
// the checks in mongod's order, because which error a spec with several
// mistakes reports is part of the behaviour. The AST is then walked, as
// mongod's projection_executor_builder.cpp walks it, into the executor tree.

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>

#include "base/bson.h"
#include "query/numbers.h"
#include "query/projection_parser.h"
#include "query/spec_rules.h"

namespace basalt::query::projection_internal {

std::string JoinPath(const Path& path, size_t from) {
  std::string out;
  for (size_t i = from; i < path.size(); ++i) {
    if (i > from) out += '.';
    out += path[i];
  }
  return out;
}

namespace {

bool IsInclusionOrExclusionType(bson_type_t t) { return t == BSON_TYPE_BOOL || IsNumber(t); }

}  // namespace

Status Parser::AddNodeAtPath(AstNode* root, const Path& path, size_t i,
                             std::unique_ptr<AstNode> node) {
  AstNode* child = root->Child(path[i]);
  if (i + 1 == path.size()) {
    if (child != nullptr) return Status(31250, "Path collision at " + JoinPath(path));
    root->children.emplace_back(path[i], std::move(node));
    return Status::OK();
  }
  if (child == nullptr) {
    root->children.emplace_back(path[i], std::make_unique<AstNode>(AstNode::Kind::kPath));
    return AddNodeAtPath(root->children.back().second.get(), path, i + 1, std::move(node));
  }
  if (child->kind != AstNode::Kind::kPath) {
    // mongod prints FieldPath::tail(): the path less its first component.
    return Status(
        31249, "Path collision at " + JoinPath(path) + " remaining portion " + JoinPath(path, 1));
  }
  return AddNodeAtPath(child, path, i + 1, std::move(node));
}

AstNode* Parser::FindInnerNode(AstNode* root, const Path& path) {
  AstNode* node = root;
  for (const std::string& part : path) {
    node = node->Child(part);
    if (node == nullptr || node->kind != AstNode::Kind::kPath) return nullptr;
  }
  return node;
}

Status Parser::Run(const bson_t* spec) {
  bson_iter_t it;
  bson_iter_init(&it, spec);
  while (bson_iter_next(&it)) {
    const std::string_view name = KeyOf(&it);
    id_specified_ = id_specified_ || name == "_id" || name.substr(0, 4) == "_id.";
    Status st = ParseElement(&it, nullptr, &root_);
    if (!st.ok()) return st;
  }
  ComputeType();
  if (!id_specified_ && *inclusion_) {
    auto id = std::make_unique<AstNode>(AstNode::Kind::kBool);
    id->value = true;
    // Cannot collide: no element named _id or _id.*.
    root_.children.emplace_back("_id", std::move(id));
  }
  if (!*inclusion_ && id_specified_ && id_included_entirely_) {
    // {_id: 1, a: 0}: legal, and _id is kept anyway.
    auto& c = root_.children;
    c.erase(std::remove_if(c.begin(), c.end(), [](const auto& e) { return e.first == "_id"; }),
            c.end());
  }
  state_->inclusion = *inclusion_;
  Path path;
  Build(root_, &path);
  state_->positional = has_positional_;
  state_->identity = !state_->inclusion && state_->root.projected.empty() &&
                     state_->root.children.empty() && state_->replacements.empty();
  return Status::OK();
}

// mongod's computeProjectionType, for specs whose elements left the type
// open (only top-level _id, $slice, $elemMatch or nothing).
void Parser::ComputeType() {
  if (inclusion_) return;
  if (has_find_slice_) {
    inclusion_ = id_included_entirely_;
  } else if (has_elem_match_) {
    inclusion_ = true;
  } else {
    inclusion_ = id_included_entirely_;
  }
}

Status Parser::ParseElement(const bson_iter_t* elem, const Path* path_to_parent, AstNode* parent) {
  const std::string_view name = KeyOf(elem);
  const bool positional = name.size() >= 2 && name.substr(name.size() - 2) == ".$";
  if (name.find(".$.") != std::string_view::npos) {
    return Status(31394,
                  "As of 4.4, it's illegal to specify positional operator in the middle of a "
                  "path.Positional projection may only be used at the end, for example: a.b.$. "
                  "If the query previously used a form like a.b.$.d, remove the parts following "
                  "the '$' and the results will be equivalent.");
  }
  const bson_type_t type = bson_iter_type(elem);
  if (type == BSON_TYPE_DOCUMENT) {
    if (positional) {
      return Status(31271, "positional projection cannot be used with an expression or sub object");
    }
    return ParseSubObject(name, path_to_parent, elem, parent);
  }
  if (IsInclusionOrExclusionType(type)) {
    if (NumericTrueValue(elem)) return ParseInclusion(elem, parent);
    if (positional) return Status(31395, "positional projection cannot be used with exclusion");
    return ParseExclusion(elem, parent);
  }
  if (positional) return Status(31308, "positional projection cannot be used with a literal");
  return ParseLiteral(elem, parent);
}

Status Parser::ParseSubObject(std::string_view name, const Path* path_to_parent,
                              const bson_iter_t* obj, AstNode* parent) {
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(obj, &len, &data);
  const BsonView sub(data, len);
  if (bson_count_keys(sub.get()) == 0) {
    // mongod 5.0-7.0 word it so, without the path.
    return Status(51270,
                  "An empty sub-projection is not a valid value. Found empty object at path");
  }
  Path path;
  Status st = ValidateFieldPath(name, &path);
  if (!st.ok()) return st;

  bson_iter_t first;
  bson_iter_init(&first, sub.get());
  bson_iter_next(&first);
  const std::string_view first_name = KeyOf(&first);
  if (bson_count_keys(sub.get()) == 1 && !first_name.empty() && first_name[0] == '$') {
    StatusWith<bool> is_expression = ParseSubObjectAsExpression(path, obj, parent);
    if (!is_expression.ok()) return is_expression.status();
    if (is_expression.value()) return Status::OK();
    // Not an operator: fine if it is a field name FieldPath accepts ($id...).
    std::string_view as_path = first_name;
    if (as_path.size() >= 2 && as_path.substr(as_path.size() - 2) == ".$") {
      as_path.remove_suffix(2);
    }
    if (!ValidateFieldPath(as_path).ok()) {
      return Status(31325, "Unknown expression " + std::string(first_name));
    }
  }

  AstNode* node = FindInnerNode(parent, path);
  if (node == nullptr) {
    auto owned = std::make_unique<AstNode>(AstNode::Kind::kPath);
    node = owned.get();
    st = AddNodeAtPath(parent, path, 0, std::move(owned));
    if (!st.ok()) return st;
  }
  Path full = path_to_parent != nullptr ? *path_to_parent : Path();
  full.insert(full.end(), path.begin(), path.end());
  bson_iter_t it;
  bson_iter_init(&it, sub.get());
  while (bson_iter_next(&it)) {
    st = ParseElement(&it, &full, node);
    if (!st.ok()) return st;
  }
  return Status::OK();
}

Status Parser::ParseInclusion(const bson_iter_t* elem, AstNode* parent) {
  const std::string_view name = KeyOf(elem);
  const bool top_level_id = name == "_id" && parent == &root_;
  const bool positional = name.size() >= 2 && name.substr(name.size() - 2) == ".$";
  if (!positional) {
    Path path;
    Status st = ValidateFieldPath(name, &path);
    if (!st.ok()) return st;
    auto node = std::make_unique<AstNode>(AstNode::Kind::kBool);
    node->value = true;
    st = AddNodeAtPath(parent, path, 0, std::move(node));
    if (!st.ok()) return st;
    if (top_level_id) id_included_entirely_ = true;
  } else {
    if (has_positional_) {
      return Status(31276, "Cannot specify more than one positional projection per query.");
    }
    if (has_elem_match_) {
      return Status(31256, "Cannot specify positional operator and $elemMatch.");
    }
    // mongod's 51050 (no query) cannot happen: find always has a filter.
    if (name == ".$") {
      return Status(5392900, "Projection on field " + std::string(name) + " is invalid");
    }
    Path path;
    Status st = ValidateFieldPath(name.substr(0, name.size() - 2), &path);
    if (!st.ok()) return st;
    st = AddNodeAtPath(parent, path, 0, std::make_unique<AstNode>(AstNode::Kind::kPositional));
    if (!st.ok()) return st;
    has_positional_ = true;
  }
  if (!top_level_id) {
    if (inclusion_ && !*inclusion_) {
      return Status(
          31253, "Cannot do inclusion on field " + std::string(name) + " in exclusion projection");
    }
    inclusion_ = true;
  }
  return Status::OK();
}

Status Parser::ParseExclusion(const bson_iter_t* elem, AstNode* parent) {
  const std::string_view name = KeyOf(elem);
  Path path;
  Status st = ValidateFieldPath(name, &path);
  if (!st.ok()) return st;
  st = AddNodeAtPath(parent, path, 0, std::make_unique<AstNode>(AstNode::Kind::kBool));
  if (!st.ok()) return st;
  if (name == "_id" && parent == &root_) {
    id_excluded_entirely_ = true;
    return Status::OK();
  }
  if (inclusion_ && *inclusion_) {
    return Status(31254,
                  "Cannot do exclusion on field " + std::string(name) + " in inclusion projection");
  }
  inclusion_ = false;
  return Status::OK();
}

// {a: "x"}, {a: null}, {a: [1, 2]}: Expression::parseOperand, a computed field.
Status Parser::ParseLiteral(const bson_iter_t* elem, AstNode* parent) {
  if (!IsConstantOperand(elem, false)) {
    return NotSupported(BSON_ITER_HOLDS_UTF8(elem)
                            ? "the field path or variable " + std::string(Utf8Of(elem))
                            : "an array of expressions");
  }
  Path path;
  Status st = ValidateFieldPath(KeyOf(elem), &path);
  if (!st.ok()) return st;
  auto node = std::make_unique<AstNode>(AstNode::Kind::kComputed);
  node->computed = Constant(*elem);
  st = AddNodeAtPath(parent, path, 0, std::move(node));
  if (!st.ok()) return st;
  if (inclusion_ && !*inclusion_) {
    return Status(
        31310, "Cannot use an expression " + ElementString(elem) + " in an exclusion projection");
  }
  inclusion_ = true;
  return Status::OK();
}

// mongod's ProjectionExecutorVisitor over the AST, in pre-order.
void Parser::Build(const AstNode& node, Path* path) {
  for (const auto& [name, child] : node.children) {
    path->push_back(name);
    switch (child->kind) {
      case AstNode::Kind::kPath:
        Build(*child, path);
        break;
      case AstNode::Kind::kBool:
        // An inclusion projection leaves out an excluded _id by not naming it.
        if (!(state_->inclusion && !child->value && path->size() == 1 && name == "_id")) {
          state_->root.AddProjection(*path);
        }
        break;
      case AstNode::Kind::kComputed:
        state_->root.AddExpression(*path, child->computed);
        break;
      case AstNode::Kind::kSlice: {
        // In an exclusion the sliced field is kept anyway.
        if (state_->inclusion) state_->root.AddProjection(*path);
        Replacement r;
        r.kind = Replacement::Kind::kSlice;
        r.path = *path;
        r.skip = child->skip;
        r.limit = child->limit;
        state_->replacements.push_back(std::move(r));
        break;
      }
      case AstNode::Kind::kPositional: {
        state_->root.AddProjection(*path);
        Replacement r;
        r.kind = Replacement::Kind::kPositional;
        r.path = *path;
        state_->replacements.push_back(std::move(r));
        break;
      }
    }
    path->pop_back();
  }
}

StatusWith<std::shared_ptr<State>> ParseProjection(const bson_t* spec) {
  auto state = std::make_shared<State>();
  // Constants point into this copy, which lives as long as the state.
  state->spec_len = spec->len;
  state->spec_bytes = std::make_unique<uint8_t[]>(spec->len);
  std::memcpy(state->spec_bytes.get(), bson_get_data(spec), spec->len);
  const BsonView copy(state->spec_bytes.get(), state->spec_len);
  Parser parser(state.get());
  Status st = parser.Run(copy.get());
  if (!st.ok()) return st;
  return state;
}

}  // namespace basalt::query::projection_internal