// Updates mongod refuses, with its codes and messages: parse errors of the
// update document and of each operator's argument, and errors met while
// applying to a document. Verified in src/mongo/db/update/ (update_driver.cpp,
// update_object_node.cpp, field_checker.cpp, modifier_node.cpp,
// path_support.cpp, storage_validation.cpp and the *_node.cpp operators with
// their *_test.cpp), jstests/core/write/update/ and FerretDB's integration
// tests, which record mongod's replies.
#include <catch2/catch.hpp>

#include "tests/unit/query/update_test_util.h"

using namespace basalt::update_test;

namespace {
// FerretDB's shared "array-documents-nested" document.
const char* const kNested =
    R"({_id: "array-documents-nested", v: [{foo: [{bar: "hello"}, {bar: "world"}]}]})";
const char* const kNestedPrinted = R"({v: [ { foo: [ { bar: "hello" }, { bar: "world" } ] } ]})";
}  // namespace

TEST_CASE("malformed update documents", "[update]") {
  const std::string unknown =
      ". Expected a valid update modifier or pipeline-style update specified as an array";
  CheckErrors({
      {"{_id: 1}", "{$foo: {a: 1}}", 9, "Unknown modifier: $foo" + unknown},
      {"{_id: 1}", "{$pushAll: {a: [1]}}", 9, "Unknown modifier: $pushAll" + unknown},
      {"{_id: 1}", "{$set: {a: 1}, b: 2}", 9, "Unknown modifier: b" + unknown},
      {"{_id: 1}", "{$set: 1}", 9,
       "Modifiers operate on fields but we found type int instead. For example: {$mod: {<field>: "
       "...}} not {$set: 1}"},
      {"{_id: 1}", "{$inc: [1]}", 9,
       "Modifiers operate on fields but we found type array instead. For example: {$mod: "
       "{<field>: ...}} not {$inc: [ 1 ]}"},
      {"{_id: 1}", R"({$set: {"": 1}})", 56, "An empty update path is not valid."},
      {"{_id: 1}", R"({$set: {"a.": 1}})", 56,
       "The update path 'a.' contains an empty field name, which is not allowed."},
      {"{_id: 1}", R"({$unset: {"a..b": 1}})", 56,
       "The update path 'a..b' contains an empty field name, which is not allowed."},
      {"{_id: 1}", R"({$rename: {"": "v"}})", 56, "An empty update path is not valid."},
      {"{_id: 1}", R"({$rename: {"v.": "v"}})", 56,
       "The update path 'v.' contains an empty field name, which is not allowed."},
      {"{_id: 1}", R"({$rename: {v: ""}})", 56, "An empty update path is not valid."},
  });
}

TEST_CASE("conflicting update paths", "[update]") {
  CheckErrors({
      {"{_id: 1}", "{$set: {a: 1}, $inc: {a: 1}}", 40,
       "Updating the path 'a' would create a conflict at 'a'"},
      {"{_id: 1}", R"({$set: {a: 1, "a.b": 2}})", 40,
       "Updating the path 'a.b' would create a conflict at 'a'"},
      {"{_id: 1}", R"({$set: {"a.b": 1, a: 2}})", 40,
       "Updating the path 'a' would create a conflict at 'a'"},
      {"{_id: 1}", R"({$set: {"a.b.c": 1}, $unset: {"a.b": 1}})", 40,
       "Updating the path 'a.b' would create a conflict at 'a.b'"},
      {"{_id: 1}", R"({$rename: {a: "b"}, $set: {b: 1}})", 40,
       "Updating the path 'b' would create a conflict at 'b'"},
      {"{_id: 1}", R"({$rename: {a: "b"}, $set: {"a.c": 1}})", 40,
       "Updating the path 'a.c' would create a conflict at 'a'"},
      {"{_id: 1}",
       R"({$set: {"a.$[i]": 1, "a.b": 1}})",
       40,
       "Updating the path 'a.b' would create a conflict at 'a'",
       {"{i: 1}"}},
      {"{_id: 1}", R"({$set: {"a.$": 1}, $inc: {"a.$": 1}})", 40,
       "Updating the path 'a.$' would create a conflict at 'a.$'"},
  });
}

