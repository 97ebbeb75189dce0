// The catalogue of bad inputs (docs/ERRORS.md): every case run against the built binary as a
// user runs it, its stderr and exit code recorded. The test fails when a case crashes, prints
// a LibTorch stack, `terminate called` or library chatter, says more than one error line, or
// exits with another code than the table here says; and when docs/ERRORS.md differs from what
// the cases print now. After a deliberate change of a message, regenerate the document:
//   IMGCLS_UPDATE_ERRORS_DOC=1 build/tests/imgcls_tests --gtest_filter='CliErrors.*'
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <opencv2/imgcodecs.hpp>
#include <regex>

#include "io/run_lock.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

const std::string kBinary = IMGCLS_BINARY;
const std::string kSource = IMGCLS_SOURCE_DIR;
const std::string kDoc = kSource + "/docs/ERRORS.md";

struct Case {
  std::string area;   // the doc's section
  std::string input;  // what is wrong, in words
  // After `imgcls `: {D} is the case's own folder (also the working directory), {RUN} a
  // finished run (Fashion-MNIST, an MLP, 2 epochs), {CFG} configs/fashion_mnist.yaml.
  std::string args;
  int code;
  std::function<void(const std::string& d)> setup = nullptr;
  std::string env = "";    // variables for the command (a test hook)
  bool root_only = false;  // the setup mounts a filesystem (CI runs as root)
};

// The read-only filesystems the cases mounted, unmounted after the last case.
std::vector<std::string> g_mounts;

void write_bytes(const std::string& path, const std::string& bytes) {
  fs::create_directories(fs::path(path).parent_path());
  test::write_text(path, bytes);
}

std::string be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

// An IDX file: magic (type 0x08, `dims` dimensions), the sizes, then `data` bytes.
std::string idx(const std::vector<uint32_t>& sizes, std::size_t data) {
  std::string s = be32(0x00000800u | static_cast<uint32_t>(sizes.size()));
  for (const auto n : sizes) s += be32(n);
  return s + std::string(data, '\0');
}

// A Fashion-MNIST-shaped folder whose train images file is `images` (labels and t10k valid).
std::function<void(const std::string&)> idx_folder(const std::string& images, uint32_t labels = 10) {
  return [=](const std::string& d) {
    write_bytes(d + "/idx/train-images-idx3-ubyte", images);
    write_bytes(d + "/idx/train-labels-idx1-ubyte", idx({labels}, labels));
    write_bytes(d + "/idx/t10k-images-idx3-ubyte", idx({10, 28, 28}, 10 * 784));
    write_bytes(d + "/idx/t10k-labels-idx1-ubyte", idx({10}, 10));
  };
}

// A real PNG of `width` x `height` pixels, as OpenCV writes one.
std::string png_bytes(int width, int height) {
  std::vector<unsigned char> png;
  cv::imencode(".png", cv::Mat(height, width, CV_8UC3, cv::Scalar(10, 200, 30)), png);
  return {png.begin(), png.end()};
}

std::string png_header(uint32_t width, uint32_t height) {
  return std::string("\x89PNG\r\n\x1a\n", 8) + be32(13) + "IHDR" + be32(width) + be32(height) +
         std::string("\x08\x02\x00\x00\x00", 5) + be32(0);
}

// Copies the finished run to `to`, for the cases that damage it.
void copy_run(const std::string& run, const std::string& to) {
  fs::copy(run, to, fs::copy_options::recursive);
}

std::string g_run;  // set once by the fixture

