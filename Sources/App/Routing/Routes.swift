import HTTP

/// The route table. Rails equivalents:
///   root "pages#index"
///   resource :user,         only: [:new, :create, :edit, :update] do
///     resources :sessions,  only: [:index, :destroy] (id as a form field) + delete :others   (user_sessions)
///     resources :activity,  only: [:index]                                                     (activities)
///     resource :number,     only: [:edit, :update] + get "verification/new", post "verification" (number_changes)
///     resource :email,      only: [:edit, :update, :destroy] + get "verification/new", post "verification", patch :fallback (email_addresses)
///     resource :two_factor, only: [:show]
///     resource :totp,       only: [:new, :create, :destroy]                                    (authenticator)
///     resources :recovery_codes,     only: [:create]
///     resources :remembered_devices, only: [:destroy] (id as a form field)
///     resource :data,       only: [:show] + post :number, get :download                       (account_data)
///     resource :deletion,   only: [:new] + post :code; delete "/user"; get "/user/deleted"     (account_deletions)
///   end
///   get "/healthz" => "health#show"; get "/metrics" => "metrics#show"
///   resource :session,      only: [:new, :create, :destroy]
///   resource :passwordless, only: [:new, :create] + get/post :code          (PASSWORDLESS_LOGIN=on)
///   resource :password_reset, only: [:new, :create, :edit, :update] + get/post :code
///   resource :verification, only: [:new, :create] do
///     post :resend; post :call; post :email                      (verifications: the texted PIN, or by e-mail)
///     post :totp; post :recovery                                 (second_factor: app or recovery code)
///   end
///   match "/verify/json", "/verify/(check|search|control|psd2)/json" => "verify_api#…", via: [:get, :post]
///   get "/verify/openapi.json" => "verify_api#openapi"
///   resources "/v2/Services" (+ Verifications, VerificationCheck) => "twilio_verify#…"  (Twilio Verify v2)
///   post "/v2/verify", post|delete "/v2/verify/:request_id", post "/v2/verify/:request_id/next_workflow" => "verify_v2#…"
///
/// `r.page`: a quick page, which the event loop tries itself. Its action is a static function
/// of a read-only value, so the compiler keeps writes and bcrypt out of it (`ReadOnlyContext`);
/// the middleware in front of it hands it to a worker if the session needs a write.
public enum Routes {
    static func draw() -> Router {
        var r = Router()
        r.page("/", PagesController.self, .index, gate: .signedIn) { try PagesController.index($0) }

        r.page("/user/new", UsersController.self, .new, gate: .guest) { try UsersController.new($0) }
        r.post("/user", UsersController.self, .create, gate: .guest) { try $0.create($1) }
        r.page("/user/edit", UsersController.self, .edit, gate: .signedIn) { try UsersController.edit($0) }
        r.patch("/user", UsersController.self, .update, gate: .signedIn) { try $0.update($1) }
        r.page("/user/sessions", UserSessionsController.self, .index, gate: .signedIn) { try UserSessionsController.index($0) }
        r.delete("/user/sessions", UserSessionsController.self, .destroy, gate: .signedIn) { try $0.destroy($1) }
        r.delete("/user/sessions/others", UserSessionsController.self, .destroyOthers, gate: .signedIn) { try $0.destroyOthers($1) }
        r.page("/user/activity", ActivitiesController.self, .index, gate: .signedIn) { try ActivitiesController.index($0) }
        r.page("/user/number/edit", NumberChangesController.self, .edit, gate: .signedIn) { try NumberChangesController.edit($0) }
        r.patch("/user/number", NumberChangesController.self, .update, gate: .signedIn) { try $0.update($1) }
        r.get("/user/number/verification/new", NumberChangesController.self, .newVerification, gate: .signedIn) {
            try $0.newVerification($1)
        }
        r.post("/user/number/verification", NumberChangesController.self, .verify, gate: .signedIn) { try $0.verify($1) }
        // Issue 16: an e-mail address, proven by a code, and codes by e-mail as a fallback second factor.
        r.get("/user/email/edit", EmailAddressesController.self, .edit, gate: .signedIn) { try $0.edit($1) }
        r.patch("/user/email", EmailAddressesController.self, .update, gate: .signedIn) { try $0.update($1) }
        r.delete("/user/email", EmailAddressesController.self, .destroy, gate: .signedIn) { try $0.destroy($1) }
        r.get("/user/email/verification/new", EmailAddressesController.self, .newVerification, gate: .signedIn) {
            try $0.newVerification($1)
        }
        r.post("/user/email/verification", EmailAddressesController.self, .verify, gate: .signedIn) { try $0.verify($1) }
        r.patch("/user/email/fallback", EmailAddressesController.self, .fallback, gate: .signedIn) { try $0.fallback($1) }

        r.get("/healthz", HealthController.self, .show, gate: .open) { c, _ in try c.show() }
        r.get("/metrics", MetricsController.self, .show, gate: .open) { c, _ in try c.show() }

        r.page("/session/new", SessionsController.self, .new, gate: .guest) { try SessionsController.new($0) }
        // While the bcrypt pool is full, the event loop answers this route's 503 itself (BusyGate):
        // a login storm's refusals cost no hand-off to a worker.
        r.post("/session", SessionsController.self, .create, gate: .guest, hashesPassword: true) { try $0.create($1) }
        r.delete("/session", SessionsController.self, .destroy, gate: .open) { c, _ in try c.destroy() }
        // Passwordless login (PASSWORDLESS_LOGIN=on; a 404 otherwise).
        r.page("/passwordless/new", PasswordlessController.self, .new, gate: .passwordlessGuest) { try PasswordlessController.new($0) }
        r.post("/passwordless", PasswordlessController.self, .create, gate: .passwordlessGuest) { try $0.create($1) }
        r.get("/passwordless/code", PasswordlessController.self, .code, gate: .passwordlessGuest) { try $0.code($1) }
        r.post("/passwordless/code", PasswordlessController.self, .verify, gate: .passwordlessGuest) { try $0.verify($1) }

        // Issue 14: "Forgot your password?".
        r.page("/password_reset/new", PasswordResetsController.self, .new, gate: .guest) { try PasswordResetsController.new($0) }
        r.post("/password_reset", PasswordResetsController.self, .create, gate: .guest) { try $0.create($1) }
        r.get("/password_reset/code", PasswordResetsController.self, .code, gate: .guest) { try $0.code($1) }
        r.post("/password_reset/code", PasswordResetsController.self, .verify, gate: .guest) { try $0.verify($1) }
        r.get("/password_reset/edit", PasswordResetsController.self, .edit, gate: .guest) { try $0.edit($1) }
        r.patch("/password_reset", PasswordResetsController.self, .update, gate: .guest) { try $0.update($1) }

        r.get("/verification/new", TextedCodeStepController.self, .new, gate: .pendingSecondFactor) { try $0.new($1) }
        r.post("/verification", TextedCodeStepController.self, .create, gate: .pendingSecondFactor) { try $0.create($1) }
        r.post("/verification/resend", TextedCodeStepController.self, .resend, gate: .pendingSecondFactor) { try $0.resend($1) }
        r.post("/verification/call", TextedCodeStepController.self, .call, gate: .pendingSecondFactor) { try $0.call($1) }
        r.post("/verification/email", TextedCodeStepController.self, .email, gate: .pendingSecondFactor) { try $0.email($1) }
        // Issue 6: authenticator app / recovery code at the second-factor step, and their settings.
        r.post("/verification/totp", AppCodeStepController.self, .totp, gate: .pendingSecondFactor) { try $0.totp($1) }
        r.post("/verification/recovery", AppCodeStepController.self, .recovery, gate: .pendingSecondFactor) { try $0.recovery($1) }
        // Issue 14: "Lost your phone?", and the number a login must prove after an operator's reset.
        r.get("/verification/lost", LostPhoneController.self, .show, gate: .pendingSecondFactor) { try $0.show($1) }
        r.get("/verification/number/new", NewNumberStepController.self, .new, gate: .pendingNumberReset) { try $0.new($1) }
        r.post("/verification/number", NewNumberStepController.self, .create, gate: .pendingNumberReset) { try $0.create($1) }
        r.get("/verification/number/code", NewNumberStepController.self, .code, gate: .pendingNumberReset) { try $0.code($1) }
        r.post("/verification/number/code", NewNumberStepController.self, .verify, gate: .pendingNumberReset) { try $0.verify($1) }
        r.page("/user/two_factor", SecondFactorSettingsController.self, .show, gate: .signedIn) { try SecondFactorSettingsController.show($0) }
        r.get("/user/totp/new", AuthenticatorSetupController.self, .new, gate: .signedIn) { try $0.new($1) }
        r.post("/user/totp", AuthenticatorSetupController.self, .create, gate: .signedIn) { try $0.create($1) }
        r.delete("/user/totp", AuthenticatorSetupController.self, .destroy, gate: .signedIn) { try $0.destroy($1) }
        r.post("/user/recovery_codes", RecoveryCodesController.self, .create, gate: .signedIn) { try $0.create($1) }
        r.delete("/user/remembered_devices", RememberedDevicesController.self, .destroy, gate: .signedIn) { try $0.destroy($1) }
        // Issue 14: the banner's "Cancel this reset" while a password reset is held.
        r.delete("/user/held_password_reset", HeldPasswordResetsController.self, .destroy, gate: .signedIn) { try $0.destroy($1) }
        // Issue 14: seeing what we hold, and leaving.
        r.page("/user/data", AccountDataController.self, .show, gate: .signedIn) { try AccountDataController.show($0) }
        r.post("/user/data/number", AccountDataController.self, .reveal, gate: .signedIn) { try $0.reveal($1) }
        r.get("/user/data/download", AccountDataController.self, .download, gate: .signedIn) { try $0.download($1) }
        r.get("/user/deletion/new", AccountDeletionsController.self, .new, gate: .signedIn) { try $0.new($1) }
        r.post("/user/deletion/code", AccountDeletionsController.self, .sendCode, gate: .signedIn) { try $0.sendCode($1) }
        r.delete("/user", AccountDeletionsController.self, .destroy, gate: .signedIn) { try $0.destroy($1) }
        r.page("/user/deleted", AccountDeletionsController.self, .show, gate: .guest) { try AccountDeletionsController.show($0) }

        // The Verify JSON API (Vonage Verify v1 paths; GET or POST, as Vonage accepts both).
        // A refused start carries an (empty) request_id, as Vonage's does; the others don't.
        let starting = Gate.apiClient(requestIDInErrors: true), api = Gate.apiClient(requestIDInErrors: false)
        for method in ["GET", "POST"] {
            r.add(method, "/verify/json", VerifyAPIController.self, .request, gate: starting) { try $0.request($1) }
            r.add(method, "/verify/check/json", VerifyAPIController.self, .check, gate: api) { try $0.check($1) }
            r.add(method, "/verify/search/json", VerifyAPIController.self, .search, gate: api) { try $0.search($1) }
            r.add(method, "/verify/control/json", VerifyAPIController.self, .control, gate: api) { try $0.control($1) }
            r.add(method, "/verify/psd2/json", VerifyAPIController.self, .psd2, gate: starting) { try $0.psd2($1) }
        }
        r.get("/verify/openapi.json", VerifyAPIController.self, .openapi, gate: .open) { c, _ in try c.openapi() }

        // The Twilio Verify v2 face (HTTP Basic with an `api-keys create --twilio` account SID and token).
        let services = "/v2/Services", service = "/v2/Services/{ServiceSid}"
        let verifications = service + "/Verifications", verification = verifications + "/{Sid}"
        let checks = service + "/VerificationCheck"
        typealias T = TwilioVerifyController
        r.post(services, T.self, .createService, gate: .twilioAccount(services)) { try $0.createService($1) }
        r.get(services, T.self, .listServices, gate: .twilioAccount(services)) { try $0.listServices($1) }
        r.get(service, T.self, .showService, gate: .twilioAccount(service)) { try $0.showService($1) }
        r.post(service, T.self, .updateService, gate: .twilioAccount(service)) { try $0.updateService($1) }
        r.delete(service, T.self, .deleteService, gate: .twilioAccount(service)) { try $0.deleteService($1) }
        r.post(verifications, T.self, .createVerification, gate: .twilioAccount(verifications)) { try $0.createVerification($1) }
        r.get(verification, T.self, .showVerification, gate: .twilioAccount(verification)) { try $0.showVerification($1) }
        r.post(verification, T.self, .updateVerification, gate: .twilioAccount(verification)) { try $0.updateVerification($1) }
        r.post(checks, T.self, .createVerificationCheck, gate: .twilioAccount(checks)) { try $0.createVerificationCheck($1) }
        // Vonage Verify v2 over the same engine (HTTP Basic; JSON bodies; problem bodies on errors).
        let v2 = Gate.apiClientV2
        r.post("/v2/verify", VonageV2Controller.self, .start, gate: v2) { try $0.start($1) }
        r.post("/v2/verify/{request_id}", VonageV2Controller.self, .check, gate: v2) { try $0.check($1) }
        r.delete("/v2/verify/{request_id}", VonageV2Controller.self, .cancel, gate: v2) { try $0.cancel($1) }
        r.post("/v2/verify/{request_id}/next_workflow", VonageV2Controller.self, .nextWorkflow, gate: v2) { try $0.nextWorkflow($1) }
        // Issue 17: passkeys on the Two-factor page, as the second step, and as a login of their own.
        r.post("/user/passkeys/new", PasskeysController.self, .new, gate: .signedIn) { try $0.new($1) }
        r.post("/user/passkeys", PasskeysController.self, .create, gate: .signedIn) { try $0.create($1) }
        r.patch("/user/passkeys", PasskeysController.self, .update, gate: .signedIn) { try $0.update($1) }
        r.delete("/user/passkeys", PasskeysController.self, .destroy, gate: .signedIn) { try $0.destroy($1) }
        r.get("/verification/passkey", PasskeyStepController.self, .new, gate: .pendingSecondFactor) { try $0.new($1) }
        r.post("/verification/passkey", PasskeyStepController.self, .create, gate: .pendingSecondFactor) { try $0.create($1) }
        r.post("/passkey_login/options", PasskeyLoginController.self, .options, gate: .passkeyGuest) { try $0.options($1) }
        r.post("/passkey_login", PasskeyLoginController.self, .create, gate: .passkeyGuest) { try $0.create($1) }
        return r
    }
}

extension Routes {
    /// The `twofa routes` table.
    public static func table() -> String { draw().description() }
}
