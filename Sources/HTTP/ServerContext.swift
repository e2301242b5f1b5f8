import Foundation

/// What every loop and worker job of one server shares. Immutable except `isDraining`.
final class ServerContext: @unchecked Sendable {
    let configuration: HTTPServer.Configuration
    let responder: HTTPResponder
    let workers: WorkerPool
    let connections: ConnectionCounter
    let limits: RequestParser.Limits

    private let lock = NSLock()
    private var draining = false

    init(configuration: HTTPServer.Configuration, responder: HTTPResponder) {
        self.configuration = configuration
        self.responder = responder
        workers = WorkerPool(threads: configuration.workerThreads)
        connections = ConnectionCounter(limit: configuration.maxConnections,
                                        limitPerAddress: configuration.maxConnectionsPerAddress)
        limits = RequestParser.Limits(
            maxHeaderBytes: configuration.maxHeaderBytes, maxBodyBytes: configuration.maxBodyBytes)
    }

    /// Set once shutdown begins: responses from then on close their connection.
    var isDraining: Bool {
        get { lock.lock(); defer { lock.unlock() }; return draining }
        set { lock.lock(); draining = newValue; lock.unlock() }
    }
}
