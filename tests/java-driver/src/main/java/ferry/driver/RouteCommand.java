package ferry.driver;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * route --topic T: the NameServer's route for a topic, as one "route" line. A topic the NameServer
 * does not know gives {"event":"route","topic":T,"exists":false,...} and exit 0, so isolation
 * tests can assert absence without parsing an error.
 */
final class RouteCommand implements Main.Command {
  @Override
  public Set<String> options() {
    return Set.of("topic");
  }

  @Override
  public int run(Options o, Clients clients) throws Exception {
    String topic = o.required("topic");
    DefaultMQAdminExt admin = clients.admin();
    try {
      Map<String, Object> e = Json.event("route");
      e.put("topic", topic);
      List<Object> brokers = new ArrayList<>();
      List<Object> queues = new ArrayList<>();
      try {
        var route = Clients.retry("topic route", () -> admin.examineTopicRouteInfo(topic));
        var bds = new ArrayList<>(route.getBrokerDatas());
        bds.sort(Comparator.comparing(b -> b.getBrokerName()));
        for (var bd : bds) {
          Map<String, Object> b = new LinkedHashMap<>();
          b.put("brokerName", bd.getBrokerName());
          b.put("cluster", bd.getCluster());
          Map<String, Object> addrs = new TreeMap<>();
          bd.getBrokerAddrs().forEach((id, addr) -> addrs.put(String.valueOf(id), addr));
          b.put("addrs", addrs);
          brokers.add(b);
        }
        var qds = new ArrayList<>(route.getQueueDatas());
        qds.sort(Comparator.comparing(q -> q.getBrokerName()));
        for (var qd : qds) {
          Map<String, Object> q = new LinkedHashMap<>();
          q.put("brokerName", qd.getBrokerName());
          q.put("readQueueNums", qd.getReadQueueNums());
          q.put("writeQueueNums", qd.getWriteQueueNums());
          q.put("perm", qd.getPerm());
          queues.add(q);
        }
        e.put("exists", true);
      } catch (Exception ex) {
        if (!isTopicNotExist(ex)) throw ex;
        e.put("exists", false);
      }
      e.put("brokers", brokers);
      e.put("queues", queues);
      Out.line(e);
      return Main.EXIT_OK;
    } finally {
      admin.shutdown();
    }
  }

  /** The NameServer answers TOPIC_NOT_EXIST (17) for unknown topics. */
  static boolean isTopicNotExist(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof org.apache.rocketmq.client.exception.MQClientException m && m.getResponseCode() == 17) return true;
      String msg = c.getMessage();
      if (msg != null && (msg.contains("No topic route info") || msg.contains("CODE: 17 "))) return true;
    }
    return false;
  }
}
