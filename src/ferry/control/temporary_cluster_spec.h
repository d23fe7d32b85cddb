// TEMPORARY copy of rocketmq::ClusterSpec while engineer `cluster-spec` lands
// src/ferry/rocketmq/cluster_spec.h; deleted (and config.h switched to the real header) before
// this branch lands on main.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ferry/rpc/transport.h"

namespace ferry::rocketmq {

struct TlsSpec {
  bool enabled = false;
  std::string ca_file;
  bool verify_peer = true;
  std::string server_name;
};

struct ClusterSpec {
  std::string name;
  std::vector<std::string> name_servers;
  std::optional<rpc::Credentials> credentials;
  TlsSpec tls;
  std::map<std::string, std::string> broker_address_map;
  std::chrono::milliseconds timeout{3000};
};

}  // namespace ferry::rocketmq
