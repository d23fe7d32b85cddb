// Errors as values for every Ferry module.
//
// A failure is an `Error`: a code that says what kind of failure it is (grouped by the module
// that produces it), a message that names what was wrong and where, and -- when a RocketMQ broker
// or NameServer answered with a non-success response -- the remote response code and remark.
// Functions return `Result<T>` (tl::expected with Error) and are [[nodiscard]] through it.
// Exceptions never cross I/O paths: third-party exceptions are caught at the boundary and turned
// into an Error (see docs/ARCHITECTURE.md, "Errors").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace ferry {

enum class Errc : std::uint16_t {
  // Generic and user input.
  kInvalidArgument = 1,  // bad input from a user, a config file or a caller
  kNotFound,             // a named thing (topic, group, cluster, file) does not exist
  kIo,                   // local file or OS failure
  kInternal,             // a broken internal invariant reported instead of crashing
  kUnsupported,          // the peer or this build does not support the requested feature

  // codec: bytes that cannot be decoded.
  kTruncated = 100,  // input ends before a length says it should
  kFrameTooLarge,    // a frame or field is larger than the allowed maximum
  kMalformed,        // bytes are present but do not form a valid value

  // rpc: transport failures.
  kConnectFailed = 200,  // could not open a TCP (or TLS) connection
  kConnectionClosed,     // the connection dropped while the call was pending
  kTimeout,              // the call's deadline passed without an answer
  kCancelled,            // the call was cancelled by shutdown
  kTls,                  // TLS handshake or certificate failure

  // rocketmq: the remote side answered with a non-success response code.
  kRemote = 300,         // any other response code (see Error::remote_code)
  kTopicNotExist,        // TOPIC_NOT_EXIST (17)
  kGroupNotExist,        // SUBSCRIPTION_GROUP_NOT_EXIST (26)
  kNoPermission,         // NO_PERMISSION (16): permission bits or 5.3 authorization
  kAuthFailed,           // the signature or the access key was refused
  kBusy,                 // SYSTEM_BUSY (2), FLOW_CONTROL: retry later
  kServiceUnavailable,   // SERVICE_NOT_AVAILABLE (14), GO_AWAY (1500): broker not writable/shutting
                         // down
  kNotSupportedByPeer,   // REQUEST_CODE_NOT_SUPPORTED (3)
  kConsumerNotOnline,    // CONSUMER_NOT_ONLINE (206) and "no consumer for this group"
  kQueryNotFound,        // QUERY_NOT_FOUND (22): no committed offset
  kMessageIllegal,       // MESSAGE_ILLEGAL (13)
  kStoredButNotFlushed,  // FLUSH_DISK_TIMEOUT/FLUSH_SLAVE_TIMEOUT/SLAVE_NOT_AVAILABLE: stored on
                         // master
};

// Stable lower_snake name of a code, for logs, JSON and metrics labels.
std::string_view errcName(Errc code);

struct Error {
  Errc code = Errc::kInternal;
  std::string message;           // what was wrong and where; never empty for a real error
  std::int32_t remote_code = 0;  // RocketMQ response code when the error came from a peer's answer
  std::string remote_remark;     // the peer's remark, verbatim (may be empty)

  // "topic_not_exist: route of topic 'orders' from 127.0.0.1:9876 [remote code 17: No topic ...]"
  // on one line (line breaks of the remark become spaces).
  std::string toString() const;

  // Prefix the message with more context ("while X: " + message), keeping the code.
  Error&& withContext(std::string_view context) &&;
};

// [[nodiscard]] result type: tl::expected<T, Error> that the compiler refuses to let callers
// ignore.
template <class T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using Base = tl::expected<T, Error>;
  using Base::Base;
  Result(Base base) : Base(std::move(base)) {}  // NOLINT(google-explicit-constructor)
};

inline tl::unexpected<Error> makeError(Errc code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message), 0, {}});
}

inline tl::unexpected<Error> makeError(Error error) {
  return tl::unexpected<Error>(std::move(error));
}

}  // namespace ferry
