// Mapping of RocketMQ response codes to Ferry errors (docs/api.md "Error mapping").
//
// The typed API turns every non-success answer into an Error whose code says what happened in
// Ferry's terms (Errc::kTopicNotExist, kAuthFailed, ...), whose message names the operation, the
// address and the topic/group/queue, and which keeps the peer's response code and remark verbatim
// (Error::remote_code / remote_remark). Some conditions only show in the remark (ACL 1.0 failures
// come as SYSTEM_ERROR with an AclException text; 5.3 authentication failures as NO_PERMISSION
// with a text about the signature or the user), so the remark is part of the mapping.
#pragma once

#include <cstdint>
#include <string_view>

#include "ferry/base/error.h"
#include "ferry/codec/remoting_command.h"

namespace ferry::rocketmq {

// The Errc for a response code and remark (code != SUCCESS).
Errc errcForResponse(std::int32_t code, std::string_view remark);

// True when a NO_PERMISSION/SYSTEM_ERROR remark says the caller's credentials were refused
// (unknown user, bad signature, ACL 1.0 AclException), as opposed to a missing permission.
bool isAuthFailureRemark(std::string_view remark);

// Error for a non-success `response` to the operation described by `what`
// ("topic route of 'orders' at 127.0.0.1:9876"): message "<what>: <RESPONSE_NAME>".
Error responseError(const codec::RemotingCommand& response, std::string_view what);

}  // namespace ferry::rocketmq
