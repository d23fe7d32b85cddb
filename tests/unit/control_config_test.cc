#include <unistd.h>

#include <fstream>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "ferry/control/config.h"

namespace ferry::control {
namespace {

using std::chrono::milliseconds;

EnvLookup envOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) {
      return std::nullopt;
    }
    return it->second;
  };
}

Result<Config> parse(std::string_view yaml, std::map<std::string, std::string> env = {}) {
  ParseOptions options;
  options.env = envOf(std::move(env));
  return parseConfig(yaml, "ferry.yaml", options);
}

// The error message of a config that must be rejected.
std::string problems(std::string_view yaml, std::map<std::string, std::string> env = {}) {
  auto config = parse(yaml, std::move(env));
  if (config) {
    ADD_FAILURE() << "config was accepted:\n" << yaml;
    return {};
  }
  EXPECT_EQ(config.error().code, Errc::kInvalidArgument);
  return config.error().message;
}

constexpr const char* kMinimal = R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876"}
tasks:
  - name: t1
    source: east
    destination: west
    topics: [orders]
)";

// ---- Defaults ----------------------------------------------------------------------------------

TEST(ConfigDefaults, MinimalConfigGetsEveryDefault) {
  auto config = parse(kMinimal);
  ASSERT_TRUE(config) << config.error().message;

  ASSERT_EQ(config->clusters.size(), 2U);
  const rocketmq::ClusterSpec& east = config->cluster("east");
  EXPECT_EQ(east.name, "east");
  EXPECT_EQ(east.name_servers, std::vector<std::string>{"127.0.0.1:19876"});
  EXPECT_FALSE(east.credentials.has_value());
  EXPECT_FALSE(east.tls.enabled);
  EXPECT_TRUE(east.tls.verify_peer);
  EXPECT_EQ(east.tls.ca_file, "");
  EXPECT_EQ(east.tls.server_name, "");
  EXPECT_TRUE(east.broker_address_map.empty());
  EXPECT_EQ(east.timeout, milliseconds(3000));

  EXPECT_EQ(config->admin.listen, "127.0.0.1:7780");
  EXPECT_EQ(config->admin.token, "");
  EXPECT_EQ(config->log.level, "info");

  ASSERT_EQ(config->tasks.size(), 1U);
  const TaskConfig& task = config->tasks[0];
  EXPECT_EQ(task.name, "t1");
  EXPECT_EQ(task.source, "east");
  EXPECT_EQ(task.destination, "west");
  ASSERT_EQ(task.topics.size(), 1U);
  EXPECT_EQ(task.topics[0], (TopicMapping{"orders", "orders", "*"}));
  EXPECT_EQ(task.start.kind, StartPosition::Kind::kEarliest);
  EXPECT_TRUE(task.create_missing_topics);
  EXPECT_EQ(task.internal_group, "ferry-t1");
  EXPECT_EQ(task.batching.max_messages, 4096U);
  EXPECT_EQ(task.batching.max_bytes, 4194304U);
  EXPECT_EQ(task.batching.pull_batch, 32U);
  EXPECT_EQ(task.batching.linger, milliseconds(0));
}

TEST(ConfigDefaults, EmptyValuesMeanNotSet) {
  auto config = parse(R"(clusters:
  east:
    namesrv: 127.0.0.1:19876
    access_key:
    secret_key: ~
  west: {namesrv: "127.0.0.1:29876"}
admin:
log:
tasks:
  - {name: t1, source: east, destination: west, topics: [orders], start: , batching: }
)");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_FALSE(config->cluster("east").credentials.has_value());
  EXPECT_EQ(config->admin.listen, "127.0.0.1:7780");
  EXPECT_EQ(config->tasks[0].start.kind, StartPosition::Kind::kEarliest);
  EXPECT_EQ(config->tasks[0].batching, BatchingConfig{});
}

