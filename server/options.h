// Start-up options, from the command line and a YAML config file laid out as
// mongod.conf. Flags are named as mongod names them where mongod has them;
// an unknown option or a bad value is an error that names it.
#pragma once

#include <string>
#include <vector>

#include "base/bson.h"
#include "base/status.h"
#include "protocol/compression.h"

namespace basalt::server {

struct ServerOptions {
  int port = 27017;
  std::vector<std::string> bind_ip = {"127.0.0.1"};
  bool bind_ip_all = false;
  int max_incoming_connections = 1000000;
  std::vector<protocol::CompressorId> compressors = protocol::DefaultCompressors();

  // net.tls.*, named as mongod names them.
  enum class TlsMode { kDisabled, kAllowTls, kPreferTls, kRequireTls };
  TlsMode tls_mode = TlsMode::kDisabled;
  std::string tls_certificate_key_file;  // PEM holding the certificate and its private key
  std::string tls_certificate_key_file_password;
  std::string tls_ca_file;  // set: client certificates are requested and verified
  bool tls_allow_connections_without_certificates = false;
  bool tls_allow_invalid_certificates = false;

  std::string dbpath = "/data/db";
  std::string storage_engine = "rocksdb";
  int journal_commit_interval_ms = 100;

  std::string log_path;  // empty: stdout
  bool log_append = false;
  bool quiet = false;
  std::string log_format = "text";
  int slow_op_threshold_ms = 100;
  std::string log_rotate = "rename";  // or "reopen" (systemLog.logRotate)
  int verbosity = 0;                  // systemLog.verbosity, -v..-vvvvv
  // systemLog.component.<name>.verbosity, by the log's component name ("COMMAND").
  std::vector<std::pair<std::string, int>> component_verbosity;

  int metrics_port = -1;  // net.metrics.port; -1: no metrics endpoint

  std::string pid_file_path;  // empty: none

  bool auth = false;  // --auth, security.authorization: enabled

  std::string config_path;

  // What was set explicitly, nested as in mongod.conf (getCmdLineOpts' `parsed`).
  Bson parsed;
};

enum class ParseOutcome { kRun, kPrintedHelp, kPrintedVersion };

struct ParseResult {
  ParseOutcome outcome = ParseOutcome::kRun;
  ServerOptions options;
};

// (name, value) of the process's environment variables.
using Environment = std::vector<std::pair<std::string, std::string>>;

// Parses argv, the BASALT_* environment variables and the config file named by
// --config (or BASALT_CONFIG). Precedence: command line, then environment, then
// config file, then defaults. Help and version text go to stdout.
StatusWith<ParseResult> ParseOptions(const std::vector<std::string>& args,
                                     const Environment& env = {});

// The BASALT_* variables of this process's environment.
Environment ProcessEnvironment();

// Parses the YAML text of a config file into `options`.
Status ApplyConfigYaml(const std::string& yaml_text, ServerOptions* options);

std::string HelpText();

}  // namespace basalt::server
