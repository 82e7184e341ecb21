#include "query/projection.h"

#include "query/projection_internal.h"

namespace basalt::query {

namespace projection_internal {

bool ExecNode::IsProjected(std::string_view name) const {
  for (const std::string& p : projected) {
    if (p == name) return true;
  }
  return false;
}

const ExecNode* ExecNode::Child(std::string_view name) const {
  for (const auto& [n, child] : children) {
    if (n == name) return child.get();
  }
  return nullptr;
}

const Computed* ExecNode::Expression(std::string_view name) const {
  for (const auto& [n, expr] : expressions) {
    if (n == name) return expr.get();
  }
  return nullptr;
}

ExecNode* ExecNode::AddOrGetChild(const std::string& name) {
  for (auto& [n, child] : children) {
    if (n == name) return child.get();
  }
  // A new child takes its place among the computed fields (mongod's addChild).
  order.push_back(name);
  children.emplace_back(name, std::make_unique<ExecNode>());
  return children.back().second.get();
}

void ExecNode::AddProjection(const std::vector<std::string>& path, size_t from) {
  if (from + 1 == path.size()) {
    if (!IsProjected(path[from])) projected.push_back(path[from]);
    return;
  }
  AddOrGetChild(path[from])->AddProjection(path, from + 1);
}

void ExecNode::AddExpression(const std::vector<std::string>& path,
                             std::shared_ptr<const Computed> expr, size_t from) {
  subtree_has_computed = true;
  if (from + 1 == path.size()) {
    expressions.emplace_back(path[from], std::move(expr));
    order.push_back(path[from]);
    return;
  }
  AddOrGetChild(path[from])->AddExpression(path, std::move(expr), from + 1);
}

}  // namespace projection_internal

StatusWith<Projection> Projection::Parse(const bson_t* spec) {
  auto state = projection_internal::ParseProjection(spec);
  if (!state.ok()) return state.status();
  return Projection(std::move(state.value()));
}

Status Projection::Apply(const bson_t* doc, const MatchDetails* match, Bson* out) const {
  Bson result;
  Status st = projection_internal::ApplyProjection(*state_, doc, match, result.get());
  if (!st.ok()) return st;
  *out = std::move(result);
  return Status::OK();
}

bool Projection::is_inclusion() const { return state_->inclusion; }
bool Projection::needs_match_details() const { return state_->positional; }
bool Projection::is_identity() const { return state_->identity; }

}  // namespace basalt::query
