#include "ferry/rocketmq/errors.h"

#include <algorithm>
#include <cctype>
#include <string>

#include <fmt/format.h>

#include "ferry/codec/headers.h"

namespace ferry::rocketmq {
namespace {

using codec::ResponseCode;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

}  // namespace

bool isAuthFailureRemark(std::string_view remark) {
  // ACL 1.0 (4.x-5.3.2 aclEnable): org.apache.rocketmq.acl.common.AclException: ...
  if (contains(remark, "AclException")) {
    return true;
  }
  const std::string r = lower(remark);
  // 5.3 AuthenticationException texts (DefaultAuthenticationHandler, ...ContextBuilder,
  // AbstractAuthenticationStrategy) and UserAuthorizationHandler's "User:X not found."
  return contains(r, "signature") || contains(r, "authentication")
         || (contains(r, "user:") && (contains(r, "not found") || contains(r, "disabled")))
         || contains(r, "username cannot be null") || contains(r, "datetime is null")
         || contains(r, "accesskey");
}

Errc errcForResponse(std::int32_t code, std::string_view remark) {
  switch (static_cast<ResponseCode>(code)) {
    case ResponseCode::kSystemError: {
      if (isAuthFailureRemark(remark)) {
        return Errc::kAuthFailed;
      }
      const std::string r = lower(remark);
      // GET_CONSUMER_LIST_BY_GROUP "no consumer for this group, G"; broker-forwarded client calls
      // "The Consumer <G> <id> not online".
      if (contains(r, "no consumer for this group") || contains(r, "not online")) {
        return Errc::kConsumerNotOnline;
      }
      // 4.9 reset offset: "THe consumer group <G> not exist".
      if (contains(r, "consumer group") && contains(r, "not exist")) {
        return Errc::kGroupNotExist;
      }
      return Errc::kRemote;
    }
    case ResponseCode::kSystemBusy:
    case ResponseCode::kFlowControl: return Errc::kBusy;
    case ResponseCode::kRequestCodeNotSupported: return Errc::kNotSupportedByPeer;
    case ResponseCode::kFlushDiskTimeout:
    case ResponseCode::kSlaveNotAvailable:
    case ResponseCode::kFlushSlaveTimeout: return Errc::kStoredButNotFlushed;
    case ResponseCode::kMessageIllegal: return Errc::kMessageIllegal;
    case ResponseCode::kServiceNotAvailable:
    case ResponseCode::kGoAway: return Errc::kServiceUnavailable;
    case ResponseCode::kNoPermission:
      return isAuthFailureRemark(remark) ? Errc::kAuthFailed : Errc::kNoPermission;
    case ResponseCode::kTopicNotExist: return Errc::kTopicNotExist;
    case ResponseCode::kQueryNotFound: return Errc::kQueryNotFound;
    case ResponseCode::kSubscriptionGroupNotExist: return Errc::kGroupNotExist;
    case ResponseCode::kConsumerNotOnline: return Errc::kConsumerNotOnline;
    default: return Errc::kRemote;
  }
}

Error responseError(const codec::RemotingCommand& response, std::string_view what) {
  const std::string remark = response.remark.value_or("");
  std::string_view name = codec::responseCodeName(response.code);
  std::string message = name == "UNKNOWN" ? fmt::format("{}: response code {}", what, response.code)
                                          : fmt::format("{}: {}", what, name);
  return Error{errcForResponse(response.code, remark), std::move(message), response.code, remark};
}

}  // namespace ferry::rocketmq
