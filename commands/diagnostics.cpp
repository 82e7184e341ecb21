// Commands that describe the server: ping, buildInfo, serverStatus, hostInfo,
// getParameter, getCmdLineOpts, getLog, listCommands, whatsmyuri,
// connectionStatus. Shapes follow mongod 7.0's replies.
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <fstream>

#include "base/log.h"
#include "commands/authentication.h"
#include "commands/authorization.h"
#include "commands/command.h"
#include "commands/families.h"
#include "commands/server_version.h"

namespace basalt::commands {
namespace {

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status RunPing(OperationContext&, const CommandInvocation&, bson_t*) { return Status::OK(); }

Status RunBuildInfo(OperationContext& op, const CommandInvocation&, bson_t* reply) {
  AppendUtf8(reply, "version", kMongoVersion);
  AppendUtf8(reply, "gitVersion", "basalt");
  bson_t modules;
  BSON_APPEND_ARRAY_BEGIN(reply, "modules", &modules);
  bson_append_array_end(reply, &modules);
  AppendUtf8(reply, "allocator", "system");
  AppendUtf8(reply, "javascriptEngine", "none");
  AppendUtf8(reply, "sysInfo", "deprecated");
  bson_t version_array;
  BSON_APPEND_ARRAY_BEGIN(reply, "versionArray", &version_array);
  for (size_t i = 0; i < kMongoVersionArray.size(); ++i) {
    BSON_APPEND_INT32(&version_array, std::to_string(i).c_str(), kMongoVersionArray[i]);
  }
  bson_append_array_end(reply, &version_array);
  bson_t env;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "buildEnvironment", &env);
  AppendUtf8(&env, "target_os", "linux");
  AppendUtf8(&env, "target_arch", "x86_64");
  bson_append_document_end(reply, &env);
  BSON_APPEND_INT32(reply, "bits", 64);
  BSON_APPEND_BOOL(reply, "debug", false);
  BSON_APPEND_INT32(reply, "maxBsonObjectSize", kMaxBsonObjectSize);
  AppendStringArray(reply, "storageEngines", {"inMemory", op.service.storage_engine_name});
  return Status::OK();
}

void AppendTimeFields(OperationContext& op, bson_t* reply) {
  auto uptime = std::chrono::steady_clock::now() - op.service.start_steady;
  int64_t uptime_ms = std::chrono::duration_cast<std::chrono::milliseconds>(uptime).count();
  BSON_APPEND_DOUBLE(reply, "uptime", static_cast<double>(uptime_ms / 1000));
  BSON_APPEND_INT64(reply, "uptimeMillis", uptime_ms);
  BSON_APPEND_INT64(reply, "uptimeEstimate", uptime_ms / 1000);
  BSON_APPEND_DATE_TIME(reply, "localTime", NowMillis());
}

Status RunServerStatus(OperationContext& op, const CommandInvocation&, bson_t* reply) {
  ServiceContext& svc = op.service;
  AppendUtf8(reply, "host", svc.host);
  AppendUtf8(reply, "version", kMongoVersion);
  AppendUtf8(reply, "process", "basaltd");
  BSON_APPEND_INT64(reply, "pid", svc.pid);
  AppendTimeFields(op, reply);

  bson_t sub;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "connections", &sub);
  int64_t current = svc.connections.current.load();
  BSON_APPEND_INT32(&sub, "current", static_cast<int32_t>(current));
  BSON_APPEND_INT32(
      &sub, "available",
      static_cast<int32_t>(std::max<int64_t>(0, svc.max_incoming_connections - current)));
  BSON_APPEND_INT32(&sub, "totalCreated",
                    static_cast<int32_t>(svc.connections.total_created.load()));
  BSON_APPEND_INT32(&sub, "active", static_cast<int32_t>(svc.connections.active.load()));
  bson_append_document_end(reply, &sub);

  BSON_APPEND_DOCUMENT_BEGIN(reply, "network", &sub);
  BSON_APPEND_INT64(&sub, "bytesIn", svc.network.bytes_in.load());
  BSON_APPEND_INT64(&sub, "bytesOut", svc.network.bytes_out.load());
  BSON_APPEND_INT64(&sub, "numRequests", svc.network.num_requests.load());
  bson_append_document_end(reply, &sub);

