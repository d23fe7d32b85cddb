#include "ferry/base/error.h"

#include <fmt/format.h>

namespace ferry {

std::string_view errcName(Errc code) {
  switch (code) {
    case Errc::kInvalidArgument: return "invalid_argument";
    case Errc::kNotFound: return "not_found";
    case Errc::kIo: return "io";
    case Errc::kInternal: return "internal";
    case Errc::kUnsupported: return "unsupported";
    case Errc::kTruncated: return "truncated";
    case Errc::kFrameTooLarge: return "frame_too_large";
    case Errc::kMalformed: return "malformed";
    case Errc::kConnectFailed: return "connect_failed";
    case Errc::kConnectionClosed: return "connection_closed";
    case Errc::kTimeout: return "timeout";
    case Errc::kCancelled: return "cancelled";
    case Errc::kTls: return "tls";
    case Errc::kRemote: return "remote";
    case Errc::kTopicNotExist: return "topic_not_exist";
    case Errc::kGroupNotExist: return "group_not_exist";
    case Errc::kNoPermission: return "no_permission";
    case Errc::kAuthFailed: return "auth_failed";
    case Errc::kBusy: return "busy";
    case Errc::kServiceUnavailable: return "service_unavailable";
    case Errc::kNotSupportedByPeer: return "not_supported_by_peer";
    case Errc::kConsumerNotOnline: return "consumer_not_online";
    case Errc::kQueryNotFound: return "query_not_found";
    case Errc::kMessageIllegal: return "message_illegal";
    case Errc::kStoredButNotFlushed: return "stored_but_not_flushed";
  }
  return "unknown";
}

std::string Error::toString() const {
  std::string out = fmt::format("{}: {}", errcName(code), message);
  if (remote_code != 0 || !remote_remark.empty()) {
    out += fmt::format(" [remote code {}", remote_code);
    if (!remote_remark.empty()) {
      out += ": ";
      // One line: log lines are one event each, and a NameServer's TOPIC_NOT_EXIST remark ends
      // with "\nSee https://rocketmq.apache.org/...".
      for (const char c : remote_remark) {
        out += (c == '\n' || c == '\r') ? ' ' : c;
      }
    }
    out += "]";
  }
  return out;
}

Error&& Error::withContext(std::string_view context) && {
  message = fmt::format("{}: {}", context, message);
  return std::move(*this);
}

}  // namespace ferry
