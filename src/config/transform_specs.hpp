// Parsing and printing the transform lists of a config (data.train_transforms,
// data.val_transforms). Each item is a one-key map or a bare name:
//   - resize: 256                      # the one main parameter given bare
//   - random_crop: {size: 32, padding: 4}
//   - grayscale                        # every parameter at its default
// Names and parameters follow torchvision.transforms; what each does is in data/transforms.hpp.
#pragma once

#include <yaml-cpp/node/node.h>

#include <functional>
#include <string>
#include <vector>

#include "imgcls/config/config.hpp"

namespace imgcls {

// A problem with one item: `subkey` is appended to the list's dotted key
// ("[2].random_crop.padding"), `line` is the item's line in the config (1-based).
struct TransformListError {
  int line = 0;
  std::string subkey;
  std::string expected;
  std::string got;
};

// Parses a YAML sequence of transform items; each spec's `where` is where_at(its line).
// Throws TransformListError.
std::vector<TransformSpec> parse_transform_list(const YAML::Node& list,
                                                const std::function<std::string(int)>& where_at);

// The list as one line of flow YAML with every parameter of every item, so that parsing it
// back gives the same specs: [{resize: {size: [256, 256], interpolation: bilinear}}, ...].
std::string transform_list_yaml(const std::vector<TransformSpec>& list);

// A node as the text a message quotes: a scalar as written, anything else as flow YAML,
// "null" for a missing or null node.
std::string yaml_text(const YAML::Node& node);

// The names parse_transform_list accepts, in documentation order.
const std::vector<std::string>& transform_names();

}  // namespace imgcls
