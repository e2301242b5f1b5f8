import Foundation

extension HTTPServer {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port; read it back from `HTTPServer.port`.
        public var port = 3000
        /// Request line + header fields; more is answered 431 (or 414 for the request line).
        public var maxHeaderBytes = 16 * 1024
        /// Larger Content-Length is answered 413 before any of the body is read.
        public var maxBodyBytes = 64 * 1024
        public var loopThreads = max(1, ProcessInfo.processInfo.activeProcessorCount)
        public var workerThreads = 16
        /// Seconds an idle keep-alive connection stays open.
        public var keepAliveTimeout: Double = 60
        /// Seconds from a request's first byte until its header block must be complete.
        public var headerTimeout: Double = 10
        /// Seconds the body may take to arrive once the head is in (also: a client that
        /// stops reading our response for this long is dropped).
        public var bodyTimeout: Double = 30
        /// Beyond this many open connections new ones get a 503 and are closed.
        public var maxConnections = 10_000
        /// Beyond this many open connections from one socket peer address, its new ones get the
        /// same 503 and are closed. Behind a reverse proxy the peer is the proxy.
        public var maxConnectionsPerAddress = 256

        public init() {}
    }
}
