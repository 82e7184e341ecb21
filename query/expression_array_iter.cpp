// Array operators that evaluate an expression per element ($map, $filter,
// $reduce) or reshape several arrays ($zip, $sortArray).

#include <algorithm>
#include <functional>

#include "query/expression.h"

namespace basalt::query {
namespace {

std::string TypeOf(const Value& v) { return std::string(ValueTypeName(v)); }

// Collects the fields of a named-argument object; `unknown` reports others.
struct Fields {
  std::vector<std::pair<std::string_view, bson_iter_t>> found;
  const bson_iter_t* Get(std::string_view name) const {
    for (const auto& [n, it] : found) {
      if (n == name) return &it;
    }
    return nullptr;
  }
};

StatusWith<Fields> CollectFields(const bson_iter_t* arg, const std::vector<std::string_view>& names,
                                 const std::function<Status(std::string_view)>& unknown) {
  Fields out;
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    std::string_view field = KeyOf(&it);
    if (std::find(names.begin(), names.end(), field) == names.end()) return unknown(field);
    out.found.emplace_back(field, it);
  }
  return out;
}

// Evaluates children_[0] (the input) and binds ints[0] per element.
StatusWith<Value> MapFn(const NamedArgsExpression& self, EvalContext& ctx) {
  BASALT_EVAL(input, self.arg(0)->Evaluate(ctx));
  if (input.nullish()) return Value::Null();
  if (!input.IsArray()) {
    return Status(16883, "input to $map must be an array not " + TypeOf(input));
  }
  std::vector<Value> out;
  out.reserve(input.array().size());
  for (const Value& e : input.array()) {
    ctx.vars->Set(static_cast<VariableId>(self.ints[0]), e);
    BASALT_EVAL(v, self.arg(1)->Evaluate(ctx));
    out.push_back(v.missing() ? Value::Null() : std::move(v));
  }
  return Value::Array(std::move(out));
}

StatusWith<Value> FilterFn(const NamedArgsExpression& self, EvalContext& ctx) {
  BASALT_EVAL(input, self.arg(0)->Evaluate(ctx));
  if (input.nullish()) return Value::Null();
  if (!input.IsArray()) {
    return Status(28651, "input to $filter must be an array not " + TypeOf(input));
  }
  std::optional<int64_t> remaining;
  if (self.arg(2) != nullptr) {
    BASALT_EVAL(limit, self.arg(2)->Evaluate(ctx));
    if (!limit.nullish()) {
      if (!limit.Integral()) {
        return Status(327391, "$filter: limit must be represented as a 32-bit integral value: " +
                                  limit.ToString());
      }
      if (limit.CoerceToInt() <= 0) {
        return Status(327392, "$filter: limit must be greater than 0: " + limit.ToString());
      }
      remaining = limit.CoerceToInt();
    }
  }
  std::vector<Value> out;
  for (const Value& e : input.array()) {
    ctx.vars->Set(static_cast<VariableId>(self.ints[0]), e);
    BASALT_EVAL(keep, self.arg(1)->Evaluate(ctx));
    if (!keep.CoerceToBool()) continue;
    out.push_back(e);
    if (remaining && --*remaining == 0) break;
  }
  return Value::Array(std::move(out));
}

StatusWith<ExpressionPtr> ParseMapOrFilter(std::string_view name, const bson_iter_t* arg,
                                           const VariablesParseState& vps) {
  const bool is_map = name == "$map";
  const std::string op(name);
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(is_map ? 16878 : 28646, op + " only supports an object as its argument");
  }
  auto fields =
      CollectFields(arg,
                    is_map ? std::vector<std::string_view>{"input", "as", "in"}
                           : std::vector<std::string_view>{"input", "as", "cond", "limit"},
                    [&](std::string_view f) {
                      return Status(is_map ? 16879 : 28647,
                                    "Unrecognized parameter to " + op + ": " + std::string(f));
                    });
  if (!fields.ok()) return fields.status();
  const bson_iter_t* input = fields.value().Get("input");
  const bson_iter_t* as = fields.value().Get("as");
  const bson_iter_t* body = fields.value().Get(is_map ? "in" : "cond");
  if (input == nullptr) {
    return Status(is_map ? 16880 : 28648, "Missing 'input' parameter to " + op);
  }
  if (body == nullptr) {
    return Status(is_map ? 16882 : 28650,
                  std::string("Missing '") + (is_map ? "in" : "cond") + "' parameter to " + op);
  }
  auto input_expr = ParseOperand(input, vps);
  if (!input_expr.ok()) return input_expr.status();
  std::string var = "this";
  if (as != nullptr) var = BSON_ITER_HOLDS_UTF8(as) ? std::string(Utf8Of(as)) : "";
  if (Status s = ValidateVariableNameForWrite(var); !s.ok()) return s;
  VariablesParseState sub = vps;
  VariableId id = sub.Define(var);
  auto body_expr = ParseOperand(body, sub);
  if (!body_expr.ok()) return body_expr.status();
  auto e = std::make_unique<NamedArgsExpression>(op, is_map ? MapFn : FilterFn, false);
  e->ints.push_back(id);
  e->Add(std::move(input_expr.value()));
  e->Add(std::move(body_expr.value()));
  if (!is_map) {
    ExpressionPtr limit;
    if (const bson_iter_t* l = fields.value().Get("limit")) {
      auto parsed = ParseOperand(l, vps);
      if (!parsed.ok()) return parsed.status();
      limit = std::move(parsed.value());
    }
    e->Add(std::move(limit));
  }
  return ExpressionPtr(std::move(e));
}

