// ImageFolder: torchvision's class order and file discovery (hidden entries skipped), the
// decoding conversions, every bad-data case, and the splits an image folder gives.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "data/image_folder.hpp"
#include "data/splits.hpp"
#include "imgcls/config/config.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

void png(const std::string& path, int h = 6, int w = 5, int value = 100) {
  fs::create_directories(fs::path(path).parent_path());
  ASSERT_TRUE(cv::imwrite(path, cv::Mat(h, w, CV_8UC3, cv::Scalar(value, value / 2, 255 - value))));
}

std::string data_error(const std::function<void()>& f) { return test::message_of<DataError>(f); }

TEST(ImageFolder, ClassOrderAndFilesFollowTorchvision) {
  test::TempDir dir;
  // Sorted byte-wise: upper case before lower case, as Python's sorted().
  png(dir / "tulip/b.png");
  png(dir / "tulip/A.PNG");
  png(dir / "daisy/x.jpg");
  png(dir / "daisy/nested/y.png");
  png(dir / "Rose/1.bmp");
  png(dir / ".ipynb_checkpoints/z.png");  // hidden folder: not a class
  png(dir / "daisy/.hidden.png");         // hidden file: skipped
  test::write_text(dir / "daisy/notes.txt", "not an image");
  const auto ds = scan_image_folder(dir.path(), 3);
  EXPECT_EQ(ds.class_names, (std::vector<std::string>{"Rose", "daisy", "tulip"}));
  ASSERT_EQ(ds.size(), 5);
  EXPECT_EQ(fs::path(ds.paths[0]).filename(), "1.bmp");
  EXPECT_EQ(fs::path(ds.paths[1]).filename(), "x.jpg");
  EXPECT_EQ(fs::path(ds.paths[2]).filename(), "y.png");  // a folder's files, then its sub-folders
  EXPECT_EQ(fs::path(ds.paths[3]).filename(), "A.PNG");
  EXPECT_EQ(fs::path(ds.paths[4]).filename(), "b.png");
  EXPECT_TRUE(ds.labels.equal(at::tensor(std::vector<int64_t>{0, 1, 1, 2, 2}, at::kLong)));
}

TEST(ImageFolder, DecodesToRgbOrGray) {
  test::TempDir dir;
  cv::Mat bgr(2, 2, CV_8UC3, cv::Scalar(10, 20, 30));  // OpenCV writes BGR
  cv::imwrite(dir / "c.png", bgr);
  const auto rgb = decode_image(dir / "c.png", 3);
  EXPECT_EQ(rgb.at<cv::Vec3b>(0, 0), cv::Vec3b(30, 20, 10));
  EXPECT_EQ(decode_image(dir / "c.png", 1).channels(), 1);
  // 16-bit grayscale, and RGBA: converted to 8-bit RGB.
  cv::imwrite(dir / "d16.png", cv::Mat(2, 2, CV_16UC1, cv::Scalar(65535)));
  const auto d16 = decode_image(dir / "d16.png", 3);
  EXPECT_EQ(d16.type(), CV_8UC3);
  EXPECT_EQ(d16.at<cv::Vec3b>(0, 0), cv::Vec3b(255, 255, 255));
  cv::imwrite(dir / "rgba.png", cv::Mat(2, 2, CV_8UC4, cv::Scalar(1, 2, 3, 0)));
  EXPECT_EQ(decode_image(dir / "rgba.png", 3).at<cv::Vec3b>(0, 0), cv::Vec3b(3, 2, 1));
}