TEST_CASE("operator argument errors", "[update]") {
  CheckErrors({
      {kNested, R"({$inc: {v: "string"}})", 14,
       R"(Cannot increment with non-numeric argument: {v: "string"})"},
      {kNested, R"({$mul: {v: "string"}})", 14,
       R"(Cannot multiply with non-numeric argument: {v: "string"})"},
      {kNested, R"({$mul: {"non-existent": "string"}})", 14,
       R"(Cannot multiply with non-numeric argument: {non-existent: "string"})"},
      {"{_id: 1}", "{$inc: {a: null}}", 14,
       "Cannot increment with non-numeric argument: {a: null}"},
      {"{_id: 1}", "{$rename: {a: 1}}", 2, "The 'to' field for $rename must be a string: a: 1"},
      {"{_id: 1}", R"({$rename: {a: "a"}})", 2,
       R"(The source and target field for $rename must differ: a: "a")"},
      {"{_id: 1}", R"({$rename: {a: "a.b"}})", 2,
       R"(The source and target field for $rename must not be on the same path: a: "a.b")"},
      {"{_id: 1}", R"({$rename: {"a.b": "a"}})", 2,
       R"(The source and target field for $rename must not be on the same path: a.b: "a")"},
      {"{_id: 1}", R"({$rename: {"a.$": "b"}})", 2,
       "The source field for $rename may not be dynamic: a.$"},
      {"{_id: 1}", R"({$rename: {"a.$[]": "b"}})", 2,
       "The source field for $rename may not be dynamic: a.$[]"},
      {"{_id: 1}", R"({$rename: {a: "b.$"}})", 2,
       "The destination field for $rename may not be dynamic: b.$"},
      {"{_id: 1}", "{$currentDate: {a: 1}}", 2,
       "int is not valid type for $currentDate. Please use a boolean ('true') or a $type "
       "expression ({$type: 'timestamp/date'})."},
      {"{_id: 1}", R"({$currentDate: {a: {"%type": "x"}}})", 2,
       "The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {field "
       ": {$type: 'date'}}}"},
      {"{_id: 1}", "{$currentDate: {a: {}}}", 2,
       "The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {field "
       ": {$type: 'date'}}}"},
      {"{_id: 1}", "{$currentDate: {a: {foo: 1}}}", 2, "Unrecognized $currentDate option: foo"},
      {"{_id: 1}", "{$bit: {a: 1}}", 2,
       "The $bit modifier is not compatible with a int. You must pass in an embedded document: "
       "{$bit: {field: {and/or/xor: #}}"},
      {"{_id: 1}", "{$bit: {a: {nand: 1}}}", 2,
       "The $bit modifier only supports 'and', 'or', and 'xor', not 'nand' which is an unknown "
       "operator: {nand: 1}"},
      {"{_id: 1}", "{$bit: {a: {and: 1.5}}}", 2,
       "The $bit modifier field must be an Integer(32/64 bit); a 'double' is not supported here: "
       "{and: 1.5}"},
      {"{_id: 1}", "{$bit: {a: {}}}", 2,
       "You must pass in at least one bitwise operation. The format is: {$bit: {field: "
       "{and/or/xor: #}}"},
  });
}