  BSON_APPEND_DOCUMENT_BEGIN(reply, "opcounters", &sub);
  BSON_APPEND_INT64(&sub, "insert", svc.opcounters.insert.load());
  BSON_APPEND_INT64(&sub, "query", svc.opcounters.query.load());
  BSON_APPEND_INT64(&sub, "update", svc.opcounters.update.load());
  BSON_APPEND_INT64(&sub, "delete", svc.opcounters.remove.load());
  BSON_APPEND_INT64(&sub, "getmore", svc.opcounters.getmore.load());
  BSON_APPEND_INT64(&sub, "command", svc.opcounters.command.load());
  bson_append_document_end(reply, &sub);

  BSON_APPEND_DOCUMENT_BEGIN(reply, "mem", &sub);
  BSON_APPEND_INT32(&sub, "bits", 64);
  long pages = 0, resident = 0;
  if (std::ifstream statm("/proc/self/statm"); statm >> pages >> resident) {
    long page_mb = sysconf(_SC_PAGESIZE);
    BSON_APPEND_INT64(&sub, "resident", resident * page_mb / (1024 * 1024));
    BSON_APPEND_INT64(&sub, "virtual", pages * page_mb / (1024 * 1024));
  }
  BSON_APPEND_BOOL(&sub, "supported", true);
  bson_append_document_end(reply, &sub);

  BSON_APPEND_DOCUMENT_BEGIN(reply, "storageEngine", &sub);
  AppendUtf8(&sub, "name", svc.storage_engine_name);
  BSON_APPEND_BOOL(&sub, "supportsCommittedReads", false);
  BSON_APPEND_BOOL(&sub, "persistent", svc.storage_engine_name != "inMemory");
  bson_append_document_end(reply, &sub);
  return Status::OK();
}

std::string ReadOsName() {
  std::ifstream in("/etc/os-release");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("PRETTY_NAME=", 0) == 0) {
      std::string value = line.substr(12);
      if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
      return value;
    }
  }
  return "Linux";
}

Status RunHostInfo(OperationContext&, const CommandInvocation&, bson_t* reply) {
  char hostname[256] = {};
  gethostname(hostname, sizeof hostname - 1);
  struct sysinfo si {};
  sysinfo(&si);
  int64_t mem_mb = static_cast<int64_t>(si.totalram) * si.mem_unit / (1024 * 1024);
  long cores = sysconf(_SC_NPROCESSORS_ONLN);
  struct utsname uts {};
  uname(&uts);

  bson_t sub;
  BSON_APPEND_DOCUMENT_BEGIN(reply, "system", &sub);
  BSON_APPEND_DATE_TIME(&sub, "currentTime", NowMillis());
  AppendUtf8(&sub, "hostname", hostname);
  BSON_APPEND_INT32(&sub, "cpuAddrSize", 64);
  BSON_APPEND_INT64(&sub, "memSizeMB", mem_mb);
  BSON_APPEND_INT64(&sub, "memLimitMB", mem_mb);
  BSON_APPEND_INT32(&sub, "numCores", static_cast<int32_t>(cores));
  AppendUtf8(&sub, "cpuArch", uts.machine);
  BSON_APPEND_BOOL(&sub, "numaEnabled", false);
  bson_append_document_end(reply, &sub);

  BSON_APPEND_DOCUMENT_BEGIN(reply, "os", &sub);
  AppendUtf8(&sub, "type", "Linux");
  AppendUtf8(&sub, "name", ReadOsName());
  AppendUtf8(&sub, "version", uts.release);
  bson_append_document_end(reply, &sub);

  BSON_APPEND_DOCUMENT_BEGIN(reply, "extra", &sub);
  AppendUtf8(&sub, "versionString",
             std::string(uts.sysname) + " " + uts.release + " " + uts.version);
  BSON_APPEND_INT64(&sub, "pageSize", sysconf(_SC_PAGESIZE));
  bson_append_document_end(reply, &sub);
  return Status::OK();
}

// Server parameters getParameter reports. Values are fixed for now; the
// setParameter command arrives with the issues that make them tunable.
void AppendParameter(bson_t* out, std::string_view name, bool show_details,
                     const std::function<void(bson_t*, const char*)>& append_value) {
  std::string key(name);
  if (!show_details) {
    append_value(out, key.c_str());
    return;
  }
  bson_t detail;
  bson_append_document_begin(out, key.c_str(), -1, &detail);
  append_value(&detail, "value");
  BSON_APPEND_BOOL(&detail, "settableAtRuntime", false);
  BSON_APPEND_BOOL(&detail, "settableAtStartup", false);
  bson_append_document_end(out, &detail);
}

