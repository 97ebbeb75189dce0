// Parsing and printing the transform lists of a config (data.train_transforms,
// data.val_transforms). Each item is a one-key map or a bare name:
//   - resize: 256                      # the one main parameter given bare
//   - random_crop: {size: 32, padding: 4}
//   - grayscale                        # every parameter at its default
// Names and parameters follow torchvision.transforms; each transform's parameters, how they
// are read and printed, and what it does are in its descriptor (src/transforms/).
#pragma once

#include <yaml-cpp/node/node.h>

#include <functional>
#include <string>
#include <vector>

#include "imgcls/config/config.hpp"
#include "transforms/params.hpp"  // TransformListError, yaml_text

namespace imgcls {

// Parses a YAML sequence of transform items; each spec's `where` is where_at(its line).
// Throws TransformListError.
std::vector<TransformSpec> parse_transform_list(const YAML::Node& list,
                                                const std::function<std::string(int)>& where_at);

// The list as one line of flow YAML with every parameter of every item, so that parsing it
// back gives the same specs: [{resize: {size: [256, 256], interpolation: bilinear}}, ...].
// config_version 1's names (transforms/params.hpp, interpolation_name_v1) for resize's and
// random_resized_crop's interpolation: as read (to_v1 false) or as written (to_v1 true).
std::vector<TransformSpec> with_v1_names(std::vector<TransformSpec> list, bool to_v1);

std::string transform_list_yaml(const std::vector<TransformSpec>& list);

// The names parse_transform_list accepts, in documentation order.
const std::vector<std::string>& transform_names();

}  // namespace imgcls
