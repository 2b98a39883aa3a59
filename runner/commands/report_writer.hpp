#pragma once
// A report for a person, as plain text for a terminal or as Markdown for a review document
// (the weekly triage, the dry-run review): headings, lines and tables, whose plain-text columns
// are aligned. Every value is outside input: text() makes it printable and, in Markdown, unable
// to open a table cell, a link, an image, code or an HTML tag.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "setpoint/base/json_document.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {

// A member of a report's object, or null: the report is outside input of any shape.
inline const nlohmann::json& report_at(const nlohmann::json& o, const char* key) {
  static const nlohmann::json null;
  if (!o.is_object()) return null;
  const auto it = o.find(key);
  return it == o.end() ? null : *it;
}

class ReportWriter {
 public:
  explicit ReportWriter(bool markdown) : markdown_(markdown) {}

  // A value as text: printable, and in Markdown unable to break a table or open a tag.
  std::string text(const nlohmann::json& v, std::size_t most = 300) const {
    std::string s;
    if (v.is_null()) {
      s = "-";
    } else if (v.is_string()) {
      s = utf8::printable(v.get<std::string>(), most);
    } else if (v.is_number()) {
      char buf[32];
      const double x = v.get<double>();
      std::snprintf(buf, sizeof buf, x == std::floor(x) && std::abs(x) < 1e15 ? "%.0f" : "%.15g",
                    x);
      s = buf;
    } else if (v.is_boolean()) {
      s = v.get<bool>() ? "yes" : "no";
    } else {
      s = utf8::printable(dump(v), most);
    }
    if (!markdown_) return s;
    std::string out;
    for (const char c : s) {
      // No cell, link, image, code or emphasis of its own; a backslash is its own too, or
      // "a\\|b" would end a cell.
      if (c == '|' || c == '[' || c == ']' || c == '`' || c == '*' || c == '\\')
        out += std::string("\\") + c;
      else if (c == '<')
        out += "&lt;";
      else if (c == '>')
        out += "&gt;";
      else
        out += c;
    }
    return out;
  }
  void heading(const std::string& title) {
    flush();
    out_ += markdown_ ? "\n## " + title + "\n\n" : "\n" + title + "\n";
  }
  void line(const std::string& s) {
    flush();
    out_ += s + "\n";
  }
  // A table's rows are kept until it ends: plain text aligns its columns.
  void header(const std::vector<std::string>& cells) {
    flush();
    rows_ = {cells};
    if (markdown_) rows_.push_back(std::vector<std::string>(cells.size(), "---"));
  }
  void row(const std::vector<std::string>& cells) { rows_.push_back(cells); }
  bool markdown() const { return markdown_; }
  std::string take() {
    flush();
    return std::move(out_);
  }

 private:
  static std::size_t width(const std::string& s) {
    std::size_t n = 0;
    for (const char c : s) n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
    return n;
  }
  void flush() {
    if (rows_.empty()) return;
    std::vector<std::size_t> widths;
    for (const auto& row : rows_) {
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (widths.size() <= i) widths.push_back(0);
        widths[i] = std::max(widths[i], width(row[i]));
      }
    }
    for (const auto& row : rows_) {
      std::string s = markdown_ ? "|" : " ";
      for (std::size_t i = 0; i < row.size(); ++i) {
        if (markdown_) {
          s += " " + row[i] + " |";
        } else {
          s += " " + row[i];
          if (i + 1 < row.size()) s += std::string(widths[i] - width(row[i]) + 1, ' ');
        }
      }
      out_ += s + "\n";
    }
    rows_.clear();
  }

  bool markdown_;
  std::string out_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace setpoint::runner
