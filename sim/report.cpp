#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"

namespace hlswarm::sim {

namespace {

/// The value at `share` (0-1) of sorted `values`, as bench-swarm-lib.sh's
/// summary takes it (the median: the lower middle; p99: rounded up).
double quantile(std::vector<double> values, double share) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  auto n = values.size();
  std::size_t at = share == 0.5 ? (n + 1) / 2 : static_cast<std::size_t>(std::ceil(n * share));
  return values[std::clamp<std::size_t>(at, 1, n) - 1];
}

double rounded(double value, int digits) {
  double scale = std::pow(10, digits);
  return std::round(value * scale) / scale;
}

/// Jain's fairness index of each viewer's upload against its uplink:
/// 1 when every viewer uses the same share of its uplink.
double upload_fairness(const RunResult &result) {
  double sum = 0, squares = 0;
  int n = 0;
  for (const auto &viewer : result.viewers) {
    double alive = (viewer.left >= 0 ? viewer.left : result.simulated_seconds) - viewer.joined;
    if (alive <= 0)
      continue;
    double share = static_cast<double>(viewer.uploaded) * 8 / alive / viewer.up_bps;
    sum += share;
    squares += share * share;
    ++n;
  }
  return squares > 0 ? sum * sum / (n * squares) : 1;
}

/// Delays, stalls and uploads of the viewers whose uplink is below the
/// stream's bitrate, or at or above it.
nlohmann::json by_uplink(const RunOptions &options, const RunResult &result, bool slow) {
  std::map<int, bool> chosen;
  std::vector<double> uploads;
  int viewers = 0;
  for (const auto &viewer : result.viewers) {
    bool is_slow = viewer.up_bps < options.stream_bps;
    chosen[viewer.viewer] = is_slow == slow;
    if (is_slow != slow)
      continue;
    ++viewers;
    double stream_bytes = options.stream_bps / 8 *
                          ((viewer.left >= 0 ? viewer.left : result.simulated_seconds) - viewer.joined);
    if (stream_bytes > 0)
      uploads.push_back(static_cast<double>(viewer.uploaded) / stream_bytes);
  }
  std::vector<double> delays;
  int stalls = 0;
  for (const auto &delivery : result.deliveries) {
    if (!chosen[delivery.viewer] || !delivery.live)
      continue;
    delays.push_back((delivery.verified - delivery.closed) * 1000);
    stalls += delivery.stall > 0 ? 1 : 0;
  }
  return {{"viewers", viewers},
          {"delay_median_ms", std::lround(quantile(delays, 0.5))},
          {"delay_p99_ms", std::lround(quantile(delays, 0.99))},
          {"stalls", stalls},
          {"upload_x_median", rounded(quantile(uploads, 0.5), 2)}};
}

} // namespace

