// Parsing $project specs as mongod's projection_ast parser does under the
// aggregation policies (inclusion, exclusion, computed fields; no find-only
// operators), and $addFields/$set specs as its AddFieldsProjectionExecutor.

#include "base/bson_shell.h"
#include "query/numbers.h"
#include "query/pipeline.h"
#include "query/spec_rules.h"
#include "query/stage_project.h"

namespace basalt::query::project {

Node::Entry* Node::Find(std::string_view name) {
  for (Entry& e : entries) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

const Node::Entry* Node::Find(std::string_view name) const {
  return const_cast<Node*>(this)->Find(name);
}

Status Node::Optimize() {
  for (Entry& e : entries) {
    if (e.expr) {
      if (Status s = query::Optimize(&e.expr); !s.ok()) return s;
    }
    if (e.child) {
      if (Status s = e.child->Optimize(); !s.ok()) return s;
    }
  }
  return Status::OK();
}

namespace {

std::string Join(const std::vector<std::string>& path, size_t from = 0) {
  std::string out;
  for (size_t i = from; i < path.size(); ++i) {
    if (i > from) out += '.';
    out += path[i];
  }
  return out;
}

bool MarkComputed(Node* node) {
  bool computed = false;
  for (auto& e : node->entries) {
    if (e.kind == Node::Kind::kComputed) computed = true;
    if (e.child && MarkComputed(e.child.get())) computed = true;
  }
  node->subtree_computed = computed;
  return computed;
}

class ProjectParser {
 public:
  explicit ProjectParser(const VariablesParseState& vps) : vps_(vps) {}

  Status Run(const bson_t* spec, Projection* out) {
    bson_iter_t it;
    bson_iter_init(&it, spec);
    while (bson_iter_next(&it)) {
      std::string_view name = KeyOf(&it);
      id_specified_ = id_specified_ || name == "_id" || name.substr(0, 4) == "_id.";
      if (Status s = ParseElement(&it, {}, &out->root); !s.ok()) return s;
    }
    if (!inclusion_) inclusion_ = id_included_;
    if (*inclusion_ && !id_specified_) {
      out->root.entries.push_back({"_id", Node::Kind::kInclude, nullptr, nullptr});
    }
    if (!*inclusion_ && id_included_) {
      auto& e = out->root.entries;
      e.erase(
          std::remove_if(e.begin(), e.end(), [](const Node::Entry& x) { return x.name == "_id"; }),
          e.end());
    }
    if (*inclusion_) {
      // An inclusion projection leaves out an excluded _id by not naming it.
      auto& e = out->root.entries;
      e.erase(std::remove_if(e.begin(), e.end(),
                             [](const Node::Entry& x) {
                               return x.name == "_id" && x.kind == Node::Kind::kExclude;
                             }),
              e.end());
    }
    out->mode = *inclusion_ ? Mode::kInclusion : Mode::kExclusion;
    MarkComputed(&out->root);
    return Status::OK();
  }

 private:
  // mongod's addNodeAtPath.
  static Status AddAtPath(Node* root, const std::vector<std::string>& path, size_t i,
                          Node::Entry entry, const std::vector<std::string>& full) {
    Node::Entry* existing = root->Find(path[i]);
    if (i + 1 == path.size()) {
      if (existing != nullptr) return Status(31250, "Path collision at " + Join(full));
      entry.name = path[i];
      root->entries.push_back(std::move(entry));
      return Status::OK();
    }
    if (existing == nullptr) {
      root->entries.push_back({path[i], Node::Kind::kChild, nullptr, std::make_unique<Node>()});
      existing = &root->entries.back();
    } else if (existing->kind != Node::Kind::kChild) {
      return Status(31249,
                    "Path collision at " + Join(full) + " remaining portion " + Join(full, i + 1));
    }
    return AddAtPath(existing->child.get(), path, i + 1, std::move(entry), full);
  }

  Status ParseElement(const bson_iter_t* elem, const std::vector<std::string>& prefix,
                      Node* parent) {
    const std::string_view name = KeyOf(elem);
    std::vector<std::string> path;
    if (Status s = ValidateFieldPath(name, &path); !s.ok()) return s;
    std::vector<std::string> full = prefix;
    full.insert(full.end(), path.begin(), path.end());
    const bool top_level_id = prefix.empty() && name == "_id";
    const bson_type_t type = bson_iter_type(elem);

    if (type == BSON_TYPE_DOCUMENT) {
      Bson sub = DocumentOf(elem);
      bson_iter_t first;
      bson_iter_init(&first, sub.get());
      if (!bson_iter_next(&first)) {
        return Status(51270,
                      "An empty sub-projection is not a valid value. Found empty object at path");
      }
      if (bson_count_keys(sub.get()) == 1 && KeyOf(&first).substr(0, 1) == "$") {
        auto expr = ParseObjectExpression(sub.get(), vps_);
        if (!expr.ok()) return expr.status();
        if (inclusion_ && !*inclusion_) {
          return Status(31252, "Cannot use expression other than $meta in exclusion projection");
        }
        inclusion_ = true;
        return AddAtPath(parent, path, 0,
                         {"", Node::Kind::kComputed, std::move(expr.value()), nullptr}, full);
      }
      // A nested projection: its fields are relative to this path.
      Node* node = parent;
      for (const std::string& part : path) {
        Node::Entry* e = node->Find(part);
        if (e == nullptr) {
          node->entries.push_back({part, Node::Kind::kChild, nullptr, std::make_unique<Node>()});
          e = &node->entries.back();
        } else if (e->kind != Node::Kind::kChild) {
          return Status(31250, "Path collision at " + Join(full));
        }
        node = e->child.get();
      }
      bson_iter_t it;
      bson_iter_init(&it, sub.get());
      while (bson_iter_next(&it)) {
        if (Status s = ParseElement(&it, full, node); !s.ok()) return s;
      }
      return Status::OK();
    }

    if (type == BSON_TYPE_BOOL || IsNumber(type)) {
      const bool include = NumericTrueValue(elem);
      Status s = AddAtPath(
          parent, path, 0,
          {"", include ? Node::Kind::kInclude : Node::Kind::kExclude, nullptr, nullptr}, full);
      if (!s.ok()) return s;
      if (top_level_id) {
        (include ? id_included_ : id_excluded_) = true;
        return Status::OK();
      }
      if (include && inclusion_ && !*inclusion_) {
        return Status(31253, "Cannot do inclusion on field " + std::string(name) +
                                 " in exclusion projection");
      }
      if (!include && inclusion_ && *inclusion_) {
        return Status(31254, "Cannot do exclusion on field " + std::string(name) +
                                 " in inclusion projection");
      }
      inclusion_ = include;
      return Status::OK();
    }

    auto expr = ParseOperand(elem, vps_);
    if (!expr.ok()) return expr.status();
    Status s = AddAtPath(parent, path, 0,
                         {"", Node::Kind::kComputed, std::move(expr.value()), nullptr}, full);
    if (!s.ok()) return s;
    if (inclusion_ && !*inclusion_) {
      return Status(
          31310, "Cannot use an expression " + ElementString(elem) + " in an exclusion projection");
    }
    inclusion_ = true;
    return Status::OK();
  }

  const VariablesParseState& vps_;
  std::optional<bool> inclusion_;
  bool id_specified_ = false;
  bool id_included_ = false;
  bool id_excluded_ = false;
};

// $addFields: every value is computed; nested objects name nested fields.
class AddFieldsParser {
 public:
  AddFieldsParser(const VariablesParseState& vps, const bson_t* raw) : vps_(vps), raw_(raw) {}

  Status Parse(const bson_t* spec, const std::vector<std::string>& prefix, Node* root) {
    bson_iter_t it;
    bson_iter_init(&it, spec);
    while (bson_iter_next(&it)) {
      std::vector<std::string> path;
      if (Status s = ValidateFieldPath(KeyOf(&it), &path); !s.ok()) return s;
      std::vector<std::string> full = prefix;
      full.insert(full.end(), path.begin(), path.end());
      if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
        Bson sub = DocumentOf(&it);
        bson_iter_t first;
        bson_iter_init(&first, sub.get());
        if (!bson_iter_next(&first)) {
          return Status(40180, "an empty object is not a valid value. Found empty object at path " +
                                   Join(full));
        }
        if (KeyOf(&first).substr(0, 1) == "$") {
          if (bson_count_keys(sub.get()) != 1) {
            return Status(40181,
                          "an expression specification must contain exactly one field, the name "
                          "of the expression. Found " +
                              std::to_string(bson_count_keys(sub.get())) + " fields in " +
                              ShellString(sub.get()) + ", while parsing object " +
                              ShellString(raw_));
          }
          auto expr = ParseObjectExpression(sub.get(), vps_);
          if (!expr.ok()) return expr.status();
          if (Status s = Add(root, full, 0, std::move(expr.value())); !s.ok()) return s;
          continue;
        }
        if (Status s = Parse(sub.get(), full, root); !s.ok()) return s;
        continue;
      }
      auto expr = ParseOperand(&it, vps_);
      if (!expr.ok()) return expr.status();
      if (Status s = Add(root, full, 0, std::move(expr.value())); !s.ok()) return s;
    }
    return Status::OK();
  }

 private:
  Status Conflict(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    return Status(40176, "specification contains two conflicting paths. Cannot specify both '" +
                             Join(a) + "' and '" + Join(b) + "': " + ShellString(raw_));
  }

  Status Add(Node* node, const std::vector<std::string>& path, size_t i, ExpressionPtr expr) {
    std::vector<std::string> prefix(path.begin(), path.begin() + i + 1);
    Node::Entry* e = node->Find(path[i]);
    if (i + 1 == path.size()) {
      if (e != nullptr) return Conflict(prefix, path);
      node->entries.push_back({path[i], Node::Kind::kComputed, std::move(expr), nullptr});
      return Status::OK();
    }
    if (e == nullptr) {
      node->entries.push_back({path[i], Node::Kind::kChild, nullptr, std::make_unique<Node>()});
      e = &node->entries.back();
    } else if (e->kind != Node::Kind::kChild) {
      return Conflict(prefix, path);
    }
    return Add(e->child.get(), path, i + 1, std::move(expr));
  }

  const VariablesParseState& vps_;
  const bson_t* raw_;
};

}  // namespace

StatusWith<std::unique_ptr<Projection>> ParseProject(const bson_t* spec,
                                                     const VariablesParseState& vps) {
  if (bson_count_keys(spec) == 0) {
    return Status(51272, "projection specification must have at least one field");
  }
  auto out = std::make_unique<Projection>();
  ProjectParser parser(vps);
  if (Status s = parser.Run(spec, out.get()); !s.ok()) return s;
  return out;
}

StatusWith<std::unique_ptr<Projection>> ParseAddFields(const bson_t* spec,
                                                       const VariablesParseState& vps) {
  auto out = std::make_unique<Projection>();
  out->mode = Mode::kAddFields;
  AddFieldsParser parser(vps, spec);
  if (Status s = parser.Parse(spec, {}, &out->root); !s.ok()) return s;
  MarkComputed(&out->root);
  return out;
}

}  // namespace basalt::query::project
