// $literal, $let, the conditionals ($cond, $ifNull, $switch), the boolean
// operators and comparisons, and $rand.

#include <random>

#include "query/expression.h"

namespace basalt::query {
namespace {

StatusWith<ExpressionPtr> ParseLiteral(std::string_view, const bson_iter_t* arg,
                                       const VariablesParseState&) {
  return ExpressionPtr(std::make_unique<ConstantExpression>(Value::FromIter(arg)));
}

// {$let: {vars: {...}, in: ...}}: the vars see only the outer scope.
class LetExpression : public Expression {
 public:
  std::vector<VariableId> ids;  // children_[i] computes ids[i]; the last child is `in`
  StatusWith<Value> Evaluate(EvalContext& ctx) const override {
    for (size_t i = 0; i < ids.size(); ++i) {
      BASALT_EVAL(v, children_[i]->Evaluate(ctx));
      ctx.vars->Set(ids[i], std::move(v));
    }
    return children_.back()->Evaluate(ctx);
  }
  bool Foldable() const override { return false; }
  void Add(ExpressionPtr e) { children_.push_back(std::move(e)); }
};

StatusWith<ExpressionPtr> ParseLet(std::string_view, const bson_iter_t* arg,
                                   const VariablesParseState& vps) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(16874, "$let only supports an object as its argument");
  }
  std::optional<bson_iter_t> vars, in;
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    std::string_view field = KeyOf(&it);
    if (field == "vars") {
      vars = it;
    } else if (field == "in") {
      in = it;
    } else {
      return Status(16875, "Unrecognized parameter to $let: " + std::string(field));
    }
  }
  if (!vars) return Status(16876, "Missing 'vars' parameter to $let");
  if (!in) return Status(16877, "Missing 'in' parameter to $let");
  if (!BSON_ITER_HOLDS_DOCUMENT(&*vars)) {
    return Status(10065, "invalid parameter: expected an object (vars)");
  }
  auto let = std::make_unique<LetExpression>();
  VariablesParseState sub = vps;
  bson_iter_t v;
  bson_iter_recurse(&*vars, &v);
  while (bson_iter_next(&v)) {
    auto e = ParseOperand(&v, vps);
    if (!e.ok()) return e.status();
    let->Add(std::move(e.value()));
  }
  bson_iter_recurse(&*vars, &v);
  while (bson_iter_next(&v)) {
    std::string name(KeyOf(&v));
    if (Status s = ValidateVariableNameForWrite(name); !s.ok()) return s;
    let->ids.push_back(sub.Define(name));
  }
  auto body = ParseOperand(&*in, sub);
  if (!body.ok()) return body.status();
  let->Add(std::move(body.value()));
  return ExpressionPtr(std::move(let));
}

StatusWith<Value> CondFn(const Args& args) {
  BASALT_EVAL(cond, args[0]);
  return args[cond.CoerceToBool() ? 1 : 2];
}

StatusWith<ExpressionPtr> ParseCond(std::string_view name, const bson_iter_t* arg,
                                    const VariablesParseState& vps) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) return MakeNary(name, arg, vps, 3, 3, CondFn);
  ExpressionPtr parts[3];
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    std::string_view field = KeyOf(&it);
    int slot = field == "if" ? 0 : field == "then" ? 1 : field == "else" ? 2 : -1;
    if (slot < 0) return Status(17083, "Unrecognized parameter to $cond: " + std::string(field));
    auto e = ParseOperand(&it, vps);
    if (!e.ok()) return e.status();
    parts[slot] = std::move(e.value());
  }
  if (!parts[0]) return Status(17080, "Missing 'if' parameter to $cond");
  if (!parts[1]) return Status(17081, "Missing 'then' parameter to $cond");
  if (!parts[2]) return Status(17082, "Missing 'else' parameter to $cond");
  auto cond = std::make_unique<NamedArgsExpression>(
      "$cond", [](const NamedArgsExpression& self, EvalContext& ctx) -> StatusWith<Value> {
        BASALT_EVAL(c, self.arg(0)->Evaluate(ctx));
        return self.arg(c.CoerceToBool() ? 1 : 2)->Evaluate(ctx);
      });
  for (auto& p : parts) cond->Add(std::move(p));
  return ExpressionPtr(std::move(cond));
}

StatusWith<Value> IfNullFn(const Args& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    BASALT_EVAL(v, args[i]);
    if (!v.nullish() || i + 1 == args.size()) return v;
  }
  return Value();
}

StatusWith<ExpressionPtr> ParseIfNull(std::string_view name, const bson_iter_t* arg,
                                      const VariablesParseState& vps) {
  auto args = ParseArguments(arg, vps);
  if (!args.ok()) return args.status();
  if (args.value().size() < 2) {
    return Status(1257300, "$ifNull needs at least two arguments, had: " +
                               std::to_string(args.value().size()));
  }
  return MakeNary(name, arg, vps, 2, -1, IfNullFn);
}

