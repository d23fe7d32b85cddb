// Timeouts of the typed RocketMQ API (NameServerApi, BrokerApi; docs/api.md). Its own header so
// that Cluster and the engines can name them without the request plumbing of call.h.
#pragma once

#include <chrono>

namespace ferry::rocketmq {

// Plain calls use `timeout`; calls the broker forwards to a client wait longer (the broker itself
// waits up to 10 s for the client); long-polling pulls wait for suspendTimeoutMillis plus
// `pull_margin`.
struct ApiOptions {
  std::chrono::milliseconds timeout{3000};
  std::chrono::milliseconds running_info_timeout{15000};
  std::chrono::milliseconds pull_margin{5000};
};

}  // namespace ferry::rocketmq
