import Foundation
import Glibc
import Support
import Synchronization

/// One epoll loop thread: accepts connections (sharing the listening socket with the
/// other loops via EPOLLEXCLUSIVE), reads and writes them without blocking, answers
/// quick requests itself (see `answerOnLoop`), hands the others to the worker pool and,
/// woken through an eventfd, writes the responses the workers deliver. Every `Connection`
/// belongs to exactly one loop and is touched only on its thread.
final class EventLoop: @unchecked Sendable {
    let context: ServerContext
    /// Scratch space for recv, shared by this loop's connections (reads never overlap).
    let readBuffer: UnsafeMutableRawBufferPointer
    /// Monotonic time of the current iteration: cheaper than asking the clock per event.
    private(set) var now: Double
    private(set) var isDraining = false

    /// Signalled once this loop no longer accepts (shutdown may then close the socket).
    let stoppedListening = DispatchSemaphore(value: 0)
    /// Signalled when the loop thread has exited.
    let finished = DispatchSemaphore(value: 0)

    /// Connections this loop owns or has been handed: the others read it to place new ones.
    let load = Atomic<Int>(0)
    /// Every loop of the server, this one included (set before the threads start, read
    /// and cleared only by this loop's thread).
    var peers: [EventLoop] = []

    private let index: Int
    private let epoll: Epoll
    private let wakeFD: Int32
    private let listenFD: Int32
    private var connections: [Int32: Connection] = [:]
    /// Connections answered on this loop during the current turn, not yet sent (see `sendAtEndOfTurn`).
    private var answeredThisTurn: [Connection] = []
    private var listening = false
    private var acceptResumeAt: Double?
    private var lastSweep: Double
    private var lastAcceptWarning = -Double.infinity

    // Handed over from other threads, guarded by `lock`.
    private let lock = NSLock()
    private var completions: [(UncheckedConnection, RequestHandler.Output)] = []
    private var adopted: [(fd: Int32, address: String)] = []
    private var wakePending = false
    private var drainRequested = false
    private var stopRequested = false

