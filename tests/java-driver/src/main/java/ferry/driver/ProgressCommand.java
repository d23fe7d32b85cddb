package ferry.driver;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * progress --group G [--topic T]: one "progress" line per queue from examineConsumeStats
 * (brokerOffset = queue max offset, consumerOffset = committed offset), sorted by topic, broker
 * and queue, then {"event":"done","queues":n}. A group without committed offsets in this cluster
 * gives just the "done" line with queues 0 (exit 0), so tests can assert absence.
 */
final class ProgressCommand implements Main.Command {
  @Override
  public Set<String> options() {
    return Set.of("group", "topic");
  }

  @Override
  public int run(Options o, Clients clients) throws Exception {
    String group = o.required("group");
    String topic = o.get("topic");
    DefaultMQAdminExt admin = clients.admin();
    try {
      List<Map.Entry<MessageQueue, Map<String, Object>>> rows = new ArrayList<>();
      try {
        var stats = Clients.retry("consume stats",
            () -> topic == null ? admin.examineConsumeStats(group) : admin.examineConsumeStats(group, topic));
        for (var entry : stats.getOffsetTable().entrySet()) {
          MessageQueue mq = entry.getKey();
          var ow = entry.getValue();
          Map<String, Object> e = Json.event("progress");
          e.put("group", group);
          e.put("topic", mq.getTopic());
          e.put("brokerName", mq.getBrokerName());
          e.put("queueId", mq.getQueueId());
          e.put("brokerOffset", ow.getBrokerOffset());
          e.put("consumerOffset", ow.getConsumerOffset());
          e.put("lastTimestamp", ow.getLastTimestamp());
          rows.add(Map.entry(mq, e));
        }
      } catch (Exception ex) {
        if (!isNoOffsets(ex)) throw ex;
      }
      rows.sort(Comparator.comparing((Map.Entry<MessageQueue, Map<String, Object>> r) -> r.getKey()));
      for (var r : rows) Out.line(r.getValue());
      Map<String, Object> done = Json.event("done");
      done.put("group", group);
      done.put("queues", rows.size());
      Out.line(done);
      return Main.EXIT_OK;
    } finally {
      admin.shutdown();
    }
  }

  /**
   * examineConsumeStats fails with an MQClientException when no broker has offsets for the group
   * ("Not found the consumer group consume stats, because return offset table is empty, maybe the
   * consumer not consume any message"); in 5.x a broker may also answer CONSUMER_NOT_ONLINE (206)
   * or SUBSCRIPTION_GROUP_NOT_EXIST (26) for an unknown group; 4.x first looks up the route of
   * %RETRY%group and fails with "No topic route info ... %RETRY%group" when the group never existed.
   */
  static boolean isNoOffsets(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      String msg = String.valueOf(c.getMessage());
      if (msg.contains("offset table is empty") || msg.contains("consume stats")) return true;
      if (msg.contains("No topic route info") && msg.contains("%RETRY%")) return true;
      if (c instanceof org.apache.rocketmq.client.exception.MQBrokerException b
          && (b.getResponseCode() == 206 || b.getResponseCode() == 26)) {
        return true;
      }
    }
    return false;
  }
}
