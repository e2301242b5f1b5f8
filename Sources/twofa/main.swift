import App
import Foundation
import Support

// twofa [serve | migrate | routes | api-keys … | users … | audit USER | db backup PATH | db copy --to URL | db prune | users import --rails SOURCE | help]   — `serve` is the default.

let arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.first ?? "serve"

/// Exit status 1 for failures; 2 for a command used the wrong way.
func fail(_ message: String, status: Int32 = 1) -> Never {
    Log.flush()   // what was logged before comes first
    FileHandle.standardError.write(Data("twofa: \(message)\n".utf8))
    exit(status)
}

/// Runs `body`, turning any start-up failure into one clear line and exit code 1.
func starting<T>(_ body: () throws -> T) -> T {
    do { return try body() } catch let error as ConfigError {
        fail("configuration error: \(error)")
    } catch {
        fail("cannot start: \(error)")
    }
}

switch command {
case "serve":
    let config = starting { try AppConfig.load() }
    Log.configure(level: config.logLevel)
    Log.configure(format: config.logFormat, instance: config.instanceName)
    let app = starting { try Application(config: config) }
    let server = app.makeServer()
    // Before the socket opens: a supervisor may send SIGTERM as soon as it sees the port.
    ShutdownSignals.onTerminate {
        Log.info("shutting down: finishing in-flight requests")
        app.scheduler.stop()
        app.pruner.stop()
        app.webhooks.stop()
        server.shutdown()
        if !app.afterResponse.wait(seconds: 10) { Log.warning("stopping with a code still being sent") }
        // Nothing may still be running when exit() tears the process down.
        app.passwords.stop()
        // Commits what is still queued (a delivery mark written behind) before the process goes;
        // a connection still lent to a request past its drain must not keep the process up.
        Log.flush(timeout: 0)
        let closed = DispatchSemaphore(value: 0)
        Thread { app.database.close(); closed.signal() }.start()
        if closed.wait(timeout: .now() + 5) == .timedOut { Log.warning("stopping with the database still in use") }
        Log.info("stopped")
        Log.flush()
        exit(0)
    }
    starting { try server.start() }
    app.scheduler.start()   // fires Verify events (the voice call after an unanswered SMS)
    app.pruner.start()      // removes what we no longer keep (RetentionPolicy), every PRUNE_INTERVAL
    app.webhooks.start()    // sends the Verify API's callbacks from their queue in the database
    Log.info("twofa listening on http://\(config.host):\(server.port) (\(config.environment.rawValue))")
    Log.flush(timeout: 0)   // supervisors and tests wait for this line: not a batch's delay later
    dispatchMain()

case "migrate":
    let config = starting { try AppConfig.load() }
    let applied = starting { try Maintenance.migrate(config) }
    print(applied.isEmpty ? "Nothing to migrate." : applied.map { "Applied \($0)" }.joined(separator: "\n"))

case "api-keys":
    // twofa api-keys create NAME [--daily-limit N] [--twilio] [--callback-url URL] | list | limit KEY|NAME N|none | custom-codes KEY on|off | revoke KEY
    let config = starting { try AppConfig.load() }
    // `--twilio` (create only): Twilio-style credentials, an account SID `AC…` and an auth token.
    let twilio = arguments.contains("--twilio")
    let rest = Array(arguments.dropFirst()).filter { $0 != "--twilio" }
    if twilio && rest.first != "create" { fail("usage: twofa api-keys create NAME [--daily-limit N] [--twilio] [--callback-url URL]", status: 2) }
    switch (rest.first, rest.count) {
    case ("create", 2...6) where rest.count % 2 == 0:
        let name = rest[1].trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty, name.count <= 100 else { fail("api-keys create: NAME must be 1 to 100 characters") }
        let usage = "usage: twofa api-keys create NAME [--daily-limit N] [--twilio] [--callback-url URL]  (N: texts and calls a UTC day, 1 or more)"
        var dailyLimit: Int?
        var callbackURL: String?
        for i in stride(from: 2, to: rest.count, by: 2) {
            switch rest[i] {
            case "--daily-limit":
                guard dailyLimit == nil, let n = Int(rest[i + 1]), n >= 1, n <= 100_000_000 else { fail(usage) }
                dailyLimit = n
            case "--callback-url":
                guard callbackURL == nil else { fail(usage) }
                if let problem = APIKeyCommands.callbackURLProblem(rest[i + 1]) { fail("api-keys create: --callback-url must be \(problem)") }
                callbackURL = rest[i + 1]
            default: fail(usage)
            }
        }
        let created = starting { try APIKeyCommands.create(config, name: name, dailyLimit: dailyLimit, twilio: twilio, callbackURL: callbackURL) }
        print(twilio ? "account_sid: \(created.apiKey)\nauth_token: \(created.apiSecret)" : "api_key: \(created.apiKey)\napi_secret: \(created.apiSecret)")
        if let signatureSecret = created.signatureSecret { print("signature_secret: \(signatureSecret)") }
        FileHandle.standardError.write(Data("Store the secret now: it is shown only once.\n".utf8))
    case ("list", 1):
        let lines = starting { try APIKeyCommands.list(config) }
        print(lines.isEmpty ? "No API keys." : lines.joined(separator: "\n"))
    case ("limit", 3):
        guard let limit = APIKeyCommands.parseLimit(rest[2]) else {
            fail("usage: twofa api-keys limit KEY|NAME N|none  (N: texts and calls a UTC day, 1 or more)")
        }
        guard let key = starting({ try APIKeyCommands.limit(config, keyOrName: rest[1], dailyLimit: limit) }) else {
            fail("api-keys limit: no active key (or no single key named) \(rest[1])")
        }
        print(limit.map { "\(key): at most \($0) texts and calls a day (UTC)." } ?? "\(key): no daily limit.")
    case ("custom-codes", 3):
        guard ["on", "off"].contains(rest[2]) else { fail("usage: twofa api-keys custom-codes KEY on|off", status: 2) }
        guard starting({ try APIKeyCommands.customCodes(config, apiKey: rest[1], allowed: rest[2] == "on") }) else {
            fail("api-keys custom-codes: no active key \(rest[1])")
        }
        print(rest[2] == "on" ? "\(rest[1]) may send its own codes (pin_code, CustomCode)." : "\(rest[1]): no custom codes.")
    case ("revoke", 2):
        guard starting({ try APIKeyCommands.revoke(config, apiKey: rest[1]) }) else {
            fail("api-keys revoke: no active key \(rest[1])")
        }
        print("Revoked \(rest[1]).")
    default:
        fail("usage: twofa api-keys create NAME [--daily-limit N] [--twilio] [--callback-url URL] | list | limit KEY|NAME N|none | custom-codes KEY on|off | revoke KEY")
    }

case "users", "audit":
    // twofa users list | show USER | delete USER | unlock USER | reset-second-factor USER | import --rails SOURCE;  twofa audit USER|deleted-…
    let config = starting { try AppConfig.load() }
    let rest = Array(arguments.dropFirst())
    func admin(_ body: () throws -> String) {
        do { print(try body()) } catch let error as UserAdmin.Failure { fail(error.description) } catch { fail("\(error)") }
    }
    switch (command, rest.first, rest.count) {
    case ("users", "list", 1): admin { try UserAdmin.list(config) }
    case ("users", "show", 2): admin { try UserAdmin.show(config, username: rest[1]) }
    case ("users", "delete", 2): admin { try UserAdmin.delete(config, username: rest[1]) }
    case ("users", "unlock", 2): admin { try UserAdmin.unlock(config, username: rest[1]) }
    case ("users", "reset-second-factor", 2): admin { try SecondFactorResetCommand.run(config, username: rest[1]) }
    case ("users", "reset-second-factor", _): fail(SecondFactorResetCommand.usage, status: 2)
    case ("audit", _, 1): admin { try UserAdmin.audit(config, username: rest[0]) }
    case ("audit", _, _): fail("usage: twofa audit USER")
    case ("users", "import", _):
        guard let options = RailsImport.Options(arguments: Array(rest.dropFirst())) else { fail(RailsImport.usage, status: 2) }
        admin { try RailsImport.run(config, options) }
    default: fail("usage: twofa users list | show USER | delete USER | unlock USER | reset-second-factor USER\n" + RailsImport.usage)
    }

case "db":
    // twofa db backup PATH [--force] | twofa db copy --to URL | twofa db prune
    let rest = Array(arguments.dropFirst())
    switch rest.first {
    case "backup":
        guard let options = BackupCommand.Options(arguments: Array(rest.dropFirst())) else { fail(BackupCommand.usage, status: 2) }
        if let advice = BackupCommand.postgresAdvice(environment: ProcessInfo.processInfo.environment) { fail(advice, status: 2) }
        let config = starting { try AppConfig.load() }
        // Ctrl-C or SIGTERM stops it between steps, and the partial copy is removed.
        let signalled = NSLock()
        var interrupted = false
        ShutdownSignals.onTerminate { signalled.lock(); interrupted = true; signalled.unlock() }
        let isCancelled = { signalled.lock(); defer { signalled.unlock() }; return interrupted }
        do { print(try BackupCommand.run(config, options, isCancelled: isCancelled)) } catch { fail("db backup: \(error)") }
    case "copy":
        guard let url = DatabaseCopyCommand.target(arguments: Array(rest.dropFirst())) else { fail(DatabaseCopyCommand.usage, status: 2) }
        let config = starting { try AppConfig.load() }
        do { print(try DatabaseCopyCommand.run(config, to: url)) } catch { fail("db copy: \(error)") }
    case "prune" where rest.count == 1:
        let config = starting { try AppConfig.load() }
        do { print(try Maintenance.prune(config)) } catch let failed as Pruner.RulesFailed {
            print(failed.report)   // the other rules still ran: what they removed, then the failure (exit 1)
            fail("db prune: \(failed)")
        } catch { fail("db prune: \(error)") }
    default:
        fail(BackupCommand.usage + "\n" + DatabaseCopyCommand.usage + "\nusage: twofa db prune", status: 2)
    }

case "routes":
    print(Routes.table())

case "help", "-h", "--help":
    print("""
        usage: twofa [command]
          serve     apply pending migrations, then serve HTTP (the default)
          migrate   apply pending migrations and exit
          routes    print the route table with its before-action filters
          api-keys  create NAME [--daily-limit N] [--callback-url URL] | list | limit KEY|NAME N|none | revoke KEY: clients of the Verify JSON API
          users     list | show USER | delete USER | unlock USER (after 100 failed logins in a row)
                    import --rails PATH_OR_URL [--default-country CC]: accounts of a Rails two-factor app
                    reset-second-factor USER: a lost phone without app or recovery codes: removes the app, recovery
                      codes, remembered devices and sessions, texts the old number; the next login proves a number
          audit     USER: the account's last 20 security events
                    deleted-…: a deleted account's kept trail, by its tombstone (users delete prints it)
          db        backup PATH [--force]: a consistent copy of the SQLite database, taken while serving
                    copy --to postgres://…: every table of the SQLite database into an empty PostgreSQL database
                    prune: remove now what we no longer keep (the server does it every PRUNE_INTERVAL); prints rows per table
        Configuration: config/<APP_ENV>.json, overridden by environment variables (see docs/configuration.md).
        """)

default:
    fail("unknown command \"\(command)\" (try: twofa help)")
}

// Log lines are written by a thread of their own: let them out before the process ends.
Log.flush()
