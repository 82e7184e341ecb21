#include "commands/prometheus.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>

namespace basalt::commands {
namespace {

// The shortest text that reads back as `value` (counters print as integers).
std::string Number(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : "NaN";
}

// A bucket bound as people write it ("0.00025", not "2.5e-04").
std::string Bound(double value) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", value);
  return buf;
}

class Writer {
 public:
  // One metric family: HELP and TYPE lines, then samples.
  void Family(const std::string& name, const std::string& type, const std::string& help) {
    out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void Sample(const std::string& name, const std::string& labels, double value) {
    out_ += name + (labels.empty() ? "" : "{" + labels + "}") + " " + Number(value) + "\n";
  }
  void Single(const std::string& name, const std::string& type, const std::string& help,
              double value) {
    Family(name, type, help);
    Sample(name, "", value);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

std::string RenderPrometheusMetrics(const ServiceContext& svc) {
  Writer w;
  auto uptime = std::chrono::steady_clock::now() - svc.start_steady;
  w.Single("basalt_uptime_seconds", "gauge", "Seconds since the server started.",
           std::chrono::duration<double>(uptime).count());

  int64_t current = svc.connections.current.load();
  w.Single("basalt_connections_current", "gauge", "Open client connections.",
           static_cast<double>(current));
  w.Single("basalt_connections_available", "gauge",
           "Connections that can still be opened (net.maxIncomingConnections - current).",
           static_cast<double>(std::max<int64_t>(0, svc.max_incoming_connections - current)));
  w.Single("basalt_connections_active", "gauge", "Connections running a command right now.",
           static_cast<double>(svc.connections.active.load()));
  w.Single("basalt_connections_created_total", "counter", "Connections accepted since start-up.",
           static_cast<double>(svc.connections.total_created.load()));

  w.Single("basalt_network_bytes_in_total", "counter", "Bytes received from clients.",
           static_cast<double>(svc.network.bytes_in.load()));
  w.Single("basalt_network_bytes_out_total", "counter", "Bytes sent to clients.",
           static_cast<double>(svc.network.bytes_out.load()));
  w.Single("basalt_network_requests_total", "counter", "Requests received.",
           static_cast<double>(svc.network.num_requests.load()));

  w.Family("basalt_opcounters_total", "counter",
           "Operations by type since start-up (serverStatus opcounters).");
  const std::pair<const char*, const std::atomic<int64_t>*> ops[] = {
      {"insert", &svc.opcounters.insert},   {"query", &svc.opcounters.query},
      {"update", &svc.opcounters.update},   {"delete", &svc.opcounters.remove},
      {"getmore", &svc.opcounters.getmore}, {"command", &svc.opcounters.command}};
  for (const auto& [type, counter] : ops) {
    w.Sample("basalt_opcounters_total", std::string("type=\"") + type + "\"",
             static_cast<double>(counter->load()));
  }

  long pages = 0, resident = 0;
  if (std::ifstream statm("/proc/self/statm"); statm >> pages >> resident) {
    w.Single("basalt_memory_resident_bytes", "gauge", "Resident memory of the server process.",
             static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)));
  }

  const std::string hist = "basalt_command_duration_seconds";
  w.Family(hist, "histogram", "Time to run each command, by command name.");
  for (const auto& [command, h] : svc.latencies.Snapshot()) {
    std::string label = "command=\"" + command + "\"";
    for (size_t i = 0; i < CommandLatencies::kBounds.size(); ++i) {
      w.Sample(hist + "_bucket", label + ",le=\"" + Bound(CommandLatencies::kBounds[i]) + "\"",
               static_cast<double>(h.cumulative[i]));
    }
    w.Sample(hist + "_bucket", label + ",le=\"+Inf\"", static_cast<double>(h.count));
    w.Sample(hist + "_sum", label, h.sum_seconds);
    w.Sample(hist + "_count", label, static_cast<double>(h.count));
  }
  return w.Take();
}

}  // namespace basalt::commands
