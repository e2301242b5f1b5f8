import HTTP
import Support
import Templates

/// "Your data" (issue 14): what we hold about the account, and the same as a JSON download.
/// The number is masked until the password is given again here; then, for a few minutes
/// (`Session.reauthenticationWindow`), the page and the download show it in full.
public struct AccountDataController: Controller {
    public static let name = "account_data"
    public enum Action: String { case show, reveal, download }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /user/data
    static func show(_ signedIn: SignedIn.ReadOnly) throws -> HTTPResponse {
        try page(signedIn, errors: ValidationErrors())
    }

    /// POST /user/data/number: the current password (regulated like a login), then the full number.
    func reveal(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user
        if let problem = try PasswordConfirmation.problem(context.params["current_password"], for: signedIn) {
            var errors = ValidationErrors()
            errors.add("current_password", problem)
            return try Self.page(signedIn.readOnly, errors: errors, status: 422)
        }
        try context.app.database.write { try Session.markReauthenticated(id: signedIn.session.id, now: context.now, in: $0) }
        context.audit(.fullNumberShown, userID: user.id)
        return context.redirect(to: "/user/data")
    }

    /// GET /user/data/download: the page's content as a JSON file.
    func download(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user, app = context.app
        // Written first, so the download lists its own event like the page will next time.
        context.audit(.dataDownloaded, userID: user.id)
        app.metrics.dataDownloaded()
        let data = try app.database.read { db in
            try AccountData.gather(user, fullNumber: try Session.isRecentlyReauthenticated(id: signedIn.session.id, now: context.now, in: db),
                                   wholeLog: true, now: context.now, config: app.config, in: db)
        }
        var response = data.json.response()
        response.headers.set("Content-Disposition", "attachment; filename=\"\(Self.fileName(brand: app.config.brandName))\"")
        return response
    }

    /// `twofa-account-data.json`: the brand, kept to characters safe in a header.
    static func fileName(brand: String) -> String {
        let safe = brand.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" }
        return String(safe.prefix(40)) + "-account-data.json"
    }

    private static func page(_ signedIn: SignedIn.ReadOnly, errors: ValidationErrors, status: Int = 200) throws -> HTTPResponse {
        let user = signedIn.user, context = signedIn.context
        let data = try context.read { db in
            try AccountData.gather(user, fullNumber: try Session.isRecentlyReauthenticated(id: signedIn.session.id, now: context.now, in: db),
                                   wholeLog: false, now: context.now, config: context.config, in: db)
        }
        var locals = data.templateValues
        locals["errors"] = errors.templateValue
        locals["window_minutes"] = .int(Int(Session.reauthenticationWindow / 60))
        return try context.render("account_data/show", title: "Your data", status: status, locals)
    }
}
