#include "util/console.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

#include "imgcls/errors.hpp"

namespace imgcls {

Console::Console(const std::string& log_file, bool quiet) : interactive_(::isatty(STDOUT_FILENO) == 1 && !quiet) {
  std::vector<spdlog::sink_ptr> sinks;
  if (!quiet) {
    auto out = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    out->set_pattern("%v");
    sinks.push_back(out);
  }
  if (!log_file.empty()) {
    try {
      auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_file, false);
      file->set_pattern("[%Y-%m-%d %H:%M:%S] %v");
      file_sink_ = file;
      sinks.push_back(file);
    } catch (const spdlog::spdlog_ex& e) {
      throw IoError(log_file + ": cannot open the log file: " + e.what());
    }
  }
  logger_ = std::make_shared<spdlog::logger>("imgcls", sinks.begin(), sinks.end());
  logger_->set_level(spdlog::level::info);
  logger_->flush_on(spdlog::level::info);
}

Console::~Console() = default;

void Console::info(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  clear_progress_locked();
  logger_->info(line);
}

void Console::warn(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  clear_progress_locked();
  logger_->info("warning: " + line);
}

void Console::error(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  clear_progress_locked();
  // The console copy goes to stderr via main; here only the log file gets it.
  if (!file_sink_) return;
  const std::string text = "error: " + line;
  file_sink_->log(spdlog::details::log_msg("imgcls", spdlog::level::err, text));
  file_sink_->flush();
}

void Console::log_only(const std::string& line) {
  std::lock_guard<std::mutex> lock(mutex_);
  clear_progress_locked();
  if (!file_sink_) return;
  file_sink_->log(spdlog::details::log_msg("imgcls", spdlog::level::info, line));
  file_sink_->flush();
}

void Console::progress(const std::string& line) {
  if (!interactive_) return;
  std::lock_guard<std::mutex> lock(mutex_);
  std::fprintf(stdout, "\r\033[K%s", line.c_str());
  std::fflush(stdout);
  progress_shown_ = true;
}

void Console::clear_progress() {
  std::lock_guard<std::mutex> lock(mutex_);
  clear_progress_locked();
}

void Console::clear_progress_locked() {
  if (!progress_shown_) return;
  std::fprintf(stdout, "\r\033[K");
  std::fflush(stdout);
  progress_shown_ = false;
}

}  // namespace imgcls
