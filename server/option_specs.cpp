#include "server/option_specs.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <sstream>

#include "base/log.h"

namespace basalt::server {
namespace {

StatusWith<int> ParseInt(const std::string& name, const std::string& text, int min, int max) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return BadValue(name, "'" + text + "' is not a number");
  }
  if (value < min || value > max) {
    return BadValue(name, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

StatusWith<bool> ParseBool(const std::string& name, const std::string& text) {
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return BadValue(name, "'" + text + "' is not true or false");
}

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    size_t b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
    if (b != std::string::npos) items.push_back(item.substr(b, e - b + 1));
  }
  return items;
}

Status SetInt(int* field, const std::string& name, const std::string& v, int min, int max) {
  auto parsed = ParseInt(name, v, min, max);
  if (!parsed.ok()) return parsed.status();
  *field = parsed.value();
  return Status::OK();
}

// systemLog.component.<name>.verbosity for each of mongod's component names
// this server logs under, mapped to the log's upper-case component.
void AddComponentVerbositySpecs(std::vector<OptionSpec>* specs) {
  for (const log::ComponentName& component : log::Components()) {
    std::string yaml_name(component.mongod);
    std::string log_name(component.log);
    std::string path = "systemLog.component." + yaml_name + ".verbosity";
    specs->push_back({{},
                      path,
                      Kind::kInt,
                      "debug verbosity of the " + yaml_name + " component",
                      [path, log_name](const std::string& v, ServerOptions* o) {
                        int level = 0;
                        if (Status s = SetInt(&level, path, v, -1, 5); !s.ok()) return s;
                        std::erase_if(o->component_verbosity,
                                      [&](const auto& e) { return e.first == log_name; });
                        o->component_verbosity.emplace_back(log_name, level);
                        return Status::OK();
                      }});
  }
}

}  // namespace

Status BadValue(const std::string& name, const std::string& why) {
  return Status(ErrorCodes::BadValue, "Bad value for option " + name + ": " + why);
}

Status SetBool(bool* field, const std::string& name, const std::string& v) {
  auto parsed = ParseBool(name, v);
  if (!parsed.ok()) return parsed.status();
  *field = parsed.value();
  return Status::OK();
}

