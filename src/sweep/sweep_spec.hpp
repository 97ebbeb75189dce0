// A sweep file: a base config, overrides for every trial, a grid of dotted keys and/or named
// variants; expanded into trials, each an ordinary config.
//
//   base: ../fashion_mnist.yaml            # relative to the sweep file
//   name: fm_study                         # optional: the sweep folder's name (default: file stem)
//   fixed: {train.epochs: 10}
//   grid: {model.pooling: [stride, max, avg], data.batch_size: [32, 64, 128]}
//   variants:                              # optional; crossed with the grid
//     - {name: adam, set: {optimizer.name: adam, optimizer.lr: 0.001}}
//
// Trials are the grid's cartesian product (keys in file order, the last varying fastest),
// crossed with the variants (variant outermost). A trial's name is built from what varies:
// the variant name, then <last key component>-<value> per grid key, joined by '_', e.g.
// "adam_pooling-max_batch_size-64".
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "imgcls/config/config.hpp"

namespace imgcls {

// The most trials one sweep file may expand to (10,000 expand and validate in about 2 s).
constexpr std::size_t kMaxSweepTrials = 10000;

struct Trial {
  std::string name;
  std::string variant;                                       // "" without variants
  std::vector<std::pair<std::string, std::string>> values;   // grid key -> value (YAML text)
  std::vector<std::string> overrides;                        // fixed, variant, grid: "key=value"
  Config config;                                             // base + overrides, validated
};

struct SweepSpec {
  std::string path;                    // the sweep file
  std::string name;                    // sweep name
  std::string base;                    // base config path (resolved against the sweep file)
  std::vector<std::string> grid_keys;  // in file order
  bool has_variants = false;
  std::vector<Trial> trials;
};

// Reads and validates the sweep file and every trial's config. `extra` overrides (from the
// command line) apply to every trial after `fixed`. Throws ConfigError naming the sweep
// file, line and key for a malformed sweep, or the trial and key for a config it rejects,
// before anything runs.
SweepSpec load_sweep(const std::string& path, const std::vector<std::string>& extra = {});

// A trial-name-safe rendering of a value: [512, 256] -> 512x256, 0.001 -> 0.001, a/b -> a-b,
// baseline_cnn -> baseline_cnn.
std::string name_part(const std::string& value);

// What command-line overrides add to a run's name, as a sweep names its trials:
// "_<last key part>-<value>" per override that changes results (not name, device, threads,
// data.workers, ...: the keys a resume may change, train.epochs excepted), in the order
// given; "" when none does or when `name` itself is overridden. Long suffixes are cut and
// end in a hash of the whole, so names stay distinct and under 120 characters.
//   {"model.name=mlp", "optimizer.lr=0.01", "device=cpu"} -> "_name-mlp_lr-0.01"
std::string overrides_name_suffix(const std::vector<std::string>& overrides);

}  // namespace imgcls
