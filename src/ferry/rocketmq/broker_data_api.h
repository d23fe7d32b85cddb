// The data plane of a broker, as the engines see it (docs/api.md "Broker interfaces"): pull, send,
// committed offsets and queue offsets. These are the calls on the replication hot path and the
// ones the consumer-progress engine needs; topics, groups, consumer state, resets and settings
// are in BrokerAdminApi (broker_admin_api.h).
//
// Implementations: BrokerApi (broker_api.h) over an rpc::Transport in production; in-memory fakes
// in engine tests (tests/support/replication_fakes.h), which need no transport.
//
// Contract of every implementation:
//  - Each call targets one broker address ("ip:port"); callers pick it (sends and offsets go to
//    the master, brokerId 0 -- Cluster resolves it).
//  - A failure is an Error (errors.h) whose message names the operation, the topic/group/queue
//    and the address; a broker's refusal keeps its response code and remark. Conditions that are
//    answers rather than failures are values: "no committed offset" is std::nullopt, a pull that
//    found nothing is PullStatus::kNoNewMsg.
//  - Calls are coroutines with parameters by value, run on the caller's executor (the transport's
//    io_context thread), no locks. Cancelling the awaiting coroutine ends a call in flight with
//    Errc::kCancelled (a long-polling pull included).
//  - Nothing is retried here; retry policy belongs to the engines.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <asio/awaitable.hpp>

#include "ferry/base/error.h"
#include "ferry/codec/bodies.h"
#include "ferry/codec/headers.h"
#include "ferry/codec/message.h"

namespace ferry::rocketmq {

struct SendResult {
  MessageQueue queue;           // topic and broker as sent, queue id as the broker assigned
  QueueOffset queue_offset{0};  // of the first message (a batch occupies consecutive offsets)
  std::string msg_id;           // offset msgId(s), comma-separated for a batch
  std::optional<std::string> transaction_id;
};

enum class PullStatus {
  kFound,          // SUCCESS: body holds stored message records
  kNoNewMsg,       // PULL_NOT_FOUND (19)
  kNoMatchedMsg,   // PULL_RETRY_IMMEDIATELY (20): everything was filtered out
  kOffsetIllegal,  // PULL_OFFSET_MOVED (21): offset out of range, or a server-side reset happened
};
std::string_view pullStatusName(PullStatus status);

struct PullRequest {
  std::string group;
  MessageQueue queue;
  QueueOffset offset{0};
  std::int32_t max_msg_nums = 32;
  // Long polling: the broker holds the request up to this long when nothing is there yet.
  // Zero pulls without suspending.
  std::chrono::milliseconds suspend{15000};
  // Commit this offset for `group` with the pull (FLAG_COMMIT_OFFSET).
  std::optional<QueueOffset> commit_offset;
  std::string subscription{codec::kSubAll};
  std::string expression_type = "TAG";
  std::int64_t sub_version = 0;
  std::optional<std::int32_t> max_msg_bytes;  // 5.x
};

struct PullResult {
  PullStatus status = PullStatus::kNoNewMsg;
  QueueOffset next_begin_offset{0};
  QueueOffset min_offset{0};
  QueueOffset max_offset{0};
  std::int64_t suggest_which_broker_id = 0;
  std::string body;  // stored message records (codec::StoredMessageReader) when kFound
};

class BrokerDataApi {
 public:
  virtual ~BrokerDataApi() = default;
  BrokerDataApi(const BrokerDataApi&) = delete;
  BrokerDataApi& operator=(const BrokerDataApi&) = delete;
  BrokerDataApi(BrokerDataApi&&) = delete;
  BrokerDataApi& operator=(BrokerDataApi&&) = delete;

  // ---- send ----
  // SEND_MESSAGE_V2 (310) with an already encoded message (header fields f/h/i + body).
  virtual asio::awaitable<Result<SendResult>> send(std::string addr,
                                                   codec::SendMessageRequestHeaderV2 header,
                                                   std::string body) = 0;
  // SEND_BATCH_MESSAGE (320); the batch flag (m=true) is forced; `batch_body` from
  // codec::encodeBatch.
  virtual asio::awaitable<Result<SendResult>> sendBatch(std::string addr,
                                                        codec::SendMessageRequestHeaderV2 header,
                                                        std::string batch_body) = 0;

  // ---- pull ----
  // PULL_MESSAGE (11) with FLAG_SUBSCRIPTION (+ FLAG_SUSPEND when request.suspend > 0,
  // + FLAG_COMMIT_OFFSET when commit_offset is set). Waits up to request.suspend for messages.
  virtual asio::awaitable<Result<PullResult>> pull(std::string addr, PullRequest request) = 0;

  // ---- offsets ----
  // QUERY_CONSUMER_OFFSET (14): nullopt = the group has no committed offset for the queue.
  virtual asio::awaitable<Result<std::optional<QueueOffset>>> queryConsumerOffset(
      std::string addr, std::string group, MessageQueue queue) = 0;
  // UPDATE_CONSUMER_OFFSET (15), synchronous. Sticks only for offline groups (docs/api.md); 5.3
  // refuses it (Errc::kGroupNotExist) for a group without subscription config.
  virtual asio::awaitable<Result<void>> updateConsumerOffset(std::string addr, std::string group,
                                                             MessageQueue queue,
                                                             QueueOffset offset) = 0;
  // GET_MIN_OFFSET (31) / GET_MAX_OFFSET (30): oldest stored offset / next offset to be written.
  virtual asio::awaitable<Result<QueueOffset>> minOffset(std::string addr, MessageQueue queue) = 0;
  virtual asio::awaitable<Result<QueueOffset>> maxOffset(std::string addr, MessageQueue queue) = 0;
  // SEARCH_OFFSET_BY_TIMESTAMP (29): the offset of the first message stored at or after
  // `timestamp_ms`. `boundary` is sent only when set (5.1.4+).
  virtual asio::awaitable<Result<QueueOffset>> searchOffset(
      std::string addr, MessageQueue queue, std::int64_t timestamp_ms,
      std::optional<codec::BoundaryType> boundary = std::nullopt) = 0;

  // ---- conveniences over send()/sendBatch(), the same for every implementation ----
  // Encodes `message` (codec::encodeSingleMessage) and send()s it to `queue`.
  asio::awaitable<Result<SendResult>> sendMessage(std::string addr, std::string producer_group,
                                                  MessageQueue queue, codec::Message message,
                                                  codec::SendOptions send_options = {});
  // Encodes `messages` (one topic: queue.topic) with codec::encodeBatch, batch properties
  // WAIT=true like Java's MessageBatch, and sendBatch()es them to `queue`.
  asio::awaitable<Result<SendResult>> sendMessages(std::string addr, std::string producer_group,
                                                   MessageQueue queue,
                                                   std::vector<codec::Message> messages);

 protected:
  BrokerDataApi() = default;
};

}  // namespace ferry::rocketmq
