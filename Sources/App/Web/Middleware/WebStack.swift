import HTTP

/// The middleware stacks, outermost first. Every request goes down `common`; at `RouteRequest`
/// it takes the browser stack (pages: cookies, CSRF, forms) or the API stack (Verify JSON:
/// API keys, JSON bodies, JSON errors).
enum WebStack {
    static func build(_ app: Application) -> any Middleware {
        let runAction = RunAction()
        let browser: any Middleware =
            FormBody(next:                       // query and form body (400 / 415)
            MethodOverride(next:                 // `_method` → PATCH / PUT / DELETE
            BusyGate(passwords: app.passwords, next: // a full bcrypt pool → 503 before any work
            PageContext(app: app, next:          // the page context; its cookies on the way out
            UnroutedPages(next:                  // 404 / 405 pages
            LoadSession(next:                    // the session cookie → session and user
            CSRFCheck(next:                      // every non-GET carries the form's token (403)
            PageErrors(next: runAction))))))))   // a failed action → the 500 page
        let api: any Middleware =
            APIBody(app: app, next:              // query and form or JSON body (JSON 400 / 415)
            APIErrors(next: runAction))          // a failed action → Vonage status 5
        return
            RequestMetrics(metrics: app.metrics, next: // /metrics by route and status
            AddSecurityHeaders(secureCookies: app.config.secureCookies, next: // on every answer
            ErrorBoundary(next:                  // any other error → a 503 / 500 answer
            ServeAssets(assets: app.assets, next: // /assets/… from memory
            RouteRequest(router: app.router, browser: browser, api: api)))))
    }
}
