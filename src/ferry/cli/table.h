// Aligned text tables for human-readable CLI output.
//
//   Table t({"BROKER", "QUEUE", "LAG"});
//   t.alignRight(1).alignRight(2);
//   t.addRow({"broker-a", "0", "12"});
//   std::cout << t.render();
//
// Columns are separated by two spaces; the last column is not padded (no trailing blanks).
// Widths count UTF-8 code points, so non-ASCII names still line up.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ferry/base/identity.h"

namespace ferry::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  Table& alignRight(std::size_t column);
  // Rows shorter than the header are padded with empty cells; extra cells are dropped.
  void addRow(std::vector<std::string> cells);
  std::size_t rows() const { return rows_.size(); }
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<bool> right_;
  std::vector<std::vector<std::string>> rows_;
};

// Number of UTF-8 code points in `text` (display width for the scripts our names use).
std::size_t displayWidth(const std::string& text);

// "2025-06-01 10:00:00" (UTC) for a millisecond timestamp; "-" for 0 or negative.
std::string formatTimestamp(long long millis);
std::string formatTimestamp(StoreTime time);

}  // namespace ferry::cli
