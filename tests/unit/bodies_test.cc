#include "ferry/codec/bodies.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "ferry/codec/fastjson.h"

namespace ferry::codec {
namespace {

std::string fixture(const std::string& name) {
  std::ifstream in(std::string(FERRY_TESTDATA_DIR) + "/bodies/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

MessageQueue mq(std::string topic, std::string broker, int q) {
  return MessageQueue{std::move(topic), std::move(broker), QueueId(q)};
}

TEST(Bodies, JavaStringHashCode) {
  EXPECT_EQ(javaStringHashCode(""), 0);
  EXPECT_EQ(javaStringHashCode("TagA"), 2598919);
  EXPECT_EQ(javaStringHashCode("hello world long tag name"), 1759375385);  // wraps around
  EXPECT_EQ(javaStringHashCode("\xE4\xB8\xAD\xE6\x96\x87"), 646394);       // 中文
  EXPECT_EQ(javaStringHashCode("\xF0\x9F\x98\x80"), 1772899);              // surrogate pair
}

TEST(Bodies, MessageQueueKeyRoundTrip) {
  const MessageQueue q = mq("T", "broker-a", 3);
  EXPECT_EQ(messageQueueKey(q), R"({"brokerName":"broker-a","queueId":3,"topic":"T"})");
  auto back = parseMessageQueueKey(messageQueueKey(q));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, q);
  EXPECT_FALSE(parseMessageQueueKey("0"));
  EXPECT_FALSE(parseMessageQueueKey(R"({"brokerName":"b","topic":"T"})"));
}

TEST(Bodies, TopicRouteStandard) {
  auto route = TopicRouteData::fromJson(fixture("route_standard.json"));
  ASSERT_TRUE(route) << route.error().toString();
  ASSERT_EQ(route->broker_datas.size(), 2U);
  const BrokerData* a = route->findBroker("broker-a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->masterAddr(), "10.0.0.1:10911");
  EXPECT_EQ(a->broker_addrs.at(1), "10.0.0.2:10911");
  EXPECT_EQ(route->findBroker("broker-b")->zone_name, "zone-1");
  const QueueData* qb = route->findQueueData("broker-b");
  ASSERT_NE(qb, nullptr);
  EXPECT_EQ(qb->read_queue_nums, 8);
  EXPECT_EQ(qb->write_queue_nums, 2);
  EXPECT_EQ(qb->perm, kPermRead);
  EXPECT_EQ(route->findBroker("nope"), nullptr);
  // Our own standard form parses back to the same route.
  auto again = TopicRouteData::fromJson(route->toJson());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->toJson(), route->toJson());
}

TEST(Bodies, TopicRouteNonStandardKeys) {
  auto route = TopicRouteData::fromJson(fixture("route_nonstandard.json"));
  ASSERT_TRUE(route) << route.error().toString();
  ASSERT_EQ(route->broker_datas.size(), 1U);
  EXPECT_EQ(route->broker_datas[0].masterAddr(), "10.0.0.1:10911");
  EXPECT_FALSE(route->broker_datas[0].enable_acting_master);  // 4.9 has no such field
  EXPECT_EQ(route->queue_datas[0].topic_sys_flag, 0);  // 4.9's misspelled "topicSynFlag" ignored
}

TEST(Bodies, TopicRouteErrorsNameTheField) {
  auto bad = TopicRouteData::fromJson(R"({"queueDatas":[{"brokerName":"b","perm":"6"}]})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, Errc::kMalformed);
  EXPECT_EQ(bad.error().message, "TopicRouteData: queueDatas[0].perm: expected an integer");
  auto bad_id = TopicRouteData::fromJson(R"({"brokerDatas":[{"brokerAddrs":{"x":"a"}}]})");
  ASSERT_FALSE(bad_id);
  EXPECT_EQ(bad_id.error().message,
            "TopicRouteData: brokerDatas[0].brokerAddrs[x]: broker id is not an integer");
  auto not_json = TopicRouteData::fromJson("{\"queueDatas\":[");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().message,
            "TopicRouteData: fastjson: unexpected end of input at byte 15");
  auto array = TopicRouteData::fromJson("[]");
  ASSERT_FALSE(array);
  EXPECT_EQ(array.error().message, "TopicRouteData: expected a JSON object");
}

TEST(Bodies, ClusterInfoAlwaysNonStandard) {
  auto info = ClusterInfo::fromJson(fixture("cluster_info.json"));
  ASSERT_TRUE(info) << info.error().toString();
  EXPECT_EQ(info->cluster_addr_table.at("DefaultCluster"),
            (std::vector<std::string>{"broker-a", "broker-b"}));
  EXPECT_EQ(info->broker_addr_table.at("broker-a").masterAddr(), "10.0.0.1:10911");
  EXPECT_FALSE(info->broker_addr_table.at("broker-b").masterAddr());  // only a slave left
  // toJson writes fastjson's bare keys and parses back.
  const std::string text = info->toJson();
  EXPECT_NE(text.find(R"("brokerAddrs":{0:"10.0.0.1:10911",1:"10.0.0.2:10911"})"),
            std::string::npos)
      << text;
  auto again = ClusterInfo::fromJson(text);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->toJson(), text);
}

TEST(Bodies, TopicLists) {
  auto list = TopicList::fromJson(fixture("topic_list.json"));
  ASSERT_TRUE(list);
  EXPECT_EQ(list->topics.size(), 10U);
  EXPECT_TRUE(std::is_sorted(list->topics.begin(), list->topics.end()));
  EXPECT_FALSE(list->broker_addr);
  auto by_consumer = TopicList::fromJson(fixture("topics_by_consumer.json"));
  ASSERT_TRUE(by_consumer);
  EXPECT_EQ(by_consumer->broker_addr, "10.0.0.1:10911");
  EXPECT_EQ(by_consumer->topics, (std::vector<std::string>{"%RETRY%G1", "orders"}));
  auto empty = TopicList::fromJson("{}");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->topics.empty());
}

TEST(Bodies, TopicConfigWrapper) {
  auto w = TopicConfigSerializeWrapper::fromJson(fixture("topic_config_wrapper.json"));
  ASSERT_TRUE(w) << w.error().toString();
  EXPECT_EQ(w->data_version.counter, 7);
  EXPECT_EQ(w->data_version.timestamp, 1700000000123);
  const TopicConfig& orders = w->topic_config_table.at("orders");
  EXPECT_EQ(orders.read_queue_nums, 4);
  EXPECT_EQ(orders.attributes.at("message.type"), "NORMAL");
  EXPECT_EQ(orders.attributesHeader(), "+message.type=NORMAL");
  EXPECT_FALSE(w->topic_config_table.at("%RETRY%G1").attributesHeader());
}

TEST(Bodies, TopicConfigKeepsUnknownFields) {
  auto t = TopicConfig::fromJson(R"({"topicName":"T","readQueueNums":2,"futureField":{"x":1}})");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->write_queue_nums, 16);  // Java default
  auto back = parseFastjson(t->toJson());
  ASSERT_TRUE(back);
  EXPECT_EQ((*back)["futureField"]["x"], 1);
  EXPECT_EQ((*back)["readQueueNums"], 2);
  EXPECT_EQ((*back)["topicFilterType"], "SINGLE_TAG");
}