TEST(ImageFolder, BadImagesAreRecognised) {
  test::TempDir dir;
  cv::Mat photo(64, 64, CV_8UC3);
  cv::RNG(3).fill(photo, cv::RNG::UNIFORM, 0, 255);
  std::vector<unsigned char> jpeg;
  cv::imencode(".jpg", photo, jpeg);
  EXPECT_NO_THROW(decode_image_bytes(jpeg, "ok.jpg", 3));
  // Truncated: OpenCV alone would decode this into a partly grey image.
  const std::vector<unsigned char> cut(jpeg.begin(), jpeg.begin() + static_cast<std::ptrdiff_t>(jpeg.size() / 2));
  EXPECT_FALSE(cv::imdecode(cut, cv::IMREAD_COLOR).empty());
  try {
    decode_image_bytes(cut, "cut.jpg", 3);
    FAIL();
  } catch (const BadImageError& e) {
    EXPECT_EQ(std::string(e.what()), "cut.jpg: truncated JPEG (no end-of-image marker)");
  }
  EXPECT_THROW(decode_image_bytes({}, "empty.png", 3), BadImageError);
  EXPECT_THROW(decode_image_bytes({'G', 'I', 'B'}, "junk.png", 3), BadImageError);
  EXPECT_THROW(decode_image(dir / "missing.png", 3), BadImageError);
  std::vector<unsigned char> png_bytes;
  cv::imencode(".png", photo, png_bytes);
  png_bytes.resize(png_bytes.size() / 2);
  EXPECT_THROW(decode_image_bytes(png_bytes, "cut.png", 3), BadImageError);
}

TEST(ImageFolder, FolderErrorsNameThePath) {
  test::TempDir dir;
  EXPECT_EQ(data_error([&] { scan_image_folder(dir / "nope", 3); }), dir / "nope" + ": image folder does not exist");
  EXPECT_EQ(data_error([&] { scan_image_folder(dir.path(), 3); }),
            dir.path() + ": has no class folders (expected root/<class>/<images>, e.g. root/daisy/1.jpg)");
  png(dir / "a/1.png");
  fs::create_directories(dir / "b");
  test::write_text(dir / "b/readme.txt", "x");
  EXPECT_EQ(data_error([&] { scan_image_folder(dir.path(), 3); }),
            dir / "b" + ": class folder has no images (.jpg .jpeg .png .bmp .webp .tif .tiff)");
  const std::vector<std::string> train_classes = {"a"};
  fs::remove_all(dir / "b");
  png(dir / "c/1.png");
  EXPECT_EQ(data_error([&] { scan_image_folder(dir.path(), 3, &train_classes); }),
            dir / "c" + ": class folder 'c' is not one of the training classes (a)");
}

// tf_flowers unpacks to root/flower_photos/<class>/: pointing data.root at root would train
// one class to 100%. One class folder is an error that suggests the folder below.
TEST(ImageFolder, OneClassFolderIsAnErrorThatSuggestsTheFolderBelow) {
  test::TempDir dir;
  png(dir / "flower_photos/daisy/1.png");
  png(dir / "flower_photos/tulips/1.png");
  test::write_text(dir / "LICENSE.txt", "not a folder");
  EXPECT_EQ(data_error([&] { training_classes(dir.path()); }),
            dir.path() +
                ": only one class folder ('flower_photos'), and a classifier needs two or more classes; "
                "its 2 sub-folders look like the classes: use " +
                dir / "flower_photos" + " as the data root");
  EXPECT_EQ(training_classes(dir / "flower_photos"), (std::vector<std::string>{"daisy", "tulips"}));
  // A run's splits refuse it (a DataError: exit 3).
  auto config = parse_config("data: {dataset: image_folder, root: " + dir.path() + "}\nmodel: {name: mlp}\n", "c.yaml");
  EXPECT_NE(data_error([&] { make_splits(config); }).find("only one class folder ('flower_photos')"),
            std::string::npos);
  // Without class-like sub-folders there is no suggestion.
  png(dir / "one/only/1.png");
  EXPECT_EQ(data_error([&] { training_classes(dir / "one"); }),
            dir / "one" + ": only one class folder ('only'), and a classifier needs two or more classes");
  // A validation folder may hold just one of the classes.
  const std::vector<std::string> train_classes = {"daisy", "tulips"};
  png(dir / "val/daisy/2.png");
  EXPECT_EQ(scan_image_folder(dir / "val", 3, &train_classes).size(), 1);
}

