// panels.cc
#include "panels.h"

#include <QComboBox>
#include <QCoreApplication>
#include <QDir>
#include <QEvent>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QToolButton>
#include <QVBoxLayout>

#include "code_views.h"
#include "timeline_view.h"
#include "weft/render.h"

namespace weft::gui {
namespace {

bool IsSystemModule(const std::string& module) {
  for (const char* prefix : {"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/"}) {
    if (module.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

bool IsWeftModule(const std::string& module) {
  return QFileInfo(QString::fromStdString(module)).fileName().startsWith("libweft_preload");
}

// The row of the frame most worth showing first: the program's own code with source, else
// any frame with source, else the first that is not weft's.
int MeaningfulRow(const StackModel& model) {
  for (int pass = 0; pass < 3; ++pass) {
    for (int row = 0; row < model.rowCount(); ++row) {
      const format::Frame* f = model.FrameAt(row);
      const format::SourceFrame* s = model.SourceAt(row);
      if (!f || !s || IsWeftModule(f->module)) continue;
      if (pass == 0 && !s->file.empty() && !IsSystemModule(f->module) &&
          !format::IsToolchainSource(s->file)) {
        return row;
      }
      if (pass == 1 && !s->file.empty()) return row;
      if (pass == 2) return row;
    }
  }
  return model.rowCount() > 0 ? 0 : -1;
}

QString Escape(const QString& text) { return text.toHtmlEscaped(); }

}  // namespace

// OutcomeBanner ----------------------------------------------------------------------------

OutcomeBanner::OutcomeBanner(QWidget* parent) : QFrame(parent) {
  setFrameShape(QFrame::StyledPanel);
  setAutoFillBackground(true);
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(10, 6, 10, 6);
  label_ = new QLabel(this);
  label_->setTextFormat(Qt::RichText);
  label_->setWordWrap(true);
  label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  layout->addWidget(label_);
  Refresh();
}

void OutcomeBanner::SetTraceData(const std::shared_ptr<const TraceData>& data) {
  data_ = data;
  output_.clear();
  note_.clear();
  why_.clear();
  Refresh();
}

void OutcomeBanner::SetProgramOutput(const QString& output) {
  output_ = output;
  Refresh();
}

void OutcomeBanner::SetNote(const QString& note) {
  note_ = note;
  Refresh();
}

void OutcomeBanner::SetExplanation(const QString& sentence) {
  why_ = sentence;
  Refresh();
}

QString OutcomeBanner::text() const {
  QString html = label_->text();
  html.replace(QRegularExpression(QStringLiteral("<br\\s*/?>")), QStringLiteral("\n"));
  html.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
  html.replace(QStringLiteral("&lt;"), QStringLiteral("<"));
  html.replace(QStringLiteral("&gt;"), QStringLiteral(">"));
  html.replace(QStringLiteral("&amp;"), QStringLiteral("&"));
  html.replace(QStringLiteral("&quot;"), QStringLiteral("\""));
  html.replace(QStringLiteral("&#39;"), QStringLiteral("'"));
  return html;
}

void OutcomeBanner::Refresh() {
  setVisible(data_ != nullptr);
  if (!data_) return;
  using K = format::Outcome::Kind;
  const format::Trace& t = data_->trace;
  QColor background, foreground;
  QString verdict;
  if (!t.has_outcome) {
    background = QColor(0xee, 0xee, 0xee);
    foreground = QColor(0x33, 0x33, 0x33);
    verdict = tr("INTERRUPTED");
  } else if (t.outcome.kind == K::kStopped) {
    background = QColor(0xff, 0xf0, 0xc8);
    foreground = QColor(0x6a, 0x48, 0x00);
    verdict = tr("STOPPED");
  } else if (data_->failed) {
    background = QColor(0xfd, 0xe2, 0xe1);
    foreground = QColor(0x8b, 0x10, 0x10);
    verdict = tr("FAILED");
  } else {
    background = QColor(0xdf, 0xf3, 0xe3);
    foreground = QColor(0x1d, 0x5e, 0x2c);
    verdict = tr("passed");
  }
  QPalette pal = palette();
  pal.setColor(QPalette::Window, background);
  pal.setColor(QPalette::WindowText, foreground);
  setPalette(pal);
  label_->setPalette(pal);
  QString head;
  QString out = output_.trimmed();
  if (!out.isEmpty()) {
    QString last = out.section(QLatin1Char('\n'), -1);
    head = QStringLiteral("<b>%1: %2</b> — outcome: %3")
               .arg(Escape(last), verdict, Escape(data_->outcome));
  } else {
    head = QStringLiteral("<b>%1</b> — outcome: %2").arg(verdict, Escape(data_->outcome));
  }
  QStringList lines{head};
  if (!why_.isEmpty()) lines << QStringLiteral("<b>Why:</b> %1").arg(Escape(why_));
  for (const QString& line : OutcomeDetails(*data_)) lines << Escape(line);
  if (!note_.isEmpty()) lines << QStringLiteral("<i>%1</i>").arg(Escape(note_));
  label_->setText(lines.join(QStringLiteral("<br>")));
}

// DetailsPane ------------------------------------------------------------------------------

DetailsPane::DetailsPane(QWidget* parent) : QWidget(parent) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  auto* splitter = new QSplitter(Qt::Horizontal, this);
  layout->addWidget(splitter);

  auto* left = new QWidget(splitter);
  auto* left_layout = new QVBoxLayout(left);
  left_layout->setContentsMargins(0, 0, 0, 0);
  header_ = new QLabel(left);
  header_->setTextFormat(Qt::RichText);
  header_->setWordWrap(true);
  header_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  left_layout->addWidget(header_);
  stack_model_ = new StackModel(this);
  stack_view_ = new QTableView(left);
  stack_view_->setModel(stack_model_);
  stack_view_->setSelectionBehavior(QAbstractItemView::SelectRows);
  stack_view_->setSelectionMode(QAbstractItemView::SingleSelection);
  stack_view_->verticalHeader()->hide();
  stack_view_->verticalHeader()->setDefaultSectionSize(22);
  stack_view_->horizontalHeader()->setStretchLastSection(true);
  stack_view_->setColumnWidth(StackModel::kNumber, 36);
  stack_view_->setColumnWidth(StackModel::kFunction, 190);
  stack_view_->setColumnWidth(StackModel::kLocation, 150);
  stack_view_->setColumnWidth(StackModel::kModule, 130);
  left_layout->addWidget(stack_view_, 1);
  connect(stack_view_, &QTableView::clicked, this,
          [this](const QModelIndex& index) { SelectFrame(index.row()); });
  connect(stack_view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) {
            if (current.isValid()) SelectFrame(current.row());
          });

  tabs_ = new QTabWidget(splitter);
  source_ = new SourceView(tabs_);
  disassembly_ = new DisassemblyView(tabs_);
  tabs_->addTab(source_, tr("Source"));
  tabs_->addTab(disassembly_, tr("Disassembly"));
  splitter->setStretchFactor(0, 2);
  splitter->setStretchFactor(1, 3);
  ShowEvent(-1);
}

void DetailsPane::SetTraceData(std::shared_ptr<const TraceData> data) {
  data_ = std::move(data);
  ShowEvent(-1);
}

QString DetailsPane::summary() const {
  QString html = header_->text();
  html.replace(QRegularExpression(QStringLiteral("<br\\s*/?>")), QStringLiteral("\n"));
  html.remove(QRegularExpression(QStringLiteral("<[^>]*>")));
  return html;
}

void DetailsPane::ShowEvent(int64_t index) {
  if (!data_ || index < 0 || static_cast<uint64_t>(index) >= data_->trace.events.size()) {
    header_->setText(tr("<i>No event selected. Click an event on the timeline.</i>"));
    stack_model_->SetFrames(data_, {});
    source_->ShowMessage(tr("Click a stack frame to see its source."));
    disassembly_->ShowMessage(tr("Select an event to see the instructions around it."));
    return;
  }
  const format::Event& e = data_->trace.events[index];
  QStringList rows;
  rows << QStringLiteral("<b>#%1 %2</b>")
              .arg(index)
              .arg(Escape(QString::fromLatin1(format::EventKindName(e.kind))));
  if (e.obj != 0) {
    const format::Object& obj = data_->trace.objects[e.obj];
    QString text = Escape(data_->ObjectLabel(e.obj));
    if (obj.address != 0) text += QStringLiteral(" at 0x%1").arg(obj.address, 0, 16);
    rows << tr("object: %1").arg(text);
  }
  rows << tr("thread: %1").arg(Escape(data_->ThreadLabel(e.tid)));
  rows << tr("virtual time: %1 s").arg(FormatVirtualTime(e.vtime));
  QString flags = QString::fromStdString(format::DescribeFlags(e.flags));
  QString extra = flags;
  if (e.arg != 0)
    extra +=
        (extra.isEmpty() ? QString() : QStringLiteral(", ")) + QStringLiteral("arg %1").arg(e.arg);
  if (e.enabled > 1)
    extra += (extra.isEmpty() ? QString() : QStringLiteral(", ")) +
             tr("%1 threads could run").arg(e.enabled);
  if (!extra.isEmpty()) rows << Escape(extra);
  header_->setText(rows.join(QStringLiteral("<br>")));
  stack_model_->SetStack(data_, e.stack);
  if (e.stack == 0) {
    source_->ShowMessage(tr("No stack was recorded for this event (recorded with --no-stacks?)."));
    disassembly_->ShowMessage(tr("No stack was recorded for this event."));
    return;
  }
  int row = MeaningfulRow(*stack_model_);
  if (row >= 0) stack_view_->selectRow(row);
  SelectFrame(row);
}

void DetailsPane::ShowStack(const QString& title, uint32_t stack) {
  header_->setText(QStringLiteral("<b>%1</b>").arg(Escape(title)));
  stack_model_->SetStack(data_, stack);
  int row = MeaningfulRow(*stack_model_);
  if (row >= 0) stack_view_->selectRow(row);
  SelectFrame(row);
}

void DetailsPane::SelectFrame(int row) {
  const format::Frame* frame = stack_model_->FrameAt(row);
  const format::SourceFrame* source = stack_model_->SourceAt(row);
  if (!data_ || !frame || !source) return;
  source_->ShowFile(QString::fromStdString(std::string(source->file)),
                    static_cast<int>(source->line),
                    QString::fromStdString(data_->trace.header.cwd));
  if (frame->ip != 0) {
    // A stack frame's ip is where a call returns to: highlight the call itself.
    disassembly_->ShowAddress(data_->trace.modules, frame->ip, /*return_address=*/true);
  } else {
    disassembly_->ShowMessage(tr("This frame has no address."));
  }
}

// RunView ----------------------------------------------------------------------------------

RunView::RunView(std::shared_ptr<const TraceData> data, const QString& title, bool closable,
                 QWidget* parent)
    : QFrame(parent), data_(std::move(data)) {
  setFrameShape(QFrame::StyledPanel);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->setSpacing(4);
  auto* top = new QHBoxLayout();
  title_ = new QLabel(title, this);
  title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  top->addWidget(title_, 1);
  if (closable) {
    auto* close = new QToolButton(this);
    close->setText(QStringLiteral("✕"));
    close->setToolTip(tr("Close this run"));
    connect(close, &QToolButton::clicked, this, [this] { emit CloseRequested(this); });
    top->addWidget(close);
  }
  layout->addLayout(top);
  banner_ = new OutcomeBanner(this);
  banner_->SetTraceData(data_);
  if (data_) banner_->SetProgramOutput(data_->program_output);
  layout->addWidget(banner_);
  // The lanes scroll vertically when the runs shown together leave too little height.
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
  scroll->setFrameShape(QFrame::NoFrame);
  timeline_ = new TimelineView(scroll);
  timeline_->SetTraceData(data_);
  timeline_->installEventFilter(this);
  scroll->setWidget(timeline_);
  layout->addWidget(scroll, 1);
  SetCurrent(false);
}

QString RunView::title() const { return title_->text(); }

void RunView::SetCurrent(bool current) {
  QFont f = title_->font();
  f.setBold(current);
  title_->setFont(f);
}

bool RunView::eventFilter(QObject* watched, QEvent* event) {
  if (watched == timeline_ &&
      (event->type() == QEvent::MouseButtonPress || event->type() == QEvent::FocusIn)) {
    emit Activated(this);
  }
  return QFrame::eventFilter(watched, event);
}

// ExplorePanel -----------------------------------------------------------------------------

QString JoinCommandLine(const QStringList& argv) {
  static const QRegularExpression kPlain(QStringLiteral("^[A-Za-z0-9_@%+=:,./-]+$"));
  QStringList parts;
  for (const QString& arg : argv) {
    if (kPlain.match(arg).hasMatch()) {
      parts << arg;
    } else {
      QString quoted = arg;
      quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
      parts << QLatin1Char('\'') + quoted + QLatin1Char('\'');
    }
  }
  return parts.join(QLatin1Char(' '));
}

QStringList SplitCommandLine(const QString& text) {
  QStringList out;
  QString word;
  bool in_word = false;
  QChar quote;
  for (int i = 0; i < text.size(); ++i) {
    QChar c = text[i];
    if (!quote.isNull()) {
      if (c == quote) {
        quote = QChar();
      } else {
        word += c;
      }
    } else if (c == QLatin1Char('\'') || c == QLatin1Char('"')) {
      quote = c;
      in_word = true;
    } else if (c == QLatin1Char('\\') && i + 1 < text.size()) {
      word += text[++i];
      in_word = true;
    } else if (c.isSpace()) {
      if (in_word) out << word;
      word.clear();
      in_word = false;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) out << word;
  return out;
}

ExplorePanel::ExplorePanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  auto* form = new QFormLayout();
  program_ = new QLineEdit(this);
  program_->setPlaceholderText(tr("program and arguments (from the open trace)"));
  form->addRow(tr("Program"), program_);
  strategy_ = new QComboBox(this);
  form->addRow(tr("Strategy"), strategy_);
  runs_ = new QSpinBox(this);
  runs_->setRange(1, 10000000);
  runs_->setValue(200);
  form->addRow(tr("Runs"), runs_);
  layout->addLayout(form);
  auto* buttons = new QHBoxLayout();
  start_ = new QPushButton(tr("Search"), this);
  cancel_ = new QPushButton(tr("Cancel"), this);
  cancel_->setEnabled(false);
  buttons->addWidget(start_);
  buttons->addWidget(cancel_);
  layout->addLayout(buttons);
  progress_ = new QProgressBar(this);
  progress_->setRange(0, 1);
  progress_->setValue(0);
  layout->addWidget(progress_);
  status_ = new QLabel(tr("Search schedules for a failing one."), this);
  status_->setWordWrap(true);
  layout->addWidget(status_);
  layout->addWidget(new QLabel(tr("Failing traces (click to open):"), this));
  failures_ = new QListWidget(this);
  layout->addWidget(failures_, 1);
  job_ = new CliJob(this);
  connect(start_, &QPushButton::clicked, this, [this] { Start(); });
  connect(cancel_, &QPushButton::clicked, this, &ExplorePanel::Cancel);
  connect(job_, &CliJob::StderrLine, this, &ExplorePanel::OnProgressLine);
  connect(job_, &CliJob::Finished, this, &ExplorePanel::OnFinished);
  connect(failures_, &QListWidget::itemClicked, this,
          [this](QListWidgetItem* item) { emit OpenTrace(item->data(Qt::UserRole).toString()); });
  strategy_->addItems(FallbackStrategies());
}

void ExplorePanel::SetProgram(const QStringList& argv, const QString& cwd) {
  if (job_->running()) return;
  program_->setText(JoinCommandLine(argv));
  cwd_ = cwd;
}

void ExplorePanel::LoadStrategies() {
  QProcess list;
  QString weft = FindWeftExecutable();
  if (weft.isEmpty()) {
    strategy_note_ = tr("weft was not found; offering the built-in strategies");
    return;
  }
  list.start(weft, {QStringLiteral("explore"), QStringLiteral("--list-strategies"),
                    QStringLiteral("--json")});
  if (!list.waitForFinished(3000)) {
    list.kill();
    list.waitForFinished(1000);
    strategy_note_ =
        tr("`weft explore --list-strategies --json` did not answer in 3 s; "
           "offering the built-in strategies");
    return;
  }
  if (list.exitStatus() != QProcess::NormalExit || list.exitCode() != 0) {
    strategy_note_ = tr("this weft cannot list its strategies (%1); offering the built-in ones")
                         .arg(QString::fromUtf8(list.readAllStandardError()).trimmed());
    return;
  }
  QString error;
  QList<StrategyInfo> strategies = ParseStrategyList(list.readAllStandardOutput(), &error);
  if (strategies.isEmpty()) {
    strategy_note_ = tr("%1; offering the built-in strategies").arg(error);
    status_->setText(strategy_note_);
    return;
  }
  strategy_note_.clear();
  QString current = strategy_->currentText();
  strategy_->clear();
  int default_index = 0;
  for (const StrategyInfo& s : strategies) {
    if (s.is_default) default_index = strategy_->count();
    strategy_->addItem(s.name);
    strategy_->setItemData(strategy_->count() - 1, s.description, Qt::ToolTipRole);
  }
  int keep = strategy_->findText(current);
  strategy_->setCurrentIndex(keep >= 0 ? keep : default_index);
}

bool ExplorePanel::Start() {
  if (job_->running()) return false;
  QStringList program = SplitCommandLine(program_->text());
  if (program.isEmpty()) {
    status_->setText(tr("Give the program to explore (open a trace to fill it in)."));
    return false;
  }
  static int counter = 0;
  out_dir_ = temp_.isValid() ? temp_.filePath(QStringLiteral("search-%1").arg(++counter))
                             : QDir::temp().filePath(QStringLiteral("weft-gui-search-%1-%2")
                                                         .arg(QCoreApplication::applicationPid())
                                                         .arg(++counter));
  QStringList args{QStringLiteral("explore"), QStringLiteral("--json"),
                   QStringLiteral("--progress=jsonl"), QStringLiteral("--keep-going"),
                   // The traces found are for looking at: with a stack per event.
                   QStringLiteral("--stack-depth"), QStringLiteral("32"),
                   QStringLiteral("--strategy"), strategy_->currentText(), QStringLiteral("--runs"),
                   QString::number(runs_->value()), QStringLiteral("-o"), out_dir_};
  if (strategy_->currentText() == QStringLiteral("conflicts") && !trace_.isEmpty()) {
    args << QStringLiteral("--from") << trace_;
  }
  args << QStringLiteral("--");
  args += program;
  failures_->clear();
  progress_->setRange(0, runs_->value());
  progress_->setValue(0);
  status_->setText(tr("Starting %1…").arg(JoinCommandLine(program)));
  start_->setEnabled(false);
  cancel_->setEnabled(true);
  progress_error_.clear();
  job_->Start(args, QLatin1String(kExploreSchema), cwd_);
  return true;
}

void ExplorePanel::Cancel() { job_->Cancel(); }

void ExplorePanel::OnProgressLine(const QString& line) {
  ExploreProgress p;
  QString error;
  if (!ParseProgressLine(line, &p, &error)) {
    if (!error.isEmpty() && progress_error_.isEmpty()) {
      progress_error_ = error;
      status_->setText(error);
    }
    return;
  }
  if (progress_error_.isEmpty()) {
    progress_->setRange(0, static_cast<int>(std::min<uint64_t>(p.runs, INT32_MAX)));
    progress_->setValue(static_cast<int>(std::min<uint64_t>(p.run, INT32_MAX)));
    status_->setText(tr("run %1/%2 (seed %3), %4 runs/s%5")
                         .arg(p.run)
                         .arg(p.runs)
                         .arg(p.seed)
                         .arg(p.runs_per_second, 0, 'f', 0)
                         .arg(p.failed ? tr(" — found a failure") : QString()));
  }
}

void ExplorePanel::OnFinished(const CliReport& report) {
  start_->setEnabled(true);
  cancel_->setEnabled(false);
  if (report.canceled) {
    status_->setText(tr("Canceled."));
    emit Finished();
    return;
  }
  if (report.json.isEmpty()) {
    status_->setText(report.error);
    emit Finished();
    return;
  }
  const QJsonObject& j = report.json;
  QJsonArray failures = j.value(QStringLiteral("failures")).toArray();
  for (const QJsonValue& v : failures) {
    QJsonObject f = v.toObject();
    QString trace = f.value(QStringLiteral("trace")).toString();
    auto* item =
        new QListWidgetItem(tr("seed %1: %2")
                                .arg(f.value(QStringLiteral("seed")).toVariant().toULongLong())
                                .arg(f.value(QStringLiteral("outcome")).toString()),
                            failures_);
    item->setData(Qt::UserRole, trace);
    item->setToolTip(trace);
  }
  qulonglong runs = j.value(QStringLiteral("runs")).toVariant().toULongLong();
  progress_->setValue(progress_->maximum());
  status_->setText(tr("%1 runs, %2 failing, %3 distinct schedules, %4 runs/s")
                       .arg(runs)
                       .arg(failures.size())
                       .arg(j.value(QStringLiteral("distinct_schedules")).toVariant().toULongLong())
                       .arg(j.value(QStringLiteral("runs_per_second")).toDouble(), 0, 'f', 0));
  emit Finished();
}

}  // namespace weft::gui
