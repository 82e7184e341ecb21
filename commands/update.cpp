// update: batches of update statements {q, u, upsert, multi, arrayFilters,
// hint}, replied as mongod does: {n, writeErrors, upserted: [{index, _id}],
// nModified, ok}, where n counts matched plus upserted documents.
#include <memory>
#include <optional>
#include <vector>

#include "commands/command.h"
#include "commands/command_util.h"
#include "commands/families.h"
#include "commands/query_args.h"
#include "commands/update_exec.h"
#include "commands/write_util.h"

namespace basalt::commands {
namespace {

StatusWith<bool> OpBool(const bson_iter_t* it, std::string_view field) {
  bson_type_t type = bson_iter_type(it);
  if (type == BSON_TYPE_BOOL || IsNumber(type)) return IsTruthy(it);
  return Status(ErrorCodes::TypeMismatch,
                "BSON field 'update.updates." + std::string(field) + "' is the wrong type '" +
                    std::string(TypeName(type)) +
                    "', expected types '[bool, long, int, decimal, double']");
}

// Parses one element of `updates` (mongod's UpdateOpEntry).
StatusWith<UpdateSpec> ParseUpdateOp(const bson_t* entry) {
  UpdateSpec spec;
  std::optional<bson_iter_t> q, u;
  bson_iter_t it;
  bson_iter_init(&it, entry);
  while (bson_iter_next(&it)) {
    std::string_view key = KeyOf(&it);
    if (key == "q") {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
        return Status(ErrorCodes::TypeMismatch,
                      "BSON field 'update.updates.q' is the wrong type '" +
                          std::string(TypeName(bson_iter_type(&it))) + "', expected type 'object'");
      }
      q = it;
    } else if (key == "u") {
      u = it;
    } else if (key == "upsert" || key == "multi") {
      auto value = OpBool(&it, key);
      if (!value.ok()) return value.status();
      (key == "upsert" ? spec.upsert : spec.multi) = value.value();
    } else if (key == "arrayFilters") {
      if (!BSON_ITER_HOLDS_ARRAY(&it)) {
        return Status(ErrorCodes::TypeMismatch,
                      "BSON field 'update.updates.arrayFilters' is the wrong type '" +
                          std::string(TypeName(bson_iter_type(&it))) + "', expected type 'array'");
      }
      bson_iter_t f;
      bson_iter_recurse(&it, &f);
      while (bson_iter_next(&f)) {
        if (!BSON_ITER_HOLDS_DOCUMENT(&f)) {
          return Status(ErrorCodes::TypeMismatch, "arrayFilters entries must be objects");
        }
      }
    } else if (key == "hint") {
      if (BSON_ITER_HOLDS_UTF8(&it)) {
        AppendUtf8(spec.hint.get(), "$hint", Utf8Of(&it));
      } else if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
        uint32_t len = 0;
        const uint8_t* data = nullptr;
        bson_iter_document(&it, &len, &data);
        spec.hint = Bson::CopyBytes(data, len);
      }
    } else if (key == "collation") {
      if (Status s = RefuseCollationValue(&it); !s.ok()) return s;
    } else if (key == "c") {
      if (!BSON_ITER_HOLDS_DOCUMENT(&it)) {
        return Status(ErrorCodes::TypeMismatch,
                      "BSON field 'update.updates.c' is the wrong type '" +
                          std::string(TypeName(bson_iter_type(&it))) + "', expected type 'object'");
      }
    } else if (key != "upsertSupplied" && key != "sampleId") {
      return Status(40415,
                    "BSON field 'update.updates." + std::string(key) + "' is an unknown field.");
    }
  }
  if (!q) return Status(40414, "BSON field 'update.updates.q' is missing but a required field");
  if (!u) return Status(40414, "BSON field 'update.updates.u' is missing but a required field");
  return spec;
}

