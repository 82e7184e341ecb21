// net.tls.* options: parsing, mongod's start-up checks, and the TLS context's
// refusal of unreadable PEM files.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "server/option_specs.h"
#include "server/options.h"
#include "server/tls_context.h"

using namespace basalt;
using namespace basalt::server;

namespace {
StatusWith<ParseResult> Parse(std::vector<std::string> args, const Environment& env = {}) {
  args.insert(args.begin(), "basaltd");
  return ParseOptions(args, env);
}
}  // namespace

TEST_CASE("tlsMode takes mongod's four modes") {
  using Mode = ServerOptions::TlsMode;
  struct Row {
    std::string value;
    Mode mode;
  };
  for (const Row& row : {Row{"disabled", Mode::kDisabled}, Row{"allowTLS", Mode::kAllowTls},
                         Row{"preferTLS", Mode::kPreferTls}, Row{"requireTLS", Mode::kRequireTls}}) {
    std::vector<std::string> args = {"--tlsMode", row.value};
    if (row.mode != Mode::kDisabled) {
      args.insert(args.end(), {"--tlsCertificateKeyFile", "/x/server.pem"});
    }
    auto r = Parse(args);
    INFO(row.value);
    REQUIRE(r.ok());
    CHECK(r.value().options.tls_mode == row.mode);
  }
  auto bad = Parse({"--tlsMode", "requireSSL"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().reason() ==
        "Bad value for option net.tls.mode: 'requireSSL' is not one of disabled, allowTLS, "
        "preferTLS, requireTLS");
}

TEST_CASE("TLS start-up checks give mongod's messages") {
  struct Row {
    std::vector<std::string> args;
    std::string error;  // empty: accepted
  };
  const std::string need_key = "need tlsCertificateKeyFile or certificateSelector when TLS is enabled";
  const std::string need_mode =
      "need to enable TLS via the sslMode/tlsMode flag when using TLS configuration parameters";
  std::vector<Row> rows = {
      {{"--tlsMode", "requireTLS"}, need_key},
      {{"--tlsMode", "preferTLS", "--tlsCAFile", "/x/ca.pem"}, need_key},
      {{"--tlsCertificateKeyFile", "/x/server.pem"}, need_mode},
      {{"--tlsCAFile", "/x/ca.pem"}, need_mode},
      {{"--tlsAllowInvalidCertificates"}, need_mode},
      {{"--tlsMode", "requireTLS", "--tlsCertificateKeyFile", ""},
       "Bad value for option net.tls.certificateKeyFile: empty path"},
      {{"--tlsMode", "allowTLS", "--tlsCertificateKeyFile", "/x/s.pem", "--tlsCAFile", "/x/ca.pem",
        "--tlsAllowConnectionsWithoutCertificates"},
       ""},
  };
  for (const Row& row : rows) {
    auto r = Parse(row.args);
    std::string joined;
    for (const auto& arg : row.args) joined += arg + " ";
    INFO(joined);
    if (row.error.empty()) {
      CHECK(r.ok());
    } else {
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().reason() == row.error);
    }
  }
}

TEST_CASE("TLS options come from YAML and the environment; the password is redacted") {
  ServerOptions o;
  REQUIRE(ApplyConfigYaml("net:\n  tls:\n    mode: preferTLS\n    certificateKeyFile: /c/s.pem\n"
                          "    certificateKeyFilePassword: hunter2\n    CAFile: /c/ca.pem\n"
                          "    allowConnectionsWithoutCertificates: true\n",
                          &o)
              .ok());
  CHECK(o.tls_mode == ServerOptions::TlsMode::kPreferTls);
  CHECK(o.tls_certificate_key_file == "/c/s.pem");
  CHECK(o.tls_certificate_key_file_password == "hunter2");
  CHECK(o.tls_ca_file == "/c/ca.pem");
  CHECK(o.tls_allow_connections_without_certificates);
  std::string parsed = o.parsed.ToJson();
  CHECK(parsed.find("hunter2") == std::string::npos);
  CHECK(parsed.find(R"("certificateKeyFilePassword" : "<password>")") != std::string::npos);

  auto r = Parse({}, {{"BASALT_TLS_MODE", "requireTLS"},
                      {"BASALT_TLS_CERTIFICATE_KEY_FILE", "/e/s.pem"},
                      {"BASALT_TLS_CA_FILE", "/e/ca.pem"}});
  REQUIRE(r.ok());
  CHECK(r.value().options.tls_mode == ServerOptions::TlsMode::kRequireTls);
  CHECK(r.value().options.tls_certificate_key_file == "/e/s.pem");
  CHECK(r.value().options.tls_ca_file == "/e/ca.pem");
}

TEST_CASE("the TLS context refuses missing or malformed PEM files, naming them") {
  ServerOptions o;
  auto none = MakeServerTlsContext(o);
  REQUIRE(none.ok());
  CHECK(none.value() == nullptr);  // disabled: no context

  o.tls_mode = ServerOptions::TlsMode::kRequireTls;
  o.tls_certificate_key_file = "/nonexistent/basalt-server.pem";
  auto missing = MakeServerTlsContext(o);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == ErrorCodes::InvalidSSLConfiguration);
  CHECK(missing.status().reason().find("cannot read certificate file: /nonexistent/basalt-server.pem") ==
        0);

  std::string garbage = (std::filesystem::temp_directory_path() /
                         ("basalt-garbage-" + std::to_string(::getpid()) + ".pem"))
                            .string();
  std::ofstream(garbage) << "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
  o.tls_certificate_key_file = garbage;
  auto malformed = MakeServerTlsContext(o);
  std::remove(garbage.c_str());
  REQUIRE_FALSE(malformed.ok());
  CHECK(malformed.status().reason().find(garbage) != std::string::npos);
}

TEST_CASE("a TLS ClientHello is told from a message by its first bytes") {
  struct Row {
    std::vector<uint8_t> bytes;
    bool tls;
    const char* why;
  };
  // A TLS 1.2 ClientHello's start: record header, handshake type 1, length, version, random.
  std::vector<uint8_t> hello = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01,
                                0xfc, 0x03, 0x03, 0x9a, 0x41, 0x7e, 0x22, 0xd3};
  // OP_MSG of 278 (0x116) bytes: its length's low byte is 0x16.
  std::vector<uint8_t> msg_278 = {0x16, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
                                  0x00, 0x00, 0x00, 0x00, 0xdd, 0x07, 0x00, 0x00};
  // A 66,326-byte message whose request id makes bytes 1-5 look like a hello: the opcode tells.
  std::vector<uint8_t> msg_lookalike = {0x16, 0x03, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
                                        0x00, 0x00, 0x00, 0x00, 0xdd, 0x07, 0x00, 0x00};
  std::vector<Row> rows = {
      {hello, true, "ClientHello"},
      {{0x16, 0x03, 0x01, 0x02, 0x00}, true, "record header only (a stalled handshake)"},
      {{0x16}, true, "one byte: undecided, taken as TLS"},
      {msg_278, false, "278-byte message"},
      {msg_lookalike, false, "message with hello-like bytes"},
      {{0x15, 0x00, 0x00, 0x00}, false, "small message"},
      {{'G', 'E', 'T', ' '}, false, "HTTP"},
      {{0x16, 0x03, 0x01, 0x02, 0x00, 0x02}, false, "handshake record but not a ClientHello"},
  };
  for (const Row& row : rows) {
    INFO(row.why);
    CHECK(LooksLikeTlsClientHello(row.bytes.data(), row.bytes.size()) == row.tls);
  }
  CHECK_FALSE(LooksLikeTlsClientHello(nullptr, 0));
}
