#include "commands/triage_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "setpoint/base/json_document.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

const json& at(const json& o, const char* key) {
  static const json null;
  if (!o.is_object()) return null;
  const auto it = o.find(key);
  return it == o.end() ? null : *it;
}

class Writer {
 public:
  explicit Writer(bool markdown) : markdown_(markdown) {}

  // A value as text: printable, and in Markdown unable to break a table or open a tag.
  std::string text(const json& v, std::size_t most = 300) const {
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
      if (c == '|' || c == '[' || c == ']' || c == '`')  // no cell, link, image or code of its own
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

// "checkout.max_concurrency (3), checkout.timeout_ms (1)" from { name = count }.
std::string counts_of(const Writer& w, const json& by) {
  if (!by.is_object() || by.empty()) return "-";
  std::string s;
  std::size_t shown = 0;
  for (const auto& [name, count] : by.items()) {
    if (++shown > 12) {
      s += ", …";
      break;
    }
    s += (s.empty() ? "" : ", ") + w.text(name, 100) + " (" + w.text(count) + ")";
  }
  return s;
}

void categories(Writer& w, const json& report) {
  w.heading("Failures by category");
  const json& cats = at(report, "categories");
  if (!cats.is_object() || cats.empty()) {
    w.line("Nothing went wrong in this period.");
    return;
  }
  w.header({"category", "count", "parameters", "by reason"});
  for (const auto& [name, c] : cats.items())
    w.row({w.text(name, 100), w.text(at(c, "count")), counts_of(w, at(c, "parameters")),
           counts_of(w, at(c, "by_reason"))});
}

void worst(Writer& w, const json& report) {
  const json& list = at(report, "worst");
  w.heading("Worst incidents");
  if (!list.is_array() || list.empty()) {
    w.line("None.");
    return;
  }
  int n = 0;
  for (const auto& i : list) {
    w.line(std::to_string(++n) + ". " + w.text(at(i, "when")) + " " + w.text(at(i, "kind")) + " " +
           w.text(at(i, "target")) + ": " + w.text(at(i, "detail"), 500));
    const json& d = at(i, "decision_record");
    if (d.is_object())
      w.line(std::string(w.markdown() ? "   - " : "     ") + "decision " + w.text(at(d, "id")) +
             " by " + w.text(at(d, "policy")) + ", " + w.text(at(d, "outcome")) + ": " +
             w.text(at(d, "explain"), 300) +
             (at(d, "reason").is_string() && !at(d, "reason").get<std::string>().empty()
                  ? " (" + w.text(at(d, "reason"), 200) + ")"
                  : ""));
  }
}

void patches(Writer& w, const json& report) {
  const json& list = at(report, "patches");
  w.heading("Suggested bounds patches");
  if (!list.is_array() || list.empty()) {
    w.line("None: no category recurred often enough for a parameter.");
    return;
  }
  for (const auto& p : list) {
    const json& confidence = at(p, "confidence");
    std::string conf = "-";
    if (confidence.is_number()) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%.0f%%", confidence.get<double>() * 100);
      conf = buf;
    }
    const std::string outcome =
        at(p, "outcome").is_string() ? at(p, "outcome").get<std::string>() : "";
    w.line(std::string(w.markdown() ? "- **" : "  * ") + w.text(at(p, "parameter")) + " → [" +
           w.text(at(p, "min")) + ", " + w.text(at(p, "max")) + "]" + (w.markdown() ? "**" : "") +
           ", confidence " + conf + ": " + w.text(at(p, "rationale"), 500));
    const std::string by =
        at(p, "decided_by").is_string() ? " by " + w.text(at(p, "decided_by"), 100) : "";
    const std::string how = outcome == "pending" ? "waiting for approval: setpoint approve " +
                                                       w.text(at(p, "decision")) + " (or reject)"
                            : outcome == "approved" || outcome == "rejected" ||
                                    outcome == "expired" || outcome == "superseded"
                                ? outcome + by
                                : w.text(at(p, "outcome")) + ": " + w.text(at(p, "explain"), 300);
    w.line(std::string(w.markdown() ? "  " : "    ") + "proposal " + w.text(at(p, "decision")) +
           ", " + how);
  }
}

}  // namespace

std::string triage_text(const json& report, bool markdown) {
  Writer w(markdown);
  const json& period = at(report, "period");
  const std::string title = "Triage " + w.text(at(period, "from")) + " to " +
                            w.text(at(period, "to")) + " (" + w.text(at(report, "policy")) + ", " +
                            w.text(at(report, "trigger")) + ")";
  w.line(markdown ? "# " + title : title);
  if (at(report, "summary").is_string()) {
    w.line("");
    w.line(w.text(at(report, "summary"), 2000));
  }
  categories(w, report);
  worst(w, report);
  patches(w, report);
  const json& recent = at(report, "recent");
  if (recent.is_array() && recent.size() > 1) {
    w.heading("Earlier reports");
    for (std::size_t i = 1; i < recent.size() && i < 10; ++i)
      w.line(std::string(markdown ? "- " : "  ") + w.text(at(recent[i], "id")) + ", " +
             w.text(at(recent[i], "patches")) + " patch(es)");
  }
  return w.take();
}

}  // namespace setpoint::runner
