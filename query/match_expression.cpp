// The logical nodes: mongod's expression_tree.cpp and expression_always_boolean.h.

#include "query/match_expression.h"

#include <cstdio>
#include <random>

namespace basalt::query {

const std::string& MatchExpression::path() const {
  static const std::string kEmpty;
  return kEmpty;
}

std::string MatchExpression::DebugString() const {
  std::string out;
  AppendDebugString(&out, 0);
  return out;
}

bool ListExpression::Matches(const bson_t* doc, MatchDetails* details) const {
  switch (type()) {
    case MatchType::kAnd:
      for (const auto& child : children_) {
        if (!child->Matches(doc, details)) {
          if (details) details->ResetOutput();
          return false;
        }
      }
      return true;
    case MatchType::kOr:
      // mongod does not report an elemMatchKey through $or or $nor.
      for (const auto& child : children_) {
        if (child->Matches(doc, nullptr)) return true;
      }
      return false;
    default:  // kNor
      for (const auto& child : children_) {
        if (child->Matches(doc, nullptr)) return false;
      }
      return true;
  }
}

bool ListExpression::MatchesSingleElement(const bson_iter_t* value, MatchDetails* details) const {
  switch (type()) {
    case MatchType::kAnd:
      for (const auto& child : children_) {
        if (!child->MatchesSingleElement(value, details)) {
          if (details) details->ResetOutput();
          return false;
        }
      }
      return true;
    case MatchType::kOr:
      for (const auto& child : children_) {
        if (child->MatchesSingleElement(value, details)) return true;
      }
      return false;
    default:
      for (const auto& child : children_) {
        if (child->MatchesSingleElement(value, details)) return false;
      }
      return true;
  }
}

void ListExpression::AppendDebugString(std::string* out, int indent) const {
  AddIndent(out, indent);
  out->append(type() == MatchType::kAnd ? "$and" : type() == MatchType::kOr ? "$or" : "$nor");
  out->append("\n");
  for (const auto& child : children_) child->AppendDebugString(out, indent + 1);
}

bool NotExpression::Matches(const bson_t* doc, MatchDetails*) const {
  return !child_->Matches(doc, nullptr);
}

bool NotExpression::MatchesSingleElement(const bson_iter_t* value, MatchDetails*) const {
  return !child_->MatchesSingleElement(value, nullptr);
}

void NotExpression::AppendDebugString(std::string* out, int indent) const {
  AddIndent(out, indent);
  out->append("$not\n");
  child_->AppendDebugString(out, indent + 1);
}

void AlwaysExpression::AppendDebugString(std::string* out, int indent) const {
  AddIndent(out, indent);
  out->append(value_ ? "$alwaysTrue\n" : "$alwaysFalse\n");
}

bool SampleRateExpression::Draw() const {
  // Per thread, so that concurrent matching needs no lock.
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine) < rate_;
}

void SampleRateExpression::AppendDebugString(std::string* out, int indent) const {
  AddIndent(out, indent);
  char buf[64];
  std::snprintf(buf, sizeof buf, "$sampleRate %g\n", rate_);
  out->append(buf);
}

}  // namespace basalt::query
