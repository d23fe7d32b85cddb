#include "ferry/rocketmq/broker_data_api.h"

#include <chrono>
#include <utility>

#include <fmt/format.h>

namespace ferry::rocketmq {
namespace {

std::int64_t nowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string_view pullStatusName(PullStatus status) {
  switch (status) {
    case PullStatus::kFound: return "FOUND";
    case PullStatus::kNoNewMsg: return "NO_NEW_MSG";
    case PullStatus::kNoMatchedMsg: return "NO_MATCHED_MSG";
    case PullStatus::kOffsetIllegal: return "OFFSET_ILLEGAL";
  }
  return "UNKNOWN";
}

asio::awaitable<Result<SendResult>> BrokerDataApi::sendMessage(std::string addr,
                                                               std::string producer_group,
                                                               MessageQueue queue,
                                                               codec::Message message,
                                                               codec::SendOptions send_options) {
  auto encoded = codec::encodeSingleMessage(std::move(message), send_options);
  if (!encoded) {
    co_return makeError(std::move(encoded.error())
                            .withContext(fmt::format("encode message for {}", queue.toString())));
  }
  codec::SendMessageRequestHeaderV2 header;
  header.producer_group = std::move(producer_group);
  header.topic = queue.topic;
  header.queue_id = queue.queue_id;
  header.sys_flag = encoded->sys_flag;
  header.born_timestamp = nowMillis();
  header.flag = encoded->flag;
  if (!encoded->properties.empty()) {
    header.properties = std::move(encoded->properties);
  }
  header.reconsume_times = 0;
  header.unit_mode = false;
  header.batch = false;
  header.broker_name = queue.broker_name;
  co_return co_await send(std::move(addr), std::move(header), std::move(encoded->body));
}

asio::awaitable<Result<SendResult>> BrokerDataApi::sendMessages(
    std::string addr, std::string producer_group, MessageQueue queue,
    std::vector<codec::Message> messages) {
  for (auto& m : messages) {
    if (m.topic.empty()) {
      m.topic = queue.topic;
    }
  }
  std::string body;
  if (auto ok = codec::encodeBatch(messages, body); !ok) {
    co_return makeError(
        std::move(ok.error()).withContext(fmt::format("encode batch for {}", queue.toString())));
  }
  codec::SendMessageRequestHeaderV2 header;
  header.producer_group = std::move(producer_group);
  header.topic = queue.topic;
  header.queue_id = queue.queue_id;
  header.born_timestamp = nowMillis();
  // Java's MessageBatch carries WAIT=true in the batch-level properties.
  codec::Properties batch_properties{{codec::property::kWaitStoreMsgOk, "true"}};
  auto props = codec::encodeProperties(batch_properties);
  if (props) {
    header.properties = std::move(*props);
  }
  header.reconsume_times = 0;
  header.unit_mode = false;
  header.broker_name = queue.broker_name;
  co_return co_await sendBatch(std::move(addr), std::move(header), std::move(body));
}

}  // namespace ferry::rocketmq
