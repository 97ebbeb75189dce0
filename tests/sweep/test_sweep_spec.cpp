// The sweep file (src/sweep/sweep_spec.cpp) without running anything: names that cannot lead
// out of the sweep folder, and malformed files found by fuzzing (tests/fuzz/fuzz_sweep.cpp).
// No LibTorch: part of imgcls_base_tests (scripts/sanitize.sh).
#include <gtest/gtest.h>

#include <filesystem>

#include "imgcls/errors.hpp"
#include "sweep/sweep_spec.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

void write_base(const test::TempDir& dir) {
  test::write_text(dir / "base.yaml", "name: base\nseed: 1\ndevice: cpu\n"
                                      "data: {dataset: fashion_mnist, limit: 256, val_split: 64, batch_size: 32}\n"
                                      "model: {name: mlp, hidden: [32]}\n"
                                      "train: {epochs: 2}\n");
}

// Issue 19 (security): a run directory never leaves where the user pointed it. The sweep's
// name, a variant's name and a config's name cannot hold '/' or '..'; a grid value may (it is
// only part of a trial's name, where ".." becomes ".").
TEST(SweepSpec, NamesCannotLeadOutOfTheSweepFolder) {
  test::TempDir dir;
  write_base(dir);
  const auto error_of = [&](const std::string& file, const std::string& text) {
    test::write_text(dir / file, text);
    try {
      load_sweep(dir / file);
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(loaded)");
  };
  EXPECT_EQ(error_of("s.yaml", "base: base.yaml\nname: ..\ngrid: {seed: [1, 2]}\n"),
            dir / "s.yaml" + ": name: '..': use letters, digits, '.', '_' or '-', without '..'");
  EXPECT_EQ(error_of("a..b.yaml", "base: base.yaml\ngrid: {seed: [1, 2]}\n"),
            dir / "a..b.yaml" + ": name: 'a..b': use letters, digits, '.', '_' or '-', without '..' (the name is the "
                                "sweep file's; give name: to choose another)");
  for (const std::string bad : {"..", "../../etc", "a/b", "."})
    EXPECT_EQ(error_of("s.yaml", "base: base.yaml\nvariants:\n  - {name: '" + bad + "', set: {seed: 3}}\n"),
              dir / "s.yaml" + ":3: variants[0].name: '" + bad + "': a trial folder's name cannot contain '/' or '..'")
        << bad;
  EXPECT_EQ(error_of("s.yaml", "base: base.yaml\nname: s.\nvariants:\n  - {name: .x, set: {seed: 3}}\n"),
            dir / "s.yaml" + ": trial '.x': the run name 's...x' would contain '..'; rename the sweep or the variant");
  test::write_text(dir / "s.yaml", "base: base.yaml\ngrid: {data.root: [../x/a, ./b]}\n");
  const auto spec = load_sweep(dir / "s.yaml");
  EXPECT_EQ(spec.trials[0].name, "root-.-x-a");
  EXPECT_EQ(spec.trials[1].name, "root-.-b");
  EXPECT_EQ(name_part("..."), ".");
}

// Found by fuzzing the sweep file (tests/fuzz/fuzz_sweep): a key that is itself a list or a
// mapping escaped as yaml-cpp's "bad conversion" instead of a line naming the file.
TEST(SweepSpec, AKeyThatIsNotTextIsAClearError) {
  test::TempDir dir;
  write_base(dir);
  for (const std::string text : {"base: base.yaml\ngrid: {[a, b]: [1, 2]}\n",
                                 "base: base.yaml\nfixed: {{x: 1}: 2}\ngrid: {seed: [1, 2]}\n",
                                 "base: base.yaml\nvariants:\n  - {name: a, set: {seed: 1}, [x]: 1}\n"}) {
    test::write_text(dir / "s.yaml", text);
    try {
      load_sweep(dir / "s.yaml");
      ADD_FAILURE() << text;
    } catch (const ConfigError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind(dir / "s.yaml:", 0), 0u) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  }
}

}  // namespace
}  // namespace imgcls
