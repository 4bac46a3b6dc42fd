// item_models.h — Qt item models over a TraceData: threads, events, conflicts, stack frames
// and the threads of a deadlock or stop. They take their data through setters
// (SetTraceData, SetStack, ...) and never read files; views show them as tables.
#pragma once

#include <QAbstractTableModel>
#include <memory>
#include <vector>

#include "event_filter.h"
#include "trace_data.h"
#include "weft/render.h"

namespace weft::gui {

// Role that every model answers with the row's key: the event index (EventModel), the
// conflict's position in TraceData::conflicts (ConflictModel), the tid (ThreadModel,
// BlockedModel), the frame id (StackModel). qulonglong.
inline constexpr int kKeyRole = Qt::UserRole + 1;

// One row per thread: tid, label, parent, events.
class ThreadModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kTid, kName, kParent, kEvents, kColumnCount };

  // An empty model.
  explicit ThreadModel(QObject* parent = nullptr);
  // Shows the threads of `data` (nullptr: none).
  void SetTraceData(std::shared_ptr<const TraceData> data);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  std::shared_ptr<const TraceData> data_;
};

// One row per event in schedule order; rows are computed on demand (1,000,000 rows are fine).
class EventModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kIndex, kTime, kThread, kKind, kObject, kFlags, kLocation, kColumnCount };

  // An empty model.
  explicit EventModel(QObject* parent = nullptr);
  // Shows the events of `data` (nullptr: none).
  void SetTraceData(std::shared_ptr<const TraceData> data);

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  std::shared_ptr<const TraceData> data_;
};

// One row per conflicting pair: the two events, their threads and kinds, the object. A pair
// whose second access is a thread's pending operation at a deadlock shows "blocked". Rows are
// in the order `weft conflicts` lists them (analysis::RankConflicts): the critical pair first
// (when known, from weft explain), then the failing thread's pairs near the
// failure, then the rest nearest the end first; pairs on thread handles (create, exit, join)
// are left out, and so are pairs the filter does not match (the critical pair stays). The
// Rank column says why a pair is high: "critical pair", "near the failure". kKeyRole gives
// the pair's position in TraceData::conflicts.
class ConflictModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kFirst, kSecond, kObject, kThreads, kKinds, kWhy, kColumnCount };

  // An empty model.
  explicit ConflictModel(QObject* parent = nullptr);
  // Shows the conflicts of `data` (nullptr: none), ranked, without a critical pair or filter.
  void SetTraceData(std::shared_ptr<const TraceData> data);
  // The critical pair, as weft explain names its sides (-1: none): the conflict on `obj`
  // whose second access is `second` and whose first access, or the decision that reverses
  // it (the lock of the section a first unlock ends), is `first` goes first.
  void SetCritical(int64_t first, int64_t second, uint32_t obj);
  // Lists only the pairs `filter` matches (a default filter: all).
  void SetFilter(const EventFilter& filter);
  // Position in TraceData::conflicts of row `row`, -1 if none.
  int64_t ConflictAt(int row) const;
  // Row of conflict `conflict` (position in TraceData::conflicts), -1 if not listed.
  int RowOf(int64_t conflict) const;
  // Position in TraceData::conflicts of the critical pair, -1 when unknown or not a conflict.
  int64_t critical() const { return critical_; }
  // The listed conflicts, positions in TraceData::conflicts, in row order.
  const std::vector<size_t>& order() const { return order_; }
  // Pairs on thread handles left out.
  uint64_t hidden() const { return hidden_; }

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  void Rebuild();

  std::shared_ptr<const TraceData> data_;
  EventFilter filter_;
  int64_t critical_first_ = -1, critical_second_ = -1;
  uint32_t critical_obj_ = 0;
  int64_t critical_ = -1;
  std::vector<size_t> order_;
  std::vector<int> row_of_;         // by position in TraceData::conflicts, -1 if not listed
  std::vector<bool> near_failure_;  // by position: a failing thread's pair near the failure
  uint64_t hidden_ = 0;
};

// The frames of one stack, innermost first: #, function, source location, module, address.
class StackModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kNumber, kFunction, kLocation, kModule, kAddress, kColumnCount };

  // An empty model.
  explicit StackModel(QObject* parent = nullptr);
  // Shows the frames `frame_ids` (ids into data->trace.frames), e.g. a stack or a crash's
  // frames, one row per source frame (format::SourceFrames: a call inlined at a frame has
  // its own row); ids out of range show as unknown frames. Functions show shortened
  // (format::ShortName), their full names in the tooltip.
  void SetFrames(std::shared_ptr<const TraceData> data, std::vector<uint32_t> frame_ids);
  // Shows stack `stack_id` of `data` (0: no frames).
  void SetStack(std::shared_ptr<const TraceData> data, uint32_t stack_id);
  // The physical frame of `row` (inlined rows share it), or nullptr.
  const format::Frame* FrameAt(int row) const;
  // The source frame of `row` (its function, file and line), or nullptr.
  const format::SourceFrame* SourceAt(int row) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  std::shared_ptr<const TraceData> data_;
  std::vector<uint32_t> frames_;
  std::vector<format::SourceFrame> rows_;  // views into data_->trace.frames
};

// The threads of a deadlock or of a stopped replay (Outcome::blocked): thread, operation,
// object, holder, where.
class BlockedModel : public QAbstractTableModel {
  Q_OBJECT

 public:
  enum Column { kThread, kOperation, kObject, kHolder, kWhere, kColumnCount };

  // An empty model.
  explicit BlockedModel(QObject* parent = nullptr);
  // Shows data->trace.outcome.blocked (nullptr: none).
  void SetTraceData(std::shared_ptr<const TraceData> data);
  // The stack id of row `row`, 0 if none.
  uint32_t StackAt(int row) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation orientation,
                      int role = Qt::DisplayRole) const override;

 private:
  std::shared_ptr<const TraceData> data_;
};

// "0.000012000": virtual nanoseconds as seconds with nanosecond digits.
QString FormatVirtualTime(uint64_t ns);

}  // namespace weft::gui
