// Queue mapping of one topic mapping (docs/replication.md, "Queue mapping"; design.md,
// vocabulary): source queues and destination queues are each sorted by (brokerName, queueId) and
// source queue i goes to destination queue i mod N_dst. With equal counts (the default: Ferry
// creates missing destination topics with the source's queue count) it is a bijection; with fewer
// destination queues several sources share one; with more, some destination queues get nothing.
//
// The mapping is a pure function of the two current queue lists, so every `ferry run` process
// (and progress sync) computes the same one from the same routes. A route change (a queue added)
// can move a source queue to another destination queue; order per source queue is still kept in
// each destination queue, and the stamps in the destination say where every message came from.
// Immutable value after build(); any thread.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "ferry/base/error.h"
#include "ferry/model/side.h"

namespace ferry::model {

// Mapping order: (brokerName, queueId); broker names compare bytewise (as Java's compareTo does
// for ASCII names).
bool mappingOrder(const MessageQueue& a, const MessageQueue& b);

class QueueMapping {
 public:
  // Sorts both lists. kInvalidArgument when a list mixes topics, repeats a queue, or sources exist
  // but there is no destination queue. Empty sources give an empty mapping.
  static Result<QueueMapping> build(std::vector<SourceQueue> sources,
                                    std::vector<DestinationQueue> destinations);

  // Sorted by mappingOrder.
  const std::vector<SourceQueue>& sources() const { return sources_; }
  const std::vector<DestinationQueue>& destinations() const { return destinations_; }

  // The destination of a source queue; nullopt when it is not one of sources().
  std::optional<DestinationQueue> destinationOf(const SourceQueue& source) const;
  // The sources mapped to a destination queue, in mapping order (empty when none or unknown).
  std::vector<SourceQueue> sourcesOf(const DestinationQueue& destination) const;

 private:
  QueueMapping() = default;
  std::vector<SourceQueue> sources_;
  std::vector<DestinationQueue> destinations_;
};

}  // namespace ferry::model
