package ferry.driver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.rocketmq.common.TopicConfig;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * create-topic --cluster C --topic T --queues N [--perm 6] [--timeout-seconds 30]: creates (or
 * updates) the topic on every master of the cluster, then waits until the NameServer's route for
 * the topic lists every one of those brokers with N read and write queues.
 */
final class CreateTopicCommand implements Main.Command {
  @Override
  public Set<String> options() {
    return Set.of("cluster", "topic", "queues", "perm", "timeout-seconds");
  }

  @Override
  public int run(Options o, Clients clients) throws Exception {
    String cluster = o.required("cluster");
    String topic = o.required("topic");
    int queues = o.requiredInt("queues");
    int perm = o.intValue("perm", 6);
    long deadline = System.currentTimeMillis() + 1000L * o.intValue("timeout-seconds", 30);
    if (queues < 1) throw new Options.UsageException("--queues must be at least 1");

    DefaultMQAdminExt admin = clients.admin();
    try {
      Map<String, String> masters = Admin.masters(admin, cluster);
      for (Map.Entry<String, String> m : masters.entrySet()) {
        Clients.retry("create topic on " + m.getKey(), () -> {
          admin.createAndUpdateTopicConfig(m.getValue(), new TopicConfig(topic, queues, queues, perm));
          return null;
        });
      }
      String lastSeen = "no route yet";
      while (true) {
        try {
          var route = admin.examineTopicRouteInfo(topic);
          int ready = 0;
          for (var qd : route.getQueueDatas()) {
            if (masters.containsKey(qd.getBrokerName()) && qd.getReadQueueNums() == queues
                && qd.getWriteQueueNums() == queues) {
              ready++;
            }
          }
          if (ready == masters.size()) break;
          lastSeen = route.getQueueDatas().toString();
        } catch (Exception e) {
          lastSeen = Clients.describe(e);
        }
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("route of topic " + topic + " did not show " + masters.keySet()
              + " with " + queues + " queues in time; last seen: " + lastSeen);
        }
        Thread.sleep(100);
      }
      Map<String, Object> e = Json.event("topic-created");
      e.put("topic", topic);
      e.put("cluster", cluster);
      List<Object> brokers = new ArrayList<>();
      for (Map.Entry<String, String> m : masters.entrySet()) {
        brokers.add(Map.of("brokerName", m.getKey(), "addr", m.getValue()));
      }
      e.put("brokers", brokers);
      e.put("queues", queues);
      e.put("perm", perm);
      Out.line(e);
      return Main.EXIT_OK;
    } finally {
      admin.shutdown();
    }
  }
}
