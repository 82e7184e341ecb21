// Dotted paths and how the matcher walks them through a document: mongod's
// ElementPath / BSONElementIterator (src/mongo/db/matcher/path.cpp).
//
// Contract: VisitPath calls `visit(value, array_offset)` once for every value
// that the path `a.b.c` reaches in a document, in mongod's order, and stops as
// soon as `visit` returns true:
// - through nested documents by field name;
// - through arrays met before the last component, implicitly: each element
//   that is a document is searched for the rest of the path; an element whose
//   index equals the next (all-digit) component is also used by position
//   ("a.0.b"), whether it is a document or a nested array;
// - at the last component an array yields each element, then (kTraverse) the
//   array itself, or (kNoTraversal, for $size and $elemMatch) only the array;
// - a missing field yields `value == nullptr` (mongod's EOO), except inside
//   an array element that is not a document, which yields nothing.
// `array_offset` is the index (as its field name, "0", "1"...) of the element
// of the outermost array traversed implicitly, empty when none: mongod's
// elemMatchKey, used by the positional `$` operator.
//
// Thread-safety: stateless; FieldPath is immutable after Parse.
#pragma once

#include <bson/bson.h>

#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace basalt::query {

// A dotted field path split into its components ("a..b" has an empty one).
struct FieldPath {
  std::string dotted;
  std::vector<std::string> parts;

  static FieldPath Parse(std::string_view dotted);
};

enum class LeafArrays { kTraverse, kNoTraversal };

// A non-owning reference to a callable bool(const bson_iter_t*, std::string_view),
// so that the traversal is not a template and allocates nothing.
class PathVisitor {
 public:
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, PathVisitor>>>
  PathVisitor(F&& f)  // NOLINT(google-explicit-constructor): used like a lambda
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, const bson_iter_t* v, std::string_view off) {
          return (*static_cast<std::remove_reference_t<F>*>(o))(v, off);
        }) {}
  bool operator()(const bson_iter_t* value, std::string_view offset) const {
    return call_(object_, value, offset);
  }

 private:
  void* object_;
  bool (*call_)(void*, const bson_iter_t*, std::string_view);
};

// Visits the values at `path` in `doc`; true if `visit` returned true.
bool VisitPath(const bson_t* doc, const FieldPath& path, LeafArrays leaf, PathVisitor visit);

// True for a non-empty string of ASCII digits (mongod's str::isAllDigits).
bool IsAllDigits(std::string_view s);

}  // namespace basalt::query
