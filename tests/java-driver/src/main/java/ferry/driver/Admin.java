package ferry.driver;

import java.util.Map;
import java.util.TreeMap;
import org.apache.rocketmq.tools.admin.DefaultMQAdminExt;

/**
 * Admin look-ups shared by commands. Written with {@code var} on purpose: the admin result types
 * (ClusterInfo, TopicRouteData, ConsumeStats, ...) moved from org.apache.rocketmq.common.* in 4.x
 * to org.apache.rocketmq.remoting.protocol.* in 5.x, and the same source must compile against both.
 */
final class Admin {
  private Admin() {}

  /** Broker name → master address for every broker of a cluster, sorted by name. */
  static Map<String, String> masters(DefaultMQAdminExt admin, String cluster) throws Exception {
    var info = Clients.retry("cluster info", admin::examineBrokerClusterInfo);
    var names = info.getClusterAddrTable().get(cluster);
    if (names == null || names.isEmpty()) {
      throw new IllegalStateException("cluster '" + cluster + "' is not known to NameServer " + admin.getNamesrvAddr()
          + " (known: " + info.getClusterAddrTable().keySet() + ")");
    }
    Map<String, String> out = new TreeMap<>();
    for (String name : names) {
      var data = info.getBrokerAddrTable().get(name);
      String addr = data == null ? null : data.getBrokerAddrs().get(0L);
      if (addr == null) throw new IllegalStateException("broker '" + name + "' has no master address");
      out.put(name, addr);
    }
    return out;
  }

  /** Master address of one broker, looked up in the NameServer's cluster table. */
  static String masterAddress(DefaultMQAdminExt admin, String brokerName) throws Exception {
    var info = Clients.retry("cluster info", admin::examineBrokerClusterInfo);
    var data = info.getBrokerAddrTable().get(brokerName);
    String addr = data == null ? null : data.getBrokerAddrs().get(0L);
    if (addr == null) {
      throw new IllegalStateException("broker '" + brokerName + "' is not registered at " + admin.getNamesrvAddr()
          + " (known: " + info.getBrokerAddrTable().keySet() + ")");
    }
    return addr;
  }
}
