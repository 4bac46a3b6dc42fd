// trace_loader.h — the decoder: reads a trace and builds its TraceData on a worker thread,
// then hands the result to the thread that owns the loader (the GUI thread).
#pragma once

#include <QObject>
#include <QString>
#include <memory>
#include <vector>

#include "trace_data.h"

class QThread;

namespace weft::gui {

// Loads traces off the GUI thread. Each Load() starts a worker; only the newest request's
// result is delivered (an older one that finishes later is dropped).
class TraceLoader : public QObject {
  Q_OBJECT

 public:
  // A loader delivering to the thread of `parent` (or the creating thread).
  explicit TraceLoader(QObject* parent = nullptr);
  // Waits for running workers; their results are dropped.
  ~TraceLoader() override;

  // Starts reading `path`; emits Loaded or Failed later, on this object's thread.
  void Load(const QString& path);
  // True while the newest request has not been delivered.
  bool busy() const { return pending_ != 0; }

 signals:
  // The newest request finished: `data` is the trace.
  void Loaded(std::shared_ptr<const weft::gui::TraceData> data);
  // The newest request failed: `message` says why ("cannot read trace 'x': ...").
  void Failed(const QString& path, const QString& message);

 private:
  std::vector<QThread*> workers_;
  uint64_t generation_ = 0;
  uint64_t pending_ = 0;  // generation of the undelivered newest request, 0 if none
};

}  // namespace weft::gui
