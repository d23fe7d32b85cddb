package ferry.driver;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * offsets --topic T: one "offset" line per queue (minOffset, maxOffset, lastUpdateTimestamp) from
 * examineTopicStats, sorted by broker and queue, then {"event":"done","queues":n}.
 */
final class OffsetsCommand implements Main.Command {
  @Override
  public Set<String> options() {
    return Set.of("topic");
  }

  @Override
  public int run(Options o, Clients clients) throws Exception {
    String topic = o.required("topic");
    DefaultMQAdminExt admin = clients.admin();
    try {
      var stats = Clients.retry("topic stats", () -> admin.examineTopicStats(topic));
      List<MessageQueue> queues = new ArrayList<>(stats.getOffsetTable().keySet());
      queues.sort(null);
      for (MessageQueue mq : queues) {
        var off = stats.getOffsetTable().get(mq);
        Map<String, Object> e = Json.event("offset");
        e.put("topic", mq.getTopic());
        e.put("brokerName", mq.getBrokerName());
        e.put("queueId", mq.getQueueId());
        e.put("minOffset", off.getMinOffset());
        e.put("maxOffset", off.getMaxOffset());
        e.put("lastUpdateTimestamp", off.getLastUpdateTimestamp());
        Out.line(e);
      }
      Map<String, Object> done = Json.event("done");
      done.put("topic", topic);
      done.put("queues", queues.size());
      Out.line(done);
      return Main.EXIT_OK;
    } finally {
      admin.shutdown();
    }
  }
}