TEST(Bodies, SubscriptionGroups) {
  auto w = SubscriptionGroupWrapper::fromJson(fixture("subscription_group_wrapper.json"));
  ASSERT_TRUE(w) << w.error().toString();
  ASSERT_EQ(w->subscription_group_table.size(), 2U);
  const auto& g1 = w->subscription_group_table.at("G1");
  EXPECT_EQ(g1.retry_max_times, 16);
  EXPECT_EQ(g1.consume_timeout_minute, 15);
  EXPECT_EQ(g1.extra.at("groupRetryPolicy").at("type"), "CUSTOMIZED");
  // Copying to another cluster keeps the retry policy.
  auto written = parseFastjson(g1.toJson());
  ASSERT_TRUE(written);
  EXPECT_EQ((*written)["groupRetryPolicy"]["type"], "CUSTOMIZED");
  EXPECT_EQ((*written)["groupName"], "G1");
  auto again = SubscriptionGroupConfig::fromJson(g1.toJson());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->toJson(), g1.toJson());
  // 4.9 groups lack the 5.x fields: Java defaults apply.
  const auto& tools = w->subscription_group_table.at("TOOLS_CONSUMER");
  EXPECT_FALSE(tools.consume_message_orderly);
  EXPECT_EQ(tools.consume_timeout_minute, 15);
}

