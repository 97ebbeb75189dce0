// The experiment config: typed, validated, with every default filled in.
//
// Loading (see load_config) is strict: an unknown key, a wrong type, an out-of-range value,
// a duplicate key or a missing required key throws ConfigError with one line of the form
//   <file>:<line>: <dotted.key>: <what was expected>, got '<value>'
// and, for a misspelt key, a "did you mean '<key>'?" hint.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace imgcls {

struct DataConfig {
  std::string dataset;        // required: fashion_mnist | mnist
  std::string root;           // folder with the dataset files; "" = the dataset's default
  double val_split = 0.1;     // >= 1: a count of training images; in (0, 1): a fraction; 0: none
  int64_t batch_size = 64;
  int64_t limit = 0;          // use only the first N training images (0 = all)
  bool normalize = true;      // (x/255 - mean)/std
  double mean = 0.5;          // seed 004: Normalize((0.5,), (0.5,))
  double std = 0.5;
};

struct ModelConfig {
  std::string name;                                 // required: a name from the model registry
  std::string init = "default";                     // default (PyTorch's) | kaiming | xavier
  std::vector<int64_t> hidden = {256};              // mlp: hidden layer sizes
  std::string activation = "relu";                  // mlp: relu | leaky_relu | tanh | sigmoid
  double dropout = 0.0;                             // mlp: dropout after each hidden layer
  int64_t hidden_size = 32;                         // cifar_cnn: channels of the first conv
  std::string pooling = "avg";                      // cifar_cnn: stride | max | avg
  std::vector<int64_t> widths = {128, 256, 512};    // residual_cnn: stage widths
  int64_t blocks = 2;                               // residual_cnn: residual blocks per stage
  int64_t stem_channels = 64;                       // residual_cnn: 7x7 stem width
};

struct OptimizerConfig {
  std::string name = "adam";  // adam | sgd
  double lr = 1e-3;
  double weight_decay = 0.0;
  double momentum = 0.0;      // sgd only
};

struct TrainConfig {
  int64_t epochs = 10;
  int64_t log_every = 0;      // also log every N steps inside an epoch (0 = only per epoch)
};

struct Config {
  std::string name = "run";
  int64_t seed = 42;
  std::string device = "auto";  // auto | cpu | cuda | cuda:N
  int64_t threads = 0;          // intra-op threads for LibTorch (0 = LibTorch's default)
  DataConfig data;
  ModelConfig model;
  OptimizerConfig optimizer;
  TrainConfig train;

  // Where each key came from ("configs/x.yaml:12", "override 'optimizer.lr=0.1'") or
  // "default": later stages (dataset, model registry) use it to point at the culprit.
  std::map<std::string, std::string> origins;
  std::string where(const std::string& dotted_key) const;
};

// Loads a YAML (.yaml/.yml) or JSON (.json) config, applies `overrides` ("dotted.key=value",
// the value parsed as YAML, so lists work: "data.classes=[0,1]") and validates the result.
// Throws ConfigError (exit code 2) naming the file, line and dotted key on any problem.
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {});

// Same as load_config, for text already in memory; `origin` names it in error messages.
Config parse_config(const std::string& text, const std::string& origin,
                    const std::vector<std::string>& overrides = {});

// The fully resolved config as YAML (every key, defaults included). Loading it back gives
// an equal config: this is what a run directory's config.yaml holds.
std::string to_yaml(const Config& config);

// The value of one dotted key as YAML text ("0.001", "[512, 256]", "adam"). Throws
// ConfigError for a key the schema does not know.
std::string value_text(const Config& config, const std::string& dotted_key);

// Every dotted key the schema knows, in schema order (used by `imgcls config keys`).
std::vector<std::string> config_keys();

}  // namespace imgcls
