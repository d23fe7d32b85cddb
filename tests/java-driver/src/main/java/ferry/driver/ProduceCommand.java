package ferry.driver;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.LocalTransactionState;
import org.apache.rocketmq.client.producer.TransactionListener;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.client.producer.TransactionSendResult;
import org.apache.rocketmq.client.producer.SendCallback;
import org.apache.rocketmq.client.producer.SendResult;
import org.apache.rocketmq.client.producer.SendStatus;
import org.apache.rocketmq.common.message.Message;
import org.apache.rocketmq.common.message.MessageClientIDSetter;
import org.apache.rocketmq.common.message.MessageExt;
import org.apache.rocketmq.common.message.MessageQueue;

/**
 * produce --topic T --count N [--key-prefix K] [--tag TAG] [--prop k=v ...] [--queue Q [--broker B]]
 * [--body-size BYTES] [--body-prefix STR] [--batch B] [--compress-over BYTES] [--group G]
 * [--start-index I] [--delay-level L] [--transaction commit|rollback]
 *
 * <p>Message i (i = start-index .. start-index+N-1) gets key K+i, the tag, the user properties and
 * the body from {@link Bodies#body}. Without --queue, messages (or batches) go round-robin over
 * the topic's write queues sorted by (brokerName, queueId); with --queue, all go to that queue on
 * --broker (default: the first broker name). One "sent" line per message, then "done".
 *
 * <p>Throughput options (bench/send_ratio; none changes the output of a run without them):
 * <ul>
 *   <li>--warmup W: first send W messages (indices start-index .. start-index+W-1, same batching
 *       and queue rotation) that are neither timed nor counted, so the JIT has compiled the send
 *       path before the clock starts; the N measured messages follow from index start-index+W.
 *   <li>--inflight K: send batches asynchronously (send(Collection, MessageQueue, SendCallback)),
 *       at most K in flight and at most one per queue, so each queue's order is kept. Without it
 *       every send is synchronous, one at a time (the standard mode).
 *   <li>--rate R: pace the sends so that message k (counted from the first of the run, warm-up
 *       and measured part each paced from their own start) is not sent before k / R seconds;
 *       for steady-rate latency runs (bench/replication_ratio --latency). The achieved rate is
 *       lower when the sends cannot keep up.
 *   <li>--quiet: no "sent" (or "warmup") lines; only the final "done" line, which then also
 *       carries elapsedNs, cpuNs (CPU time of the whole JVM during the measured part: all threads,
 *       JIT and GC included), warmupSent, warmupMs and inflight. Printing and hashing every
 *       message would otherwise dominate a throughput measurement.
 * </ul>
 * With any of them the "done" line carries those extra fields; elapsedMs stays the measured part.
 *
 * <p>Special messages (the replication tests check that each arrives as it should):
 * <ul>
 *   <li>--delay-level L: scheduled messages (Message.setDelayTimeLevel; level 3 = 10 s on a
 *       default broker). The broker parks them in SCHEDULE_TOPIC_XXXX and puts them into the topic
 *       when due.
 *   <li>--transaction commit|rollback: transactional messages, one by one through a
 *       TransactionMQProducer whose local transaction answers COMMIT_MESSAGE or ROLLBACK_MESSAGE
 *       (and its check answers the same). Committed ones reach the topic; rolled-back ones never
 *       do. No --queue, --batch or --inflight with it (the transactional producer picks the queue).
 *       "sent" lines carry "transaction": the local state, and the half message's position.
 * </ul>
 */
