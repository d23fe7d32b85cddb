package ferry.driver;

import java.io.IOException;
import java.io.InputStream;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.listener.ConsumeConcurrentlyStatus;
import org.apache.rocketmq.client.consumer.listener.MessageListenerConcurrently;
import org.apache.rocketmq.client.consumer.store.ReadOffsetType;
import org.apache.rocketmq.common.UtilAll;
import org.apache.rocketmq.common.consumer.ConsumeFromWhere;
import org.apache.rocketmq.common.message.MessageClientExt;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * consume --group G --topic T [--tag-expr '*'] [--count K] [--timeout-seconds S]
 * [--from first|last|timestamp:MS] [--print-body] [--offset-wait-seconds 20]
 *
 * <p>A DefaultMQPushConsumer (CLUSTERING, concurrent listener, offsets pushed every second). Prints
 * "started", one "received" line per message it acknowledges, and after shutdown waits until the
 * broker shows the consumer's final offsets, then prints "stopped". With --count it stops after K
 * messages (exit 3 with a "timeout" line if they do not arrive in time); without, it runs until
 * stdin is closed or SIGTERM/SIGINT.
 *
 * <p>Exactly the printed messages are acknowledged: once K messages were printed, the listener
 * holds any further delivery unacknowledged (it blocks until the process exits), so the committed
 * offset never moves past a message that was not reported. Offset resets pushed by the broker are
 * handled by the client library itself; the driver does not interfere.
 *
 * <p>--from only applies when the group has no committed offset on a queue; default "first".
 */
final class ConsumeCommand implements Main.Command {
  @Override
  public Set<String> options() {
    return Set.of("group", "topic", "tag-expr", "count", "timeout-seconds", "from", "print-body",
        "offset-wait-seconds", "consume-threads");
  }