    init(index: Int, listenFD: Int32, context: ServerContext) throws {
        self.index = index
        self.listenFD = listenFD
        self.context = context
        epoll = try Epoll()
        wakeFD = LinuxCalls.eventfd(0, LinuxCalls.EFD_NONBLOCK | LinuxCalls.EFD_CLOEXEC)
        guard wakeFD >= 0 else { throw HTTPServerError("eventfd failed: \(errnoText())") }
        readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)
        now = MonotonicClock.now()
        lastSweep = now
    }

    func start() {
        let name = "http-loop-\(index)"
        let thread = Thread { [self] in
            ThreadName.setCurrent(name)
            run()
        }
        thread.start()
    }

    // MARK: - Called from other threads

    /// A worker finished `connection`'s request.
    func deliver(_ connection: UncheckedConnection, _ output: RequestHandler.Output) {
        handOver { completions.append((connection, output)) }
    }

    /// Another loop accepted `fd` and hands it over: this loop had fewer connections.
    func adopt(_ fd: Int32, address: String) {
        handOver { adopted.append((fd, address)) }
    }

    /// Runs `enqueue` under the lock, then wakes the loop unless a wake-up is already on its
    /// way (one eventfd write however many hand-overs arrive before the loop looks).
    private func handOver(_ enqueue: () -> Void) {
        lock.lock()
        enqueue()
        let needWake = !wakePending
        wakePending = true
        lock.unlock()
        if needWake { wake() }
    }

    /// Stop accepting, close idle connections, finish in-flight ones, then exit.
    func requestDrain() {
        lock.lock(); drainRequested = true; lock.unlock()
        wake()
    }

    /// Close everything now and exit (after the shutdown deadline).
    func requestStop() {
        lock.lock(); stopRequested = true; lock.unlock()
        wake()
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    // MARK: - Loop thread

    /// Queues `connection`'s answer, given on this loop, to be sent once every ready connection
    /// of the turn has been answered. Each send wakes the client's thread; on two busy cores the
    /// kernel would often hand it this loop's core at once, and the connections still waiting in
    /// the turn then waited for the client's time slice: 3–8 ms for one request in a hundred
    /// under `wrk -t2 -c64` (BENCHMARKS.md, "The write path, eleventh pass"). Answers sent at the
    /// end of the turn cost the turn's first requests a few tenths of a millisecond instead.
    func sendAtEndOfTurn(_ connection: Connection) {
        answeredThisTurn.append(connection)
    }

    /// Sends the answers given during this turn. A pipelined request behind one is answered
    /// then too, and its answer goes out in the same pass.
    private func sendAnswersOfThisTurn() {
        while !answeredThisTurn.isEmpty {
            let ready = answeredThisTurn
            answeredThisTurn.removeAll(keepingCapacity: true)
            for connection in ready { connection.sendAnswerGivenThisTurn() }
        }
    }

    private func run() {
        listening = epoll.add(listenFD, events: LinuxCalls.EPOLLIN | LinuxCalls.EPOLLEXCLUSIVE)
        epoll.add(wakeFD, events: LinuxCalls.EPOLLIN)
        var stop = false
        while !stop {
            let timeout: Int32 = isDraining || acceptResumeAt != nil ? 100 : 1000
            let count = epoll.wait(timeoutMs: timeout)
            now = MonotonicClock.now()
            var acceptReady = false
            for i in 0..<count {
                let (fd, mask) = epoll.event(at: i)
                if fd == wakeFD {
                    stop = handleWake() || stop
                } else if fd == listenFD {
                    acceptReady = true
                } else {
                    connections[fd]?.handle(events: mask)
                }
            }
            sendAnswersOfThisTurn()
            // Accept last: a connection closed above may free an fd number that accept
            // reuses, and the new connection must not receive the old one's events.
            if acceptReady && listening { acceptConnections() }
            if let resume = acceptResumeAt, now >= resume {
                acceptResumeAt = nil
                if !isDraining { listening = epoll.add(listenFD, events: LinuxCalls.EPOLLIN | LinuxCalls.EPOLLEXCLUSIVE) }
            }
            if now - lastSweep >= 1 {
                lastSweep = now
                for connection in Array(connections.values) { connection.checkTimeout() }
            }
            if isDraining && connections.isEmpty { break }
        }
        for connection in Array(connections.values) { connection.close() }
        lock.lock()
        let unserved = adopted
        adopted.removeAll()
        lock.unlock()
        for (fd, address) in unserved {
            Glibc.close(fd)
            context.connections.release(address: address)
        }
        peers = []   // loops point at each other; let them go
        if listening { epoll.remove(listenFD) }
        if !isDraining { stoppedListening.signal() }
        Glibc.close(wakeFD)
        readBuffer.deallocate()
        finished.signal()
    }

    /// Returns true when the loop must stop at once.
    private func handleWake() -> Bool {
        var value: UInt64 = 0
        _ = read(wakeFD, &value, 8)
        lock.lock()
        let ready = completions
        completions.removeAll(keepingCapacity: true)
        let handedOver = adopted
        adopted.removeAll()
        wakePending = false
        let drain = drainRequested
        let stop = stopRequested
        lock.unlock()
        for (connection, output) in ready { connection.value.complete(output) }
        for (fd, address) in handedOver { register(fd, address: address) }
        if drain && !isDraining { beginDrain() }
        return stop
    }

    private func beginDrain() {
        isDraining = true
        if listening {
            epoll.remove(listenFD)
            listening = false
        }
        acceptResumeAt = nil
        stoppedListening.signal()
        for connection in Array(connections.values) { connection.drain() }
    }

    private func acceptConnections() {
        // Bounded so one loop can't starve its connections during an accept storm.
        for _ in 0..<128 {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    LinuxCalls.accept4(listenFD, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                let code = errno
                switch code {
                case EAGAIN, EWOULDBLOCK:
                    return
                case EINTR, ECONNABORTED, EPROTO:
                    continue
                default:
                    // EMFILE/ENFILE/ENOBUFS/ENOMEM: the pending connection stays queued and the
                    // socket stays readable, so stop polling it for a moment instead of spinning.
                    warnAboutAccept("accept failed: \(errnoText(code)); pausing accepts for 100 ms")
                    epoll.remove(listenFD)
                    listening = false
                    acceptResumeAt = now + 0.1
                    return
                }
            }
            let address = ListeningSocket.addressText(storage)
            if let refusal = context.connections.acquire(address: address) {
                refuse(fd, refusal, address: address)
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            // Whichever loop the kernel woke, the connection goes to the least loaded one:
            // a burst of connects otherwise lands on one loop (it accepts them all in one
            // go), leaving one core to serve most clients while the other idles.
            let target = leastLoaded()
            target.load.add(1, ordering: .relaxed)
            if target === self { register(fd, address: address) } else { target.adopt(fd, address: address) }
        }
    }

    /// This loop unless another has fewer connections.
    private func leastLoaded() -> EventLoop {
        var best = self
        var fewest = load.load(ordering: .relaxed)
        for peer in peers where peer !== self {
            let count = peer.load.load(ordering: .relaxed)
            if count < fewest { best = peer; fewest = count }
        }
        return best
    }

    /// Starts serving an accepted socket (its `load` was already counted).
    private func register(_ fd: Int32, address: String) {
        if isDraining {   // handed over just as shutdown began
            Glibc.close(fd)
            load.subtract(1, ordering: .relaxed)
            context.connections.release(address: address)
            return
        }
        let connection = Connection(fd: fd, remoteAddress: address, loop: self)
        connections[fd] = connection
        epoll.add(fd, events: connection.interest)
    }

    private static let overCapacityResponse = Array((
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: 20\r\nConnection: close\r\n\r\nServer is too busy.\n").utf8)

    /// Best effort: one non-blocking send of a canned 503, then close. The same answer
    /// whether the server is full or the address has its share of it.
    private func refuse(_ fd: Int32, _ refusal: ConnectionCounter.Refusal, address: String) {
        switch refusal {
        case .serverFull:
            warnAboutAccept("connection limit (\(context.connections.limit)) reached; refusing connections")
        case .addressFull:
            warnAboutAccept("connection limit per address (\(context.connections.limitPerAddress)) reached by \(address); "
                            + "refusing its new connections")
        }
        Self.overCapacityResponse.withUnsafeBytes {
            _ = send(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL))
        }
        Glibc.close(fd)
    }

    /// At most one such warning per loop every 10 s, so a flood doesn't flood the log too.
    private func warnAboutAccept(_ message: String) {
        guard now - lastAcceptWarning >= 10 else { return }
        lastAcceptWarning = now
        Log.warning(message)
    }

    // MARK: - Services for connections (loop thread only)

    func setInterest(_ connection: Connection, _ mask: UInt32) {
        guard connection.interest != mask else { return }
        connection.interest = mask
        epoll.modify(connection.fd, events: mask)
    }

    /// Stops watching a socket whose request is still with a worker (it hung up): its fd
    /// stays open, so the number can't be reused, until the response comes back.
    func unregister(_ connection: Connection) {
        epoll.remove(connection.fd)
    }

    func connectionClosed(_ connection: Connection) {
        connections[connection.fd] = nil
        load.subtract(1, ordering: .relaxed)
        context.connections.release(address: connection.remoteAddress)
    }

    /// The answer to `request` when the responder may give it right here on the loop
    /// thread and does so without trying to block; nil means "hand it to a worker".
    func answerOnLoop(_ request: HTTPRequest, keepAlive: Bool) -> RequestHandler.Output? {
        guard context.responder.answersOnEventLoop(request) else { return nil }
        let receivedAt = now
        var output: RequestHandler.Output?
        let answered = BlockingGuard.withoutBlocking {
            output = RequestHandler.handle(request, keepAlive: keepAlive, receivedAt: receivedAt, context: context)
        }
        return answered ? output : nil
    }

    func dispatch(_ connection: Connection, _ request: HTTPRequest, keepAlive: Bool) {
        let receivedAt = now
        let context = self.context
        let target = UncheckedConnection(connection)
        context.workers.submit { [self] in
            let output = RequestHandler.handle(request, keepAlive: keepAlive, receivedAt: receivedAt, context: context)
            deliver(target, output)
        }
    }
}

/// Carries a `Connection` through a worker job and back. Workers never touch it;
/// only its own loop thread does, in `handleWake`.
struct UncheckedConnection: @unchecked Sendable {
    let value: Connection
    init(_ value: Connection) { self.value = value }
}