TEST(ConfigDefaults, EveryKeySet) {
  auto config = parse(R"(clusters:
  east:
    namesrv: "10.0.0.1:9876;10.0.0.2:9876, 10.0.0.3:9876"
    access_key: AK
    secret_key: SK
    security_token: STS
    tls: {enabled: true, verify: false, server_name: rocketmq.example.com, ca_file: /etc/ca.pem}
    broker_address_map: {"10.0.0.5:10911": "nat.example.com:20911"}
    timeout_ms: 1500
  west:
    namesrv: [10.1.0.1:9876, "10.1.0.2:9876"]
admin: {listen: "0.0.0.0:9000", token: s3cret}
log: {level: debug}
tasks:
  - name: orders_1
    source: east
    destination: west
    topics:
      - {source: orders, destination: orders-copy, tags: "paid || refunded"}
      - audit
    start: "2026-12-01T08:30:00.123456+08:00"
    create_missing_topics: false
    internal_group: "ns%GID_orders|x"
    batching: {max_messages: 1, max_bytes: 1024, pull_batch: 1024, linger_ms: 10000,
               pulls_in_flight: 64, prefetch: false}
)");
  ASSERT_TRUE(config) << config.error().message;
  const rocketmq::ClusterSpec& east = config->cluster("east");
  EXPECT_EQ(east.name_servers,
            (std::vector<std::string>{"10.0.0.1:9876", "10.0.0.2:9876", "10.0.0.3:9876"}));
  ASSERT_TRUE(east.credentials.has_value());
  EXPECT_EQ(east.credentials->access_key, "AK");
  EXPECT_EQ(east.credentials->secret_key, "SK");
  EXPECT_EQ(east.credentials->security_token, "STS");
  EXPECT_TRUE(east.tls.enabled);
  EXPECT_FALSE(east.tls.verify_peer);
  EXPECT_EQ(east.tls.server_name, "rocketmq.example.com");
  EXPECT_EQ(east.tls.ca_file, "/etc/ca.pem");  // parseConfig does not touch files
  EXPECT_EQ(east.broker_address_map,
            (std::map<std::string, std::string>{{"10.0.0.5:10911", "nat.example.com:20911"}}));
  EXPECT_EQ(east.timeout, milliseconds(1500));
  EXPECT_EQ(config->cluster("west").name_servers,
            (std::vector<std::string>{"10.1.0.1:9876", "10.1.0.2:9876"}));
  EXPECT_EQ(config->admin.listen, "0.0.0.0:9000");
  EXPECT_EQ(config->admin.token, "s3cret");
  EXPECT_EQ(config->log.level, "debug");

  const TaskConfig& task = config->tasks[0];
  EXPECT_EQ(task.name, "orders_1");
  ASSERT_EQ(task.topics.size(), 2U);
  EXPECT_EQ(task.topics[0], (TopicMapping{"orders", "orders-copy", "paid || refunded"}));
  EXPECT_EQ(task.topics[1], (TopicMapping{"audit", "audit", "*"}));
  EXPECT_EQ(task.start.kind, StartPosition::Kind::kTimestamp);
  EXPECT_EQ(formatStartPosition(task.start), "2026-12-01T00:30:00.123Z");
  EXPECT_FALSE(task.create_missing_topics);
  EXPECT_EQ(task.internal_group, "ns%GID_orders|x");
  EXPECT_EQ(task.batching.max_messages, 1U);
  EXPECT_EQ(task.batching.max_bytes, 1024U);
  EXPECT_EQ(task.batching.pull_batch, 1024U);
  EXPECT_EQ(task.batching.linger, milliseconds(10000));
  EXPECT_EQ(task.batching.pulls_in_flight, 64U);
  EXPECT_FALSE(task.batching.prefetch);
}

// ---- The example file ------------------------------------------------------------------------

TEST(ConfigExample, LoadsAndShowsTheDefaults) {
  ParseOptions options;
  options.env = envOf({{"WEST_AK", "west-ak"}, {"WEST_SK", "west-sk"}});
  auto config = loadConfig(FERRY_SOURCE_DIR "/config/ferry.example.yaml", options);
  ASSERT_TRUE(config) << config.error().message;

  // Where the example writes a value the key has a default for, it writes the default.
  const rocketmq::ClusterSpec defaults;
  const rocketmq::ClusterSpec& east = config->cluster("east");
  EXPECT_EQ(east.name_servers, std::vector<std::string>{"127.0.0.1:19876"});
  EXPECT_EQ(east.timeout, defaults.timeout);
  EXPECT_EQ(east.timeout, kDefaultClusterTimeout);
  EXPECT_EQ(east.tls.enabled, defaults.tls.enabled);
  EXPECT_EQ(east.tls.verify_peer, defaults.tls.verify_peer);
  EXPECT_FALSE(east.credentials.has_value());

  const rocketmq::ClusterSpec& west = config->cluster("west");
  EXPECT_EQ(west.name_servers, (std::vector<std::string>{"127.0.0.1:29876", "127.0.0.2:29876"}));
  ASSERT_TRUE(west.credentials.has_value());
  EXPECT_EQ(west.credentials->access_key, "west-ak");
  EXPECT_EQ(west.credentials->secret_key, "west-sk");
  EXPECT_EQ(west.credentials->security_token, "");
  EXPECT_EQ(west.broker_address_map,
            (std::map<std::string, std::string>{{"10.0.0.5:10911", "203.0.113.5:10911"},
                                                {"10.0.0.6:10911", "203.0.113.6:10911"}}));

  EXPECT_EQ(config->admin.listen, AdminConfig{}.listen);
  EXPECT_EQ(config->admin.token, "");
  EXPECT_EQ(config->log.level, LogConfig{}.level);

  ASSERT_EQ(config->tasks.size(), 1U);
  const TaskConfig& task = config->tasks[0];
  const TaskConfig task_defaults;
  EXPECT_EQ(task.name, "orders-east-west");
  EXPECT_EQ(task.source, "east");
  EXPECT_EQ(task.destination, "west");
  ASSERT_EQ(task.topics.size(), 3U);
  EXPECT_EQ(task.topics[0], (TopicMapping{"orders", "orders", std::string(kDefaultTags)}));
  EXPECT_EQ(task.topics[1], (TopicMapping{"audit", "audit-copy", "paid || refunded"}));
  EXPECT_EQ(task.topics[2], (TopicMapping{"payments", "payments", "*"}));
  EXPECT_EQ(task.start, task_defaults.start);
  EXPECT_EQ(task.create_missing_topics, task_defaults.create_missing_topics);
  EXPECT_EQ(task.internal_group, std::string(kInternalGroupPrefix) + task.name);
  EXPECT_EQ(task.batching, BatchingConfig{});
  EXPECT_EQ(task.batching.max_bytes, kBrokerMaxMessageSize);
}

TEST(ConfigExample, NamesTheMissingSecret) {
  ParseOptions options;
  options.env = envOf({{"WEST_AK", "west-ak"}});
  auto config = loadConfig(FERRY_SOURCE_DIR "/config/ferry.example.yaml", options);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().message, FERRY_SOURCE_DIR
            "/config/ferry.example.yaml:45:17: clusters.west.secret_key: "
            "environment variable 'WEST_SK' is not set");
}

