package ferry.driver;

import java.util.Map;
import java.util.Set;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * update-offset --group G --topic T --broker B --queue Q --offset O: writes the group's committed
 * offset for one queue directly on the owning broker (admin UPDATE_CONSUMER_OFFSET), then reads it
 * back through examineConsumeStats. Meant for offline groups: a running consumer overwrites it with
 * its own position at its next offset push.
 */
final class UpdateOffsetCommand implements Main.Command {
  @Override
  public Set<String> options() {
    return Set.of("group", "topic", "broker", "queue", "offset");
  }

  @Override
  public int run(Options o, Clients clients) throws Exception {
    String group = o.required("group");
    String topic = o.required("topic");
    String broker = o.required("broker");
    int queue = o.requiredInt("queue");
    long offset = o.requiredLong("offset");
    DefaultMQAdminExt admin = clients.admin();
    try {
      String addr = Admin.masterAddress(admin, broker);
      MessageQueue mq = new MessageQueue(topic, broker, queue);
      admin.updateConsumeOffset(addr, group, mq, offset);
      long readBack = -1;
      try {
        var ow = admin.examineConsumeStats(group, topic).getOffsetTable().get(mq);
        if (ow != null) readBack = ow.getConsumerOffset();
      } catch (Exception e) {
        Out.diag("could not read the offset back: " + Clients.describe(e));
      }
      Map<String, Object> e = Json.event("offset-updated");
      e.put("group", group);
      e.put("topic", topic);
      e.put("brokerName", broker);
      e.put("brokerAddr", addr);
      e.put("queueId", queue);
      e.put("offset", offset);
      e.put("readBack", readBack);
      Out.line(e);
      return Main.EXIT_OK;
    } finally {
      admin.shutdown();
    }
  }
}
