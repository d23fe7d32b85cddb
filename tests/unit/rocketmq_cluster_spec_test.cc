#include <map>
#include <string>

#include <gtest/gtest.h>

#include "ferry/rocketmq/cluster_spec.h"

namespace ferry::rocketmq {
namespace {

ClusterSpec validSpec() {
  ClusterSpec spec;
  spec.name = "east";
  spec.name_servers = {"127.0.0.1:9876", "ns2.example:9876"};
  return spec;
}

std::string problem(const ClusterSpec& spec) {
  auto result = validate(spec);
  if (result) {
    return "valid";
  }
  EXPECT_EQ(result.error().code, Errc::kInvalidArgument);
  return result.error().message;
}

TEST(ClusterSpecValidate, AcceptsAMinimalSpecAndAFullOne) {
  EXPECT_EQ(problem(validSpec()), "valid");
  ClusterSpec full = validSpec();
  full.credentials = rpc::Credentials{"ak", "sk", {}};
  full.tls = TlsSpec{true, "/etc/ferry/ca.pem", true, "broker.example"};
  full.broker_address_map = {{"10.0.0.1:10911", "proxy.example:20911"}};
  full.timeout = std::chrono::milliseconds(500);
  EXPECT_EQ(problem(full), "valid");
}

TEST(ClusterSpecValidate, NamesTheBadField) {
  ClusterSpec spec = validSpec();
  spec.name_servers.clear();
  EXPECT_EQ(problem(spec), "cluster 'east': name_servers is empty");

  spec = validSpec();
  spec.name_servers[1] = "10.0.0.1";
  EXPECT_EQ(problem(spec), "cluster 'east': name_servers[1] '10.0.0.1' is not host:port");

  spec = validSpec();
  spec.credentials = rpc::Credentials{"ak", "", {}};
  EXPECT_EQ(problem(spec), "cluster 'east': credentials.secret_key is empty");
  spec.credentials = rpc::Credentials{"", "sk", {}};
  EXPECT_EQ(problem(spec), "cluster 'east': credentials.access_key is empty");

  spec = validSpec();
  spec.tls.ca_file = "/ca.pem";
  EXPECT_EQ(problem(spec), "cluster 'east': tls.ca_file is set but tls.enabled is false");
  spec.tls.ca_file.clear();
  spec.tls.server_name = "broker.example";
  EXPECT_EQ(problem(spec), "cluster 'east': tls.server_name is set but tls.enabled is false");
  spec.tls = TlsSpec{true, "/ca.pem", false, ""};
  EXPECT_EQ(problem(spec), "cluster 'east': tls.ca_file is set but tls.verify_peer is false");

  spec = validSpec();
  spec.broker_address_map = {{"10.0.0.1", "10.9.9.9:10911"}};
  EXPECT_EQ(problem(spec), "cluster 'east': broker_address_map key '10.0.0.1' is not host:port");
  spec.broker_address_map = {{"10.0.0.1:10911", ""}};
  EXPECT_EQ(problem(spec),
            "cluster 'east': broker_address_map['10.0.0.1:10911'] '' is not host:port");

  spec = validSpec();
  spec.timeout = std::chrono::milliseconds(0);
  EXPECT_EQ(problem(spec), "cluster 'east': timeout must be positive, not 0 ms");
}

TEST(ClusterSpecDialAddress, MapsOnlyListedAddresses) {
  ClusterSpec spec = validSpec();
  spec.broker_address_map = {{"10.0.0.1:10911", "127.0.0.1:20911"}};
  EXPECT_EQ(dialAddress(spec, "10.0.0.1:10911"), "127.0.0.1:20911");
  EXPECT_EQ(dialAddress(spec, "10.0.0.2:10911"), "10.0.0.2:10911");
}

TEST(ClusterSpecClientOptions, TimeoutsCredentialsAndTls) {
  ClusterSpec spec = validSpec();
  spec.timeout = std::chrono::milliseconds(1234);
  spec.credentials = rpc::Credentials{"ak", "sk", {}};
  auto plain = clientOptions(spec);
  EXPECT_EQ(plain.connect_timeout.count(), 1234);
  EXPECT_EQ(plain.handshake_timeout.count(), 1234);
  EXPECT_EQ(plain.default_timeout.count(), 1234);
  ASSERT_TRUE(plain.credentials);
  EXPECT_EQ(plain.credentials->access_key, "ak");
  EXPECT_FALSE(plain.tls.enabled);
  EXPECT_FALSE(plain.tls.verify_peer)
      << "verify_peer defaults to true but means nothing without TLS";

  spec.tls = TlsSpec{true, "/ca.pem", true, "broker.example"};
  auto verified = clientOptions(spec);
  EXPECT_TRUE(verified.tls.enabled);
  EXPECT_TRUE(verified.tls.verify_peer);
  EXPECT_EQ(verified.tls.ca_file, "/ca.pem");
  EXPECT_EQ(verified.tls.server_name, "broker.example");

  spec.tls = TlsSpec{true, "", false, ""};
  auto unverified = clientOptions(spec);
  EXPECT_TRUE(unverified.tls.enabled);
  EXPECT_FALSE(unverified.tls.verify_peer);
}

TEST(ClusterSpecCredentials, ExplicitValuesWinOverTheEnvironment) {
  std::map<std::string, std::string> env{{kAccessKeyEnv, "env-ak"}, {kSecretKeyEnv, "env-sk"}};
  GetEnv getenv = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto explicit_keys = resolveCredentials("ak", "sk", getenv);
  ASSERT_TRUE(explicit_keys);
  ASSERT_TRUE(*explicit_keys);
  EXPECT_EQ((*explicit_keys)->access_key, "ak");
  EXPECT_EQ((*explicit_keys)->secret_key, "sk");

  auto from_env = resolveCredentials("", "", getenv);
  ASSERT_TRUE(from_env);
  ASSERT_TRUE(*from_env);
  EXPECT_EQ((*from_env)->access_key, "env-ak");
  EXPECT_EQ((*from_env)->secret_key, "env-sk");

  auto mixed = resolveCredentials("ak", "", getenv);
  ASSERT_TRUE(mixed);
  EXPECT_EQ((*mixed)->access_key, "ak");
  EXPECT_EQ((*mixed)->secret_key, "env-sk");
}

TEST(ClusterSpecCredentials, NoneOrHalfAPair) {
  std::map<std::string, std::string> env;
  GetEnv getenv = [&env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto none = resolveCredentials("", "", getenv);
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);

  auto half = resolveCredentials("ak", "", getenv);
  ASSERT_FALSE(half);
  EXPECT_EQ(half.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(half.error().message, "give both an access key and a secret key, or neither");

  env[kSecretKeyEnv] = "env-sk";
  auto half_env = resolveCredentials("", "", getenv);
  ASSERT_FALSE(half_env);
}

}  // namespace
}  // namespace ferry::rocketmq
