// item_models.cc
#include "item_models.h"

#include <QFileInfo>

#include "weft/conflict_rank.h"
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
      return lane.tid < data_->thread_names.size() ? data_->thread_names[lane.tid] : QString();
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
      return data_->EventObjectLabel(static_cast<uint64_t>(index.row()));
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
  static const char* const kFreeNames[] = {"#",      "Real time (s)", "Thread",  "Event",
                                           "Object", "Flags",         "Location"};
  // NB: a free recording's event times are real ones (TraceData::real_time).
  return Header(data_ && data_->real_time ? kFreeNames : kNames, kColumnCount, section, orientation,
                role);
}

// ConflictModel ----------------------------------------------------------------------------

ConflictModel::ConflictModel(QObject* parent) : QAbstractTableModel(parent) {}

void ConflictModel::SetTraceData(std::shared_ptr<const TraceData> data) {
  beginResetModel();
  data_ = std::move(data);
  filter_ = EventFilter();
  critical_first_ = critical_second_ = -1;
  critical_obj_ = 0;
  Rebuild();
  endResetModel();
}

void ConflictModel::SetCritical(int64_t first, int64_t second, uint32_t obj) {
  beginResetModel();
  critical_first_ = first;
  critical_second_ = second;
  critical_obj_ = obj;
  Rebuild();
  endResetModel();
}

void ConflictModel::SetFilter(const EventFilter& filter) {
  beginResetModel();
  filter_ = filter;
  Rebuild();
  endResetModel();
}

void ConflictModel::Rebuild() {
  order_.clear();
  row_of_.clear();
  near_failure_.clear();
  hidden_ = 0;
  critical_ = -1;
  if (!data_) return;
  const std::vector<Conflict>& all = data_->conflicts;
  // weft explain's first side is the start of the first thread's critical section when the
  // pair's first access ends it (an unlock): the pair's reversal point.
  const Conflict* critical = nullptr;
  if (critical_first_ >= 0) {
    auto first = static_cast<uint64_t>(critical_first_);
    for (const Conflict& c : all) {
      if (c.obj != critical_obj_ || static_cast<int64_t>(c.second) != critical_second_) continue;
      if (c.first == first || c.reversal == first) {
        critical = &c;
        break;
      }
    }
  }
  analysis::ConflictRanking ranking = analysis::RankConflicts(data_->trace, all, critical, false);
  hidden_ = ranking.hidden;
  row_of_.assign(all.size(), -1);
  near_failure_.assign(all.size(), false);
  for (const analysis::RankedConflict& r : ranking.order) {
    if (r.critical) critical_ = static_cast<int64_t>(r.index);
    near_failure_[r.index] = r.failing_thread;
    if (!filter_.Matches(all[r.index]) && !r.critical) continue;
    row_of_[r.index] = static_cast<int>(order_.size());
    order_.push_back(r.index);
    if (order_.size() >= static_cast<size_t>(INT32_MAX)) break;
  }
}

int64_t ConflictModel::ConflictAt(int row) const {
  if (row < 0 || static_cast<size_t>(row) >= order_.size()) return -1;
  return static_cast<int64_t>(order_[row]);
}

int ConflictModel::RowOf(int64_t conflict) const {
  if (conflict < 0 || static_cast<size_t>(conflict) >= row_of_.size()) return -1;
  return row_of_[conflict];
}

int ConflictModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid() || !data_) return 0;
  return static_cast<int>(order_.size());
}

int ConflictModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : kColumnCount;
}

QVariant ConflictModel::data(const QModelIndex& index, int role) const {
  if (!data_ || !index.isValid() || index.row() >= rowCount()) return {};
  size_t position = order_[index.row()];
  const Conflict& c = data_->conflicts[position];
  bool is_critical = static_cast<int64_t>(position) == critical_;
  if (role == kKeyRole) return QVariant::fromValue<qulonglong>(position);
  if (role == Qt::TextAlignmentRole && (index.column() == kFirst || index.column() == kSecond)) {
    return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
  }
  if (role == Qt::ToolTipRole && index.column() == kWhy && is_critical) {
    return tr("weft explain found that reversing this pair makes the run pass");
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
    case kWhy:
      if (is_critical) return tr("critical pair");
      return position < near_failure_.size() && near_failure_[position] ? tr("near the failure")
                                                                        : QString();
  }
  return {};
}

QVariant ConflictModel::headerData(int section, Qt::Orientation orientation, int role) const {
  static const char* const kNames[] = {"First", "Second", "Object", "Threads", "Events", "Rank"};
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
