// The models imgcls builds, as plain facts with no LibTorch: each name, a one-line
// description and the model.* keys it takes. The config schema reads its model.name choices
// from here (imgcls_base, torch-free); the registry (registry.cpp, LibTorch) pairs each name
// with its factory, and a test checks that every name has a factory and every factory a name.
// Adding a model: one row here, one factory in registry.cpp.
#pragma once

#include <string>
#include <vector>

#include "imgcls/config/config.hpp"

namespace imgcls {

struct ModelInfo {
  std::string name;               // model.name
  std::string description;        // one line, for `imgcls models`
  std::vector<std::string> keys;  // the model.* keys it takes besides model.name and model.init
  // train.channels_last: auto on the CPU: measured faster in channels_last, in fp32 and bf16
  // alike (docs/BENCHMARKS.md, "Memory format"; engine/device.hpp)
  bool channels_last = false;
};

// Every model, in the order model.name's "one of ..." lists them.
const std::vector<ModelInfo>& model_table();

// The row of `name`, or nullptr.
const ModelInfo* find_model(const std::string& name);

// The names, sorted, and the one-line description of one ("" for an unknown name).
std::vector<std::string> model_names();
std::string model_description(const std::string& name);

// Throws ConfigError "<where>: model.<key>: <model> does not take this key (it takes ...);
// remove it from the config, or add model.<key>=null to the command line" for the model.*
// keys that config.model.name does not take and that differ from their defaults (a resolved
// config.yaml lists every key with its default, and must load back); the fix names them all.
// Does nothing for a name the table does not know.
void check_model_keys(const Config& config);

}  // namespace imgcls
