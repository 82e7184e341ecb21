// basaltd: parse options, set up logging and storage, serve until signalled,
// then close everything cleanly.
#include <unistd.h>

#include <csignal>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "base/log.h"
#include "commands/command.h"
#include "commands/dispatcher.h"
#include "commands/service_context.h"
#include "query/partial_filter.h"
#include "server/options.h"
#include "server/server.h"
#include "server/tls_context.h"

using namespace basalt;

namespace {

// mongod's exit codes: 2 for bad options, 48 when the listener cannot start.
constexpr int kExitBadOptions = 2;
constexpr int kExitNetError = 48;
constexpr int kExitDataDirectory = 100;  // mongod's EXIT_UNCAUGHT, used for dbpath errors

void LogStartup(const server::ServerOptions& options, const commands::ServiceContext& svc) {
  Bson attr;
  BSON_APPEND_INT64(attr.get(), "pid", svc.pid);
  BSON_APPEND_INT32(attr.get(), "port", options.port);
  AppendUtf8(attr.get(), "dbPath", options.dbpath);
  AppendUtf8(attr.get(), "host", svc.host);
  log::Info("CONTROL", 4615611, "initandlisten", "Basalt starting", attr.get());
  Bson opts;
  BSON_APPEND_DOCUMENT(opts.get(), "options", options.parsed.get());
  log::Info("CONTROL", 21951, "initandlisten", "Options set by command line", opts.get());
}

// --pidfilepath: the process id, written at start-up and removed on exit.
class PidFile {
 public:
  explicit PidFile(std::string path) : path_(std::move(path)) {
    if (path_.empty()) return;
    std::ofstream out(path_, std::ios::trunc);
    out << ::getpid() << "\n";
    ok_ = static_cast<bool>(out);
  }
  ~PidFile() {
    if (!path_.empty() && ok_) std::remove(path_.c_str());
  }
  bool ok() const { return ok_; }

 private:
  std::string path_;
  bool ok_ = true;
};

StatusWith<std::unique_ptr<storage::Engine>> OpenStorage(const server::ServerOptions& options) {
  storage::EngineOptions engine_options;
  engine_options.commit_interval = std::chrono::milliseconds(options.journal_commit_interval_ms);
  // partialFilterExpression is matched by the query layer's matcher.
  engine_options.partial_filter_factory = query::MakePartialFilterFactory();
  if (options.storage_engine == "inMemory") {
    engine_options.kind = storage::EngineOptions::Kind::kInMemory;
  } else {
    engine_options.kind = storage::EngineOptions::Kind::kRocksDb;
    engine_options.db_path = options.dbpath;
    std::error_code ec;
    if (!std::filesystem::is_directory(options.dbpath, ec)) {
      return Status(ErrorCodes::NonExistentPath,
                    "Data directory " + options.dbpath +
                        " not found. Create the missing directory or specify another path using "
                        "(1) the --dbpath command line option, or (2) by adding the "
                        "'storage.dbPath' option in the configuration file.");
    }
  }
  return storage::Engine::Open(engine_options);
}

}  // namespace

int main(int argc, char** argv) {
  // A client that hangs up mid-reply is an I/O error for its session, not a
  // reason to die: OpenSSL writes to sockets without MSG_NOSIGNAL. (mongod too.)
  signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv, argv + argc);
  auto parsed = server::ParseOptions(args, server::ProcessEnvironment());
  if (!parsed.ok()) {
    std::cerr << parsed.status().reason() << "\n"
              << "try '" << args[0] << " --help' for more information\n";
    return kExitBadOptions;
  }
  if (parsed.value().outcome != server::ParseOutcome::kRun) return 0;
  const server::ServerOptions& options = parsed.value().options;

  log::Options log_options;
  log_options.format = options.log_format == "json" ? log::Format::kJson : log::Format::kText;
  log_options.path = options.log_path;
  log_options.append = options.log_append;
  log_options.quiet = options.quiet;
  log_options.rotate_mode =
      options.log_rotate == "reopen" ? log::RotateMode::kReopen : log::RotateMode::kRename;
  log::SetVerbosity(options.verbosity);
  for (const auto& [component, level] : options.component_verbosity) {
    log::SetComponentVerbosity(component, level);
  }
  if (std::string err = log::Setup(log_options); !err.empty()) {
    std::cerr << "Cannot open log file " << options.log_path << ": " << err << "\n";
    return kExitBadOptions;
  }

  commands::ServiceContext service;
  log::SetObserver([&service](const std::string& line) { service.global_log.Add(line); });
  char hostname[256] = {};
  gethostname(hostname, sizeof hostname - 1);
  service.host = std::string(hostname) + ":" + std::to_string(options.port);
  service.argv = args;
  service.parsed_options = Bson::Copy(options.parsed.get());
  service.max_incoming_connections = options.max_incoming_connections;
  service.compressors = options.compressors;
  service.storage_engine_name = options.storage_engine;
  service.slow_op_threshold_ms = options.slow_op_threshold_ms;
  service.auth_enabled = options.auth;
  LogStartup(options, service);

  // Before the data directory is touched: a bad certificate file is a configuration error.
  auto tls_context = server::MakeServerTlsContext(options);
  if (!tls_context.ok()) {
    Bson attr;
    AppendUtf8(attr.get(), "error", tls_context.status().ToString());
    log::Error("NETWORK", 23248, "initandlisten", "Cannot set up TLS", attr.get());
    std::cerr << tls_context.status().reason() << "\n";
    return kExitBadOptions;
  }

  auto engine = OpenStorage(options);
  if (!engine.ok()) {
    Bson attr;
    AppendUtf8(attr.get(), "error", engine.status().ToString());
    log::Error("STORAGE", 28595, "initandlisten", "Cannot open the storage engine", attr.get());
    return kExitDataDirectory;
  }
  service.engine = engine.value().get();

  commands::CommandRegistry registry;
  commands::RegisterAllCommands(&registry);
  commands::Dispatcher dispatcher(registry);

  server::Server server(options, service, dispatcher);
  server.SetTlsContext(tls_context.value());
  service.request_shutdown = [&server] { server.Stop(); };
  PidFile pid_file(options.pid_file_path);
  if (!pid_file.ok()) {
    std::cerr << "Cannot write the pid file " << options.pid_file_path << "\n";
    engine.value()->Close();
    return kExitBadOptions;
  }
  if (Status s = server.Listen(); !s.ok()) {
    Bson attr;
    AppendUtf8(attr.get(), "error", s.reason());
    log::Error("NETWORK", 23024, "initandlisten", "Failed to start listener", attr.get());
    engine.value()->Close();
    return kExitNetError;
  }
  server.Run();
  // Every session is gone, so no collection handle or cursor is left open.
  if (Status s = engine.value()->Close(); !s.ok()) {
    Bson attr;
    AppendUtf8(attr.get(), "error", s.ToString());
    log::Error("STORAGE", 22261, "initandlisten", "Error closing the storage engine", attr.get());
  } else {
    log::Info("STORAGE", 4784929, "initandlisten", "Storage engine closed cleanly");
  }
  log::Info("CONTROL", 20565, "initandlisten", "Now exiting");
  Bson attr;
  BSON_APPEND_INT32(attr.get(), "exitCode", 0);
  log::Info("CONTROL", 23138, "initandlisten", "Shutting down", attr.get());
  return 0;
}
