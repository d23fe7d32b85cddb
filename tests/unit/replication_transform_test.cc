// Transform and echo suppression (replication/transform.h): what a replicated message keeps, what
// it drops, its sysFlag and its stamp -- on hand-built records and on a real 5.3.3 pull capture.
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ferry/codec/remoting_command.h"
#include "ferry/replication/transform.h"

namespace ferry::replication {
namespace {

namespace fs = std::filesystem;
using model::SourceOffset;
using model::SourceQueue;

std::string raw(std::initializer_list<std::pair<std::string_view, std::string_view>> pairs) {
  std::string out;
  for (const auto& [n, v] : pairs) {
    out.append(n).push_back('\x01');
    out.append(v).push_back('\x02');
  }
  return out;
}

// A stored record as StoredMessageReader fills it; `props` and `body` must outlive it.
codec::MessageView view(std::string_view props, std::string_view body = "hello",
                        std::int32_t sys_flag = 0) {
  codec::MessageView v;
  v.topic = "orders";
  v.queue_id = QueueId(2);
  v.queue_offset = QueueOffset(41);
  v.flag = 9;
  v.sys_flag = sys_flag;
  v.born_timestamp = StoreTime::fromMillis(1000);
  v.store_timestamp = StoreTime::fromMillis(2000);
  v.store_host = codec::HostAddress::ipv4({127, 0, 0, 1}, 10911);
  v.commit_log_offset = 0x1234;
  v.body = body;
  v.properties = codec::PropertiesView(props);
  return v;
}

const SourceQueue kQueue("orders", "broker-a", QueueId(2));

TransformContext context() {
  return TransformContext{"east", &kQueue, "orders-copy"};
}

OutgoingMessage transformed(const codec::MessageView& v) {
  auto out = transformMessage(v, context());
  EXPECT_TRUE(out) << out.error().toString();
  return out ? *out : OutgoingMessage{};
}

TEST(ReplicationTransform, KeepsWhatTheProducerSetAndStampsTheOrigin) {
  const std::string props = raw({{"TAGS", "paid"},
                                 {"KEYS", "k1 k2"},
                                 {"UNIQ_KEY", "ABCD"},
                                 {"color", "blue"},
                                 {"__SHARDINGKEY", "g1"},
                                 {"INSTANCE_ID", "ns"},
                                 {"TRACE_CONTEXT", "t"},
                                 {"DLQ_ORIGIN_TOPIC", "x"},
                                 {"BORN_TIMESTAMP", "5"}});
  const OutgoingMessage out = transformed(view(props));
  EXPECT_EQ(out.message.topic, "orders-copy");
  EXPECT_EQ(out.message.flag, 9);
  EXPECT_EQ(out.message.body, "hello");
  EXPECT_EQ(out.sys_flag, 0);
  EXPECT_EQ(out.born_timestamp, StoreTime::fromMillis(1000));
  EXPECT_EQ(out.source_offset, SourceOffset(QueueOffset(41)));
  codec::Properties expected{
      {"TAGS", "paid"},       {"KEYS", "k1 k2"},         {"UNIQ_KEY", "ABCD"},
      {"color", "blue"},      {"__SHARDINGKEY", "g1"},   {"INSTANCE_ID", "ns"},
      {"TRACE_CONTEXT", "t"}, {"DLQ_ORIGIN_TOPIC", "x"}, {"BORN_TIMESTAMP", "5"}};
  ASSERT_TRUE(
      model::encodeOriginStamp(model::OriginStamp{"east", kQueue, SourceOffset(QueueOffset(41)),
                                                  StoreTime::fromMillis(2000)},
                               expected));
  EXPECT_EQ(out.message.properties, expected);
  auto encoded = codec::encodeProperties(out.message.properties);
  ASSERT_TRUE(encoded);
  EXPECT_EQ(out.properties_size, encoded->size());
  EXPECT_EQ(out.batchRecordSize(), 22 + 5 + encoded->size());
  auto stamp = model::parseOriginStamp(codec::PropertiesView(*encoded));
  ASSERT_TRUE(stamp && stamp->has_value());
  EXPECT_EQ((*stamp)->queue, kQueue);
  EXPECT_EQ((*stamp)->offset.value(), 41);
  EXPECT_EQ((*stamp)->store_time, StoreTime::fromMillis(2000));
  EXPECT_EQ((*stamp)->cluster, "east");
}

TEST(ReplicationTransform, DropsBrokerAssignedAndPerClusterProperties) {
  const std::string props = raw({{"TAGS", "a"},
                                 {"UNIQ_KEY", "U"},
                                 {"CLUSTER", "east-c"},
                                 {"MSG_REGION", "r"},
                                 {"TRACE_ON", "true"},
                                 {"WAIT", "false"},
                                 {"MIN_OFFSET", "0"},
                                 {"MAX_OFFSET", "9"},
                                 {"__CRC32#", "123"},
                                 {"CONSUME_START_TIME", "1"},
                                 {"POP_CK", "x"},
                                 {"1ST_POP_TIME", "1"},
                                 {"INNER_NUM", "3"},
                                 {"INNER_BASE", "0"},
                                 {"DUP_INFO", "d"},
                                 {"INNER_MULTI_DISPATCH", "%LMQ%a"},
                                 {"__RMQ.TRANSIENT.TOPIC_SYS_FLAG", "0"}});
  const OutgoingMessage out = transformed(view(props));
  EXPECT_EQ(out.message.properties.size(), 2U + model::stamp::kPropertyNames.size());
  EXPECT_EQ(out.message.properties.get("TAGS"), "a");
  EXPECT_EQ(out.message.properties.get("UNIQ_KEY"), "U");
}

TEST(ReplicationTransform, DeliveredScheduledMessageIsNotDelayedAgain) {
  // A delayed message as a consumer pulls it from the real topic after delivery (4.9 leaves
  // DELAY, REAL_TOPIC and REAL_QID on it; 5.x timer messages carry TIMER_*).
  const std::string props = raw({{"TAGS", "a"},
                                 {"DELAY", "3"},
                                 {"REAL_TOPIC", "orders"},
                                 {"REAL_QID", "2"},
                                 {"TIMER_DELIVER_MS", "9"},
                                 {"TIMER_DELAY_SEC", "5"},
                                 {"TIMER_DELAY_MS", "5000"},
                                 {"TIMER_OUT_MS", "1"},
                                 {"TIMER_ENQUEUE_MS", "1"},
                                 {"TIMER_DEQUEUE_MS", "1"},
                                 {"TIMER_ROLL_TIMES", "1"},
                                 {"TIMER_DEL_UNIQKEY", "u"},
                                 {"TIMER_DELAY_LEVEL", "3"},
                                 {"UNIQ_KEY", "U"}});
  const OutgoingMessage out = transformed(view(props));
  for (const auto& [name, value] : out.message.properties) {
    EXPECT_FALSE(name.starts_with("TIMER_") || name == "DELAY" || name.starts_with("REAL_"))
        << name;
  }
  EXPECT_EQ(out.message.properties.size(), 2U + model::stamp::kPropertyNames.size());
  // Such a message can travel in a batch (the codec refuses DELAY in batches).
  std::string body;
  EXPECT_TRUE(codec::encodeBatch(std::vector<codec::Message>{out.message}, body));
}

TEST(ReplicationTransform, CommittedTransactionalMessageArrivesAsAnOrdinaryOne) {
  const std::string props = raw({{"TRAN_MSG", "true"},
                                 {"PGROUP", "tx-producer"},
                                 {"__transactionId__", "T1"},
                                 {"TRAN_PREPARED_QUEUE_OFFSET", "4"},
                                 {"TRANSACTION_CHECK_TIMES", "1"},
                                 {"CHECK_IMMUNITY_TIME_IN_SECONDS", "60"},
                                 {"UNIQ_KEY", "U"},
                                 {"KEYS", "order-1"}});
  const OutgoingMessage out = transformed(
      view(props, "hello", codec::kSysFlagTransactionCommit | codec::kSysFlagMultiTags));
  EXPECT_EQ(out.sys_flag, 0);
  EXPECT_EQ(out.message.properties.size(), 2U + model::stamp::kPropertyNames.size());
  EXPECT_EQ(out.message.properties.get("KEYS"), "order-1");
  const OutgoingMessage prepared =
      transformed(view(props, "hello", codec::kSysFlagTransactionPrepared));
  EXPECT_EQ(prepared.sys_flag, 0);
}

TEST(ReplicationTransform, RetryAndReplyBookkeepingIsDropped) {
  const std::string props = raw({{"RETRY_TOPIC", "orders"},
                                 {"ORIGIN_MESSAGE_ID", "O"},
                                 {"RECONSUME_TIME", "2"},
                                 {"MAX_RECONSUME_TIMES", "16"},
                                 {"CORRELATION_ID", "c"},
                                 {"REPLY_TO_CLIENT", "cl"},
                                 {"TTL", "3000"},
                                 {"ARRIVE_TIME", "1"},
                                 {"PUSH_REPLY_TIME", "1"},
                                 {"MSG_TYPE", "reply"},
                                 {"POP_CK_OFFSET", "1"},
                                 {"EXTEND_UNIQ_INFO", "e"},
                                 {"INNER_MULTI_QUEUE_OFFSET", "1"},
                                 {"PROPERTY_FORWARD_QUEUE_ID", "1"},
                                 {"REDIRECT", "1"},
                                 {"PGROUP", "p"},
                                 {"UNIQ_KEY", "U"}});
  const OutgoingMessage out = transformed(view(props));
  EXPECT_EQ(out.message.properties.size(), 1U + model::stamp::kPropertyNames.size());
}

TEST(ReplicationTransform, CompressedBodyIsForwardedAsStoredWithItsFlag) {
  std::string compressed;
  ASSERT_TRUE(codec::compressZlib(std::string(5000, 'z'), 5, compressed));
  const std::string props = raw({{"UNIQ_KEY", "U"}});
  const std::int32_t stored = codec::kSysFlagCompressed | 0x300 | codec::kSysFlagStoreHostV6
                              | codec::kSysFlagBornHostV6 | codec::kSysFlagMultiTags;
  const OutgoingMessage out = transformed(view(props, compressed, stored));
  EXPECT_EQ(out.message.body, compressed);
  EXPECT_EQ(out.sys_flag, codec::kSysFlagCompressed | 0x300);
}

TEST(ReplicationTransform, OutgoingSysFlagKeepsOnlyCompression) {
  EXPECT_EQ(outgoingSysFlag(0), 0);
  EXPECT_EQ(outgoingSysFlag(0x1), 0x1);      // 4.x producer: zlib without type bits
  EXPECT_EQ(outgoingSysFlag(0x301), 0x301);  // 5.x zlib
  EXPECT_EQ(outgoingSysFlag(0x101), 0x101);  // LZ4, forwarded unchanged
  EXPECT_EQ(outgoingSysFlag(0x300), 0);      // decompressed (inner batch): type bits are stale
  EXPECT_EQ(outgoingSysFlag(0xFE), 0);       // multi-tags, transaction, v6 hosts, inner batch
  EXPECT_EQ(outgoingSysFlag(0xFF), 0x1);
}

TEST(ReplicationTransform, RepeatedPropertyKeepsTheLastValueLikeJava) {
  // 5.0-5.3.3 brokers append the batch-level properties to each batch member, so UNIQ_KEY and
  // WAIT repeat; Java's map (and so getMsgId()) takes the last value.
  const std::string props = raw({{"UNIQ_KEY", "MEMBER"}, {"TAGS", "a"}, {"UNIQ_KEY", "BATCH"}});
  const OutgoingMessage out = transformed(view(props));
  EXPECT_EQ(out.message.properties.get("UNIQ_KEY"), "BATCH");
  EXPECT_EQ(out.message.properties.begin()->first, "UNIQ_KEY");
  EXPECT_EQ(out.message.properties.size(), 2U + model::stamp::kPropertyNames.size());
}

TEST(ReplicationTransform, MissingUniqKeyBecomesTheSourceMsgId) {
  const std::string props = raw({{"TAGS", "a"}});
  const codec::MessageView v = view(props);
  const OutgoingMessage out = transformed(v);
  EXPECT_EQ(out.message.properties.get("UNIQ_KEY"), v.offsetMsgId());
  EXPECT_EQ(out.message.properties.get("UNIQ_KEY"), "7F00000100002A9F0000000000001234");
}

TEST(ReplicationTransform, AnEarlierHopsStampIsReplaced) {
  const std::string props = raw({{"UNIQ_KEY", "U"},
                                 {"FERRY_SRC_CLUSTER", "south"},
                                 {"FERRY_SRC_TOPIC", "t"},
                                 {"FERRY_SRC_BROKER", "b"},
                                 {"FERRY_SRC_QID", "0"},
                                 {"FERRY_SRC_OFFSET", "999"},
                                 {"FERRY_SRC_STORE_MS", "1"}});
  const OutgoingMessage out = transformed(view(props));
  auto stamp = model::parseOriginStamp(out.message.properties);
  ASSERT_TRUE(stamp && stamp->has_value());
  EXPECT_EQ((*stamp)->cluster, "east");
  EXPECT_EQ((*stamp)->offset.value(), 41);
  EXPECT_EQ(out.message.properties.size(), 1U + model::stamp::kPropertyNames.size());
}

TEST(ReplicationTransform, RefusesAMessageFromAnotherQueue) {
  const std::string props = raw({{"UNIQ_KEY", "U"}});
  codec::MessageView v = view(props);
  v.queue_id = QueueId(3);
  auto out = transformMessage(v, context());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::kInvalidArgument);
  EXPECT_NE(out.error().message.find("offset 41 is from topic 'orders' queue 3, but was pulled "
                                     "from orders@broker-a#2"),
            std::string::npos)
      << out.error().message;
  TransformContext none{"east", nullptr, "x"};
  EXPECT_FALSE(transformMessage(view(props), none));
}

TEST(ReplicationTransform, PropertiesThatOverflowWithTheStampNameTheSourcePosition) {
  const std::string big(32767 - 20, 'v');
  const std::string props = raw({{"k", big}});
  auto out = transformMessage(view(props), context());
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, Errc::kInvalidArgument);
  EXPECT_NE(out.error().message.find("replicating orders@broker-a#2 offset 41"), std::string::npos)
      << out.error().message;
}