StatusWith<Value> ReduceFn(const NamedArgsExpression& self, EvalContext& ctx) {
  BASALT_EVAL(input, self.arg(0)->Evaluate(ctx));
  if (input.nullish()) return Value::Null();
  if (!input.IsArray()) {
    return Status(40080, "$reduce requires that 'input' be an array, found: " + input.ToString());
  }
  BASALT_EVAL(acc, self.arg(1)->Evaluate(ctx));
  for (const Value& e : input.array()) {
    ctx.vars->Set(static_cast<VariableId>(self.ints[0]), e);
    ctx.vars->Set(static_cast<VariableId>(self.ints[1]), acc);
    BASALT_EVAL(next, self.arg(2)->Evaluate(ctx));
    acc = std::move(next);
  }
  return acc;
}

StatusWith<ExpressionPtr> ParseReduce(std::string_view, const bson_iter_t* arg,
                                      const VariablesParseState& vps) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(40075, "$reduce requires an object as an argument, found: " +
                             std::string(TypeName(bson_iter_type(arg))));
  }
  VariablesParseState sub = vps;
  VariableId this_id = sub.Define("this");
  VariableId value_id = sub.Define("value");
  ExpressionPtr parts[3];
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    std::string_view field = KeyOf(&it);
    int slot = field == "input" ? 0 : field == "initialValue" ? 1 : field == "in" ? 2 : -1;
    if (slot < 0) return Status(40076, "$reduce found an unknown argument: " + std::string(field));
    auto e = ParseOperand(&it, slot == 2 ? sub : vps);
    if (!e.ok()) return e.status();
    parts[slot] = std::move(e.value());
  }
  if (!parts[0]) return Status(40077, "$reduce requires 'input' to be specified");
  if (!parts[1]) return Status(40078, "$reduce requires 'initialValue' to be specified");
  if (!parts[2]) return Status(40079, "$reduce requires 'in' to be specified");
  auto e = std::make_unique<NamedArgsExpression>("$reduce", ReduceFn, false);
  e->ints = {this_id, value_id};
  for (auto& p : parts) e->Add(std::move(p));
  return ExpressionPtr(std::move(e));
}