std::vector<Case> cases() {
  const std::string cfg = " {CFG} device=cpu threads=1 --out {D}/run";
  const auto folder = [](const std::string& d, const std::vector<std::string>& classes, const std::string& bytes) {
    for (const auto& c : classes)
      for (const auto* name : {"a.png", "b.png"}) write_bytes(d + "/imgs/" + c + "/" + name, bytes);
  };
  const std::string folder_cfg =
      " {CFG} data.dataset=image_folder data.root={D}/imgs data.image_size=8 data.val_split=0 model.name=mlp "
      "model.hidden=[8] train.epochs=1 device=cpu threads=1 --out {D}/run";
  return {
      // Configs and overrides.
      {"config", "a misspelt key", "train" + cfg + " optimzer.lr=0.1", 2},
      {"config", "a word for an integer", "train" + cfg + " train.epochs=two", 2},
      {"config", "a fraction for an integer", "train" + cfg + " data.batch_size=64.5", 2},
      {"config", "a negative learning rate", "train" + cfg + " optimizer.lr=-1", 2},
      {"config", "a learning rate beyond a float", "train" + cfg + " optimizer.lr=1e300", 2},
      {"config", "zero epochs", "train" + cfg + " train.epochs=0", 2},
      {"config", "an unknown model", "train" + cfg + " model.name=lenet", 2},
      {"config", "an unknown optimizer", "train" + cfg + " optimizer.name=lion", 2},
      {"config", "10,000 CPU threads", "train {CFG} threads=10000 --out {D}/run", 2},
      {"config", "65 loader threads", "train" + cfg + " data.workers=65", 2},
      {"config", "an MLP larger than memory", "train" + cfg + " model.name=mlp model.hidden=[100000000000]", 2},
      {"config", "an image size whose batch exceeds memory",
       "train {CFG} data.dataset=image_folder data.root={D} data.image_size=100000 --out {D}/run", 2},
      {"config", "validation split larger than the data", "train" + cfg + " data.val_split=60000", 2},
      {"config", "a validation fraction of 1.5", "train" + cfg + " data.val_split=1.5", 2},
      {"config", "a validation split of 1.0 (neither a count nor a fraction below 1)", "train" + cfg + " data.val_split=1.0", 2},
      {"config", "momentum for Adam", "train" + cfg + " optimizer.momentum=0.9", 2},
      {"config", "multistep without milestones", "train" + cfg + " scheduler.name=multistep", 2},
      {"config", "a list for a scalar", "train" + cfg + " optimizer.lr=[1,2]", 2},
      {"config", "a YAML syntax error", "train {D}/c.yaml", 2,
       [](const std::string& d) { write_bytes(d + "/c.yaml", "name: x\ndata: [1, 2\n"); }},
      {"config", "a JSON syntax error", "train {D}/c.json", 2,
       [](const std::string& d) { write_bytes(d + "/c.json", "{\"name\": \"x\",}"); }},
      {"config", "an empty config", "train {D}/c.yaml", 2,
       [](const std::string& d) { write_bytes(d + "/c.yaml", ""); }},
      {"config", "a config without model.name", "train {D}/c.yaml", 2,
       [](const std::string& d) { write_bytes(d + "/c.yaml", "data: {dataset: mnist}\n"); }},
      {"config", "a key given twice", "train {D}/c.yaml", 2,
       [](const std::string& d) {
         write_bytes(d + "/c.yaml", "data: {dataset: mnist}\nmodel: {name: mlp}\nseed: 1\nseed: 2\n");
       }},
      {"config", "a block list for a scalar", "train {D}/c.yaml", 2,
       [](const std::string& d) {
         write_bytes(d + "/c.yaml", "data: {dataset: mnist}\nmodel: {name: mlp}\noptimizer:\n  lr:\n    - 1\n    - 2\n");
       }},
      {"config", "a 2000-deep JSON array", "train {D}/c.json", 2,
       [](const std::string& d) { write_bytes(d + "/c.json", std::string(2000, '[') + std::string(2000, ']')); }},
      {"config", "a missing config file", "train {D}/nope.yaml", 2},
      {"config", "a folder given as the config", "train {D}", 2},
      {"config", "a resume that changes the learning rate", "train --resume {D}/run optimizer.lr=0.1", 2,
       [](const std::string& d) { copy_run(g_run, d + "/run"); }},
      // Dataset files.
      {"dataset", "a missing data.root", "train" + cfg + " data.root={D}/nowhere", 3},
      {"dataset", "an IDX file with a wrong magic number", "train" + cfg + " data.root={D}/idx", 3,
       idx_folder(std::string("\x00\x00\x09\x03", 4) + be32(10) + be32(28) + be32(28))},
      {"dataset", "an IDX file cut short", "train" + cfg + " data.root={D}/idx", 3,
       idx_folder(idx({10, 28, 28}, 1000))},
      {"dataset", "an IDX file of 0 images", "train" + cfg + " data.root={D}/idx", 3, idx_folder(idx({0, 28, 28}, 0), 0)},
      {"dataset", "an IDX header of impossible size", "train" + cfg + " data.root={D}/idx", 3,
       idx_folder(idx({60000, 1u << 31, 1u << 28}, 1000))},
      {"dataset", "IDX labels fewer than images", "train" + cfg + " data.root={D}/idx", 3,
       idx_folder(idx({10, 28, 28}, 10 * 784), 5)},
      {"dataset", "a CIFAR batch file cut short",
       "train {CFG} data.dataset=cifar10 data.root={D}/c model.name=mlp --out {D}/run", 3,
       [](const std::string& d) {
         for (int i = 1; i <= 5; ++i)
           write_bytes(d + "/c/cifar-10-batches-bin/data_batch_" + std::to_string(i) + ".bin", std::string(3073, '\0'));
         write_bytes(d + "/c/cifar-10-batches-bin/test_batch.bin", std::string(1000, '\0'));
       }},
      {"dataset", "an image folder that is a file", "train" + folder_cfg, 3,
       [](const std::string& d) { write_bytes(d + "/imgs", "x"); }},
      {"dataset", "an image folder without class folders", "train" + folder_cfg, 3,
       [](const std::string& d) { fs::create_directories(d + "/imgs"); }},
      {"dataset", "an image folder of one class", "train" + folder_cfg, 3,
       [folder](const std::string& d) { folder(d, {"cat"}, "x"); }},
      {"dataset", "a class folder without images", "train" + folder_cfg, 3,
       [folder](const std::string& d) {
         folder(d, {"cat"}, "x");
         fs::create_directories(d + "/imgs/dog");
       }},
      {"dataset", "an image folder whose every image is corrupt", "train" + folder_cfg + " -q", 3,
       [folder](const std::string& d) { folder(d, {"cat", "dog"}, "not an image"); }},
      {"dataset", "a symbolic link loop in an image folder", "train" + folder_cfg, 3,
       [folder](const std::string& d) {
         folder(d, {"cat", "dog"}, "x");
         fs::create_directory_symlink("..", d + "/imgs/cat/loop");
       }},
      // Images (predict on the finished run; unreadable ones are skipped with a warning).
      {"image", "a missing image", "predict {RUN} {D}/nope.png", 2},
      {"image", "an empty image file", "predict {RUN} {D}/x.png", 3,
       [](const std::string& d) { write_bytes(d + "/x.png", ""); }},
      {"image", "a text file named .png", "predict {RUN} {D}/x.png", 3,
       [](const std::string& d) { write_bytes(d + "/x.png", "hello"); }},
      {"image", "a truncated JPEG", "predict {RUN} {D}/x.jpg", 3,
       [](const std::string& d) { write_bytes(d + "/x.jpg", std::string("\xff\xd8\xff\xe0\x00\x10JFIF\x00", 11)); }},
      {"image", "a PNG whose header claims 60000 x 60000 pixels", "predict {RUN} {D}/x.png", 3,
       [](const std::string& d) { write_bytes(d + "/x.png", png_header(60000, 60000)); }},
      {"image", "a FIFO named like an image", "predict {RUN} {D}/x.png", 3,
       [](const std::string& d) { ::mkfifo((d + "/x.png").c_str(), 0644); }},
      {"image", "a truncated PNG", "predict {RUN} {D}/x.png", 3,
       [](const std::string& d) {
         const auto png = png_bytes(16, 16);
         write_bytes(d + "/x.png", png.substr(0, png.size() - 20));
       }},
      {"image", "a PNG with a flipped bit", "predict {RUN} {D}/x.png", 3,
       [](const std::string& d) {
         auto png = png_bytes(16, 16);
         png[45] = static_cast<char>(png[45] ^ 0x10);
         write_bytes(d + "/x.png", png);
       }},
      {"image", "an image over data.max_image_pixels (with data.on_bad_image: error)",
       "train" + folder_cfg + " data.max_image_pixels=100 data.on_bad_image=error", 3,
       [folder](const std::string& d) { folder(d, {"cat", "dog"}, png_bytes(16, 16)); }},
      // Checkpoints.
      {"checkpoint", "a truncated last.pt", "train --resume {D}/run train.epochs=3", 4,
       [](const std::string& d) {
         copy_run(g_run, d + "/run");
         fs::resize_file(d + "/run/checkpoints/last.pt", 1000);
       }},
      {"checkpoint", "a checkpoint of another model", "eval {D}/run/checkpoints/last.pt", 4,
       [](const std::string& d) {
         copy_run(g_run, d + "/run");
         auto text = test::read_text(d + "/run/config.yaml");
         text.replace(text.find("hidden: [32]"), 12, "hidden: [16]");
         test::write_text(d + "/run/config.yaml", text);
       }},
      {"checkpoint", "a checkpoint from another config", "train --resume {D}/run train.epochs=3", 4,
       [](const std::string& d) {
         copy_run(g_run, d + "/run");
         auto text = test::read_text(d + "/run/config.yaml");
         text.replace(text.find("seed: 5"), 7, "seed: 6");
         test::write_text(d + "/run/config.yaml", text);
       }},
      {"checkpoint", "a file that is not a checkpoint", "eval {D}/x.pt", 2,
       [](const std::string& d) { write_bytes(d + "/x.pt", "not a checkpoint"); }},
      {"checkpoint", "a folder that is not a run", "eval {D}", 2},
      // The command line.
      {"command line", "a misspelt command", "trian c.yaml", 2},
      {"command line", "a misspelt option", "--verison", 2},
      {"command line", "a config key given as a flag", "train c.yaml --epochs 3", 2},
      {"command line", "train without a config", "train", 2},
      {"command line", "--resume with --out", "train --resume {RUN} --out {D}/x", 2},
      {"command line", "predict --top-k 0", "predict {RUN} x.png --top-k 0", 2},
      {"command line", "sweep --jobs 0", "sweep s.yaml --jobs 0", 2},
      {"command line", "predict --grid-max 0", "predict {RUN} x.png --grid-max 0", 2},
      {"command line", "bench data --batches 0", "bench data {CFG} --batches 0", 2},
      {"command line", "eval --top-losses -1", "eval {RUN} --top-losses -1", 2},
      {"command line", "plot of a folder that is not a run", "plot {D}", 2},
      {"command line", "a sweep grid of 1,000,000 trials", "sweep {D}/s.yaml --dry-run", 2,
       [](const std::string& d) {
         std::string values = "[";
         for (int i = 1; i <= 100; ++i) values += (i > 1 ? ", " : "") + std::to_string(i);
         values += "]";
         write_bytes(d + "/s.yaml", "base: " + kSource + "/configs/fashion_mnist.yaml\ngrid:\n  seed: " + values +
                                        "\n  train.epochs: " + values + "\n  data.batch_size: " + values + "\n");
       }},
      {"command line", "sweep --collect of a missing folder", "sweep {D}/s.yaml --collect --out {D}/nowhere", 2,
       [](const std::string& d) {
         write_bytes(d + "/s.yaml", "base: " + kSource + "/configs/fashion_mnist.yaml\ngrid:\n  seed: [1, 2]\n");
       }},
      // The filesystem.
      {"filesystem", "--out inside a file", "train" + cfg.substr(0, cfg.find(" --out")) + " --out {D}/file/run", 4,
       [](const std::string& d) { write_bytes(d + "/file", "x"); }},
      {"filesystem", "--out with a 300-character name",
       "train" + cfg.substr(0, cfg.find(" --out")) + " --out {D}/" + std::string(300, 'n'), 4},
      {"filesystem", "--out that already holds a run", "train" + cfg, 2,
       [](const std::string& d) { copy_run(g_run, d + "/run"); }},
      {"filesystem", "--resume of a run another process trains", "train --resume {D}/run", 2,
       [](const std::string& d) { copy_run(g_run, d + "/run"); }},
      {"filesystem", "eval where eval/ is a file", "eval {D}/run", 4,
       [](const std::string& d) {
         copy_run(g_run, d + "/run");
         write_bytes(d + "/run/eval", "x");
       }},
      {"filesystem", "--out on a read-only filesystem", "train" + cfg.substr(0, cfg.find(" --out")) + " --out {D}/ro/run", 4,
       [](const std::string& d) {
         fs::create_directories(d + "/ro");
         if (::mount("tmpfs", (d + "/ro").c_str(), "tmpfs", MS_RDONLY, "size=1m") == 0) g_mounts.push_back(d + "/ro");
       },
       "", /*root_only=*/true},
      {"filesystem", "the run directory deleted while training",
       "train" + cfg + " model.name=mlp data.limit=300 data.val_split=0.2 train.epochs=1 -q", 4, nullptr,
       "IMGCLS_TEST_KILL_AT=1:2:rm-run-dir"},
      {"filesystem", "summary.json made a folder", "train --resume {D}/run train.epochs=3 -q", 4,
       [](const std::string& d) {
         copy_run(g_run, d + "/run");
         fs::remove(d + "/run/summary.json");
         fs::create_directories(d + "/run/summary.json");
       }},
  };
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

// What a case printed on stderr and its exit code.
test::CommandResult run_stderr(const std::string& dir, const std::string& args, const std::string& env = "") {
  return test::run("cd '" + dir + "' && " + (env.empty() ? "" : "env " + env + " ") + kBinary + " " + args +
                   " 2>&1 >/dev/null </dev/null; exit $?");
}

std::string markdown_cell(const std::string& text) {
  std::string out;
  for (const char c : text) out += c == '|' ? std::string("\\|") : c == '\n' ? std::string("<br>") : std::string(1, c);
  return out;
}

class CliErrors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!test::have_fashion_mnist()) return;
    root_ = std::make_unique<test::TempDir>();
    g_run = *root_ / "run";
    const auto r = test::run(kBinary + " train " + kSource +
                             "/configs/fashion_mnist.yaml seed=5 model.name=mlp model.hidden=[32] data.limit=300 "
                             "data.val_split=0.2 train.epochs=2 device=cpu threads=1 -q --out " + g_run);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static void TearDownTestSuite() { root_.reset(); }
  static std::unique_ptr<test::TempDir> root_;
};
std::unique_ptr<test::TempDir> CliErrors::root_;

