// A fixed aggregation expression over a few named values, for stages that
// need mongod's arithmetic on Values outside of a document: $densify's
// "value + step" ($add, $dateAdd), range windows' bounds and $linearFill's
// interpolation. Using the expression language keeps type promotion and
// date arithmetic exactly as the operators have them.
//
// Thread-safety: immutable after Make; Eval may run on several threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "query/expression.h"

namespace basalt::query {

class ValueFormula {
 public:
  // `spec` is extended JSON of an expression ({"$add": ["$$a", "$$b"]})
  // whose variables are `names`.
  static StatusWith<ValueFormula> Make(const std::string& spec,
                                       const std::vector<std::string>& names);
  // Evaluates with values[i] bound to names[i].
  StatusWith<Value> Eval(const std::vector<Value>& values) const;

 private:
  std::shared_ptr<const Expression> expr_;
  std::vector<VariableId> ids_;
};

}  // namespace basalt::query
