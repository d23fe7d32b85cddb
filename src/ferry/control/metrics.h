// Ferry's own metrics registry and its Prometheus text rendering (exposition format 0.0.4).
// The catalogue of metric names and what they mean is in docs/operations.md.
//
// Debian 12 has no prometheus-cpp, and Ferry needs little: counters, gauges and histograms with
// fixed buckets, in families with a fixed list of label names.
//
//   MetricsRegistry registry;
//   CounterFamily* sent = registry.counter("ferry_replication_messages_total", "Messages ...",
//                                          {"task", "topic", "queue"}).value();
//   std::shared_ptr<Counter> c = sent->withLabels({"t1", "orders", "broker-a#3"});  // once
//   c->inc(batch_size);                                                             // hot path
//   std::string text = registry.render();                                           // scrape
//
// Threading. Values are std::atomic and updated lock-free with relaxed ordering: the engines'
// io thread increments and observes without taking a lock. The structure (the registry's family
// map, each family's series map) is guarded by mutexes, taken only when a family or a series is
// created or removed and while render() walks it. So render() may run on the admin server's
// threads while the io thread updates values: each number is read atomically, but a scrape is
// not a consistent cut across series. A histogram's `_count` is the sum of the bucket counts the
// same render read, so `le="+Inf"` and `_count` always agree; `_sum` may lag by an observation.
//
// Lifecycle and ownership. The registry owns its families (the pointers it returns stay valid
// until the registry is destroyed). Series are shared: withLabels() hands out a shared_ptr, and
// remove() only stops rendering a series, so a pipeline that still holds it never dangles.
//
// Bounded label sets. Label values must come from bounded sets (task, topic, queue, broker,
// error kind — never message ids or offsets). Each family renders at most `max_series_per_family`
// series; beyond that, or with the wrong number of label values, withLabels() returns a detached
// series whose updates go nowhere, logs a warning and counts it in
// `ferry_control_metrics_dropped_series_total`. Metrics never fail the caller.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/base/error.h"

namespace ferry::control {

// A monotonically increasing count (messages, bytes, errors, retries).
class Counter {
 public:
  void inc(std::uint64_t n = 1) noexcept { value_.fetch_add(n, std::memory_order_relaxed); }
  std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// A value that goes up and down (lag).
class Gauge {
 public:
  void set(double value) noexcept { value_.store(value, std::memory_order_relaxed); }
  void add(double delta) noexcept { value_.fetch_add(delta, std::memory_order_relaxed); }
  double value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Counts observations into fixed buckets (upper bounds, ascending; +Inf is implicit).
class Histogram {
 public:
  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf (= count)
    double sum = 0;
    std::uint64_t count = 0;
  };

  explicit Histogram(std::shared_ptr<const std::vector<double>> bounds);

  // Lock-free: one bucket increment and one add to the sum. NaN is ignored.
  void observe(double value) noexcept;
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return *bounds_; }

 private:
  std::shared_ptr<const std::vector<double>> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // bounds_->size() + 1 (last: +Inf)
  std::atomic<double> sum_{0};
};

// Bucket bounds in seconds for request latency on a LAN up to a cross-region link (1 ms .. 30 s;
// long-polling pulls that wait for new messages land in the upper buckets).
inline const std::vector<double> kLatencyBucketsSeconds = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

enum class MetricType { kCounter, kGauge, kHistogram };

class MetricsRegistry;

// Name, help and label names shared by every series of one metric.
class FamilyBase {
 public:
  virtual ~FamilyBase() = default;
  FamilyBase(const FamilyBase&) = delete;
  FamilyBase& operator=(const FamilyBase&) = delete;

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  MetricType type() const { return type_; }
  const std::vector<std::string>& labelNames() const { return label_names_; }

  // Appends HELP, TYPE and every series' samples to `out`.
  virtual void render(std::string& out) const = 0;

 protected:
  FamilyBase(std::string name, std::string help, MetricType type,
             std::vector<std::string> label_names)
      : name_(std::move(name)),
        help_(std::move(help)),
        type_(type),
        label_names_(std::move(label_names)) {}

 private:
  std::string name_;
  std::string help_;
  MetricType type_;
  std::vector<std::string> label_names_;
};

// One metric name with its series, keyed by label values (in labelNames() order).
template <class M>
class Family final : public FamilyBase {
 public:
  // Returns the series for `label_values`, creating it on first use. Takes the family's mutex:
  // call it when a pipeline starts (or on rare paths such as errors), not per message.
  std::shared_ptr<M> withLabels(std::vector<std::string> label_values);
  // Stops rendering the series (a queue that left the route); holders keep a valid object.
  void remove(const std::vector<std::string>& label_values);
  // Removes every series whose first label values equal `leading_values` (a queue's error
  // counters of every kind).
  void removeWithPrefix(const std::vector<std::string>& leading_values);
  std::size_t size() const;

  void render(std::string& out) const override;

 private:
  friend class MetricsRegistry;
  Family(MetricsRegistry& registry, std::string name, std::string help,
         std::vector<std::string> label_names, std::size_t max_series,
         std::shared_ptr<const std::vector<double>> bounds);
  std::shared_ptr<M> make() const;

  MetricsRegistry& registry_;
  std::size_t max_series_;
  std::shared_ptr<const std::vector<double>> bounds_;  // histograms only
  mutable std::mutex mutex_;
  std::map<std::vector<std::string>, std::shared_ptr<M>> series_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class MetricsRegistry {
 public:
  static constexpr std::size_t kDefaultMaxSeriesPerFamily = 10000;

  explicit MetricsRegistry(std::size_t max_series_per_family = kDefaultMaxSeriesPerFamily);
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Registers a family, or returns the existing one when name, type, label names (and bounds)
  // match; kInvalidArgument for an invalid or reserved name, a clash, or bad bucket bounds.
  // A family without labels has its one series from the start (rendered as 0).
  Result<CounterFamily*> counter(std::string name, std::string help,
                                 std::vector<std::string> label_names = {});
  Result<GaugeFamily*> gauge(std::string name, std::string help,
                             std::vector<std::string> label_names = {});
  Result<HistogramFamily*> histogram(std::string name, std::string help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bounds = kLatencyBucketsSeconds);

  // Every family, sorted by name, in the Prometheus text format 0.0.4. Thread-safe.
  std::string render() const;

  // Content-Type of render()'s output.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  template <class M>
  friend class Family;
  template <class M>
  Result<Family<M>*> add(std::string name, std::string help, MetricType type,
                         std::vector<std::string> label_names,
                         std::shared_ptr<const std::vector<double>> bounds);
  void noteDroppedSeries(std::string_view family, std::string_view why);

  std::size_t max_series_per_family_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<FamilyBase>> families_;
  CounterFamily* dropped_ = nullptr;
};

// ---- text format helpers (exposed for tests) -------------------------------------------------

// `[a-zA-Z_:][a-zA-Z0-9_:]*`
bool isValidMetricName(std::string_view name);
// `[a-zA-Z_][a-zA-Z0-9_]*`, not starting with "__" (reserved by Prometheus).
bool isValidLabelName(std::string_view name);
// Label value escaping: backslash, double quote and line feed.
std::string escapeLabelValue(std::string_view value);
// HELP text escaping: backslash and line feed.
std::string escapeHelp(std::string_view help);
// Shortest text that parses back to the same double; "+Inf", "-Inf", "NaN" as Prometheus spells.
std::string formatValue(double value);

}  // namespace ferry::control