// ---- Environment substitution ----------------------------------------------------------------

constexpr const char* kWithSecrets = R"(clusters:
  east: {namesrv: "${EAST_NS}"}
  west:
    namesrv: "127.0.0.1:29876"
    access_key: ${AK}
    secret_key: "pre-${SK}-post"
tasks:
  - {name: t1, source: east, destination: west, topics: [orders]}
)";

TEST(ConfigEnv, ReplacesReferencesInValues) {
  auto config = parse(kWithSecrets,
                      {{"EAST_NS", "10.0.0.1:9876;10.0.0.2:9876"}, {"AK", "ak"}, {"SK", "${AK}"}});
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->cluster("east").name_servers,
            (std::vector<std::string>{"10.0.0.1:9876", "10.0.0.2:9876"}));
  EXPECT_EQ(config->cluster("west").credentials->access_key, "ak");
  // A replaced value is not expanded again.
  EXPECT_EQ(config->cluster("west").credentials->secret_key, "pre-${AK}-post");
}

TEST(ConfigEnv, MissingVariableNamesItAndTheKey) {
  EXPECT_EQ(problems(kWithSecrets, {{"EAST_NS", "10.0.0.1:9876"}, {"AK", "ak"}}),
            "ferry.yaml:6:17: clusters.west.secret_key: environment variable 'SK' is not set");
}

TEST(ConfigEnv, EmptyVariableIsAnError) {
  EXPECT_EQ(problems(kWithSecrets, {{"EAST_NS", "10.0.0.1:9876"}, {"AK", ""}, {"SK", "x"}}),
            "ferry.yaml:5:17: clusters.west.access_key: is empty (the environment variable is set "
            "to an empty value)");
}

TEST(ConfigEnv, DollarDollarBraceIsALiteral) {
  auto config = parse(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876", access_key: "a$${X}b", secret_key: "$x $"}
tasks:
  - {name: t1, source: east, destination: west, topics: [orders]}
)");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->cluster("west").credentials->access_key, "a${X}b");
  EXPECT_EQ(config->cluster("west").credentials->secret_key, "$x $");
}

TEST(ConfigEnv, MalformedReferences) {
  const std::string head = R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876", access_key: ak, secret_key: )";
  const std::string tail = R"(}
tasks:
  - {name: t1, source: east, destination: west, topics: [orders]}
)";
  EXPECT_EQ(problems(head + "\"x${SK\"" + tail),
            "ferry.yaml:3:66: clusters.west.secret_key: unterminated '${' (write '$${' for a "
            "literal '${')");
  EXPECT_EQ(problems(head + "\"${1SK}\"" + tail),
            "ferry.yaml:3:66: clusters.west.secret_key: malformed '${...}': a variable name is "
            "letters, digits and '_', not starting with a digit (write '$${' for a literal '${')");
  EXPECT_EQ(problems(head + "\"${}\"" + tail),
            "ferry.yaml:3:66: clusters.west.secret_key: malformed '${...}': a variable name is "
            "letters, digits and '_', not starting with a digit (write '$${' for a literal '${')");
}

TEST(ConfigEnv, ValuesFromTheEnvironmentAreNeverShown) {
  const std::string yaml = R"(clusters:
  east: {namesrv: "${NS}", timeout_ms: "${T}"}
  west: {namesrv: "127.0.0.1:29876"}
tasks:
  - {name: t1, source: east, destination: west, topics: [orders], start: "${START}"}
)";
  const std::string message =
      problems(yaml, {{"NS", "hunter2-ns"}, {"T", "hunter2-t"}, {"START", "hunter2-s"}});
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  EXPECT_EQ(message,
            "ferry.yaml:2:19: clusters.east.namesrv: the value from the environment is not a list "
            "of host:port\n"
            "ferry.yaml:2:40: clusters.east.timeout_ms: expected an integer, got a value from the "
            "environment\n"
            "ferry.yaml:5:74: tasks[0].start: expected earliest, latest or an RFC 3339 timestamp "
            "such as 2026-12-01T00:00:00Z, got a value from the environment");
}

TEST(ConfigEnv, KeysAreNotExpanded) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876", "${X}": 1}
  west: {namesrv: "127.0.0.1:29876"}
tasks:
  - {name: t1, source: east, destination: west, topics: [orders]}
)",
                     {{"X", "timeout_ms"}}),
            "ferry.yaml:2:38: clusters.east[\"${X}\"]: unknown key (expected one of: namesrv, "
            "access_key, secret_key, security_token, tls, broker_address_map, timeout_ms)");
}

// ---- YAML-level problems ---------------------------------------------------------------------

TEST(ConfigErrors, YamlSyntaxErrorHasAPosition) {
  EXPECT_EQ(problems("clusters:\n  east: {namesrv: [a, b}\n"),
            "ferry.yaml:2:24: YAML syntax error: illegal flow end");
  EXPECT_EQ(problems("clusters:\n  east: a: b\n"),
            "ferry.yaml:2:10: YAML syntax error: illegal map value");
  EXPECT_EQ(problems("a: &x 1\nb: *y\n"),
            "ferry.yaml:2:4: YAML syntax error: the referenced anchor is not defined");
}

TEST(ConfigErrors, EmptyFile) {
  EXPECT_EQ(problems(""), "ferry.yaml: the file is empty (expected the keys clusters and tasks)");
  EXPECT_EQ(problems("# only a comment\n"),
            "ferry.yaml: the file is empty (expected the keys clusters and tasks)");
}

