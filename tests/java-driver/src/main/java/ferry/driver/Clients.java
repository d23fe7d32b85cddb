package ferry.driver;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.rocketmq.acl.common.AclClientRPCHook;
import org.apache.rocketmq.acl.common.SessionCredentials;
import org.apache.rocketmq.client.ClientConfig;
import org.apache.rocketmq.client.consumer.DefaultMQPushConsumer;
import org.apache.rocketmq.client.consumer.rebalance.AllocateMessageQueueAveragely;
import org.apache.rocketmq.client.producer.DefaultMQProducer;
import org.apache.rocketmq.client.producer.TransactionMQProducer;
import org.apache.rocketmq.remoting.RPCHook;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * How the driver talks to one cluster: NameServer address, optional ACL credentials, optional TLS.
 * Every client object gets its own instanceName so no two share an MQClientInstance (which would
 * share one NameServer list and the first creator's settings).
 */
final class Clients {
  private static final AtomicInteger SEQ = new AtomicInteger();
  private static final String PID = String.valueOf(ProcessHandle.current().pid());

  final String namesrv;
  final String accessKey;
  final String secretKey;
  final boolean tls;

  private Clients(String namesrv, String accessKey, String secretKey, boolean tls) {
    this.namesrv = namesrv;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
    this.tls = tls;
  }

  /**
   * Credentials come from --access-key/--secret-key, else from FERRY_ACCESS_KEY/FERRY_SECRET_KEY;
   * --no-acl sends unsigned requests even when the environment has keys. TLS is on with --tls or
   * FERRY_TLS=1, and off with --no-tls.
   */
  static Clients from(Options o) {
    String ns = o.get("namesrv");
    if (ns == null || ns.isBlank()) {
      throw new Options.UsageException("--namesrv is required (the driver never guesses a NameServer)");
    }
    String ak = o.get("access-key", System.getenv("FERRY_ACCESS_KEY"));
    String sk = o.get("secret-key", System.getenv("FERRY_SECRET_KEY"));
    if (o.has("no-acl")) {
      ak = null;
      sk = null;
    }
    if ((ak == null) != (sk == null) || (ak != null && (ak.isEmpty() || sk.isEmpty()))) {
      throw new Options.UsageException("give both an access key and a secret key, or neither");
    }
    boolean tls = o.has("tls") || "1".equals(System.getenv("FERRY_TLS"));
    if (o.has("no-tls")) tls = false;
    return new Clients(ns, ak, sk, tls);
  }

  /** Must run before any RocketMQ class reads its static TLS configuration. */
  static void applyTlsProperty(boolean tls) {
    System.setProperty("tls.enable", String.valueOf(tls));
  }

  RPCHook rpcHook() {
    return accessKey == null ? null : new AclClientRPCHook(new SessionCredentials(accessKey, secretKey));
  }

  private void configure(ClientConfig c, String role) {
    c.setNamesrvAddr(namesrv);
    // Otherwise the first non-loopback address (here eth0) is reported in every clientId.
    c.setClientIP("127.0.0.1");
    c.setInstanceName("ferry-driver-" + role + "-" + PID + "-" + SEQ.incrementAndGet() + "-" + System.nanoTime());
    c.setVipChannelEnabled(false);
    c.setUseTLS(tls);
    c.setPollNameServerInterval(1000);
    // Default 3 s; a 2-core machine running compilers beside the sandbox needs more.
    c.setMqClientApiTimeout(15_000);
  }

  DefaultMQAdminExt admin() throws Exception {
    RPCHook hook = rpcHook();
    DefaultMQAdminExt admin = hook == null ? new DefaultMQAdminExt(15_000) : new DefaultMQAdminExt(hook, 15_000);
    configure(admin, "admin");
    admin.start();
    return admin;
  }

  DefaultMQProducer producer(String group) {
    RPCHook hook = rpcHook();
    DefaultMQProducer p = hook == null ? new DefaultMQProducer(group) : new DefaultMQProducer(group, hook);
    configure(p, "producer");
    p.setSendMsgTimeout(15_000);
    return p;
  }

  TransactionMQProducer transactionProducer(String group) {
    RPCHook hook = rpcHook();
    TransactionMQProducer p = new TransactionMQProducer(group, hook);
    configure(p, "txproducer");
    p.setSendMsgTimeout(15_000);
    return p;
  }

  DefaultMQPushConsumer pushConsumer(String group) {
    DefaultMQPushConsumer c = new DefaultMQPushConsumer(group, rpcHook(), new AllocateMessageQueueAveragely());
    configure(c, "consumer");
    return c;
  }

  /** An idempotent call that may fail transiently (timeouts on a loaded machine). */
  interface Call<T> {
    T call() throws Exception;
  }

  /** Runs an idempotent admin call up to 3 times, 1 s apart, before giving up. */
  static <T> T retry(String what, Call<T> call) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.call();
      } catch (Exception e) {
        if (attempt >= 3 || !isTransient(e)) throw e;
        Out.diag(what + " failed (attempt " + attempt + "/3), retrying: " + describe(e));
        Thread.sleep(1000);
      }
    }
  }

  /** Network-level failures (timeouts, refused or dropped connections), possibly wrapped. */
  static boolean isTransient(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof org.apache.rocketmq.remoting.exception.RemotingException) return true;
    }
    return false;
  }

  static String describe(Throwable t) {
    StringBuilder sb = new StringBuilder();
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (sb.length() > 0) sb.append(" <- ");
      sb.append(c.getClass().getSimpleName()).append(": ").append(c.getMessage());
    }
    return sb.toString();
  }
}
