// trace_loader.cc
#include "trace_loader.h"

#include <QThread>
#include <algorithm>

namespace weft::gui {

TraceLoader::TraceLoader(QObject* parent) : QObject(parent) {
  qRegisterMetaType<std::shared_ptr<const weft::gui::TraceData>>();
}

TraceLoader::~TraceLoader() {
  for (QThread* worker : workers_) {
    worker->wait();
    delete worker;
  }
}

void TraceLoader::Load(const QString& path) {
  uint64_t generation = ++generation_;
  pending_ = generation;
  // NB: the worker only reads `path`; its result reaches this object's thread through a
  // queued call whose context is `this`, which Qt drops if the loader is gone by then. The
  // destructor waits for every worker, so `this` outlives the lambda's use of it.
  QThread* worker = QThread::create([this, path, generation] {
    Result<std::shared_ptr<const TraceData>> result = LoadTraceData(path);
    QMetaObject::invokeMethod(
        this,
        [this, path, generation, result = std::move(result)]() {
          if (generation != pending_) return;
          pending_ = 0;
          if (result.ok()) {
            emit Loaded(result.value());
          } else {
            emit Failed(path, QString::fromStdString(result.error().message));
          }
        },
        Qt::QueuedConnection);
  });
  connect(worker, &QThread::finished, this, [this, worker] {
    workers_.erase(std::remove(workers_.begin(), workers_.end(), worker), workers_.end());
    worker->deleteLater();
  });
  workers_.push_back(worker);
  worker->start();
}

}  // namespace weft::gui
