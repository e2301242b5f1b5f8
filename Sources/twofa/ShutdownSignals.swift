import Dispatch
import Foundation

/// SIGTERM and SIGINT run `handler` once, on a queue of its own, instead of killing
/// the process mid-request.
enum ShutdownSignals {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func onTerminate(_ handler: @escaping () -> Void) {
        let queue = DispatchQueue(label: "twofa.signals")
        var fired = false
        for sig in [SIGTERM, SIGINT] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                guard !fired else { return }
                fired = true
                handler()
            }
            source.resume()
            sources.append(source)
        }
    }
}
