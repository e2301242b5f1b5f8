import Glibc
import Support

/// One client connection and its HTTP/1.1 state machine. Lives on one loop thread.
///
///     reading ──request──▶ processing ──response──▶ writing ──keep-alive──▶ reading
///        │  │               (worker)                 ▲ └──close──▶ lingering ──▶ closed
///        │  └──quick request, answered on the loop───┘
///        └──bad request / timeout──▶ writing (error response) ──▶ lingering
///
/// One request at a time: quick ones are answered on the loop thread itself; while a
/// worker has one, the socket isn't read (TCP holds back the client; the socket leaves the
/// epoll set only if something arrives meanwhile), and pipelined bytes already read wait in
/// the parser — so responses go out in request order.
final class Connection {
    enum State {
        case reading, processing, writing, lingering, closed
    }

    private enum AfterWrite {
        case resumeReading   // after `100 Continue`
        case nextRequest     // keep-alive
        case close
    }

    static let readInterest = LinuxCalls.EPOLLIN | LinuxCalls.EPOLLRDHUP
    /// How long to keep draining input after the final response, so that closing with
    /// unread data doesn't make the kernel send a RST that destroys that response.
    static let lingerSeconds = 2.0
    static let lingerMaxBytes = 1 << 20
    /// Pipelined requests answered on the loop in one go before the next is handed to a worker.
    static let maxAnsweredPerTurn = 16

    let fd: Int32
    let remoteAddress: String
    /// The epoll mask currently registered (the loop skips redundant epoll_ctl calls).
    var interest: UInt32 = Connection.readInterest
    private(set) var state = State.reading

    private unowned let loop: EventLoop
    private var parser: RequestParser
    private var phase = RequestParser.Phase.idle
    /// When the current phase / write / linger began (or last progressed): for timeouts.
    private var since: Double
    /// The peer hung up while a worker had the request: close when it comes back.
    private var abandoned = false
    private var outHead: [UInt8] = []
    private var outBody: [UInt8] = []
    private var written = 0
    private var afterWrite = AfterWrite.close
    /// Quick requests of the current burst answered when the last answer was put aside to be sent.
    private var answeredBeforeSend = 0
    private var discarded = 0

    init(fd: Int32, remoteAddress: String, loop: EventLoop) {
        self.fd = fd
        self.remoteAddress = remoteAddress
        self.loop = loop
        parser = RequestParser(limits: loop.context.limits)
        since = loop.now
    }

    // MARK: - Events from the loop

    func handle(events: UInt32) {
        if events & (LinuxCalls.EPOLLERR | LinuxCalls.EPOLLHUP) != 0 {
            hungUp()
            return
        }
        switch state {
        case .reading: receive()
        case .writing: if events & LinuxCalls.EPOLLOUT != 0 { flush() }
        case .lingering: discardInput()
        case .processing:
            // More bytes (pipelining) or a half-close while a worker has the request: stop
            // watching until the answer is back, or level-triggered epoll would report them
            // again on every turn. Done only now, not at dispatch: most clients send nothing
            // meanwhile, and that saves every dispatched request two epoll_ctl calls.
            loop.setInterest(self, 0)
        case .closed: break
        }
    }

    /// The worker's response for the request this connection handed over.
    func complete(_ output: RequestHandler.Output) {
        guard state == .processing else { return }   // force-closed meanwhile
        if abandoned {
            close()
            return
        }
        startWrite(output.head, output.body, then: output.keepAlive ? .nextRequest : .close)
    }

    /// Server shutdown: connections not waiting for a response close now.
    func drain() {
        if state == .reading { close() }
    }

    /// Called about once a second.
    func checkTimeout() {
        let config = loop.context.configuration
        let elapsed = loop.now - since
        switch state {
        case .reading:
            switch phase {
            case .idle: if elapsed > config.keepAliveTimeout { close() }
            case .head: if elapsed > config.headerTimeout { timedOut() }
            case .body: if elapsed > config.bodyTimeout { timedOut() }
            }
        case .writing:
            if elapsed > config.bodyTimeout { close() }   // the client stopped reading
        case .lingering:
            if elapsed > Self.lingerSeconds { close() }
        case .processing, .closed:
            break
        }
    }

    func close() {
        guard state != .closed else { return }
        state = .closed
        Glibc.close(fd)
        loop.connectionClosed(self)
    }

    // MARK: - Reading

    private func receive() {
        let buffer = loop.readBuffer
        let n = recv(fd, buffer.baseAddress, buffer.count, 0)
        if n > 0 {
            parser.append(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            advance()
        } else if n == 0 {
            // EOF. In this state no complete request is buffered (advance() takes it at
            // once), so whatever is left is an abandoned fragment.
            close()
        } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
            close()
        }
    }

