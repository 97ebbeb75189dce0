// `imgcls data preview CONFIG [KEY=VALUE...] [--split train|val|test] [--count N] [--epoch E]
// [--out FILE.png]`: the first batch a split's loader makes (the train split: epoch E's
// shuffled order and augmentations, exactly as training draws them), drawn as a grid with each
// image's class, so a user sees what the model sees. Denormalised back to 8-bit for display.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace imgcls {

struct DataPreviewOptions {
  std::string config_path;
  std::vector<std::string> overrides;
  std::string split = "train";
  int64_t count = 32;
  int64_t epoch = 0;
  std::string out;  // "" = data_preview-<config name>.png
};
void setup_data_preview(CLI::App& data);
int run_data_preview(const DataPreviewOptions& options);

}  // namespace imgcls
