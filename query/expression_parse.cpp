// The expression parser's structure, as mongod's Expression::parseOperand /
// parseObject / parseExpression, and the expressions every operator builds
// on: constants, field paths and variables, object and array literals, and
// the generic n-ary operator.

#include <cstring>
#include <string>
#include <unordered_map>

#include "base/bson_shell.h"
#include "query/accumulator.h"
#include "query/expression.h"
#include "query/spec_rules.h"

namespace basalt::query {
namespace {

bool IsAsciiLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsAsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNonAscii(char c) { return (static_cast<unsigned char>(c) & 0x80) != 0; }

Status ValidateName(std::string_view name, bool (*prefix_ok)(char)) {
  if (name.empty()) return Status(16866, "empty variable names are not allowed");
  if (!prefix_ok(name[0])) {
    return Status(16867, "'" + std::string(name) +
                             "' starts with an invalid character for a user variable name");
  }
  for (size_t i = 1; i < name.size(); ++i) {
    char c = name[i];
    if (!(IsAsciiLower(c) || IsAsciiUpper(c) || IsAsciiDigit(c) || c == '_' || IsNonAscii(c))) {
      return Status(16868, "'" + std::string(name) +
                               "' contains an invalid character for a variable name: '" +
                               std::string(1, c) + "'");
    }
  }
  return Status::OK();
}

// mongod's Variables::kBuiltinVarNameToId, with CURRENT as ROOT.
std::optional<VariableId> BuiltinVariable(std::string_view name) {
  if (name == "ROOT" || name == "CURRENT") return kRootId;
  if (name == "REMOVE") return kRemoveId;
  if (name == "NOW") return kNowId;
  if (name == "CLUSTER_TIME") return kClusterTimeId;
  return std::nullopt;
}

// "$a.b" (on CURRENT) or "$$var.a.b".
class FieldPathExpression : public Expression {
 public:
  FieldPathExpression(VariableId var, std::vector<std::string> parts, std::string dotted)
      : var_(var), parts_(std::move(parts)), dotted_(std::move(dotted)) {}

  StatusWith<Value> Evaluate(EvalContext& ctx) const override {
    if (var_ == kRemoveId) return Value();
    if (var_ == kClusterTimeId) {
      return Status(10071, "Builtin variable '$$CLUSTER_TIME' is not available");
    }
    if (parts_.size() == 1) {
      if (var_ == kRootId) return Value::Document(Bson::Copy(ctx.root));
      return ctx.vars->Get(var_);
    }
    if (var_ == kRootId) return EvaluatePath(ctx.root, parts_, 1);
    return EvaluatePath(ctx.vars->Get(var_), parts_, 1);
  }
  bool Foldable() const override { return false; }
  bool ReadsRoot() const override { return var_ == kRootId; }
  const std::string* current_field_path() const override {
    return var_ == kRootId && parts_.size() > 1 && parts_[0] == "CURRENT" ? &dotted_ : nullptr;
  }

 private:
  VariableId var_;
  std::vector<std::string> parts_;  // parts_[0] names the variable
  std::string dotted_;              // the path after the variable
};

class ObjectExpression : public Expression {
 public:
  void Add(std::string name, ExpressionPtr e) {
    names_.push_back(std::move(name));
    children_.push_back(std::move(e));
  }
  StatusWith<Value> Evaluate(EvalContext& ctx) const override {
    Bson out;
    for (size_t i = 0; i < children_.size(); ++i) {
      BASALT_EVAL(v, children_[i]->Evaluate(ctx));
      v.AppendTo(out.get(), names_[i]);
    }
    return Value::Document(std::move(out));
  }

 private:
  std::vector<std::string> names_;
};

class ArrayExpression : public Expression {
 public:
  explicit ArrayExpression(std::vector<ExpressionPtr> elements) { children_ = std::move(elements); }
  StatusWith<Value> Evaluate(EvalContext& ctx) const override {
    std::vector<Value> out;
    out.reserve(children_.size());
    for (const auto& child : children_) {
      BASALT_EVAL(v, child->Evaluate(ctx));
      out.push_back(v.missing() ? Value::Null() : std::move(v));
    }
    return Value::Array(std::move(out));
  }
};

class NaryExpression : public Expression {
 public:
  NaryExpression(std::string_view name, std::vector<ExpressionPtr> args, NaryFunction fn,
                 bool foldable)
      : name_(name), fn_(fn), foldable_(foldable) {
    children_ = std::move(args);
  }
  StatusWith<Value> Evaluate(EvalContext& ctx) const override {
    return fn_(Args(name_, children_, ctx));
  }
  bool Foldable() const override { return foldable_; }

