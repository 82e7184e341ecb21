// $project, $addFields/$set and $unset: mongod's projection executors
// (inclusion_node / exclusion_node / add_fields_projection_executor) over
// the tree stage_project_parse.cpp builds.
//
// Inclusion keeps the named fields in the input's order, then sets the
// computed fields in the spec's order; exclusion removes fields; both go
// into arrays element by element (an inclusion drops scalars there).
// Computed fields under a non-document value replace it with a document.

#include "query/stage_project.h"

#include "query/pipeline_stages.h"

namespace basalt::query {
namespace project {
namespace {

Status ApplyExpressions(const Node& node, EvalContext& ctx, DocumentBuilder* out);

// mongod's transformSkippedValueForOutput.
Value Skipped(const Value& v, bool inclusion) { return inclusion ? Value() : v; }

Value ProjectValue(const Node& node, const Value& v, bool inclusion);

void ProjectDocument(const Node& node, const bson_t* in, bool inclusion, DocumentBuilder* out) {
  bson_iter_t it;
  bson_iter_init(&it, in);
  while (bson_iter_next(&it)) {
    const std::string_view name = KeyOf(&it);
    const Node::Entry* e = node.Find(name);
    if (e == nullptr) continue;
    switch (e->kind) {
      case Node::Kind::kInclude:
        if (inclusion) out->Set(name, Value::FromIter(&it));
        break;
      case Node::Kind::kExclude:
        if (!inclusion) out->Remove(name);
        break;
      case Node::Kind::kChild:
        out->Set(name, ProjectValue(*e->child, Value::FromIter(&it), inclusion));
        break;
      case Node::Kind::kComputed:
        break;
    }
  }
}

Value ProjectValue(const Node& node, const Value& v, bool inclusion) {
  if (v.IsDocument()) {
    DocumentBuilder out = inclusion ? DocumentBuilder() : DocumentBuilder(v.doc());
    ProjectDocument(node, v.doc(), inclusion, &out);
    return out.BuildValue();
  }
  if (v.IsArray()) {
    std::vector<Value> out;
    for (const Value& e : v.array()) {
      Value projected = ProjectValue(node, e, inclusion);
      // Missing elements vanish when mongod serializes the array.
      if (!projected.missing()) out.push_back(std::move(projected));
    }
    return Value::Array(std::move(out));
  }
  return Skipped(v, inclusion);
}

StatusWith<Value> ExpressionsOnValue(const Node& node, EvalContext& ctx, const Value& v) {
  if (v.IsDocument()) {
    DocumentBuilder out(v.doc());
    if (Status s = ApplyExpressions(node, ctx, &out); !s.ok()) return s;
    return out.BuildValue();
  }
  if (v.IsArray()) {
    std::vector<Value> out;
    for (const Value& e : v.array()) {
      auto applied = ExpressionsOnValue(node, ctx, e);
      if (!applied.ok()) return applied.status();
      out.push_back(std::move(applied.value()));
    }
    return Value::Array(std::move(out));
  }
  // {"a.b": <expr>} over {a: 1} gives {a: {b: ...}}.
  DocumentBuilder out;
  if (Status s = ApplyExpressions(node, ctx, &out); !s.ok()) return s;
  return out.BuildValue();
}

Status ApplyExpressions(const Node& node, EvalContext& ctx, DocumentBuilder* out) {
  for (const Node::Entry& e : node.entries) {
    if (e.kind == Node::Kind::kComputed) {
      auto v = e.expr->Evaluate(ctx);
      if (!v.ok()) return v.status();
      out->Set(e.name, std::move(v.value()));
    } else if (e.kind == Node::Kind::kChild && e.child->subtree_computed) {
      const Value* existing = out->Get(e.name);
      auto v = ExpressionsOnValue(*e.child, ctx, existing ? *existing : Value());
      if (!v.ok()) return v.status();
      out->Set(e.name, std::move(v.value()));
    }
  }
  return Status::OK();
}

}  // namespace

StatusWith<Bson> Apply(const Projection& projection, const bson_t* doc, Variables* vars) {
  EvalContext ctx{doc, vars};
  switch (projection.mode) {
    case Mode::kAddFields: {
      DocumentBuilder out(doc);
      if (Status s = ApplyExpressions(projection.root, ctx, &out); !s.ok()) return s;
      return out.Build();
    }
    case Mode::kExclusion: {
      DocumentBuilder out(doc);
      ProjectDocument(projection.root, doc, false, &out);
      return out.Build();
    }
    case Mode::kInclusion: {
      DocumentBuilder out;
      ProjectDocument(projection.root, doc, true, &out);
      if (projection.root.subtree_computed) {
        if (Status s = ApplyExpressions(projection.root, ctx, &out); !s.ok()) return s;
      }
      return out.Build();
    }
  }
  return Bson();
}

}  // namespace project

namespace {

class ProjectSpec : public StageSpec {
 public:
  ProjectSpec(std::string_view name, std::unique_ptr<project::Projection> projection)
      : name_(name), projection_(std::move(projection)) {}
  std::string_view name() const override { return name_; }
  Status Optimize() override { return projection_->root.Optimize(); }
  StatusWith<std::unique_ptr<DocumentStream>> Instantiate(std::unique_ptr<DocumentStream> source,
                                                          PipelineContext& ctx) const override {
    class Stream : public DocumentStream {
     public:
      Stream(std::unique_ptr<DocumentStream> source, const project::Projection& projection,
             PipelineContext& ctx)
          : source_(std::move(source)), projection_(projection), ctx_(ctx) {}
      StatusWith<bool> Next(Bson* out) override {
        Bson in;
        auto more = source_->Next(&in);
        if (!more.ok() || !more.value()) return more;
        auto projected = project::Apply(projection_, in.get(), ctx_.variables.get());
        if (!projected.ok()) return projected.status();
        *out = std::move(projected.value());
        return true;
      }

     private:
      std::unique_ptr<DocumentStream> source_;
      const project::Projection& projection_;
      PipelineContext& ctx_;
    };
    return std::unique_ptr<DocumentStream>(
        std::make_unique<Stream>(std::move(source), *projection_, ctx));
  }

