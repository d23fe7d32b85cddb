#include "ferry/rocketmq/cluster_spec.h"

#include <utility>

#include <fmt/format.h>

namespace ferry::rocketmq {
namespace {

// "host:port" with a non-empty host and a decimal port.
bool isHostPort(std::string_view addr) {
  const auto colon = addr.rfind(':');
  return colon != std::string_view::npos && colon != 0 && colon + 1 != addr.size()
         && addr.find_first_not_of("0123456789", colon + 1) == std::string_view::npos;
}

Error invalid(const ClusterSpec& spec, std::string what) {
  return Error{Errc::kInvalidArgument, fmt::format("cluster '{}': {}", spec.name, what), 0, {}};
}

}  // namespace

Result<void> validate(const ClusterSpec& spec) {
  if (spec.name_servers.empty()) {
    return makeError(invalid(spec, "name_servers is empty"));
  }
  for (std::size_t i = 0; i < spec.name_servers.size(); ++i) {
    if (!isHostPort(spec.name_servers[i])) {
      return makeError(invalid(
          spec, fmt::format("name_servers[{}] '{}' is not host:port", i, spec.name_servers[i])));
    }
  }
  if (spec.credentials) {
    if (spec.credentials->access_key.empty()) {
      return makeError(invalid(spec, "credentials.access_key is empty"));
    }
    if (spec.credentials->secret_key.empty()) {
      return makeError(invalid(spec, "credentials.secret_key is empty"));
    }
  }
  if (!spec.tls.enabled) {
    if (!spec.tls.ca_file.empty()) {
      return makeError(invalid(spec, "tls.ca_file is set but tls.enabled is false"));
    }
    if (!spec.tls.server_name.empty()) {
      return makeError(invalid(spec, "tls.server_name is set but tls.enabled is false"));
    }
  } else if (!spec.tls.verify_peer && !spec.tls.ca_file.empty()) {
    return makeError(invalid(spec, "tls.ca_file is set but tls.verify_peer is false"));
  }
  for (const auto& [advertised, dial] : spec.broker_address_map) {
    if (!isHostPort(advertised)) {
      return makeError(
          invalid(spec, fmt::format("broker_address_map key '{}' is not host:port", advertised)));
    }
    if (!isHostPort(dial)) {
      return makeError(invalid(
          spec, fmt::format("broker_address_map['{}'] '{}' is not host:port", advertised, dial)));
    }
  }
  if (spec.timeout.count() <= 0) {
    return makeError(
        invalid(spec, fmt::format("timeout must be positive, not {} ms", spec.timeout.count())));
  }
  return {};
}

const std::string& dialAddress(const ClusterSpec& spec, const std::string& advertised) {
  auto it = spec.broker_address_map.find(advertised);
  return it == spec.broker_address_map.end() ? advertised : it->second;
}

rpc::ClientOptions clientOptions(const ClusterSpec& spec) {
  rpc::ClientOptions options;
  options.connect_timeout = spec.timeout;
  options.handshake_timeout = spec.timeout;
  options.default_timeout = spec.timeout;
  options.credentials = spec.credentials;
  options.tls.enabled = spec.tls.enabled;
  options.tls.verify_peer = spec.tls.enabled && spec.tls.verify_peer;
  options.tls.ca_file = spec.tls.ca_file;
  options.tls.server_name = spec.tls.server_name;
  return options;
}

Result<std::vector<std::string>> parseNameServerList(std::string_view text) {
  std::vector<std::string> out;
  std::string current;
  auto flush = [&]() -> Result<void> {
    if (current.empty()) {
      return {};
    }
    if (!isHostPort(current)) {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("NameServer address '{}' is not host:port", current));
    }
    out.push_back(std::move(current));
    current.clear();
    return {};
  };
  for (char c : text) {
    if (c == ';' || c == ',' || c == ' ' || c == '\t' || c == '\n') {
      if (auto ok = flush(); !ok) {
        return makeError(std::move(ok.error()));
      }
    } else {
      current.push_back(c);
    }
  }
  if (auto ok = flush(); !ok) {
    return makeError(std::move(ok.error()));
  }
  if (out.empty()) {
    return makeError(Errc::kInvalidArgument, "no NameServer address given");
  }
  return out;
}

Result<std::optional<rpc::Credentials>> resolveCredentials(std::string access_key,
                                                           std::string secret_key,
                                                           const GetEnv& getenv) {
  if (access_key.empty()) {
    if (const char* env = getenv(kAccessKeyEnv)) {
      access_key = env;
    }
  }
  if (secret_key.empty()) {
    if (const char* env = getenv(kSecretKeyEnv)) {
      secret_key = env;
    }
  }
  if (access_key.empty() != secret_key.empty()) {
    return makeError(Errc::kInvalidArgument,
                     "give both an access key and a secret key, or neither");
  }
  if (access_key.empty()) {
    return std::optional<rpc::Credentials>();
  }
  return std::optional<rpc::Credentials>(
      rpc::Credentials{std::move(access_key), std::move(secret_key), {}});
}

}  // namespace ferry::rocketmq
