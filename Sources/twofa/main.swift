import App
import Foundation
import Support

// twofa [serve | migrate | routes | help]   — `serve` is the default.

let arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.first ?? "serve"

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("twofa: \(message)\n".utf8))
    exit(1)
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
    let app = starting { try Application(config: config) }
    let server = app.makeServer()
    starting { try server.start() }
    Log.info("twofa listening on http://\(config.host):\(server.port) (\(config.environment.rawValue))")
    ShutdownSignals.onTerminate {
        Log.info("shutting down: finishing in-flight requests")
        server.shutdown()
        Log.info("stopped")
        exit(0)
    }
    dispatchMain()

case "migrate":
    let config = starting { try AppConfig.load() }
    let applied = starting { try Maintenance.migrate(config) }
    print(applied.isEmpty ? "Nothing to migrate." : applied.map { "Applied \($0)" }.joined(separator: "\n"))

case "routes":
    print(Routes.table())

case "help", "-h", "--help":
    print("""
        usage: twofa [command]
          serve     apply pending migrations, then serve HTTP (the default)
          migrate   apply pending migrations and exit
          routes    print the route table with its before-action filters
        Configuration: config/<APP_ENV>.json, overridden by environment variables (see README).
        """)

default:
    fail("unknown command \"\(command)\" (try: twofa help)")
}
