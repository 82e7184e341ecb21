#include "server/options.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <variant>

#include "commands/server_version.h"
#include "server/option_specs.h"

namespace basalt::server {
namespace {

using ParsedValue = std::variant<int64_t, std::string, bool>;

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
  recorder->Set(spec.yaml_path, spec.secret ? ParsedValue(std::string("<password>"))
                                            : Typed(spec.kind, value));
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
  out << "Usage: basaltd [options]\n\n"
         "Each option may also be set in the config file (at the path in brackets) or\n"
         "in the environment; the command line wins over the environment, which wins\n"
         "over the config file.\n\nOptions:\n";
  out << "  -h [ --help ]                     show this usage information\n";
  out << "  --version                         show version information\n";
  out << "  -f [ --config ] arg               configuration file (YAML, mongod.conf layout)"
         "  [$BASALT_CONFIG]\n";
  out << "  -v [ --verbose ]                  more verbose log output (-vv ... -vvvvv for more)"
         "  [systemLog.verbosity, $BASALT_VERBOSITY]\n";
  out << "  --auth                            run with security"
         "  [security.authorization, $BASALT_AUTHORIZATION]\n";
  out << "  --noauth                          run without security"
         "  [security.authorization, $BASALT_AUTHORIZATION]\n";
  for (const auto& spec : Specs()) {
    if (spec.flags.empty()) continue;
    std::string left = "  " + spec.flags[0] + (spec.kind == Kind::kFlag ? "" : " arg");
    left.resize(std::max<size_t>(left.size() + 1, 36), ' ');
    out << left << spec.help << "  [" << spec.yaml_path << ", $" << EnvName(spec) << "]\n";
  }
  return out.str();
}

namespace {

// -v ... -vvvvv and --verbose[=vvv]: mongod's short spelling of systemLog.verbosity.
// Returns the level, or -1 when `arg` is not a verbosity flag.
int VerbosityFlag(const std::string& arg, const std::string& inline_value) {
  if (arg == "--verbose") {
    if (inline_value.empty()) return 1;
    if (inline_value.find_first_not_of('v') != std::string::npos) return -1;
    return static_cast<int>(inline_value.size());
  }
  if (arg.size() < 2 || arg[0] != '-' || arg.find_first_not_of('v', 1) != std::string::npos) {
    return -1;
  }
  return static_cast<int>(arg.size() - 1);
}

// Checks between options, once every source has been applied.
Status CheckCombinations(const ServerOptions& o) {
  if (o.log_rotate == "reopen" && (o.log_path.empty() || !o.log_append)) {
    return BadValue("systemLog.logRotate",
                    "reopen requires systemLog.path and systemLog.logAppend: true");
  }
  if (o.metrics_port > 0 && o.metrics_port == o.port) {
    return BadValue("net.metrics.port", "must differ from net.port");
  }
  return CheckTlsCombinations(o);
}

}  // namespace

Environment ProcessEnvironment() {
  Environment env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string text = *entry;
    if (text.rfind("BASALT_", 0) != 0) continue;
    size_t eq = text.find('=');
    if (eq == std::string::npos) continue;
    env.emplace_back(text.substr(0, eq), text.substr(eq + 1));
  }
  return env;
}

StatusWith<ParseResult> ParseOptions(const std::vector<std::string>& args, const Environment& env) {
  ParseResult result;
  ParsedRecorder recorder;
  // (flag spec, value) in command-line order; applied after the environment and
  // the config file so that flags override both, as with mongod's config file.
  std::vector<std::pair<const OptionSpec*, std::string>> flags;
  const OptionSpec* verbosity_spec = FindByPath("systemLog.verbosity");
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
    if (int level = VerbosityFlag(arg, value); level >= 0) {
      flags.emplace_back(verbosity_spec, std::to_string(level));
      continue;
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
    if (arg == "--auth" || arg == "--noauth") {
      flags.emplace_back(FindByPath("security.authorization"),
                         arg == "--auth" ? "enabled" : "disabled");
      continue;
    }
    if (arg == "-f" || arg == "--config") {
      auto path = needs_value();
      if (!path.ok()) return path.status();
      result.options.config_path = path.value();
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
  // The environment: BASALT_CONFIG names the config file unless --config did;
  // every other BASALT_* variable must name an option (a typo is an error, not ignored).
  std::vector<std::pair<const OptionSpec*, std::string>> env_values;
  for (const auto& [name, value] : env) {
    if (name == "BASALT_CONFIG") {
      if (result.options.config_path.empty()) result.options.config_path = value;
      continue;
    }
    const OptionSpec* spec = nullptr;
    for (const auto& candidate : Specs()) {
      if (EnvName(candidate) == name) spec = &candidate;
    }
    if (!spec) {
      return Status(ErrorCodes::BadValue,
                    "Error parsing environment: unrecognised variable " + name);
    }
    env_values.emplace_back(spec, value);
  }
  if (!result.options.config_path.empty()) {
    recorder.Set("config", result.options.config_path);
    std::ifstream in(result.options.config_path);
    if (!in) {
      return Status(ErrorCodes::BadValue, "Error reading config file: No such file or directory: " +
                                              result.options.config_path);
    }
    std::stringstream text;
    text << in.rdbuf();
    if (Status s = ApplyYaml(text.str(), &result.options, &recorder); !s.ok()) return s;
  }
  for (const auto& [spec, value] : env_values) {
    Status s = ApplyOne(*spec, value, &result.options, &recorder);
    if (!s.ok()) return Status(s.code(), s.reason() + " (from " + EnvName(*spec) + ")");
  }
  for (const auto& [spec, value] : flags) {
    if (Status s = ApplyOne(*spec, value, &result.options, &recorder); !s.ok()) return s;
  }
  if (Status s = CheckCombinations(result.options); !s.ok()) return s;
  result.options.parsed = recorder.Build();
  return result;
}

}  // namespace basalt::server
