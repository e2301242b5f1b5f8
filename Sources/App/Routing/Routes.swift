import HTTP

/// The route table. Rails equivalents:
///   root "pages#index"
///   resource :user,         only: [:new, :create, :edit, :update] do
///     resources :sessions,  only: [:index, :destroy] (id as a form field) + delete :others   (user_sessions)
///     resources :activity,  only: [:index]                                                     (activities)
///     resource :number,     only: [:edit, :update] + get "verification/new", post "verification" (number_changes)
///     resource :two_factor, only: [:show]
///     resource :totp,       only: [:new, :create, :destroy]                                    (authenticator)
///     resources :recovery_codes,     only: [:create]
///     resources :remembered_devices, only: [:destroy] (id as a form field)
///   end
///   get "/healthz" => "health#show"; get "/metrics" => "metrics#show"
///   resource :session,      only: [:new, :create, :destroy]
///   resource :passwordless, only: [:new, :create] + get/post :code          (PASSWORDLESS_LOGIN=on)
///   resource :verification, only: [:new, :create] do
///     post :resend; post :call                                   (verifications: the texted PIN)
///     post :totp; post :recovery                                 (second_factor: app or recovery code)
///   end
///   match "/verify/json", "/verify/(check|search|control)/json" => "verify_api#…", via: [:get, :post]
///   get "/verify/openapi.json" => "verify_api#openapi"
///
/// `quick: true`: the event loop tries the action itself (pages that only read, and the
/// login form's early 503), handing it to a worker at its first blocking call.
public enum Routes {
    static func draw() -> Router {
        var r = Router()
        r.get("/", PagesController.self, "index", quick: true) { try $0.index() }

        r.get("/user/new", UsersController.self, "new", quick: true) { try $0.new() }
        r.post("/user", UsersController.self, "create") { try $0.create() }
        r.get("/user/edit", UsersController.self, "edit", quick: true) { try $0.edit() }
        r.patch("/user", UsersController.self, "update") { try $0.update() }
        r.get("/user/sessions", UserSessionsController.self, "index", quick: true) { try $0.index() }
        r.delete("/user/sessions", UserSessionsController.self, "destroy") { try $0.destroy() }
        r.delete("/user/sessions/others", UserSessionsController.self, "destroy_others") { try $0.destroyOthers() }
        r.get("/user/activity", ActivitiesController.self, "index", quick: true) { try $0.index() }
        r.get("/user/number/edit", NumberChangesController.self, "edit", quick: true) { try $0.edit() }
        r.patch("/user/number", NumberChangesController.self, "update") { try $0.update() }
        r.get("/user/number/verification/new", NumberChangesController.self, "new_verification") { try $0.newVerification() }
        r.post("/user/number/verification", NumberChangesController.self, "verify") { try $0.verify() }

        r.get("/healthz", HealthController.self, "show") { try $0.show() }
        r.get("/metrics", MetricsController.self, "show") { try $0.show() }

        r.get("/session/new", SessionsController.self, "new", quick: true) { try $0.new() }
        // Quick so that a full bcrypt pool's 503 is answered on the loop: a login storm's
        // refusals then cost no hand-off to a worker.
        r.post("/session", SessionsController.self, "create", quick: true, hashesPassword: true) { try $0.create() }
        r.delete("/session", SessionsController.self, "destroy") { try $0.destroy() }
        // Passwordless login (PASSWORDLESS_LOGIN=on; a 404 otherwise).
        r.get("/passwordless/new", PasswordlessController.self, "new", quick: true) { try $0.new() }
        r.post("/passwordless", PasswordlessController.self, "create") { try $0.create() }
        r.get("/passwordless/code", PasswordlessController.self, "code") { try $0.code() }
        r.post("/passwordless/code", PasswordlessController.self, "verify") { try $0.verify() }

        r.get("/verification/new", VerificationsController.self, "new") { try $0.new() }
        r.post("/verification", VerificationsController.self, "create") { try $0.create() }
        r.post("/verification/resend", VerificationsController.self, "resend") { try $0.resend() }
        r.post("/verification/call", VerificationsController.self, "call") { try $0.call() }
        // Issue 6: authenticator app / recovery code at the second-factor step, and their settings.
        r.post("/verification/totp", SecondFactorController.self, "totp") { try $0.totp() }
        r.post("/verification/recovery", SecondFactorController.self, "recovery") { try $0.recovery() }
        r.get("/user/two_factor", TwoFactorController.self, "show", quick: true) { try $0.show() }
        r.get("/user/totp/new", AuthenticatorController.self, "new") { try $0.new() }
        r.post("/user/totp", AuthenticatorController.self, "create") { try $0.create() }
        r.delete("/user/totp", AuthenticatorController.self, "destroy") { try $0.destroy() }
        r.post("/user/recovery_codes", RecoveryCodesController.self, "create") { try $0.create() }
        r.delete("/user/remembered_devices", RememberedDevicesController.self, "destroy") { try $0.destroy() }

        // The Verify JSON API (Vonage Verify v1 paths; GET or POST, as Vonage accepts both).
        for method in ["GET", "POST"] {
            r.add(method, "/verify/json", VerifyAPIController.self, "request") { try $0.request() }
            r.add(method, "/verify/check/json", VerifyAPIController.self, "check") { try $0.check() }
            r.add(method, "/verify/search/json", VerifyAPIController.self, "search") { try $0.search() }
            r.add(method, "/verify/control/json", VerifyAPIController.self, "control") { try $0.control() }
        }
        r.get("/verify/openapi.json", VerifyAPIController.self, "openapi") { try $0.openapi() }
        return r
    }
}