TEST(ReplicationTransform, EchoIsRecognisedByTheStampedCluster) {
  const std::string from_west = raw({{"TAGS", "a"}, {"FERRY_SRC_CLUSTER", "west"}});
  const std::string plain = raw({{"TAGS", "a"}});
  const std::string other_tag = raw({{"TAGS", "b"}, {"FERRY_SRC_CLUSTER", "south"}});
  auto only_a = TagFilter::parse("a");
  ASSERT_TRUE(only_a);
  EXPECT_TRUE(isEcho(codec::PropertiesView(from_west), "west"));
  EXPECT_FALSE(isEcho(codec::PropertiesView(from_west), "east"));
  EXPECT_FALSE(isEcho(codec::PropertiesView(plain), "west"));
  EXPECT_EQ(classify(view(from_west), *only_a, "west"), Disposition::kEcho);
  EXPECT_EQ(classify(view(from_west), TagFilter(), "west"), Disposition::kEcho);
  EXPECT_EQ(classify(view(from_west), *only_a, "east"), Disposition::kSend);
  EXPECT_EQ(classify(view(plain), *only_a, "west"), Disposition::kSend);
  EXPECT_EQ(classify(view(other_tag), *only_a, "west"), Disposition::kFiltered);
  EXPECT_EQ(classify(view(other_tag), TagFilter(), "west"), Disposition::kSend);
  EXPECT_EQ(dispositionName(Disposition::kEcho), "echo");
}