// children: inputs..., defaults...; ints = {number of inputs, useLongestLength}.
StatusWith<Value> ZipFn(const NamedArgsExpression& self, EvalContext& ctx) {
  const size_t n = static_cast<size_t>(self.ints[0]);
  const bool longest = self.ints[1] != 0;
  std::vector<Value> inputs;
  size_t min_size = 0, max_size = 0;
  for (size_t i = 0; i < n; ++i) {
    BASALT_EVAL(v, self.arg(i)->Evaluate(ctx));
    if (v.nullish()) return Value::Null();
    if (!v.IsArray()) {
      return Status(34468, "$zip found a non-array expression in input: " + v.ToString());
    }
    size_t size = v.array().size();
    min_size = i == 0 ? size : std::min(min_size, size);
    max_size = i == 0 ? size : std::max(max_size, size);
    inputs.push_back(std::move(v));
  }
  std::vector<Value> defaults(n, Value::Null());
  const size_t total = self.num_args();
  if (min_size != max_size && total > n) {
    for (size_t i = 0; i < n; ++i) {
      BASALT_EVAL(d, self.arg(n + i)->Evaluate(ctx));
      defaults[i] = std::move(d);
    }
  }
  const size_t rows = longest ? max_size : min_size;
  std::vector<Value> out;
  for (size_t row = 0; row < rows; ++row) {
    std::vector<Value> tuple;
    for (size_t col = 0; col < n; ++col) {
      const auto& a = inputs[col].array();
      tuple.push_back(row < a.size() ? a[row] : defaults[col]);
    }
    out.push_back(Value::Array(std::move(tuple)));
  }
  return Value::Array(std::move(out));
}

StatusWith<ExpressionPtr> ParseZip(std::string_view, const bson_iter_t* arg,
                                   const VariablesParseState& vps) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(34460, "$zip only supports an object as an argument, found " +
                             std::string(TypeName(bson_iter_type(arg))));
  }
  std::vector<ExpressionPtr> inputs, defaults;
  bool longest = false;
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    std::string_view field = KeyOf(&it);
    if (field == "inputs" || field == "defaults") {
      if (!BSON_ITER_HOLDS_ARRAY(&it)) {
        return Status(field == "inputs" ? 34461 : 34462,
                      std::string(field) + " must be an array of expressions, found " +
                          std::string(TypeName(bson_iter_type(&it))));
      }
      bson_iter_t e;
      bson_iter_recurse(&it, &e);
      while (bson_iter_next(&e)) {
        auto parsed = ParseOperand(&e, vps);
        if (!parsed.ok()) return parsed.status();
        (field == "inputs" ? inputs : defaults).push_back(std::move(parsed.value()));
      }
    } else if (field == "useLongestLength") {
      if (!BSON_ITER_HOLDS_BOOL(&it)) {
        return Status(34463, "useLongestLength must be a bool, found " +
                                 std::string(TypeName(bson_iter_type(arg))));
      }
      longest = bson_iter_bool(&it);
    } else {
      return Status(34464, "$zip found an unknown argument: " + std::string(field));
    }
  }
  if (inputs.empty()) return Status(34465, "$zip requires at least one input array");
  if (!longest && !defaults.empty()) {
    return Status(34466, "cannot specify defaults unless useLongestLength is true");
  }
  if (!defaults.empty() && defaults.size() != inputs.size()) {
    return Status(34467, "defaults and inputs must have the same length");
  }
  auto e = std::make_unique<NamedArgsExpression>("$zip", ZipFn, false);
  e->ints = {static_cast<int64_t>(inputs.size()), longest ? 1 : 0};
  for (auto& p : inputs) e->Add(std::move(p));
  for (auto& p : defaults) e->Add(std::move(p));
  return ExpressionPtr(std::move(e));
}

