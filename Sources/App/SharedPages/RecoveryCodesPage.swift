import HTTP
import Security
import Templates

/// A new set of recovery codes, shown once (`recovery_codes/show`): after the authenticator
/// app is set up (the first set) and when the user asks for a new set.
enum RecoveryCodesPage {
    enum Intro { case firstSet, newSet }

    static func render(_ codes: [String], context: RequestContext, intro: Intro) throws -> HTTPResponse {
        try context.render("recovery_codes/show", title: "Your recovery codes", [
            "codes": .array(codes.map { .string(RecoveryCode.display($0)) }),
            "first_set": .bool(intro == .firstSet),
            "count": .int(codes.count),
        ])
    }
}