const std::vector<OptionSpec>& Specs() {
  static const std::vector<OptionSpec> specs = [] {
    std::vector<OptionSpec> all = {
        {{"--port"},
         "net.port",
         Kind::kInt,
         "port to listen on (default 27017)",
         [](const std::string& v, ServerOptions* o) {
           return SetInt(&o->port, "net.port", v, 0, 65535);
         }},
        {{"--bind_ip"},
         "net.bindIp",
         Kind::kString,
         "comma separated addresses to listen on (default 127.0.0.1)",
         [](const std::string& v, ServerOptions* o) {
           o->bind_ip = SplitList(v);
           if (o->bind_ip.empty()) return BadValue("net.bindIp", "no address given");
           return Status::OK();
         }},
        {{"--bind_ip_all"},
         "net.bindIpAll",
         Kind::kFlag,
         "listen on all IPv4 addresses",
         [](const std::string& v, ServerOptions* o) {
           return SetBool(&o->bind_ip_all, "net.bindIpAll", v);
         }},
        {{"--maxConns"},
         "net.maxIncomingConnections",
         Kind::kInt,
         "maximum number of simultaneous connections",
         [](const std::string& v, ServerOptions* o) {
           return SetInt(&o->max_incoming_connections, "net.maxIncomingConnections", v, 1, 1000000);
         }},
        {{"--networkMessageCompressors"},
         "net.compression.compressors",
         Kind::kString,
         "comma separated compressors: snappy, zstd, zlib, or 'disabled'",
         [](const std::string& v, ServerOptions* o) {
           auto parsed = protocol::ParseCompressorList(v);
           if (!parsed.ok()) return parsed.status();
           o->compressors = std::move(parsed.value());
           return Status::OK();
         }},
        {{"--dbpath"},
         "storage.dbPath",
         Kind::kString,
         "directory for data files (default /data/db)",
         [](const std::string& v, ServerOptions* o) {
           if (v.empty()) return BadValue("storage.dbPath", "empty path");
           o->dbpath = v;
           return Status::OK();
         }},
        {{"--storageEngine"},
         "storage.engine",
         Kind::kString,
         "rocksdb (durable, default) or inMemory",
         [](const std::string& v, ServerOptions* o) {
           // wiredTiger is accepted so that existing mongod configurations start unchanged.
           if (v == "wiredTiger" || v == "rocksdb") {
             o->storage_engine = "rocksdb";
           } else if (v == "inMemory") {
             o->storage_engine = "inMemory";
           } else {
             return BadValue("storage.engine", "unknown storage engine '" + v + "'");
           }
           return Status::OK();
         }},
        {{"--journalCommitInterval"},
         "storage.journal.commitIntervalMs",
         Kind::kInt,
         "milliseconds between journal syncs (1-500, default 100)",
         [](const std::string& v, ServerOptions* o) {
           return SetInt(&o->journal_commit_interval_ms, "storage.journal.commitIntervalMs", v, 1,
                         500);
         }},
        {{"--logpath"},
         "systemLog.path",
         Kind::kString,
         "log file to send write to instead of stdout",
         [](const std::string& v, ServerOptions* o) {
           o->log_path = v;
           return Status::OK();
         }},
        {{},
         "systemLog.destination",
         Kind::kString,
         "file (with systemLog.path); syslog is not supported",
         [](const std::string& v, ServerOptions*) {
           if (v != "file") return BadValue("systemLog.destination", "only 'file' is supported");
           return Status::OK();
         }},
        {{"--logappend"},
         "systemLog.logAppend",
         Kind::kFlag,
         "append to the log file instead of replacing it",
         [](const std::string& v, ServerOptions* o) {
           return SetBool(&o->log_append, "systemLog.logAppend", v);
         }},
        {{"--quiet"},
         "systemLog.quiet",
         Kind::kFlag,
         "quieter output",
         [](const std::string& v, ServerOptions* o) {
           return SetBool(&o->quiet, "systemLog.quiet", v);
         }},
        {{"--slowms"},
         "operationProfiling.slowOpThresholdMs",
         Kind::kInt,
         "log operations slower than this many milliseconds (default 100)",
         [](const std::string& v, ServerOptions* o) {
           return SetInt(&o->slow_op_threshold_ms, "operationProfiling.slowOpThresholdMs", v, 0,
                         INT32_MAX);
         }},
        // The command line's --auth / --noauth are the YAML's "enabled" /
        // "disabled" (see ParseOptions), recorded as mongod records them.
        {{},
         "security.authorization",
         Kind::kString,
         "enabled or disabled: whether clients must authenticate",
         [](const std::string& v, ServerOptions* o) {
           if (v != "enabled" && v != "disabled") {
             return BadValue("security.authorization", "must be enabled or disabled");
           }
           o->auth = v == "enabled";
           return Status::OK();
         },
         "BASALT_AUTHORIZATION"},
        {{"--pidfilepath"},
         "processManagement.pidFilePath",
         Kind::kString,
         "file to write the server's process id to",
         [](const std::string& v, ServerOptions* o) {
           o->pid_file_path = v;
           return Status::OK();
         }},
        {{"--logFormat"},
         "systemLog.logFormat",
         Kind::kString,
         "text (default) or json",
         [](const std::string& v, ServerOptions* o) {
           if (v != "text" && v != "json")
             return BadValue("systemLog.logFormat", "must be text or json");
           o->log_format = v;
           return Status::OK();
         }},
        {{"--logRotate"},
         "systemLog.logRotate",
         Kind::kString,
         "rename (default) or reopen: what log rotation does to the log file",
         [](const std::string& v, ServerOptions* o) {
           if (v != "rename" && v != "reopen")
             return BadValue("systemLog.logRotate", "must be rename or reopen");
           o->log_rotate = v;
           return Status::OK();
         }},
        {{},
         "systemLog.verbosity",
         Kind::kInt,
         "debug log verbosity, 0-5 (also -v, -vv ... -vvvvv)",
         [](const std::string& v, ServerOptions* o) {
           return SetInt(&o->verbosity, "systemLog.verbosity", v, 0, 5);
         },
         "BASALT_VERBOSITY"},
        {{"--metricsPort"},
         "net.metrics.port",
         Kind::kInt,
         "port of the Prometheus /metrics HTTP endpoint (default: none)",
         [](const std::string& v, ServerOptions* o) {
           return SetInt(&o->metrics_port, "net.metrics.port", v, 0, 65535);
         }},
    };
    AddTlsSpecs(&all);
    AddComponentVerbositySpecs(&all);
    return all;
  }();
  return specs;
}

const OptionSpec* FindByFlag(const std::string& flag) {
  for (const auto& spec : Specs()) {
    for (const auto& f : spec.flags) {
      if (f == flag) return &spec;
    }
  }
  return nullptr;
}

const OptionSpec* FindByPath(const std::string& path) {
  for (const auto& spec : Specs()) {
    if (spec.yaml_path == path) return &spec;
  }
  return nullptr;
}

std::string EnvName(const OptionSpec& spec) {
  if (!spec.env.empty()) return spec.env;
  if (spec.flags.empty()) return "";
  std::string name = "BASALT_";
  const std::string& flag = spec.flags[0];
  for (size_t i = flag.find_first_not_of('-'); i < flag.size(); ++i) {
    char c = flag[i];
    if (std::isupper(static_cast<unsigned char>(c)) && name.back() != '_') name += '_';
    name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

}  // namespace basalt::server