  @Override
  public int run(Options o, Clients clients) throws Exception {
    String group = o.required("group");
    String topic = o.required("topic");
    String tagExpr = o.get("tag-expr", "*");
    long want = o.longValue("count", -1);
    int timeoutSeconds = o.intValue("timeout-seconds", 60);
    boolean printBody = o.has("print-body");
    int offsetWaitSeconds = o.intValue("offset-wait-seconds", 20);

    DefaultMQPushConsumer consumer = clients.pushConsumer(group);
    from(consumer, o.get("from", "first"));
    consumer.setPersistConsumerOffsetInterval(1000);
    consumer.setAwaitTerminationMillisWhenShutdown(5000);
    consumer.setConsumeMessageBatchMaxSize(1);
    int threads = o.intValue("consume-threads", 4);
    consumer.setConsumeThreadMin(threads);
    consumer.setConsumeThreadMax(threads);
    consumer.subscribe(topic, tagExpr);

    AtomicLong received = new AtomicLong();
    AtomicBoolean full = new AtomicBoolean(want == 0);
    CountDownLatch done = new CountDownLatch(1);
    CountDownLatch exiting = new CountDownLatch(1);
    if (want == 0) done.countDown();
    consumer.registerMessageListener((MessageListenerConcurrently) (msgs, ctx) -> {
      MessageQueue mq = ctx.getMessageQueue();
      for (MessageExt m : msgs) {
        synchronized (received) {
          if (!full.get()) {
            Out.line(describe(m, mq, printBody));
            if (received.incrementAndGet() == want) {
              full.set(true);
              done.countDown();
            }
            continue;
          }
        }
        // Enough messages: keep this one unacknowledged so the committed offset stays behind it.
        awaitQuietly(exiting, Long.MAX_VALUE);
      }
      return ConsumeConcurrentlyStatus.CONSUME_SUCCESS;
    });

    // SIGTERM/SIGINT: stop consuming and let the main thread finish the orderly shutdown (final
    // offsets, "stopped" line) before the JVM exits.
    Thread hook = new Thread(() -> {
      done.countDown();
      awaitQuietly(exiting, 60);
    }, "ferry-driver-sigterm");
    Runtime.getRuntime().addShutdownHook(hook);
    if (want < 0) startStdinWatcher(done);

    try {
      return consumeUntilDone(consumer, clients, o, done, received, want, timeoutSeconds, offsetWaitSeconds);
    } finally {
      exiting.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // SIGTERM path: the JVM is exiting anyway.
      }
    }
  }

  private static int consumeUntilDone(DefaultMQPushConsumer consumer, Clients clients, Options o, CountDownLatch done,
      AtomicLong received, long want, int timeoutSeconds, int offsetWaitSeconds) throws Exception {
    String group = consumer.getConsumerGroup();
    String topic = o.get("topic");
    consumer.start();
    Map<String, Object> started = Json.event("started");
    started.put("group", group);
    started.put("topic", topic);
    started.put("clientId", consumer.buildMQClientId());
    Out.line(started);

    boolean inTime = want < 0 ? awaitForever(done) : done.await(timeoutSeconds, TimeUnit.SECONDS);
    consumer.suspend();

    Set<MessageQueue> queues = new HashSet<>(
        consumer.getDefaultMQPushConsumerImpl().getRebalanceImpl().getProcessQueueTable().keySet());
    consumer.shutdown();
    Map<MessageQueue, Long> finalOffsets = new HashMap<>();
    for (MessageQueue mq : queues) {
      long off = consumer.getOffsetStore().readOffset(mq, ReadOffsetType.READ_FROM_MEMORY);
      if (off >= 0) finalOffsets.put(mq, off);
    }
    waitOffsetsVisible(clients, group, finalOffsets, offsetWaitSeconds);

    if (!inTime) {
      Map<String, Object> t = Json.event("timeout");
      t.put("group", group);
      t.put("topic", topic);
      t.put("expected", want);
      t.put("received", received.get());
      t.put("timeoutSeconds", timeoutSeconds);
      Out.line(t);
    }
    Map<String, Object> stopped = Json.event("stopped");
    stopped.put("group", group);
    stopped.put("received", received.get());
    Out.line(stopped);
    return inTime ? Main.EXIT_OK : Main.EXIT_TIMEOUT;
  }

  private static void from(DefaultMQPushConsumer c, String from) {
    if (from.equals("first")) {
      c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_FIRST_OFFSET);
    } else if (from.equals("last")) {
      c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_LAST_OFFSET);
    } else if (from.startsWith("timestamp:")) {
      long ms;
      try {
        ms = Long.parseLong(from.substring("timestamp:".length()));
      } catch (NumberFormatException e) {
        throw new Options.UsageException("--from timestamp:<epoch millis>, got '" + from + "'");
      }
      c.setConsumeFromWhere(ConsumeFromWhere.CONSUME_FROM_TIMESTAMP);
      c.setConsumeTimestamp(UtilAll.timeMillisToHumanString3(ms));
    } else {
      throw new Options.UsageException("--from must be first, last or timestamp:<ms>");
    }
  }

  static Map<String, Object> describe(MessageExt m, MessageQueue mq, boolean printBody) {
    Map<String, Object> e = Json.event("received");
    e.put("msgId", m.getMsgId());
    // The push consumer delivers MessageClientExt: msgId is the client's UNIQ_KEY (falling back to
    // the broker's offset id), offsetMsgId is always the broker-assigned store id.
    e.put("offsetMsgId", m instanceof MessageClientExt c ? c.getOffsetMsgId() : m.getMsgId());
    e.put("topic", m.getTopic());
    e.put("brokerName", mq != null ? mq.getBrokerName() : m.getBrokerName());
    e.put("queueId", m.getQueueId());
    e.put("queueOffset", m.getQueueOffset());
    e.put("keys", m.getKeys());
    e.put("tags", m.getTags());
    e.put("properties", new TreeMap<>(m.getProperties()));
    e.put("bornTimestamp", m.getBornTimestamp());
    e.put("storeTimestamp", m.getStoreTimestamp());
    e.put("reconsumeTimes", m.getReconsumeTimes());
    e.put("flag", m.getFlag());
    e.put("sysFlag", m.getSysFlag());
    byte[] body = m.getBody() == null ? new byte[0] : m.getBody();
    e.put("bodyLength", body.length);
    e.put("bodySha256", Bodies.sha256(body));
    if (printBody) e.put("bodyBase64", Base64.getEncoder().encodeToString(body));
    return e;
  }

  /**
   * The final offset push at shutdown is oneway, so poll the broker (examineConsumeStats) until it
   * shows every queue's final offset. A mismatch at the deadline is reported, not fatal.
   */
  private static void waitOffsetsVisible(Clients clients, String group, Map<MessageQueue, Long> expected, int seconds)
      throws Exception {
    if (expected.isEmpty()) return;
    long deadline = System.currentTimeMillis() + 1000L * seconds;
    DefaultMQAdminExt admin = clients.admin();
    try {
      Map<String, Object> last = new LinkedHashMap<>();
      while (true) {
        last.clear();
        try {
          var stats = admin.examineConsumeStats(group);
          for (Map.Entry<MessageQueue, Long> want : expected.entrySet()) {
            var ow = stats.getOffsetTable().get(want.getKey());
            long have = ow == null ? -1 : ow.getConsumerOffset();
            if (have != want.getValue()) last.put(want.getKey().toString(), have + " != " + want.getValue());
          }
        } catch (Exception e) {
          last.put("error", Clients.describe(e));
        }
        if (last.isEmpty()) return;
        if (System.currentTimeMillis() > deadline) {
          Map<String, Object> w = Json.event("warning");
          w.put("message", "final consumer offsets not visible at the broker within " + seconds + "s");
          w.put("mismatch", last);
          Out.line(w);
          return;
        }
        Thread.sleep(200);
      }
    } finally {
      admin.shutdown();
    }
  }

  private static void startStdinWatcher(CountDownLatch done) {
    Thread t = new Thread(() -> {
      InputStream in = System.in;
      byte[] buf = new byte[256];
      try {
        while (in.read(buf) >= 0) {
          // Only EOF matters.
        }
      } catch (IOException e) {
        // Treat a broken stdin like EOF.
      }
      done.countDown();
    }, "ferry-driver-stdin");
    t.setDaemon(true);
    t.start();
  }

  private static boolean awaitForever(CountDownLatch l) throws InterruptedException {
    l.await();
    return true;
  }

  private static void awaitQuietly(CountDownLatch l, long seconds) {
    try {
      l.await(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
