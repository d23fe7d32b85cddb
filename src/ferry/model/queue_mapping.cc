#include "ferry/model/queue_mapping.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include <fmt/format.h>

namespace ferry::model {
namespace {

template <class Side>
bool sideOrder(const SideQueue<Side>& a, const SideQueue<Side>& b) {
  return mappingOrder(a.queue(), b.queue());
}

template <class Side>
Result<void> sortAndCheck(std::vector<SideQueue<Side>>& queues) {
  std::sort(queues.begin(), queues.end(), sideOrder<Side>);
  for (std::size_t i = 0; i < queues.size(); ++i) {
    if (queues[i].topic() != queues.front().topic()) {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("{} queues of one topic mapping mix topics '{}' and '{}'",
                                   Side::kName, queues.front().topic(), queues[i].topic()));
    }
    if (i > 0 && queues[i] == queues[i - 1]) {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("{} queue {} is listed twice", Side::kName, queues[i]));
    }
  }
  return {};
}

template <class Side>
std::optional<std::size_t> indexOf(const std::vector<SideQueue<Side>>& sorted,
                                   const SideQueue<Side>& queue) {
  const auto it = std::lower_bound(sorted.begin(), sorted.end(), queue, sideOrder<Side>);
  if (it == sorted.end() || *it != queue) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(it - sorted.begin());
}

}  // namespace

bool mappingOrder(const MessageQueue& a, const MessageQueue& b) {
  if (a.broker_name != b.broker_name) {
    return a.broker_name < b.broker_name;
  }
  return a.queue_id < b.queue_id;
}

Result<QueueMapping> QueueMapping::build(std::vector<SourceQueue> sources,
                                         std::vector<DestinationQueue> destinations) {
  if (auto r = sortAndCheck(sources); !r) {
    return makeError(std::move(r.error()));
  }
  if (auto r = sortAndCheck(destinations); !r) {
    return makeError(std::move(r.error()));
  }
  if (!sources.empty() && destinations.empty()) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("no destination queue for the {} source queues of topic '{}'",
                                 sources.size(), sources.front().topic()));
  }
  QueueMapping mapping;
  mapping.sources_ = std::move(sources);
  mapping.destinations_ = std::move(destinations);
  return mapping;
}

std::optional<DestinationQueue> QueueMapping::destinationOf(const SourceQueue& source) const {
  const auto i = indexOf(sources_, source);
  if (!i) {
    return std::nullopt;
  }
  return destinations_[*i % destinations_.size()];
}

std::vector<SourceQueue> QueueMapping::sourcesOf(const DestinationQueue& destination) const {
  std::vector<SourceQueue> out;
  const auto j = indexOf(destinations_, destination);
  if (!j) {
    return out;
  }
  for (std::size_t i = *j; i < sources_.size(); i += destinations_.size()) {
    out.push_back(sources_[i]);
  }
  return out;
}

}  // namespace ferry::model