TEST(ConfigErrors, AliasesWorkButMergeKeysDoNot) {
  auto config = parse(R"(clusters:
  east: &cluster {namesrv: "127.0.0.1:19876", timeout_ms: 5000}
  west: {namesrv: "127.0.0.1:29876"}
  east-copy: *cluster
tasks:
  - {name: t1, source: east, destination: west, topics: [orders]}
)");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->cluster("east-copy").timeout, milliseconds(5000));
  EXPECT_EQ(
      problems(R"(clusters:
  east: &cluster {namesrv: "127.0.0.1:19876"}
  west:
    <<: *cluster
    namesrv: "127.0.0.1:29876"
tasks:
  - {name: t1, source: east, destination: west, topics: [orders]}
)"),
      "ferry.yaml:4:5: clusters.west[\"<<\"]: unknown key (expected one of: namesrv, access_key, "
      "secret_key, security_token, tls, broker_address_map, timeout_ms)");
}

TEST(ConfigErrors, OneDocumentOnly) {
  EXPECT_EQ(problems(std::string(kMinimal) + "---\nlog: {level: info}\n"),
            "ferry.yaml:9:1: a second YAML document ('---'): the config is one document");
}

// yaml-cpp 0.7's LoadAll() loops forever, allocating, on these (jbeder/yaml-cpp#1040).
TEST(ConfigErrors, InputsThatHangYamlCppLoadAll) {
  EXPECT_EQ(problems(","), "ferry.yaml:1:1: YAML syntax error: unexpected ','");
  EXPECT_EQ(problems(", a"), "ferry.yaml:1:1: YAML syntax error: unexpected ','");
  EXPECT_EQ(problems("\n\n  ,\nclusters: {}\n"),
            "ferry.yaml:3:3: YAML syntax error: unexpected ','");
}

TEST(ConfigErrors, TopLevelMustBeAMapping) {
  EXPECT_EQ(problems("- a\n- b\n"),
            "ferry.yaml:1:1: expected a mapping with the keys clusters, admin, log and tasks");
}

TEST(ConfigErrors, MissingRequiredSections) {
  EXPECT_EQ(problems("log: {level: info}\n"),
            "ferry.yaml:1:1: clusters: missing required key\n"
            "ferry.yaml:1:1: tasks: missing required key");
}

// ---- Keys ------------------------------------------------------------------------------------

TEST(ConfigErrors, UnknownKeySuggestsTheClosest) {
  EXPECT_EQ(problems(R"(clusters:
  east:
    namsrv: "127.0.0.1:19876"
  west: {namesrv: "127.0.0.1:29876"}
tasks:
  - name: t1
    source: east
    destination: west
    topics:
      - {source: orders, tag: "a"}
)"),
            "ferry.yaml:3:5: clusters.east.namsrv: unknown key (did you mean 'namesrv'?)\n"
            "ferry.yaml:3:5: clusters.east.namesrv: missing required key\n"
            "ferry.yaml:10:26: tasks[0].topics[0].tag: unknown key (did you mean 'tags'?)");
}

TEST(ConfigErrors, UnknownKeyListsTheKnownOnes) {
  EXPECT_EQ(problems(std::string(kMinimal) + "metrics: {port: 9100}\n"),
            "ferry.yaml:9:1: metrics: unknown key (expected one of: clusters, admin, log, tasks)");
}

TEST(ConfigErrors, DuplicateKey) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876"}
  east: {namesrv: "127.0.0.1:39876"}
tasks:
  - {name: t1, source: east, destination: west, topics: [orders], start: latest, start: earliest}
)"),
            "ferry.yaml:4:3: clusters.east: duplicate key (first at line 2)\n"
            "ferry.yaml:6:82: tasks[0].start: duplicate key (first at line 6)");
}

TEST(ConfigErrors, WrongTypes) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: {a: 1}, tls: true}
  west: "127.0.0.1:29876"
admin: {listen: [127.0.0.1, 7780]}
tasks:
  - name: t1
    source: east
    destination: west
    topics:
      - source: orders
        tags: [paid, refunded]
    create_missing_topics: yes
    batching: {max_bytes: 1MiB}
)"),
            "ferry.yaml:2:19: clusters.east.namesrv: expected a string (\"host:port;host:port\") "
            "or a list of host:port\n"
            "ferry.yaml:2:32: clusters.east.tls: expected a mapping\n"
            "ferry.yaml:3:9: clusters.west: expected a mapping\n"
            "ferry.yaml:4:17: admin.listen: expected a string (host:port)\n"
            "ferry.yaml:11:15: tasks[0].topics[0].tags: expected a string\n"
            "ferry.yaml:12:28: tasks[0].create_missing_topics: expected true or false, got 'yes'\n"
            "ferry.yaml:13:27: tasks[0].batching.max_bytes: expected an integer, got '1MiB'");
}

TEST(ConfigErrors, TasksAndTopicsMustBeLists) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
tasks:
  t1: {source: east}
)"),
            "ferry.yaml:4:3: tasks: expected a list of tasks");
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876"}
tasks:
  - {name: t1, source: east, destination: west, topics: orders}
  - {name: t2, source: east, destination: west, topics: []}
  - {name: t3, source: east, destination: west, topics: [[orders]]}
)"),
            "ferry.yaml:5:57: tasks[0].topics: expected a list of topic mappings\n"
            "ferry.yaml:6:57: tasks[1].topics: at least one topic mapping is required\n"
            "ferry.yaml:7:58: tasks[2].topics[0]: expected a topic name or a mapping {source, "
            "destination, tags}");
}

