// Reading and printing transform parameters: the pieces every descriptor's ParamDescriptor
// uses (transform.hpp), and the parameters several transforms share (crop sizes,
// interpolation, fill). Values are checked here, with the item's line and dotted subkey.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "transforms/transform.hpp"

namespace imgcls {

// A problem with one item of a transform list: `subkey` is appended to the list's dotted key
// ("[2].random_crop.padding"), `line` is the item's line in the config (1-based).
struct TransformListError {
  int line = 0;
  std::string subkey;
  std::string expected;
  std::string got;
};

// A node as the text a message quotes: a scalar as written, anything else as flow YAML,
// "null" for a missing or null node.
std::string yaml_text(const YAML::Node& node);

// Reads one parameter's value; every reader throws TransformListError{line, subkey,
// expected, the value as written} on a bad value.
class ParamReader {
 public:
  ParamReader(int line, std::string subkey) : line_(line), subkey_(std::move(subkey)) {}
  int line() const { return line_; }
  const std::string& subkey() const { return subkey_; }

  [[noreturn]] void bad(const YAML::Node& n, const std::string& expected) const;
  double number(const YAML::Node& n, const std::string& expected) const;  // finite
  int64_t integer(const YAML::Node& n, const std::string& expected) const;
  // A number or a list of min_len..max_len numbers.
  std::vector<double> numbers(const YAML::Node& n, std::size_t min_len, std::size_t max_len,
                              const std::string& expected) const;
  // An integer or a list of integers, of one of `lengths`, each >= min_value.
  std::vector<int64_t> integers(const YAML::Node& n, const std::vector<std::size_t>& lengths, int64_t min_value,
                                const std::string& expected) const;
  std::string choice(const YAML::Node& n, const std::vector<std::string>& choices) const;
  bool boolean(const YAML::Node& n) const;

 private:
  int line_;
  std::string subkey_;
};

// [1, 2] / [0.5, 1.5] as flow YAML, numbers in their shortest exact form.
std::string show_list(const std::vector<int64_t>& v);
std::string show_list(const std::vector<double>& v);

// Shared parameters.
ParamDescriptor crop_size_param();      // size: s (square) or [h, w] -> TransformSpec::size = [h, w]
ParamDescriptor interpolation_param();  // nearest | bilinear | bicubic | area (OpenCV's warpAffine)
// resize, random_resized_crop: Pillow's filters as torchvision uses them (bilinear, the
// default, bicubic, nearest, box, hamming, lanczos) or OpenCV's (area, cv_linear, cv_cubic,
// cv_nearest); image_ops.hpp's resize_to says what each does.
ParamDescriptor resize_interpolation_param();
const std::vector<std::string>& resize_interpolations();
// Before config_version 2 (config.yaml files without it), resize's bilinear, bicubic and
// nearest named OpenCV's filters, now cv_linear, cv_cubic and cv_nearest: a name as read
// from such a file (to_v1 false: "bilinear" -> "cv_linear") or as written to one (to_v1
// true: "cv_linear" -> "bilinear"). Other names are the same in both.
std::string interpolation_name_v1(const std::string& name, bool to_v1);
ParamDescriptor fill_param();           // a pixel value in [0, 255]

}  // namespace imgcls
