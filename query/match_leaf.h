// Leaf expressions (one predicate on the values at one path) and array
// expressions ($size, $elemMatch): mongod's expression_leaf.h and
// expression_array.h. See match_expression.h for the tree's contract and
// thread-safety; query/path.h for how a path reaches values.
#pragma once

#include <bson/bson.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "query/match_expression.h"
#include "query/path.h"
#include "query/regex.h"

namespace basalt::query {

// A predicate tested against each value the path yields (MatchesSingleElement);
// the document matches if any value does.
class LeafExpression : public MatchExpression {
 public:
  const std::string& path() const override { return path_.dotted; }
  const FieldPath& field_path() const { return path_; }
  bool Matches(const bson_t* doc, MatchDetails* details) const override;

 protected:
  LeafExpression(MatchType type, FieldPath path, LeafArrays leaf)
      : MatchExpression(type), path_(std::move(path)), leaf_(leaf) {}
  LeafArrays leaf_arrays() const { return leaf_; }

 private:
  const FieldPath path_;
  const LeafArrays leaf_;
};

// $eq $lt $lte $gt $gte with mongod's type bracketing: values of different
// canonical types never compare, except null against missing/undefined and
// MinKey/MaxKey operands; NaN equals only NaN.
class ComparisonExpression : public LeafExpression {
 public:
  // `operand` must point into storage that outlives the expression.
  ComparisonExpression(MatchType type, FieldPath path, const bson_iter_t& operand,
                       bool null_matches_undefined)
      : LeafExpression(type, std::move(path), LeafArrays::kTraverse),
        operand_(operand),
        null_matches_undefined_(null_matches_undefined) {}
  const bson_iter_t& operand() const { return operand_; }
  bool MatchesSingleElement(const bson_iter_t* value, MatchDetails* details) const override;
  void AppendDebugString(std::string* out, int indent) const override;

 private:
  const bson_iter_t operand_;
  const bool null_matches_undefined_;
};

// A regular expression: matches strings and symbols it finds, and regex
// values with the same pattern and options.
class RegexExpression : public LeafExpression {
 public:
  RegexExpression(FieldPath path, std::shared_ptr<const Regex> regex)
      : LeafExpression(MatchType::kRegex, std::move(path), LeafArrays::kTraverse),
        regex_(std::move(regex)) {}
  const Regex& regex() const { return *regex_; }
  bool MatchesSingleElement(const bson_iter_t* value, MatchDetails* details) const override;
  void AppendDebugString(std::string* out, int indent) const override;

 private:
  const std::shared_ptr<const Regex> regex_;
};

// $mod: numbers truncated toward zero to int64; divisor != 0.
class ModExpression : public LeafExpression {
 public:
  ModExpression(FieldPath path, int64_t divisor, int64_t remainder)
      : LeafExpression(MatchType::kMod, std::move(path), LeafArrays::kTraverse),
        divisor_(divisor),
        remainder_(remainder) {}
  bool MatchesSingleElement(const bson_iter_t* value, MatchDetails* details) const override;
  void AppendDebugString(std::string* out, int indent) const override;

 private:
  const int64_t divisor_;
  const int64_t remainder_;
};

// $exists: true ($exists: false is $not of it).
class ExistsExpression : public LeafExpression {
 public:
  explicit ExistsExpression(FieldPath path)
      : LeafExpression(MatchType::kExists, std::move(path), LeafArrays::kTraverse) {}
  bool MatchesSingleElement(const bson_iter_t* value, MatchDetails*) const override {
    return value != nullptr;
  }
  void AppendDebugString(std::string* out, int indent) const override;
};

// The types $type accepts: BSON type codes (MinKey as -1) and "number".
struct TypeSet {
  bool all_numbers = false;
  std::vector<int> codes;  // sorted, unique
  bool Has(bson_type_t type) const;
};

class TypeExpression : public LeafExpression {
 public:
  TypeExpression(FieldPath path, TypeSet types)
      : LeafExpression(MatchType::kType, std::move(path), LeafArrays::kTraverse),
        types_(std::move(types)) {}
  const TypeSet& types() const { return types_; }
  bool MatchesSingleElement(const bson_iter_t* value, MatchDetails* details) const override;
  void AppendDebugString(std::string* out, int indent) const override;