TEST(Bodies, SubscriptionDataBuild) {
  auto all = SubscriptionData::build("T", "*", 5);
  EXPECT_EQ(all.sub_string, "*");
  EXPECT_TRUE(all.tags_set.empty());
  EXPECT_TRUE(SubscriptionData::build("T", "", 5).tags_set.empty());
  auto tags = SubscriptionData::build("T", " TagA || TagB ||  || TagA", 5);
  EXPECT_EQ(tags.sub_string, "TagA || TagB ||  || TagA");
  EXPECT_EQ(tags.tags_set, (std::vector<std::string>{"TagA", "TagB"}));
  EXPECT_EQ(tags.code_set, (std::vector<std::int32_t>{2598919, 2598920}));
}

TEST(Bodies, ConsumerConnection) {
  auto cc = ConsumerConnection::fromJson(fixture("consumer_connection.json"));
  ASSERT_TRUE(cc) << cc.error().toString();
  ASSERT_EQ(cc->connection_set.size(), 2U);
  EXPECT_EQ(cc->connection_set[0].client_id, "10.0.0.5@12345#1700000000000");
  EXPECT_EQ(cc->connection_set[0].language, "JAVA");
  EXPECT_EQ(cc->connection_set[1].version, 333);
  EXPECT_EQ(cc->consume_type, "CONSUME_PASSIVELY");
  EXPECT_EQ(cc->message_model, "CLUSTERING");
  const auto& sub = cc->subscription_table.at("orders");
  EXPECT_EQ(sub.tags_set, (std::vector<std::string>{"TagA", "TagB"}));
  EXPECT_EQ(sub.code_set,
            (std::vector<std::int32_t>{javaStringHashCode("TagA"), javaStringHashCode("TagB")}));
  EXPECT_TRUE(cc->subscription_table.contains("%RETRY%G1"));
  auto again = ConsumerConnection::fromJson(cc->toJson());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->toJson(), cc->toJson());
}

TEST(Bodies, ConsumeStatsObjectKeys) {
  auto stats = ConsumeStats::fromJson(fixture("consume_stats.json"));
  ASSERT_TRUE(stats) << stats.error().toString();
  ASSERT_EQ(stats->offset_table.size(), 3U);
  const auto& w = stats->offset_table.at(mq("orders", "broker-a", 0));
  EXPECT_EQ(w.broker_offset, QueueOffset(100));
  EXPECT_EQ(w.consumer_offset, QueueOffset(90));
  EXPECT_EQ(w.pull_offset, QueueOffset(95));
  EXPECT_EQ(w.last_timestamp, StoreTime::fromMillis(1700000000000));
  EXPECT_DOUBLE_EQ(stats->consume_tps, 1.5);
  EXPECT_EQ(stats->totalDiff(), 10 + 0 + 7);
  auto again = ConsumeStats::fromJson(stats->toJson());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->toJson(), stats->toJson());
}

TEST(Bodies, ConsumeStatsFrom49HasNoPullOffset) {
  auto stats = ConsumeStats::fromJson(fixture("consume_stats_49.json"));
  ASSERT_TRUE(stats) << stats.error().toString();
  const auto& w = stats->offset_table.at(mq("GoLang", "broker-b", 2));
  EXPECT_EQ(w.consumer_offset, QueueOffset(9100));
  EXPECT_EQ(w.pull_offset, QueueOffset(0));
}

TEST(Bodies, ConsumeStatsBadKey) {
  auto bad = ConsumeStats::fromJson(R"({"offsetTable":{0:{"brokerOffset":1}}})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "ConsumeStats: offsetTable[0]: map key is not a MessageQueue object");
  auto bad_value = ConsumeStats::fromJson(
      R"({"offsetTable":{{"brokerName":"b","queueId":0,"topic":"T"}:{"brokerOffset":"x"}}})");
  ASSERT_FALSE(bad_value);
  EXPECT_EQ(
      bad_value.error().message,
      R"(ConsumeStats: offsetTable[{"brokerName":"b","queueId":0,"topic":"T"}].brokerOffset: expected an integer)");
}

TEST(Bodies, ResetOffsetBodyBothForms) {
  for (const char* name : {"reset_offset_java.json", "reset_offset_cpp.json"}) {
    auto body = ResetOffsetBody::fromJson(fixture(name));
    ASSERT_TRUE(body) << name << ": " << body.error().toString();
    EXPECT_EQ(body->offset_table.size(), 2U) << name;
    EXPECT_EQ(body->offset_table.at(mq("orders", "broker-a", 0)), QueueOffset(42)) << name;
    EXPECT_EQ(body->offset_table.at(mq("orders", "broker-a", 3)), QueueOffset(7)) << name;
  }
  ResetOffsetBody b;
  b.offset_table[mq("T", "b", 1)] = QueueOffset(5);
  EXPECT_EQ(b.toJson(), R"({"offsetTable":{{"brokerName":"b","queueId":1,"topic":"T"}:5}})");
  auto empty = ResetOffsetBody::fromJson(R"({"offsetTable":{}})");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->offset_table.empty());
}

