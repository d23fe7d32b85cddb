// Messages cross the wire identically in both directions, with the official Java client as the
// witness: what the Java producer sends, Ferry pulls and decodes exactly as the Java consumer
// does; what Ferry sends (single and batch), the Java consumer receives unchanged.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "ferry/codec/message.h"
#include "ferry/codec/message_id.h"
#include "it_fixture.h"

namespace ferry::testing {
namespace {

// Properties the Java consumer adds after decoding; never stored on the broker.
const std::set<std::string> kClientSideProperties = {"MIN_OFFSET", "MAX_OFFSET",
                                                     "CONSUME_START_TIME"};

std::string queueKey(const std::string& broker, std::int64_t queue_id, std::int64_t offset) {
  return broker + "#" + std::to_string(queue_id) + "@" + std::to_string(offset);
}

using MessagesIT = ClusterIT;

TEST_F(MessagesIT, JavaProducedMessagesAreDecodedByFerryExactlyAsByTheJavaConsumer) {
  const std::string topic = uniqueName("it-decode");
  createTopic(topic, 2);
  const std::string ns = env_.sourceNamesrv();

  // Small messages with keys, a tag and user properties (one non-ASCII), then large bodies that
  // the Java producer compresses with zlib (it compresses bodies above --compress-over bytes).
  auto small = javaDriver(
      env_, {"produce", "--namesrv", ns, "--topic", topic, "--count", "12", "--key-prefix",
             "order-", "--tag", "created", "--prop", "color=blue", "--prop", "city=Zürich"});
  ASSERT_EQ(small.exit_code, 0) << small.stderr_text;
  auto large = javaDriver(env_, {"produce", "--namesrv", ns, "--topic", topic, "--count", "4",
                                 "--start-index", "100", "--key-prefix", "big-", "--tag", "bulk",
                                 "--body-size", "20000", "--compress-over", "4096"});
  ASSERT_EQ(large.exit_code, 0) << large.stderr_text;
  const std::size_t total = small.byEvent("sent").size() + large.byEvent("sent").size();
  ASSERT_EQ(total, 16U);

  auto consumed = javaDriver(
      env_, {"consume", "--namesrv", ns, "--group", uniqueName("it-decode-java"), "--topic", topic,
             "--count", "16", "--from", "first", "--timeout-seconds", "90"});
  ASSERT_EQ(consumed.exit_code, 0) << consumed.stderr_text;
  auto received = consumed.byEvent("received");
  ASSERT_EQ(received.size(), total);

  auto observed = pullAll(topic);
  ASSERT_EQ(observed.size(), total);
  std::map<std::string, const ObservedMessage*> by_position;
  for (const auto& m : observed) {
    by_position[queueKey(m.queue.broker_name, m.queue.queue_id.value(), m.queue_offset)] = &m;
  }

  int compressed = 0;
  for (const auto& java : received) {
    auto key = queueKey(java["brokerName"], java["queueId"], java["queueOffset"]);
    ASSERT_TRUE(by_position.contains(key)) << "Ferry did not pull " << key;
    const ObservedMessage& ferry = *by_position[key];
    SCOPED_TRACE(key);
    EXPECT_EQ(ferry.msg_id, java["msgId"].get<std::string>());
    EXPECT_EQ(ferry.offset_msg_id, java["offsetMsgId"].get<std::string>());
    EXPECT_EQ(ferry.born_timestamp, java["bornTimestamp"].get<std::int64_t>());
    EXPECT_EQ(ferry.store_timestamp, java["storeTimestamp"].get<std::int64_t>());
    EXPECT_EQ(ferry.flag, java["flag"].get<std::int32_t>());
    EXPECT_EQ(ferry.body_length, java["bodyLength"].get<std::size_t>());
    EXPECT_EQ(ferry.body_sha256, java["bodySha256"].get<std::string>());
    std::map<std::string, std::string> java_props;
    for (const auto& [k, v] : java["properties"].items()) {
      if (!kClientSideProperties.contains(k)) {
        java_props[k] = v.get<std::string>();
      }
    }
    EXPECT_EQ(ferry.properties, java_props);
    compressed += ferry.compressed ? 1 : 0;
  }
  // The large bodies really travelled compressed, so the zlib path was exercised.
  EXPECT_EQ(compressed, 4);
  // The properties the producer set arrived (not just "both sides agree on nothing").
  const auto first_small = std::find_if(observed.begin(), observed.end(), [](const auto& m) {
    return m.properties.contains("color");
  });
  ASSERT_NE(first_small, observed.end()) << "no pulled message carries the property 'color'";
  ASSERT_TRUE(first_small->properties.contains("city"));
  ASSERT_TRUE(first_small->properties.contains("TAGS"));
  EXPECT_EQ(first_small->properties.at("city"), "Zürich");
  EXPECT_EQ(first_small->properties.at("TAGS"), "created");
}

asio::awaitable<Result<std::vector<rocketmq::SendResult>>> sendWithFerry(
    rocketmq::Cluster* cluster, std::string topic, std::vector<codec::Message> singles,
    std::vector<codec::Message> batch) {
  auto queues = co_await cluster->writeQueues(topic);
  if (!queues) {
    co_return makeError(queues.error());
  }
  if (queues->size() < 2) {
    co_return makeError(Errc::kInternal, "expected at least two write queues");
  }
  std::vector<rocketmq::SendResult> results;
  codec::SendOptions options;
  options.compress_threshold = 4096;
  for (auto& m : singles) {
    const auto& qa = (*queues)[results.size() % queues->size()];
    auto sent = co_await cluster->brokerData().sendMessage(qa.addr, "ferry_it_producer", qa.queue,
                                                           std::move(m), options);
    if (!sent) {
      co_return makeError(sent.error());
    }
    results.push_back(*sent);
  }
  const auto& qa = queues->back();
  auto sent = co_await cluster->brokerData().sendMessages(qa.addr, "ferry_it_producer", qa.queue,
                                                          std::move(batch));
  if (!sent) {
    co_return makeError(sent.error());
  }
  results.push_back(*sent);
  co_return results;
}

TEST_F(MessagesIT, MessagesFerrySendsSingleAndBatchArriveUnchangedAtTheJavaConsumer) {
  const std::string topic = uniqueName("it-send");
  createTopic(topic, 2);

  std::array<std::uint8_t, 4> ip{127, 0, 0, 1};
  auto ids = codec::ClientMessageIdGenerator::create(ip, static_cast<std::int16_t>(::getpid()), 42);
  ASSERT_TRUE(ids.has_value());
  auto now_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  };
  auto make = [&](int i, std::string body, std::int32_t flag) {
    codec::Message m;
    m.topic = topic;
    m.flag = flag;
    m.body = std::move(body);
    m.properties.set("UNIQ_KEY", ids->next(now_ms()));
    m.properties.set("KEYS", "ferry-" + std::to_string(i) + " alt-" + std::to_string(i));
    m.properties.set("TAGS", i % 2 == 0 ? "even" : "odd");
    m.properties.set("origin", "ferry-it");
    m.properties.set("note", "naïve café");
    m.properties.set("WAIT", "true");
    return m;
  };
  std::vector<codec::Message> singles;
  for (int i = 0; i < 5; ++i) {
    singles.push_back(make(i, "single body " + std::to_string(i), i));
  }
  // Large and compressible: sent zlib-compressed by Ferry, decompressed by the Java consumer.
  singles.push_back(make(5, std::string(30000, 'x') + "tail", 5));
  std::vector<codec::Message> batch;
  for (int i = 10; i < 20; ++i) {
    batch.push_back(make(i, "batch body " + std::to_string(i), 0));
  }
  std::map<std::string, codec::Message> expected;
  for (const auto& m : singles) {
    expected[std::string(*m.properties.get("UNIQ_KEY"))] = m;
  }
  for (const auto& m : batch) {
    expected[std::string(*m.properties.get("UNIQ_KEY"))] = m;
  }
  std::vector<std::string> batch_ids;
  for (const auto& m : batch) {
    batch_ids.emplace_back(*m.properties.get("UNIQ_KEY"));
  }