 private:
  const TypeSet types_;
};

// $in: equality with any of a set of values (kept sorted, duplicates
// removed, as mongod does), or a match of any of its regexes. A null in the
// set also matches missing (and, as in mongod 7.0, undefined).
class InExpression : public LeafExpression {
 public:
  InExpression(FieldPath path, std::vector<bson_iter_t> equalities,
               std::vector<std::unique_ptr<RegexExpression>> regexes, bool null_matches_undefined);
  const std::vector<bson_iter_t>& equalities() const { return equalities_; }
  bool MatchesSingleElement(const bson_iter_t* value, MatchDetails* details) const override;
  void AppendDebugString(std::string* out, int indent) const override;

 private:
  std::vector<bson_iter_t> equalities_;
  const std::vector<std::unique_ptr<RegexExpression>> regexes_;
  bool has_null_ = false;
  const bool null_matches_undefined_;
};

// $bitsAllSet $bitsAllClear $bitsAnySet $bitsAnyClear on integral numbers
// (sign-extended to 64 bits) and binData (zero-extended).
class BitTestExpression : public LeafExpression {
 public:
  // From a list of bit positions.
  BitTestExpression(MatchType type, FieldPath path, std::vector<uint32_t> positions);
  // From an integer mask.
  BitTestExpression(MatchType type, FieldPath path, uint64_t mask);
  // From a binData mask.
  BitTestExpression(MatchType type, FieldPath path, const uint8_t* bytes, uint32_t len);
  bool MatchesSingleElement(const bson_iter_t* value, MatchDetails* details) const override;
  void AppendDebugString(std::string* out, int indent) const override;

 private:
  bool TestNumber(int64_t value) const;
  bool TestBinary(const uint8_t* bytes, uint32_t len) const;
  std::vector<uint32_t> positions_;
  uint64_t mask_ = 0;
};

// Expressions on a whole array at the path (which is not traversed at the
// leaf): the document matches if one array found there satisfies MatchesArray.
class ArrayMatchingExpression : public LeafExpression {
 public:
  bool Matches(const bson_t* doc, MatchDetails* details) const override;
  bool MatchesSingleElement(const bson_iter_t* value, MatchDetails* details) const override;

 protected:
  ArrayMatchingExpression(MatchType type, FieldPath path)
      : LeafExpression(type, std::move(path), LeafArrays::kNoTraversal) {}
  virtual bool MatchesArray(const bson_iter_t* array, MatchDetails* details) const = 0;
};

class SizeExpression : public ArrayMatchingExpression {
 public:
  SizeExpression(FieldPath path, int size)
      : ArrayMatchingExpression(MatchType::kSize, std::move(path)), size_(size) {}
  void AppendDebugString(std::string* out, int indent) const override;

 private:
  bool MatchesArray(const bson_iter_t* array, MatchDetails* details) const override;
  const int size_;
};

// {$elemMatch: {<query>}}: an element that is a document (or an array, seen
// as a document keyed "0", "1"...) matching the sub-query.
class ElemMatchObjectExpression : public ArrayMatchingExpression {
 public:
  ElemMatchObjectExpression(FieldPath path, ExprPtr sub)
      : ArrayMatchingExpression(MatchType::kElemMatchObject, std::move(path)),
        sub_(std::move(sub)) {}
  size_t NumChildren() const override { return 1; }
  const MatchExpression* Child(size_t) const override { return sub_.get(); }
  void AppendDebugString(std::string* out, int indent) const override;

 private:
  bool MatchesArray(const bson_iter_t* array, MatchDetails* details) const override;
  const ExprPtr sub_;
};

// {$elemMatch: {$gt: 1, $lt: 5}}: an element satisfying every operator.
class ElemMatchValueExpression : public ArrayMatchingExpression {
 public:
  ElemMatchValueExpression(FieldPath path, std::vector<ExprPtr> subs)
      : ArrayMatchingExpression(MatchType::kElemMatchValue, std::move(path)),
        subs_(std::move(subs)) {}
  size_t NumChildren() const override { return subs_.size(); }
  const MatchExpression* Child(size_t i) const override { return subs_[i].get(); }
  void AppendDebugString(std::string* out, int indent) const override;

 private:
  bool MatchesArray(const bson_iter_t* array, MatchDetails* details) const override;
  const std::vector<ExprPtr> subs_;
};

}  // namespace basalt::query