// Parses q and u into matcher and driver (errors here are per-statement write errors).
Status PrepareUpdateOp(const bson_t* entry,
                       const std::shared_ptr<const query::CommandVariables>& variables,
                       UpdateSpec* spec) {
  bson_iter_t q, u, c;
  bson_iter_init_find(&q, entry, "q");
  bson_iter_init_find(&u, entry, "u");
  uint32_t len = 0;
  const uint8_t* data = nullptr;
  bson_iter_document(&q, &len, &data);
  BsonView query(data, len);
  query::UpdateOptions options;
  options.multi = spec->multi;
  // The driver copies the filters and constants; these views only need to live through Parse.
  std::optional<BsonView> constants;
  if (bson_iter_init_find(&c, entry, "c")) {
    bson_iter_document(&c, &len, &data);
    constants.emplace(data, len);
    options.constants = constants->get();
  }
  std::vector<std::unique_ptr<BsonView>> filters;
  bson_iter_t f;
  if (bson_iter_init_find(&f, entry, "arrayFilters") && BSON_ITER_HOLDS_ARRAY(&f)) {
    bson_iter_t element;
    bson_iter_recurse(&f, &element);
    while (bson_iter_next(&element)) {
      bson_iter_document(&element, &len, &data);
      filters.push_back(std::make_unique<BsonView>(data, len));
      options.array_filters.push_back(filters.back()->get());
    }
  }
  return PrepareUpdateSpec(query.get(), &u, std::move(options), variables, spec);
}

Status RunUpdate(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  auto batch = ParseWriteBatch(cmd, "updates");
  if (!batch.ok()) return batch.status();
  // One $$NOW and one evaluation of `let` for the whole batch, as mongod.
  auto variables =
      query::CommandVariables::Make(batch.value().let.get(), query::CurrentTimeMillis());
  if (!variables.ok()) return variables.status();

  int64_t matched = 0, modified = 0;
  std::vector<WriteError> errors;
  std::vector<std::pair<int32_t, Bson>> upserted;
  for (size_t i = 0; i < batch.value().entries.size(); ++i) {
    op.service.opcounters.update.fetch_add(1, std::memory_order_relaxed);
    BsonView entry = batch.value().entries[i].bson();
    // A malformed statement fails the whole command, as mongod's parser does.
    auto spec = ParseUpdateOp(entry.get());
    if (!spec.ok()) return spec.status();
    Status st = PrepareUpdateOp(entry.get(), variables.value(), &spec.value());
    if (st.ok()) {
      auto outcome = ExecuteUpdate(op, cmd.db, batch.value().collection, spec.value());
      if (outcome.ok()) {
        matched += outcome.value().matched;
        modified += outcome.value().modified;
        if (outcome.value().upserted_id) {
          upserted.emplace_back(static_cast<int32_t>(i), std::move(*outcome.value().upserted_id));
        }
        continue;
      }
      st = outcome.status();
    }
    errors.push_back({static_cast<int32_t>(i), st});
    if (batch.value().ordered) break;
  }
  if (batch.value().concern.journal && (modified > 0 || !upserted.empty())) {
    if (Status s = op.service.engine->Flush(); !s.ok()) return s;
  }
  AppendNumber(reply, "n", matched + static_cast<int64_t>(upserted.size()));
  AppendWriteErrors(reply, errors);
  if (!upserted.empty()) {
    bson_t array;
    BSON_APPEND_ARRAY_BEGIN(reply, "upserted", &array);
    for (size_t i = 0; i < upserted.size(); ++i) {
      bson_t entry;
      bson_append_document_begin(&array, std::to_string(i).c_str(), -1, &entry);
      BSON_APPEND_INT32(&entry, "index", upserted[i].first);
      bson_concat(&entry, upserted[i].second.get());
      bson_append_document_end(&array, &entry);
    }
    bson_append_array_end(reply, &array);
  }
  AppendNumber(reply, "nModified", modified);
  return Status::OK();
}

}  // namespace

void RegisterUpdateCommands(CommandRegistry* registry) {
  registry->Register(
      {.name = "update", .run = RunUpdate, .help = "update documents", .counts_as_command = false});
}

}  // namespace basalt::commands
