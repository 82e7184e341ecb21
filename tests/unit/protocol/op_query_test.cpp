// OP_QUERY: accepted for the handshake only, upconverted like mongod does,
// everything else answered with mongod's OP_REPLY errors.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "protocol/request.h"

namespace basalt::protocol {
namespace {

Bson Doc(const char* json) {
  bson_error_t error;
  bson_t* parsed = bson_new_from_json(reinterpret_cast<const uint8_t*>(json), -1, &error);
  REQUIRE(parsed != nullptr);
  Bson out = Bson::Copy(parsed);
  bson_destroy(parsed);
  return out;
}

std::string Json(const bson_t* doc) { return ToJson(doc); }

const std::string kHint =
    ". The client driver may require an upgrade. For more details see "
    "https://dochub.mongodb.org/core/legacy-opcode-removal";

DecodeResult Query(const char* json, int32_t flags = 0, const char* ns = "admin.$cmd",
                   int32_t number_to_return = -1) {
  Bson query = Doc(json);
  return DecodeFrame(EncodeOpQuery(77, flags, ns, 0, number_to_return, query.get()));
}

// The raw bytes after the header, for hand-made malformed queries.
DecodeResult RawQuery(const std::vector<uint8_t>& body) {
  std::vector<uint8_t> frame(16 + body.size());
  StoreInt32(frame.data(), static_cast<int32_t>(frame.size()));
  StoreInt32(frame.data() + 4, 77);
  StoreInt32(frame.data() + 12, 2004);
  std::copy(body.begin(), body.end(), frame.begin() + 16);
  return DecodeFrame(frame);
}

// Flags 0, the namespace, then `extra_zero_bytes` zeros. (Vectors here are
// sized up front: GCC 12 warns falsely on growing a fresh vector at -O2.)
std::vector<uint8_t> Prefix(std::string_view ns, int extra_zero_bytes) {
  std::vector<uint8_t> body(4 + ns.size() + 1 + static_cast<size_t>(extra_zero_bytes), 0);
  std::copy(ns.begin(), ns.end(), body.begin() + 4);
  return body;
}

void RequireLegacyReplyError(DecodeResult& result, int code, const std::string& message) {
  REQUIRE_FALSE(result.ok());
  const DecodeError& e = result.error();
  CHECK(e.action == DecodeAction::kReplyError);
  CHECK(e.status.code() == code);
  CHECK(e.status.reason() == message);
  CHECK(e.reply.format == ReplyFormat::kOpReply);
  CHECK(e.reply.op_reply_flags == kResultFlagAwaitCapable);
  CHECK(e.reply.response_to == 77);
}

TEST_CASE("OP_QUERY hello is decoded and upconverted", "[protocol][op_query]") {
  auto result = Query(R"({"isMaster": 1, "helloOk": true, "client": {"driver": {"name": "x"}}})");
  REQUIRE(result.ok());
  Request& r = result.value();
  CHECK(r.op_code() == OpCode::kQuery);
  CHECK(r.command_name() == "isMaster");
  CHECK(Json(r.body()) ==
        R"({ "isMaster" : 1, "helloOk" : true, "client" : { "driver" : { "name" : "x" } }, )"
        R"("$db" : "admin" })");
  CHECK(r.flags() == 0);
  CHECK_FALSE(r.more_to_come());
  const LegacyQuery* legacy = r.legacy_query();
  REQUIRE(legacy != nullptr);
  CHECK(legacy->full_collection_name == "admin.$cmd");
  CHECK(legacy->number_to_skip == 0);
  CHECK(legacy->number_to_return == -1);
  CHECK_FALSE(legacy->return_fields_selector.has_value());
  BsonView query = legacy->query.bson();
  CHECK(Json(query.get()) ==
        R"({ "isMaster" : 1, "helloOk" : true, "client" : { "driver" : { "name" : "x" } } })");
  CHECK(r.reply_context().format == ReplyFormat::kOpReply);
  CHECK(r.reply_context().op_reply_flags == kResultFlagAwaitCapable);
  CHECK(r.reply_context().response_to == 77);
}

TEST_CASE("OP_QUERY allows exactly mongod's handshake commands", "[protocol][op_query]") {
  for (const char* name : {"hello", "isMaster", "ismaster", "saslStart", "saslContinue",
                           "buildinfo", "buildInfo", "_isSelf", "authenticate"}) {
    std::string json = std::string("{\"") + name + "\": 1}";
    auto result = Query(json.c_str());
    INFO(name);
    REQUIRE(result.ok());
    CHECK(result.value().command_name() == name);
  }
  auto find = Query(R"({"find": "c"})", 0, "test.$cmd");
  RequireLegacyReplyError(find, ErrorCodes::UnsupportedOpQueryCommand,
                          "Unsupported OP_QUERY command: find" + kHint);
  CHECK(find.error().status.codeName() == "UnsupportedOpQueryCommand");
  // An empty query upconverts to {$db: ...}, whose first field is "$db".
  auto empty = Query("{}");
  RequireLegacyReplyError(empty, ErrorCodes::UnsupportedOpQueryCommand,
                          "Unsupported OP_QUERY command: $db" + kHint);
}

TEST_CASE("OP_QUERY on a collection gets the legacy $err reply", "[protocol][op_query]") {
  auto result = Query(R"({"x": 1})", 0, "test.coll");
  REQUIRE_FALSE(result.ok());
  DecodeError& e = result.error();
  CHECK(e.action == DecodeAction::kReplyError);
  CHECK(e.status.code() == 5739101);
  CHECK(e.reply.format == ReplyFormat::kOpReply);
  CHECK(e.reply.op_reply_flags == kResultFlagErrSet);
  CHECK(Json(e.reply_body.get()) == R"({ "$err" : "OP_QUERY is no longer supported)" + kHint +
                                        R"(", "code" : 5739101, "ok" : 0.0 })");
  // The whole reply: OP_REPLY, responseTo 77, flags ErrSet, no cursor, one document.
  auto bytes = EncodeReply(e.reply, 3, e.reply_body.get());
  REQUIRE(bytes.size() == 36 + e.reply_body.size());
  CHECK(LoadInt32(bytes.data()) == static_cast<int32_t>(bytes.size()));
  CHECK(LoadInt32(bytes.data() + 4) == 3);
  CHECK(LoadInt32(bytes.data() + 8) == 77);
  CHECK(LoadInt32(bytes.data() + 12) == 1);
  CHECK(LoadInt32(bytes.data() + 16) == kResultFlagErrSet);
  CHECK(LoadInt64(bytes.data() + 20) == 0);
  CHECK(LoadInt32(bytes.data() + 28) == 0);
  CHECK(LoadInt32(bytes.data() + 32) == 1);
  CHECK(std::equal(bytes.begin() + 36, bytes.end(), e.reply_body.data()));
  // "$cmd" must be the collection part: neither "$cmd" alone nor a deeper name counts.
  CHECK(Query(R"({"isMaster": 1})", 0, "$cmd").error().status.code() == 5739101);
  CHECK(Query(R"({"isMaster": 1})", 0, "a.b.$cmd").error().status.code() == 5739101);
}