  auto sent = io_.run(sendWithFerry(source_.get(), topic, singles, batch));
  ASSERT_TRUE(sent.has_value()) << sent.error().toString();
  ASSERT_EQ(sent->size(), 7U);

  auto consumed = javaDriver(
      env_, {"consume", "--namesrv", env_.sourceNamesrv(), "--group", uniqueName("it-send-java"),
             "--topic", topic, "--count", "16", "--from", "first", "--timeout-seconds", "90"});
  ASSERT_EQ(consumed.exit_code, 0) << consumed.stderr_text;
  auto received = consumed.byEvent("received");
  ASSERT_EQ(received.size(), expected.size());

  std::map<std::string, nlohmann::json> by_id;
  for (const auto& r : received) {
    by_id[r["msgId"].get<std::string>()] = r;
  }
  for (const auto& [id, m] : expected) {
    SCOPED_TRACE(id);
    ASSERT_TRUE(by_id.contains(id)) << "the Java consumer did not receive " << id;
    const auto& java = by_id[id];
    EXPECT_EQ(java["bodySha256"].get<std::string>(), sha256Hex(m.body));
    EXPECT_EQ(java["flag"].get<std::int32_t>(), m.flag);
    EXPECT_EQ(java["keys"].get<std::string>(), std::string(*m.properties.get("KEYS")));
    EXPECT_EQ(java["tags"].get<std::string>(), std::string(*m.properties.get("TAGS")));
    EXPECT_EQ(java["properties"]["origin"].get<std::string>(), "ferry-it");
    EXPECT_EQ(java["properties"]["note"].get<std::string>(), "naïve café");
  }
  // Where the broker said it stored each message is where the Java consumer found it.
  for (std::size_t i = 0; i < singles.size(); ++i) {
    const auto& java = by_id[std::string(*singles[i].properties.get("UNIQ_KEY"))];
    EXPECT_EQ(java["queueId"].get<std::int32_t>(), (*sent)[i].queue.queue_id.value());
    EXPECT_EQ(java["brokerName"].get<std::string>(), (*sent)[i].queue.broker_name);
    EXPECT_EQ(java["queueOffset"].get<std::int64_t>(), (*sent)[i].queue_offset.value());
  }
  const auto& batch_result = sent->back();
  for (std::size_t i = 0; i < batch_ids.size(); ++i) {
    const auto& java = by_id[batch_ids[i]];
    EXPECT_EQ(java["queueId"].get<std::int32_t>(), batch_result.queue.queue_id.value());
    EXPECT_EQ(java["queueOffset"].get<std::int64_t>(),
              batch_result.queue_offset.value() + static_cast<std::int64_t>(i));
  }

  // Only the large body went compressed: the broker stored it with the compressed sys flag (its
  // record, read back with a pull), and the Java consumer got it inflated to its full length.
  // (Java's own sysFlag is no witness: the 5.3.3 consumer clears the bit once it has inflated.)
  const std::string big_id(*singles[5].properties.get("UNIQ_KEY"));
  auto stored = pullAll(topic);
  ASSERT_EQ(stored.size(), expected.size());
  for (const auto& m : stored) {
    SCOPED_TRACE(m.msg_id);
    EXPECT_EQ(m.compressed, m.msg_id == big_id) << "compressed sys flag as stored by the broker";
  }
  ASSERT_TRUE(by_id.contains(big_id));
  EXPECT_EQ(by_id[big_id]["bodyLength"].get<std::size_t>(), singles[5].body.size());
}

}  // namespace
}  // namespace ferry::testing
