#include "data/image_folder.hpp"

#include <ATen/ATen.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
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

// A path for a one-line message: at most about 160 characters, its start and its end.
std::string short_path(const std::string& path) {
  return path.size() <= 160 ? path : path.substr(0, 60) + "..." + path.substr(path.size() - 97);
}

// The folders from the root down to the one being listed, by device and inode: a symbolic
// link back to one of them would make the listing endless.
using FolderChain = std::vector<std::pair<dev_t, ino_t>>;

// Image files under `dir`, recursively, in the order torchvision visits them: each folder's
// files sorted, then its sub-folders sorted. Throws DataError for a symbolic link loop.
void collect_images(const fs::path& dir, std::vector<std::string>& out, FolderChain& chain) {
  struct stat st {};
  const bool known = ::stat(dir.c_str(), &st) == 0;
  if (known) {
    for (const auto& [dev, ino] : chain)
      if (dev == st.st_dev && ino == st.st_ino)
        throw DataError(short_path(dir.string()) + ": a symbolic link loop (this folder is one of its own parents)");
    chain.emplace_back(st.st_dev, st.st_ino);
  }
  std::vector<fs::path> files, dirs;
  for (const auto& entry : fs::directory_iterator(dir, fs::directory_options::follow_directory_symlink)) {
    if (hidden(entry.path())) continue;
    if (entry.is_directory()) dirs.push_back(entry.path());
    else if (entry.is_regular_file() && is_image_file(entry.path().string())) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  std::sort(dirs.begin(), dirs.end());
  for (const auto& f : files) out.push_back(f.string());
  for (const auto& d : dirs) collect_images(d, out, chain);
  if (known) chain.pop_back();
}

// collect_images from a root, with std::filesystem's errors (a folder that cannot be read, a
// name too long) as one DataError line with the path shortened.
void collect_images(const fs::path& dir, std::vector<std::string>& out) {
  FolderChain chain;
  try {
    collect_images(dir, out, chain);
  } catch (const fs::filesystem_error& e) {
    throw DataError(short_path(e.path1().empty() ? dir.string() : e.path1().string()) +
                    ": cannot list it: " + e.code().message());
  }
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

bool is_png(const std::vector<unsigned char>& b) {
  static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  return b.size() >= 8 && std::equal(signature, signature + 8, b.begin());
}

// What is wrong with a PNG's chunks ("" when nothing): each chunk's length must fit the file
// and its CRC-32 match, up to IEND, as Pillow checks them. libpng would otherwise print its
// complaint ("libpng error: Not enough image data") on stderr, beside imgcls's own line.
std::string png_damage(const std::vector<unsigned char>& b) {
  const auto be32 = [&](std::size_t i) {
    return static_cast<uint32_t>(b[i]) << 24 | static_cast<uint32_t>(b[i + 1]) << 16 |
           static_cast<uint32_t>(b[i + 2]) << 8 | static_cast<uint32_t>(b[i + 3]);
  };
  std::size_t i = 8;
  while (i + 12 <= b.size()) {
    const std::size_t length = be32(i);
    const std::string type(b.begin() + static_cast<std::ptrdiff_t>(i + 4), b.begin() + static_cast<std::ptrdiff_t>(i + 8));
    if (length > b.size() - i - 12)
      return "truncated PNG (chunk '" + type + "' at byte " + std::to_string(i) + " runs past the end of the file)";
    const auto crc = crc32(crc32(0L, Z_NULL, 0), b.data() + i + 4, static_cast<uInt>(length + 4));
    if (crc != be32(i + 8 + length))
      return "damaged PNG (chunk '" + type + "' at byte " + std::to_string(i) + " fails its CRC)";
    if (type == "IEND") return "";
    i += length + 12;
  }
  return "truncated PNG (no IEND chunk)";
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

std::pair<int64_t, int64_t> image_header_size(const std::vector<unsigned char>& b) {
  const auto n = b.size();
  const auto be16 = [&](std::size_t i) { return int64_t{b[i]} << 8 | b[i + 1]; };
  const auto be32 = [&](std::size_t i) { return be16(i) << 16 | be16(i + 2); };
  const auto le16 = [&](std::size_t i) { return int64_t{b[i + 1]} << 8 | b[i]; };
  const auto le24 = [&](std::size_t i) { return int64_t{b[i + 2]} << 16 | le16(i); };
  const auto le32 = [&](std::size_t i) { return static_cast<int32_t>(static_cast<uint32_t>(le16(i + 2) << 16 | le16(i))); };
  const auto is = [&](std::size_t at, const char* magic) { return n >= at + std::strlen(magic) && std::memcmp(b.data() + at, magic, std::strlen(magic)) == 0; };
  if (is(0, "\x89PNG\r\n\x1a\n") && n >= 24 && is(12, "IHDR")) return {be32(16), be32(20)};
  if (is(0, "BM") && n >= 26) return {std::abs(int64_t{le32(18)}), std::abs(int64_t{le32(22)})};
  if (is(0, "RIFF") && is(8, "WEBP")) {
    if (is(12, "VP8 ") && n >= 30) return {le16(26) & 0x3fff, le16(28) & 0x3fff};
    if (is(12, "VP8L") && n >= 25) {
      const auto bits = static_cast<uint32_t>(le16(21)) | static_cast<uint32_t>(le16(23)) << 16;
      return {(bits & 0x3fff) + 1, (bits >> 14 & 0x3fff) + 1};
    }
    if (is(12, "VP8X") && n >= 30) return {le24(24) + 1, le24(27) + 1};
    return {0, 0};
  }
  if (n >= 4 && b[0] == 0xff && b[1] == 0xd8) {  // JPEG: the first start-of-frame marker
    std::size_t i = 2;
    while (i + 4 <= n) {
      if (b[i] != 0xff) return {0, 0};
      const auto marker = b[i + 1];
      if (marker == 0xff) {  // fill byte
        ++i;
        continue;
      }
      if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {  // no length
        i += 2;
        continue;
      }
      const bool sof = marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc;
      if (sof) return i + 9 <= n ? std::pair<int64_t, int64_t>{be16(i + 7), be16(i + 5)} : std::pair<int64_t, int64_t>{0, 0};
      if (marker == 0xda || marker == 0xd9) return {0, 0};  // image data before any frame header
      i += 2 + static_cast<std::size_t>(be16(i + 2));
    }
  }
  return {0, 0};
}

cv::Mat decode_image_bytes(const std::vector<unsigned char>& bytes, const std::string& path, int64_t channels,
                           int64_t max_pixels) {
  if (bytes.empty()) throw BadImageError(path, "empty file");
  const auto [width, height] = image_header_size(bytes);
  if (static_cast<double>(width) * static_cast<double>(height) > static_cast<double>(max_pixels))
    throw BadImageError(path, std::to_string(width) + " x " + std::to_string(height) +
                                  " pixels, more than the limit of " + std::to_string(max_pixels) +
                                  " (not decoded)");
  if (is_jpeg(bytes) && !jpeg_complete(bytes))
    throw BadImageError(path, "truncated JPEG (no end-of-image marker)");
  if (is_png(bytes))
    if (const auto damage = png_damage(bytes); !damage.empty()) throw BadImageError(path, damage);
  const int flags = (channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR) | cv::IMREAD_IGNORE_ORIENTATION;
  cv::Mat img;
  try {
    img = cv::imdecode(bytes, flags);
  } catch (const cv::Exception& e) {
    // e.err alone: what() is OpenCV's multi-line "OpenCV(4.6.0) <source file>:<line>: error: ..."
    throw BadImageError(path, "OpenCV cannot decode it: " + e.err);
  }
  if (img.empty()) throw BadImageError(path, "OpenCV cannot decode it (not an image, or a damaged one)");
  if (channels == 3) cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
  return img;
}

std::vector<unsigned char> read_image_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw BadImageError(path, std::string("cannot open the file: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw BadImageError(path, "not a regular file (a FIFO, socket, device or folder)");
  }
  std::vector<unsigned char> bytes(static_cast<std::size_t>(st.st_size));
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::read(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (done != bytes.size()) throw BadImageError(path, "cannot read the file");
  return bytes;
}

cv::Mat decode_image(const std::string& path, int64_t channels, int64_t max_pixels) {
  return decode_image_bytes(read_image_file(path), path, channels, max_pixels);
}

}  // namespace imgcls
