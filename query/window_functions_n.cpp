// The N-family as window functions: $firstN $lastN $minN $maxN $top
// $bottom $topN $bottomN ({$topN: {n, sortBy, output}, window: {...}}),
// built on $group's accumulators (accumulator_n.cpp), whose parsing and
// semantics they share. A left-unbounded window feeds one accumulator as it
// grows; other windows recompute theirs per document (O(window) each).

#include "query/accumulator.h"
#include "query/pipeline.h"
#include "query/window_function.h"

namespace basalt::query {
namespace {

class NWindow : public WindowFunction {
 public:
  NWindow(std::unique_ptr<AccumulatorSpec> spec, WindowBounds bounds)
      : spec_(std::move(spec)), bounds_(std::move(bounds)) {}
  Status Optimize() override { return spec_->Optimize(); }

  Status Compute(const WindowPartition& p, std::vector<Value>* out) const override {
    auto windows = WindowIndexes(bounds_, p);
    if (!windows.ok()) return windows.status();
    const auto& w = windows.value();
    out->assign(w.size(), Value());
    const bool growing = bounds_.lower.kind == WindowBound::Kind::kUnbounded;
    std::unique_ptr<Accumulator> acc;
    size_t added = 0;
    uint64_t memory = 0;
    for (size_t i = 0; i < w.size(); ++i) {
      if (!growing || !acc) {
        acc = spec_->Make(Value());
        added = w[i].first;
      }
      while (added < w[i].second) {
        EvalContext ctx{(*p.docs)[added++].get(), p.vars};
        if (Status s = acc->Process(ctx); !s.ok()) return s;
      }
      Value v = acc->Result();
      (*out)[i] = v.missing() ? Value::Null() : std::move(v);
      memory += (*out)[i].ApproximateSize();
      if (memory > p.max_memory_bytes) return WindowMemoryError(memory, p.max_memory_bytes);
    }
    return Status::OK();
  }

 private:
  std::unique_ptr<AccumulatorSpec> spec_;
  WindowBounds bounds_;
};

}  // namespace

StatusWith<std::unique_ptr<WindowFunction>> ParseNWindowFunction(std::string_view name,
                                                                 const bson_t* obj,
                                                                 const SortPattern* sort_by,
                                                                 const VariablesParseState& vps) {
  const std::string op(name);
  std::unique_ptr<AccumulatorSpec> spec;
  std::optional<WindowBounds> bounds;
  bson_iter_t it;
  bson_iter_init(&it, obj);
  while (bson_iter_next(&it)) {
    const std::string_view arg = KeyOf(&it);
    if (arg == name) {
      if (spec) {
        return Status(ErrorCodes::FailedToParse,
                      "saw multiple specifications for '" + op + "' expression");
      }
      auto parsed = ParseNAccumulator(name, &it, vps);
      if (!parsed.ok()) return parsed.status();
      spec = std::move(parsed.value());
    } else if (arg == "window") {
      if (bounds) {
        return Status(ErrorCodes::FailedToParse,
                      "saw multiple 'window' fields in '" + op + "' expression");
      }
      auto parsed = ParseWindowBounds(&it, sort_by, vps);
      if (!parsed.ok()) return parsed.status();
      bounds = std::move(parsed.value());
    } else {
      return Status(ErrorCodes::FailedToParse,
                    op + " got unexpected argument: " + std::string(arg));
    }
  }
  return std::unique_ptr<WindowFunction>(
      std::make_unique<NWindow>(std::move(spec), bounds.value_or(WindowBounds())));
}

}  // namespace basalt::query
