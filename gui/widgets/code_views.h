// code_views.h — the source view (a file on disk with one line highlighted) and the
// disassembly view (Capstone output around an address, one instruction highlighted).
#pragma once

#include <QPlainTextEdit>
#include <QString>
#include <cstdint>
#include <vector>

#include "weft/trace.h"

namespace weft::gui {

// Read-only source text with line numbers and a highlighted line.
class SourceView : public QPlainTextEdit {
  Q_OBJECT

 public:
  // An empty view.
  explicit SourceView(QWidget* parent = nullptr);
  // Shows `file` (resolved against `cwd` when relative) with `line` highlighted and centred.
  // A file that is not on disk shows a message saying so. Returns whether it was shown.
  bool ShowFile(const QString& file, int line, const QString& cwd = {});
  // Shows `message` instead of a file.
  void ShowMessage(const QString& message);
  // The file shown ("" if none) and its highlighted line (1-based, 0 if none).
  const QString& shown_file() const { return shown_file_; }
  int highlighted_line() const { return highlighted_line_; }
  // The text of the highlighted line, "" if none.
  QString HighlightedText() const;

 private:
  QString shown_file_;
  int highlighted_line_ = 0;
};

// Read-only disassembly with one highlighted instruction.
class DisassemblyView : public QPlainTextEdit {
  Q_OBJECT

 public:
  // An empty view.
  explicit DisassemblyView(QWidget* parent = nullptr);
  // Disassembles around `address` from the module files of `modules`; `return_address`:
  // highlight the call before it (a stack frame) rather than the instruction at it.
  // Problems (module not on disk, address in no module) are shown as text.
  bool ShowAddress(const std::vector<format::Module>& modules, uint64_t address,
                   bool return_address);
  // Shows `message` instead of instructions.
  void ShowMessage(const QString& message);
  // The highlighted instruction as shown ("" if none).
  QString HighlightedText() const;

 private:
  int highlighted_block_ = -1;
};

}  // namespace weft::gui