 private:
  std::string_view name_;  // points into a static operator table
  NaryFunction fn_;
  bool foldable_;
};

const std::unordered_map<std::string_view, OperatorParser>& OperatorMap() {
  static const auto* map = [] {
    auto* m = new std::unordered_map<std::string_view, OperatorParser>();
    for (auto table : {CoreOperators, ArithmeticOperators, StringOperators, ArrayOperators,
                       TypeOperators, DateOperators, ObjectOperators,
                       AccumulatorExpressionOperators, NAccumulatorExpressionOperators}) {
      for (const OperatorEntry& e : table()) m->emplace(e.name, e.parse);
    }
    return m;
  }();
  return *map;
}

// mongod's FieldPath::uassertValidFieldName, for object literal field names.
Status ValidateFieldName(std::string_view name) {
  if (name.empty()) return Status(15998, "FieldPath field names may not be empty strings.");
  if (name[0] == '$' && name != "$id" && name != "$ref" && name != "$db") {
    return Status(16410,
                  "FieldPath field names may not start with '$'. Consider using $getField or "
                  "$setField.");
  }
  if (name.find('\0') != std::string_view::npos) {
    return Status(16411, "FieldPath field names may not contain '");
  }
  if (name.find('.') != std::string_view::npos) {
    return Status(16412,
                  "FieldPath field names may not contain '.'. Consider using $getField or "
                  "$setField.");
  }
  return Status::OK();
}

Value PathInArray(const std::vector<Value>& array, const std::vector<std::string>& parts,
                  size_t from) {
  std::vector<Value> out;
  for (const Value& e : array) {
    if (!e.IsDocument()) continue;
    Value nested = EvaluatePath(e.doc(), parts, from);
    if (!nested.missing()) out.push_back(std::move(nested));
  }
  return Value::Array(std::move(out));
}

// The path inside the document `it` recursed into.
Value PathFromIter(bson_iter_t* children, const std::vector<std::string>& parts, size_t from) {
  const std::string& name = parts[from];
  if (!bson_iter_find_w_len(children, name.data(), static_cast<int>(name.size()))) {
    return Value();
  }
  if (from + 1 == parts.size()) return Value::FromIter(children);
  if (BSON_ITER_HOLDS_DOCUMENT(children)) {
    bson_iter_t sub;
    bson_iter_recurse(children, &sub);
    return PathFromIter(&sub, parts, from + 1);
  }
  if (BSON_ITER_HOLDS_ARRAY(children)) {
    std::vector<Value> out;
    bson_iter_t elements;
    bson_iter_recurse(children, &elements);
    while (bson_iter_next(&elements)) {
      if (!BSON_ITER_HOLDS_DOCUMENT(&elements)) continue;
      bson_iter_t sub;
      bson_iter_recurse(&elements, &sub);
      Value nested = PathFromIter(&sub, parts, from + 1);
      if (!nested.missing()) out.push_back(std::move(nested));
    }
    return Value::Array(std::move(out));
  }
  return Value();
}

}  // namespace

Variables::Variables() : values_(kFirstUserId) {}

void Variables::Set(VariableId id, Value v) {
  if (static_cast<size_t>(id) >= values_.size()) values_.resize(id + 1);
  values_[id] = std::move(v);
}

const Value& Variables::Get(VariableId id) const {
  static const Value missing{};
  if (static_cast<size_t>(id) >= values_.size()) return missing;
  return values_[id];
}

VariablesParseState::VariablesParseState() : next_id_(std::make_shared<VariableId>(kFirstUserId)) {}

VariableId VariablesParseState::Define(const std::string& name) {
  VariableId id = (*next_id_)++;
  defined_.emplace_back(name, id);
  return id;
}

StatusWith<VariableId> VariablesParseState::Get(std::string_view name) const {
  for (auto it = defined_.rbegin(); it != defined_.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  if (auto builtin = BuiltinVariable(name)) return *builtin;
  return Status(17276, "Use of undefined variable: " + std::string(name));
}

Status ValidateVariableNameForWrite(std::string_view name) {
  return ValidateName(name, [](char c) { return IsAsciiLower(c) || IsNonAscii(c); });
}

Status ValidateVariableNameForRead(std::string_view name) {
  return ValidateName(name,
                      [](char c) { return IsAsciiLower(c) || IsAsciiUpper(c) || IsNonAscii(c); });
}

StatusWith<ExpressionPtr> ParseFieldPathExpression(std::string_view raw,
                                                   const VariablesParseState& vps) {
  if (raw.empty() || raw[0] != '$') {
    return Status(16873, "FieldPath '" + std::string(raw) + "' doesn't start with $");
  }
  if (raw.size() < 2) return Status(16872, "'$' by itself is not a valid FieldPath");
  std::string full;
  VariableId var = kRootId;
  if (raw[1] == '$') {
    std::string_view path = raw.substr(2);
    std::string_view name = path.substr(0, path.find('.'));
    if (Status s = ValidateVariableNameForRead(name); !s.ok()) return s;
    auto id = vps.Get(name);
    if (!id.ok()) return id.status();
    var = id.value();
    full = std::string(path);
  } else {
    full = "CURRENT." + std::string(raw.substr(1));
  }
  std::vector<std::string> parts;
  if (Status s = ValidateFieldPath(full, &parts); !s.ok()) return s;
  std::string dotted = full.find('.') == std::string::npos ? "" : full.substr(full.find('.') + 1);
  return ExpressionPtr(std::make_unique<FieldPathExpression>(var, std::move(parts), dotted));
}

StatusWith<ExpressionPtr> ParseObjectExpression(const bson_t* obj, const VariablesParseState& vps) {
  bson_iter_t it;
  bson_iter_init(&it, obj);
  if (!bson_iter_next(&it)) return ExpressionPtr(std::make_unique<ObjectExpression>());
  std::string_view first = KeyOf(&it);
  if (!first.empty() && first[0] == '$') {
    if (bson_count_keys(obj) != 1) {
      return Status(15983, "An object representing an expression must have exactly one field: " +
                               ShellString(obj));
    }
    auto found = OperatorMap().find(first);
    if (found == OperatorMap().end()) {
      return Status(ErrorCodes::InvalidPipelineOperator,
                    "Unrecognized expression '" + std::string(first) + "'");
    }
    return found->second(found->first, &it, vps);
  }
  auto out = std::make_unique<ObjectExpression>();
  std::vector<std::string_view> seen;
  bson_iter_init(&it, obj);
  while (bson_iter_next(&it)) {
    std::string_view name = KeyOf(&it);
    if (Status s = ValidateFieldName(name); !s.ok()) return s;
    for (std::string_view prior : seen) {
      if (prior == name) {
        return Status(16406,
                      "duplicate field name specified in object literal: " + ShellString(obj));
      }
    }
    seen.push_back(name);
    auto child = ParseOperand(&it, vps);
    if (!child.ok()) return child.status();
    out->Add(std::string(name), std::move(child.value()));
  }
  return ExpressionPtr(std::move(out));
}

StatusWith<ExpressionPtr> ParseOperand(const bson_iter_t* elem, const VariablesParseState& vps) {
  switch (bson_iter_type(elem)) {
    case BSON_TYPE_UTF8: {
      std::string_view s = Utf8Of(elem);
      if (!s.empty() && s[0] == '$') return ParseFieldPathExpression(s, vps);
      break;
    }
    case BSON_TYPE_DOCUMENT: {
      uint32_t len = 0;
      const uint8_t* data = nullptr;
      bson_iter_document(elem, &len, &data);
      BsonView obj(data, len);
      return ParseObjectExpression(obj.get(), vps);
    }
    case BSON_TYPE_ARRAY: {
      std::vector<ExpressionPtr> elements;
      bson_iter_t child;
      bson_iter_recurse(elem, &child);
      while (bson_iter_next(&child)) {
        auto e = ParseOperand(&child, vps);
        if (!e.ok()) return e.status();
        elements.push_back(std::move(e.value()));
      }
      return ExpressionPtr(std::make_unique<ArrayExpression>(std::move(elements)));
    }
    default:
      break;
  }
  return ExpressionPtr(std::make_unique<ConstantExpression>(Value::FromIter(elem)));
}

StatusWith<std::vector<ExpressionPtr>> ParseArguments(const bson_iter_t* elem,
                                                      const VariablesParseState& vps) {
  std::vector<ExpressionPtr> out;
  if (BSON_ITER_HOLDS_ARRAY(elem)) {
    bson_iter_t child;
    bson_iter_recurse(elem, &child);
    while (bson_iter_next(&child)) {
      auto e = ParseOperand(&child, vps);
      if (!e.ok()) return e.status();
      out.push_back(std::move(e.value()));
    }
  } else {
    auto e = ParseOperand(elem, vps);
    if (!e.ok()) return e.status();
    out.push_back(std::move(e.value()));
  }
  return out;
}

StatusWith<ExpressionPtr> MakeNary(std::string_view name, const bson_iter_t* arg,
                                   const VariablesParseState& vps, int min_args, int max_args,
                                   NaryFunction fn, bool foldable) {
  auto args = ParseArguments(arg, vps);
  if (!args.ok()) return args.status();
  const int n = static_cast<int>(args.value().size());
  const std::string op(name);
  if (min_args == max_args && n != min_args) {
    return Status(16020, "Expression " + op + " takes exactly " + std::to_string(min_args) +
                             " arguments. " + std::to_string(n) + " were passed in.");
  }
  if (max_args >= 0 && (n < min_args || n > max_args)) {
    return Status(28667, "Expression " + op + " takes at least " + std::to_string(min_args) +
                             " arguments, and at most " + std::to_string(max_args) + ", but " +
                             std::to_string(n) + " were passed in.");
  }
  if (max_args < 0 && n < min_args) {
    return Status(16020, "Expression " + op + " takes at least " + std::to_string(min_args) +
                             " arguments. " + std::to_string(n) + " were passed in.");
  }
  return ExpressionPtr(
      std::make_unique<NaryExpression>(name, std::move(args.value()), fn, foldable));
}

Status ParseNamedArgs(const bson_iter_t* arg, const std::vector<std::string_view>& names,
                      const VariablesParseState& vps, std::vector<ExpressionPtr>* out,
                      Status (*unknown)(std::string_view op, std::string_view field),
                      std::string_view op) {
  out->clear();
  out->resize(names.size());
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    std::string_view field = KeyOf(&it);
    size_t i = 0;
    while (i < names.size() && names[i] != field) ++i;
    if (i == names.size()) return unknown(op, field);
    auto e = ParseOperand(&it, vps);
    if (!e.ok()) return e.status();
    (*out)[i] = std::move(e.value());
  }
  return Status::OK();
}

Status Optimize(ExpressionPtr* expr) {
  Expression* e = expr->get();
  if (e == nullptr || e->constant() != nullptr) return Status::OK();
  bool all_constant = true;
  for (ExpressionPtr& child : e->children()) {
    if (child == nullptr) continue;
    if (Status s = Optimize(&child); !s.ok()) return s;
    if (child->constant() == nullptr) all_constant = false;
  }
  if (!all_constant || !e->Foldable()) return Status::OK();
  Variables vars;
  Bson empty;
  EvalContext ctx{empty.get(), &vars};
  auto v = e->Evaluate(ctx);
  if (!v.ok()) return v.status();
  *expr = std::make_unique<ConstantExpression>(std::move(v.value()));
  return Status::OK();
}

StatusWith<ExpressionPtr> ParseAndOptimize(const bson_iter_t* elem,
                                           const VariablesParseState& vps) {
  auto e = ParseOperand(elem, vps);
  if (!e.ok()) return e;
  if (Status s = Optimize(&e.value()); !s.ok()) return s;
  return e;
}

Value EvaluatePath(const bson_t* doc, const std::vector<std::string>& parts, size_t from) {
  bson_iter_t it;
  if (from >= parts.size() || !bson_iter_init(&it, doc)) return Value();
  return PathFromIter(&it, parts, from);
}

Value EvaluatePath(const Value& v, const std::vector<std::string>& parts, size_t from) {
  if (v.IsDocument()) return EvaluatePath(v.doc(), parts, from);
  if (v.IsArray()) return PathInArray(v.array(), parts, from);
  return Value();
}

}  // namespace basalt::query