TEST(Bodies, ConsumerRunningInfo) {
  auto info = ConsumerRunningInfo::fromJson(fixture("consumer_running_info.json"));
  ASSERT_TRUE(info) << info.error().toString();
  EXPECT_EQ(info->properties.at(std::string(kPropConsumeType)), "CONSUME_PASSIVELY");
  ASSERT_EQ(info->mq_table.size(), 2U);
  const auto& p = info->mq_table.at(mq("orders", "broker-a", 1));
  EXPECT_EQ(p.last_pull_timestamp, 1700000002500);
  EXPECT_EQ(p.last_consume_timestamp, 1700000001500);
  EXPECT_EQ(p.cached_msg_count, 2);
  ASSERT_EQ(info->subscription_set.size(), 1U);
  EXPECT_EQ(info->subscription_set[0].topic, "orders");
  EXPECT_DOUBLE_EQ(info->status_table.at("orders").consume_ok_tps, 1.25);
  EXPECT_EQ(info->jstack, "");
  // Written in fastjson form (object keys), and parses back to the same thing.
  const std::string text = info->toJson();
  EXPECT_NE(text.find(R"("mqTable":{{"brokerName":"broker-a","queueId":0,"topic":"orders"}:{)"),
            std::string::npos)
      << text;
  auto again = ConsumerRunningInfo::fromJson(text);
  ASSERT_TRUE(again) << again.error().toString();
  EXPECT_EQ(again->toJson(), text);
}

TEST(Bodies, ConsumerRunningInfoEmptyMqTable) {
  ConsumerRunningInfo info;
  info.properties["PROP_CONSUME_TYPE"] = "CONSUME_ACTIVELY";
  const std::string text = info.toJson();
  EXPECT_EQ(text.rfind(R"({"mqTable":{},)", 0), 0U) << text;
  EXPECT_TRUE(ConsumerRunningInfo::fromJson(text));
}

TEST(Bodies, HeartbeatDataWeSend) {
  HeartbeatData hb;
  hb.client_id = "10.0.0.9@ferry-task1";
  ConsumerData cd;
  cd.group_name = "FERRY_task1";
  cd.subscription_data_set.push_back(
      SubscriptionData::build("orders", "TagA || TagB", 1700000000000));
  hb.consumer_data_set.push_back(cd);
  hb.producer_data_set.push_back(ProducerData{"FERRY_P"});
  EXPECT_EQ(
      hb.toJson(),
      R"({"clientID":"10.0.0.9@ferry-task1","consumerDataSet":[{"consumeFromWhere":"CONSUME_FROM_LAST_OFFSET",)"
      R"("consumeType":"CONSUME_ACTIVELY","groupName":"FERRY_task1","messageModel":"CLUSTERING",)"
      R"("subscriptionDataSet":[{"classFilterMode":false,"codeSet":[2598919,2598920],"expressionType":"TAG",)"
      R"("subString":"TagA || TagB","subVersion":1700000000000,"tagsSet":["TagA","TagB"],"topic":"orders"}],)"
      R"("unitMode":false}],"heartbeatFingerprint":0,"producerDataSet":[{"groupName":"FERRY_P"}],"withoutSub":false})");
  auto back = HeartbeatData::fromJson(hb.toJson());
  ASSERT_TRUE(back);
  EXPECT_EQ(back->toJson(), hb.toJson());
}

TEST(Bodies, TopicStats) {
  auto stats = TopicStatsTable::fromJson(fixture("topic_stats.json"));
  ASSERT_TRUE(stats) << stats.error().toString();
  ASSERT_EQ(stats->offset_table.size(), 2U);
  EXPECT_EQ(stats->offset_table.at(mq("orders", "broker-a", 0)).max_offset, QueueOffset(100));
  EXPECT_EQ(stats->topic_put_tps, 0.0);
  auto again = TopicStatsTable::fromJson(stats->toJson());
  ASSERT_TRUE(again);
  EXPECT_EQ(again->toJson(), stats->toJson());
  auto old = TopicStatsTable::fromJson(R"({"offsetTable":{}})");
  ASSERT_TRUE(old);
  EXPECT_FALSE(old->topic_put_tps);
}