// $sortArray's comparison: the whole value (sortBy: 1/-1) or fields of
// documents (sortBy: {a: 1}), non-documents compared whole.
struct SortBy {
  std::vector<std::vector<std::string>> paths;  // empty: compare whole values
  std::vector<int> directions;
  int whole_direction = 1;
  int Compare(const Value& a, const Value& b) const {
    if (paths.empty() || !a.IsDocument() || !b.IsDocument()) {
      return CompareValues(a, b) * (paths.empty() ? whole_direction : directions[0]);
    }
    for (size_t i = 0; i < paths.size(); ++i) {
      Value va = EvaluatePath(a, paths[i], 0), vb = EvaluatePath(b, paths[i], 0);
      if (va.missing()) va = Value::Null();
      if (vb.missing()) vb = Value::Null();
      int c = CompareValues(va, vb);
      if (c != 0) return c * directions[i];
    }
    return 0;
  }
};

StatusWith<Value> SortArrayFn(const NamedArgsExpression& self, EvalContext& ctx) {
  BASALT_EVAL(input, self.arg(0)->Evaluate(ctx));
  if (input.nullish()) return Value::Null();
  if (!input.IsArray()) {
    return Status(2942504, "The input argument to $sortArray must be an array, but was of type: " +
                               TypeOf(input));
  }
  auto sort_by = std::static_pointer_cast<const SortBy>(self.extra);
  std::vector<Value> out = input.array();
  std::stable_sort(out.begin(), out.end(),
                   [&](const Value& a, const Value& b) { return sort_by->Compare(a, b) < 0; });
  return Value::Array(std::move(out));
}

StatusWith<ExpressionPtr> ParseSortArray(std::string_view, const bson_iter_t* arg,
                                         const VariablesParseState& vps) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(2942500, "$sortArray requires an object as an argument, found: " +
                               std::string(TypeName(bson_iter_type(arg))));
  }
  ExpressionPtr input;
  std::shared_ptr<SortBy> sort_by;
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    std::string_view field = KeyOf(&it);
    if (field == "input") {
      auto e = ParseOperand(&it, vps);
      if (!e.ok()) return e.status();
      input = std::move(e.value());
    } else if (field == "sortBy") {
      sort_by = std::make_shared<SortBy>();
      if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
        bson_iter_t f;
        bson_iter_recurse(&it, &f);
        while (bson_iter_next(&f)) {
          double d = IsNumber(bson_iter_type(&f)) ? NumberAsDouble(&f) : 0;
          if (d != 1 && d != -1) {
            return Status(2942505,
                          "$sort key ordering must be 1 (for ascending) or -1 (for "
                          "descending)");
          }
          std::vector<std::string> parts;
          std::string_view name = KeyOf(&f);
          size_t start = 0;
          while (true) {
            size_t dot = name.find('.', start);
            parts.emplace_back(
                name.substr(start, dot == std::string_view::npos ? dot : dot - start));
            if (dot == std::string_view::npos) break;
            start = dot + 1;
          }
          sort_by->paths.push_back(std::move(parts));
          sort_by->directions.push_back(static_cast<int>(d));
        }
        if (sort_by->paths.empty()) {
          return Status(2942505, "$sort stage must have at least one sort key");
        }
      } else if (IsNumber(bson_iter_type(&it))) {
        double d = NumberAsDouble(&it);
        if (d != 1 && d != -1) {
          return Status(2942506, "The $sort element value must be either 1 or -1");
        }
        sort_by->whole_direction = static_cast<int>(d);
      } else {
        return Status(2942507,
                      "The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} "
                      "to sort embedded fields");
      }
    } else {
      return Status(2942501, "$sortArray found an unknown argument: " + std::string(field));
    }
  }
  if (!input) return Status(2942502, "$sortArray requires 'input' to be specified");
  if (!sort_by) return Status(2942503, "$sortArray requires 'sortBy' to be specified");
  auto e = std::make_unique<NamedArgsExpression>("$sortArray", SortArrayFn);
  e->extra = sort_by;
  e->Add(std::move(input));
  return ExpressionPtr(std::move(e));
}

}  // namespace

std::vector<OperatorEntry> IteratingArrayOperators() {
  return {
      {"$map", ParseMapOrFilter}, {"$filter", ParseMapOrFilter},  {"$reduce", ParseReduce},
      {"$zip", ParseZip},         {"$sortArray", ParseSortArray},
  };
}

}  // namespace basalt::query
