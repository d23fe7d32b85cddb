// ClusterSpec: the one description of how to reach a RocketMQ cluster -- NameServers, ACL
// credentials, TLS, broker address rewriting and the request timeout. The CLI fills it from its
// command line, the daemon from its YAML config; ClusterClient (cluster_client.h) turns it into a
// connected rocketmq::Cluster. Plain values: no I/O, no threads.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/base/error.h"
#include "ferry/rpc/client.h"
#include "ferry/rpc/transport.h"

namespace ferry::rocketmq {

struct TlsSpec {
  bool enabled = false;
  std::string ca_file;  // PEM trust anchors; empty: the system store
  // Verify the peer's certificate chain (against ca_file) and that it names server_name.
  bool verify_peer = true;
  // SNI and the name the certificate must carry; empty: the host of the dialled address.
  std::string server_name;
};

struct ClusterSpec {
  std::string name;                       // label in logs/messages
  std::vector<std::string> name_servers;  // "host:port", tried in order
  std::optional<rpc::Credentials> credentials;
  TlsSpec tls;
  // Broker addresses as the NameServer advertises them ("ip:port") -> the address to dial
  // instead (brokers behind NAT, a VIP or a proxy). Unmapped addresses are dialled as advertised.
  std::map<std::string, std::string> broker_address_map;
  std::chrono::milliseconds timeout{3000};  // connect, TLS handshake and each request
};

// kInvalidArgument naming the bad field ("cluster 'east': name_servers[1] '10.0.0.1' is not
// host:port"): no NameServer, an address without a port, half of an access key/secret key pair,
// TLS settings while TLS is off, an empty or malformed broker_address_map entry, a timeout <= 0.
Result<void> validate(const ClusterSpec& spec);

// The address to dial for a broker the NameServer advertises as `advertised`.
const std::string& dialAddress(const ClusterSpec& spec, const std::string& advertised);

// The rpc::Client options that implement `spec` (timeouts, signing, TLS).
rpc::ClientOptions clientOptions(const ClusterSpec& spec);

// Parses "127.0.0.1:9876;127.0.0.2:9876" (also ',' and whitespace separated). kInvalidArgument
// for an empty list or an address without a port.
Result<std::vector<std::string>> parseNameServerList(std::string_view text);

// Environment variables the CLI and the config fall back on for credentials.
inline constexpr const char* kAccessKeyEnv = "FERRY_ACCESS_KEY";
inline constexpr const char* kSecretKeyEnv = "FERRY_SECRET_KEY";

// Credentials from explicit values, each falling back on its environment variable when empty
// (`getenv` is injectable for tests). nullopt when neither is set anywhere; kInvalidArgument when
// only one of the two is.
using GetEnv = std::function<const char*(const char*)>;
Result<std::optional<rpc::Credentials>> resolveCredentials(std::string access_key,
                                                           std::string secret_key,
                                                           const GetEnv& getenv);

}  // namespace ferry::rocketmq