StatusWith<ExpressionPtr> ParseSwitch(std::string_view, const bson_iter_t* arg,
                                      const VariablesParseState& vps) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(40060, "$switch requires an object as an argument, found: " +
                             std::string(TypeName(bson_iter_type(arg))));
  }
  // Children: case0, then0, case1, then1, ..., default (may be null).
  auto sw = std::make_unique<NamedArgsExpression>(
      "$switch", [](const NamedArgsExpression& self, EvalContext& ctx) -> StatusWith<Value> {
        size_t n = self.ints[0];
        for (size_t i = 0; i < n; ++i) {
          BASALT_EVAL(c, self.arg(2 * i)->Evaluate(ctx));
          if (c.CoerceToBool()) return self.arg(2 * i + 1)->Evaluate(ctx);
        }
        if (self.arg(2 * n) == nullptr) {
          return Status(40066,
                        "$switch could not find a matching branch for an input, and no default "
                        "was specified.");
        }
        return self.arg(2 * n)->Evaluate(ctx);
      });
  std::vector<std::pair<ExpressionPtr, ExpressionPtr>> branches;
  ExpressionPtr fallback;
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    std::string_view field = KeyOf(&it);
    if (field == "branches") {
      if (!BSON_ITER_HOLDS_ARRAY(&it)) {
        return Status(40061, "$switch expected an array for 'branches', found: " +
                                 std::string(TypeName(bson_iter_type(&it))));
      }
      bson_iter_t b;
      bson_iter_recurse(&it, &b);
      while (bson_iter_next(&b)) {
        if (!BSON_ITER_HOLDS_DOCUMENT(&b)) {
          return Status(40062, "$switch expected each branch to be an object, found: " +
                                   std::string(TypeName(bson_iter_type(&b))));
        }
        ExpressionPtr when, then;
        bson_iter_t f;
        bson_iter_recurse(&b, &f);
        while (bson_iter_next(&f)) {
          std::string_view bf = KeyOf(&f);
          if (bf != "case" && bf != "then") {
            return Status(40063,
                          "$switch found an unknown argument to a branch: " + std::string(bf));
          }
          auto e = ParseOperand(&f, vps);
          if (!e.ok()) return e.status();
          (bf == "case" ? when : then) = std::move(e.value());
        }
        if (!when) return Status(40064, "$switch requires each branch have a 'case' expression");
        if (!then) return Status(40065, "$switch requires each branch have a 'then' expression.");
        branches.emplace_back(std::move(when), std::move(then));
      }
    } else if (field == "default") {
      auto e = ParseOperand(&it, vps);
      if (!e.ok()) return e.status();
      fallback = std::move(e.value());
    } else {
      return Status(40067, "$switch found an unknown argument: " + std::string(field));
    }
  }
  if (branches.empty()) return Status(40068, "$switch requires at least one branch.");
  sw->ints.push_back(static_cast<int64_t>(branches.size()));
  for (auto& [c, t] : branches) {
    sw->Add(std::move(c));
    sw->Add(std::move(t));
  }
  sw->Add(std::move(fallback));
  return ExpressionPtr(std::move(sw));
}

StatusWith<Value> AndFn(const Args& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    BASALT_EVAL(v, args[i]);
    if (!v.CoerceToBool()) return Value::Bool(false);
  }
  return Value::Bool(true);
}

StatusWith<Value> OrFn(const Args& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    BASALT_EVAL(v, args[i]);
    if (v.CoerceToBool()) return Value::Bool(true);
  }
  return Value::Bool(false);
}

StatusWith<Value> NotFn(const Args& args) {
  BASALT_EVAL(v, args[0]);
  return Value::Bool(!v.CoerceToBool());
}

template <int kOp>
StatusWith<Value> CompareFn(const Args& args) {
  BASALT_EVAL(a, args[0]);
  BASALT_EVAL(b, args[1]);
  int c = CompareValues(a, b);
  switch (kOp) {
    case 0:
      return Value::Bool(c == 0);
    case 1:
      return Value::Bool(c != 0);
    case 2:
      return Value::Bool(c > 0);
    case 3:
      return Value::Bool(c >= 0);
    case 4:
      return Value::Bool(c < 0);
    case 5:
      return Value::Bool(c <= 0);
    default:
      return Value::Int32(c);
  }
}

template <int kOp>
StatusWith<ExpressionPtr> ParseCompare(std::string_view name, const bson_iter_t* arg,
                                       const VariablesParseState& vps) {
  return MakeNary(name, arg, vps, 2, 2, CompareFn<kOp>);
}

StatusWith<ExpressionPtr> ParseRand(std::string_view name, const bson_iter_t* arg,
                                    const VariablesParseState& vps) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(10065, "invalid parameter: expected an object ($rand)");
  }
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  if (bson_iter_next(&it)) return Status(3040501, "$rand does not currently accept arguments");
  Bson empty_array;
  bson_t child;
  bson_append_array_begin(empty_array.get(), "", 0, &child);
  bson_append_array_end(empty_array.get(), &child);
  bson_iter_t args;
  bson_iter_init(&args, empty_array.get());
  bson_iter_next(&args);
  return MakeNary(
      name, &args, vps, 0, 0,
      [](const Args&) -> StatusWith<Value> {
        thread_local std::mt19937_64 rng(std::random_device{}());
        return Value::Double(std::uniform_real_distribution<double>(0.0, 1.0)(rng));
      },
      /*foldable=*/false);
}

template <NaryFunction kFn, int kMin, int kMax>
StatusWith<ExpressionPtr> Nary(std::string_view name, const bson_iter_t* arg,
                               const VariablesParseState& vps) {
  return MakeNary(name, arg, vps, kMin, kMax, kFn);
}

}  // namespace

std::vector<OperatorEntry> CoreOperators() {
  return {
      {"$literal", ParseLiteral},   {"$const", ParseLiteral},   {"$let", ParseLet},
      {"$cond", ParseCond},         {"$ifNull", ParseIfNull},   {"$switch", ParseSwitch},
      {"$and", Nary<AndFn, 0, -1>}, {"$or", Nary<OrFn, 0, -1>}, {"$not", Nary<NotFn, 1, 1>},
      {"$eq", ParseCompare<0>},     {"$ne", ParseCompare<1>},   {"$gt", ParseCompare<2>},
      {"$gte", ParseCompare<3>},    {"$lt", ParseCompare<4>},   {"$lte", ParseCompare<5>},
      {"$cmp", ParseCompare<6>},    {"$rand", ParseRand},
  };
}

}  // namespace basalt::query