TEST_CASE("OP_QUERY command checks", "[protocol][op_query]") {
  SECTION("exhaust flag") {
    auto result = Query(R"({"isMaster": 1})", kQueryFlagExhaust);
    RequireLegacyReplyError(result, 18527,
                            "The 'exhaust' OP_QUERY flag is invalid for commands: admin.$cmd "
                            "{ isMaster: 1 }");
  }
  SECTION("numberToReturn other than 1 or -1") {
    auto result = Query(R"({"isMaster": 1})", 0, "admin.$cmd", 5);
    RequireLegacyReplyError(result, 16979,
                            "Bad numberToReturn (5) for $cmd type ns - can only be 1 or -1");
    CHECK(Query(R"({"isMaster": 1})", 0, "admin.$cmd", 1).ok());
  }
  SECTION("$db in the query") {
    auto result = Query(R"({"isMaster": 1, "$db": "x"})");
    RequireLegacyReplyError(result, 40621, "$db is not allowed in OP_QUERY requests");
  }
  SECTION("secondaryOk implies a secondaryPreferred read preference") {
    auto result = Query(R"({"isMaster": 1})", kQueryFlagSecondaryOk);
    REQUIRE(result.ok());
    CHECK(Json(result.value().body()) ==
          R"({ "isMaster" : 1, "$readPreference" : { "mode" : "secondaryPreferred" }, )"
          R"("$db" : "admin" })");
    auto explicit_pref =
        Query(R"({"isMaster": 1, "$readPreference": {"mode": "primary"}})", kQueryFlagSecondaryOk);
    REQUIRE(explicit_pref.ok());
    CHECK(Json(explicit_pref.value().body()) ==
          R"({ "isMaster" : 1, "$readPreference" : { "mode" : "primary" }, "$db" : "admin" })");
  }
  SECTION("$queryOptions.$readPreference is lifted") {
    auto result =
        Query(R"({"isMaster": 1, "$queryOptions": {"$readPreference": {"mode": "nearest"}}})");
    REQUIRE(result.ok());
    CHECK(Json(result.value().body()) ==
          R"({ "isMaster" : 1, "$readPreference" : { "mode" : "nearest" }, "$db" : "admin" })");
    auto duplicate = Query(R"({"isMaster": 1, "$readPreference": {"mode": "primary"}, )"
                           R"("$queryOptions": {"$readPreference": {"mode": "nearest"}}})");
    RequireLegacyReplyError(duplicate, ErrorCodes::InvalidOptions,
                            "Duplicate readPreference found in command object.");
  }
  SECTION("a return fields selector is kept") {
    Bson query = Doc(R"({"isMaster": 1})"), fields = Doc(R"({"a": 1})");
    auto result = DecodeFrame(EncodeOpQuery(77, 0, "admin.$cmd", 0, 1, query.get(), fields.get()));
    REQUIRE(result.ok());
    REQUIRE(result.value().legacy_query()->return_fields_selector.has_value());
    BsonView selector = result.value().legacy_query()->return_fields_selector->bson();
    CHECK(Json(selector.get()) == R"({ "a" : 1 })");
  }
}

