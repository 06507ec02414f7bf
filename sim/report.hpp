// What swarm-sim writes: a summary (JSON on stdout and in the output
// folder), per-segment and per-viewer TSV files, gnuplot plots, and the
// comparison with a measured run of scripts/bench-swarm-live.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "swarm_model.hpp"

namespace hlswarm::sim {

/// The figures of a run (the same names as bench-swarm-live's table where
/// they mean the same).
nlohmann::json summarize(const RunOptions &options, const RunResult &result);

/// Writes summary.json, deliveries.tsv, viewers.tsv and creator.tsv into
/// `folder`. Throws Error(cant_create/io).
void write_results(const std::filesystem::path &folder, const nlohmann::json &summary,
                   const RunResult &result);

/// Draws delay-cdf.png, creator.png and upload.png into `folder` with
/// gnuplot. Throws Error(unavailable) without gnuplot.
void draw_plots(const std::filesystem::path &folder, const nlohmann::json &summary);

/// The simulated figures beside the measured ones of the same viewer
/// count from bench-swarm-live's live.tsv, as a TSV table. Throws
/// Error(no_input/data).
std::string compare_with_measured(const nlohmann::json &summary,
                                  const std::filesystem::path &measured);

} // namespace hlswarm::sim