nlohmann::json summarize(const RunOptions &options, const RunResult &result) {
  std::vector<double> delays, known, fetch;
  int stalls = 0;
  double longest = 0;
  std::uint64_t origin = 0, total = 0;
  for (const auto &delivery : result.deliveries) {
    total += result.segment_bytes;
    origin += delivery.origin_bytes;
    if (delivery.stall > 0) {
      ++stalls;
      longest = std::max(longest, delivery.stall);
    }
    if (!delivery.live)
      continue;
    delays.push_back((delivery.verified - delivery.closed) * 1000);
    known.push_back((delivery.known - delivery.closed) * 1000);
    fetch.push_back((delivery.verified - delivery.known) * 1000);
  }
  int lookups = 0, fallbacks = 0, complete = 0, stayed = 0;
  double viewer_minutes = 0;
  std::vector<double> uploads;
  for (const auto &viewer : result.viewers) {
    lookups += viewer.dht_lookups;
    fallbacks += viewer.head_fallbacks;
    double until = viewer.left >= 0 ? viewer.left : result.simulated_seconds;
    viewer_minutes += (until - viewer.joined) / 60;
    if (viewer.left < 0) {
      ++stayed;
      complete += viewer.missing == 0 ? 1 : 0;
    }
    double stream_bytes = options.stream_bps / 8 * (until - viewer.joined);
    if (stream_bytes > 0)
      uploads.push_back(static_cast<double>(viewer.uploaded) / stream_bytes);
  }
  double stream_bytes = static_cast<double>(result.segment_bytes) * result.segments;
  return {
      {"format", 1},
      {"platform", options.platform.kind == PlatformKind::loopback      ? "loopback"
                   : options.platform.kind == PlatformKind::constrained ? "constrained"
                                                                        : "home"},
      {"viewers", options.viewers},
      {"viewers_total", result.viewers.size()},
      {"stream_kbits", options.stream_bps / 1000},
      {"churn_per_minute", options.churn_per_minute},
      {"segments", result.segments},
      {"stream_bytes", static_cast<std::uint64_t>(stream_bytes)},
      {"creator_bytes", result.creator_uploaded},
      {"upload_x", rounded(static_cast<double>(result.creator_uploaded) / stream_bytes, 2)},
      {"peer_share", total ? rounded(100.0 * static_cast<double>(total - origin) /
                                         static_cast<double>(total), 1)
                           : 0.0},
      {"delay_median_ms", std::lround(quantile(delays, 0.5))},
      {"delay_p99_ms", std::lround(quantile(delays, 0.99))},
      {"delay_max_ms", std::lround(quantile(delays, 1))},
      {"closed_to_known_ms", std::lround(quantile(known, 0.5))},
      {"known_to_verified_ms", std::lround(quantile(fetch, 0.5))},
      {"stalls", stalls},
      {"longest_stall_ms", std::lround(longest * 1000)},
      {"viewers_complete", fmt::format("{}/{}", complete, stayed)},
      {"dht_lookups_per_viewer_minute",
       rounded(viewer_minutes > 0 ? lookups / viewer_minutes : 0, 2)},
      {"head_fallbacks", fallbacks},
      {"viewer_upload_x_median", rounded(quantile(uploads, 0.5), 2)},
      {"viewer_upload_x_p90", rounded(quantile(uploads, 0.9), 2)},
      {"viewer_upload_x_max", rounded(quantile(uploads, 1), 2)},
      {"upload_fairness", rounded(upload_fairness(result), 3)},
      {"slow_uplinks", by_uplink(options, result, true)},
      {"fast_uplinks", by_uplink(options, result, false)},
      {"peak_origin_connections", result.peak_origin_connections},
      {"first_fetchers_per_segment",
       rounded(static_cast<double>(result.first_fetchers) / std::max(1, result.segments), 1)},
      {"simulated_s", rounded(result.simulated_seconds, 1)},
      {"wall_s", rounded(result.wall_seconds, 1)},
  };
}

void write_results(const std::filesystem::path &folder, const nlohmann::json &summary,
                   const RunResult &result) {
  make_dirs(folder);
  write_file_atomically(folder / "summary.json", summary.dump(2) + "\n");
  std::ostringstream deliveries;
  deliveries << "viewer\tseq\tclosed_ms\tknown_ms\tverified_ms\tdelay_ms\tstall_ms\tlive\torigin_bytes\n";
  for (const auto &d : result.deliveries)
    deliveries << fmt::format("{}\t{}\t{:.0f}\t{:.0f}\t{:.0f}\t{:.0f}\t{:.0f}\t{}\t{}\n", d.viewer,
                              d.seq, d.closed * 1000, d.known * 1000, d.verified * 1000,
                              (d.verified - d.closed) * 1000, d.stall * 1000, d.live ? 1 : 0,
                              d.origin_bytes);
  write_file_atomically(folder / "deliveries.tsv", deliveries.str());
  std::ostringstream viewers;
  viewers << "viewer\tregion\tup_kbits\tdown_kbits\tjoined_s\tleft_s\tuploaded\tdownloaded\t"
             "segments\tmissing\tdht_lookups\thead_fallbacks\n";
  for (const auto &v : result.viewers)
    viewers << fmt::format("{}\t{}\t{:.0f}\t{:.0f}\t{:.1f}\t{:.1f}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                           v.viewer, v.region, v.up_bps / 1000, v.down_bps / 1000, v.joined,
                           v.left, v.uploaded, v.downloaded, v.segments, v.missing,
                           v.dht_lookups, v.head_fallbacks);
  write_file_atomically(folder / "viewers.tsv", viewers.str());
  std::ostringstream creator;
  creator << "seq\tcreator_bytes\tupload_x\n";
  for (std::size_t seq = 0; seq < result.creator_by_segment.size(); ++seq)
    creator << fmt::format("{}\t{}\t{:.2f}\n", seq, result.creator_by_segment[seq],
                           static_cast<double>(result.creator_by_segment[seq]) /
                               static_cast<double>(result.segment_bytes));
  write_file_atomically(folder / "creator.tsv", creator.str());
}