TEST(ConfigErrors, MissingRequiredKeysOfATask) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
tasks:
  - source: east
    topics:
      - destination: x
)"),
            "ferry.yaml:4:5: tasks[0].name: missing required key\n"
            "ferry.yaml:4:5: tasks[0].destination: missing required key\n"
            "ferry.yaml:6:9: tasks[0].topics[0].source: missing required key");
}

TEST(ConfigErrors, ManyProblemsAreCappedAtTwenty) {
  std::string yaml =
      "clusters:\n  east: {namesrv: \"127.0.0.1:19876\"}\n  west: {namesrv: \"127.0.0.1:29876\"}\n"
      "tasks:\n";
  for (int i = 0; i < 25; ++i) {
    const std::string name = "t" + std::to_string(i);
    yaml +=
        "  - {name: " + name + ", source: east, destination: west, topics: [" + name + "], x: 1}\n";
  }
  const std::string message = problems(yaml);
  EXPECT_EQ(std::count(message.begin(), message.end(), '\n'), 20);
  EXPECT_TRUE(message.starts_with("ferry.yaml:5:63: tasks[0].x: unknown key")) << message;
  EXPECT_TRUE(message.ends_with("\n... and 5 more problems")) << message;
}

// ---- Values ----------------------------------------------------------------------------------

TEST(ConfigErrors, NumbersOutOfRange) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876", timeout_ms: 99}
  west: {namesrv: "127.0.0.1:29876", timeout_ms: 99999999999999999999}
tasks:
  - name: t1
    source: east
    destination: west
    topics: [orders]
    batching:
      max_messages: 0
      max_bytes: 4194305
      pull_batch: 1025
      linger_ms: -1
      pulls_in_flight: 0
      prefetch: maybe
)"),
            "ferry.yaml:2:50: clusters.east.timeout_ms: must be from 100 to 600000, got '99'\n"
            "ferry.yaml:3:50: clusters.west.timeout_ms: must be from 100 to 600000, got "
            "'99999999999999999999'\n"
            "ferry.yaml:10:21: tasks[0].batching.max_messages: must be from 1 to 65536, got '0'\n"
            "ferry.yaml:11:18: tasks[0].batching.max_bytes: must be from 1024 to 4194304, got "
            "'4194305'\n"
            "ferry.yaml:12:19: tasks[0].batching.pull_batch: must be from 1 to 1024, got '1025'\n"
            "ferry.yaml:13:18: tasks[0].batching.linger_ms: must be from 0 to 10000, got '-1'\n"
            "ferry.yaml:14:24: tasks[0].batching.pulls_in_flight: must be from 1 to 64, got '0'\n"
            "ferry.yaml:15:17: tasks[0].batching.prefetch: expected true or false, got 'maybe'");
}

TEST(ConfigErrors, EmptyStringsAreRejected) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876"}
tasks:
  - {name: "", source: east, destination: west, topics: [orders]}
)"),
            "ferry.yaml:5:12: tasks[0].name: is empty");
}

TEST(ConfigErrors, NameServers) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1"}
  west: {namesrv: []}
  north: {namesrv: ["127.0.0.1:9876", "x:y"]}
tasks:
  - {name: t1, source: east, destination: west, topics: [orders]}
)"),
            "ferry.yaml:2:19: clusters.east.namesrv: NameServer address '127.0.0.1' is not "
            "host:port\n"
            "ferry.yaml:3:19: clusters.west.namesrv: no NameServer address given\n"
            "ferry.yaml:4:39: clusters.north.namesrv[1]: NameServer address 'x:y' is not "
            "host:port");
}

TEST(ConfigErrors, ClusterNames) {
  EXPECT_EQ(problems(R"(clusters:
  "east/1": {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876"}
  north:
tasks:
  - {name: t1, source: west, destination: north, topics: [orders]}
)"),
            "ferry.yaml:2:3: clusters[\"east/1\"]: 'east/1' is not a valid cluster name (1 to 64 "
            "letters, digits, '_', '-' or '.')\n"
            "ferry.yaml:4:3: clusters.north.namesrv: missing required key");
}

TEST(ConfigErrors, Credentials) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876", access_key: ak}
  west: {namesrv: "127.0.0.1:29876", secret_key: sk}
  north: {namesrv: "127.0.0.1:39876", security_token: t}
tasks:
  - {name: t1, source: east, destination: west, topics: [orders]}
)"),
            "ferry.yaml:2:9: clusters.east.secret_key: missing required key (access_key is set)\n"
            "ferry.yaml:3:9: clusters.west.access_key: missing required key (secret_key is set)\n"
            "ferry.yaml:4:39: clusters.north.security_token: has no effect without access_key "
            "and secret_key");
}

TEST(ConfigErrors, TlsKeysNeedTlsEnabled) {
  EXPECT_EQ(problems(R"(clusters:
  east:
    namesrv: "127.0.0.1:19876"
    tls:
      ca_file: ca.pem
      verify: false
  west:
    namesrv: "127.0.0.1:29876"
    tls: {enabled: false, server_name: x}
tasks:
  - {name: t1, source: east, destination: west, topics: [orders]}
)"),
            "ferry.yaml:5:7: clusters.east.tls.ca_file: has no effect unless tls.enabled is true\n"
            "ferry.yaml:6:7: clusters.east.tls.verify: has no effect unless tls.enabled is true\n"
            "ferry.yaml:9:27: clusters.west.tls.server_name: has no effect unless tls.enabled is "
            "true");
}

