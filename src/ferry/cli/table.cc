#include "ferry/cli/table.h"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

namespace ferry::cli {

std::size_t displayWidth(const std::string& text) {
  std::size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) {
      ++n;  // count lead bytes only
    }
  }
  return n;
}

Table::Table(std::vector<std::string> headers)
    : headers_(std::move(headers)), right_(headers_.size(), false) {}

Table& Table::alignRight(std::size_t column) {
  if (column < right_.size()) {
    right_[column] = true;
  }
  return *this;
}

void Table::addRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::render() const {
  std::vector<std::size_t> widths(headers_.size(), 0);
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = displayWidth(headers_[c]);
  }
  for (const auto& row : rows_) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], displayWidth(row[c]));
    }
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      const std::size_t pad = widths[c] - displayWidth(cells[c]);
      const bool last = c + 1 == cells.size();
      if (c > 0) {
        line += "  ";
      }
      if (right_[c]) {
        line.append(pad, ' ');
        line += cells[c];
      } else {
        line += cells[c];
        if (!last) {
          line.append(pad, ' ');
        }
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out += line;
    out += '\n';
  };
  emit(headers_);
  for (const auto& row : rows_) {
    emit(row);
  }
  return out;
}

namespace {
bool toUtc(long long millis, std::tm& tm) {
  const auto seconds = static_cast<std::time_t>(millis / 1000);
  return gmtime_r(&seconds, &tm) != nullptr;
}
}  // namespace

std::string formatTimestamp(long long millis) {
  std::tm tm{};
  if (millis <= 0 || !toUtc(millis, tm)) {
    return "-";
  }
  return fmt::format("{:04}-{:02}-{:02} {:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string formatTimestamp(StoreTime time) {
  return formatTimestamp(time.millis());
}

}  // namespace ferry::cli
