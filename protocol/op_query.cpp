// OP_QUERY, which mongod 5.1+ accepts only for the handshake: parsing as
// DbMessage/QueryMessage do (src/mongo/db/dbmessage.cpp), the command checks
// of opMsgRequestFromLegacyRequest (legacy_request.cpp), the upconversion of
// metadata.cpp, and the command allow-list of check_allowed_op_query_cmd.cpp.
#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "base/bson_shell.h"
#include "protocol/bson_check.h"
#include "protocol/request_parser.h"

namespace basalt::protocol {
namespace {

constexpr std::string_view kLegacyRemovalHint =
    ". The client driver may require an upgrade. For more details see "
    "https://dochub.mongodb.org/core/legacy-opcode-removal";

// NamespaceString::isCommand: the part after the first dot is "$cmd".
bool IsCommandNamespace(std::string_view ns) {
  const size_t dot = ns.find('.');
  return dot != std::string_view::npos && ns.substr(dot + 1) == "$cmd";
}

bool IsAllowedOpQueryCommand(std::string_view name) {
  // hello/isMaster/ismaster, and what old drivers still send alongside them.
  static constexpr std::array<std::string_view, 9> kAllowed = {
      "hello",     "isMaster",  "ismaster",     "_isSelf",  "authenticate",
      "buildinfo", "buildInfo", "saslContinue", "saslStart"};
  return std::find(kAllowed.begin(), kAllowed.end(), name) != kAllowed.end();
}

// DbMessage::nextJsObj: a document with the "Client Error" wording.
StatusWith<uint32_t> NextDocument(const uint8_t* data, size_t available) {
  if (available < 5) {
    return Status(ErrorCodes::InvalidBSON,
                  "Client Error: Remaining data too small for BSON object");
  }
  Status valid = ValidateBson(data, available);
  if (!valid.ok()) {
    return Status(ErrorCodes::InvalidBSON,
                  "Client Error: bad object in message: " + valid.reason());
  }
  return ReadDocument(data, available);
}

bool HasField(const bson_t* doc, const char* name) {
  bson_iter_t it;
  return bson_iter_init_find(&it, doc, name);
}

}  // namespace

DecodeResult RequestParser::ParseOpQuery(const MsgHeader& header, std::vector<uint8_t> bytes,
                                         std::optional<CompressorId> compressor) {
  ReplyContext reply;
  reply.format = ReplyFormat::kOpReply;
  reply.response_to = header.request_id;
  reply.op_reply_flags = kResultFlagAwaitCapable;
  reply.compressor = compressor;

  // mongod reads the flags and namespace before it starts the command path;
  // failures there end the session.
  const uint8_t* data = bytes.data();
  const size_t end = bytes.size();
  if (end < 4) return CloseConnection(Status(18634, "Not enough data to read"));
  const int32_t flags = LoadInt32(data);
  const size_t limit = end - 4;
  const size_t ns_size = strnlen(reinterpret_cast<const char*>(data + 4), limit);
  if (ns_size >= limit) return CloseConnection(Status(18633, "Failed to parse ns string"));
  const std::string_view ns(reinterpret_cast<const char*>(data + 4), ns_size);
  if (!IsCommandNamespace(ns)) {
    ReplyContext legacy = reply;
    legacy.op_reply_flags = kResultFlagErrSet;
    return LegacyUnsupported("OP_QUERY is no longer supported", legacy);
  }

  auto fail = [&](Status status) -> DecodeResult {
    return ReplyWithError(std::move(status), reply);
  };
  size_t pos = 4 + ns_size + 1;
  if (end - pos < 8) return fail(Status(18634, "Not enough data to read"));
  LegacyQuery legacy;
  legacy.flags = flags;
  legacy.full_collection_name = ns;
  legacy.number_to_skip = LoadInt32(data + pos);
  legacy.number_to_return = LoadInt32(data + pos + 4);
  pos += 8;
  auto query_size = NextDocument(data + pos, end - pos);
  if (!query_size.ok()) return fail(query_size.status());
  legacy.query = DocView(data + pos, query_size.value());
  pos += query_size.value();
  if (pos < end) {
    auto fields_size = NextDocument(data + pos, end - pos);
    if (!fields_size.ok()) return fail(fields_size.status());
    legacy.return_fields_selector = DocView(data + pos, fields_size.value());
  }

  BsonView query = legacy.query.bson();
  if (flags & kQueryFlagExhaust) {
    return fail(Status(18527, "The 'exhaust' OP_QUERY flag is invalid for commands: " +
                                  std::string(ns) + " " + ShellString(query.get())));
  }
  if (legacy.number_to_return != 1 && legacy.number_to_return != -1) {
    return fail(Status(16979, "Bad numberToReturn (" + std::to_string(legacy.number_to_return) +
                                  ") for $cmd type ns - can only be 1 or -1"));
  }
  if (HasField(query.get(), "$db"))
    return fail(Status(40621, "$db is not allowed in OP_QUERY requests"));

  // Legacy read preference: nested in $queryOptions (mongos style), or
  // implied by the secondaryOk flag.
  std::vector<uint8_t> read_pref;  // One raw element, or nothing.
  bson_iter_t it;
  bson_iter_t child;
  if (bson_iter_init_find(&it, query.get(), "$queryOptions") && BSON_ITER_HOLDS_DOCUMENT(&it) &&
      bson_iter_recurse(&it, &child) && bson_iter_find(&child, "$readPreference")) {
    if (HasField(query.get(), "$readPreference")) {
      return fail(
          Status(ErrorCodes::InvalidOptions, "Duplicate readPreference found in command object."));
    }
    read_pref.assign(child.raw + child.off, child.raw + child.next_off);
  } else if (!HasField(query.get(), "$readPreference") && (flags & kQueryFlagSecondaryOk)) {
    Bson wrapper;
    bson_t mode;
    bson_append_document_begin(wrapper.get(), "$readPreference", -1, &mode);
    BSON_APPEND_UTF8(&mode, "mode", "secondaryPreferred");
    bson_append_document_end(wrapper.get(), &mode);
    read_pref.assign(wrapper.data() + 4, wrapper.data() + wrapper.size() - 1);
  }

  // The derived command: the query's elements byte for byte (libbson's
  // append helpers would re-check arrays), minus $queryOptions, then the read
  // preference, then $db.
  std::vector<uint8_t> command(4, 0);
  bson_iter_init(&it, query.get());
  while (bson_iter_next(&it)) {
    if (KeyOf(&it) == "$queryOptions") continue;
    const uint8_t* raw = bson_get_data(query.get());
    command.insert(command.end(), raw + it.off, raw + it.next_off);
  }
  command.insert(command.end(), read_pref.begin(), read_pref.end());
  Bson db;
  AppendUtf8(db.get(), "$db", ns.substr(0, ns.find('.')));
  command.insert(command.end(), db.data() + 4, db.data() + db.size() - 1);
  command.push_back(0);
  StoreInt32(command.data(), static_cast<int32_t>(command.size()));

  // The command name is the first field; "$db" when the query was empty.
  const std::string_view name(reinterpret_cast<const char*>(command.data() + 5));
  if (!IsAllowedOpQueryCommand(name)) {
    return fail(Status(
        ErrorCodes::UnsupportedOpQueryCommand,
        "Unsupported OP_QUERY command: " + std::string(name) + std::string(kLegacyRemovalHint)));
  }

  auto state = std::make_unique<Request::State>();
  state->header = header;
  state->compressor = compressor;
  state->upconverted = std::move(command);
  // Initialized in place: a static bson_t points into itself and must not be copied.
  bson_init_static(&state->body, state->upconverted.data(), state->upconverted.size());
  state->legacy = legacy;
  state->reply = reply;
  state->bytes = std::move(bytes);  // Keeps its buffer: `legacy` views stay valid.
  Request request = Make(std::move(state));
  return DecodeResult(std::move(request));
}

}  // namespace basalt::protocol
