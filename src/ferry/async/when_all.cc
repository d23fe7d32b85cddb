#include "ferry/async/when_all.h"

#include <string>
#include <system_error>

#include <asio/error.hpp>

namespace ferry::async::detail {

Error callThrew(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::system_error& e) {
    if (e.code() == asio::error::operation_aborted) {
      return Error{Errc::kCancelled, "whenAll: call cancelled", 0, {}};
    }
    return Error{Errc::kInternal, std::string("whenAll: call threw: ") + e.what(), 0, {}};
  } catch (const std::exception& e) {
    return Error{Errc::kInternal, std::string("whenAll: call threw: ") + e.what(), 0, {}};
  } catch (...) {
    return Error{Errc::kInternal, "whenAll: call threw an unknown exception", 0, {}};
  }
}

}  // namespace ferry::async::detail
