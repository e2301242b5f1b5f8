import Foundation
import Messaging

/// One answer of Vonage's hosted Verify v1 API, as far as the delegating engine reads it.
/// Vonage answers HTTP 200 for failures too; `status` "0" is success, anything else is an
/// error with `error_text`. `status` is documented as a string; a number is accepted too.
struct VonageVerifyAnswer: Equatable {
    let status: String
    let requestID: String
    let eventID: String
    let errorText: String

    /// Nil when the body is not the JSON object Vonage documents (a proxy's HTML page, …).
    init?(_ response: OutboundResponse) {
        guard response.status == 200, let json = response.jsonObject else { return nil }
        func text(_ key: String) -> String? {
            (json[key] as? String) ?? (json[key] as? NSNumber).map { $0.stringValue }
        }
        guard let status = text("status") else { return nil }
        self.status = status
        requestID = text("request_id") ?? ""
        eventID = text("event_id") ?? ""
        errorText = Self.clean(text("error_text") ?? "")
    }

    var succeeded: Bool { status == "0" }

    /// Vonage's error_text is shown to API clients and logged: printable ASCII only, bounded.
    static func clean(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F })
            .prefix(200))
    }
}
