import Foundation
import Glibc
import Support

/// An HTTP/1.1 server: epoll event loops for the sockets, a worker pool for the responder.
///
/// Request bodies must use Content-Length; chunked request bodies are refused with 411.
public final class HTTPServer: @unchecked Sendable {
    public let configuration: Configuration
    private let responder: HTTPResponder

    private let lock = NSLock()
    private var context: ServerContext?
    private var loops: [EventLoop] = []
    private var listenFD: Int32 = -1
    private var boundPort = 0
    private var started = false
    private var stopped = false

    public init(configuration: Configuration = Configuration(), responder: HTTPResponder) {
        self.configuration = configuration
        self.responder = responder
    }

    /// Binds, listens and starts the loop and worker threads.
    public func start() throws {
        lock.lock()
        defer { lock.unlock() }
        guard !started else { throw HTTPServerError("server already started") }
        let fd = try ListeningSocket.open(host: configuration.host, port: configuration.port)
        let context = ServerContext(configuration: configuration, responder: responder)
        var loops: [EventLoop] = []
        do {
            for i in 0..<max(1, configuration.loopThreads) {
                loops.append(try EventLoop(index: i, listenFD: fd, context: context))
            }
        } catch {
            Glibc.close(fd)
            context.workers.stop(timeout: 1)
            throw error
        }
        for loop in loops { loop.peers = loops }
        listenFD = fd
        boundPort = ListeningSocket.boundPort(fd)
        self.context = context
        self.loops = loops
        started = true
        loops.forEach { $0.start() }
        Log.info("listening on \(configuration.host):\(boundPort)")
    }

    /// Connections open right now, across all loops (0 before `start()`), for metrics.
    public var openConnections: Int {
        lock.lock()
        let context = self.context
        lock.unlock()
        return context?.connections.current ?? 0
    }

    /// Connections refused so far because the server was full or their address had its
    /// share (`maxConnectionsPerAddress`), for metrics.
    public var refusedConnections: (serverFull: Int, perAddress: Int) {
        lock.lock()
        let context = self.context
        lock.unlock()
        let refused = context?.connections.refused
        return (refused?.serverFull ?? 0, refused?.addressFull ?? 0)
    }

    /// The bound port (the actual one when configured with port 0); 0 before `start()`.
    public var port: Int {
        lock.lock(); defer { lock.unlock() }
        return boundPort
    }

    /// Stops accepting, closes idle connections, lets requests already with the responder
    /// finish and their responses be written, then returns. Gives up waiting after 10 s
    /// and closes whatever is left.
    public func shutdown() {
        lock.lock()
        guard started, !stopped, let context else {
            lock.unlock()
            return
        }
        stopped = true
        let loops = self.loops
        let fd = listenFD
        lock.unlock()

        let deadline = DispatchTime.now() + 10
        context.isDraining = true
        loops.forEach { $0.requestDrain() }
        // Close the listening socket only once no loop polls it any more.
        for loop in loops { _ = loop.stoppedListening.wait(timeout: deadline) }
        Glibc.close(fd)
        var timedOut = false
        for loop in loops where loop.finished.wait(timeout: deadline) == .timedOut { timedOut = true }
        if timedOut {
            Log.warning("shutdown: requests still running after 10 s; closing their connections")
            loops.forEach { $0.requestStop() }
            for loop in loops { _ = loop.finished.wait(timeout: .now() + 1) }
        }
        context.workers.stop(timeout: timedOut ? 0.1 : 2)
        Log.info("server stopped")
    }
}
