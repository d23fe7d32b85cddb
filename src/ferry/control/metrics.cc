#include "ferry/control/metrics.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "ferry/base/log.h"

namespace ferry::control {
namespace {

bool isNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isDigit(char c) {
  return c >= '0' && c <= '9';
}

std::string_view typeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

// `{a="x",b="y"` without the closing brace, so histograms can append `,le="..."`. Empty when
// there are no labels and no extra label will follow.
void appendLabels(std::string& out, const std::vector<std::string>& names,
                  const std::vector<std::string>& values) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += i == 0 ? "{" : ",";
    out += names[i];
    out += "=\"";
    out += escapeLabelValue(values[i]);
    out += '"';
  }
}

void appendSample(std::string& out, std::string_view name, const std::vector<std::string>& names,
                  const std::vector<std::string>& values, std::string_view value) {
  out += name;
  appendLabels(out, names, values);
  if (!names.empty()) {
    out += '}';
  }
  out += ' ';
  out += value;
  out += '\n';
}

void appendHeader(std::string& out, const FamilyBase& family) {
  out += "# HELP ";
  out += family.name();
  out += ' ';
  out += escapeHelp(family.help());
  out += "\n# TYPE ";
  out += family.name();
  out += ' ';
  out += typeName(family.type());
  out += '\n';
}

void renderSeries(std::string& out, const FamilyBase& family,
                  const std::vector<std::string>& values, const Counter& counter) {
  appendSample(out, family.name(), family.labelNames(), values, std::to_string(counter.value()));
}

void renderSeries(std::string& out, const FamilyBase& family,
                  const std::vector<std::string>& values, const Gauge& gauge) {
  appendSample(out, family.name(), family.labelNames(), values, formatValue(gauge.value()));
}

void renderSeries(std::string& out, const FamilyBase& family,
                  const std::vector<std::string>& values, const Histogram& histogram) {
  const Histogram::Snapshot snap = histogram.snapshot();
  const std::vector<double>& bounds = histogram.bounds();
  const std::string bucket_name = family.name() + "_bucket";
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    out += bucket_name;
    appendLabels(out, family.labelNames(), values);
    out += family.labelNames().empty() ? "{le=\"" : ",le=\"";
    out += i < bounds.size() ? formatValue(bounds[i]) : "+Inf";
    out += "\"} ";
    out += std::to_string(snap.cumulative[i]);
    out += '\n';
  }
  appendSample(out, family.name() + "_sum", family.labelNames(), values, formatValue(snap.sum));
  appendSample(out, family.name() + "_count", family.labelNames(), values,
               std::to_string(snap.count));
}

Result<std::shared_ptr<const std::vector<double>>> checkBounds(const std::string& family,
                                                               std::vector<double> bounds) {
  if (bounds.empty()) {
    return makeError(Errc::kInvalidArgument,
                     fmt::format("histogram {}: needs at least one bucket bound", family));
  }
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      return makeError(
          Errc::kInvalidArgument,
          fmt::format("histogram {}: bucket bound {} is not finite (+Inf is implicit)", family, i));
    }
    if (i > 0 && bounds[i] <= bounds[i - 1]) {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("histogram {}: bucket bounds must ascend strictly ({} after {})",
                                   family, formatValue(bounds[i]), formatValue(bounds[i - 1])));
    }
  }
  return std::make_shared<const std::vector<double>>(std::move(bounds));
}

}  // namespace

// ---- text format helpers ---------------------------------------------------------------------

bool isValidMetricName(std::string_view name) {
  if (name.empty() || !(isNameStart(name[0]) || name[0] == ':')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return isNameStart(c) || isDigit(c) || c == ':'; });
}

bool isValidLabelName(std::string_view name) {
  if (name.empty() || !isNameStart(name[0]) || name.starts_with("__")) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) { return isNameStart(c) || isDigit(c); });
}

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string formatValue(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  return fmt::format("{}", value);  // shortest round-trip form, e.g. 0.0025, 1e-05, 42
}

// ---- Histogram -------------------------------------------------------------------------------

Histogram::Histogram(std::shared_ptr<const std::vector<double>> bounds)
    : bounds_(std::move(bounds)),
      counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds_->size() + 1)) {}

void Histogram::observe(double value) noexcept {
  if (std::isnan(value)) {
    return;
  }
  // Bounds are inclusive upper limits (`le`), so the first bound >= value.
  const auto it = std::lower_bound(bounds_->begin(), bounds_->end(), value);
  const auto index = static_cast<std::size_t>(it - bounds_->begin());
  counts_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snap;
  snap.cumulative.resize(bounds_->size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_->size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    snap.cumulative[i] = running;
  }
  snap.count = running;
  snap.sum = sum_.load(std::memory_order_relaxed);
  return snap;
}

// ---- Family ----------------------------------------------------------------------------------

template <class M>
Family<M>::Family(MetricsRegistry& registry, std::string name, std::string help,
                  std::vector<std::string> label_names, std::size_t max_series,
                  std::shared_ptr<const std::vector<double>> bounds)
    : FamilyBase(std::move(name), std::move(help),
                 std::is_same_v<M, Counter> ? MetricType::kCounter
                 : std::is_same_v<M, Gauge> ? MetricType::kGauge
                                            : MetricType::kHistogram,
                 std::move(label_names)),
      registry_(registry),
      max_series_(max_series),
      bounds_(std::move(bounds)) {}

template <class M>
std::shared_ptr<M> Family<M>::make() const {
  if constexpr (std::is_same_v<M, Histogram>) {
    return std::make_shared<Histogram>(bounds_);
  } else {
    return std::make_shared<M>();
  }
}

