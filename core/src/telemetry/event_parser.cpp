// One concept, one file, over 500 lines on purpose: the hot loop that turns a line into an
// event (fields, timestamp, outcome, labels, validation) is read top to bottom in one place,
// and simdjson's On-Demand calls must stay in the one translation unit built for x86-64-v3.
#include "setpoint/telemetry/event_parser.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "setpoint/base/number_text.hpp"
#include "setpoint/base/timestamp.hpp"
#include "setpoint/telemetry/line_sink.hpp"

namespace setpoint {

namespace od = simdjson::ondemand;

const std::size_t EventParser::kPadding = simdjson::SIMDJSON_PADDING;
static_assert(LineSink::kPadding >= simdjson::SIMDJSON_PADDING);

enum class Role : std::uint8_t {
  kTs,
  kMetricPart,
  kValue,
  kOutcome,
  kLabels,
  kLabelField,
  kString,
  kSchemaVersion,
  kRequired
};

struct EventParser::Field {
  std::string name;
  std::uint64_t word[2];  // the name's first 16 bytes, zero-padded, for a branch-light compare
  Role role;
  std::uint8_t rank;  // position among the fields that may fill the role (metric: alternative)
  std::uint8_t part;  // metric: position within the alternative
  std::int16_t next;  // next field with the same hash, or -1
};

struct EventParser::Impl {
  od::parser parser;
  od::parser labels_parser;  // a second parser: the first one's strings must stay valid
};

namespace {

std::uint8_t key_hash(std::string_view key) {
  if (key.empty()) return 0;
  return static_cast<std::uint8_t>(key.size() * 31 + static_cast<unsigned char>(key.front()) * 7 +
                                   static_cast<unsigned char>(key.back()));
}

// The first 16 bytes of `key`, zero past its end. Reads 16 bytes: `key` must be padded.
void words_of(const char* key, std::size_t length, std::uint64_t out[2]) {
  std::memcpy(out, key, 16);
  if (length >= 16) return;
  auto* bytes = reinterpret_cast<unsigned char*>(out);
  std::memset(bytes + length, 0, 16 - length);
}

std::string field_named(std::string_view name) { return "field \"" + std::string(name) + "\""; }

// simdjson reports any root that is not an object as the wrong type, even `not json`; only a
// root that starts like a JSON array, string, number or literal is "JSON, but not an object".
bool looks_like_json_value(std::string_view line) {
  const auto start = line.find_first_not_of(" \t\r");
  if (start == std::string_view::npos) return false;
  line = line.substr(start);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r'))
    line.remove_suffix(1);
  const char c = line.front();
  if (c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9')) return true;
  return line == "true" || line == "false" || line == "null";
}

Rejection structural(simdjson::error_code error) {
  return error == simdjson::UTF8_ERROR ? Rejection::kInvalidUtf8 : Rejection::kMalformedJson;
}

// What is wrong, in words for a person: simdjson's own messages ("The JSON element does not
// have the requested type") say what failed inside the parser, not what is wrong with the line.
std::string json_problem(simdjson::error_code error) {
  switch (error) {
    case simdjson::UTF8_ERROR: return "the line is not valid UTF-8";
    case simdjson::INCORRECT_TYPE: return "a value is not of the JSON type expected there";
    case simdjson::NUMBER_ERROR: return "a number that is not valid JSON";
    case simdjson::NUMBER_OUT_OF_RANGE: return "a number out of range";
    case simdjson::T_ATOM_ERROR:
    case simdjson::F_ATOM_ERROR:
    case simdjson::N_ATOM_ERROR: return "a word that is not true, false or null";
    case simdjson::STRING_ERROR: return "a string with a bad escape";
    case simdjson::UNESCAPED_CHARS: return "a string with an unescaped control character";
    case simdjson::UNCLOSED_STRING: return "a string that is not closed";
    case simdjson::DEPTH_ERROR: return "nested too deeply";
    case simdjson::EMPTY: return "an empty line";
    case simdjson::TAPE_ERROR:
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
      return "not valid JSON (a bracket, comma or colon out of place, or the line is cut short)";
    default: return std::string("not valid JSON (") + simdjson::error_message(error) + ")";
  }
}

// Up to 8 candidates per role; the lowest rank present wins.
constexpr std::size_t kMaxRank = 8;
constexpr std::size_t kMaxMetricParts = 4;

}  // namespace

EventParser::EventParser(TelemetrySchema schema, OutcomeSet outcomes, Redactor redactor)
    : schema_(std::move(schema)),
      outcomes_(std::move(outcomes)),
      redactor_(std::move(redactor)),
      impl_(std::make_unique<Impl>()) {
  first_by_hash_.fill(-1);
  auto add = [&](const std::string& name, Role role, std::size_t rank, std::size_t part) {
    // First role named wins; at most 64 fields, the width of the seen-mask.
    if (name.empty() || field_for(name) != nullptr || fields_.size() >= 64) return;
    Field field{
        name, {0, 0}, role, static_cast<std::uint8_t>(rank), static_cast<std::uint8_t>(part), -1};
    char padded[16] = {};
    std::memcpy(padded, name.data(), std::min<std::size_t>(16, name.size()));
    words_of(padded, name.size(), field.word);
    fields_.push_back(std::move(field));
    first_by_hash_.fill(-1);
    for (std::size_t i = fields_.size(); i-- > 0;) {
      auto& slot = first_by_hash_[key_hash(fields_[i].name)];
      fields_[i].next = slot;
      slot = static_cast<std::int16_t>(i);
    }
  };
  for (std::size_t i = 0; i < schema_.ts_fields.size() && i < kMaxRank; ++i)
    add(schema_.ts_fields[i], Role::kTs, i, 0);
  for (std::size_t a = 0; a < schema_.metric_fields.size() && a < kMaxRank; ++a) {
    for (std::size_t p = 0; p < schema_.metric_fields[a].size() && p < kMaxMetricParts; ++p) {
      add(schema_.metric_fields[a][p], Role::kMetricPart, a, p);
    }
  }
  for (std::size_t i = 0; i < schema_.value_fields.size() && i < kMaxRank; ++i)
    add(schema_.value_fields[i], Role::kValue, i, 0);
  for (std::size_t i = 0; i < schema_.outcome_fields.size() && i < kMaxRank; ++i)
    add(schema_.outcome_fields[i], Role::kOutcome, i, 0);
  add(schema_.labels_field, Role::kLabels, 0, 0);
  for (const auto& name : schema_.label_fields) add(name, Role::kLabelField, 0, 0);
  add(schema_.schema_version_field, Role::kSchemaVersion, 0, 0);
  for (const auto& name : schema_.string_fields) add(name, Role::kString, 0, 0);
  for (const auto& name : schema_.required) add(name, Role::kRequired, 0, 0);
  for (const auto& c : schema_.outcome_codes) {
    if (const auto outcome = outcomes_.find(c.outcome)) codes_.push_back({c.lo, c.hi, *outcome});
  }
  std::sort(codes_.begin(), codes_.end(),
            [](const Codes& a, const Codes& b) { return a.hi - a.lo < b.hi - b.lo; });
  switch (schema_.ts_unit) {
    case TsUnit::kSeconds: ts_to_millis_ = 1e3; break;
    case TsUnit::kMillis: ts_to_millis_ = 1; break;
    case TsUnit::kMicros: ts_to_millis_ = 1e-3; break;
    case TsUnit::kNanos: ts_to_millis_ = 1e-6; break;
  }
}

std::optional<OutcomeIndex> EventParser::outcome_of_code(std::int64_t code) const {
  for (const auto& c : codes_) {
    if (code >= c.lo && code <= c.hi) return c.outcome;
  }
  return OutcomeSet::kOk;
}

// A field the schema does not use is skipped, but it must still be JSON: {"junk":tru} is not a
// line to take. Checked by walking it, up to a depth.
template <typename Value>
[[gnu::noinline]] std::optional<Rejection> EventParser::check_unused(Value& value,
                                                                     std::string_view key,
                                                                     int depth) {
  if (depth > 32)
    return reject(Rejection::kMalformedJson, field_named(key) + ": nested deeper than 32");
  od::json_type type;
  if (auto error = value.type().get(type))
    return reject(structural(error), field_named(key) + ": " + json_problem(error));
  simdjson::error_code error = simdjson::SUCCESS;
  switch (type) {
    case od::json_type::object: {
      od::object object;
      if ((error = value.get_object().get(object))) break;
      for (auto member : object) {
        od::field field;
        std::string_view name;
        if ((error = std::move(member).get(field)) || (error = field.unescaped_key().get(name)))
          break;
        od::value inner = field.value();
        if (auto rejected = check_unused(inner, key, depth + 1)) return rejected;
      }
      break;
    }
    case od::json_type::array: {
      od::array array;
      if ((error = value.get_array().get(array))) break;
      for (auto element : array) {
        od::value inner;
        if ((error = std::move(element).get(inner))) break;
        if (auto rejected = check_unused(inner, key, depth + 1)) return rejected;
      }
      break;
    }
    case od::json_type::string: {
      std::string_view text;
      error = value.get_string().get(text);
      break;
    }
    case od::json_type::number: {
      od::number number;
      error = value.get_number().get(number);
      break;
    }
    case od::json_type::boolean: {
      bool b;
      if (value.get_bool().get(b)) error = simdjson::T_ATOM_ERROR;  // "tru" is not a boolean
      break;
    }
    case od::json_type::null: {
      bool null = false;
      if (value.is_null().get(null) || !null) error = simdjson::N_ATOM_ERROR;
      break;
    }
  }
  if (error) return reject(structural(error), field_named(key) + ": " + json_problem(error));
  return std::nullopt;
}

EventParser::~EventParser() = default;

const EventParser::Field* EventParser::field_for(std::string_view key) const {
  for (std::int16_t i = first_by_hash_[key_hash(key)]; i >= 0; i = fields_[i].next) {
    if (fields_[i].name == key) return &fields_[i];
  }
  return nullptr;
}

std::optional<Rejection> EventParser::reject(Rejection reason, std::string detail) {
  detail_ = std::move(detail);
  return reason;
}

template <typename Object>
std::optional<Rejection> EventParser::read_labels(Object& labels, std::string_view key,
                                                  Event& event) {
  for (auto member : labels) {
    od::field label;
    std::string_view name;
    if (auto error = std::move(member).get(label))
      return reject(structural(error), field_named(key) + ": " + json_problem(error));
    if (auto error = label.unescaped_key().get(name))
      return reject(structural(error), field_named(key) + ": " + json_problem(error));
    od::value value = label.value();
    od::json_type type;
    if (auto error = value.type().get(type))
      return reject(structural(error), field_named(key) + ": " + json_problem(error));
    std::string_view text;
    if (type == od::json_type::string) {
      if (auto error = value.get_string().get(text))
        return reject(structural(error), field_named(key) + ": " + json_problem(error));
    } else if (type == od::json_type::number || type == od::json_type::boolean) {
      text = value.raw_json_token();
      while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    } else {
      return reject(Rejection::kBadLabel, "label \"" + std::string(name.substr(0, 64)) +
                                              "\": expected a string, number or boolean");
    }
    if (name.empty()) return reject(Rejection::kBadLabel, "a label has an empty name");
    if (name.size() > schema_.max_label_bytes || text.size() > schema_.max_label_bytes) {
      return reject(Rejection::kLabelTooLong,
                    "label \"" + std::string(name.substr(0, 64)) + "\": longer than " +
                        std::to_string(schema_.max_label_bytes) + " bytes");
    }
    if (const RedactRule* rule = redactor_.rule_for(name)) {
      if (rule->action == RedactAction::kDrop) continue;
      hashed_.push_back(redactor_.hash(text));
      text = hashed_.back();
    }
    if (event.labels.size() >= schema_.max_labels) {
      return reject(Rejection::kTooManyLabels,
                    "more than " + std::to_string(schema_.max_labels) + " labels");
    }
    for (const auto& [existing, _] : event.labels) {
      if (existing == name)
        return reject(Rejection::kDuplicateKey,
                      "label \"" + std::string(name.substr(0, 64)) + "\" appears twice");
    }
    event.labels.emplace_back(name, text);
  }
  return std::nullopt;
}

std::optional<Rejection> EventParser::parse_labels(Event& event) {
  if (!event.labels_deferred) return std::nullopt;
  event.labels_deferred = false;
  // labels_raw lies inside the padded line, so the padding simdjson needs is there.
  const simdjson::padded_string_view input(event.labels_raw.data(), event.labels_raw.size(),
                                           event.labels_raw.size() + kPadding);
  od::document doc;
  od::object labels;
  if (auto error = impl_->labels_parser.iterate(input).get(doc))
    return reject(structural(error), json_problem(error));
  if (auto error = doc.get_object().get(labels))
    return reject(structural(error), json_problem(error));
  return read_labels(labels, schema_.labels_field, event);
}

std::optional<Rejection> EventParser::parse(std::string_view line, Event& event) {
  event.ts.reset();
  event.value.reset();
  event.outcome = OutcomeSet::kOk;
  event.schema_version.reset();
  event.labels.clear();
  event.labels_raw = {};
  event.labels_deferred = false;
  event.ts_maybe_seconds = false;
  hashed_.clear();

  const simdjson::padded_string_view input(line.data(), line.size(), line.size() + kPadding);
  od::document doc;
  if (auto error = impl_->parser.iterate(input).get(doc))
    return reject(structural(error), json_problem(error));
  od::object object;
  if (auto error = doc.get_object().get(object)) {
    if (error == simdjson::INCORRECT_TYPE && looks_like_json_value(line)) {
      return reject(Rejection::kNotObject, "the line is JSON but not an object");
    }
    return reject(structural(error), json_problem(error));
  }

  std::uint64_t seen = 0;
  std::size_t ts_rank = kMaxRank, value_rank = kMaxRank, outcome_rank = kMaxRank;
  std::array<std::array<std::string_view, kMaxMetricParts>, kMaxRank> metric_parts{};
  std::array<std::uint8_t, kMaxRank> metric_part_seen{};

  for (auto member : object) {
    od::field field;
    if (auto error = std::move(member).get(field))
      return reject(structural(error), json_problem(error));
    // Match the raw key (inside the padded line) against the schema's names; a key with an
    // escape in it is unescaped first.
    const char* raw = field.key().raw();
    const std::size_t room = static_cast<std::size_t>(line.data() + line.size() - raw);
    std::size_t length = 0;
    while (length < room && raw[length] != '"' && raw[length] != '\\') ++length;
    if (length == room) return reject(Rejection::kMalformedJson, "unterminated key");
    std::string_view key(raw, length);
    if (raw[length] == '\\') {
      if (auto error = field.unescaped_key().get(key))
        return reject(structural(error), json_problem(error));
    }
    const Field* f = nullptr;
    if (key.size() <= 16 && raw[length] == '"') {
      std::uint64_t word[2];
      words_of(raw, length, word);
      for (std::int16_t i = first_by_hash_[key_hash(key)]; i >= 0; i = fields_[i].next) {
        const Field& c = fields_[i];
        if (c.word[0] == word[0] && c.word[1] == word[1] && c.name.size() == length) {
          f = &c;
          break;
        }
      }
    } else {
      f = field_for(key);
    }
    if (f == nullptr) [[unlikely]] {  // not ours: only checked to be JSON (out of the hot path)
      od::value unused = field.value();
      if (auto rejected = check_unused(unused, key, 1)) return rejected;
      continue;
    }
    const auto bit = std::uint64_t{1} << static_cast<std::size_t>(f - fields_.data());
    if (seen & bit) return reject(Rejection::kDuplicateKey, field_named(key) + " appears twice");
    seen |= bit;
    od::value value = field.value();
    od::json_type type;
    if (auto error = value.type().get(type))
      return reject(structural(error), field_named(key) + ": " + json_problem(error));

    switch (f->role) {
      case Role::kTs: {
        Nanos ts;
        if (type == od::json_type::string) {
          std::string_view text;
          if (auto error = value.get_string().get(text))
            return reject(structural(error), field_named(key) + ": " + json_problem(error));
          std::optional<Nanos> minute;
          if (text.size() >= 20 && std::memcmp(text.data(), ts_prefix_, 16) == 0) {
            minute = ts_minute_;  // the same minute as the last event: skip the date
          } else if (text.size() >= 20 && (minute = parse_rfc3339_minute(text.substr(0, 16)))) {
            std::memcpy(ts_prefix_, text.data(), 16);
            ts_minute_ = *minute;
          }
          const auto rest = minute ? parse_rfc3339_rest(text.substr(16)) : std::nullopt;
          if (!rest)
            return reject(
                Rejection::kBadTimestamp,
                field_named(key) + ": \"" + std::string(text.substr(0, 64)) + "\" is not RFC 3339");
          ts = *minute + *rest;
        } else if (type == od::json_type::number) {
          double number;
          if (value.get_double().get(number))
            return reject(Rejection::kBadNumber, field_named(key) + ": number out of range");
          auto parsed = from_epoch_millis(number * ts_to_millis_);
          if (!parsed) {
            return reject(Rejection::kBadTimestamp,
                          field_named(key) + ": epoch " + ts_unit_name(schema_.ts_unit) +
                              " out of range (telemetry.mapping.ts_unit says what a number counts: "
                              "s, ms, us or ns)");
          }
          // Epoch seconds read as milliseconds fall in January 1970.
          event.ts_maybe_seconds =
              schema_.ts_unit == TsUnit::kMillis && number >= 1e8 && number < 1e11;
          ts = *parsed;
        } else {
          return reject(Rejection::kWrongType,
                        field_named(key) + ": expected an RFC 3339 string or epoch milliseconds");
        }
        if (f->rank < ts_rank) {
          ts_rank = f->rank;
          event.ts = ts;
        }
        break;
      }
      case Role::kMetricPart: {
        std::string_view text;
        if (type != od::json_type::string)
          return reject(Rejection::kWrongType, field_named(key) + ": expected a string");
        if (auto error = value.get_string().get(text))
          return reject(structural(error), field_named(key) + ": " + json_problem(error));
        if (text.empty()) return reject(Rejection::kBadLabel, field_named(key) + ": empty");
        if (text.size() > schema_.max_label_bytes)
          return reject(Rejection::kLabelTooLong, field_named(key) + ": longer than " +
                                                      std::to_string(schema_.max_label_bytes) +
                                                      " bytes");
        metric_parts[f->rank][f->part] = text;
        metric_part_seen[f->rank] |= static_cast<std::uint8_t>(1u << f->part);
        break;
      }
      case Role::kValue: {
        if (type != od::json_type::number)
          return reject(Rejection::kWrongType, field_named(key) + ": expected a number");
        double number;
        if (value.get_double().get(number) || !std::isfinite(number)) {
          return reject(Rejection::kBadNumber, field_named(key) + ": not a finite double");
        }
        if (number < schema_.min_value || number > schema_.max_value) {
          return reject(Rejection::kOutOfRange, field_named(key) + ": " + std::to_string(number) +
                                                    " is outside [" +
                                                    std::to_string(schema_.min_value) + ", " +
                                                    std::to_string(schema_.max_value) + "]");
        }
        if (f->rank < value_rank) {
          value_rank = f->rank;
          event.value = number;
        }
        break;
      }
      case Role::kOutcome: {
        std::optional<OutcomeIndex> outcome;
        if (type == od::json_type::number) {  // a status code
          std::int64_t code;
          if (value.get_int64().get(code))
            return reject(Rejection::kWrongType,
                          field_named(key) + ": a number outcome must be a whole status code");
          outcome = outcome_of_code(code);
        } else if (type == od::json_type::string) {
          std::string_view text;
          if (auto error = value.get_string().get(text))
            return reject(structural(error), field_named(key) + ": " + json_problem(error));
          outcome = outcomes_.find(text);
          if (!outcome && text.size() <= 6) {
            if (const auto code = parse_integer(text)) outcome = outcome_of_code(*code);
          }
          if (!outcome)
            return reject(Rejection::kUnknownOutcome, field_named(key) + ": \"" +
                                                          std::string(text.substr(0, 64)) +
                                                          "\" is not a declared outcome");
        } else {
          return reject(Rejection::kWrongType,
                        field_named(key) + ": expected an outcome name or a status code");
        }
        if (f->rank < outcome_rank) {
          outcome_rank = f->rank;
          event.outcome = *outcome;
        }
        break;
      }
      case Role::kLabels: {
        if (type != od::json_type::object)
          return reject(Rejection::kWrongType, field_named(key) + ": expected an object");
        od::object labels;
        if (auto error = value.get_object().get(labels))
          return reject(structural(error), field_named(key) + ": " + json_problem(error));
        if (defers_labels()) {
          if (auto error = labels.raw_json().get(event.labels_raw))
            return reject(structural(error), field_named(key) + ": " + json_problem(error));
          event.labels_deferred = true;
        } else if (auto rejected = read_labels(labels, key, event)) {
          return rejected;
        }
        break;
      }
      case Role::kLabelField: {
        std::string_view text;
        if (type != od::json_type::string)
          return reject(Rejection::kWrongType, field_named(key) + ": expected a string");
        if (auto error = value.get_string().get(text))
          return reject(structural(error), field_named(key) + ": " + json_problem(error));
        if (text.size() > schema_.max_label_bytes)
          return reject(Rejection::kLabelTooLong, field_named(key) + ": longer than " +
                                                      std::to_string(schema_.max_label_bytes) +
                                                      " bytes");
        if (event.labels.size() >= schema_.max_labels) {
          return reject(Rejection::kTooManyLabels,
                        "more than " + std::to_string(schema_.max_labels) + " labels");
        }
        event.labels.emplace_back(f->name, text);
        break;
      }
      case Role::kString:
        if (type != od::json_type::string && type != od::json_type::number) {
          return reject(Rejection::kWrongType, field_named(key) + ": expected a string");
        }
        break;
      case Role::kSchemaVersion: {
        std::int64_t version;
        if (type != od::json_type::number || value.get_int64().get(version)) {
          return reject(Rejection::kWrongType, field_named(key) + ": expected an integer");
        }
        const auto& accepted = schema_.schema_versions;
        if (!accepted.empty() &&
            std::find(accepted.begin(), accepted.end(), version) == accepted.end()) {
          return reject(
              Rejection::kSchemaVersion,
              field_named(key) + ": version " + std::to_string(version) + " is not accepted");
        }
        event.schema_version = version;
        break;
      }
      case Role::kRequired: break;
    }
  }

  // One object per line: {...}{...} is two, and neither is taken.
  // (Past the last token, current_location() is OUT_OF_BOUNDS; whitespace is no token.)
  if (const char* more = nullptr; !doc.current_location().get(more)) {
    return reject(Rejection::kMalformedJson, "more after the JSON object: one object per line");
  }

  // The metric: the first alternative whose parts are all present.
  event.metric = {};
  for (std::size_t a = 0; a < schema_.metric_fields.size() && a < kMaxRank; ++a) {
    const std::size_t parts = std::min(schema_.metric_fields[a].size(), kMaxMetricParts);
    if (parts == 0 || metric_part_seen[a] != (1u << parts) - 1) continue;
    if (parts == 1) {
      event.metric = metric_parts[a][0];
    } else {
      metric_.clear();
      for (std::size_t p = 0; p < parts; ++p) {
        if (p > 0) metric_.push_back('.');
        metric_.append(metric_parts[a][p]);
      }
      event.metric = metric_;
    }
    break;
  }
  if (event.metric.empty()) event.metric = schema_.metric_name;
  if (event.metric.empty()) {
    return reject(
        Rejection::kMissingField,
        "no metric: the line has none of " + schema_.metric_fields_text() +
            " (telemetry.mapping.metric names them; metric_name gives every line one name)");
  }
  if (event.metric.size() > schema_.max_label_bytes)
    return reject(Rejection::kLabelTooLong, "the metric name is longer than " +
                                                std::to_string(schema_.max_label_bytes) + " bytes");
  for (const auto& name : schema_.required) {
    const Field* f = field_for(name);
    if (f != nullptr &&
        !(seen & (std::uint64_t{1} << static_cast<std::size_t>(f - fields_.data())))) {
      return reject(Rejection::kMissingField, field_named(name) + " is required");
    }
  }
  if (schema_.require_ts && !event.ts) return reject(Rejection::kMissingField, "no timestamp");
  return std::nullopt;
}

}  // namespace setpoint
