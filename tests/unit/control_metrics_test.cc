// Unit tests of the metrics registry and its Prometheus text rendering (control/metrics.h) and
// of the replication catalogue (control/replication_metrics.h). promtool's own verdict on the
// rendered text is in tests/component/metrics_promtool_test.cc.
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ferry/control/metrics.h"
#include "ferry/control/replication_metrics.h"

namespace ferry::control {
namespace {

using ::testing::HasSubstr;

// The registry always carries its own dropped-series counter; tests compare what follows it.
std::string withoutSelfMetric(const std::string& text) {
  const std::string self =
      "# HELP ferry_control_metrics_dropped_series_total Series that were not recorded: wrong "
      "label count or the family's series limit reached (a label with unbounded values)\n"
      "# TYPE ferry_control_metrics_dropped_series_total counter\n"
      "ferry_control_metrics_dropped_series_total ";
  const std::size_t at = text.find(self);
  if (at == std::string::npos) {
    return text;
  }
  const std::size_t end = text.find('\n', at + self.size());
  return text.substr(0, at) + text.substr(end + 1);
}

TEST(MetricsRender, CounterGaugeAndHistogramInTheTextFormat) {
  MetricsRegistry registry;
  auto* sent =
      registry.counter("ferry_test_messages_total", "Messages sent", {"task", "queue"}).value();
  auto* lag = registry.gauge("ferry_test_lag_messages", "Lag").value();
  auto* latency =
      registry.histogram("ferry_test_latency_seconds", "Latency", {"broker"}, {0.01, 0.1, 1})
          .value();

  sent->withLabels({"t1", "b#1"})->inc(3);
  sent->withLabels({"t1", "b#0"})->inc();
  lag->withLabels({})->set(12.5);
  auto h = latency->withLabels({"broker-a"});
  h->observe(0.005);
  h->observe(0.01);  // bounds are inclusive: lands in le="0.01"
  h->observe(0.5);
  h->observe(7);

  EXPECT_EQ(withoutSelfMetric(registry.render()),
            "# HELP ferry_test_lag_messages Lag\n"
            "# TYPE ferry_test_lag_messages gauge\n"
            "ferry_test_lag_messages 12.5\n"
            "# HELP ferry_test_latency_seconds Latency\n"
            "# TYPE ferry_test_latency_seconds histogram\n"
            "ferry_test_latency_seconds_bucket{broker=\"broker-a\",le=\"0.01\"} 2\n"
            "ferry_test_latency_seconds_bucket{broker=\"broker-a\",le=\"0.1\"} 2\n"
            "ferry_test_latency_seconds_bucket{broker=\"broker-a\",le=\"1\"} 3\n"
            "ferry_test_latency_seconds_bucket{broker=\"broker-a\",le=\"+Inf\"} 4\n"
            "ferry_test_latency_seconds_sum{broker=\"broker-a\"} 7.515\n"
            "ferry_test_latency_seconds_count{broker=\"broker-a\"} 4\n"
            "# HELP ferry_test_messages_total Messages sent\n"
            "# TYPE ferry_test_messages_total counter\n"
            "ferry_test_messages_total{task=\"t1\",queue=\"b#0\"} 1\n"
            "ferry_test_messages_total{task=\"t1\",queue=\"b#1\"} 3\n");
}

TEST(MetricsRender, HistogramWithoutLabelsPutsLeAlone) {
  MetricsRegistry registry;
  auto* h = registry.histogram("ferry_test_seconds", "h", {}, {1}).value();
  h->withLabels({})->observe(2);
  const std::string text = registry.render();
  EXPECT_THAT(text, HasSubstr("ferry_test_seconds_bucket{le=\"1\"} 0\n"));
  EXPECT_THAT(text, HasSubstr("ferry_test_seconds_bucket{le=\"+Inf\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("ferry_test_seconds_sum 2\n"));
  EXPECT_THAT(text, HasSubstr("ferry_test_seconds_count 1\n"));
}

TEST(MetricsRender, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(escapeHelp("x \"quoted\" \\ and\nnewline"), "x \"quoted\" \\\\ and\\nnewline");

  MetricsRegistry registry;
  auto* c = registry.counter("ferry_test_total", "line one\nline \\two", {"topic"}).value();
  c->withLabels({"we\"ird\\\n"})->inc();
  const std::string text = registry.render();
  EXPECT_THAT(text, HasSubstr("# HELP ferry_test_total line one\\nline \\\\two\n"));
  EXPECT_THAT(text, HasSubstr("ferry_test_total{topic=\"we\\\"ird\\\\\\n\"} 1\n"));
}

TEST(MetricsRender, FormatsSpecialAndShortestValues) {
  EXPECT_EQ(formatValue(0), "0");
  EXPECT_EQ(formatValue(42), "42");
  EXPECT_EQ(formatValue(0.0025), "0.0025");
  EXPECT_EQ(formatValue(-1.5), "-1.5");
  EXPECT_EQ(formatValue(1e-05), "1e-05");
  EXPECT_EQ(formatValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(formatValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(formatValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(MetricsRender, LabelFreeFamiliesRenderZeroBeforeFirstUpdate) {
  MetricsRegistry registry;
  (void)registry.counter("ferry_test_total", "c").value();
  (void)registry.gauge("ferry_test_gauge", "g", {"task"}).value();
  const std::string text = registry.render();
  EXPECT_THAT(text, HasSubstr("ferry_test_total 0\n"));
  // A labelled family has no series until one is asked for: HELP and TYPE only.
  EXPECT_THAT(text, HasSubstr("# TYPE ferry_test_gauge gauge\n# HELP ferry_test_total"));
}

TEST(MetricsRegistry, RejectsBadNamesLabelsAndBuckets) {
  MetricsRegistry registry;
  EXPECT_FALSE(registry.counter("1bad", "h"));
  EXPECT_FALSE(registry.counter("bad-name", "h"));
  EXPECT_FALSE(registry.counter("ferry_ok_total", "h", {"__reserved"}));
  EXPECT_FALSE(registry.counter("ferry_ok_total", "h", {"bad-label"}));
  EXPECT_FALSE(registry.counter("ferry_ok_total", "h", {"task", "task"}));
  EXPECT_FALSE(registry.histogram("ferry_h_seconds", "h", {"le"}, {1}));
  EXPECT_FALSE(registry.histogram("ferry_h_seconds", "h", {}, {}));
  EXPECT_FALSE(registry.histogram("ferry_h_seconds", "h", {}, {1, 1}));
  EXPECT_FALSE(registry.histogram("ferry_h_seconds", "h", {}, {2, 1}));
  EXPECT_FALSE(
      registry.histogram("ferry_h_seconds", "h", {}, {1, std::numeric_limits<double>::infinity()}));
  EXPECT_TRUE(isValidMetricName("ferry:recorded_rule"));
  EXPECT_TRUE(isValidLabelName("_x1"));
}

TEST(MetricsRegistry, SameFamilyTwiceIsTheSameObjectAndAClashIsAnError) {
  MetricsRegistry registry;
  auto first = registry.counter("ferry_test_total", "h", {"task"});
  auto again = registry.counter("ferry_test_total", "other help is fine", {"task"});
  ASSERT_TRUE(first && again);
  EXPECT_EQ(*first, *again);

  auto other_labels = registry.counter("ferry_test_total", "h", {"queue"});
  ASSERT_FALSE(other_labels);
  EXPECT_EQ(other_labels.error().code, Errc::kInvalidArgument);
  EXPECT_THAT(other_labels.error().message, HasSubstr("ferry_test_total"));
  EXPECT_FALSE(registry.gauge("ferry_test_total", "h", {"task"}));

  ASSERT_TRUE(registry.histogram("ferry_h_seconds", "h", {}, {1, 2}));
  EXPECT_TRUE(registry.histogram("ferry_h_seconds", "h", {}, {1, 2}));
  EXPECT_FALSE(registry.histogram("ferry_h_seconds", "h", {}, {1, 3}));
}

TEST(MetricsRegistry, SeriesAreSharedAndSurviveRemoval) {
  MetricsRegistry registry;
  auto* family = registry.counter("ferry_test_total", "h", {"queue"}).value();
  auto a = family->withLabels({"q1"});
  auto b = family->withLabels({"q1"});
  EXPECT_EQ(a, b);
  a->inc(2);
  EXPECT_EQ(b->value(), 2u);

  family->remove({"q1"});
  EXPECT_EQ(family->size(), 0u);
  EXPECT_THAT(registry.render(), ::testing::Not(HasSubstr("queue=\"q1\"")));
  a->inc();  // the holder's object is still valid
  EXPECT_EQ(a->value(), 3u);
  // Asking again starts a new series.
  EXPECT_EQ(family->withLabels({"q1"})->value(), 0u);
}

TEST(MetricsRegistry, RemoveWithPrefixDropsEveryKindOfAQueue) {
  MetricsRegistry registry;
  auto* errors = registry.counter("ferry_test_errors_total", "h", {"queue", "kind"}).value();
  errors->withLabels({"q1", "timeout"})->inc();
  errors->withLabels({"q1", "busy"})->inc();
  errors->withLabels({"q2", "busy"})->inc();
  errors->removeWithPrefix({"q1"});
  EXPECT_EQ(errors->size(), 1u);
  EXPECT_THAT(registry.render(),
              HasSubstr("ferry_test_errors_total{queue=\"q2\",kind=\"busy\"} 1"));
}

TEST(MetricsRegistry, WrongLabelCountAndTooManySeriesAreDroppedAndCounted) {
  MetricsRegistry registry(/*max_series_per_family=*/2);
  auto* family = registry.counter("ferry_test_total", "h", {"id"}).value();
  family->withLabels({"a"})->inc();
  family->withLabels({"b"})->inc();
  auto third = family->withLabels({"c"});  // over the limit: detached
  third->inc(100);
  auto wrong = family->withLabels({"x", "y"});  // wrong arity: detached
  wrong->inc(100);

  EXPECT_EQ(family->size(), 2u);
  const std::string text = registry.render();
  EXPECT_THAT(text, ::testing::Not(HasSubstr("id=\"c\"")));
  EXPECT_THAT(text, HasSubstr("ferry_control_metrics_dropped_series_total 2\n"));
}

TEST(MetricsRegistry, ConcurrentUpdatesAndRendersLoseNothing) {
  MetricsRegistry registry;
  auto* family = registry.counter("ferry_test_total", "h", {"queue"}).value();
  auto* hist = registry.histogram("ferry_test_seconds", "h", {}, {0.5}).value();
  auto counter = family->withLabels({"q"});
  auto histogram = hist->withLabels({});
  constexpr int kPerThread = 20000;

  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        counter->inc();
        histogram->observe(i % 2 == 0 ? 0.1 : 1.0);
      }
    });
  }
  // Renders racing the writers must always be self-consistent: +Inf equals _count.
  for (int i = 0; i < 50; ++i) {
    const std::string text = registry.render();
    const auto inf_at = text.find("ferry_test_seconds_bucket{le=\"+Inf\"} ");
    const auto count_at = text.find("ferry_test_seconds_count ");
    ASSERT_NE(inf_at, std::string::npos);
    ASSERT_NE(count_at, std::string::npos);
    const std::string inf = text.substr(inf_at + 37, text.find('\n', inf_at) - inf_at - 37);
    const std::string count = text.substr(count_at + 25, text.find('\n', count_at) - count_at - 25);
    ASSERT_EQ(inf, count);
  }
  for (auto& w : writers) {
    w.join();
  }
  EXPECT_EQ(counter->value(), 2u * kPerThread);
  const Histogram::Snapshot snap = histogram->snapshot();
  EXPECT_EQ(snap.count, 2u * kPerThread);
  EXPECT_EQ(snap.cumulative[0], static_cast<std::uint64_t>(kPerThread));  // the 0.1 half
  // 0.1 is inexact in binary: 40000 additions drift in the last digits, nothing is lost.
  EXPECT_NEAR(snap.sum, kPerThread * 0.1 + kPerThread * 1.0, 1e-6);
}

TEST(ReplicationMetrics, RegistersTheCatalogueAndLabelsAQueue) {
  MetricsRegistry registry;
  auto metrics = ReplicationMetrics::create(registry);
  ASSERT_TRUE(metrics) << metrics.error().toString();
  MessageQueue source{"orders", "broker-a", QueueId(3)};
  QueueMetrics q = metrics->forQueue("east-west", source, "broker-b");
  q.messages->inc(10);
  q.bytes->inc(1024);
  q.lag_messages->set(5);
  q.lag_seconds->set(1.5);
  q.pull_latency->observe(0.002);
  q.send_latency->observe(0.040);
  q.retries->inc();
  q.recordError("timeout");

  const std::string text = registry.render();
  const std::string labels = "{task=\"east-west\",topic=\"orders\",queue=\"broker-a#3\"}";
  EXPECT_THAT(text, HasSubstr("ferry_replication_messages_total" + labels + " 10\n"));
  EXPECT_THAT(text, HasSubstr("ferry_replication_bytes_total" + labels + " 1024\n"));
  EXPECT_THAT(text, HasSubstr("ferry_replication_lag_messages" + labels + " 5\n"));
  EXPECT_THAT(text, HasSubstr("ferry_replication_lag_seconds" + labels + " 1.5\n"));
  EXPECT_THAT(text, HasSubstr("ferry_replication_retries_total" + labels + " 1\n"));
  EXPECT_THAT(text, HasSubstr("ferry_replication_errors_total{task=\"east-west\",topic=\"orders\","
                              "queue=\"broker-a#3\",kind=\"timeout\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("ferry_replication_pull_latency_seconds_bucket{task=\"east-west\","
                              "broker=\"broker-a\",le=\"0.0025\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("ferry_replication_send_latency_seconds_count{task=\"east-west\","
                              "broker=\"broker-b\"} 1\n"));

  metrics->removeQueue(q);
  const std::string after = registry.render();
  EXPECT_THAT(after, ::testing::Not(HasSubstr("queue=\"broker-a#3\"")));
  // Latency is per broker, shared with other queues: it stays.
  EXPECT_THAT(after, HasSubstr("broker=\"broker-b\""));

  // Creating the catalogue twice on one registry gives the same families.
  auto again = ReplicationMetrics::create(registry);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->messages, metrics->messages);
}

}  // namespace
}  // namespace ferry::control
