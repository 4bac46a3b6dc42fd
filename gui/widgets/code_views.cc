// code_views.cc
#include "code_views.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QFontDatabase>
#include <QTextBlock>
#include <QTextStream>

#include "disassembly.h"

namespace weft::gui {
namespace {

constexpr qint64 kMaxSourceBytes = 8 << 20;

void Highlight(QPlainTextEdit* edit, int block_number, QColor color) {
  QTextBlock block = edit->document()->findBlockByNumber(block_number);
  if (!block.isValid()) return;
  QTextEdit::ExtraSelection selection;
  selection.format.setBackground(color);
  selection.format.setProperty(QTextFormat::FullWidthSelection, true);
  selection.cursor = QTextCursor(block);
  edit->setExtraSelections({selection});
  edit->setTextCursor(QTextCursor(block));
  edit->centerCursor();
}

}  // namespace

SourceView::SourceView(QWidget* parent) : QPlainTextEdit(parent) {
  setReadOnly(true);
  setLineWrapMode(QPlainTextEdit::NoWrap);
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  ShowMessage(tr("Click a stack frame to see its source."));
}

void SourceView::ShowMessage(const QString& message) {
  shown_file_.clear();
  highlighted_line_ = 0;
  setExtraSelections({});
  setPlainText(message);
}

bool SourceView::ShowFile(const QString& file, int line, const QString& cwd) {
  if (file.isEmpty()) {
    ShowMessage(tr("This frame has no source information (no debug info for its module)."));
    return false;
  }
  QString path = file;
  if (QFileInfo(path).isRelative() && !cwd.isEmpty()) path = QDir(cwd).filePath(file);
  QFile f(path);
  if (!f.exists()) {
    ShowMessage(tr("The source file %1 is not on this disk.\n(line %2)").arg(path).arg(line));
    return false;
  }
  if (f.size() > kMaxSourceBytes || !f.open(QIODevice::ReadOnly)) {
    ShowMessage(
        tr("Cannot show %1: %2")
            .arg(path, f.size() > kMaxSourceBytes ? tr("file too large") : f.errorString()));
    return false;
  }
  QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'));
  int digits = QString::number(lines.size()).size();
  QString text;
  for (int i = 0; i < lines.size(); ++i) {
    text += QStringLiteral("%1  %2\n").arg(i + 1, digits).arg(lines[i]);
  }
  setPlainText(text);
  shown_file_ = path;
  highlighted_line_ = line;
  if (line > 0) Highlight(this, line - 1, QColor(0xff, 0xe5, 0x8f));
  return true;
}

QString SourceView::HighlightedText() const {
  if (highlighted_line_ <= 0) return QString();
  QString text = document()->findBlockByNumber(highlighted_line_ - 1).text();
  int cut = text.indexOf(QStringLiteral("  "));
  return cut >= 0 ? text.mid(cut + 2) : text;
}

DisassemblyView::DisassemblyView(QWidget* parent) : QPlainTextEdit(parent) {
  setReadOnly(true);
  setLineWrapMode(QPlainTextEdit::NoWrap);
  setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  ShowMessage(tr("Select an event to see the instructions around it."));
}

void DisassemblyView::ShowMessage(const QString& message) {
  highlighted_block_ = -1;
  setExtraSelections({});
  setPlainText(message);
}

bool DisassemblyView::ShowAddress(const std::vector<format::Module>& modules, uint64_t address,
                                  bool return_address) {
  Result<Disassembly> dis = DisassembleAround(modules, address, return_address);
  if (!dis.ok()) {
    ShowMessage(QString::fromStdString(dis.error().message));
    return false;
  }
  QString text = QStringLiteral("; %1\n").arg(QString::fromStdString(dis->module));
  int highlight = -1;
  for (size_t i = 0; i < dis->instructions.size(); ++i) {
    const Instruction& ins = dis->instructions[i];
    if (ins.highlighted) highlight = static_cast<int>(i) + 1;
    text += QStringLiteral("%1%2  %3  %4\n")
                .arg(ins.highlighted ? QStringLiteral("▶ ") : QStringLiteral("  "))
                .arg(ins.address, 12, 16, QLatin1Char('0'))
                .arg(QString::fromStdString(ins.bytes), -24)
                .arg(QString::fromStdString(ins.text));
  }
  setPlainText(text);
  highlighted_block_ = highlight;
  if (highlight >= 0) Highlight(this, highlight, QColor(0xff, 0xe5, 0x8f));
  return true;
}

QString DisassemblyView::HighlightedText() const {
  if (highlighted_block_ < 0) return QString();
  return document()->findBlockByNumber(highlighted_block_).text();
}

}  // namespace weft::gui
