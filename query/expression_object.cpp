// Object operators: $mergeObjects, $objectToArray, $arrayToObject,
// $getField, $setField/$unsetField and $bsonSize.

#include "base/bson_shell.h"
#include "query/expression.h"

namespace basalt::query {
namespace {

std::string TypeOf(const Value& v) { return std::string(ValueTypeName(v)); }

StatusWith<Value> MergeObjectsFn(const Args& args) {
  DocumentBuilder out;
  for (size_t i = 0; i < args.size(); ++i) {
    BASALT_EVAL(v, args[i]);
    if (v.nullish()) continue;
    if (!v.IsDocument()) {
      return Status(40400, "$mergeObjects requires object inputs, but input " + v.ToString() +
                               " is of type " + TypeOf(v));
    }
    bson_iter_t it;
    bson_iter_init(&it, v.doc());
    while (bson_iter_next(&it)) out.Set(KeyOf(&it), Value::FromIter(&it));
  }
  return out.BuildValue();
}

StatusWith<Value> ObjectToArrayFn(const Args& args) {
  BASALT_EVAL(v, args[0]);
  if (v.nullish()) return Value::Null();
  if (!v.IsDocument()) {
    return Status(40390, "$objectToArray requires a document input, found: " + TypeOf(v));
  }
  std::vector<Value> out;
  bson_iter_t it;
  bson_iter_init(&it, v.doc());
  while (bson_iter_next(&it)) {
    DocumentBuilder kv;
    kv.Set("k", Value::String(std::string(KeyOf(&it))));
    kv.Set("v", Value::FromIter(&it));
    out.push_back(kv.BuildValue());
  }
  return Value::Array(std::move(out));
}

StatusWith<Value> ArrayToObjectFn(const Args& args) {
  BASALT_EVAL(input, args[0]);
  if (input.nullish()) return Value::Null();
  if (!input.IsArray()) {
    return Status(40386, "$arrayToObject requires an array input, found: " + TypeOf(input));
  }
  DocumentBuilder out;
  const auto& elements = input.array();
  if (elements.empty()) return out.BuildValue();
  bool pairs;
  if (elements[0].IsArray()) {
    pairs = true;
  } else if (elements[0].IsDocument()) {
    pairs = false;
  } else {
    return Status(40398,
                  "Unrecognised input type format for $arrayToObject: " + TypeOf(elements[0]));
  }
  for (const Value& e : elements) {
    if (pairs) {
      if (!e.IsArray()) {
        return Status(40396,
                      "$arrayToObject requires a consistent input format. Elements mustall be "
                      "arrays or all be objects. Array was detected, now found: " +
                          TypeOf(e));
      }
      const auto& kv = e.array();
      if (kv.size() != 2) {
        return Status(40397,
                      "$arrayToObject requires an array of size 2 arrays,found array of "
                      "size: " +
                          std::to_string(kv.size()));
      }
      if (!kv[0].IsString()) {
        return Status(40395,
                      "$arrayToObject requires an array of key-value pairs, where the key must "
                      "be of type string. Found key type: " +
                          TypeOf(kv[0]));
      }
      if (kv[0].str().find('\0') != std::string_view::npos) {
        return Status(4940400, "Key field cannot contain an embedded null byte");
      }
      out.Set(kv[0].str(), kv[1]);
    } else {
      if (!e.IsDocument()) {
        return Status(40391,
                      "$arrayToObject requires a consistent input format. Elements mustall be "
                      "arrays or all be objects. Object was detected, now found: " +
                          TypeOf(e));
      }
      if (bson_count_keys(e.doc()) != 2) {
        return Status(40392,
                      "$arrayToObject requires an object keys of 'k' and 'v'. Found incorrect "
                      "number of keys:" +
                          std::to_string(bson_count_keys(e.doc())));
      }
      std::vector<std::string> k_part = {"k"}, v_part = {"v"};
      Value k = EvaluatePath(e.doc(), k_part, 0), v = EvaluatePath(e.doc(), v_part, 0);
      if (k.missing() || v.missing()) {
        return Status(40393,
                      "$arrayToObject requires an object with keys 'k' and 'v'. Missing either or "
                      "both keys from: " +
                          e.ToString());
      }
      if (!k.IsString()) {
        return Status(40394,
                      "$arrayToObject requires an object with keys 'k' and 'v', where the value "
                      "of 'k' must be of type string. Found type: " +
                          TypeOf(k));
      }
      if (k.str().find('\0') != std::string_view::npos) {
        return Status(4940401, "Key field cannot contain an embedded null byte");
      }
      out.Set(k.str(), v);
    }
  }
  return out.BuildValue();
}

StatusWith<Value> BsonSizeFn(const Args& args) {
  BASALT_EVAL(v, args[0]);
  if (v.nullish()) return Value::Null();
  if (!v.IsDocument()) {
    return Status(31393, "$bsonSize requires a document input, found: " + TypeOf(v));
  }
  return Value::Int32(static_cast<int32_t>(v.doc()->len));
}

// field (a constant string), input.
StatusWith<Value> GetFieldFn(const NamedArgsExpression& self, EvalContext& ctx) {
  BASALT_EVAL(input, self.arg(1)->Evaluate(ctx));
  if (input.missing()) return Value();
  if (input.nullish()) return Value::Null();
  if (!input.IsDocument()) return Value();
  bson_iter_t it;
  const std::string& field = self.strings[0];
  if (!bson_iter_init_find_w_len(&it, input.doc(), field.data(), static_cast<int>(field.size()))) {
    return Value();
  }
  return Value::FromIter(&it);
}

// field (a constant string), input, value.
StatusWith<Value> SetFieldFn(const NamedArgsExpression& self, EvalContext& ctx) {
  BASALT_EVAL(input, self.arg(1)->Evaluate(ctx));
  if (input.nullish()) return Value::Null();
  if (!input.IsDocument()) {
    return Status(4161105, "$setField requires 'input' to evaluate to type Object");
  }
  BASALT_EVAL(value, self.arg(2)->Evaluate(ctx));
  DocumentBuilder out(input.doc());
  out.Set(self.strings[0], std::move(value));
  return out.BuildValue();
}

// mongod's checks of $getField's and $setField's constant 'field'.
Status CheckField(const std::string& op, Expression* field, int path_code, int const_code,
                  int string_code) {
  if (const std::string* path = field->current_field_path()) {
    std::string fp = "$" + *path;
    return Status(path_code, "'" + fp +
                                 "' is a field path reference which is not allowed in this "
                                 "context. Did you mean {$literal: '" +
                                 fp + "'}?");
  }
  if (field->constant() == nullptr) {
    return Status(const_code,
                  op + " requires 'field' to evaluate to a constant, but got a non-constant "
                       "argument");
  }
  if (!field->constant()->IsString()) {
    return Status(string_code, op + " requires 'field' to evaluate to type String, but got " +
                                   TypeOf(*field->constant()));
  }
  return Status::OK();
}

StatusWith<ExpressionPtr> ParseGetField(std::string_view, const bson_iter_t* arg,
                                        const VariablesParseState& vps) {
  ExpressionPtr field, input;
  bool whole_is_field = !BSON_ITER_HOLDS_DOCUMENT(arg);
  if (!whole_is_field) {
    bson_iter_t it;
    bson_iter_recurse(arg, &it);
    while (bson_iter_next(&it)) {
      std::string_view name = KeyOf(&it);
      if (!field && !input && !name.empty() && name[0] == '$') {
        whole_is_field = true;
        break;
      }
      if (name != "field" && name != "input") {
        return Status(3041701, "$getField found an unknown argument: " + std::string(name));
      }
      auto e = ParseOperand(&it, vps);
      if (!e.ok()) return e.status();
      (name == "field" ? field : input) = std::move(e.value());
    }
  }
  if (whole_is_field) {
    auto e = ParseOperand(arg, vps);
    if (!e.ok()) return e.status();
    field = std::move(e.value());
    auto current = ParseFieldPathExpression("$$CURRENT", vps);
    if (!current.ok()) return current.status();
    input = std::move(current.value());
  }
  if (!field) return Status(3041702, "$getField requires 'field' to be specified");
  if (!input) return Status(3041703, "$getField requires 'input' to be specified");
  if (Status s = Optimize(&field); !s.ok()) return s;
  if (Status s = CheckField("$getField", field.get(), 5654600, 5654601, 5654602); !s.ok()) {
    return s;
  }
  auto e = std::make_unique<NamedArgsExpression>("$getField", GetFieldFn, false);
  e->strings.emplace_back(field->constant()->str());
  e->Add(std::move(field));
  e->Add(std::move(input));
  return ExpressionPtr(std::move(e));
}

StatusWith<ExpressionPtr> ParseSetField(std::string_view name, const bson_iter_t* arg,
                                        const VariablesParseState& vps) {
  const std::string op(name);
  const bool unset = name == "$unsetField";
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(4161100, op + " only supports an object as its argument");
  }
  ExpressionPtr field, input, value;
  bson_iter_t it;
  bson_iter_recurse(arg, &it);
  while (bson_iter_next(&it)) {
    std::string_view f = KeyOf(&it);
    if (f != "field" && f != "input" && (unset || f != "value")) {
      return Status(4161101, op + " found an unknown argument: " + std::string(f));
    }
    auto e = ParseOperand(&it, vps);
    if (!e.ok()) return e.status();
    (f == "field" ? field : f == "input" ? input : value) = std::move(e.value());
  }
  if (unset) value = std::make_unique<ConstantExpression>(Value());
  if (!field) return Status(4161102, op + " requires 'field' to be specified");
  if (!value) return Status(4161103, op + " requires 'value' to be specified");
  if (!input) return Status(4161109, op + " requires 'input' to be specified");
  if (Status s = Optimize(&field); !s.ok()) return s;
  if (Status s = CheckField(op, field.get(), 4161108, 4161106, 4161107); !s.ok()) return s;
  auto e = std::make_unique<NamedArgsExpression>("$setField", SetFieldFn, false);
  e->strings.emplace_back(field->constant()->str());
  e->Add(std::move(field));
  e->Add(std::move(input));
  e->Add(std::move(value));
  return ExpressionPtr(std::move(e));
}

template <NaryFunction kFn, int kMin, int kMax>
StatusWith<ExpressionPtr> Nary(std::string_view name, const bson_iter_t* arg,
                               const VariablesParseState& vps) {
  return MakeNary(name, arg, vps, kMin, kMax, kFn);
}

}  // namespace

std::vector<OperatorEntry> ObjectOperators() {
  return {
      {"$mergeObjects", Nary<MergeObjectsFn, 0, -1>},
      {"$objectToArray", Nary<ObjectToArrayFn, 1, 1>},
      {"$arrayToObject", Nary<ArrayToObjectFn, 1, 1>},
      {"$bsonSize", Nary<BsonSizeFn, 1, 1>},
      {"$getField", ParseGetField},
      {"$setField", ParseSetField},
      {"$unsetField", ParseSetField},
  };
}

}  // namespace basalt::query