 private:
  std::string_view name_;
  std::unique_ptr<project::Projection> projection_;
};

Status WithContext(const Status& s, std::string_view stage) {
  return Status(s.code(), "Invalid " + std::string(stage) + " :: caused by :: " + s.reason());
}

StatusWith<StagePtr> ParseProjectStage(const bson_iter_t* arg, PipelineContext& ctx) {
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(15969, "$project specification must be an object");
  }
  Bson spec = DocumentOf(arg);
  auto projection = project::ParseProject(spec.get(), ctx.vps);
  if (!projection.ok()) return WithContext(projection.status(), "$project");
  return StagePtr(std::make_shared<ProjectSpec>("$project", std::move(projection.value())));
}

StatusWith<StagePtr> ParseAddFieldsStage(const bson_iter_t* arg, PipelineContext& ctx) {
  const std::string_view stage = KeyOf(arg) == "$set" ? "$set" : "$addFields";
  if (!BSON_ITER_HOLDS_DOCUMENT(arg)) {
    return Status(40272, std::string(stage) + " specification stage must be an object, got " +
                             TypeNameOf(arg));
  }
  Bson spec = DocumentOf(arg);
  auto projection = project::ParseAddFields(spec.get(), ctx.vps);
  if (!projection.ok()) return WithContext(projection.status(), stage);
  return StagePtr(std::make_shared<ProjectSpec>(stage, std::move(projection.value())));
}

// {$unset: "a"} / {$unset: ["a", "b.c"]}: an exclusion $project.
StatusWith<StagePtr> ParseUnsetStage(const bson_iter_t* arg, PipelineContext& ctx) {
  Bson spec;
  if (BSON_ITER_HOLDS_UTF8(arg)) {
    std::string_view field = Utf8Of(arg);
    bson_append_int32(spec.get(), field.data(), static_cast<int>(field.size()), 0);
  } else if (BSON_ITER_HOLDS_ARRAY(arg)) {
    bson_iter_t it;
    bson_iter_recurse(arg, &it);
    while (bson_iter_next(&it)) {
      if (!BSON_ITER_HOLDS_UTF8(&it)) {
        return Status(31120,
                      "$unset specification must be a string or an array containing only string "
                      "values");
      }
      std::string_view field = Utf8Of(&it);
      bson_append_int32(spec.get(), field.data(), static_cast<int>(field.size()), 0);
    }
    if (bson_empty(spec.get())) {
      return Status(31119,
                    "$unset specification must be a string or an array with at least one field");
    }
  } else {
    return Status(31002, "$unset specification must be a string or an array");
  }
  auto projection = project::ParseProject(spec.get(), ctx.vps);
  if (!projection.ok()) return WithContext(projection.status(), "$unset");
  return StagePtr(std::make_shared<ProjectSpec>("$unset", std::move(projection.value())));
}

}  // namespace

std::vector<StageEntry> ProjectStages() {
  return {
      {"$project", ParseProjectStage},
      {"$addFields", ParseAddFieldsStage},
      {"$set", ParseAddFieldsStage},
      {"$unset", ParseUnsetStage},
  };
}

}  // namespace basalt::query
