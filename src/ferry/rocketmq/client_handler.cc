#include "ferry/rocketmq/client_handler.h"

#include <utility>

#include <fmt/format.h>

#include "ferry/base/log.h"
#include "ferry/rocketmq/broker_admin_api.h"

namespace ferry::rocketmq {
namespace {

codec::RemotingCommand makeResponse(codec::ResponseCode code, std::optional<std::string> remark) {
  codec::RemotingCommand response;
  response.code = codec::toInt(code);
  response.flag = codec::kFlagResponse;
  response.remark = std::move(remark);
  return response;
}

}  // namespace

rpc::RequestHandler ClientRequestHandler::handler() {
  // Not a coroutine itself: it returns the awaitable of the member coroutine, whose parameters
  // are copies, so nothing captured by reference outlives this call except `this`.
  return [this](std::string addr, codec::RemotingCommand request) {
    return handle(std::move(addr), std::move(request));
  };
}

asio::awaitable<std::optional<codec::RemotingCommand>> ClientRequestHandler::handle(
    std::string addr, codec::RemotingCommand request) {
  auto logger = log::get(log::Module::kRocketmq);
  switch (static_cast<codec::RequestCode>(request.code)) {
    case codec::RequestCode::kGetConsumerRunningInfo:
      ++running_info_;
      co_return answerRunningInfo(request);

    case codec::RequestCode::kNotifyConsumerIdsChanged: {
      ++ids_changed_;
      auto header = codec::ConsumerGroupRequestHeader::fromExtFields(request.ext_fields);
      const std::string group = header ? header->consumer_group : std::string();
      logger->info("consumer_ids_changed broker={} group={}", addr, group);
      if (callbacks_.on_ids_changed) {
        callbacks_.on_ids_changed(addr, group);
      }
      co_return std::nullopt;
    }

    case codec::RequestCode::kResetConsumerClientOffset: {
      auto header = codec::ResetOffsetRequestHeader::fromExtFields(request.ext_fields);
      if (!header) {
        logger->warn("reset_offset_ignored broker={} error=\"{}\"", addr,
                     header.error().toString());
        co_return std::nullopt;
      }
      ResetOffsetNotice notice{addr, std::move(*header), {}};
      if (!request.body.empty()) {
        auto body = codec::ResetOffsetBody::fromJson(request.body);
        if (body) {
          notice.body = std::move(*body);
        } else {
          logger->warn("reset_offset_body_unreadable broker={} error=\"{}\"", addr,
                       body.error().toString());
        }
      }
      // Ferry's checkpoints are its own; an admin reset is recorded and handed to the engine,
      // which decides whether to follow it. Never applied silently here.
      logger->warn("reset_offset_received broker={} group={} topic={} timestamp={} queues={}", addr,
                   notice.header.group, notice.header.topic, notice.header.timestamp,
                   notice.body.offset_table.size());
      if (callbacks_.on_reset_offset) {
        callbacks_.on_reset_offset(notice);
      }
      resets_.push_back(std::move(notice));
      if (resets_.size() > kMaxRecorded) {
        resets_.pop_front();
      }
      co_return std::nullopt;
    }

    default:
      // Not registered for other codes; answer like Java's default if it happens anyway.
      if (request.isOneway()) {
        co_return std::nullopt;
      }
      co_return makeResponse(codec::ResponseCode::kRequestCodeNotSupported,
                             fmt::format(" request type {} not supported", request.code));
  }
}

codec::RemotingCommand ClientRequestHandler::answerRunningInfo(
    const codec::RemotingCommand& request) const {
  auto header = codec::GetConsumerRunningInfoRequestHeader::fromExtFields(request.ext_fields);
  if (!header) {
    return makeResponse(codec::ResponseCode::kSystemError, header.error().message);
  }
  std::optional<codec::ConsumerRunningInfo> info;
  if (callbacks_.running_info) {
    info = callbacks_.running_info(header->consumer_group);
  }
  if (!info) {
    // Java's ClientRemotingProcessor answer for a group this client does not have.
    return makeResponse(
        codec::ResponseCode::kSystemError,
        fmt::format("The Consumer Group <{}> not exist in this consumer", header->consumer_group));
  }
  if (header->jstack_enable && !info->jstack) {
    info->jstack = "";
  }
  codec::RemotingCommand response = makeResponse(codec::ResponseCode::kSuccess, std::nullopt);
  response.body = info->toJson();
  return response;
}

codec::ConsumerRunningInfo ferryRunningInfo(std::string name_servers,
                                            std::int64_t start_timestamp_ms) {
  codec::ConsumerRunningInfo info;
  info.properties[std::string(codec::kPropConsumeType)] = "CONSUME_ACTIVELY";
  info.properties[std::string(codec::kPropConsumeOrderly)] = "false";
  info.properties[std::string(codec::kPropClientVersion)] = versionName(codec::kFerryVersion);
  info.properties[std::string(codec::kPropConsumerStartTimestamp)] =
      std::to_string(start_timestamp_ms);
  info.properties[std::string(codec::kPropNameServerAddr)] = std::move(name_servers);
  info.properties[std::string(codec::kPropThreadPoolCoreSize)] = "1";
  info.properties["messageModel"] = "CLUSTERING";
  info.properties["ferryClient"] = "ferry";
  return info;
}

}  // namespace ferry::rocketmq