final class ProduceCommand implements Main.Command {
  @Override
  public Set<String> options() {
    return Set.of("topic", "count", "key-prefix", "tag", "prop", "queue", "broker", "body-size", "body-prefix",
        "batch", "compress-over", "group", "start-index", "warmup", "inflight", "quiet", "delay-level",
        "transaction", "rate");
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

    long warmup = o.longValue("warmup", 0);
    int inflight = o.intValue("inflight", 0);
    boolean quiet = o.has("quiet");
    boolean extended = quiet || o.has("warmup") || o.has("inflight") || o.has("rate");
    if (warmup < 0 || inflight < 0) throw new Options.UsageException("--warmup and --inflight must be >= 0");
    int delayLevel = o.intValue("delay-level", 0);
    if (delayLevel < 0) throw new Options.UsageException("--delay-level must be >= 0");
    double rate = o.has("rate") ? Double.parseDouble(o.get("rate")) : 0;
    if (o.has("rate") && !(rate > 0)) throw new Options.UsageException("--rate must be > 0");
    Batches batches = new Batches(topic, tag, keyPrefix, bodyPrefix, bodySize, batch, o.has("batch"), props,
        delayLevel);
    batches.rate = rate;
    if (o.has("transaction")) {
      if (o.has("queue") || o.has("batch") || o.has("inflight") || o.has("warmup") || o.has("rate")) {
        throw new Options.UsageException("--transaction sends one message at a time: no --queue, --batch, --inflight, --warmup or --rate");
      }
      return produceTransactional(o, clients, batches, start, count, quiet);
    }

    DefaultMQProducer producer = clients.producer(o.get("group", "ferry_driver_producer"));
    if (o.has("compress-over")) producer.setCompressMsgBodyOverHowmuch(o.intValue("compress-over", 4096));
    producer.start();
    try {
      List<MessageQueue> targets = targets(producer, topic, o);
      long warmupNs = 0;
      if (warmup > 0) {
        long t0 = System.nanoTime();
        batches.send(producer, targets, start, warmup, inflight, false);
        warmupNs = System.nanoTime() - t0;
        if (!quiet) {
          Map<String, Object> w = Json.event("warmup");
          w.put("sent", warmup);
          w.put("elapsedMs", warmupNs / 1_000_000);
          Out.line(w);
        }
      }
      long began = System.currentTimeMillis();
      long beganNs = System.nanoTime();
      long beganCpuNs = processCpuNs();
      long sent = batches.send(producer, targets, start + warmup, count, inflight, !quiet);
      long elapsedNs = System.nanoTime() - beganNs;
      long cpuNs = processCpuNs() - beganCpuNs;
      Map<String, Object> done = Json.event("done");
      done.put("sent", sent);
      done.put("elapsedMs", System.currentTimeMillis() - began);
      if (extended) {
        done.put("elapsedNs", elapsedNs);
        done.put("cpuNs", cpuNs);
        done.put("warmupSent", warmup);
        done.put("warmupMs", warmupNs / 1_000_000);
        done.put("inflight", inflight == 0 ? 1 : Math.min(inflight, targets.size()));
      }
      Out.line(done);
      return Main.EXIT_OK;
    } finally {
      producer.shutdown();
    }
  }

