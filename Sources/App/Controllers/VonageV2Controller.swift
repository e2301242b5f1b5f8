import Database
import Foundation
import HTTP
import Support
import Verify

/// Vonage Verify v2 (`/v2/verify`) over the same engine as the v1 API: a backend using
/// Vonage's v2 SDK works by changing its API host and credentials (HTTP Basic with our api key
/// and secret). JSON bodies; errors are Vonage's problem bodies (`Problem`). Request ids are
/// the engine's, shown as UUIDs (`VonageV2ID`), so a request started on v1 is the same one here.
public struct VonageV2Controller: Controller {
    public static let name = "verify_v2"
    public static let usesBrowserSession = false
    public static let readsOwnBody = true
    public enum Action: String { case start, check, nextWorkflow = "next_workflow", cancel }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }
    private var engine: VerifyEngine { context.app.verify }
    private var instance: String { context.request.requestID }

    /// POST /v2/verify → 202 `{request_id}`.
    func start(_ call: ApiCall) throws -> HTTPResponse {
        do {
            let parsed = try VonageV2Start.parse(context.request.body, allowsCustomCodes: call.client.customCodes)
            let id = try engine.start(parsed.start, accountID: call.client.apiKey, ip: "", now: context.now)
            if let ref = parsed.clientRef {
                try context.app.database.write { try VerifyClientRef.record(requestID: id, clientRef: ref, in: $0) }
            }
            return JSONValue.object([("request_id", .string(VonageV2ID.show(id)))]).response(status: 202)
        } catch let problem as Problem {
            return refuse(problem)
        } catch let error as VerifyError {
            return refuse(Self.problem(for: error, channel: "workflow[0].to"))
        } catch {
            return failed(error)
        }
    }

    /// POST /v2/verify/{request_id} `{code}` → 200 `{request_id, status: completed}`.
    func check(_ call: ApiCall) throws -> HTTPResponse {
        let id = requestID()
        guard let object = try? JSONSerialization.jsonObject(with: Data(context.request.body)) as? [String: Any],
              let code = object["code"] as? String, !code.isEmpty else {
            return refuse(.invalid("code", "required, a string"))
        }
        do {
            _ = try engine.check(requestID: id, code: code, accountID: call.client.apiKey, ip: "", now: context.now)
            return JSONValue.object([("request_id", .string(VonageV2ID.show(id))), ("status", .string("completed"))]).response()
        } catch let error as VerifyError {
            return refuse(Self.problem(for: error, channel: "code"))
        } catch {
            return failed(error)
        }
    }

    /// POST /v2/verify/{request_id}/next_workflow → 200.
    func nextWorkflow(_ call: ApiCall) throws -> HTTPResponse {
        do {
            try engine.triggerNextEvent(requestID: requestID(), accountID: call.client.apiKey, ip: "", now: context.now)
            return JSONValue.object([]).response()
        } catch let error as VerifyError {
            return refuse(Self.problem(for: error, channel: "workflow"))
        } catch {
            return failed(error)
        }
    }

    /// DELETE /v2/verify/{request_id} → 204.
    func cancel(_ call: ApiCall) throws -> HTTPResponse {
        do {
            try engine.cancelAtOnce(requestID: requestID(), accountID: call.client.apiKey, now: context.now)
            return HTTPResponse(status: 204)
        } catch let error as VerifyError {
            return refuse(Self.problem(for: error, channel: "request_id"))
        } catch {
            return failed(error)
        }
    }

    // MARK: Helpers

    /// The `{request_id}` segment (the third), in the engine's form.
    private func requestID() -> String {
        let segments = context.request.path.split(separator: "/")
        return segments.count >= 3 ? VonageV2ID.read(String(segments[2])) : ""
    }

    /// Anything else (the database is down…) as a problem body too, not v1's status 5.
    private func failed(_ error: Error) -> HTTPResponse {
        if case DatabaseError.unavailable(let message) = error {
            Log.warning("verify_v2: 503, \(message)")
            return Problem(status: 503, kind: "internal-error", title: "Service Unavailable",
                           detail: "The database is unavailable; try again.").response(instance: instance)
        }
        Log.error("verify_v2 failed: \(error)")
        return Problem.internalError.response(instance: instance)
    }

    private func refuse(_ problem: Problem) -> HTTPResponse {
        context.app.metrics.refused("verify_v2_\(problem.status)")
        return problem.response(instance: instance)
    }

    /// The engine's v1 statuses as Vonage v2 answers them. `parameter` names what a status 3 was about.
    static func problem(for error: VerifyError, channel parameter: String) -> Problem {
        switch error.status {
        case .wrongCode: return .wrongCode
        case .tooManyWrongCodes: return .tooManyWrongCodes
        case .notFound: return .notFound(VonageV2ID.show(error.requestID))
        case .concurrent:
            var problem = Problem(status: 409, kind: "conflict", title: "Conflict",
                                  detail: "Concurrent verifications to the same number are not allowed")
            problem.requestID = VonageV2ID.show(error.requestID)
            return problem
        case .controlRefused: return .noMoreEvents
        case .throttled: return .throttled
        case .quotaExceeded:
            return Problem(status: 429, kind: "throttled", title: "Rate Limit Hit",
                           detail: "This API key's daily limit of texts and calls is spent")
        case .unsupportedNetwork: return .invalid("workflow[0].to", "this destination is not served")
        case .missingParameter, .invalidParameter: return .invalid(parameter, error.text)
        default: return .internalError
        }
    }
}