TEST(ReplicationTransform, DroppedPropertyListHasNoUserVisibleNames) {
  for (std::string_view kept :
       {"KEYS", "TAGS", "UNIQ_KEY", "__SHARDINGKEY", "INSTANCE_ID", "TRACE_CONTEXT", "__BORNHOST",
        "BORN_TIMESTAMP", "BUYER_ID", "TRANSFER_FLAG", "CORRECTION_FLAG", "MQ2_FLAG",
        "DLQ_ORIGIN_TOPIC", "DLQ_ORIGIN_MESSAGE_ID", "color"}) {
    EXPECT_FALSE(isDroppedProperty(kept)) << kept;
  }
  for (std::string_view name : model::stamp::kPropertyNames) {
    EXPECT_TRUE(isDroppedProperty(name)) << name << ": an earlier hop's stamp is replaced";
  }
}

// ---- a real capture --------------------------------------------------------------------------

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The body of the FOUND answer a 5.3.3 broker gave the Java client's pull: plain, compressed
// (sysFlag 769), unicode (flag 7) and three Java batch members whose stored properties repeat
// UNIQ_KEY and WAIT.
std::string capturedPullBody() {
  const std::string bytes =
      readFile(fs::path(FERRY_TESTDATA_DIR) / "codec" / "golden" / "broker_pull_java_resp.bin");
  codec::FrameDecoder decoder;
  decoder.feed(
      std::span<const std::byte>(reinterpret_cast<const std::byte*>(bytes.data()), bytes.size()));
  auto command = decoder.next();
  if (!command || !*command) {
    ADD_FAILURE() << "broker_pull_java_resp.bin does not hold a frame";
    return {};
  }
  return (*command)->body;
}

