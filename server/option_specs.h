// The table of start-up options: each reachable as a command-line flag, at a
// YAML path of mongod.conf's layout and as a BASALT_* environment variable,
// with the function that validates and applies its value.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "server/options.h"

namespace basalt::server {

enum class Kind { kInt, kString, kFlag };

struct OptionSpec {
  std::vector<std::string> flags;  // "--port"; empty when config-file only
  std::string yaml_path;           // "net.port"
  Kind kind;
  std::string help;
  std::function<Status(const std::string& value, ServerOptions*)> apply;
  // The environment variable; empty: derived from the first flag (see EnvName).
  std::string env = "";
  // Recorded in getCmdLineOpts' `parsed` as "<password>", as mongod redacts it.
  bool secret = false;
};

const std::vector<OptionSpec>& Specs();
const OptionSpec* FindByFlag(const std::string& flag);
const OptionSpec* FindByPath(const std::string& path);

// BASALT_ and the flag's name in upper snake case: --port -> BASALT_PORT,
// --bind_ip -> BASALT_BIND_IP, --maxConns -> BASALT_MAX_CONNS. Empty when the
// option has neither a flag nor an explicit variable.
std::string EnvName(const OptionSpec& spec);

Status BadValue(const std::string& name, const std::string& why);

// Shared by the spec tables' apply functions.
Status SetBool(bool* field, const std::string& name, const std::string& value);

// net.tls.* (tls_option_specs.cpp).
void AddTlsSpecs(std::vector<OptionSpec>* specs);
// Checks between the TLS options once every source is applied (mongod's messages).
Status CheckTlsCombinations(const ServerOptions& options);

}  // namespace basalt::server
