package ferry.driver;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageClientIDSetter;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * produce --topic T --count N [--key-prefix K] [--tag TAG] [--prop k=v ...] [--queue Q [--broker B]]
 * [--body-size BYTES] [--body-prefix STR] [--batch B] [--compress-over BYTES] [--group G]
 * [--start-index I]
 *
 * <p>Message i (i = start-index .. start-index+N-1) gets key K+i, the tag, the user properties and
 * the body from {@link Bodies#body}. Without --queue, messages (or batches) go round-robin over
 * the topic's write queues sorted by (brokerName, queueId); with --queue, all go to that queue on
 * --broker (default: the first broker name). One "sent" line per message, then "done".
 */
final class ProduceCommand implements Main.Command {
  @Override
  public Set<String> options() {
    return Set.of("topic", "count", "key-prefix", "tag", "prop", "queue", "broker", "body-size", "body-prefix",
        "batch", "compress-over", "group", "start-index");
  }

  @Override
  public int run(Options o, Clients clients) throws Exception {
    String topic = o.required("topic");
    long count = o.requiredLong("count");
    long start = o.longValue("start-index", 0);
    String keyPrefix = o.get("key-prefix");
    String tag = o.get("tag");
    String bodyPrefix = o.get("body-prefix", "ferry-msg-");
    int bodySize = o.intValue("body-size", -1);
    int batch = o.intValue("batch", 1);
    if (count < 0 || batch < 1) throw new Options.UsageException("--count must be >= 0 and --batch >= 1");
    Map<String, String> props = new LinkedHashMap<>();
    for (String kv : o.all("prop")) {
      int eq = kv.indexOf('=');
      if (eq <= 0) throw new Options.UsageException("--prop wants k=v, got '" + kv + "'");
      props.put(kv.substring(0, eq), kv.substring(eq + 1));
    }

    DefaultMQProducer producer = clients.producer(o.get("group", "ferry_driver_producer"));
    if (o.has("compress-over")) producer.setCompressMsgBodyOverHowmuch(o.intValue("compress-over", 4096));
    producer.start();
    try {
      List<MessageQueue> targets = targets(producer, topic, o);
      long began = System.currentTimeMillis();
      long sent = 0;
      int round = 0;
      for (long i = start; i < start + count; ) {
        int n = (int) Math.min(batch, start + count - i);
        List<Message> msgs = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
          long idx = i + k;
          Message m = new Message(topic, Bodies.body(bodyPrefix, idx, bodySize));
          if (tag != null) m.setTags(tag);
          if (keyPrefix != null) m.setKeys(keyPrefix + idx);
          props.forEach(m::putUserProperty);
          msgs.add(m);
        }
        MessageQueue mq = targets.get(round++ % targets.size());
        SendResult r = o.has("batch") ? producer.send(msgs, mq) : producer.send(msgs.get(0), mq);
        if (r.getSendStatus() != SendStatus.SEND_OK) {
          throw new IllegalStateException("send to " + mq + " returned " + r.getSendStatus());
        }
        String[] offsetIds = r.getOffsetMsgId() == null ? new String[0] : r.getOffsetMsgId().split(",");
        for (int k = 0; k < n; k++) {
          Message m = msgs.get(k);
          Map<String, Object> e = Json.event("sent");
          e.put("index", i + k);
          e.put("msgId", MessageClientIDSetter.getUniqID(m));
          e.put("offsetMsgId", k < offsetIds.length ? offsetIds[k] : null);
          e.put("topic", topic);
          e.put("brokerName", r.getMessageQueue().getBrokerName());
          e.put("queueId", r.getMessageQueue().getQueueId());
          e.put("queueOffset", r.getQueueOffset() + k);
          e.put("keys", m.getKeys());
          e.put("tags", m.getTags());
          e.put("bodyLength", m.getBody().length);
          e.put("bodySha256", Bodies.sha256(m.getBody()));
          e.put("sendStatus", r.getSendStatus());
          Out.line(e);
        }
        sent += n;
        i += n;
      }
      Map<String, Object> done = Json.event("done");
      done.put("sent", sent);
      done.put("elapsedMs", System.currentTimeMillis() - began);
      Out.line(done);
      return Main.EXIT_OK;
    } finally {
      producer.shutdown();
    }
  }

  private static List<MessageQueue> targets(DefaultMQProducer producer, String topic, Options o) throws Exception {
    List<MessageQueue> all = new ArrayList<>(Clients.retry("route of " + topic, () -> producer.fetchPublishMessageQueues(topic)));
    if (all.isEmpty()) throw new IllegalStateException("topic " + topic + " has no writable queues");
    all.sort(Comparator.comparing(MessageQueue::getBrokerName).thenComparingInt(MessageQueue::getQueueId));
    if (!o.has("queue")) return all;
    int queue = o.intValue("queue", 0);
    String broker = o.get("broker", all.get(0).getBrokerName());
    for (MessageQueue mq : all) {
      if (mq.getBrokerName().equals(broker) && mq.getQueueId() == queue) return List.of(mq);
    }
    throw new IllegalStateException("no write queue " + queue + " on broker " + broker + " for topic " + topic
        + "; queues: " + all);
  }
}
