#include "ferry/replication/queue_pipeline.h"

#include <algorithm>
#include <exception>
#include <utility>

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/redirect_error.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "ferry/async/when_all.h"
#include "ferry/base/co_try.h"
#include "ferry/base/log.h"
#include "ferry/codec/message.h"

namespace ferry::replication {
namespace {

const std::shared_ptr<spdlog::logger>& logger() {
  static const std::shared_ptr<spdlog::logger> kInstance = log::get(log::Module::kReplication);
  return kInstance;
}

control::LastError lastErrorOf(const Error& error) {
  control::LastError out;
  out.code = std::string(errcName(error.code));
  out.message = error.toString();
  out.time_ms = wallClockMs();
  return out;
}

// One pull of a window, timed.
asio::awaitable<Result<TimedPull>> timedPull(rocketmq::BrokerDataApi& api, std::string addr,
                                             rocketmq::PullRequest request) {
  const auto started = std::chrono::steady_clock::now();
  auto pulled = co_await api.pull(std::move(addr), std::move(request));
  if (!pulled) {
    co_return makeError(std::move(pulled.error()));
  }
  co_return TimedPull{std::move(*pulled), std::chrono::steady_clock::now() - started};
}

// Runs a window's pulls concurrently and stores their answers: co_spawn needs a void coroutine
// here (Result<T> is not default constructible for every T). Cancelling it cancels every pull
// (whenAll), and it returns only after all of them finished.
asio::awaitable<void> pullsInto(rocketmq::BrokerDataApi& api, std::string addr,
                                std::vector<rocketmq::PullRequest> requests,
                                std::optional<std::vector<Result<TimedPull>>>& out) {
  std::vector<asio::awaitable<Result<TimedPull>>> calls;
  calls.reserve(requests.size());
  for (auto& request : requests) {
    calls.push_back(timedPull(api, addr, std::move(request)));
  }
  out.emplace(co_await async::whenAll(std::move(calls)));
}

// Runs a send (single or batch) and stores its result and when it completed, then wakes the
// waiting pipeline through `done` (cancelling its wait). The pipeline waits for `out` before it
// returns, so the references outlive this coroutine.
asio::awaitable<void> sendInto(rocketmq::BrokerDataApi& api, bool batch, std::string addr,
                               codec::SendMessageRequestHeaderV2 header, std::string body,
                               std::optional<Result<rocketmq::SendResult>>& out,
                               std::chrono::steady_clock::time_point& finished,
                               asio::steady_timer& done) {
  try {
    if (batch) {
      out.emplace(co_await api.sendBatch(std::move(addr), std::move(header), std::move(body)));
    } else {
      out.emplace(co_await api.send(std::move(addr), std::move(header), std::move(body)));
    }
  } catch (const std::exception& e) {
    // Never leave the pipeline waiting: an escaped exception is a failed send (retried).
    out.emplace(makeError(Errc::kInternal, fmt::format("send: {}", e.what())));
  }
  finished = std::chrono::steady_clock::now();
  done.cancel();
}

double seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace

std::int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

QueuePipeline::QueuePipeline(PipelineConfig config, rocketmq::Cluster& source,
                             rocketmq::Cluster& destination, asio::any_io_executor executor,
                             std::optional<control::QueueMetrics> metrics)
    : config_(std::move(config)),
      source_(source),
      destination_(destination),
      executor_(std::move(executor)),
      metrics_(std::move(metrics)),
      wake_(executor_),
      backoff_(config_.options.retry_initial, config_.options.retry_max) {}

void QueuePipeline::requestStop() {
  if (stopping_) {
    return;
  }
  stopping_ = true;
  wake_.cancel();
  if (pulling_) {
    pull_cancel_.emit(asio::cancellation_type::terminal);
  }
}

std::optional<model::SourceOffset> QueuePipeline::checkpoint() const {
  if (!checkpoint_) {
    return std::nullopt;
  }
  return checkpoint_->checkpoint();
}

std::span<const OutgoingMessage> QueuePipeline::unsentMessages() const {
  return std::span<const OutgoingMessage>(pending_).subspan(head_);
}

std::size_t QueuePipeline::unsentBytes() const {
  std::size_t bytes = 0;
  for (const auto& m : unsentMessages()) {
    bytes += m.batchRecordSize();
  }
  return bytes;
}

void QueuePipeline::dropFront(std::size_t count) {
  head_ += count;
  for (std::size_t i = 0; i < count && !pending_store_times_.empty(); ++i) {
    pending_store_times_.pop_front();
  }
  if (head_ == pending_.size()) {
    pending_.clear();
    head_ = 0;
  } else if (head_ > pending_.size() / 2) {
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

std::size_t QueuePipeline::targetBytes() const {
  const auto& o = config_.options;
  return targetBatchBytes(link_.bandwidthBytesPerSecond(), link_.roundTrip(), o.target_floor,
                          o.limits.max_batch_bytes);
}

void QueuePipeline::noteError(const Error& error) {
  last_error_ = lastErrorOf(error);
  if (metrics_) {
    metrics_->recordError(errcName(error.code));
  }
}

asio::awaitable<void> QueuePipeline::pause(std::chrono::milliseconds delay) {
  if (stopping_) {
    co_return;
  }
  wake_.expires_after(delay);
  asio::error_code ec;
  co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> QueuePipeline::backOff(const Error& failure, std::string_view what) {
  ++failures_;
  const Error error =
      inCluster(failure, what == "send" ? config_.destination_cluster : config_.source_cluster);
  noteError(error);
  if (metrics_) {
    metrics_->retries->inc();
  }
  if (state_ != control::QueueState::kBlocked) {
    state_ = control::QueueState::kRetrying;
  }
  const auto delay = backoff_.delay(failures_, jitter_());
  logger()->warn("{}_failed task={} queue={} attempt={} retry_in_ms={} error=\"{}\"", what,
                 config_.task, config_.source, failures_, delay.count(), error.toString());
  if (routeMayBeStale(error)) {
    source_.invalidateRoute(config_.source.topic());
    destination_.invalidateRoute(config_.destination.topic());
  }
  co_await commitIfDue(false);
  co_await pause(delay);
}

// ---- start ----------------------------------------------------------------------------------

asio::awaitable<Result<model::SourceOffset>> QueuePipeline::resolveStart() {
  const MessageQueue& mq = config_.source.queue();
  FERRY_CO_TRY(addr, co_await source_.masterAddr(mq.topic, mq.broker_name));
  FERRY_CO_TRY(committed,
               co_await source_.brokerData().queryConsumerOffset(addr, config_.group, mq));
  if (committed) {
    logger()->info("resume task={} queue={} group={} checkpoint={}", config_.task, config_.source,
                   config_.group, committed->value());
    co_return model::SourceOffset(*committed);
  }
  Result<QueueOffset> start = makeError(Errc::kInternal, "start position not resolved");
  std::string_view kind = "earliest";
  switch (config_.start.kind) {
    case StartSpec::Kind::kEarliest:
      start = co_await source_.brokerData().minOffset(addr, mq);
      break;
    case StartSpec::Kind::kLatest:
      kind = "latest";
      start = co_await source_.brokerData().maxOffset(addr, mq);
      break;
    case StartSpec::Kind::kTimestamp:
      kind = "timestamp";
      start = co_await source_.brokerData().searchOffset(addr, mq, config_.start.time.millis());
      break;
  }
  if (!start) {
    co_return makeError(std::move(start.error()));
  }
  // Persist at once: a restart before the first commit must not start again from "latest" (or a
  // later timestamp answer) and skip what arrived in between.
  FERRY_CO_TRY_VOID(
      co_await source_.brokerData().updateConsumerOffset(addr, config_.group, mq, *start));
  logger()->info("start_position task={} queue={} group={} start={} offset={} (persisted)",
                 config_.task, config_.source, config_.group, kind, start->value());
  co_return model::SourceOffset(*start);
}

// ---- main loop ------------------------------------------------------------------------------

asio::awaitable<void> QueuePipeline::run() {
  state_ = control::QueueState::kStarting;
  while (!stopping_ && !checkpoint_) {
    auto start = co_await resolveStart();
    if (start) {
      checkpoint_.emplace(*start);
      checkpoint_->markCommitted(*start);
      last_commit_time_ = std::chrono::steady_clock::now();
      failures_ = 0;
      break;
    }
    co_await backOff(start.error(), "start");
  }
  if (checkpoint_) {
    state_ = control::QueueState::kRunning;
    logger()->info("pipeline_started task={} queue={} destination={} checkpoint={} tags=\"{}\"",
                   config_.task, config_.source, config_.destination, checkpoint_->checkpoint(),
                   config_.filter.toString());
  }
  while (!stopping_) {
    const NextStep step = nextStep(checkpoint_->unsent(), unsentBytes(), source_has_more_,
                                   targetBytes(), config_.options.max_pending_bytes);
    StepResult result = StepResult::kContinue;
    if (step == NextStep::kSend) {
      result = co_await sendFront();
    } else {
      const std::size_t limit = std::min(targetBytes(), config_.options.max_pending_bytes);
      const std::size_t unsent_bytes = unsentBytes();
      result = co_await pullOnce(step == NextStep::kPullWait, false,
                                 unsent_bytes < limit ? limit - unsent_bytes : 0);
    }
    if (result == StepResult::kStop) {
      break;
    }
  }
  state_ = control::QueueState::kDraining;
  if (checkpoint_) {
    co_await commitIfDue(true);
  }
  state_ = control::QueueState::kStopped;
  logger()->info("pipeline_stopped task={} queue={} checkpoint={} committed={} replicated={}",
                 config_.task, config_.source, checkpoint_ ? checkpoint_->checkpoint().value() : -1,
                 checkpoint_ ? checkpoint_->lastCommitted().value() : -1, replicated_);
}

// ---- pull -----------------------------------------------------------------------------------

asio::awaitable<std::vector<Result<TimedPull>>> QueuePipeline::cancellablePulls(
    std::string addr, std::vector<rocketmq::PullRequest> requests) {
  const std::size_t count = requests.size();
  std::optional<std::vector<Result<TimedPull>>> out;
  pulling_ = true;
  auto completion = asio::bind_cancellation_slot(pull_cancel_.slot(), asio::use_awaitable);
  std::string failure = "cancelled";
  try {
    co_await asio::co_spawn(
        executor_, pullsInto(source_.brokerData(), std::move(addr), std::move(requests), out),
        completion);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  pulling_ = false;
  pull_cancel_.slot().clear();
  if (out && out->size() == count) {
    co_return std::move(*out);
  }
  std::vector<Result<TimedPull>> failed;
  failed.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    failed.emplace_back(makeError(
        Errc::kCancelled, fmt::format("pull of {}: {}", config_.source.toString(), failure)));
  }
  co_return failed;
}

asio::awaitable<QueuePipeline::StepResult> QueuePipeline::pullOnce(bool wait, bool prefetching,
                                                                   std::size_t room_bytes) {
  const MessageQueue& mq = config_.source.queue();
  auto addr = co_await source_.masterAddr(mq.topic, mq.broker_name);
  if (stopping_) {
    co_return StepResult::kStop;
  }
  if (!addr && prefetching) {
    prefetch_stopped_ =
        true;  // no backoff while a send is in flight: the next regular pull retries
    co_return StepResult::kContinue;
  }
  if (!addr) {
    co_await backOff(addr.error(), "pull");
    co_return StepResult::kContinue;
  }
  const std::int32_t pull_batch = config_.options.pull_batch;
  const model::SourceOffset first = checkpoint_->nextPull();
  const std::int64_t backlog = source_max_offset_ ? lagMessages(*source_max_offset_, first) : 0;
  const std::size_t count =
      pullsToIssue(static_cast<std::size_t>(std::max(config_.options.pulls_in_flight, 1)), wait,
                   last_pull_full_, backlog, pull_batch, room_bytes, bytes_per_pull_);
  const std::optional<model::SourceOffset> commit = checkpoint_->pendingCommit();
  std::vector<rocketmq::PullRequest> requests;
  std::vector<model::SourceOffset> offsets;  // the requested offset of each
  requests.reserve(count);
  offsets.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    rocketmq::PullRequest request;
    request.group = config_.group;
    request.queue = mq;
    offsets.push_back(first.plus(static_cast<std::int64_t>(i) * pull_batch));
    request.offset = offsets.back().queueOffset();
    request.max_msg_nums = pull_batch;
    // Only a lone pull long-polls: a caught-up queue holds one pull open on the broker, not N.
    request.suspend =
        wait && count == 1 ? config_.options.pull_suspend : std::chrono::milliseconds(0);
    request.subscription = config_.tag_expression;
    if (i == 0 && commit) {
      request.commit_offset = commit->queueOffset();
    }
    requests.push_back(std::move(request));
  }
  auto answers = co_await cancellablePulls(*addr, std::move(requests));
  if (commit && answers.front()) {
    checkpoint_->markCommitted(*commit);
    last_commit_time_ = std::chrono::steady_clock::now();
  }
  if (stopping_) {
    co_return StepResult::kStop;  // the answers are dropped; the checkpoint is written as it is
  }

  // The first answer starts at nextPull(): its failures are handled as a single pull's.
  auto& head = answers.front();
  if (!head) {
    last_pull_full_ = false;
    if (prefetching) {
      prefetch_stopped_ = true;
      co_return StepResult::kContinue;
    }
    co_await backOff(head.error(), "pull");
    co_return StepResult::kContinue;
  }
  if (metrics_ && (!wait || head->result.status == rocketmq::PullStatus::kFound)) {
    metrics_->pull_latency->observe(seconds(head->latency));
  }
  if (prefetching && head->result.status == rocketmq::PullStatus::kOffsetIllegal) {
    // moveTo() is refused while a batch is in flight: the next regular pull sees it again.
    last_pull_full_ = false;
    prefetch_stopped_ = true;
    co_return StepResult::kContinue;
  }
  if (auto accepted = acceptPull(head->result); !accepted) {
    last_pull_full_ = false;
    if (prefetching) {
      prefetch_stopped_ = true;
      co_return StepResult::kContinue;
    }
    // A pull answer the checkpoint rule refuses (offsets out of order): never guess, pull again.
    co_await backOff(accepted.error(), "pull");
    co_return StepResult::kContinue;
  }
  failures_ = 0;
  if (state_ == control::QueueState::kRetrying) {
    state_ = control::QueueState::kRunning;
  }
  last_activity_ms_ = wallClockMs();

  // The others, in offset order: each is applied only when it starts exactly where the applied
  // ones ended (nextPull()). After a short answer (transfer limit, filtered range, end of the
  // queue), a failed one or OFFSET_MOVED, the rest of the window is dropped: the next window
  // pulls it again from nextPull(), where a failure is handled as above.
  for (std::size_t i = 1; i < answers.size(); ++i) {
    auto& answer = answers[i];
    const bool in_order = answer && offsets[i] == checkpoint_->nextPull()
                          && answer->result.status != rocketmq::PullStatus::kOffsetIllegal;
    if (answer && metrics_) {  // every answered pull, applied or dropped
      metrics_->pull_latency->observe(seconds(answer->latency));
    }
    if (!in_order || !acceptPull(answer->result)) {
      logger()->debug("pulls_dropped task={} queue={} from={} next_pull={} count={}", config_.task,
                      config_.source, offsets[i], checkpoint_->nextPull(), answers.size() - i);
      if (answer && offsets[i] == checkpoint_->nextPull()) {
        last_pull_full_ = false;  // refused or moved: the next window is a single pull
      }
      break;
    }
  }
  co_return StepResult::kContinue;
}

Result<void> QueuePipeline::acceptPull(const rocketmq::PullResult& pull) {
  source_max_offset_ = model::SourceOffset(pull.max_offset);
  const model::SourceOffset next(pull.next_begin_offset);
  const model::SourceOffset from = checkpoint_->nextPull();
  last_pull_full_ = false;
  switch (pull.status) {
    case rocketmq::PullStatus::kOffsetIllegal: {
      logger()->warn("offset_moved task={} queue={} from={} to={} min={} max={}{}", config_.task,
                     config_.source, from, next, pull.min_offset, pull.max_offset,
                     next > from ? " (messages below the new offset expired unreplicated)" : "");
      auto moved = checkpoint_->moveTo(next);
      if (!moved) {
        return moved;
      }
      pending_.clear();
      pending_store_times_.clear();
      head_ = 0;
      source_has_more_ = true;
      // Written at once (like Java's OFFSET_ILLEGAL handling), by the next pull or commit.
      last_commit_time_ = std::chrono::steady_clock::time_point{};
      return {};
    }
    case rocketmq::PullStatus::kNoNewMsg:
    case rocketmq::PullStatus::kNoMatchedMsg: {
      source_has_more_ = pull.status == rocketmq::PullStatus::kNoMatchedMsg
                         && next < model::SourceOffset(pull.max_offset);
      if (next > from) {
        return checkpoint_->recordPull({}, next);
      }
      return {};
    }
    case rocketmq::PullStatus::kFound: break;
  }
  std::vector<model::SourceOffset> to_send;
  std::vector<OutgoingMessage> fresh;
  std::vector<StoreTime> fresh_store_times;
  std::uint64_t skipped = 0;
  TransformContext ctx;
  ctx.source_cluster = config_.source_cluster;
  ctx.source_queue = &config_.source;
  ctx.destination_topic = config_.destination.topic();

  auto consider = [&](const codec::MessageView& view) {
    const model::SourceOffset offset(view.queue_offset);
    if (offset < from || offset >= next) {
      return;  // before the requested offset (inside an inner batch) or beyond the answer
    }
    if (!to_send.empty() && offset <= to_send.back()) {
      return;  // a repeated record; the first one counts
    }
    if (classify(view, config_.filter, config_.destination_cluster) != Disposition::kSend) {
      ++skipped;
      return;
    }
    auto out = transformMessage(view, ctx);
    if (!out) {
      // Can never be sent as it is (e.g. properties too long with the stamp): reported, settled.
      ++rejected_;
      noteError(out.error());
      logger()->error(
          "message_rejected task={} queue={} offset={} msgId={} reason=\"{}\" "
          "(given up; it is not replicated)",
          config_.task, config_.source, offset, view.msgId(), out.error().toString());
      return;
    }
    to_send.push_back(offset);
    fresh_store_times.push_back(view.store_timestamp);
    fresh.push_back(std::move(*out));
  };

  codec::StoredMessageReader reader(pull.body);
  codec::MessageView view;
  std::string scratch;
  while (true) {
    auto more = reader.next(view);
    if (!more) {
      return makeError(std::move(more.error())
                           .withContext(fmt::format("decoding pull of {} from offset {}",
                                                    config_.source.toString(), from)));
    }
    if (!*more) {
      break;
    }
    if (!view.isInnerBatch()) {
      consider(view);
      continue;
    }
    auto body = view.plainBody(scratch);
    if (!body) {
      return makeError(std::move(body.error()));
    }
    auto inner = codec::unwrapInnerBatch(view, *body);
    if (!inner) {
      return makeError(std::move(inner.error()));
    }
    for (const auto& member : *inner) {
      consider(member);
    }
  }
  if (auto recorded = checkpoint_->recordPull(to_send, next); !recorded) {
    return recorded;
  }
  for (std::size_t i = 0; i < fresh.size(); ++i) {
    pending_.push_back(std::move(fresh[i]));
    pending_store_times_.push_back(fresh_store_times[i]);
  }
  if (metrics_ && skipped > 0) {
    metrics_->filtered->inc(skipped);
  }
  source_has_more_ = next < model::SourceOffset(pull.max_offset);
  last_pull_full_ = next.distanceFrom(from) == config_.options.pull_batch;
  if (last_pull_full_) {
    bytes_per_pull_ = pull.body.size();
  }
  return {};
}

// ---- send -----------------------------------------------------------------------------------

void QueuePipeline::settleSent(std::size_t count, std::size_t body_bytes) {
  dropFront(count);
  replicated_ += count;
  rate_.sample(std::chrono::steady_clock::now(), replicated_);
  last_activity_ms_ = wallClockMs();
  if (metrics_) {
    metrics_->messages->inc(count);
    metrics_->bytes->inc(body_bytes);
  }
}

void QueuePipeline::reportRejected(const OutgoingMessage& message, const Error& error) {
  ++rejected_;
  noteError(error);
  logger()->error(
      "message_rejected task={} queue={} offset={} destination={} msgId={} "
      "reason=\"{}\" (given up; it is not replicated)",
      config_.task, config_.source, message.source_offset, config_.destination,
      message.message.properties.get(codec::property::kUniqKey).value_or(""), error.toString());
}

asio::awaitable<QueuePipeline::StepResult> QueuePipeline::sendFront() {
  BatchLimits limits = config_.options.limits;
  const auto unsent = unsentMessages();
  if (singles_through_ && unsent.front().source_offset <= *singles_through_) {
    limits.max_messages = 1;
  } else {
    singles_through_.reset();
  }
  const BatchPlan plan = planBatch(unsent, limits, targetBytes());
  if (plan.kind == BatchPlan::Kind::kEmpty) {
    co_return StepResult::kContinue;
  }
  if (plan.kind == BatchPlan::Kind::kTooLarge) {
    Error error;
    error.code = Errc::kMessageIllegal;
    error.message = fmt::format("replicating {} offset {}: {}", config_.source.toString(),
                                plan.first_offset, plan.reason);
    reportRejected(unsent.front(), error);
    auto begun = checkpoint_->beginBatch(1);
    auto settled = begun ? checkpoint_->abandonBatch() : begun;
    if (!settled) {
      co_await backOff(settled.error(), "send");
      co_return StepResult::kContinue;
    }
    dropFront(1);
    co_return StepResult::kContinue;
  }

  const model::DestinationQueue& dq = config_.destination;
  auto addr = co_await destination_.masterAddr(dq.topic(), dq.brokerName());
  if (!addr) {
    if (stopping_) {
      co_return StepResult::kStop;
    }
    co_await backOff(addr.error(), "send");
    co_return StepResult::kContinue;
  }
  codec::SendMessageRequestHeaderV2 header;
  header.producer_group = config_.options.producer_group;
  header.topic = dq.topic();
  header.queue_id = dq.queueId();
  header.sys_flag = plan.sys_flag;
  header.reconsume_times = 0;
  header.unit_mode = false;
  header.broker_name = dq.brokerName();
  std::string body;
  std::size_t body_bytes = 0;
  bool encoded_ok = true;
  Error encode_error;
  if (plan.kind == BatchPlan::Kind::kSingle) {
    const OutgoingMessage& m = unsent.front();
    header.born_timestamp = m.born_timestamp.millis();
    header.flag = m.message.flag;
    auto props = codec::encodeProperties(m.message.properties);
    if (props) {
      header.properties = std::move(*props);
    } else {
      encoded_ok = false;
      encode_error = props.error();
    }
    body = m.message.body;
    body_bytes = body.size();
  } else {
    header.born_timestamp = unsent.front().born_timestamp.millis();
    // Batch-level properties as Java's MessageBatch has them: WAIT only. Never a batch UNIQ_KEY:
    // 5.0-5.3.3 brokers append batch properties to every member and would replace each id.
    codec::Properties batch_properties{{codec::property::kWaitStoreMsgOk, "true"}};
    auto props = codec::encodeProperties(batch_properties);
    if (props) {
      header.properties = std::move(*props);
    }
    body.reserve(plan.bytes);
    for (std::size_t i = 0; i < plan.count && encoded_ok; ++i) {
      const OutgoingMessage& m = unsent[i];
      auto member_props = codec::encodeProperties(m.message.properties);
      if (!member_props) {
        encoded_ok = false;
        encode_error = member_props.error();
        break;
      }
      if (auto ok = codec::appendBatchRecord(m.message.flag, m.message.body, *member_props, body);
          !ok) {
        encoded_ok = false;
        encode_error = ok.error();
      }
      body_bytes += m.message.body.size();
    }
  }
  if (auto begun = checkpoint_->beginBatch(plan.count); !begun) {
    co_await backOff(begun.error(), "send");
    co_return StepResult::kContinue;
  }
  if (!encoded_ok) {
    // transformMessage() produced these properties; failing to encode them again is a bug,
    // reported like a rejection so it is never silent.
    for (std::size_t i = 0; i < plan.count; ++i) {
      reportRejected(unsent[i], encode_error);
    }
    (void)checkpoint_->abandonBatch();
    dropFront(plan.count);
    co_return StepResult::kContinue;
  }

  // Prefetch: while the batch is in flight, pull what comes after it (never a second send, so
  // the destination queue still receives the source order, and a failed batch is resent before
  // anything behind it). The pulled messages only join the pending list behind the batch.
  std::size_t in_flight_bytes = 0;
  for (std::size_t i = 0; i < plan.count; ++i) {
    in_flight_bytes += unsent[i].batchRecordSize();
  }
  const auto started = std::chrono::steady_clock::now();
  std::optional<Result<rocketmq::SendResult>> sent_out;
  auto finished = started;
  asio::steady_timer send_done(executor_, std::chrono::steady_clock::time_point::max());
  asio::co_spawn(executor_,
                 sendInto(destination_.brokerData(), plan.kind == BatchPlan::Kind::kBatch, *addr,
                          std::move(header), std::move(body), sent_out, finished, send_done),
                 asio::detached);
  prefetch_stopped_ = !config_.options.prefetch;
  while (!sent_out) {
    const std::size_t behind = unsentBytes() - in_flight_bytes;
    const std::size_t limit = std::min(targetBytes(), config_.options.max_pending_bytes);
    if (!prefetch_stopped_ && !stopping_ && source_has_more_ && behind < limit) {
      if (co_await pullOnce(false, true, limit - behind) == StepResult::kStop) {
        prefetch_stopped_ = true;
      }
      continue;
    }
    asio::error_code ec;
    co_await send_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  Result<rocketmq::SendResult> sent = std::move(*sent_out);
  const auto latency = finished - started;
  // The pulls may have grown pending_: take the span again.
  const auto unsent_now = unsentMessages();
  if (metrics_) {
    metrics_->send_latency->observe(seconds(latency));
  }
  const SendFailure failure = sent ? SendFailure::kStored : classifySendFailure(sent.error());
  if (sent || failure == SendFailure::kStored) {
    if (!sent) {
      logger()->warn(
          "send_stored_not_flushed task={} queue={} offset={} count={} error=\"{}\" "
          "(stored on the master: settled)",
          config_.task, config_.source, plan.first_offset, plan.count, sent.error().toString());
    }
    (void)checkpoint_->ackBatch();
    link_.observe(plan.bytes, std::chrono::duration_cast<std::chrono::microseconds>(latency));
    settleSent(plan.count, body_bytes);
    if (plan.kind == BatchPlan::Kind::kBatch) {
      ++batches_sent_;
      if ((plan.sys_flag & codec::kSysFlagCompressed) != 0) {
        ++compressed_batches_sent_;
      }
    }
    failures_ = 0;
    if (state_ != control::QueueState::kRunning) {
      state_ = control::QueueState::kRunning;
    }
    co_return StepResult::kContinue;
  }
  if (failure == SendFailure::kRejected) {
    if (plan.count > 1) {
      // Which member is refused? Resend the batch's messages one by one.
      (void)checkpoint_->retryBatch();
      singles_through_ = unsent_now[plan.count - 1].source_offset;
      logger()->warn(
          "batch_rejected task={} queue={} offsets={}..{} error=\"{}\" "
          "(resending them singly)",
          config_.task, config_.source, plan.first_offset, *singles_through_,
          sent.error().toString());
      co_return StepResult::kContinue;
    }
    if (config_.options.abandon_rejected) {
      reportRejected(unsent_now.front(), sent.error());
      (void)checkpoint_->abandonBatch();
      dropFront(1);
      co_return StepResult::kContinue;
    }
    (void)checkpoint_->retryBatch();
    state_ = control::QueueState::kBlocked;
    const Error blocked =
        inCluster(sent.error(), config_.destination_cluster)
            .withContext(fmt::format(
                "queue blocked at source offset {} (msgId {}); retried every {} ms",
                plan.first_offset,
                unsent_now.front().message.properties.get(codec::property::kUniqKey).value_or(""),
                config_.options.blocked_retry.count()));
    noteError(blocked);
    logger()->error("queue_blocked task={} queue={} offset={} destination={} error=\"{}\"",
                    config_.task, config_.source, plan.first_offset, config_.destination,
                    blocked.toString());
    co_await commitIfDue(false);
    co_await pause(config_.options.blocked_retry);
    co_return StepResult::kContinue;
  }
  (void)checkpoint_->retryBatch();
  co_await backOff(sent.error(), "send");
  co_return StepResult::kContinue;
}

// ---- commit ---------------------------------------------------------------------------------

asio::awaitable<Result<void>> QueuePipeline::commit(model::SourceOffset offset) {
  const MessageQueue& mq = config_.source.queue();
  FERRY_CO_TRY(addr, co_await source_.masterAddr(mq.topic, mq.broker_name));
  FERRY_CO_TRY_VOID(co_await source_.brokerData().updateConsumerOffset(addr, config_.group, mq,
                                                                       offset.queueOffset()));
  checkpoint_->markCommitted(offset);
  last_commit_time_ = std::chrono::steady_clock::now();
  co_return Result<void>{};
}

asio::awaitable<void> QueuePipeline::commitIfDue(bool stopping) {
  if (!checkpoint_) {
    co_return;
  }
  const auto pending = checkpoint_->pendingCommit();
  if (!shouldCommitNow(pending.has_value(), stopping,
                       std::chrono::steady_clock::now() - last_commit_time_,
                       config_.options.commit_interval)) {
    co_return;
  }
  auto done = co_await commit(*pending);
  if (!done) {
    done = makeError(inCluster(std::move(done.error()), config_.source_cluster));
    noteError(done.error());
    logger()->warn("commit_failed task={} queue={} offset={} error=\"{}\"", config_.task,
                   config_.source, *pending, done.error().toString());
  } else if (stopping) {
    logger()->info("checkpoint_committed task={} queue={} offset={}", config_.task, config_.source,
                   *pending);
  }
}

// ---- status ---------------------------------------------------------------------------------

control::QueueStatus QueuePipeline::status(std::int64_t now_ms) const {
  control::QueueStatus out;
  out.source = config_.source.queue();
  out.destination = config_.destination.queue();
  out.state = state_;
  out.last_error = last_error_;
  out.last_activity_ms = last_activity_ms_;
  if (source_max_offset_) {
    out.source_max_offset = source_max_offset_->value();
  }
  out.rate_messages_per_second = rate_.perSecond(std::chrono::steady_clock::now(), replicated_);
  if (checkpoint_) {
    const model::SourceOffset cp = checkpoint_->checkpoint();
    out.checkpoint = cp.value();
    if (source_max_offset_) {
      const std::int64_t lag = lagMessages(*source_max_offset_, cp);
      out.lag_messages = lag;
      std::optional<StoreTime> oldest;
      if (!pending_store_times_.empty()) {
        oldest = pending_store_times_.front();
      }
      out.lag_seconds = lagSeconds(lag, oldest, StoreTime::fromMillis(now_ms));
      if (metrics_) {
        metrics_->lag_messages->set(static_cast<double>(lag));
        if (out.lag_seconds) {
          metrics_->lag_seconds->set(*out.lag_seconds);
        }
      }
    }
  }
  return out;
}

}  // namespace ferry::replication