// The flowers config (val_split: 1000) on a small folder: the error says which override fixes it.
TEST(ImageFolder, AFifoIsRefusedWithoutBlocking) {
  test::TempDir dir;
  ASSERT_EQ(::mkfifo((dir / "x.png").c_str(), 0644), 0);
  // Opening a FIFO for reading would wait for a writer forever; it is refused instead.
  EXPECT_EQ(data_error([&] { read_image_file(dir / "x.png"); }),
            dir / "x.png" + ": not a regular file (a FIFO, socket, device or folder)");
  EXPECT_EQ(data_error([&] { read_image_file(dir / "missing.png"); }),
            dir / "missing.png" + ": cannot open the file: No such file or directory");
  png(dir / "c/a.png");
  EXPECT_EQ(read_image_file(dir / "c/a.png"), std::vector<unsigned char>(
                                                  [&] { auto t = test::read_text(dir / "c/a.png"); return std::vector<unsigned char>(t.begin(), t.end()); }()));
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::vector<unsigned char> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

TEST(ImageFolder, AnImageClaimingTooManyPixelsIsRefusedFromItsHeader) {
  // A PNG header claiming 60000 x 60000 pixels, with no image data behind it.
  const auto huge = bytes_of(std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + "IHDR" + be32(60000) + be32(60000) +
                             std::string("\x08\x02\x00\x00\x00", 5) + be32(0));
  EXPECT_EQ(image_header_size(huge), (std::pair<int64_t, int64_t>{60000, 60000}));
  EXPECT_EQ(data_error([&] { decode_image_bytes(huge, "x.png", 3); }),
            "x.png: 60000 x 60000 pixels, more than the limit of 89478485 (not decoded)");
  // Every format the header reader knows, from real files.
  test::TempDir dir;
  for (const auto* ext : {".png", ".jpg", ".bmp", ".webp"}) {
    const auto path = dir / (std::string("a") + ext);
    ASSERT_TRUE(cv::imwrite(path, cv::Mat(7, 11, CV_8UC3, cv::Scalar(1, 2, 3)))) << ext;
    const auto bytes = read_image_file(path);
    EXPECT_EQ(image_header_size(bytes), (std::pair<int64_t, int64_t>{11, 7})) << ext;
    EXPECT_EQ(decode_image_bytes(bytes, path, 3).size(), cv::Size(11, 7)) << ext;
    EXPECT_EQ(data_error([&] { decode_image_bytes(bytes, path, 3, 76); }),
              path + ": 11 x 7 pixels, more than the limit of 76 (not decoded)")
        << ext;
  }
  EXPECT_EQ(image_header_size(bytes_of("not an image")), (std::pair<int64_t, int64_t>{0, 0}));
}

// A PNG is checked chunk by chunk before libpng sees it (which would print "libpng error: Not
// enough image data" on stderr): cut short, or with a flipped bit, it is one imgcls line.
TEST(ImageFolder, ATruncatedOrDamagedPngIsRefusedBeforeDecoding) {
  std::vector<unsigned char> png;
  ASSERT_TRUE(cv::imencode(".png", cv::Mat(16, 16, CV_8UC3, cv::Scalar(10, 200, 30)), png));
  EXPECT_EQ(decode_image_bytes(png, "ok.png", 3).size(), cv::Size(16, 16));
  auto trailing = png;
  trailing.insert(trailing.end(), {0, 0, 0});  // bytes after IEND: Pillow and libpng ignore them
  EXPECT_EQ(decode_image_bytes(trailing, "ok.png", 3).size(), cv::Size(16, 16));
  const std::vector<unsigned char> cut(png.begin(), png.end() - 20);
  EXPECT_EQ(data_error([&] { decode_image_bytes(cut, "cut.png", 3); }),
            "cut.png: truncated PNG (chunk 'IDAT' at byte 33 runs past the end of the file)");
  const std::vector<unsigned char> no_end(png.begin(), png.end() - 12);  // every chunk but IEND
  EXPECT_EQ(data_error([&] { decode_image_bytes(no_end, "cut.png", 3); }), "cut.png: truncated PNG (no IEND chunk)");
  auto flipped = png;
  flipped[45] ^= 0x10;  // inside IDAT's data
  EXPECT_EQ(data_error([&] { decode_image_bytes(flipped, "bad.png", 3); }),
            "bad.png: damaged PNG (chunk 'IDAT' at byte 33 fails its CRC)");
}

TEST(ImageFolder, ValSplitBeyondTheImagesSaysHowToFixIt) {
  test::TempDir dir;
  for (const auto* cls : {"daisy", "roses"})
    for (int i = 0; i < 5; ++i) png(dir / ("photos/" + std::string(cls) + "/" + std::to_string(i) + ".png"));
  const auto config =
      parse_config("data: {dataset: image_folder, root: " + dir / "photos" + ", val_split: 1000}\nmodel: {name: mlp}\n",
                   "flowers.yaml");
  EXPECT_EQ(test::message_of<ConfigError>([&] { make_splits(config); }),
            "flowers.yaml:1: data.val_split: asks for 1000 validation images but only 10 training images are "
            "available; hold out a fraction instead, e.g. data.val_split=0.2 (2 images), or a count below 10");
}

TEST(ImageFolder, SplitsFromPreSplitFoldersAndClassSubsets) {
  test::TempDir dir;
  for (const auto* cls : {"cat", "dog", "fox"})
    for (int i = 0; i < 4; ++i) png(dir / ("train/" + std::string(cls) + "/" + std::to_string(i) + ".png"), 10, 12);
  png(dir / "val/dog/0.png", 30, 30);
  png(dir / "val/cat/0.png", 30, 30);
  const auto config = parse_config("data:\n  dataset: image_folder\n  train_root: " + dir / "train" + "\n  val_root: " +
                                       dir / "val" + "\n  classes: [2, 1]\n  image_size: 16\nmodel: {name: mlp}\n",
                                   "c.yaml");
  const auto splits = make_splits(config);
  EXPECT_EQ(splits.train.class_names, (std::vector<std::string>{"fox", "dog"}));
  EXPECT_EQ(splits.train.size(), 8);
  EXPECT_EQ(splits.val.size(), 1);  // only the dog of val/ is among the chosen classes
  EXPECT_EQ(splits.val.labels[0].item<int64_t>(), 1);
  EXPECT_EQ(splits.height, 16);
  EXPECT_EQ(splits.channels, 3);
  const auto shape = data_shape(config);
  EXPECT_EQ(shape.num_classes, 2);
  EXPECT_EQ(shape.height, 16);

  // Without a resize the first image sets the input size.
  const auto open = parse_config("data:\n  dataset: image_folder\n  root: " + dir / "train" +
                                     "\n  val_split: 3\n  channels: 1\n  train_transforms: []\n  val_transforms: []\n"
                                     "model: {name: mlp}\n",
                                 "c.yaml");
  const auto s2 = make_splits(open);
  EXPECT_EQ(s2.height, 10);
  EXPECT_EQ(s2.width, 12);
  EXPECT_EQ(s2.channels, 1);
  EXPECT_EQ(s2.val.size(), 3);
}

// data.classes by name (issue 22): [fox, dog] is [2, 1]; an unknown name lists the classes.
TEST(ImageFolder, ClassSubsetsByName) {
  test::TempDir dir;
  for (const auto* cls : {"cat", "dog", "fox"})
    for (int i = 0; i < 2; ++i) png(dir / ("train/" + std::string(cls) + "/" + std::to_string(i) + ".png"), 10, 12);
  const auto yaml = [&](const std::string& classes) {
    return "data:\n  dataset: image_folder\n  root: " + dir / "train" + "\n  val_split: 0\n  classes: " + classes +
           "\n  image_size: 16\nmodel: {name: mlp}\n";
  };
  const auto config = parse_config(yaml("[fox, dog]"), "c.yaml");
  EXPECT_EQ(config.data.class_names, (std::vector<std::string>{"fox", "dog"}));
  EXPECT_NE(to_yaml(config).find("classes: [fox, dog]"), std::string::npos) << to_yaml(config);
  const auto splits = make_splits(config);
  EXPECT_EQ(splits.train.class_names, (std::vector<std::string>{"fox", "dog"}));
  EXPECT_EQ(splits.train.size(), 4);
  EXPECT_EQ(splits.train.labels.max().item<int64_t>(), 1);
  EXPECT_EQ(data_shape(config).num_classes, 2);
  EXPECT_EQ(data_error([&] { make_splits(parse_config(yaml("[fox, dgo]"), "c.yaml")); }),
            "c.yaml:5: data.classes: no class 'dgo' (the classes are cat, dog, fox); did you mean 'dog'?");
}

}  // namespace
}  // namespace imgcls
