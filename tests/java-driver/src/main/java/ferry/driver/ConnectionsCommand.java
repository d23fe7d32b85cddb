package ferry.driver;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.rocketmq.common.MQVersion;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * connections --group G: one "connections" line from examineConsumerConnectionInfo with the
 * group's clients (clientId, addr, language, version) and subscription table. An offline group
 * gives "online":false with empty lists (the broker answers CONSUMER_NOT_ONLINE, code 206; a
 * group this cluster never saw has no %RETRY% route, which the admin API reports as code 17).
 */
final class ConnectionsCommand implements Main.Command {
  @Override
  public Set<String> options() {
    return Set.of("group");
  }

  @Override
  public int run(Options o, Clients clients) throws Exception {
    String group = o.required("group");
    DefaultMQAdminExt admin = clients.admin();
    try {
      Map<String, Object> e = Json.event("connections");
      e.put("group", group);
      List<Object> conns = new ArrayList<>();
      List<Object> subs = new ArrayList<>();
      try {
        var cc = Clients.retry("consumer connections", () -> admin.examineConsumerConnectionInfo(group));
        e.put("online", !cc.getConnectionSet().isEmpty());
        e.put("consumeType", cc.getConsumeType());
        e.put("messageModel", cc.getMessageModel());
        e.put("consumeFromWhere", cc.getConsumeFromWhere());
        var list = new ArrayList<>(cc.getConnectionSet());
        list.sort(Comparator.comparing(c -> c.getClientId()));
        for (var c : list) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("clientId", c.getClientId());
          m.put("addr", c.getClientAddr());
          m.put("language", c.getLanguage());
          m.put("version", c.getVersion());
          m.put("versionDesc", MQVersion.getVersionDesc(c.getVersion()));
          conns.add(m);
        }
        for (var s : new TreeMap<>(cc.getSubscriptionTable()).values()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("topic", s.getTopic());
          m.put("subString", s.getSubString());
          m.put("expressionType", s.getExpressionType());
          m.put("tags", new ArrayList<>(s.getTagsSet()));
          m.put("subVersion", s.getSubVersion());
          subs.add(m);
        }
      } catch (Exception ex) {
        if (!isOffline(ex)) throw ex;
        e.put("online", false);
      }
      e.put("clients", conns);
      e.put("subscriptions", subs);
      Out.line(e);
      return Main.EXIT_OK;
    } finally {
      admin.shutdown();
    }
  }

  static boolean isOffline(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof org.apache.rocketmq.client.exception.MQBrokerException b && b.getResponseCode() == 206) {
        return true;
      }
      String msg = String.valueOf(c.getMessage());
      if (msg.contains("No topic route info") && msg.contains("%RETRY%")) return true;
    }
    return false;
  }
}
