#include "ferry/rocketmq/broker_api.h"

#include <algorithm>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "ferry/base/co_try.h"
#include "ferry/rocketmq/errors.h"

namespace ferry::rocketmq {
namespace {

using codec::RequestCode;
using codec::ResponseCode;

template <class Body>
Result<Body> parseBody(const codec::RemotingCommand& response, detail::What what) {
  auto body = Body::fromJson(response.body);
  if (!body) {
    return makeError(std::move(body.error()).withContext(what()));
  }
  return body;
}

template <class Header>
Result<Header> parseHeader(const codec::RemotingCommand& response, detail::What what) {
  auto header = Header::fromExtFields(response.ext_fields);
  if (!header) {
    return makeError(std::move(header.error()).withContext(what()));
  }
  return header;
}

std::string queueText(const MessageQueue& queue) {
  return queue.toString();
}

}  // namespace

asio::awaitable<Result<codec::RemotingCommand>> BrokerApi::callOk(std::string addr,
                                                                  codec::RemotingCommand request,
                                                                  detail::What what) {
  co_return co_await detail::invokeOk(transport_, std::move(addr), std::move(request),
                                      options_.timeout, what);
}

// ---- topics and groups ---------------------------------------------------------------------

asio::awaitable<Result<void>> BrokerApi::createTopic(std::string addr, codec::TopicConfig config) {
  const auto what = detail::describe(
      [&] { return fmt::format("create topic '{}' at {}", config.topic_name, addr); });
  codec::CreateTopicRequestHeader header;
  header.topic = config.topic_name;
  header.read_queue_nums = config.read_queue_nums;
  header.write_queue_nums = config.write_queue_nums;
  header.perm = config.perm;
  header.topic_filter_type = config.topic_filter_type;
  header.topic_sys_flag = config.topic_sys_flag;
  header.order = config.order;
  header.attributes = config.attributesHeader();
  auto command = detail::makeRequest(RequestCode::kUpdateAndCreateTopic, header.toExtFields());
  FERRY_CO_TRY_VOID(co_await callOk(addr, std::move(command), what));
  co_return Result<void>{};
}

asio::awaitable<Result<codec::TopicConfigSerializeWrapper>> BrokerApi::allTopicConfigs(
    std::string addr) {
  const auto what = detail::describe([&] { return fmt::format("all topic configs at {}", addr); });
  auto command = detail::makeRequest(RequestCode::kGetAllTopicConfig, {});
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  co_return parseBody<codec::TopicConfigSerializeWrapper>(response, what);
}

asio::awaitable<Result<codec::SubscriptionGroupWrapper>> BrokerApi::allSubscriptionGroups(
    std::string addr) {
  const auto what =
      detail::describe([&] { return fmt::format("all subscription groups at {}", addr); });
  auto command = detail::makeRequest(RequestCode::kGetAllSubscriptionGroupConfig, {});
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  co_return parseBody<codec::SubscriptionGroupWrapper>(response, what);
}

asio::awaitable<Result<codec::SubscriptionGroupConfig>> BrokerApi::subscriptionGroup(
    std::string addr, std::string group) {
  const auto what =
      detail::describe([&] { return fmt::format("subscription group '{}' at {}", group, addr); });
  codec::GetSubscriptionGroupConfigRequestHeader header{group};
  auto command =
      detail::makeRequest(RequestCode::kGetSubscriptionGroupConfig, header.toExtFields());
  FERRY_CO_TRY(response, co_await detail::invoke(transport_, addr, std::move(command),
                                                 options_.timeout, what));
  if (response.code == codec::toInt(ResponseCode::kSuccess)) {
    co_return parseBody<codec::SubscriptionGroupConfig>(response, what);
  }
  if (response.code != codec::toInt(ResponseCode::kRequestCodeNotSupported)) {
    co_return makeError(responseError(response, what()));
  }
  // 4.9: no single-group request.
  FERRY_CO_TRY(found, co_await findSubscriptionGroup(addr, group));
  if (!found) {
    co_return makeError(
        Error{Errc::kGroupNotExist, fmt::format("{}: no such group", what()), 0, {}});
  }
  co_return std::move(*found);
}

asio::awaitable<Result<void>> BrokerApi::createOrUpdateSubscriptionGroup(
    std::string addr, codec::SubscriptionGroupConfig config) {
  const auto what = detail::describe([&] {
    return fmt::format("create/update subscription group '{}' at {}", config.group_name, addr);
  });
  auto command =
      detail::makeRequest(RequestCode::kUpdateAndCreateSubscriptionGroup, {}, config.toJson());
  FERRY_CO_TRY_VOID(co_await callOk(addr, std::move(command), what));
  co_return Result<void>{};
}

// ---- send ----------------------------------------------------------------------------------

namespace {

Result<SendResult> sendResultFrom(const codec::RemotingCommand& response, const std::string& topic,
                                  const std::string& broker_name, detail::What what) {
  auto header = parseHeader<codec::SendMessageResponseHeader>(response, what);
  if (!header) {
    return makeError(std::move(header.error()));
  }
  SendResult result;
  result.queue = MessageQueue{topic, broker_name, header->queue_id};
  result.queue_offset = header->queue_offset;
  result.msg_id = std::move(header->msg_id);
  result.transaction_id = std::move(header->transaction_id);
  return result;
}

}  // namespace

asio::awaitable<Result<SendResult>> BrokerApi::send(std::string addr,
                                                    codec::SendMessageRequestHeaderV2 header,
                                                    std::string body) {
  const auto what = detail::describe([&] {
    return fmt::format("send to {}#{} at {}", header.topic, header.queue_id.value(), addr);
  });
  auto command =
      detail::makeRequest(RequestCode::kSendMessageV2, header.toExtFields(), std::move(body));
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  co_return sendResultFrom(response, header.topic, header.broker_name.value_or(""), what);
}

asio::awaitable<Result<SendResult>> BrokerApi::sendBatch(std::string addr,
                                                         codec::SendMessageRequestHeaderV2 header,
                                                         std::string batch_body) {
  const auto what = detail::describe([&] {
    return fmt::format("send batch to {}#{} at {}", header.topic, header.queue_id.value(), addr);
  });
  header.batch = true;  // without m=true the broker stores the whole blob as one message
  auto command = detail::makeRequest(RequestCode::kSendBatchMessage, header.toExtFields(),
                                     std::move(batch_body));
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  co_return sendResultFrom(response, header.topic, header.broker_name.value_or(""), what);
}

// ---- pull ----------------------------------------------------------------------------------

asio::awaitable<Result<PullResult>> BrokerApi::pull(std::string addr, PullRequest request) {
  const auto what = detail::describe([&] {
    return fmt::format("pull {} from offset {} for group '{}' at {}", queueText(request.queue),
                       request.offset.value(), request.group, addr);
  });
  codec::PullMessageRequestHeader header;
  header.consumer_group = request.group;
  header.topic = request.queue.topic;
  header.queue_id = request.queue.queue_id;
  header.queue_offset = request.offset;
  header.max_msg_nums = request.max_msg_nums;
  header.sys_flag = codec::kPullFlagSubscription;
  if (request.suspend.count() > 0) {
    header.sys_flag |= codec::kPullFlagSuspend;
  }
  if (request.commit_offset) {
    header.sys_flag |= codec::kPullFlagCommitOffset;
    header.commit_offset = *request.commit_offset;
  }
  header.suspend_timeout_millis = request.suspend.count();
  header.subscription = request.subscription;
  header.sub_version = request.sub_version;
  header.expression_type = request.expression_type;
  header.max_msg_bytes = request.max_msg_bytes;
  const auto timeout = request.suspend + options_.pull_margin;
  auto command = detail::makeRequest(RequestCode::kPullMessage, header.toExtFields());
  FERRY_CO_TRY(response,
               co_await detail::invoke(transport_, addr, std::move(command), timeout, what));
  PullResult result;
  switch (static_cast<ResponseCode>(response.code)) {
    case ResponseCode::kSuccess: result.status = PullStatus::kFound; break;
    case ResponseCode::kPullNotFound: result.status = PullStatus::kNoNewMsg; break;
    case ResponseCode::kPullRetryImmediately: result.status = PullStatus::kNoMatchedMsg; break;
    case ResponseCode::kPullOffsetMoved: result.status = PullStatus::kOffsetIllegal; break;
    default: co_return makeError(responseError(response, what()));
  }
  FERRY_CO_TRY(rh, parseHeader<codec::PullMessageResponseHeader>(response, what));
  result.next_begin_offset = rh.next_begin_offset;
  result.min_offset = rh.min_offset;
  result.max_offset = rh.max_offset;
  result.suggest_which_broker_id = rh.suggest_which_broker_id;
  if (result.status == PullStatus::kFound) {
    result.body = std::move(response.body);
  }
  co_return result;
}

// ---- offsets -------------------------------------------------------------------------------

asio::awaitable<Result<std::optional<QueueOffset>>> BrokerApi::queryConsumerOffset(
    std::string addr, std::string group, MessageQueue queue) {
  const auto what = detail::describe([&] {
    return fmt::format("committed offset of group '{}' on {} at {}", group, queueText(queue), addr);
  });
  codec::QueryConsumerOffsetRequestHeader header{group, queue.topic, queue.queue_id, false};
  auto command = detail::makeRequest(RequestCode::kQueryConsumerOffset, header.toExtFields());
  FERRY_CO_TRY(response, co_await detail::invoke(transport_, addr, std::move(command),
                                                 options_.timeout, what));
  if (response.code == codec::toInt(ResponseCode::kQueryNotFound)) {
    co_return std::optional<QueueOffset>();
  }
  if (response.code != codec::toInt(ResponseCode::kSuccess)) {
    co_return makeError(responseError(response, what()));
  }
  FERRY_CO_TRY(rh, parseHeader<codec::OffsetResponseHeader>(response, what));
  co_return std::optional<QueueOffset>(rh.offset);
}

asio::awaitable<Result<void>> BrokerApi::updateConsumerOffset(std::string addr, std::string group,
                                                              MessageQueue queue,
                                                              QueueOffset offset) {
  const auto what = detail::describe([&] {
    return fmt::format("update committed offset of group '{}' on {} to {} at {}", group,
                       queueText(queue), offset.value(), addr);
  });
  codec::UpdateConsumerOffsetRequestHeader header{group, queue.topic, queue.queue_id, offset};
  auto command = detail::makeRequest(RequestCode::kUpdateConsumerOffset, header.toExtFields());
  FERRY_CO_TRY_VOID(co_await callOk(addr, std::move(command), what));
  co_return Result<void>{};
}

asio::awaitable<Result<QueueOffset>> BrokerApi::minOffset(std::string addr, MessageQueue queue) {
  const auto what = detail::describe(
      [&] { return fmt::format("min offset of {} at {}", queueText(queue), addr); });
  codec::TopicQueueRequestHeader header{queue.topic, queue.queue_id};
  auto command = detail::makeRequest(RequestCode::kGetMinOffset, header.toExtFields());
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  FERRY_CO_TRY(rh, parseHeader<codec::OffsetResponseHeader>(response, what));
  co_return rh.offset;
}

asio::awaitable<Result<QueueOffset>> BrokerApi::maxOffset(std::string addr, MessageQueue queue) {
  const auto what = detail::describe(
      [&] { return fmt::format("max offset of {} at {}", queueText(queue), addr); });
  codec::GetMaxOffsetRequestHeader header{queue.topic, queue.queue_id, std::nullopt};
  auto command = detail::makeRequest(RequestCode::kGetMaxOffset, header.toExtFields());
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  FERRY_CO_TRY(rh, parseHeader<codec::OffsetResponseHeader>(response, what));
  co_return rh.offset;
}

asio::awaitable<Result<QueueOffset>> BrokerApi::searchOffset(
    std::string addr, MessageQueue queue, std::int64_t timestamp_ms,
    std::optional<codec::BoundaryType> boundary) {
  const auto what = detail::describe([&] {
    return fmt::format("offset of {} at time {} at {}", queueText(queue), timestamp_ms, addr);
  });
  codec::SearchOffsetRequestHeader header{queue.topic, queue.queue_id, timestamp_ms, boundary};
  auto command = detail::makeRequest(RequestCode::kSearchOffsetByTimestamp, header.toExtFields());
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  FERRY_CO_TRY(rh, parseHeader<codec::OffsetResponseHeader>(response, what));
  co_return rh.offset;
}

asio::awaitable<Result<std::int64_t>> BrokerApi::earliestMsgStoreTime(std::string addr,
                                                                      MessageQueue queue) {
  const auto what = detail::describe(
      [&] { return fmt::format("earliest store time of {} at {}", queueText(queue), addr); });
  codec::TopicQueueRequestHeader header{queue.topic, queue.queue_id};
  auto command = detail::makeRequest(RequestCode::kGetEarliestMsgStoretime, header.toExtFields());
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  FERRY_CO_TRY(rh, parseHeader<codec::GetEarliestMsgStoretimeResponseHeader>(response, what));
  co_return rh.timestamp;
}

// ---- consumer groups -----------------------------------------------------------------------

asio::awaitable<Result<codec::ConsumerConnection>> BrokerApi::consumerConnections(
    std::string addr, std::string group) {
  const auto what =
      detail::describe([&] { return fmt::format("connections of group '{}' at {}", group, addr); });
  codec::ConsumerGroupRequestHeader header{group};
  auto command = detail::makeRequest(RequestCode::kGetConsumerConnectionList, header.toExtFields());
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  co_return parseBody<codec::ConsumerConnection>(response, what);
}

asio::awaitable<Result<std::vector<std::string>>> BrokerApi::consumerIds(std::string addr,
                                                                         std::string group) {
  const auto what =
      detail::describe([&] { return fmt::format("client ids of group '{}' at {}", group, addr); });
  codec::ConsumerGroupRequestHeader header{group};
  auto command = detail::makeRequest(RequestCode::kGetConsumerListByGroup, header.toExtFields());
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  FERRY_CO_TRY(list, parseBody<codec::ConsumerIdList>(response, what));
  co_return std::move(list.consumer_ids);
}

asio::awaitable<Result<codec::ConsumeStats>> BrokerApi::consumeStats(
    std::string addr, std::string group, std::optional<std::string> topic) {
  const auto what = detail::describe([&] {
    return topic
               ? fmt::format("consume stats of group '{}' on topic '{}' at {}", group, *topic, addr)
               : fmt::format("consume stats of group '{}' at {}", group, addr);
  });
  codec::GetConsumeStatsRequestHeader header{group, topic};
  auto command = detail::makeRequest(RequestCode::kGetConsumeStats, header.toExtFields());
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  co_return parseBody<codec::ConsumeStats>(response, what);
}

asio::awaitable<Result<std::vector<std::string>>> BrokerApi::topicsByConsumer(std::string addr,
                                                                              std::string group) {
  const auto what = detail::describe(
      [&] { return fmt::format("topics consumed by group '{}' at {}", group, addr); });
  codec::QueryTopicsByConsumerRequestHeader header{group};
  auto command = detail::makeRequest(RequestCode::kQueryTopicsByConsumer, header.toExtFields());
  FERRY_CO_TRY(response, co_await detail::invoke(transport_, addr, std::move(command),
                                                 options_.timeout, what));
  if (response.code == codec::toInt(ResponseCode::kSuccess)) {
    FERRY_CO_TRY(list, parseBody<codec::TopicList>(response, what));
    co_return std::move(list.topics);
  }
  if (response.code != codec::toInt(ResponseCode::kRequestCodeNotSupported)) {
    co_return makeError(responseError(response, what()));
  }
  // 4.9: derive the topics from the group's consume stats.
  const std::optional<std::string> all_topics;  // named: see cluster.cc on GCC 12 temporaries
  FERRY_CO_TRY(stats, co_await consumeStats(addr, group, all_topics));
  std::set<std::string> topics;
  for (const auto& [mq, w] : stats.offset_table) {
    topics.insert(mq.topic);
  }
  co_return std::vector<std::string>(topics.begin(), topics.end());
}

asio::awaitable<Result<codec::GroupList>> BrokerApi::groupsConsuming(std::string addr,
                                                                     std::string topic) {
  const auto what = detail::describe(
      [&] { return fmt::format("groups consuming topic '{}' at {}", topic, addr); });
  codec::QueryTopicConsumeByWhoRequestHeader header{topic};
  auto command = detail::makeRequest(RequestCode::kQueryTopicConsumeByWho, header.toExtFields());
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  co_return parseBody<codec::GroupList>(response, what);
}

asio::awaitable<Result<codec::TopicStatsTable>> BrokerApi::topicStats(std::string addr,
                                                                      std::string topic) {
  const auto what =
      detail::describe([&] { return fmt::format("stats of topic '{}' at {}", topic, addr); });
  codec::GetTopicStatsInfoRequestHeader header{topic};
  auto command = detail::makeRequest(RequestCode::kGetTopicStatsInfo, header.toExtFields());
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  co_return parseBody<codec::TopicStatsTable>(response, what);
}

asio::awaitable<Result<codec::ConsumerRunningInfo>> BrokerApi::consumerRunningInfo(
    std::string addr, std::string group, std::string client_id, bool jstack) {
  const auto what = detail::describe([&] {
    return fmt::format("running info of client '{}' of group '{}' via {}", client_id, group, addr);
  });
  codec::GetConsumerRunningInfoRequestHeader header{group, client_id, jstack};
  auto command = detail::makeRequest(RequestCode::kGetConsumerRunningInfo, header.toExtFields());
  FERRY_CO_TRY(response, co_await detail::invokeOk(transport_, addr, std::move(command),
                                                   options_.running_info_timeout, what));
  co_return parseBody<codec::ConsumerRunningInfo>(response, what);
}

// ---- reset ---------------------------------------------------------------------------------

asio::awaitable<Result<codec::ResetOffsetBody>> BrokerApi::resetOffset(
    std::string addr, codec::ResetOffsetRequestHeader header, detail::What what) {
  // The broker pushes the C++ body format to all clients when the caller says CPP; Java clients
  // cannot read that, so this request always announces JAVA.
  auto command = detail::makeRequest(RequestCode::kInvokeBrokerToResetOffset, header.toExtFields());
  command.language = codec::LanguageCode::kJava;
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  if (response.body.empty()) {
    co_return codec::ResetOffsetBody{};
  }
  co_return parseBody<codec::ResetOffsetBody>(response, what);
}

asio::awaitable<Result<codec::ResetOffsetBody>> BrokerApi::resetOffsetToOffset(std::string addr,
                                                                               std::string group,
                                                                               MessageQueue queue,
                                                                               QueueOffset offset) {
  const auto what = detail::describe([&] {
    return fmt::format("reset offset of group '{}' on {} to {} at {}", group, queueText(queue),
                       offset.value(), addr);
  });
  codec::ResetOffsetRequestHeader header{queue.topic, group, 0, true, queue.queue_id, offset};
  co_return co_await resetOffset(addr, std::move(header), what);  // addr: `what` reads it
}

asio::awaitable<Result<codec::ResetOffsetBody>> BrokerApi::resetOffsetByTimestamp(
    std::string addr, std::string group, std::string topic, std::int64_t timestamp_ms, bool force) {
  const auto what = detail::describe([&] {
    return fmt::format("reset offset of group '{}' on topic '{}' to time {} at {}", group, topic,
                       timestamp_ms, addr);
  });
  codec::ResetOffsetRequestHeader header{topic, group,        timestamp_ms,
                                         force, std::nullopt, std::nullopt};
  co_return co_await resetOffset(addr, std::move(header), what);  // addr: `what` reads it
}

// ---- broker settings -----------------------------------------------------------------------

asio::awaitable<Result<std::map<std::string, std::string>>> BrokerApi::brokerConfig(
    std::string addr) {
  const auto what = detail::describe([&] { return fmt::format("broker config at {}", addr); });
  auto command = detail::makeRequest(RequestCode::kGetBrokerConfig, {});
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  co_return codec::parseBrokerConfig(response.body);
}

asio::awaitable<Result<BrokerRuntimeInfo>> BrokerApi::runtimeInfo(std::string addr) {
  const auto what = detail::describe([&] { return fmt::format("runtime info at {}", addr); });
  auto command = detail::makeRequest(RequestCode::kGetBrokerRuntimeInfo, {});
  FERRY_CO_TRY(response, co_await callOk(addr, std::move(command), what));
  FERRY_CO_TRY(table, parseBody<codec::KVTable>(response, what));
  co_return BrokerRuntimeInfo{response.version, std::move(table.table)};
}

// ---- Ferry's own client --------------------------------------------------------------------

asio::awaitable<Result<void>> BrokerApi::heartbeat(std::string addr, codec::HeartbeatData data) {
  const auto what = detail::describe(
      [&] { return fmt::format("heartbeat of client '{}' to {}", data.client_id, addr); });
  auto command = detail::makeRequest(RequestCode::kHeartBeat, {}, data.toJson());
  FERRY_CO_TRY_VOID(co_await callOk(addr, std::move(command), what));
  co_return Result<void>{};
}

asio::awaitable<Result<void>> BrokerApi::unregisterClient(
    std::string addr, std::string client_id, std::optional<std::string> producer_group,
    std::optional<std::string> consumer_group) {
  const auto what = detail::describe(
      [&] { return fmt::format("unregister client '{}' at {}", client_id, addr); });
  codec::UnregisterClientRequestHeader header{client_id, producer_group, consumer_group};
  auto command = detail::makeRequest(RequestCode::kUnregisterClient, header.toExtFields());
  FERRY_CO_TRY_VOID(co_await callOk(addr, std::move(command), what));
  co_return Result<void>{};
}

}  // namespace ferry::rocketmq