struct Parameter {
  const char* name;
  std::function<void(bson_t*, const char*)> append;
};

const std::vector<Parameter>& Parameters() {
  static const std::vector<Parameter> params = {
      {"authenticationMechanisms",
       [](bson_t* d, const char* k) {
         AppendStringArray(d, k, {"SCRAM-SHA-1", "SCRAM-SHA-256"});
       }},
      {"cursorTimeoutMillis", [](bson_t* d, const char* k) { BSON_APPEND_INT64(d, k, 600000); }},
      {"featureCompatibilityVersion",
       [](bson_t* d, const char* k) {
         bson_t fcv;
         BSON_APPEND_DOCUMENT_BEGIN(d, k, &fcv);
         AppendUtf8(&fcv, "version", kFeatureCompatibilityVersion);
         bson_append_document_end(d, &fcv);
       }},
      {"internalDocumentSourceGroupMaxMemoryBytes",
       [](bson_t* d, const char* k) { BSON_APPEND_INT64(d, k, 104857600); }},
      {"logComponentVerbosity",
       [](bson_t* d, const char* k) {
         bson_t sub;
         BSON_APPEND_DOCUMENT_BEGIN(d, k, &sub);
         log::AppendComponentVerbosity(&sub);
         bson_append_document_end(d, &sub);
       }},
      {"logLevel", [](bson_t* d, const char* k) { BSON_APPEND_INT32(d, k, log::Verbosity()); }},
      {"maxBSONDepth", [](bson_t* d, const char* k) { BSON_APPEND_INT32(d, k, 200); }},
      {"quiet", [](bson_t* d, const char* k) { BSON_APPEND_BOOL(d, k, false); }},
      {"transactionLifetimeLimitSeconds",
       [](bson_t* d, const char* k) { BSON_APPEND_INT32(d, k, 60); }},
  };
  return params;
}

Status RunGetParameter(OperationContext&, const CommandInvocation& cmd, bson_t* reply) {
  bson_iter_t it;
  bson_iter_init(&it, cmd.body);
  bson_iter_next(&it);  // the command field: '*', 1, or {showDetails, allParameters}
  bool all = BSON_ITER_HOLDS_UTF8(&it) && Utf8Of(&it) == "*";
  bool show_details = false;
  if (BSON_ITER_HOLDS_DOCUMENT(&it)) {
    bson_iter_t opt;
    bson_iter_recurse(&it, &opt);
    while (bson_iter_next(&opt)) {
      if (KeyOf(&opt) == "showDetails") show_details = IsTruthy(&opt);
      if (KeyOf(&opt) == "allParameters") all = IsTruthy(&opt);
    }
  }
  bool found = false;
  for (const Parameter& param : Parameters()) {
    bson_iter_t field;
    if (all || (bson_iter_init_find(&field, cmd.body, param.name))) {
      AppendParameter(reply, param.name, show_details, param.append);
      found = true;
    }
  }
  if (!found) return Status(ErrorCodes::InvalidOptions, "no option found to get");
  return Status::OK();
}

Status RunGetCmdLineOpts(OperationContext& op, const CommandInvocation&, bson_t* reply) {
  AppendStringArray(reply, "argv", op.service.argv);
  BSON_APPEND_DOCUMENT(reply, "parsed", op.service.parsed_options.get());
  return Status::OK();
}

Status RunGetLog(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  bson_iter_t it;
  bson_iter_init(&it, cmd.body);
  bson_iter_next(&it);
  if (!BSON_ITER_HOLDS_UTF8(&it)) {
    return Status(ErrorCodes::TypeMismatch, "Argument to getLog must be of type String; found " +
                                                std::string(TypeName(bson_iter_type(&it))));
  }
  std::string_view which = Utf8Of(&it);
  if (which == "*") {
    AppendStringArray(reply, "names", {"global", "startupWarnings"});
    return Status::OK();
  }
  const RecentLog* log = nullptr;
  if (which == "global") log = &op.service.global_log;
  if (which == "startupWarnings") log = &op.service.startup_warnings;
  if (!log) return Status(ErrorCodes::OperationFailed, "No log named '" + std::string(which) + "'");
  BSON_APPEND_INT64(reply, "totalLinesWritten", log->TotalLinesWritten());
  AppendStringArray(reply, "log", log->Lines());
  return Status::OK();
}