TEST(ReplicationTransform, RealBrokerCaptureTransformsAsDocumented) {
  const std::string body = capturedPullBody();
  auto records = codec::decodeStoredMessages(body);
  ASSERT_TRUE(records) << records.error().toString();
  ASSERT_EQ(records->size(), 6U);
  const SourceQueue queue("FerryGolden", "broker-a", QueueId(0));
  const TransformContext ctx{"SourceCluster-id", &queue, "FerryGoldenCopy"};
  std::vector<codec::Message> batch;
  for (const codec::MessageView& v : *records) {
    const std::string where = fmt::format("record at offset {}", v.queue_offset);
    auto out = transformMessage(v, ctx);
    ASSERT_TRUE(out) << where << ": " << out.error().toString();
    EXPECT_EQ(out->message.body, v.body) << where;
    EXPECT_EQ(out->message.flag, v.flag) << where;
    EXPECT_EQ(out->source_offset.queueOffset(), v.queue_offset) << where;
    EXPECT_EQ(out->message.properties.get("UNIQ_KEY"), v.uniqKey()) << where;
    EXPECT_EQ(out->message.properties.get("TAGS"), v.properties.get("TAGS")) << where;
    EXPECT_EQ(out->message.properties.get("KEYS"), v.properties.get("KEYS")) << where;
    EXPECT_EQ(out->message.properties.get("ferry-case"), v.properties.get("ferry-case")) << where;
    for (std::string_view dropped : {"CLUSTER", "MSG_REGION", "TRACE_ON", "WAIT"}) {
      EXPECT_TRUE(v.properties.get(dropped).has_value()) << where << " " << dropped;
      EXPECT_FALSE(out->message.properties.contains(dropped)) << where << " " << dropped;
    }
    // Every pair Java would show, except the dropped ones, arrives with Java's value.
    for (const auto& [name, value] : v.properties) {
      if (!isDroppedProperty(name)) {
        EXPECT_EQ(out->message.properties.get(name), v.properties.get(name)) << where << name;
      }
    }
    auto stamp = model::parseOriginStamp(out->message.properties);
    ASSERT_TRUE(stamp && stamp->has_value()) << where;
    EXPECT_EQ(**stamp, (model::OriginStamp{"SourceCluster-id", queue, SourceOffset(v.queue_offset),
                                           v.store_timestamp}));
    if (out->sys_flag == 0) {
      batch.push_back(out->message);
    }
  }
  // The compressed record keeps its compressed body and zlib flag; the rest are plain.
  auto compressed = transformMessage((*records)[1], ctx);
  ASSERT_TRUE(compressed);
  EXPECT_EQ(compressed->sys_flag, 0x301);
  EXPECT_LT(compressed->message.body.size(), 20048U);
  std::string scratch;
  auto plain = (*records)[1].plainBody(scratch);
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->size(), 20048U);
  EXPECT_EQ((*records)[2].flag, 7);
  // The batch members' UNIQ_KEY is the batch-level one the 5.3.3 broker appended (what a Java
  // consumer of the source sees).
  auto member = transformMessage((*records)[3], ctx);
  ASSERT_TRUE(member);
  EXPECT_EQ(member->message.properties.get("UNIQ_KEY"), "C00002026AFD60E53B937E850E930006");
  // The plain ones go out as one batch body that decodes back to the same messages.
  ASSERT_EQ(batch.size(), 5U);
  std::string batch_body;
  ASSERT_TRUE(codec::encodeBatch(batch, batch_body));
  auto decoded = codec::decodeBatchMessages(batch_body);
  ASSERT_TRUE(decoded) << decoded.error().toString();
  ASSERT_EQ(decoded->size(), batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    EXPECT_EQ((*decoded)[i].body, batch[i].body);
    EXPECT_EQ((*decoded)[i].flag, batch[i].flag);
    EXPECT_EQ((*decoded)[i].properties, batch[i].properties);
  }
}

}  // namespace
}  // namespace ferry::replication
