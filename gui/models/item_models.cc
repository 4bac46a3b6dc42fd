// item_models.cc
#include "item_models.h"

#include <QFileInfo>

#include "weft/render.h"

namespace weft::gui {
namespace {

QString Kind(format::EventKind kind) { return QString::fromLatin1(format::EventKindName(kind)); }

QVariant Header(const char* const* names, int count, int section, Qt::Orientation orientation,
                int role) {
  if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
  if (section < 0 || section >= count) return {};
  return QString::fromLatin1(names[section]);
}

}  // namespace

QString FormatVirtualTime(uint64_t ns) {
  return QStringLiteral("%1.%2")
      .arg(ns / 1000000000u)
      .arg(static_cast<qulonglong>(ns % 1000000000u), 9, 10, QLatin1Char('0'));
}

// ThreadModel ------------------------------------------------------------------------------

ThreadModel::ThreadModel(QObject* parent) : QAbstractTableModel(parent) {}

void ThreadModel::SetTraceData(std::shared_ptr<const TraceData> data) {
  beginResetModel();
  data_ = std::move(data);
  endResetModel();
}

int ThreadModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !data_ ? 0 : static_cast<int>(data_->lanes.size());
}

int ThreadModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant ThreadModel::data(const QModelIndex& index, int role) const {
  if (!data_ || !index.isValid() || index.row() >= rowCount()) return {};
  const Lane& lane = data_->lanes[index.row()];
  if (role == kKeyRole) return QVariant::fromValue<qulonglong>(lane.tid);
  const format::Thread* thread =
      lane.tid < data_->trace.threads.size() ? &data_->trace.threads[lane.tid] : nullptr;
  if (role == Qt::ToolTipRole && index.column() == kName && thread) {
    return QString::fromStdString(thread->start_function);  // the full name
  }
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case kTid:
      return QStringLiteral("T%1").arg(lane.tid);
    case kName:
      if (!thread) return QString();
      return QString::fromStdString(
          !thread->name.empty() ? thread->name : format::ShortName(thread->start_function, 60));
    case kParent:
      return thread && thread->parent >= 0 ? QStringLiteral("T%1").arg(thread->parent) : QString();
    case kEvents:
      return static_cast<qulonglong>(lane.events.size());
  }
  return {};
}

QVariant ThreadModel::headerData(int section, Qt::Orientation orientation, int role) const {
  static const char* const kNames[] = {"Thread", "Name", "Parent", "Events"};
  return Header(kNames, kColumnCount, section, orientation, role);
}

// EventModel -------------------------------------------------------------------------------

EventModel::EventModel(QObject* parent) : QAbstractTableModel(parent) {}

void EventModel::SetTraceData(std::shared_ptr<const TraceData> data) {
  beginResetModel();
  data_ = std::move(data);
  endResetModel();
}

int EventModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid() || !data_) return 0;
  return static_cast<int>(std::min<size_t>(data_->trace.events.size(), INT32_MAX));
}

int EventModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant EventModel::data(const QModelIndex& index, int role) const {
  if (!data_ || !index.isValid() || index.row() >= rowCount()) return {};
  const format::Event& e = data_->trace.events[index.row()];
  if (role == kKeyRole) return QVariant::fromValue<qulonglong>(index.row());
  if (role == Qt::TextAlignmentRole && (index.column() == kIndex || index.column() == kTime)) {
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  }
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case kIndex:
      return index.row();
    case kTime:
      return FormatVirtualTime(e.vtime);
    case kThread:
      return data_->ThreadLabel(e.tid);
    case kKind:
      return Kind(e.kind);
    case kObject:
      return data_->ObjectLabel(e.obj);
    case kFlags:
      return QString::fromStdString(format::DescribeFlags(e.flags));
    case kLocation:
      return data_->EventLocation(static_cast<uint64_t>(index.row()));
  }
  return {};
}

QVariant EventModel::headerData(int section, Qt::Orientation orientation, int role) const {
  static const char* const kNames[] = {"#",     "Virtual time (s)", "Thread", "Event", "Object",
                                       "Flags", "Location"};
  return Header(kNames, kColumnCount, section, orientation, role);
}

// ConflictModel ----------------------------------------------------------------------------

ConflictModel::ConflictModel(QObject* parent) : QAbstractTableModel(parent) {}

void ConflictModel::SetTraceData(std::shared_ptr<const TraceData> data) {
  beginResetModel();
  data_ = std::move(data);
  endResetModel();
}

int ConflictModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid() || !data_) return 0;
  return static_cast<int>(std::min<size_t>(data_->conflicts.size(), INT32_MAX));
}

int ConflictModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant ConflictModel::data(const QModelIndex& index, int role) const {
  if (!data_ || !index.isValid() || index.row() >= rowCount()) return {};
  const Conflict& c = data_->conflicts[index.row()];
  if (role == kKeyRole) return QVariant::fromValue<qulonglong>(index.row());
  if (role == Qt::TextAlignmentRole && (index.column() == kFirst || index.column() == kSecond)) {
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  }
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case kFirst:
      return static_cast<qulonglong>(c.first);
    case kSecond:
      return c.blocked >= 0 ? tr("blocked") : QVariant(static_cast<qulonglong>(c.second));
    case kObject:
      return data_->ObjectLabel(c.obj);
    case kThreads:
      return QStringLiteral("T%1 → T%2").arg(c.first_tid).arg(c.second_tid);
    case kKinds:
      return Kind(c.first_kind) + QStringLiteral(" / ") + Kind(c.second_kind);
  }
  return {};
}

