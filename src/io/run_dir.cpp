#include "io/run_dir.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <system_error>

#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {
namespace fs = std::filesystem;

namespace {

std::string timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

void make_dirs(const fs::path& p) {
  std::error_code ec;
  fs::create_directories(p, ec);
  if (ec) throw IoError(p.string() + ": cannot create the run directory: " + ec.message());
}

}  // namespace

void check_out_dir_is_free(const std::string& out) {
  if (out.empty()) return;
  // An empty checkpoints/ folder is what a run killed while starting leaves: not a run yet.
  // error_code forms: a name too long or a file in the way is for creating the folder to
  // report (one IoError line), not a raw filesystem_error here.
  std::error_code ec;
  const auto checkpoints = fs::path(out) / "checkpoints";
  const bool has_checkpoints = fs::is_directory(checkpoints, ec) && !fs::is_empty(checkpoints, ec);
  for (const auto* name : {"metrics.csv", "summary.json"})
    if (fs::exists(fs::path(out) / name, ec) || has_checkpoints)
      throw UsageError(out + ": already holds a run (" + (has_checkpoints ? "checkpoints/" : name) +
                       " exists); choose another --out so earlier results stay intact, or --resume it");
}

RunPaths open_run_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(fs::path(dir) / "config.yaml", ec))
    throw UsageError(dir + ": not a run directory (no config.yaml); --resume takes a directory `imgcls train` made");
  make_dirs(fs::path(dir) / "checkpoints");
  return RunPaths{dir};
}

std::string create_timestamped_dir(const std::string& parent, const std::string& name) {
  // mkdir, not exists-then-create: two runs of one name started in the same second must
  // not share a folder, so the first to create a name owns it and the other takes the next.
  const auto base = fs::path(parent) / (name + "-" + timestamp());
  make_dirs(base.parent_path());
  fs::path dir = base;
  for (int n = 2; ::mkdir(dir.c_str(), 0777) != 0; ++n) {
    if (errno != EEXIST || n > 10000)
      throw IoError(dir.string() + ": cannot create the run directory: " + std::strerror(errno));
    dir = base.string() + "-" + std::to_string(n);
  }
  return dir.string();
}

RunPaths create_run_dir(const Config& config, const std::string& out) {
  fs::path dir;
  if (!out.empty()) {
    check_out_dir_is_free(out);
    dir = out;
  } else {
    dir = create_timestamped_dir("runs", config.name);
  }
  make_dirs(dir / "checkpoints");
  return RunPaths{dir.string()};
}

}  // namespace imgcls
