import Support

/// The HTTP workers: a `ThreadPool` with no bound on its queue (open connections are
/// capped instead), its threads named `http-worker-N` and started at once. Responders block
/// (SQLite, bcrypt), so they run here and never on an event-loop thread.
typealias WorkerPool = ThreadPool

extension WorkerPool {
    convenience init(threads: Int) {
        self.init(name: "http-worker", threads: threads)
    }
}