Status RunWhatsMyUri(OperationContext& op, const CommandInvocation&, bson_t* reply) {
  AppendUtf8(reply, "you", op.connection.remote);
  return Status::OK();
}

Status RunConnectionStatus(OperationContext& op, const CommandInvocation& cmd, bson_t* reply) {
  bson_iter_t it;
  bool show_privileges = bson_iter_init_find(&it, cmd.body, "showPrivileges") && IsTruthy(&it);
  AppendAuthInfo(op, show_privileges, reply);
  return Status::OK();
}

// shutdown: mongod accepts it only from the machine itself (without auth),
// answers nothing, and stops as on SIGTERM.
Status RunShutdown(OperationContext& op, const CommandInvocation&, bson_t*) {
  const std::string& remote = op.connection.remote;
  bool local = remote.rfind("127.", 0) == 0 || remote.rfind("[::1]", 0) == 0;
  if (!local) {
    return Status(ErrorCodes::Unauthorized,
                  "shutdown must run from localhost when running db without auth");
  }
  if (!op.service.request_shutdown) {
    return Status(ErrorCodes::IllegalOperation, "shutdown is not available");
  }
  op.service.request_shutdown();
  return Status::OK();
}

}  // namespace

void RegisterDiagnosticCommands(CommandRegistry* registry) {
  registry->Register({.name = "shutdown",
                      .run = RunShutdown,
                      .help = "shut down the server gracefully",
                      .admin_only = true});
  registry->Register(
      {.name = "ping", .run = RunPing, .help = "a way to check that the server is alive"});
  registry->Register({.name = "buildInfo",
                      .aliases = {"buildinfo"},
                      .run = RunBuildInfo,
                      .help = "get version #, etc.",
                      .allowed_on_op_query = true});
  registry->Register({.name = "serverStatus",
                      .run = RunServerStatus,
                      .help = "returns lots of administrative server statistics"});
  registry->Register({.name = "hostInfo",
                      .run = RunHostInfo,
                      .help = "returns information about the daemon's host"});
  registry->Register({.name = "getParameter",
                      .run = RunGetParameter,
                      .help = "get administrative option(s)",
                      .admin_only = true});
  registry->Register(
      {.name = "getCmdLineOpts", .run = RunGetCmdLineOpts, .help = "get argv", .admin_only = true});
  registry->Register(
      {.name = "getLog", .run = RunGetLog, .help = "returns recent log lines", .admin_only = true});
  registry->Register({.name = "whatsmyuri", .run = RunWhatsMyUri, .help = "{whatsmyuri:1}"});
  registry->Register({.name = "connectionStatus",
                      .run = RunConnectionStatus,
                      .help = "Returns connection-specific information such as logged-in users and "
                              "their roles"});
  registry->Register({.name = "listCommands",
                      .run =
                          [registry](OperationContext&, const CommandInvocation&, bson_t* reply) {
                            bson_t commands;
                            BSON_APPEND_DOCUMENT_BEGIN(reply, "commands", &commands);
                            for (const CommandDefinition* def : registry->All()) {
                              bson_t entry;
                              bson_append_document_begin(&commands, def->name.c_str(), -1, &entry);
                              AppendStringArray(&entry, "aliases", def->aliases);
                              AppendUtf8(&entry, "help", def->help);
                              // requiresAuth as the authorization table says
                              // (hello, saslStart, ping... are open).
                              Bson body;
                              BSON_APPEND_INT32(body.get(), def->name.c_str(), 1);
                              CommandInvocation probe;
                              probe.name = def->name;
                              probe.body = body.get();
                              probe.db = "admin";
                              BSON_APPEND_BOOL(&entry, "requiresAuth",
                                               RequiredPrivileges(probe, def->name).has_value());
                              BSON_APPEND_BOOL(&entry, "secondaryOk", true);
                              BSON_APPEND_BOOL(&entry, "adminOnly", def->admin_only);
                              bson_append_document_end(&commands, &entry);
                            }
                            bson_append_document_end(reply, &commands);
                            return Status::OK();
                          },
                      .help = "get a list of all db commands"});
}

}  // namespace basalt::commands