QVariant ConflictModel::headerData(int section, Qt::Orientation orientation, int role) const {
  static const char* const kNames[] = {"First", "Second", "Object", "Threads", "Events"};
  return Header(kNames, kColumnCount, section, orientation, role);
}

// StackModel -------------------------------------------------------------------------------

StackModel::StackModel(QObject* parent) : QAbstractTableModel(parent) {}

void StackModel::SetFrames(std::shared_ptr<const TraceData> data, std::vector<uint32_t> frame_ids) {
  beginResetModel();
  data_ = std::move(data);
  frames_ = data_ ? std::move(frame_ids) : std::vector<uint32_t>();
  rows_ = data_ ? format::SourceFrames(data_->trace, frames_) : std::vector<format::SourceFrame>();
  endResetModel();
}

void StackModel::SetStack(std::shared_ptr<const TraceData> data, uint32_t stack_id) {
  std::vector<uint32_t> frames;
  if (data && stack_id != 0 && stack_id < data->trace.stacks.size()) {
    frames = data->trace.stacks[stack_id];
  }
  SetFrames(std::move(data), std::move(frames));
}

const format::SourceFrame* StackModel::SourceAt(int row) const {
  if (!data_ || row < 0 || row >= static_cast<int>(rows_.size())) return nullptr;
  return &rows_[row];
}

const format::Frame* StackModel::FrameAt(int row) const {
  const format::SourceFrame* source = SourceAt(row);
  if (!source) return nullptr;
  uint32_t id = frames_[source->index];
  return id < data_->trace.frames.size() ? &data_->trace.frames[id] : nullptr;
}

int StackModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int StackModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant StackModel::data(const QModelIndex& index, int role) const {
  if (!data_ || !index.isValid() || index.row() >= rowCount()) return {};
  const format::SourceFrame& source = rows_[index.row()];
  if (role == kKeyRole) return QVariant::fromValue<qulonglong>(frames_[source.index]);
  const format::Frame* frame = FrameAt(index.row());
  format::Frame unknown;
  if (!frame) frame = &unknown;
  auto text = [](std::string_view s) { return QString::fromUtf8(s.data(), s.size()); };
  if (role == Qt::ToolTipRole) {
    if (index.column() == kFunction && !source.function.empty()) {
      QString tip = text(source.function);
      if (source.inlined) tip += tr("\n(inlined into the next frame)");
      return tip;
    }
    if (index.column() == kLocation && !source.file.empty()) {
      return text(source.file) + QLatin1Char(':') + QString::number(source.line);
    }
    if (index.column() == kModule) return QString::fromStdString(frame->module);
    return {};
  }
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case kNumber:
      return QStringLiteral("#%1").arg(index.row());
    case kFunction: {
      if (source.function.empty()) return QStringLiteral("?");
      QString name = QString::fromStdString(format::ShortName(source.function));
      if (source.inlined) name += tr(" [inlined]");
      return name;
    }
    case kLocation:
      if (source.file.empty()) return QString();
      return QFileInfo(text(source.file)).fileName() + QLatin1Char(':') +
             QString::number(source.line);
    case kModule:
      return QFileInfo(QString::fromStdString(frame->module)).fileName();
    case kAddress:
      return QStringLiteral("0x%1").arg(frame->ip, 0, 16);
  }
  return {};
}

QVariant StackModel::headerData(int section, Qt::Orientation orientation, int role) const {
  static const char* const kNames[] = {"#", "Function", "Source", "Module", "Address"};
  return Header(kNames, kColumnCount, section, orientation, role);
}

// BlockedModel -----------------------------------------------------------------------------

BlockedModel::BlockedModel(QObject* parent) : QAbstractTableModel(parent) {}

void BlockedModel::SetTraceData(std::shared_ptr<const TraceData> data) {
  beginResetModel();
  data_ = std::move(data);
  endResetModel();
}

uint32_t BlockedModel::StackAt(int row) const {
  if (!data_ || row < 0 || row >= rowCount()) return 0;
  return data_->trace.outcome.blocked[row].stack;
}

int BlockedModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid() || !data_) return 0;
  return static_cast<int>(data_->trace.outcome.blocked.size());
}

int BlockedModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant BlockedModel::data(const QModelIndex& index, int role) const {
  if (!data_ || !index.isValid() || index.row() >= rowCount()) return {};
  const format::BlockedThread& b = data_->trace.outcome.blocked[index.row()];
  if (role == kKeyRole) return QVariant::fromValue<qulonglong>(b.tid);
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case kThread:
      return data_->ThreadLabel(b.tid);
    case kOperation:
      return Kind(b.kind);
    case kObject:
      return data_->ObjectLabel(b.obj);
    case kHolder:
      return b.holder >= 0 ? QStringLiteral("T%1").arg(b.holder) : QString();
    case kWhere:
      return QString::fromStdString(format::DescribeLocation(data_->trace, b.stack));
  }
  return {};
}

QVariant BlockedModel::headerData(int section, Qt::Orientation orientation, int role) const {
  static const char* const kNames[] = {"Thread", "Pending operation", "Object", "Held by", "Where"};
  return Header(kNames, kColumnCount, section, orientation, role);
}

}  // namespace weft::gui