TEST_CASE("array operator argument errors", "[update]") {
  CheckErrors({
      {"{_id: 1}", "{$push: {a: {$each: 1}}}", 2,
       "The argument to $each in $push must be an array but it was of type: int"},
      {"{_id: 1}", "{$push: {a: {$each: [1], $foo: 1}}}", 2, "Unrecognized clause in $push: $foo"},
      {"{_id: 1}", "{$push: {a: {$each: [1], b: 1}}}", 2, "Unrecognized clause in $push: b"},
      {"{_id: 1}", "{$push: {a: {$each: [1], $slice: 1, $slice: 2}}}", 2,
       "Only one $slice is supported."},
      {"{_id: 1}", R"({$push: {a: {$each: [1], $slice: "x"}}})", 2,
       "The value for $slice must be an integer value but was given type: string"},
      {"{_id: 1}", "{$push: {a: {$each: [1], $slice: 1.5}}}", 2,
       "The value for $slice must be an integer value but was given type: double"},
      {"{_id: 1}", "{$push: {a: {$each: [1], $sort: 2}}}", 2,
       "The $sort element value must be either 1 or -1"},
      {"{_id: 1}", R"({$push: {a: {$each: [1], $sort: "x"}}})", 2,
       "The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort "
       "embedded fields"},
      {"{_id: 1}", "{$push: {a: {$each: [1], $sort: {}}}}", 2,
       "The sort pattern is empty when it should be a set of fields."},
      {"{_id: 1}", "{$push: {a: {$each: [1], $sort: {b: 2}}}}", 2,
       "The sort element value must be either 1 or -1"},
      {"{_id: 1}", R"({$push: {a: {$each: [1], $sort: {"b..c": 1}}}})", 2,
       "The sort field is a dotted field but has an empty part: b..c"},
      {"{_id: 1}", R"({$push: {a: {$each: [1], $position: "x"}}})", 2,
       "The value for $position must be an integer value, not of type: string"},
      {"{_id: 1}", "{$addToSet: {a: {$each: 1}}}", 14,
       "The argument to $each in $addToSet must be an array but it was of type int"},
      {"{_id: 1}", "{$addToSet: {a: {$each: [1], b: 1}}}", 2,
       "Found unexpected fields after $each in $addToSet: { $each: [ 1 ], b: 1 }"},
      {"{_id: 1}", "{$pop: {a: 2}}", 9, "$pop expects 1 or -1, found: 2"},
      {"{_id: 1}", "{$pop: {a: 0}}", 9, "$pop expects 1 or -1, found: 0"},
      {"{_id: 1}", R"({$pop: {a: "x"}})", 9, R"(Expected a number in: a: "x")"},
      {"{_id: 1}", "{$pop: {a: 1.5}}", 9, "Expected an integer: a: 1.5"},
      {"{_id: 1}", "{$pullAll: {a: 1}}", 2,
       "$pullAll requires an array argument but was given a int"},
      {"{_id: 1}", "{$pull: {a: {$foo: 1}}}", 2,
       "unknown top level operator: $foo. If you have a field name that starts with a '$' symbol, "
       "consider using $getField or $setField."},
      {"{_id: 1}", "{$pull: {a: {$gt: 1, b: 1}}}", 2, "unknown operator: b"},
      {"{_id: 1}", "{$pull: {a: {$where: 1}}}", 2, "$where is not allowed in this context"},
  });
}

TEST_CASE("type errors while applying", "[update]") {
  CheckErrors({
      {R"({_id: 1, a: "x"})", "{$inc: {a: 1}}", 14,
       "Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 'a' of "
       "non-numeric type string"},
      {kNested, R"({$inc: {"v.0.foo.0.bar": 1}})", 14,
       R"(Cannot apply $inc to a value of non-numeric type. {_id: "array-documents-nested"} has the field 'bar' of non-numeric type string)"},
      {kNested, R"({$mul: {"v.0.foo.0.bar": 1}})", 14,
       R"(Cannot apply $mul to a value of non-numeric type. {_id: "array-documents-nested"} has the field 'bar' of non-numeric type string)"},
      {"{a: [1]}", "{$inc: {a: 1}}", 14,
       "Cannot apply $inc to a value of non-numeric type. {no id} has the field 'a' of "
       "non-numeric type array"},
      {R"({_id: 1, a: [null]})", R"({$inc: {"a.0": 1}})", 14,
       "Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field '0' of "
       "non-numeric type null"},
      {R"({_id: "int64-max", v: {$numberLong: "9223372036854775807"}})",
       R"({$inc: {v: {$numberLong: "9223372036854775807"}}})", 2,
       R"(Failed to apply $inc operations to current value ((NumberLong)9223372036854775807) for document {_id: "int64-max"})"},
      {R"({_id: "int32", v: 42})", R"({$inc: {v: {$numberLong: "9223372036854775807"}}})", 2,
       R"(Failed to apply $inc operations to current value ((NumberInt)42) for document {_id: "int32"})"},
      {R"({_id: "int64-max", v: {$numberLong: "9223372036854775807"}})",
       R"({$mul: {v: {$numberLong: "9223372036854775807"}}})", 2,
       R"(Failed to apply $mul operations to current value ((NumberLong)9223372036854775807) for document {_id: "int64-max"})"},
      {R"({_id: "int32", v: 42})", R"({$mul: {v: {$numberLong: "9223372036854775807"}}})", 2,
       R"(Failed to apply $mul operations to current value ((NumberInt)42) for document {_id: "int32"})"},
      {"{_id: 1, a: 1.5}", "{$bit: {a: {and: 1}}}", 2,
       "Cannot apply $bit to a value of non-integral type._id: 1 has the field a of non-integer "
       "type double"},
      {"{_id: 1, a: 1}", "{$push: {a: 1}}", 2,
       "The field 'a' must be an array but is of type int in document {_id: 1}"},
      {R"({_id: "x", a: {b: {}}})", R"({$push: {"a.b": 1}})", 2,
       R"(The field 'a.b' must be an array but is of type object in document {_id: "x"})"},
      {"{_id: 1, a: 1}", "{$addToSet: {a: 1}}", 2,
       "Cannot apply $addToSet to non-array field. Field named 'a' has non-array type int"},
      {"{_id: 1, a: 1}", "{$pop: {a: 1}}", 14,
       "Path 'a' contains an element of non-array type 'int'"},
      {R"({_id: 1, a: {b: "x"}})", R"({$pop: {"a.b": 1}})", 14,
       "Path 'a.b' contains an element of non-array type 'string'"},
      {"{_id: 1, a: 1}", "{$pull: {a: 1}}", 2, "Cannot apply $pull to a non-array value"},
      {"{_id: 1, a: {}}", "{$pullAll: {a: [1]}}", 2, "Cannot apply $pull to a non-array value"},
  });
}