void draw_plots(const std::filesystem::path &folder, const nlohmann::json &summary) {
  std::string title = fmt::format("{} viewers, {} platform, {:g} kbit/s, churn {:g}/min",
                                  summary["viewers"].get<int>(),
                                  summary["platform"].get<std::string>(),
                                  summary["stream_kbits"].get<double>(),
                                  summary["churn_per_minute"].get<double>());
  // gnuplot fails on an empty data set: a run that delivered no live
  // segment (a swarm that does not keep up) gets an empty delay plot.
  std::string delay_plot =
      summary["delay_max_ms"].get<double>() > 0
          ? R"(plot "< awk -F'\t' 'NR > 1 && $8 == 1 { print $6 / 1000 }' deliveries.tsv | sort -g | awk '{ d[NR] = $1 } END { for (i = 1; i <= NR; i++) print d[i] \"\t\" i / NR }'" using 1:2 with lines lw 2 title "simulated")"
          : R"(set label "no live segment delivered" at graph 0.5, 0.5 center
plot [0:1] [0:1] NaN notitle
unset label)";
  std::string script = fmt::format(R"(set terminal pngcairo size 900,500
set datafile separator "\t"
set key autotitle columnhead
set grid
set output "delay-cdf.png"
set title "delay from a segment closing to verified at a viewer: {0}"
set xlabel "delay, s"; set ylabel "share of segments at viewers"
{2}
set output "creator.png"
set title "creator's upload per segment: {0}"
set xlabel "segment"; set ylabel "copies of the segment"
plot "creator.tsv" using 1:3 with linespoints lw 2 title "creator"
set output "upload.png"
set title "each viewer's upload against its uplink: {0}"
set xlabel "uplink, Mbit/s"; set ylabel "uploaded, Mbit/s over its time in the room"
plot "viewers.tsv" using ($3 / 1000):($7 * 8 / 1e6 / ((($6 < 0) ? {1} : $6) - $5)) with points pt 7 ps 0.5 title "viewer"
)",
                                   title, summary["simulated_s"].get<double>(), delay_plot);
  write_file_atomically(folder / "plots.gp", script);
  std::string command = fmt::format("cd '{}' && gnuplot plots.gp", folder.string());
  if (std::system(command.c_str()) != 0)
    throw Error(Exit::unavailable, "gnuplot", "drawing the plots failed (is gnuplot-nox installed?)");
}

std::string compare_with_measured(const nlohmann::json &summary,
                                  const std::filesystem::path &measured) {
  std::istringstream table(read_whole_file(measured));
  std::string line;
  std::vector<std::string> header;
  auto split = [](const std::string &text) {
    std::vector<std::string> fields;
    std::istringstream in(text);
    for (std::string field; std::getline(in, field, '\t');)
      fields.push_back(field);
    return fields;
  };
  std::getline(table, line);
  header = split(line);
  const std::vector<std::string> figures{"upload_x", "peer_share", "delay_median_ms",
                                         "delay_p99_ms", "stalls"};
  while (std::getline(table, line)) {
    auto row = split(line);
    std::map<std::string, std::string> field;
    for (std::size_t i = 0; i < header.size() && i < row.size(); ++i)
      field[header[i]] = row[i];
    if (field["kind"] != "swarm" || field["viewers"] != std::to_string(summary["viewers"].get<int>()))
      continue;
    std::string out = "figure\tsimulated\tmeasured\tsimulated/measured\n";
    for (const auto &name : figures) {
      double simulated = summary[name].get<double>();
      double real = std::atof(field[name].c_str());
      out += fmt::format("{}\t{:g}\t{:g}\t{}\n", name, simulated, real,
                         real != 0 ? fmt::format("{:.2f}", simulated / real) : "-");
    }
    out += fmt::format("load\t-\t{}\t-\n", field["load"]);
    return out;
  }
  throw Error(Exit::data, measured.string(),
              fmt::format("no swarm row for {} viewers", summary["viewers"].get<int>()));
}

} // namespace hlswarm::sim
