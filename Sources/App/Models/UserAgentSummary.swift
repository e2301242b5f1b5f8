/// "Chrome on macOS" from a User-Agent header: enough for a person to recognise their
/// own devices on the Sessions and Activity pages. Order matters: Edge and Opera also
/// say "Chrome", Chrome also says "Safari".
public enum UserAgentSummary {
    public static func describe(_ agent: String) -> String {
        if agent.isEmpty { return "Unknown browser" }
        let browser: String
        if agent.contains("Edg/") { browser = "Edge" }
        else if agent.contains("OPR/") { browser = "Opera" }
        else if agent.contains("Firefox/") { browser = "Firefox" }
        else if agent.contains("HeadlessChrome/") { browser = "Headless Chrome" }
        else if agent.contains("Chrome/") || agent.contains("CriOS/") { browser = "Chrome" }
        else if agent.contains("Safari/") { browser = "Safari" }
        else if agent.hasPrefix("curl/") { browser = "curl" }
        else { browser = String(agent.prefix(while: { $0 != "/" && $0 != " " }).prefix(40)) }
        let system: String?
        if agent.contains("iPhone") { system = "iPhone" }
        else if agent.contains("iPad") { system = "iPad" }
        else if agent.contains("Android") { system = "Android" }
        else if agent.contains("Windows") { system = "Windows" }
        else if agent.contains("Mac OS X") || agent.contains("Macintosh") { system = "macOS" }
        else if agent.contains("CrOS") { system = "ChromeOS" }
        else if agent.contains("Linux") { system = "Linux" }
        else { system = nil }
        return system.map { "\(browser) on \($0)" } ?? browser
    }
}