TEST(ConfigErrors, BrokerAddressMap) {
  EXPECT_EQ(problems(R"(clusters:
  east:
    namesrv: "127.0.0.1:19876"
    broker_address_map:
      "10.0.0.1": "1.2.3.4:10911"
      "10.0.0.2:10911": "nat"
      "10.0.0.3:10911":
      "10.0.0.4:10911": "[::1]:10911"
  west: {namesrv: "127.0.0.1:29876"}
tasks:
  - {name: t1, source: east, destination: west, topics: [orders]}
)"),
            "ferry.yaml:5:7: clusters.east.broker_address_map[\"10.0.0.1\"]: the advertised "
            "broker address must be host:port\n"
            "ferry.yaml:6:25: clusters.east.broker_address_map[\"10.0.0.2:10911\"]: expected "
            "host:port to dial, got 'nat'\n"
            "ferry.yaml:7:7: clusters.east.broker_address_map[\"10.0.0.3:10911\"]: missing the "
            "host:port to dial");
}

TEST(ConfigErrors, AdminTokenRequiredBeyondLoopback) {
  const std::string head = std::string(kMinimal) + "admin: {listen: \"";
  EXPECT_EQ(problems(head + "0.0.0.0:7780\"}\n"),
            "ferry.yaml:9:17: admin.token: required when admin.listen (0.0.0.0:7780) is not a "
            "loopback address");
  EXPECT_EQ(problems(head + "[::]:7780\"}\n"),
            "ferry.yaml:9:17: admin.token: required when admin.listen ([::]:7780) is not a "
            "loopback address");
  EXPECT_EQ(problems(head + "127.0.0.1.5:7780\"}\n"),
            "ferry.yaml:9:17: admin.token: required when admin.listen (127.0.0.1.5:7780) is not a "
            "loopback address");
  EXPECT_EQ(problems(head + "7780\"}\n"),
            "ferry.yaml:9:17: admin.listen: listen address '7780': expected host:port");
  EXPECT_EQ(problems(head + "127.0.0.1:65536\"}\n"),
            "ferry.yaml:9:17: admin.listen: listen address '127.0.0.1:65536': port '65536' is not "
            "a number from 0 to 65535");
  for (const char* loopback : {"127.0.0.1:7780", "127.1.2.3:0", "localhost:7780", "[::1]:7780"}) {
    auto config = parse(head + loopback + "\"}\n");
    ASSERT_TRUE(config) << loopback << ": " << config.error().message;
    EXPECT_EQ(config->admin.listen, loopback);
  }
  auto with_token = parse(head + "0.0.0.0:7780\", token: \"${TOKEN}\"}\n", {{"TOKEN", "t0k"}});
  ASSERT_TRUE(with_token) << with_token.error().message;
  EXPECT_EQ(with_token->admin.token, "t0k");
}

TEST(ConfigErrors, LogLevel) {
  EXPECT_EQ(problems(std::string(kMinimal) + "log: {level: verbose}\n"),
            "ferry.yaml:9:14: log.level: expected one of trace, debug, info, warn, error, off, got "
            "'verbose'");
}

// ---- Start positions -------------------------------------------------------------------------

TEST(ConfigStart, ParsesKeywordsAndTimestamps) {
  using std::chrono::sys_days;
  using std::chrono::year_month_day;
  EXPECT_EQ(parseStartPosition("earliest")->kind, StartPosition::Kind::kEarliest);
  EXPECT_EQ(parseStartPosition("latest")->kind, StartPosition::Kind::kLatest);
  const auto midnight =
      sys_days(year_month_day(std::chrono::year(2026), std::chrono::December, std::chrono::day(1)));
  struct Case {
    const char* text;
    std::chrono::milliseconds after_midnight;
  };
  for (const Case& c : {Case{"2026-12-01T00:00:00Z", milliseconds(0)},
                        Case{"2026-12-01t00:00:00z", milliseconds(0)},
                        Case{"2026-12-01T08:00:00+08:00", milliseconds(0)},
                        Case{"2026-11-30T19:30:00-04:30", milliseconds(0)},
                        Case{"2026-12-01T00:00:01.5Z", milliseconds(1500)},
                        Case{"2026-12-01T00:00:00.123999999Z", milliseconds(123)}}) {
    auto position = parseStartPosition(c.text);
    ASSERT_TRUE(position) << c.text;
    EXPECT_EQ(position->kind, StartPosition::Kind::kTimestamp) << c.text;
    EXPECT_EQ(position->timestamp, midnight + c.after_midnight) << c.text;
  }
  EXPECT_EQ(parseStartPosition("1970-01-01T00:00:00Z")->timestamp.time_since_epoch(),
            milliseconds(0));
  EXPECT_EQ(parseStartPosition("2028-02-29T23:59:59Z")->kind, StartPosition::Kind::kTimestamp);
}

