// The prediction grid and PNG writing; the charts are in plot_charts.cpp, plot_confusion.cpp and
// plot_analysis.cpp, over the primitives of draw.hpp.
#include "report/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "report/draw.hpp"
#include "util/strings.hpp"

namespace imgcls {

using namespace draw;  // NOLINT: the drawing primitives of this folder

cv::Mat draw_image_grid(const std::vector<GridTile>& tiles, const std::string& title, int tile) {
  const int n = static_cast<int>(tiles.size());
  const int cols = std::max(1, std::min(n, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n)) * 1.25))));
  const int rows = std::max(1, (n + cols - 1) / cols);
  std::size_t max_lines = 1;
  for (const auto& t : tiles) max_lines = std::max(max_lines, t.lines.size());
  const int pad = 10, line_h = 17, caption_h = static_cast<int>(max_lines) * line_h + 6, top = 44;
  const int cell_w = tile + pad, cell_h = tile + caption_h + pad;
  const int width = std::max(pad + cols * cell_w, text_size(title, 0.6).width + 40);
  cv::Mat img(top + rows * cell_h + pad, width, CV_8UC3, kWhite);
  text(img, title, {(width - text_size(title, 0.6).width) / 2, 28}, 0.6, kBlack);
  const cv::Scalar green(40, 140, 40), red(40, 40, 200);
  for (int i = 0; i < n; ++i) {
    const auto& t = tiles[static_cast<std::size_t>(i)];
    const int x0 = pad + (i % cols) * cell_w, y0 = top + (i / cols) * cell_h;
    cv::Mat bgr;
    if (t.image.channels() == 1)
      cv::cvtColor(t.image, bgr, cv::COLOR_GRAY2BGR);
    else
      cv::cvtColor(t.image, bgr, cv::COLOR_RGB2BGR);
    const double scale = std::min(static_cast<double>(tile) / bgr.cols, static_cast<double>(tile) / bgr.rows);
    const int w = std::max(1, static_cast<int>(std::lround(bgr.cols * scale)));
    const int h = std::max(1, static_cast<int>(std::lround(bgr.rows * scale)));
    cv::Mat scaled;
    cv::resize(bgr, scaled, {w, h}, 0, 0, scale > 1 ? cv::INTER_NEAREST : cv::INTER_AREA);
    scaled.copyTo(img(cv::Rect(x0 + (tile - w) / 2, y0 + (tile - h) / 2, w, h)));
    const auto frame = t.correct > 0 ? green : t.correct < 0 ? red : kGrey;
    cv::rectangle(img, cv::Rect(x0 - 1, y0 - 1, tile + 2, tile + 2), frame, t.correct != 0 ? 2 : 1);
    for (std::size_t l = 0; l < t.lines.size(); ++l) {
      std::string line = t.lines[l];
      while (line.size() > 4 && text_size(line, 0.42).width > tile) line = line.substr(0, line.size() - 3) + "..";
      const auto c = l == 0 && t.correct != 0 ? frame : kBlack;
      text(img, line, {x0, y0 + tile + 4 + static_cast<int>(l + 1) * line_h - 4}, 0.42, c);
    }
  }
  return img;
}

void write_png(const std::string& path, const cv::Mat& image) {
  std::vector<unsigned char> bytes;
  if (!cv::imencode(".png", image, bytes)) throw IoError(path + ": cannot encode the PNG");
  write_file_atomic(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace imgcls