  private static int produceTransactional(Options o, Clients clients, Batches batches, long start, long count,
      boolean quiet) throws Exception {
    String mode = o.required("transaction");
    LocalTransactionState state = switch (mode) {
      case "commit" -> LocalTransactionState.COMMIT_MESSAGE;
      case "rollback" -> LocalTransactionState.ROLLBACK_MESSAGE;
      default -> throw new Options.UsageException("--transaction wants commit or rollback, got '" + mode + "'");
    };
    TransactionMQProducer producer = clients.transactionProducer(o.get("group", "ferry_driver_tx_producer"));
    producer.setTransactionListener(new TransactionListener() {
      @Override
      public LocalTransactionState executeLocalTransaction(Message msg, Object arg) {
        return state;
      }

      @Override
      public LocalTransactionState checkLocalTransaction(MessageExt msg) {
        return state;
      }
    });
    producer.start();
    try {
      long began = System.currentTimeMillis();
      long sent = 0;
      for (long i = start; i < start + count; i++) {
        Message m = batches.build(i, 1).get(0);
        TransactionSendResult r = producer.sendMessageInTransaction(m, null);
        if (r.getSendStatus() != SendStatus.SEND_OK || r.getLocalTransactionState() != state) {
          throw new IllegalStateException("transactional send of message " + i + " returned " + r.getSendStatus()
              + " / " + r.getLocalTransactionState());
        }
        if (!quiet) {
          Map<String, Object> e = Json.event("sent");
          e.put("index", i);
          e.put("msgId", MessageClientIDSetter.getUniqID(m));
          e.put("transaction", r.getLocalTransactionState().name());
          e.put("topic", m.getTopic());
          e.put("brokerName", r.getMessageQueue().getBrokerName());
          e.put("queueId", r.getMessageQueue().getQueueId());
          e.put("keys", m.getKeys());
          e.put("tags", m.getTags());
          e.put("bodyLength", m.getBody().length);
          e.put("bodySha256", Bodies.sha256(m.getBody()));
          Out.line(e);
        }
        sent++;
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

  /** CPU time of the whole JVM so far, or -1 where the platform does not report it. */
  private static long processCpuNs() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime() : -1;
  }

  /** Builds and sends messages; remembers the queue rotation across calls (warm-up, then measured). */
  private static final class Batches {
    final String topic;
    final String tag;
    final String keyPrefix;
    final String bodyPrefix;
    final int bodySize;
    final int batch;
    final boolean asBatch;
    final Map<String, String> props;
    final int delayLevel;
    int round = 0;
    double rate = 0;  // messages per second; 0: as fast as possible

    /** With --rate: waits until message `done` (counted from `beganNs`) is due. */
    void pace(long beganNs, long done) {
      if (rate <= 0) return;
      long due = beganNs + (long) (done * 1e9 / rate);
      for (long now = System.nanoTime(); now < due; now = System.nanoTime()) {
        java.util.concurrent.locks.LockSupport.parkNanos(due - now);
      }
    }

    Batches(String topic, String tag, String keyPrefix, String bodyPrefix, int bodySize, int batch, boolean asBatch,
        Map<String, String> props, int delayLevel) {
      this.topic = topic;
      this.tag = tag;
      this.keyPrefix = keyPrefix;
      this.bodyPrefix = bodyPrefix;
      this.bodySize = bodySize;
      this.batch = batch;
      this.asBatch = asBatch;
      this.props = props;
      this.delayLevel = delayLevel;
    }

    List<Message> build(long first, int n) {
      List<Message> msgs = new ArrayList<>(n);
      for (int k = 0; k < n; k++) {
        long idx = first + k;
        Message m = new Message(topic, Bodies.body(bodyPrefix, idx, bodySize));
        if (tag != null) m.setTags(tag);
        if (keyPrefix != null) m.setKeys(keyPrefix + idx);
        props.forEach(m::putUserProperty);
        if (delayLevel > 0) m.setDelayTimeLevel(delayLevel);
        msgs.add(m);
      }
      return msgs;
    }

    /** Sends messages first .. first+count-1; returns how many were sent. */
    long send(DefaultMQProducer producer, List<MessageQueue> targets, long first, long count, int inflight,
        boolean print) throws Exception {
      return inflight > 0 ? sendAsync(producer, targets, first, count, inflight, print)
          : sendSync(producer, targets, first, count, print);
    }

    private long sendSync(DefaultMQProducer producer, List<MessageQueue> targets, long first, long count,
        boolean print) throws Exception {
      long sent = 0;
      long beganNs = System.nanoTime();
      for (long i = first; i < first + count; ) {
        int n = (int) Math.min(batch, first + count - i);
        pace(beganNs, i - first);
        List<Message> msgs = build(i, n);
        MessageQueue mq = targets.get(round++ % targets.size());
        SendResult r = asBatch ? producer.send(msgs, mq) : producer.send(msgs.get(0), mq);
        if (r.getSendStatus() != SendStatus.SEND_OK) {
          throw new IllegalStateException("send to " + mq + " returned " + r.getSendStatus());
        }
        if (print) printSent(i, msgs, r);
        sent += n;
        i += n;
      }
      return sent;
    }

    private long sendAsync(DefaultMQProducer producer, List<MessageQueue> targets, long first, long count,
        int inflight, boolean print) throws Exception {
      Semaphore total = new Semaphore(inflight);
      Map<MessageQueue, Semaphore> perQueue = new HashMap<>();
      for (MessageQueue mq : targets) perQueue.put(mq, new Semaphore(1));
      AtomicReference<Throwable> failure = new AtomicReference<>();
      long sent = 0;
      long beganNs = System.nanoTime();
      for (long i = first; i < first + count && failure.get() == null; ) {
        int n = (int) Math.min(batch, first + count - i);
        pace(beganNs, i - first);
        List<Message> msgs = build(i, n);
        MessageQueue mq = targets.get(round++ % targets.size());
        Semaphore queueSlot = perQueue.get(mq);
        queueSlot.acquire();
        total.acquire();
        long index = i;
        SendCallback callback = new SendCallback() {
          @Override
          public void onSuccess(SendResult r) {
            try {
              if (r.getSendStatus() != SendStatus.SEND_OK) {
                failure.compareAndSet(null, new IllegalStateException("send to " + mq + " returned " + r.getSendStatus()));
              } else if (print) {
                printSent(index, msgs, r);
              }
            } finally {
              total.release();
              queueSlot.release();
            }
          }

          @Override
          public void onException(Throwable e) {
            failure.compareAndSet(null, e);
            total.release();
            queueSlot.release();
          }
        };
        if (asBatch) {
          producer.send(msgs, mq, callback);
        } else {
          producer.send(msgs.get(0), mq, callback);
        }
        sent += n;
        i += n;
      }
      total.acquire(inflight);  // every callback has run
      total.release(inflight);
      Throwable t = failure.get();
      if (t instanceof Exception e) throw e;
      if (t != null) throw new IllegalStateException(t);
      return sent;
    }

    private void printSent(long first, List<Message> msgs, SendResult r) {
      String[] offsetIds = r.getOffsetMsgId() == null ? new String[0] : r.getOffsetMsgId().split(",");
      for (int k = 0; k < msgs.size(); k++) {
        Message m = msgs.get(k);
        Map<String, Object> e = Json.event("sent");
        e.put("index", first + k);
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
