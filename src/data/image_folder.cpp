#include "data/image_folder.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <set>

#include "util/strings.hpp"

namespace imgcls {
namespace fs = std::filesystem;
namespace {

bool hidden(const fs::path& p) { return !p.filename().empty() && p.filename().string().front() == '.'; }

// Sorted sub-folders of `dir` (hidden ones skipped), following symlinks.
std::vector<std::string> sub_folders(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir, fs::directory_options::follow_directory_symlink))
    if (!hidden(entry.path()) && entry.is_directory()) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Image files under `dir`, recursively, in the order torchvision visits them: each folder's
// files sorted, then its sub-folders sorted.
void collect_images(const fs::path& dir, std::vector<std::string>& out) {
  std::vector<fs::path> files, dirs;
  for (const auto& entry : fs::directory_iterator(dir, fs::directory_options::follow_directory_symlink)) {
    if (hidden(entry.path())) continue;
    if (entry.is_directory()) dirs.push_back(entry.path());
    else if (entry.is_regular_file() && is_image_file(entry.path().string())) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& f : files) out.push_back(f.string());
  for (const auto& d : dirs) collect_images(d, out);
}

void check_root(const std::string& root) {
  std::error_code ec;
  if (!fs::exists(root, ec)) throw DataError(root + ": image folder does not exist");
  if (!fs::is_directory(root, ec)) throw DataError(root + ": is not a folder (expected root/<class>/<images>)");
}

bool is_jpeg(const std::vector<unsigned char>& b) { return b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF; }

// The end-of-image marker FF D9 near the end. Inside entropy-coded data every FF byte is
// followed by 00 or a restart marker, so FF D9 there can only be the real end; a few bytes
// of padding after it are allowed.
bool jpeg_complete(const std::vector<unsigned char>& b) {
  const std::size_t window = std::min<std::size_t>(b.size(), 64);
  for (std::size_t i = b.size() - window; i + 1 < b.size(); ++i)
    if (b[i] == 0xFF && b[i + 1] == 0xD9) return true;
  return false;
}

}  // namespace

bool is_image_file(const std::string& path) {
  static const std::set<std::string> extensions = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"};
  return extensions.count(to_lower(fs::path(path).extension().string())) > 0;
}

std::vector<std::string> list_images(const std::string& dir) {
  check_root(dir);
  std::vector<std::string> out;
  collect_images(dir, out);
  return out;
}

std::vector<std::string> image_folder_classes(const std::string& root) {
  check_root(root);
  auto classes = sub_folders(root);
  if (classes.empty())
    throw DataError(root + ": has no class folders (expected root/<class>/<images>, e.g. root/daisy/1.jpg)");
  return classes;
}

std::vector<std::string> training_classes(const std::string& root) {
  auto classes = image_folder_classes(root);
  if (classes.size() == 1) {
    const auto only = (fs::path(root) / classes.front()).string();
    std::string hint;
    std::error_code ec;
    if (fs::is_directory(only, ec) && sub_folders(only).size() >= 2)
      hint = "; its " + std::to_string(sub_folders(only).size()) + " sub-folders look like the classes: use " + only +
             " as the data root";
    throw DataError(root + ": only one class folder ('" + classes.front() +
                    "'), and a classifier needs two or more classes" + hint);
  }
  return classes;
}

Dataset scan_image_folder(const std::string& root, int64_t channels, const std::vector<std::string>* classes) {
  const auto found = image_folder_classes(root);
  Dataset ds;
  ds.channels = channels;
  ds.class_names = classes ? *classes : found;
  std::vector<int64_t> labels;
  for (const auto& name : found) {
    const auto it = std::find(ds.class_names.begin(), ds.class_names.end(), name);
    if (it == ds.class_names.end())
      throw DataError((fs::path(root) / name).string() + ": class folder '" + name +
                      "' is not one of the training classes (" + join(ds.class_names, ", ") + ")");
    const auto before = ds.paths.size();
    collect_images(fs::path(root) / name, ds.paths);
    if (ds.paths.size() == before)
      throw DataError((fs::path(root) / name).string() +
                      ": class folder has no images (.jpg .jpeg .png .bmp .webp .tif .tiff)");
    labels.insert(labels.end(), ds.paths.size() - before, it - ds.class_names.begin());
  }
  ds.labels = at::tensor(labels, at::kLong);
  return ds;
}

cv::Mat decode_image_bytes(const std::vector<unsigned char>& bytes, const std::string& path, int64_t channels) {
  if (bytes.empty()) throw BadImageError(path, "empty file");
  if (is_jpeg(bytes) && !jpeg_complete(bytes))
    throw BadImageError(path, "truncated JPEG (no end-of-image marker)");
  const int flags = (channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR) | cv::IMREAD_IGNORE_ORIENTATION;
  cv::Mat img;
  try {
    img = cv::imdecode(bytes, flags);
  } catch (const cv::Exception& e) {
    throw BadImageError(path, std::string("OpenCV cannot decode it: ") + e.what());
  }
  if (img.empty()) throw BadImageError(path, "OpenCV cannot decode it (not an image, or a damaged one)");
  if (channels == 3) cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
  return img;
}

std::vector<unsigned char> read_image_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw BadImageError(path, "cannot open the file");
  const auto size = static_cast<std::size_t>(in.tellg());
  std::vector<unsigned char> bytes(size);
  in.seekg(0);
  if (size && !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
    throw BadImageError(path, "cannot read the file");
  return bytes;
}

cv::Mat decode_image(const std::string& path, int64_t channels) {
  return decode_image_bytes(read_image_file(path), path, channels);
}

}  // namespace imgcls
