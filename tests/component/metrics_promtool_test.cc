// Prometheus' own checker judges what /metrics serves: `promtool check metrics` (Debian package
// `prometheus`, installed by tools/install-deps) parses the text format and lints names, HELP
// and TYPE. The registry rendered here has every metric kind, labelled and not, with label values
// that need escaping, plus the whole replication catalogue.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "ferry/control/metrics.h"
#include "ferry/control/replication_metrics.h"

namespace ferry::control {
namespace {

struct CheckResult {
  int exit_code = -1;
  std::string output;
};

// Runs `promtool check metrics` over `text`; its stdout and stderr together in `output`.
CheckResult promtoolCheck(const std::string& text) {
  // CTest runs each test in its own process, two at a time: the files must be per process and call.
  static int calls = 0;
  const std::string stem =
      "ferry_promtool_" + std::to_string(::getpid()) + "_" + std::to_string(++calls);
  const std::filesystem::path dir = testing::TempDir();
  const std::filesystem::path input = dir / (stem + "_input.txt");
  const std::filesystem::path output = dir / (stem + "_output.txt");
  std::ofstream(input, std::ios::binary) << text;
  const std::string command = std::string(FERRY_PROMTOOL) + " check metrics < '" + input.string()
                              + "' > '" + output.string() + "' 2>&1";
  const int status = std::system(command.c_str());
  CheckResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream in(output);
  std::stringstream buffer;
  buffer << in.rdbuf();
  result.output = buffer.str();
  std::filesystem::remove(input);
  std::filesystem::remove(output);
  return result;
}

class PromtoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_STRNE(FERRY_PROMTOOL, "")
        << "promtool not found when CMake configured; install the Debian package `prometheus` "
           "(tools/install-deps) and reconfigure";
  }
};

TEST_F(PromtoolTest, AcceptsARegistryWithEveryKind) {
  MetricsRegistry registry;
  auto replication = ReplicationMetrics::create(registry);
  ASSERT_TRUE(replication) << replication.error().toString();
  QueueMetrics q = replication->forQueue(
      "east-west", MessageQueue{"orders", "broker-a", QueueId(0)}, "broker-b");
  q.messages->inc(1000);
  q.bytes->inc(1024000);
  q.filtered->inc(3);
  q.retries->inc(2);
  q.lag_messages->set(12);
  q.lag_seconds->set(0.25);
  q.pull_latency->observe(0.0007);
  q.pull_latency->observe(12);
  q.send_latency->observe(0.031);
  q.send_latency->observe(100);  // beyond the last bucket: +Inf only
  q.recordError("timeout");
  q.recordError("message_illegal");

  auto* odd = registry
                  .counter("ferry_test_odd_labels_total",
                           "Label values that need escaping:\n"
                           "quote \", backslash \\",
                           {"topic"})
                  .value();
  odd->withLabels({"quote\" backslash\\ newline\n utf8 é"})->inc();
  auto* plain =
      registry.histogram("ferry_test_plain_seconds", "A histogram without labels", {}, {0.5, 1})
          .value();
  plain->withLabels({})->observe(0.75);
  auto* gauge = registry.gauge("ferry_test_temperature_celsius", "A negative gauge").value();
  gauge->withLabels({})->set(-3.5);
  (void)registry.gauge("ferry_test_unused_ratio", "A labelled family with no series yet", {"task"});

  const std::string text = registry.render();
  const CheckResult result = promtoolCheck(text);
  EXPECT_EQ(result.exit_code, 0) << result.output << "\n--- rendered:\n" << text;
  EXPECT_EQ(result.output, "") << "promtool lint findings";
}

// The harness itself must be able to fail: promtool rejects a broken exposition and lints a
// counter without `_total` and HELP.
TEST_F(PromtoolTest, RejectsBrokenText) {
  EXPECT_NE(promtoolCheck("ferry_x{a=\"unterminated} 1\n").exit_code, 0);
  const CheckResult lint = promtoolCheck("# TYPE ferry_x counter\nferry_x 1\n");
  EXPECT_NE(lint.exit_code, 0);
  EXPECT_NE(lint.output.find("_total"), std::string::npos) << lint.output;
}

}  // namespace
}  // namespace ferry::control