TEST(ConfigStart, RejectsWhatIsNotAnInstant) {
  for (const char* text : {"",
                           "Earliest",
                           "now",
                           "2026-12-01",
                           "2026-12-01T00:00:00",
                           "2026-12-01 00:00:00Z",
                           "2026-12-01T00:00Z",
                           "2026-13-01T00:00:00Z",
                           "2026-02-29T00:00:00Z",
                           "2026-12-32T00:00:00Z",
                           "2026-12-01T24:00:00Z",
                           "2026-12-01T00:60:00Z",
                           "2026-12-01T00:00:60Z",
                           "2026-12-01T00:00:00.Z",
                           "2026-12-01T00:00:00.1234567891Z",
                           "2026-12-01T00:00:00+8:00",
                           "2026-12-01T00:00:00+08:60",
                           "2026-12-01T00:00:00+0800",
                           "2026-12-01T00:00:00Zx",
                           "1969-12-31T23:59:59Z",
                           "1970-01-01T00:00:00+00:01",
                           "+2026-12-01T00:00:00Z"}) {
    EXPECT_FALSE(parseStartPosition(text).has_value()) << text;
  }
}

TEST(ConfigStart, FormatsInUtcWithMilliseconds) {
  EXPECT_EQ(formatStartPosition(StartPosition{}), "earliest");
  EXPECT_EQ(formatStartPosition(StartPosition{StartPosition::Kind::kLatest, {}}), "latest");
  EXPECT_EQ(formatStartPosition(*parseStartPosition("2026-12-01T08:00:00.5+08:00")),
            "2026-12-01T00:00:00.500Z");
}

TEST(ConfigStart, UnquotedTimestampInTheFile) {
  auto config = parse(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876"}
tasks:
  - name: t1
    source: east
    destination: west
    topics: [orders]
    start: 2026-12-01T00:00:00Z
)");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->tasks[0].start, parseStartPosition("2026-12-01T00:00:00Z"));
}

TEST(ConfigErrors, BadStartPosition) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876"}
tasks:
  - {name: t1, source: east, destination: west, topics: [orders], start: 2026-12-01}
  - {name: t2, source: east, destination: west, topics: [audit], start: "2026-02-30T00:00:00Z"}
)"),
            "ferry.yaml:5:74: tasks[0].start: expected earliest, latest or an RFC 3339 timestamp "
            "such as 2026-12-01T00:00:00Z, got '2026-12-01'\n"
            "ferry.yaml:6:73: tasks[1].start: expected earliest, latest or an RFC 3339 timestamp "
            "such as 2026-12-01T00:00:00Z, got '2026-02-30T00:00:00Z'");
}

// ---- Names -----------------------------------------------------------------------------------

TEST(ConfigErrors, TaskTopicAndGroupNames) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876"}
tasks:
  - name: orders east
    source: east
    destination: west
    topics: [orders]
  - name: t2
    source: east
    destination: west
    topics:
      - orders.v2
      - "%RETRY%group"
      - {source: audit, destination: "%DLQ%group"}
    internal_group: ferry.t2
)"),
            "ferry.yaml:5:11: tasks[0].name: 'orders east' is not a valid task name (1 to 64 "
            "letters, digits, '_' or '-')\n"
            "ferry.yaml:13:9: tasks[1].topics[0]: 'orders.v2' is not a valid topic name (at most "
            "127 characters of letters, digits, '_', '-', '%', '|')\n"
            "ferry.yaml:14:9: tasks[1].topics[1]: '%RETRY%group' is a retry or dead-letter topic; "
            "Ferry replicates business topics\n"
            "ferry.yaml:15:38: tasks[1].topics[2].destination: '%DLQ%group' is a retry or "
            "dead-letter topic; Ferry replicates business topics\n"
            "ferry.yaml:16:21: tasks[1].internal_group: 'ferry.t2' is not a valid group name (at "
            "most 255 characters of letters, digits, '_', '-', '%', '|')");
}

TEST(ConfigErrors, TagExpressions) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876"}
tasks:
  - name: t1
    source: east
    destination: west
    topics:
      - {source: a, tags: "paid || "}
      - {source: b, tags: "paid||||refunded"}
      - {source: c, tags: "paid || *"}
      - {source: d, tags: " * "}
      - {source: e, tags: "  "}
)"),
            "ferry.yaml:9:27: tasks[0].topics[0].tags: empty tag in the expression (expected \"*\" "
            "or tags joined by \"||\")\n"
            "ferry.yaml:10:27: tasks[0].topics[1].tags: empty tag in the expression (expected "
            "\"*\" or tags joined by \"||\")\n"
            "ferry.yaml:11:27: tasks[0].topics[2].tags: '*' matches every tag and must stand "
            "alone\n"
            "ferry.yaml:13:27: tasks[0].topics[4].tags: empty tag in the expression (expected "
            "\"*\" or tags joined by \"||\")");
}

// ---- Checks across the file ------------------------------------------------------------------

TEST(ConfigErrors, DuplicateTaskNames) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876"}
tasks:
  - {name: t1, source: east, destination: west, topics: [orders]}
  - {name: t1, source: east, destination: west, topics: [audit]}
)"),
            "ferry.yaml:6:12: tasks[1].name: duplicate task name 't1' (first at line 5)");
}

TEST(ConfigErrors, UnknownClusterReferences) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876"}
tasks:
  - {name: t1, source: eats, destination: north, topics: [orders]}
)"),
            "ferry.yaml:5:24: tasks[0].source: unknown cluster 'eats' (did you mean 'east'?)\n"
            "ferry.yaml:5:43: tasks[0].destination: unknown cluster 'north' (clusters: east, "
            "west)");
}

TEST(ConfigErrors, AClusterWithProblemsIsStillKnownToTasks) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1"}
tasks:
  - {name: t1, source: east, destination: west, topics: [orders]}
)"),
            "ferry.yaml:3:19: clusters.west.namesrv: NameServer address '127.0.0.1' is not "
            "host:port");
}

