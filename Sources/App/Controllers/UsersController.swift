import HTTP
import Messaging
import Security
import Support
import Templates

/// Signing up, and changing the account. Editing is only for fully verified sessions:
/// an account must never change from a half-logged-in one.
public struct UsersController: Controller {
    public static let name = "users"
    public enum Action: String { case new, create, edit, update }

    let context: RequestContext
    public init(_ context: RequestContext) { self.context = context }

    /// GET /user/new
    static func new(_ guest: Guest.ReadOnly) throws -> HTTPResponse {
        try signUpForm(guest.context, username: "", number: "", errors: ValidationErrors())
    }

    /// POST /user: validates, creates the account, logs it in half-way and texts a PIN.
    /// Nothing in the answer tells whether the number has an account (issue 13): with one, the
    /// same next page follows, but no code goes to it for this sign-up (which therefore can
    /// never finish) and its owner is told by SMS (SignUpNotice).
    func create(_: Guest) throws -> HTTPResponse {
        let params = context.params
        let username = params["username"].trimmingWhitespace()
        let password = params["password"]
        let typedNumber = params["number"]
        let app = context.app
        // Every attempt counts, valid or not, before anything is looked up.
        guard let attempt = try app.database.write({
            try SignUpRegulation(config: app.config).admit(ip: context.clientIP, now: context.now, in: $0)
        }) else {
            app.metrics.signUpThrottled()
            Log.info("sign-up refused: too many attempts from this address")
            return try signUpForm(username: username, number: typedNumber, errors: ValidationErrors(), status: 422,
                                  error: "Too many sign-up attempts from your network. Please try again later.")
        }
        var errors = ValidationErrors()
        User.validateUsername(username, into: &errors)
        User.validatePassword(password, confirmation: params["password_confirmation"], into: &errors)
        var number = ""
        switch PhoneNumber.normalize(typedNumber) {
        case .success(let normalized):
            number = normalized
            if let problem = TextedCode.countryProblem(number, app: app) { errors.add("number", problem) }
        case .failure(let problem): errors.add("number", problem.description)
        }
        if errors["password"] == nil,
           let problem = app.passwordPolicy.problem(password: password, username: username, number: number) {
            errors.add("password", problem)
        }
        // Whether a username is free is said only once the rest of the form is valid, so the
        // form can't be used to test names cheaply. (The unique index still decides races.)
        // Whether the number has an account is never said.
        if errors.isEmpty, try app.database.read({ try User.find(username: username, in: $0) }) != nil {
            errors.add("username", "That username is taken")
        }
        guard errors.isEmpty else { return try signUpForm(username: username, number: typedNumber, errors: errors, status: 422) }

        let digest = try app.passwords.hash(password)
        let user: User
        do {
            user = try app.database.write { db in
                try User.create(username: username, number: number, passwordDigest: digest, now: context.now, in: db)
            }
        } catch User.CreateFailure.usernameTaken {
            errors.add("username", "That username is taken")
            return try signUpForm(username: username, number: typedNumber, errors: errors, status: 422)
        }
        Log.info("registered user \(user.id)")
        context.audit(.registered, userID: user.id)
        try SignUpNotice.tellOwner(of: number, attempt: attempt, context: context)
        let session = try context.startSession(for: user)
        return try LoginFlow.sendFirstCode(PendingSecondFactor(context: context, session: session, user: user))
    }

    /// GET /user/edit
    static func edit(_ signedIn: SignedIn.ReadOnly) throws -> HTTPResponse {
        try editForm(signedIn.context, signedIn.user, errors: ValidationErrors())
    }

    /// PATCH /user: change the password. Needs the current one; ends every other session.
    func update(_ signedIn: SignedIn) throws -> HTTPResponse {
        let user = signedIn.user, session = signedIn.session
        let params = context.params
        var errors = ValidationErrors()
        // Regulated like a login (PasswordConfirmation): a hijacked session can't guess freely.
        if let problem = try PasswordConfirmation.problem(params["current_password"], for: signedIn) {
            errors.add("current_password", problem)
        }
        User.validatePassword(params["password"], confirmation: params["password_confirmation"], into: &errors)
        if errors["password"] == nil, let problem = context.app.passwordPolicy.problem(
            password: params["password"], username: user.username, number: user.number) {
            errors.add("password", problem)
        }
        guard errors.isEmpty else { return try Self.editForm(context.readOnly, user, errors: errors, status: 422) }

        let digest = try context.app.passwords.hash(params["password"])
        try context.app.database.write { db in
            try User.updatePassword(userID: user.id, digest: digest, now: context.now, in: db)
            try User.setHasPassword(true, userID: user.id, in: db)   // a passwordless sign-up's first password
            try Session.destroyAll(userID: user.id, except: session.id, in: db)
            try RememberedDevice.revokeAll(userID: user.id, in: db)  // issue 6: remembered devices go too
        }
        // Device cookies made before are void now (they are bound to the old digest): this
        // browser, which just proved the password, gets a fresh one.
        KnownDevice.issue(context: context, userID: user.id, passwordDigest: digest)
        Log.info("password changed for user \(user.id)")
        context.audit(.passwordChanged, userID: user.id)
        context.flash(.notice, "Your password has been changed. Any other sessions have been logged out.")
        return context.redirect(to: "/")
    }

    private func signUpForm(username: String, number: String, errors: ValidationErrors, status: Int,
                            error: String? = nil) throws -> HTTPResponse {
        try Self.signUpForm(context.readOnly, username: username, number: number, errors: errors, status: status, error: error)
    }

    private static func signUpForm(_ context: ReadOnlyContext, username: String, number: String, errors: ValidationErrors,
                                   status: Int = 200, error: String? = nil) throws -> HTTPResponse {
        var locals: TemplateContext = [
            "username": .string(username),
            "number": .string(number),
            "errors": errors.templateValue,
        ]
        if let error { locals["error"] = .string(error) }
        return try context.render("users/new", title: "Create your account", status: status, locals)
    }

    private static func editForm(_ context: ReadOnlyContext, _ user: User, errors: ValidationErrors,
                                 status: Int = 200) throws -> HTTPResponse {
        var locals: TemplateContext = [
            "username": .string(user.username),
            "masked_number": .string(Redact.phone(user.number)),
            "errors": errors.templateValue,
            "has_password": .bool(try context.read { try User.hasPassword(userID: user.id, in: $0) }),
        ]
        if let email = try context.read({ try UserEmail.find(userID: user.id, in: $0) }) {
            locals["masked_email"] = .string(EmailAddress.redact(email.address))   // issue 16
        }
        return try context.render("users/edit", title: "Edit account", status: status, locals)
    }
}

extension ValidationErrors {
    /// `errors.username` etc. for the templates, next to each field.
    var templateValue: TemplateValue {
        var byField = TemplateContext()
        for message in messages where byField[message.field] == nil { byField[message.field] = .string(message.message) }   // the first per field
        return .dict(byField)
    }
}
