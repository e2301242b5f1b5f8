import HTTP

/// The route table. Rails equivalents:
///   root "pages#index"
///   resource :user,         only: [:new, :create, :edit, :update]
///   resource :session,      only: [:new, :create, :destroy]
///   resource :verification, only: [:new, :create] do post :resend end
public enum Routes {
    static func draw() -> Router {
        var r = Router()
        r.get("/", PagesController.self, "index") { try $0.index() }

        r.get("/user/new", UsersController.self, "new") { try $0.new() }
        r.post("/user", UsersController.self, "create") { try $0.create() }
        r.get("/user/edit", UsersController.self, "edit") { try $0.edit() }
        r.patch("/user", UsersController.self, "update") { try $0.update() }

        r.get("/session/new", SessionsController.self, "new") { try $0.new() }
        r.post("/session", SessionsController.self, "create") { try $0.create() }
        r.delete("/session", SessionsController.self, "destroy") { try $0.destroy() }

        r.get("/verification/new", VerificationsController.self, "new") { try $0.new() }
        r.post("/verification", VerificationsController.self, "create") { try $0.create() }
        r.post("/verification/resend", VerificationsController.self, "resend") { try $0.resend() }
        return r
    }
}