TEST_CASE("paths that cannot be created or traversed", "[update]") {
  const std::string in_nested =
      std::string("Cannot create field 'foo' in element ") + kNestedPrinted;
  CheckErrors({
      {"{_id: 1, a: 1}", R"({$set: {"a.b": 1}})", 28, "Cannot create field 'b' in element {a: 1}"},
      {"{_id: 1, a: null}", R"({$set: {"a.b.c": 1}})", 28,
       "Cannot create field 'b' in element {a: null}"},
      {R"({_id: 1, a: {b: "x"}})", R"({$set: {"a.b.c": 1}})", 28,
       R"(Cannot create field 'c' in element {b: "x"})"},
      {"{_id: 1, a: [0]}", R"({$set: {"a.0.b": 1}})", 28,
       "Cannot create field 'b' in element {0: 0}"},
      {"{_id: 1, a: [1, 2]}", R"({$set: {"a.b": 1}})", 28,
       "Cannot create field 'b' in element {a: [ 1, 2 ]}"},
      {"{_id: 1, a: [1.5]}", R"({$set: {"a.x": 1}})", 28,
       "Cannot create field 'x' in element {a: [ 1.5 ]}"},
      {kNested, R"({$inc: {"v.foo": 1}})", 28, in_nested},
      {kNested, R"({$max: {"v.foo": 1}})", 28, in_nested},
      {kNested, R"({$min: {"v.foo": 1}})", 28, in_nested},
      {kNested, R"({$mul: {"v.foo": 1}})", 28, in_nested},
      {kNested, R"({$push: {"v.foo": 1}})", 28, in_nested},
      {"{_id: 1, a: 1}", R"({$pop: {"a.b": 1}})", 28,
       "Cannot use the part (b) of (a.b) to traverse the element ({a: 1})"},
      {"{_id: 1, a: [1]}", R"({$pull: {"a.b": 1}})", 28,
       "Cannot use the part (b) of (a.b) to traverse the element ({a: [ 1 ]})"},
      {R"({_id: 1, a: {b: 1}})", R"({$pullAll: {"a.b.c.d": [1]}})", 28,
       "Cannot use the part (c) of (a.b.c.d) to traverse the element ({b: 1})"},
      {"{_id: 1, a: []}", R"({$set: {"a.2000000": 1}})", 34,
       "can't backfill more than 1500000 elements"},
  });
}

