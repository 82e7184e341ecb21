// distinct: the distinct values of one field among the documents a query
// matches. As mongod: array values count element by element (one level), equal
// values of different numeric types count once, and the values come back in
// BSON order.
#include <algorithm>
#include <vector>

#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/families.h"
#include "commands/query_args.h"
#include "commands/query_exec.h"
#include "query/path.h"
#include "storage/key_string.h"

namespace basalt::commands {
namespace {

// Collects values, keeping one of each equal group, in BSON order.
class DistinctSet {
 public:
  void Add(const bson_iter_t* value) {
    Bson holder;
    bson_append_iter(holder.get(), "v", 1, value);
    auto pos = std::lower_bound(values_.begin(), values_.end(), holder,
                                [](const Bson& a, const Bson& b) { return Compare(a, b) < 0; });
    if (pos != values_.end() && Compare(*pos, holder) == 0) return;
    bytes_ += holder.size();
    values_.insert(pos, std::move(holder));
  }
  size_t bytes() const { return bytes_; }
  void AppendTo(bson_t* array) const {
    for (size_t i = 0; i < values_.size(); ++i) {
      bson_iter_t it;
      bson_iter_init_find(&it, values_[i].get(), "v");
      bson_append_iter(array, std::to_string(i).c_str(), -1, &it);
    }
  }

 private:
  static int Compare(const Bson& a, const Bson& b) {
    bson_iter_t x, y;
    bson_iter_init_find(&x, a.get(), "v");
    bson_iter_init_find(&y, b.get(), "v");
    return storage::CompareBsonValues(&x, &y);
  }
  std::vector<Bson> values_;  // sorted
  size_t bytes_ = 0;
};

Status RunDistinct(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto coll = CollectionArgument(cmd);
  if (!coll.ok()) return coll.status();
  if (Status s = CheckKnownFields(cmd, {"key", "query", "collation", "hint"}); !s.ok()) return s;
  if (Status s = RefuseCollation(cmd); !s.ok()) return s;
  auto key = FindField(cmd.body, "key");
  if (!key) return Status(40414, "BSON field 'distinct.key' is missing but a required field");
  if (!BSON_ITER_HOLDS_UTF8(&*key)) return WrongType(cmd, "key", bson_iter_type(&*key), "string");
  std::string path(Utf8Of(&*key));
  auto query = ObjectArgument(cmd, "query");
  if (!query.ok()) return query.status();
  auto hint = HintArgument(cmd);
  if (!hint.ok()) return hint.status();
  query::FindOptions options;
  auto deadline = DeadlineArgument(cmd);
  if (!deadline.ok()) return deadline.status();
  options.deadline = deadline.value();

  auto executor =
      MakeFindExecutor(op, cmd.db, coll.value(), query.value().get(), hint.value().get(), options);
  if (!executor.ok()) return executor.status();
  query::FieldPath field = query::FieldPath::Parse(path);
  DistinctSet values;
  Bson doc;
  while (true) {
    auto more = executor.value()->Next(&doc);
    if (!more.ok()) {
      const Status& st = more.status();
      if (st.code() == ErrorCodes::MaxTimeMSExpired || st.code() == ErrorCodes::NamespaceNotFound) {
        return st;
      }
      // An $expr failing on a document, with mongod's context.
      return Status(st.code(),
                    "Executor error during distinct command :: caused by :: " + st.reason());
    }
    if (!more.value()) break;
    query::VisitPath(doc.get(), field, query::LeafArrays::kNoTraversal,
                     [&](const bson_iter_t* value, std::string_view) {
                       if (!value) return false;
                       if (BSON_ITER_HOLDS_ARRAY(value)) {
                         bson_iter_t element;
                         bson_iter_recurse(value, &element);
                         while (bson_iter_next(&element)) values.Add(&element);
                       } else {
                         values.Add(value);
                       }
                       return false;
                     });
    // mongod's reply must fit in one BSON document.
    if (values.bytes() > 16 * 1024 * 1024) {
      return Status(17217, "distinct too big, 16mb cap");
    }
  }
  bson_t array;
  BSON_APPEND_ARRAY_BEGIN(reply, "values", &array);
  values.AppendTo(&array);
  bson_append_array_end(reply, &array);
  return Status::OK();
}

}  // namespace

void RegisterDistinctCommands(CommandRegistry* registry) {
  registry->Register({.name = "distinct",
                      .run = RunDistinct,
                      .help = "distinct values of a field among the documents a query matches"});
}

}  // namespace basalt::commands
