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
 *
 * <p>4.x clients look up the route of %RETRY%G first, which exists only after a consumer of G was
 * online: a group that only ever committed offsets (Ferry's internal groups) has none. With
 * --topic, when the stats find nothing, each queue of T is then asked directly
 * (queryConsumerOffset on its master, the call a consumer makes to resume; queues without an
 * offset are left out). Caveat: a 4.x broker answers 0 rather than "not found" for a queue whose
 * messages all are still in memory, so on 4.x "no offset" and "offset 0" look the same; 5.x is
 * asked with setZeroIfNotFound=false and distinguishes them.
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
      if (rows.isEmpty() && topic != null) rows = queryEachQueue(admin, group, topic);
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

  private static List<Map.Entry<MessageQueue, Map<String, Object>>> queryEachQueue(
      DefaultMQAdminExt admin, String group, String topic) throws Exception {
    List<Map.Entry<MessageQueue, Map<String, Object>>> rows = new ArrayList<>();
    var stats = Clients.retry("topic stats", () -> admin.examineTopicStats(topic));
    // DefaultMQAdminExt.defaultMQAdminExtImpl.mqClientInstance (4.9.8 has no getters for them).
    var implField = DefaultMQAdminExt.class.getDeclaredField("defaultMQAdminExtImpl");
    implField.setAccessible(true);
    Object impl = implField.get(admin);
    var instanceField = impl.getClass().getDeclaredField("mqClientInstance");
    instanceField.setAccessible(true);
    Object instance = instanceField.get(impl);
    Object api = instance.getClass().getMethod("getMQClientAPIImpl").invoke(instance);
    Class<?> headerClass;
    try {
      headerClass = Class.forName("org.apache.rocketmq.remoting.protocol.header.QueryConsumerOffsetRequestHeader");
    } catch (ClassNotFoundException e) {
      headerClass = Class.forName("org.apache.rocketmq.common.protocol.header.QueryConsumerOffsetRequestHeader");
    }
    var query = api.getClass().getMethod("queryConsumerOffset", String.class, headerClass, long.class);
    for (var entry : stats.getOffsetTable().entrySet()) {
      MessageQueue mq = entry.getKey();
      Object header = headerClass.getDeclaredConstructor().newInstance();
      headerClass.getMethod("setConsumerGroup", String.class).invoke(header, group);
      headerClass.getMethod("setTopic", String.class).invoke(header, mq.getTopic());
      headerClass.getMethod("setQueueId", Integer.class).invoke(header, mq.getQueueId());
      try {
        headerClass.getMethod("setSetZeroIfNotFound", Boolean.class).invoke(header, false);
      } catch (NoSuchMethodException e) {
        // 4.x: no such field
      }
      String addr = Admin.masterAddress(admin, mq.getBrokerName());
      long committed;
      try {
        committed = (Long) Clients.retry("query consumer offset", () -> {
          try {
            return query.invoke(api, addr, header, 15000L);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause() instanceof Exception c ? c : e;
          }
        });
      } catch (org.apache.rocketmq.client.exception.MQBrokerException e) {
        if (e.getResponseCode() == 22) continue;  // QUERY_NOT_FOUND: no offset on this queue
        throw e;
      }
      Map<String, Object> e = Json.event("progress");
      e.put("group", group);
      e.put("topic", mq.getTopic());
      e.put("brokerName", mq.getBrokerName());
      e.put("queueId", mq.getQueueId());
      e.put("brokerOffset", entry.getValue().getMaxOffset());
      e.put("consumerOffset", committed);
      e.put("lastTimestamp", 0L);
      rows.add(Map.entry(mq, e));
    }
    return rows;
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
