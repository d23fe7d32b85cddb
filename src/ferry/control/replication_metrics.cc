#include "ferry/control/replication_metrics.h"

#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>

namespace ferry::control {

std::string queueLabel(const MessageQueue& queue) {
  return fmt::format("{}#{}", queue.broker_name, queue.queue_id.value());
}

void QueueMetrics::recordError(std::string_view kind) const {
  if (errors != nullptr) {
    errors->withLabels({task, topic, queue, std::string(kind)})->inc();
  }
}

Result<ReplicationMetrics> ReplicationMetrics::create(MetricsRegistry& registry) {
  const std::vector<std::string> per_queue = {"task", "topic", "queue"};
  const std::vector<std::string> per_broker = {"task", "broker"};
  ReplicationMetrics m;
  std::optional<Error> failed;
  // Keeps the first registration error; the families registered before it stay (harmless).
  auto take = [&failed](auto result, auto*& out) {
    if (result) {
      out = *result;
    } else if (!failed) {
      failed = std::move(result.error());
    }
  };
  take(registry.counter("ferry_replication_messages_total",
                        "Messages replicated: sent and acknowledged by the destination broker",
                        per_queue),
       m.messages);
  take(registry.counter("ferry_replication_bytes_total",
                        "Message body bytes replicated (as stored, compressed or not)", per_queue),
       m.bytes);
  take(registry.counter(
           "ferry_replication_filtered_messages_total",
           "Messages pulled but not replicated: tag filter, or stamped by the destination cluster",
           per_queue),
       m.filtered);
  take(registry.counter("ferry_replication_retries_total",
                        "Pull or send attempts repeated after an error", per_queue),
       m.retries);
  take(registry.counter("ferry_replication_errors_total",
                        "Errors of pulls, sends and offset commits, by kind",
                        {"task", "topic", "queue", "kind"}),
       m.errors);
  take(registry.gauge("ferry_replication_lag_messages",
                      "Source max offset minus the checkpoint: messages not yet replicated",
                      per_queue),
       m.lag_messages);
  take(registry.gauge(
           "ferry_replication_lag_seconds",
           "Age of the oldest message not yet replicated (store time to now); 0 when caught up",
           per_queue),
       m.lag_seconds);
  take(
      registry.histogram(
          "ferry_replication_pull_latency_seconds",
          "Time from sending a pull request to its answer, per source broker (long polls included)",
          per_broker),
      m.pull_latency);
  take(registry.histogram(
           "ferry_replication_send_latency_seconds",
           "Time from sending a batch to the destination's acknowledgement, per destination broker",
           per_broker),
       m.send_latency);
  if (failed) {
    return makeError(std::move(*failed).withContext("registering replication metrics"));
  }
  return m;
}

QueueMetrics ReplicationMetrics::forQueue(const std::string& task, const MessageQueue& source,
                                          const std::string& destination_broker) const {
  QueueMetrics q;
  q.task = task;
  q.topic = source.topic;
  q.queue = queueLabel(source);
  const std::vector<std::string> labels = {q.task, q.topic, q.queue};
  q.messages = messages->withLabels(labels);
  q.bytes = bytes->withLabels(labels);
  q.filtered = filtered->withLabels(labels);
  q.retries = retries->withLabels(labels);
  q.lag_messages = lag_messages->withLabels(labels);
  q.lag_seconds = lag_seconds->withLabels(labels);
  q.pull_latency = pull_latency->withLabels({task, source.broker_name});
  q.send_latency = send_latency->withLabels({task, destination_broker});
  q.errors = errors;
  return q;
}

void ReplicationMetrics::removeQueue(const QueueMetrics& queue) const {
  const std::vector<std::string> labels = {queue.task, queue.topic, queue.queue};
  messages->remove(labels);
  bytes->remove(labels);
  filtered->remove(labels);
  retries->remove(labels);
  lag_messages->remove(labels);
  lag_seconds->remove(labels);
  errors->removeWithPrefix(labels);
}

}  // namespace ferry::control