TEST_CASE("$rename errors while applying", "[update]") {
  CheckErrors({
      {kNested, R"({$rename: {"v.foo": "foo"}})", 28,
       std::string("cannot use the part (v of v.foo) to traverse the element (") + kNestedPrinted +
           ")"},
      {kNested, R"({$rename: {"v.-1": "f"}})", 28,
       std::string("cannot use the part (v of v.-1) to traverse the element (") + kNestedPrinted +
           ")"},
      {kNested, R"({$rename: {"v.0.foo.0.bar.z": "f"}})", 28,
       R"(cannot use the part (bar of v.0.foo.0.bar.z) to traverse the element ({bar: "hello"}))"},
      {R"({_id: "test_object", a: [1, 2]})", R"({$rename: {"a.0": "b"}})", 2,
       R"(The source field cannot be an array element, 'a.0' in doc with _id: "test_object" has an array field called 'a')"},
      {"{_id: 1, a: [{b: 1}]}", R"({$rename: {"a.0.b": "c"}})", 2,
       "The source field cannot be an array element, 'a.0.b' in doc with _id: 1 has an array "
       "field called 'a'"},
      {"{_id: 1, a: [{b: 1}], c: 1}", R"({$rename: {c: "a.0.d"}})", 2,
       "The destination field cannot be an array element, 'a.0.d' in doc with _id: 1 has an "
       "array field called 'a'"},
      {"{_id: 1, a: [1], c: 1}", R"({$rename: {c: "a.0"}})", 2,
       "The destination field cannot be an array element, 'a.0' in doc with _id: 1 has an array "
       "field called 'a'"},
      {"{_id: 1, a: 1, c: 1}", R"({$rename: {c: "a.b"}})", 28,
       "Cannot create field 'b' in element {a: 1}"},
  });
}

TEST_CASE("the immutable _id", "[update]") {
  const std::string performing = "' would modify the immutable field '_id'";
  CheckErrors({
      {"{_id: 1}", "{$set: {_id: 2}}", 66, "Performing an update on the path '_id" + performing},
      {R"({_id: "array-documents-nested"})", R"({$set: {_id: "another-id"}})", 66,
       "Performing an update on the path '_id" + performing},
      {"{_id: 1}", "{$set: {_id: 1.0}}", 66, "Performing an update on the path '_id" + performing},
      {"{_id: 1}", "{$unset: {_id: 1}}", 66, "Performing an update on the path '_id" + performing},
      {"{_id: 1}", "{$inc: {_id: 1}}", 66, "Performing an update on the path '_id" + performing},
      {"{_id: 1}", "{$max: {_id: 5}}", 66, "Performing an update on the path '_id" + performing},
      {"{_id: {a: 1}}", R"({$set: {"_id.a": 2}})", 66,
       "Performing an update on the path '_id.a" + performing},
      {"{_id: {a: 1}}", R"({$set: {"_id.b": 2}})", 66,
       "Updating the path '_id' to _id: { a: 1, b: 2 } would modify the immutable field '_id'"},
      {"{_id: 1, x: 2}", R"({$rename: {_id: "y"}})", 66,
       "Performing an update on the path '_id" + performing},
      {"{_id: 1, x: 2}", R"({$rename: {x: "_id"}})", 66,
       "Performing an update on the path '_id" + performing},
      {R"({_id: "x"})", "{$inc: {_id: 1}}", 14,
       R"(Cannot apply $inc to a value of non-numeric type. {_id: "x"} has the field '_id' of non-numeric type string)"},
  });
}

TEST_CASE("storage validation of the result", "[update]") {
  const std::string hint =
      "' is not allowed in the context of an update's replacement document. Consider using an "
      "aggregation pipeline with $replaceWith.";
  CheckErrors({
      // jstests/core/write/update/updateh.js: no '$' field names at the top level.
      {"{_id: 1, x: 1}", R"({$set: {"$z": 1}})", 52,
       "The dollar ($) prefixed field '$z' in '$z" + hint},
      {"{_id: 1, x: 1}", R"({$inc: {"$z": 1}})", 52,
       "The dollar ($) prefixed field '$z' in '$z" + hint},
      {"{_id: 1, x: 1}", R"({$set: {_id: 1, "$invalid": 1}})", 52,
       "The dollar ($) prefixed field '$invalid' in '$invalid" + hint},
      {"{_id: 1}", R"({$set: {"$id": 1}})", 55,
       "Found $id field without a $ref before it, which is invalid."},
      {"{_id: 1}", R"({$set: {"$ref": 1}})", 55,
       "The DBRef $ref field must be a String, not a int"},
      {"{_id: 1}", R"({$set: {"$ref": "c"}})", 55,
       "The DBRef $ref field must be followed by a $id field"},
  });
}

