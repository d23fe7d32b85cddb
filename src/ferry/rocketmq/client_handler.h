// Answers the requests brokers send to Ferry's own client over Ferry's connections (docs/api.md
// "Requests from brokers").
//
// Ferry registers its internal consumer group(s) with HEART_BEAT, so brokers treat it as a
// client: they ask it for its running info (GET_CONSUMER_RUNNING_INFO, 307, e.g. from
// `mqadmin consumerStatus` or the Ferry of the other direction), tell it when the group's members
// change (NOTIFY_CONSUMER_IDS_CHANGED, 40, oneway) and push admin offset resets
// (RESET_CONSUMER_CLIENT_OFFSET, 220, oneway). This class answers 307 from a provider callback,
// records 40 and 220 and passes them to optional callbacks. Other codes are not registered, so
// the transport answers them with its default (REQUEST_CODE_NOT_SUPPORTED).
//
// Lifecycle: owned by the composition root; it must outlive the transport's use of handler().
// Threading: handlers run on the transport's executor; callbacks are invoked there, inline.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

#include <asio/awaitable.hpp>

#include "ferry/codec/bodies.h"
#include "ferry/codec/headers.h"
#include "ferry/codec/remoting_command.h"
#include "ferry/rpc/transport.h"

namespace ferry::rocketmq {

// A RESET_CONSUMER_CLIENT_OFFSET a broker pushed to us.
struct ResetOffsetNotice {
  std::string broker_addr;
  codec::ResetOffsetRequestHeader header;
  codec::ResetOffsetBody body;  // empty when the body could not be parsed
};

class ClientRequestHandler {
 public:
  // Running info of one of our groups; nullopt when `group` is not ours.
  using RunningInfoProvider =
      std::function<std::optional<codec::ConsumerRunningInfo>(const std::string& group)>;

  struct Callbacks {
    RunningInfoProvider running_info;
    std::function<void(const std::string& broker_addr, const std::string& group)> on_ids_changed;
    std::function<void(const ResetOffsetNotice&)> on_reset_offset;
  };

  // The codes handler() answers; register it for each of them on the transport.
  static constexpr std::array<codec::RequestCode, 3> kHandledCodes{
      codec::RequestCode::kGetConsumerRunningInfo, codec::RequestCode::kNotifyConsumerIdsChanged,
      codec::RequestCode::kResetConsumerClientOffset};

  explicit ClientRequestHandler(Callbacks callbacks) : callbacks_(std::move(callbacks)) {}

  // Handles one request; the response for 307, nullopt for the oneway codes.
  asio::awaitable<std::optional<codec::RemotingCommand>> handle(std::string addr,
                                                                codec::RemotingCommand request);
  // handle() bound to this object, in the transport's handler type.
  rpc::RequestHandler handler();

  // What was received so far (the last kMaxRecorded reset notices are kept).
  static constexpr std::size_t kMaxRecorded = 64;
  std::size_t idsChangedCount() const { return ids_changed_; }
  std::size_t runningInfoCount() const { return running_info_; }
  const std::deque<ResetOffsetNotice>& resetNotices() const { return resets_; }

 private:
  codec::RemotingCommand answerRunningInfo(const codec::RemotingCommand& request) const;

  Callbacks callbacks_;
  std::size_t ids_changed_ = 0;
  std::size_t running_info_ = 0;
  std::deque<ResetOffsetNotice> resets_;
};

// Running info for a Ferry group that pulls `queues` itself: the properties Java tools expect
// (consume type CONSUME_ACTIVELY, client version, start time, NameServers) plus the caller's
// per-queue state. Engines fill mq_table/subscription_set/status_table from their pipelines.
codec::ConsumerRunningInfo ferryRunningInfo(std::string name_servers,
                                            std::int64_t start_timestamp_ms);

}  // namespace ferry::rocketmq
