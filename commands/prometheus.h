// The serverStatus counters and command latency histograms in Prometheus'
// text exposition format (version 0.0.4), for the metrics endpoint.
#pragma once

#include <string>

#include "commands/service_context.h"

namespace basalt::commands {

std::string RenderPrometheusMetrics(const ServiceContext& service);

}  // namespace basalt::commands