TEST_CASE("multi with a replacement document", "[update]") {
  Applied applied = Run("{_id: 1}", "{a: 1}", {}, "", /*multi=*/true);
  REQUIRE_FALSE(applied.status.ok());
  CHECK(applied.status.code() == 9);
  CHECK(applied.status.reason() == "multi update is not supported for replacement-style update");
  CHECK(Run("{_id: 1}", "{$set: {a: 1}}", {}, "", true).status.ok());
}

TEST_CASE("pipeline and non-document updates", "[update]") {
  basalt::Bson holder = Doc("{u: [{$set: {a: 1}}], v: 1}");
  bson_iter_t u;
  REQUIRE(bson_iter_init_find(&u, holder.get(), "u"));
  auto pipeline = basalt::query::UpdateDriver::ParseElement(&u);
  REQUIRE(pipeline.ok());
  CHECK(pipeline.value()->is_pipeline());
  basalt::Bson filter = Doc("{i: 1}");
  basalt::query::UpdateOptions options;
  options.array_filters.push_back(filter.get());
  auto with_filters = basalt::query::UpdateDriver::ParseElement(&u, options);
  REQUIRE_FALSE(with_filters.ok());
  CHECK(with_filters.status().code() == 9);
  CHECK(with_filters.status().reason() ==
        "arrayFilters may not be specified for pipeline-style updates");
  REQUIRE(bson_iter_init_find(&u, holder.get(), "v"));
  auto scalar = basalt::query::UpdateDriver::ParseElement(&u);
  REQUIRE_FALSE(scalar.ok());
  CHECK(scalar.status().code() == 9);
  CHECK(scalar.status().reason() == "Update argument must be either an object or an array");
}

TEST_CASE("documents that grow too large or too deep", "[update]") {
  // 17419: the result of an update over 16 MiB.
  std::string big(9 * 1024 * 1024, 'x');
  basalt::Bson doc;
  bson_append_int32(doc.get(), "_id", -1, 1);
  bson_append_utf8(doc.get(), "a", -1, big.data(), static_cast<int>(big.size()));
  basalt::Bson update;
  bson_t set;
  bson_append_document_begin(update.get(), "$set", -1, &set);
  bson_append_utf8(&set, "b", -1, big.data(), static_cast<int>(big.size()));
  bson_append_document_end(update.get(), &set);
  auto driver = basalt::query::UpdateDriver::Parse(update.get());
  REQUIRE(driver.ok());
  auto result = driver.value()->Apply(doc.get(), nullptr);
  REQUIRE_FALSE(result.ok());
  CHECK(result.status().code() == 17419);
  CHECK(result.status().reason() == "Resulting document after update is larger than 16777216");

  // Overflow: more than 180 levels of nesting (storage_validation.cpp); built
  // with libbson, whose JSON reader stops at fewer levels.
  auto nested_set = [](int levels) {
    basalt::Bson value;
    bson_append_int32(value.get(), "a", -1, 1);
    for (int i = 1; i < levels; ++i) {
      basalt::Bson outer;
      bson_append_document(outer.get(), "a", -1, value.get());
      value = std::move(outer);
    }
    basalt::Bson spec;
    bson_t set;
    bson_append_document_begin(spec.get(), "$set", -1, &set);
    bson_append_document(&set, "x", -1, value.get());
    bson_append_document_end(spec.get(), &set);
    return spec;
  };
  basalt::Bson id_only = Doc("{_id: 1}");
  // x is level 1, its 180 nested fields reach level 181.
  auto too_deep = basalt::query::UpdateDriver::Parse(nested_set(180).get());
  REQUIRE(too_deep.ok());
  auto deep_result = too_deep.value()->Apply(id_only.get(), nullptr);
  REQUIRE_FALSE(deep_result.ok());
  CHECK(deep_result.status().code() == 15);
  CHECK(deep_result.status().reason() == "Document exceeds maximum nesting depth of 180");
  auto deepest = basalt::query::UpdateDriver::Parse(nested_set(179).get());
  REQUIRE(deepest.ok());
  CHECK(deepest.value()->Apply(id_only.get(), nullptr).ok());
}
