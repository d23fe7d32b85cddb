// The message-sync engine's metrics catalogue (docs/operations.md, "Metrics"): one place that
// names every `ferry_replication_*` family with its help text and labels, so the engine, the
// docs and the tests agree.
//
//   auto metrics = ReplicationMetrics::create(registry).value();        // once, at startup
//   QueueMetrics q = metrics.forQueue("orders-east-west", source_mq, "broker-b");  // per pipeline
//   q.messages->inc(n); q.bytes->inc(body_bytes); q.send_latency->observe(seconds);
//   q.recordError(errcName(error.code));                                 // rare path, locks
//   metrics.removeQueue(q);                                              // queue left the route
//
// Labels: task (config name), topic (source topic), queue ("brokerName#queueId" of the source
// queue), broker (the broker a request went to), kind (errcName(), a bounded set). Latency
// histograms are per (task, broker), not per queue: latency is a property of the link to a
// broker, and 14 buckets per queue would multiply the series count for no insight.
//
// Threading: as MetricsRegistry — handles are updated lock-free from the io thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ferry/base/error.h"
#include "ferry/base/identity.h"
#include "ferry/control/metrics.h"

namespace ferry::control {

// The handles of one source queue's pipeline. Copyable; every member is shared with the registry.
struct QueueMetrics {
  std::string task;
  std::string topic;
  std::string queue;  // "broker-a#3"

  std::shared_ptr<Counter> messages;  // replicated (acknowledged by the destination)
  std::shared_ptr<Counter> bytes;     // body bytes replicated
  std::shared_ptr<Counter> filtered;  // pulled but not sent (tag filter, own echo)
  std::shared_ptr<Counter> retries;   // pull or send attempts repeated after an error
  std::shared_ptr<Gauge> lag_messages;
  std::shared_ptr<Gauge> lag_seconds;
  std::shared_ptr<Histogram> pull_latency;  // labelled with the source broker
  std::shared_ptr<Histogram> send_latency;  // labelled with the destination broker
  CounterFamily* errors = nullptr;

  // Counts one error of `kind` (errcName of the error code) on this queue.
  void recordError(std::string_view kind) const;
};

class ReplicationMetrics {
 public:
  static Result<ReplicationMetrics> create(MetricsRegistry& registry);

  // `source` is the queue pulled from; `destination_broker` the broker its batches go to.
  QueueMetrics forQueue(const std::string& task, const MessageQueue& source,
                        const std::string& destination_broker) const;
  // Stops exporting the queue's series (its error counters too); latency histograms stay,
  // other queues share them.
  void removeQueue(const QueueMetrics& queue) const;

  CounterFamily* messages = nullptr;
  CounterFamily* bytes = nullptr;
  CounterFamily* filtered = nullptr;
  CounterFamily* retries = nullptr;
  CounterFamily* errors = nullptr;
  GaugeFamily* lag_messages = nullptr;
  GaugeFamily* lag_seconds = nullptr;
  HistogramFamily* pull_latency = nullptr;
  HistogramFamily* send_latency = nullptr;
};

// "broker-a#3": the `queue` label value of a source queue.
std::string queueLabel(const MessageQueue& queue);

}  // namespace ferry::control
