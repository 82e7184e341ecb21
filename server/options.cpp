#include "server/options.h"

#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <variant>

#include "commands/server_version.h"

namespace basalt::server {
namespace {

enum class Kind { kInt, kString, kFlag };

// One option, reachable both as a command-line flag and at a YAML path.
struct OptionSpec {
  std::vector<std::string> flags;  // "--port"; empty when config-file only
  std::string yaml_path;           // "net.port"
  Kind kind;
  std::string help;
  std::function<Status(const std::string& value, ServerOptions*)> apply;
};

using ParsedValue = std::variant<int64_t, std::string, bool>;

Status BadValue(const std::string& name, const std::string& why) {
  return Status(ErrorCodes::BadValue, "Bad value for option " + name + ": " + why);
}

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

Status SetBool(bool* field, const std::string& name, const std::string& v) {
  auto parsed = ParseBool(name, v);
  if (!parsed.ok()) return parsed.status();
  *field = parsed.value();
  return Status::OK();
}

const std::vector<OptionSpec>& Specs() {
  static const std::vector<OptionSpec> specs = {
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
      {{"--ioThreads"},
       "net.ioThreads",
       Kind::kInt,
       "threads serving connections (default: one per core)",
       [](const std::string& v, ServerOptions* o) {
         return SetInt(&o->io_threads, "net.ioThreads", v, 1, 1024);
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
      {{"--pidfilepath"},
       "processManagement.pidFilePath",
       Kind::kString,
       "file to write the server's process id to",
       [](const std::string& v, ServerOptions* o) {
         o->pid_file_path = v;
         return Status::OK();
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
  };
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

// Records explicitly set options for getCmdLineOpts, nested by path component.
class ParsedRecorder {
 public:
  void Set(const std::string& path, ParsedValue value) {
    for (auto& entry : entries_) {
      if (entry.first == path) {
        entry.second = std::move(value);
        return;
      }
    }
    entries_.emplace_back(path, std::move(value));
  }

  Bson Build() const {
    Bson out;
    AppendLevel(out.get(), "");
    return out;
  }

 private:
  // Appends every entry under `prefix`, grouping deeper paths into subdocuments
  // in order of first appearance.
  void AppendLevel(bson_t* doc, const std::string& prefix) const {
    std::vector<std::string> done;
    for (const auto& [path, value] : entries_) {
      if (path.rfind(prefix, 0) != 0) continue;
      std::string rest = path.substr(prefix.size());
      size_t dot = rest.find('.');
      std::string head = rest.substr(0, dot);
      if (std::find(done.begin(), done.end(), head) != done.end()) continue;
      done.push_back(head);
      if (dot == std::string::npos) {
        AppendValue(doc, head, value);
      } else {
        bson_t sub;
        bson_append_document_begin(doc, head.c_str(), -1, &sub);
        AppendLevel(&sub, prefix + head + ".");
        bson_append_document_end(doc, &sub);
      }
    }
  }

  static void AppendValue(bson_t* doc, const std::string& key, const ParsedValue& value) {
    if (auto* i = std::get_if<int64_t>(&value)) AppendNumber(doc, key, *i);
    if (auto* s = std::get_if<std::string>(&value)) AppendUtf8(doc, key, *s);
    if (auto* b = std::get_if<bool>(&value)) bson_append_bool(doc, key.c_str(), -1, *b);
  }

  std::vector<std::pair<std::string, ParsedValue>> entries_;
};

ParsedValue Typed(Kind kind, const std::string& value) {
  if (kind == Kind::kInt) return static_cast<int64_t>(std::stoll(value));
  if (kind == Kind::kFlag) return value == "true" || value == "1";
  return value;
}

Status ApplyOne(const OptionSpec& spec, const std::string& value, ServerOptions* options,
                ParsedRecorder* recorder) {
  if (Status s = spec.apply(value, options); !s.ok()) return s;
  recorder->Set(spec.yaml_path, Typed(spec.kind, value));
  return Status::OK();
}

// Flattens a YAML mapping into (dotted path, scalar text) pairs.
Status FlattenYaml(const YAML::Node& node, const std::string& prefix,
                   std::vector<std::pair<std::string, std::string>>* out) {
  for (const auto& item : node) {
    std::string key = prefix + item.first.as<std::string>();
    const YAML::Node& value = item.second;
    if (value.IsMap()) {
      if (FindByPath(key)) return BadValue(key, "expected a value, found a mapping");
      if (Status s = FlattenYaml(value, key + ".", out); !s.ok()) return s;
    } else if (value.IsSequence()) {
      std::string joined;
      for (const auto& element : value) {
        if (!element.IsScalar()) return BadValue(key, "expected a list of values");
        joined += (joined.empty() ? "" : ",") + element.as<std::string>();
      }
      out->emplace_back(key, joined);
    } else if (value.IsScalar()) {
      out->emplace_back(key, value.as<std::string>());
    } else if (value.IsNull()) {
      if (FindByPath(key)) return BadValue(key, "no value given");
      // An empty section ("net:") is harmless.
    }
  }
  return Status::OK();
}

Status ApplyYaml(const std::string& text, ServerOptions* options, ParsedRecorder* recorder) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Status(ErrorCodes::FailedToParse,
                  std::string("Error parsing YAML config file: ") + e.what());
  }
  if (root.IsNull()) return Status::OK();
  if (!root.IsMap()) {
    return Status(ErrorCodes::FailedToParse, "Error parsing YAML config file: not a mapping");
  }
  std::vector<std::pair<std::string, std::string>> values;
  try {
    if (Status s = FlattenYaml(root, "", &values); !s.ok()) return s;
  } catch (const YAML::Exception& e) {
    return Status(ErrorCodes::FailedToParse,
                  std::string("Error parsing YAML config file: ") + e.what());
  }
  for (const auto& [path, value] : values) {
    const OptionSpec* spec = FindByPath(path);
    if (!spec) return Status(ErrorCodes::BadValue, "Unrecognized option: " + path);
    if (Status s = ApplyOne(*spec, value, options, recorder); !s.ok()) return s;
  }
  return Status::OK();
}

}  // namespace

Status ApplyConfigYaml(const std::string& yaml_text, ServerOptions* options) {
  ParsedRecorder recorder;
  Status s = ApplyYaml(yaml_text, options, &recorder);
  if (s.ok()) options->parsed = recorder.Build();
  return s;
}

std::string HelpText() {
  std::ostringstream out;
  out << "Usage: basaltd [options]\n\nOptions:\n";
  out << "  -h [ --help ]                     show this usage information\n";
  out << "  --version                         show version information\n";
  out << "  -f [ --config ] arg               configuration file (YAML, mongod.conf layout)\n";
  out << "  --auth                            run with security  [security.authorization]\n";
  out << "  --noauth                          run without security  [security.authorization]\n";
  for (const auto& spec : Specs()) {
    if (spec.flags.empty()) continue;
    std::string left = "  " + spec.flags[0] + (spec.kind == Kind::kFlag ? "" : " arg");
    left.resize(std::max<size_t>(left.size() + 1, 36), ' ');
    out << left << spec.help << "  [" << spec.yaml_path << "]\n";
  }
  return out.str();
}

StatusWith<ParseResult> ParseOptions(const std::vector<std::string>& args) {
  ParseResult result;
  ParsedRecorder recorder;
  // (flag spec, value) in command-line order; applied after the config file so
  // that flags override it, as with mongod.
  std::vector<std::pair<const OptionSpec*, std::string>> flags;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string arg = args[i];
    std::string value;
    bool has_inline_value = false;
    if (size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_inline_value = true;
    }
    if (arg == "-h" || arg == "--help") {
      std::cout << HelpText();
      result.outcome = ParseOutcome::kPrintedHelp;
      return result;
    }
    if (arg == "--version") {
      std::cout << "basaltd version v" << BASALT_VERSION << " (MongoDB " << commands::kMongoVersion
                << " compatible)\n";
      result.outcome = ParseOutcome::kPrintedVersion;
      return result;
    }
    auto needs_value = [&]() -> StatusWith<std::string> {
      if (has_inline_value) return value;
      if (i + 1 >= args.size()) {
        return Status(ErrorCodes::BadValue,
                      "Error parsing command line: the required argument for option '" + arg +
                          "' is missing");
      }
      return args[++i];
    };
    if (arg == "-f" || arg == "--config") {
      auto path = needs_value();
      if (!path.ok()) return path.status();
      result.options.config_path = path.value();
      recorder.Set("config", path.value());
      continue;
    }
    if (arg == "--auth" || arg == "--noauth") {
      flags.emplace_back(FindByPath("security.authorization"),
                         arg == "--auth" ? "enabled" : "disabled");
      continue;
    }
    const OptionSpec* spec = FindByFlag(arg);
    if (!spec) {
      return Status(ErrorCodes::BadValue,
                    "Error parsing command line: unrecognised option '" + args[i] + "'");
    }
    if (spec->kind == Kind::kFlag) {
      flags.emplace_back(spec, has_inline_value ? value : "true");
      continue;
    }
    auto v = needs_value();
    if (!v.ok()) return v.status();
    flags.emplace_back(spec, v.value());
  }
  if (!result.options.config_path.empty()) {
    std::ifstream in(result.options.config_path);
    if (!in) {
      return Status(ErrorCodes::BadValue, "Error reading config file: No such file or directory: " +
                                              result.options.config_path);
    }
    std::stringstream text;
    text << in.rdbuf();
    if (Status s = ApplyYaml(text.str(), &result.options, &recorder); !s.ok()) return s;
  }
  for (const auto& [spec, value] : flags) {
    if (Status s = ApplyOne(*spec, value, &result.options, &recorder); !s.ok()) return s;
  }
  result.options.parsed = recorder.Build();
  return result;
}

}  // namespace basalt::server