TEST_F(CliErrors, EveryBadInputGetsOneLineAndItsCodeAndDocsErrorsMdSaysSo) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  const auto all = cases();
  ASSERT_GE(all.size(), 50u);
  ASSERT_FALSE(g_run.empty());
  std::string doc;
  std::string area;
  bool skipped = false;  // a root-only case as another user: the document cannot be checked whole
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& c = all[i];
    if (c.root_only && ::geteuid() != 0) {
      skipped = true;
      continue;
    }
    const auto d = dir / ("case" + std::to_string(i));
    fs::create_directories(d);
    if (c.setup) c.setup(d);
    auto args = replace_all(replace_all(c.args, "{D}", d), "{RUN}", g_run);
    args = replace_all(args, "{CFG}", kSource + "/configs/fashion_mnist.yaml");
    std::unique_ptr<RunLock> holder;  // the case of a run another process trains
    if (c.input.find("another process") != std::string::npos) holder = std::make_unique<RunLock>(d + "/run");
    const auto r = run_stderr(d, args, c.env);
    holder.reset();
    const auto context = c.input + ": imgcls " + args + "\n" + r.output;
    EXPECT_EQ(r.exit_code, c.code) << context;
    EXPECT_LT(r.exit_code, 128) << context;  // a crash: killed by a signal
    for (const auto* never : {"terminate called", "Exception raised from", "frame #", "OpenCV(", "libpng",
                              "filesystem error", "what():"})
      EXPECT_EQ(r.output.find(never), std::string::npos) << never << " in " << context;
    const auto lines = test::lines_of(r.output);
    int errors = 0;
    for (const auto& line : lines) {
      errors += line.rfind("imgcls: error: ", 0) == 0;
      EXPECT_LE(line.size(), 600u) << context;  // paths shortened: never the 100,000-character lines of old
    }
    if (c.code != 0) {
      EXPECT_EQ(errors, 1) << context;
      // The error is the last line, but for CLI11's own "Run with --help for more information."
      const auto last = lines.size() >= 2 && lines.back() == "Run with --help for more information." ? lines.size() - 2
                                                                                                       : lines.size() - 1;
      EXPECT_TRUE(!lines.empty() && lines[last].rfind("imgcls: error: ", 0) == 0) << context;
    }
    // The document's row: placeholders for what differs from one machine or run to the next.
    auto message = r.output;
    while (!message.empty() && message.back() == '\n') message.pop_back();
    message = replace_all(replace_all(replace_all(message, d, "DIR"), g_run, "RUN"), kSource, "SRC");
    message = replace_all(message, "process " + std::to_string(::getpid()), "process PID");
    message = std::regex_replace(message, std::regex("this machine has [0-9.]+ [KMGTP]?B"), "this machine has MEMORY");
    if (c.area != area) doc += "\n### " + (area = c.area) + "\n\n| input | command | message (stderr) | exit |\n|---|---|---|---|\n";
    const auto shown = replace_all(replace_all(replace_all(c.args, "{D}", "DIR"), "{RUN}", "RUN"), "{CFG}", "CFG");
    doc += "| " + markdown_cell(c.input) + " | `" + (c.env.empty() ? "" : c.env + " ") + "imgcls " +
           markdown_cell(shown) + "` | " + markdown_cell(message) +
           " | " + std::to_string(r.exit_code) + " |\n";
  }
  doc = "# Bad inputs and what imgcls says\n\n"
        "Generated by `tests/cli/test_cli_errors.cpp`, which runs every row against the built binary (in its own\n"
        "folder DIR; RUN is a finished two-epoch Fashion-MNIST run, CFG `configs/fashion_mnist.yaml`, SRC the\n"
        "checkout, PID the process holding a lock, MEMORY this machine's memory). The test fails when a row\n"
        "crashes, prints a LibTorch stack, `terminate called` or library text, says more than one error line,\n"
        "changes its exit code, or when this file differs from what the rows print. After changing a message on\n"
        "purpose, regenerate it:\n\n"
        "    IMGCLS_UPDATE_ERRORS_DOC=1 build/tests/imgcls_tests --gtest_filter='CliErrors.*'\n\n"
        "Exit codes (one rule, `include/imgcls/errors.hpp`): **2** what was typed is wrong: the command line, a\n"
        "config or override, or a path given that is not what the command takes (a missing file, a folder that is\n"
        "not a run, a run another process holds); **3** the data is missing, unreadable or malformed (dataset files,\n"
        "image folders, images); **4** the run could not go on or its results could not be written (a training\n"
        "failure, an unusable checkpoint, a failed write); 130 / 143 interrupted by SIGINT / SIGTERM.\n" +
        doc;
  for (const auto& m : g_mounts) ::umount2(m.c_str(), MNT_DETACH);
  g_mounts.clear();
  if (skipped) {
    std::printf("docs/ERRORS.md not compared: its read-only filesystem row needs root\n");
  } else if (std::getenv("IMGCLS_UPDATE_ERRORS_DOC")) {
    test::write_text(kDoc, doc);
    std::printf("wrote %s (%zu cases)\n", kDoc.c_str(), all.size());
  } else {
    EXPECT_EQ(test::read_text(kDoc), doc)
        << "docs/ERRORS.md is not what the cases print now: if the change is meant, regenerate it with "
           "IMGCLS_UPDATE_ERRORS_DOC=1 build/tests/imgcls_tests --gtest_filter='CliErrors.*'";
  }
}

TEST_F(CliErrors, ANoOpResumeLeavesConfigYamlAsItRan) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  ASSERT_FALSE(g_run.empty());
  test::TempDir dir;
  copy_run(g_run, dir / "run");
  const auto before = test::read_text(dir / "run/config.yaml");
  // The run finished 2 epochs: asking for 1 has nothing to do, and must not say it ran 1.
  const auto r = test::run(kBinary + " train --resume " + dir / "run" + " train.epochs=1");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("the run already finished (2 epochs); nothing to do"), std::string::npos) << r.output;
  EXPECT_EQ(test::read_text(dir / "run/config.yaml"), before);
}

}  // namespace
}  // namespace imgcls