TEST_CASE("OP_QUERY malformed messages", "[protocol][op_query]") {
  SECTION("shorter than the flags: close") {
    auto result = RawQuery({0, 0});
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().action == DecodeAction::kCloseConnection);
    CHECK(result.error().status.code() == 18634);
    CHECK(result.error().status.reason() == "Not enough data to read");
  }
  SECTION("namespace without NUL: close") {
    auto result = RawQuery({0, 0, 0, 0, 'a', '.', 'b'});
    REQUIRE_FALSE(result.ok());
    CHECK(result.error().action == DecodeAction::kCloseConnection);
    CHECK(result.error().status.code() == 18633);
    CHECK(result.error().status.reason() == "Failed to parse ns string");
  }
  SECTION("missing numberToReturn") {
    auto result = RawQuery(Prefix("admin.$cmd", 4));
    RequireLegacyReplyError(result, 18634, "Not enough data to read");
  }
  SECTION("missing query document") {
    auto result = RawQuery(Prefix("admin.$cmd", 8));
    RequireLegacyReplyError(result, ErrorCodes::InvalidBSON,
                            "Client Error: Remaining data too small for BSON object");
  }
  SECTION("invalid query document") {
    auto body = Prefix("admin.$cmd", 8);
    const uint8_t doc[] = {9, 0, 0, 0, 0x08, 'x', 0, 2, 0};  // {x: <bool 2>}
    body.insert(body.end(), doc, doc + sizeof(doc));
    auto result = RawQuery(body);
    RequireLegacyReplyError(result, ErrorCodes::InvalidBSON,
                            "Client Error: bad object in message: BSON bool is neither false nor "
                            "true in element with field name 'x' in object with unknown _id");
  }
  SECTION("invalid trailing selector") {
    Bson query = Doc(R"({"isMaster": 1})");
    auto body = Prefix("admin.$cmd", 8);
    body.insert(body.end(), query.data(), query.data() + query.size());
    body.push_back(1);
    auto result = RawQuery(body);
    RequireLegacyReplyError(result, ErrorCodes::InvalidBSON,
                            "Client Error: Remaining data too small for BSON object");
  }
}

}  // namespace
}  // namespace basalt::protocol