    /// Takes the steps the buffered bytes allow: a request the loop may answer itself is
    /// answered here and its answer sent at the end of the loop's turn, after which the next
    /// pipelined one is taken; anything else goes to a worker and reading pauses.
    /// `answered`: quick requests of this burst already answered (see `maxAnsweredPerTurn`).
    private func advance(answered: Int = 0) {
        var answeredHere = answered
        while true {
            switch parser.next() {
            case .needMore:
                notePhase()
                loop.setInterest(self, Self.readInterest)
                return
            case .expectContinue:
                notePhase()
                prepareWrite(ResponseSerializer.continueHead, [], then: .resumeReading)
                guard writePending() else { return }
            case .request(var request, let keepAlive):
                request.remoteAddress = remoteAddress
                request.peerAddress = remoteAddress
                loop.context.responder.prepare(&request)
                // Past a burst of pipelined requests, the next goes to a worker, so that
                // one client cannot keep this loop from its other connections.
                if answeredHere < Self.maxAnsweredPerTurn, let output = loop.answerOnLoop(request, keepAlive: keepAlive) {
                    answeredHere += 1
                    prepareWrite(output.head, output.body, then: output.keepAlive ? .nextRequest : .close)
                    // Sent once the loop has answered every request of this turn (see
                    // `EventLoop.sendAtEndOfTurn`); a pipelined next request waits for it.
                    answeredBeforeSend = answeredHere
                    loop.sendAtEndOfTurn(self)
                    return
                } else {
                    state = .processing
                    loop.dispatch(self, request, keepAlive: keepAlive)
                    return
                }
            case .failure(let error):
                AccessLog.record(method: error.method, path: error.path, status: error.status, milliseconds: 0,
                                 requestID: nil, client: remoteAddress)
                respondAndClose(status: error.status, message: error.reason)
                return
            }
        }
    }

    private func notePhase() {
        let current = parser.phase
        if current != phase {
            phase = current
            since = loop.now
        }
    }

    private func timedOut() {
        AccessLog.record(method: nil, path: nil, status: 408, milliseconds: 0, requestID: nil, client: remoteAddress)
        respondAndClose(status: 408, message: "Request timeout")
    }

    private func respondAndClose(status: Int, message: String) {
        let (head, body) = ResponseSerializer.serialize(.text(message + "\n", status: status), keepAlive: false)
        startWrite(head, body, then: .close)
    }

    // MARK: - Writing

    private func startWrite(_ head: [UInt8], _ body: [UInt8], then next: AfterWrite) {
        prepareWrite(head, body, then: next)
        flush()
    }

    private func prepareWrite(_ head: [UInt8], _ body: [UInt8], then next: AfterWrite) {
        outHead = head
        outBody = body
        written = 0
        afterWrite = next
        state = .writing
        since = loop.now
    }

    /// The loop's end of turn: sends the answer given on the loop and, once it has all gone,
    /// carries on with a pipelined request (still counted in the same burst).
    func sendAnswerGivenThisTurn() {
        guard state == .writing else { return }   // closed meanwhile
        if writePending() { advance(answered: answeredBeforeSend) }
    }

    /// Writes what is pending and, once it has all gone, carries on reading.
    private func flush() {
        if writePending() { advance() }
    }

    /// Sends what is left of the response. True when all of it went and the connection
    /// should read (and maybe answer) what comes next; false when it waits for EPOLLOUT,
    /// lingers before closing, or has closed.
    private func writePending() -> Bool {
        let total = outHead.count + outBody.count
        while written < total {
            let n = sendPending()
            if n > 0 {
                written += n
                since = loop.now
                continue
            }
            let code = errno
            if n < 0 && code == EINTR { continue }
            if n < 0 && (code == EAGAIN || code == EWOULDBLOCK) {
                loop.setInterest(self, LinuxCalls.EPOLLOUT)
                return false
            }
            close()   // EPIPE, ECONNRESET...: the client is gone
            return false
        }
        outHead = []
        outBody = []
        switch afterWrite {
        case .resumeReading:
            state = .reading
            return true
        case .nextRequest:
            if loop.isDraining {
                lingerThenClose()
                return false
            }
            state = .reading
            phase = parser.phase
            since = loop.now
            return true   // a pipelined request may already be buffered
        case .close:
            lingerThenClose()
            return false
        }
    }

    /// One sendmsg of what's left of head + body (gathered: no copying them together).
    /// MSG_NOSIGNAL: a vanished peer gives EPIPE instead of killing the process.
    private func sendPending() -> Int {
        outHead.withUnsafeBytes { head in
            outBody.withUnsafeBytes { body in
                var vectors = (iovec(), iovec())
                var count = 0
                if written < head.count {
                    vectors.0 = iovec(iov_base: UnsafeMutableRawPointer(mutating: head.baseAddress! + written),
                                      iov_len: head.count - written)
                    count = 1
                    if body.count > 0 {
                        vectors.1 = iovec(iov_base: UnsafeMutableRawPointer(mutating: body.baseAddress!), iov_len: body.count)
                        count = 2
                    }
                } else {
                    let offset = written - head.count
                    vectors.0 = iovec(iov_base: UnsafeMutableRawPointer(mutating: body.baseAddress! + offset),
                                      iov_len: body.count - offset)
                    count = 1
                }
                return withUnsafeMutablePointer(to: &vectors) { pointer in
                    pointer.withMemoryRebound(to: iovec.self, capacity: 2) { iov in
                        var message = msghdr()
                        message.msg_iov = iov
                        message.msg_iovlen = count
                        return sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
                    }
                }
            }
        }
    }

    // MARK: - Closing

    /// Sends FIN, then reads and discards until the client closes too (or a short
    /// deadline), so our last response isn't lost to a RST.
    private func lingerThenClose() {
        shutdown(fd, Int32(SHUT_WR))
        state = .lingering
        since = loop.now
        discarded = 0
        loop.setInterest(self, Self.readInterest)
        discardInput()
    }

    private func discardInput() {
        let buffer = loop.readBuffer
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 {
                discarded += n
                if discarded > Self.lingerMaxBytes { break }
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
            break   // EOF or error
        }
        close()
    }

    private func hungUp() {
        if state == .processing {
            abandoned = true
            loop.unregister(self)
        } else {
            close()
        }
    }
}