TEST(ConfigErrors, SourceAndDestinationMustDiffer) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  east2: {namesrv: ["127.0.0.2:19876", "127.0.0.1:19876"]}
tasks:
  - {name: t1, source: east, destination: east, topics: [orders]}
  - {name: t2, source: east, destination: east2, topics: [orders]}
)"),
            "ferry.yaml:5:43: tasks[0].destination: the same cluster as the source ('east')\n"
            "ferry.yaml:6:43: tasks[1].destination: clusters 'east' and 'east2' share the "
            "NameServer 127.0.0.1:19876: source and destination must be different clusters");
}

TEST(ConfigErrors, AmbiguousTopicMappings) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876"}
tasks:
  - name: t1
    source: east
    destination: west
    topics:
      - orders
      - {source: orders, destination: orders-2}
      - {source: audit, destination: orders}
  - name: t2
    source: east
    destination: west
    topics:
      - {source: payments, destination: orders-2}
)"),
            "ferry.yaml:10:18: tasks[0].topics[1].source: topic 'orders' is already mapped by "
            "tasks[0].topics[0] (line 9)\n"
            "ferry.yaml:11:38: tasks[0].topics[2].destination: topic 'orders' of cluster 'west' "
            "is already the destination of tasks[0].topics[0] (line 9); one destination topic "
            "takes one source topic\n"
            "ferry.yaml:16:41: tasks[1].topics[0].destination: topic 'orders-2' of cluster 'west' "
            "is already the destination of tasks[0].topics[1] (line 10); one destination topic "
            "takes one source topic");
}

TEST(ConfigErrors, ReverseAndFanOutTasksAreFine) {
  auto config = parse(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876"}
  north: {namesrv: "127.0.0.1:39876"}
tasks:
  - {name: east-west, source: east, destination: west, topics: [orders]}
  - {name: west-east, source: west, destination: east, topics: [orders]}
  - {name: east-north, source: east, destination: north, topics: [orders]}
)");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->tasks.size(), 3U);
}

TEST(ConfigErrors, InternalGroupsMustNotBeShared) {
  EXPECT_EQ(problems(R"(clusters:
  east: {namesrv: "127.0.0.1:19876"}
  east-alias: {namesrv: "127.0.0.1:19876"}
  west: {namesrv: "127.0.0.1:29876"}
  north: {namesrv: "127.0.0.1:39876"}
tasks:
  - {name: a, source: east, destination: west, topics: [orders]}
  - {name: b, source: east, destination: north, topics: [orders], internal_group: ferry-a}
  - {name: c, source: east-alias, destination: north, topics: [audit], internal_group: ferry-a}
  - {name: d, source: west, destination: north, topics: [x], internal_group: ferry-a}
)"),
            "ferry.yaml:8:83: tasks[1].internal_group: 'ferry-a' is also the internal group of "
            "task 'a' on the same source cluster (line 7); each task needs its own checkpoints\n"
            "ferry.yaml:9:88: tasks[2].internal_group: 'ferry-a' is also the internal group of "
            "task 'a' on the same source cluster (line 7); each task needs its own checkpoints\n"
            "ferry.yaml:9:88: tasks[2].internal_group: 'ferry-a' is also the internal group of "
            "task 'b' on the same source cluster (line 8); each task needs its own checkpoints");
}

// ---- Files -----------------------------------------------------------------------------------

class ConfigFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path()
           / ("ferry_config_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "certs");
    std::ofstream(dir_ / "certs" / "ca.pem") << "not checked here\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write(const std::string& text) {
    const auto path = dir_ / "ferry.yaml";
    std::ofstream(path) << text;
    return path;
  }

  static std::string withCa(const std::string& ca_file) {
    return R"(clusters:
  east:
    namesrv: "127.0.0.1:19876"
    tls: {enabled: true, ca_file: ")"
           + ca_file + R"("}
  west: {namesrv: "127.0.0.1:29876"}
tasks:
  - {name: t1, source: east, destination: west, topics: [orders]}
)";
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigFiles, RelativeCaFileIsResolvedAgainstTheConfigDirectory) {
  auto config = loadConfig(write(withCa("certs/ca.pem")));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->cluster("east").tls.ca_file, (dir_ / "certs" / "ca.pem").string());

  auto absolute = loadConfig(write(withCa((dir_ / "certs" / "ca.pem").string())));
  ASSERT_TRUE(absolute) << absolute.error().message;
  EXPECT_EQ(absolute->cluster("east").tls.ca_file, (dir_ / "certs" / "ca.pem").string());
}

TEST_F(ConfigFiles, UnreadableCaFileIsAnError) {
  const auto path = write(withCa("certs/missing.pem"));
  auto config = loadConfig(path);
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(config.error().message,
            path.string() + ":4:35: clusters.east.tls.ca_file: cannot read '"
                + (dir_ / "certs" / "missing.pem").string() + "': No such file or directory");

  auto directory = loadConfig(write(withCa("certs")));
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().message, path.string()
                                           + ":4:35: clusters.east.tls.ca_file: cannot read '"
                                           + (dir_ / "certs").string() + "': it is a directory");
}

TEST_F(ConfigFiles, MissingConfigFile) {
  auto config = loadConfig(dir_ / "nope.yaml");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error().code, Errc::kIo);
  EXPECT_EQ(config.error().message, "config file: cannot read '" + (dir_ / "nope.yaml").string()
                                        + "': No such file or directory");
}

}  // namespace
}  // namespace ferry::control
