#include "data/cifar.hpp"

#include <ATen/ATen.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "data/dataset_table.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> read_names(const fs::path& path, std::size_t count) {
  std::vector<std::string> names;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) names.push_back(line);
  }
  if (names.size() != count) {
    names.clear();
    for (std::size_t i = 0; i < count; ++i) names.push_back(std::to_string(i));
  }
  return names;
}

}  // namespace

Dataset load_cifar(const std::string& dataset, const std::string& root, bool train, const std::string& label) {
  const auto& info = dataset_info(dataset);
  const auto& subdir = info.subdir;
  const auto& files = train ? info.train_files : info.test_files;
  const bool coarse = label == "coarse" && info.coarse_classes > 0;
  const int64_t pixels = info.channels * info.height * info.width;

  fs::path dir = root;
  if (!fs::exists(dir / files[0]) && fs::exists(fs::path(root) / subdir / files[0])) dir = fs::path(root) / subdir;
  std::string all_files;
  for (const auto& f : files) all_files += (all_files.empty() ? "" : ", ") + f;
  for (const auto& f : files)
    if (!fs::exists(dir / f))
      throw DataError((dir / f).string() + ": missing (" + dataset + " expects " + all_files + " from the binary " +
                      "version, in data.root or data.root/" + subdir + ")");

  // Records: the coarse label byte first where the dataset has one, then the fine label.
  const int64_t label_bytes = info.coarse_classes > 0 ? 2 : 1;
  const int64_t record = label_bytes + pixels;
  const int64_t label_offset = coarse ? 0 : label_bytes - 1;
  const int64_t num_classes = coarse ? info.coarse_classes : info.classes;
  std::vector<uint8_t> bytes;
  for (const auto& f : files) {
    const auto path = dir / f;
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (chunk.empty() || chunk.size() % static_cast<std::size_t>(record) != 0)
      throw DataError(path.string() + ": " + std::to_string(chunk.size()) + " bytes is not a whole number of " +
                      std::to_string(record) + "-byte " + dataset + " records (truncated or not the binary version?)");
    for (std::size_t r = 0; r < chunk.size() / static_cast<std::size_t>(record); ++r) {
      const int64_t value = chunk[r * static_cast<std::size_t>(record) + static_cast<std::size_t>(label_offset)];
      if (value >= num_classes)
        throw DataError(path.string() + ": record " + std::to_string(r) + " has " + label + " label " +
                        std::to_string(value) + ", expected 0.." + std::to_string(num_classes - 1));
    }
    bytes.insert(bytes.end(), chunk.begin(), chunk.end());
  }
  const int64_t n = static_cast<int64_t>(bytes.size()) / record;

  Dataset ds;
  ds.channels = info.channels;
  ds.images = at::empty({n, info.channels, info.height, info.width}, at::kByte);
  ds.labels = at::empty({n}, at::kLong);
  auto* images = ds.images.data_ptr<uint8_t>();
  auto* labels = ds.labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t* rec = bytes.data() + i * record;
    labels[i] = rec[label_offset];
    std::memcpy(images + i * pixels, rec + label_bytes, static_cast<std::size_t>(pixels));
  }
  const auto& names_file = coarse ? info.coarse_names_file : info.fine_names_file;
  ds.class_names = read_names(dir / names_file, static_cast<std::size_t>(num_classes));
  return ds;
}

}  // namespace imgcls