TEST(Bodies, SmallLists) {
  auto groups = GroupList::fromJson(fixture("group_list.json"));
  ASSERT_TRUE(groups);
  EXPECT_EQ(groups->groups, (std::vector<std::string>{"G1", "G2"}));
  auto ids = ConsumerIdList::fromJson(fixture("consumer_id_list.json"));
  ASSERT_TRUE(ids);
  EXPECT_EQ(ids->consumer_ids.size(), 2U);
  auto kv = KVTable::fromJson(fixture("kv_table.json"));
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->table.at("brokerVersionDesc"), "V5_3_3");
  auto bad = GroupList::fromJson(R"({"groupList":[1]})");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "GroupList: groupList[0]: expected a string");
}

TEST(Bodies, BrokerConfigText) {
  auto config = parseBrokerConfig(fixture("broker_config.txt"));
  EXPECT_EQ(config.at("useServerSideResetOffset"), "true");
  EXPECT_EQ(config.at("namesrvAddr"), "127.0.0.1:9876;127.0.0.1:9877");
  EXPECT_EQ(config.at("emptyValue"), "");
  auto odd = parseBrokerConfig("# comment\r\n a=b=c\r\nnoequals\n=x\n");
  EXPECT_EQ(odd.size(), 1U);
  EXPECT_EQ(odd.at("a"), "b=c");
}

// ---- bodies captured from a real RocketMQ 5.3.3 sandbox (tests/testdata/bodies/real-5.3.3) ----

std::string real(const std::string& name) {
  return fixture("real-5.3.3/" + name);
}

TEST(RealBroker533, RoutesStandardAndNonStandardAgree) {
  auto standard = TopicRouteData::fromJson(real("real_route_standard.json"));
  auto legacy = TopicRouteData::fromJson(real("real_route_v333.json"));  // asked with version 333
  ASSERT_TRUE(standard) << standard.error().toString();
  ASSERT_TRUE(legacy) << legacy.error().toString();
  EXPECT_NE(real("real_route_v333.json").find("{0:\""), std::string::npos)
      << "the old form has bare keys";
  EXPECT_EQ(standard->toJson(), legacy->toJson());
  EXPECT_EQ(standard->broker_datas[0].masterAddr(), "127.0.0.1:11411");
  EXPECT_EQ(standard->queue_datas[0].read_queue_nums, 4);
}

TEST(RealBroker533, ClusterInfoAndTopicLists) {
  auto info = ClusterInfo::fromJson(real("real_cluster_info.json"));
  ASSERT_TRUE(info) << info.error().toString();
  EXPECT_EQ(info->cluster_addr_table.at("SourceCluster"),
            std::vector<std::string>{"source-broker-a"});
  EXPECT_EQ(info->broker_addr_table.at("source-broker-a").masterAddr(), "127.0.0.1:11411");
  auto all = TopicList::fromJson(real("real_topic_list.json"));
  ASSERT_TRUE(all);
  EXPECT_TRUE(std::find(all->topics.begin(), all->topics.end(), "ferry-demo-orders")
              != all->topics.end());
  auto by_cluster = TopicList::fromJson(real("real_topics_by_cluster.json"));
  ASSERT_TRUE(by_cluster);
  auto by_consumer = TopicList::fromJson(real("real_topics_by_consumer.json"));
  ASSERT_TRUE(by_consumer);
  EXPECT_EQ(by_consumer->broker_addr, "127.0.0.1:11411");
  EXPECT_EQ(by_consumer->topics,
            (std::vector<std::string>{"%RETRY%ferry-demo-live", "ferry-demo-orders"}));
}

TEST(RealBroker533, TopicAndGroupConfigs) {
  auto topics = TopicConfigSerializeWrapper::fromJson(real("real_all_topic_config.json"));
  ASSERT_TRUE(topics) << topics.error().toString();
  const auto& orders = topics->topic_config_table.at("ferry-demo-orders");
  EXPECT_EQ(orders.read_queue_nums, 4);
  EXPECT_EQ(orders.perm, 6);
  EXPECT_GT(topics->data_version.counter, 0);
  auto groups = SubscriptionGroupWrapper::fromJson(real("real_all_subscription_groups.json"));
  ASSERT_TRUE(groups) << groups.error().toString();
  EXPECT_TRUE(groups->subscription_group_table.contains("ferry-demo-g1"));
  auto one = SubscriptionGroupConfig::fromJson(real("real_subscription_group.json"));
  ASSERT_TRUE(one);
  EXPECT_EQ(one->group_name, "ferry-demo-g1");
  EXPECT_EQ(one->extra.at("groupRetryPolicy").at("type"), "CUSTOMIZED");
  // What we would send back keeps every field the broker gave us.
  auto resent = parseFastjson(one->toJson());
  auto original = parseFastjson(real("real_subscription_group.json"));
  ASSERT_TRUE(resent && original);
  EXPECT_EQ(*resent, *original);
}

