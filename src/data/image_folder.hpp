// A folder of class folders, as torchvision's ImageFolder reads it:
//   root/<class>/**/<image>
// Classes are the sorted names of root's sub-folders (byte order, as Python sorts them), so
// the class-to-index map is torchvision's. Images are files with the extensions .jpg .jpeg
// .png .bmp .webp .tif .tiff in any case, found recursively (symlinks followed), in sorted
// order. Unlike torchvision, hidden files and folders (".ipynb_checkpoints") are skipped.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.hpp"

#include "imgcls/config/config.hpp"  // kDefaultMaxImagePixels
#include "imgcls/errors.hpp"

namespace imgcls {

// Lists `root`. With `classes`, the sub-folders must be among those names and take their
// index in that list (a validation or test folder labelled like the training folder);
// otherwise the sorted sub-folders are the classes. Throws DataError for a missing root, a
// root without class folders, an empty class folder, or an unknown class folder. A run's
// training folder is listed with training_classes() first (at least two classes).
Dataset scan_image_folder(const std::string& root, int64_t channels,
                          const std::vector<std::string>* classes = nullptr);

// Whether `path` has one of the image extensions above (any case).
bool is_image_file(const std::string& path);

// The image files under `dir`, recursively, in the order above. Throws DataError when `dir`
// does not exist or is not a folder.
std::vector<std::string> list_images(const std::string& dir);

// Only the class names of `root` (no files listed): what a model needs to be built.
std::vector<std::string> image_folder_classes(const std::string& root);

// image_folder_classes for the folder that defines a run's classes: one class folder alone is a
// DataError that names it and, when its own sub-folders look like classes (the usual
// root/flower_photos/<class>/ layout), suggests it as the root.
std::vector<std::string> training_classes(const std::string& root);

// An image file that cannot be used: empty, undecodable, or a truncated JPEG.
class BadImageError : public DataError {
 public:
  BadImageError(const std::string& path, const std::string& reason)
      : DataError(path + ": " + reason), path_(path), reason_(reason) {}
  const std::string& path() const { return path_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string path_, reason_;
};

// Decodes an image file with OpenCV into 8-bit RGB (channels = 3) or grayscale
// (channels = 1), HWC: 16-bit, palette and alpha images are converted (alpha dropped, as
// PIL's convert("RGB") does); EXIF orientation is ignored, as torchvision does. A JPEG
// without its end-of-image marker is rejected: OpenCV would decode it into a partly grey
// image with only a warning on stderr; so is a PNG whose chunks do not reach IEND or fail their
// CRC (as Pillow checks them; libpng would print its own complaint on stderr). Throws
// BadImageError.
//
// An image whose header (PNG, JPEG, BMP, WebP) claims more than `max_pixels` (width x height)
// is refused before decoding ("60000 x 60000 pixels, more than the limit of ..."), so
// an untrusted file cannot exhaust memory; other formats keep OpenCV's own limit (2^30).
cv::Mat decode_image(const std::string& path, int64_t channels, int64_t max_pixels = kDefaultMaxImagePixels);
// The file's bytes; throws BadImageError ("cannot open the file: <cause>", "not a regular
// file ..." without blocking on a FIFO, "cannot read the file").
std::vector<unsigned char> read_image_file(const std::string& path);

// Same, for the file's bytes; `path` only names it in errors.
cv::Mat decode_image_bytes(const std::vector<unsigned char>& bytes, const std::string& path, int64_t channels,
                           int64_t max_pixels = kDefaultMaxImagePixels);

// The width and height a PNG, JPEG, BMP or WebP header claims; {0, 0} when it is none of those
// or too short to say.
std::pair<int64_t, int64_t> image_header_size(const std::vector<unsigned char>& bytes);

}  // namespace imgcls