template <class M>
std::shared_ptr<M> Family<M>::withLabels(std::vector<std::string> label_values) {
  if (label_values.size() != labelNames().size()) {
    registry_.noteDroppedSeries(name(), fmt::format("{} label values for {} label names",
                                                    label_values.size(), labelNames().size()));
    return make();
  }
  std::lock_guard lock(mutex_);
  auto it = series_.find(label_values);
  if (it != series_.end()) {
    return it->second;
  }
  if (series_.size() >= max_series_) {
    registry_.noteDroppedSeries(name(),
                                fmt::format("more than {} series (unbounded label?)", max_series_));
    return make();
  }
  auto series = make();
  series_.emplace(std::move(label_values), series);
  return series;
}

template <class M>
void Family<M>::remove(const std::vector<std::string>& label_values) {
  std::lock_guard lock(mutex_);
  series_.erase(label_values);
}

template <class M>
void Family<M>::removeWithPrefix(const std::vector<std::string>& leading_values) {
  std::lock_guard lock(mutex_);
  std::erase_if(series_, [&](const auto& entry) {
    const std::vector<std::string>& values = entry.first;
    return values.size() >= leading_values.size()
           && std::equal(leading_values.begin(), leading_values.end(), values.begin());
  });
}

template <class M>
std::size_t Family<M>::size() const {
  std::lock_guard lock(mutex_);
  return series_.size();
}

template <class M>
void Family<M>::render(std::string& out) const {
  appendHeader(out, *this);
  std::lock_guard lock(mutex_);
  for (const auto& [values, series] : series_) {
    renderSeries(out, *this, values, *series);
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- MetricsRegistry -------------------------------------------------------------------------

MetricsRegistry::MetricsRegistry(std::size_t max_series_per_family)
    : max_series_per_family_(max_series_per_family) {
  auto dropped = counter("ferry_control_metrics_dropped_series_total",
                         "Series that were not recorded: wrong label count or the family's series "
                         "limit reached (a label with unbounded values)");
  dropped_ = dropped ? *dropped : nullptr;
}

template <class M>
Result<Family<M>*> MetricsRegistry::add(std::string name, std::string help, MetricType type,
                                        std::vector<std::string> label_names,
                                        std::shared_ptr<const std::vector<double>> bounds) {
  if (!isValidMetricName(name)) {
    return makeError(Errc::kInvalidArgument, fmt::format("metric name '{}' is not valid", name));
  }
  for (std::size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!isValidLabelName(label)) {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("metric {}: label name '{}' is not valid", name, label));
    }
    if (type == MetricType::kHistogram && label == "le") {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("histogram {}: label 'le' is reserved for buckets", name));
    }
    if (std::find(label_names.begin(), label_names.begin() + static_cast<std::ptrdiff_t>(i), label)
        != label_names.begin() + static_cast<std::ptrdiff_t>(i)) {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("metric {}: label '{}' appears twice", name, label));
    }
  }

  std::lock_guard lock(mutex_);
  auto it = families_.find(name);
  if (it != families_.end()) {
    auto* existing = dynamic_cast<Family<M>*>(it->second.get());
    const bool same_bounds =
        existing != nullptr
        && (bounds == nullptr || existing->bounds_ == nullptr ? bounds == existing->bounds_
                                                              : *bounds == *existing->bounds_);
    if (existing == nullptr || existing->labelNames() != label_names || !same_bounds) {
      return makeError(Errc::kInvalidArgument,
                       fmt::format("metric {} is already registered as a {} with other labels "
                                   "or buckets",
                                   name, typeName(it->second->type())));
    }
    return existing;
  }
  const bool no_labels = label_names.empty();
  auto* family = new Family<M>(*this, name, std::move(help), std::move(label_names),
                               max_series_per_family_, std::move(bounds));
  families_.emplace(name, std::unique_ptr<FamilyBase>(family));
  if (no_labels) {
    (void)family->withLabels({});
  }
  return family;
}

Result<CounterFamily*> MetricsRegistry::counter(std::string name, std::string help,
                                                std::vector<std::string> label_names) {
  return add<Counter>(std::move(name), std::move(help), MetricType::kCounter,
                      std::move(label_names), nullptr);
}

Result<GaugeFamily*> MetricsRegistry::gauge(std::string name, std::string help,
                                            std::vector<std::string> label_names) {
  return add<Gauge>(std::move(name), std::move(help), MetricType::kGauge, std::move(label_names),
                    nullptr);
}

Result<HistogramFamily*> MetricsRegistry::histogram(std::string name, std::string help,
                                                    std::vector<std::string> label_names,
                                                    std::vector<double> bounds) {
  auto checked = checkBounds(name, std::move(bounds));
  if (!checked) {
    return makeError(std::move(checked.error()));
  }
  return add<Histogram>(std::move(name), std::move(help), MetricType::kHistogram,
                        std::move(label_names), std::move(*checked));
}

void MetricsRegistry::noteDroppedSeries(std::string_view family, std::string_view why) {
  std::uint64_t total = 1;
  if (dropped_ != nullptr) {
    auto counter = dropped_->withLabels({});
    counter->inc();
    total = counter->value();
  }
  // The first drop and then every 1000th: a caller that asks per event must not flood the log.
  if (total % 1000 == 1) {
    log::get(log::Module::kControl)
        ->warn("metric_series_dropped metric={} reason=\"{}\" dropped_total={}", family, why,
               total);
  }
}

std::string MetricsRegistry::render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& [name, family] : families_) {
    family->render(out);
  }
  return out;
}

}  // namespace ferry::control