TEST(RealBroker533, ConsumerState) {
  auto cc = ConsumerConnection::fromJson(real("real_consumer_connection.json"));
  ASSERT_TRUE(cc) << cc.error().toString();
  ASSERT_EQ(cc->connection_set.size(), 1U);
  EXPECT_EQ(cc->connection_set[0].language, "JAVA");
  EXPECT_EQ(cc->connection_set[0].version, 479);
  const auto& sub = cc->subscription_table.at("ferry-demo-orders");
  EXPECT_EQ(sub.tags_set, (std::vector<std::string>{"TagA", "TagB"}));
  // The broker's codeSet is exactly Java's String.hashCode of each tag.
  EXPECT_EQ(sub.code_set, SubscriptionData::build("ferry-demo-orders", sub.sub_string, 0).code_set);

  auto stats = ConsumeStats::fromJson(real("real_consume_stats.json"));
  ASSERT_TRUE(stats) << stats.error().toString();
  ASSERT_EQ(stats->offset_table.size(), 4U);
  const auto& q0 =
      stats->offset_table.at(MessageQueue{"ferry-demo-orders", "source-broker-a", QueueId(0)});
  EXPECT_EQ(q0.broker_offset, QueueOffset(25));
  EXPECT_EQ(q0.consumer_offset, QueueOffset(6));
  EXPECT_EQ(stats->totalDiff(), 45);
  auto all_topics = ConsumeStats::fromJson(real("real_consume_stats_all_topics.json"));
  ASSERT_TRUE(all_topics) << all_topics.error().toString();

  auto ids = ConsumerIdList::fromJson(real("real_consumer_id_list.json"));
  ASSERT_TRUE(ids);
  EXPECT_EQ(ids->consumer_ids.size(), 1U);
  auto groups = GroupList::fromJson(real("real_groups_consuming.json"));
  ASSERT_TRUE(groups);
  EXPECT_TRUE(std::find(groups->groups.begin(), groups->groups.end(), "ferry-demo-g1")
              != groups->groups.end());
}

TEST(RealBroker533, RunningInfoOfAJavaPushConsumer) {
  auto info = ConsumerRunningInfo::fromJson(real("real_consumer_running_info.json"));
  ASSERT_TRUE(info) << info.error().toString();
  EXPECT_EQ(info->properties.at("PROP_CONSUME_TYPE"), "CONSUME_PASSIVELY");
  EXPECT_EQ(info->mq_table.size(), 5U);  // 4 queues + the retry queue
  const auto& pq =
      info->mq_table.at(MessageQueue{"ferry-demo-orders", "source-broker-a", QueueId(0)});
  EXPECT_EQ(pq.commit_offset, QueueOffset(25));
  EXPECT_GT(pq.last_pull_timestamp, 0);
  EXPECT_GT(pq.last_consume_timestamp, 0);
  EXPECT_FALSE(info->subscription_set.empty());
  EXPECT_TRUE(info->status_table.contains("ferry-demo-orders"));
}

TEST(RealBroker533, TopicStatsRuntimeInfoAndConfig) {
  auto stats = TopicStatsTable::fromJson(real("real_topic_stats.json"));
  ASSERT_TRUE(stats) << stats.error().toString();
  EXPECT_EQ(stats->offset_table.size(), 4U);
  EXPECT_TRUE(stats->topic_put_tps.has_value());
  auto kv = KVTable::fromJson(real("real_runtime_info.json"));
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->table.at("brokerVersionDesc"), "V5_3_3");
  EXPECT_EQ(kv->table.at("brokerVersion"), "479");
  auto config = parseBrokerConfig(real("real_broker_config.txt"));
  EXPECT_EQ(config.at("useServerSideResetOffset"), "true");
  EXPECT_EQ(config.at("brokerName"), "source-broker-a");
  EXPECT_GT(config.size(), 300U);
}
}  // namespace
}  // namespace ferry::codec
