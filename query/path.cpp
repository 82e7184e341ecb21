// The traversal mirrors mongod's BSONElementIterator state machine as plain
// recursion; each comment names the mongod behaviour it keeps, because every
// one of them is observable in query results.

#include "query/path.h"

#include "base/bson.h"

namespace basalt::query {
namespace {

struct Walk {
  const FieldPath& path;
  LeafArrays leaf;
  PathVisitor visit;

  size_t size() const { return path.parts.size(); }

  // The offset to report: the outermost implicit traversal wins, as mongod's
  // BSONElementIterator::next() prefers its own array offset over its child's.
  static std::string_view Offset(std::string_view outer, std::string_view local) {
    return outer.empty() ? local : outer;
  }

  // mongod's getFieldDottedOrArray + the BEGIN state: descend through
  // documents from component `start` until an array, a scalar or the end.
  bool FromDocument(const uint8_t* data, uint32_t len, size_t start, std::string_view outer) const {
    bson_iter_t it;
    size_t idx = start;
    bool found = false;
    while (idx < size()) {
      if (!bson_iter_init_from_data(&it, data, len) || !FindField(&it, path.parts[idx])) {
        found = false;
        break;
      }
      found = true;
      const bson_type_t type = bson_iter_type(&it);
      if (type == BSON_TYPE_DOCUMENT) {
        bson_iter_document(&it, &len, &data);
        ++idx;
        continue;
      }
      if (type == BSON_TYPE_ARRAY) break;
      // A scalar in the middle of the path: the rest of the path is missing.
      if (idx + 1 < size()) found = false;
      break;
    }
    if (!found) return visit(nullptr, outer);
    if (bson_iter_type(&it) != BSON_TYPE_ARRAY || idx >= size()) return visit(&it, outer);
    return InArray(&it, idx, outer);
  }

  // The IN_ARRAY state: `array` sits at component `array_idx` of the path.
  bool InArray(const bson_iter_t* array, size_t array_idx, std::string_view outer) const {
    const bool has_more = array_idx + 1 < size();
    if (!has_more && leaf == LeafArrays::kNoTraversal) return visit(array, outer);
    const std::string_view next = has_more ? std::string_view(path.parts[array_idx + 1]) : "";
    const bool next_is_number = has_more && IsAllDigits(next);
    const bool next_is_last = array_idx + 2 == size();

    bson_iter_t elem;
    if (!bson_iter_recurse(array, &elem)) return false;
    while (bson_iter_next(&elem)) {
      const std::string_view key = KeyOf(&elem);
      if (!has_more) {
        if (visit(&elem, Offset(outer, key))) return true;
        continue;
      }
      const bson_type_t type = bson_iter_type(&elem);
      const bool offset_match = next_is_number && key == next;
      if (type == BSON_TYPE_DOCUMENT) {
        uint32_t len = 0;
        const uint8_t* data = nullptr;
        bson_iter_document(&elem, &len, &data);
        // Implicit traversal: the rest of the path, numeric part included, is
        // looked up in the element (a field named "0" is a field like any).
        if (FromDocument(data, len, array_idx + 1, Offset(outer, key))) return true;
        if (offset_match) {
          // Positional use of the same element: no offset of our own.
          if (next_is_last) {
            if (visit(&elem, outer)) return true;
          } else if (FromDocument(data, len, array_idx + 2, outer)) {
            return true;
          }
        }
      } else if (offset_match) {
        if (next_is_last) {
          if (visit(&elem, outer)) return true;
        } else if (type == BSON_TYPE_ARRAY && InArray(&elem, array_idx + 1, outer)) {
          return true;
        }
      }
      // Other elements (scalars, nested arrays not addressed by position)
      // cannot hold the rest of the path and yield nothing.
    }
    if (has_more) return false;
    // The leaf array itself comes last, so {a: [1, 2]} matches {a: [1, 2]}.
    return visit(array, outer);
  }

  // BSONObj::getField: the first field with that exact name.
  static bool FindField(bson_iter_t* it, std::string_view name) {
    while (bson_iter_next(it)) {
      if (KeyOf(it) == name) return true;
    }
    return false;
  }
};

}  // namespace

FieldPath FieldPath::Parse(std::string_view dotted) {
  FieldPath path;
  path.dotted = std::string(dotted);
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    if (dot == std::string_view::npos) {
      path.parts.emplace_back(dotted.substr(start));
      break;
    }
    path.parts.emplace_back(dotted.substr(start, dot - start));
    start = dot + 1;
  }
  return path;
}

bool IsAllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool VisitPath(const bson_t* doc, const FieldPath& path, LeafArrays leaf, PathVisitor visit) {
  const Walk walk{path, leaf, visit};
  return walk.FromDocument(bson_get_data(doc), doc->len, 0, "");
}

}  // namespace basalt::query
